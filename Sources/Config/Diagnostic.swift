/// A problem found in a configuration file, in the shape compilers use.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// The seriousness of a diagnostic.
    public enum Severity: String, Equatable, Sendable {
        /// The configuration cannot be used.
        case error
        /// The configuration loads, but probably does not do what was meant.
        case warning
    }

    public var severity: Severity

    /// The configuration file, as the caller named it.
    public var file: String

    /// The location of the problem in the file, or nil for a problem with the file as a whole.
    public var location: SourceLocation?

    /// The problem and what to write instead, in one line of English.
    public var message: String

    /// The text of the line at `location`, without its line break, or nil when unknown.
    public var sourceLine: String?

    public init(
        severity: Severity, file: String, location: SourceLocation?, message: String, sourceLine: String? = nil
    ) {
        self.severity = severity
        self.file = file
        self.location = location
        self.message = message
        self.sourceLine = sourceLine
    }

    /// The one-line form for logs: `FILE:LINE:COLUMN: error: MESSAGE`, or `FILE: error: MESSAGE`
    /// without a location.
    public var oneLine: String {
        var text = file
        if let location {
            text += ":\(location.line):\(location.column)"
        }
        return text + ": \(severity.rawValue): \(message)"
    }

    /// The maximum length, in Unicode scalars, of a source line that `rendered` shows whole. A
    /// longer line is shown as a window of this size around the column, with "..." at each cut end.
    public static let shownLineLimit = 160

    /// The compiler-style form: `oneLine`, then the source line and a caret under the column.
    ///
    /// The caret line copies each tab that precedes the column in the source line and uses a
    /// space for every other character, so the caret lines up however a terminal expands tabs.
    /// Without a location or source line, this is `oneLine` alone. There is no final line break.
    public var rendered: String {
        guard let location, let sourceLine else {
            return oneLine
        }
        var scalars = Array(sourceLine.unicodeScalars)
        var column = location.column
        if scalars.count > Diagnostic.shownLineLimit {
            let start = min(max(0, column - 1 - Diagnostic.shownLineLimit / 2), scalars.count - Diagnostic.shownLineLimit)
            let end = start + Diagnostic.shownLineLimit
            let ellipsis = Array("...".unicodeScalars)
            scalars = (start > 0 ? ellipsis : []) + scalars[start..<end] + (end < sourceLine.unicodeScalars.count ? ellipsis : [])
            column = column - start + (start > 0 ? ellipsis.count : 0)
        }
        var shown = ""
        shown.unicodeScalars.append(contentsOf: scalars)
        var caret = ""
        for scalar in scalars.prefix(max(0, column - 1)) {
            caret += scalar == "\t" ? "\t" : " "
        }
        caret += String(repeating: " ", count: max(0, column - 1 - scalars.count)) + "^"
        return oneLine + "\n" + shown + "\n" + caret
    }

    public var description: String {
        oneLine
    }
}

/// A list of diagnostics for one file, which fills in each diagnostic's source line.
struct DiagnosticCollector {
    let file: String
    let source: SourceText
    private(set) var diagnostics: [Diagnostic] = []

    /// The maximum number of diagnostics kept for one file. Past it, problems are only counted:
    /// this bounds memory and output for any input, as compilers' error limits do.
    static let maxDiagnostics = 1000

    /// Problems found after `maxDiagnostics` was reached.
    private(set) var droppedCount = 0

    /// Source lines already extracted, shared by every diagnostic on the same line.
    private var lineCache: [Int: String] = [:]

    init(file: String, source: SourceText) {
        self.file = file
        self.source = source
    }

    /// Adds an error at `location`.
    mutating func error(_ message: String, at location: SourceLocation?) {
        add(.error, message, at: location)
    }

    /// Adds a warning at `location`.
    mutating func warning(_ message: String, at location: SourceLocation?) {
        add(.warning, message, at: location)
    }

    mutating func add(_ severity: Diagnostic.Severity, _ message: String, at location: SourceLocation?) {
        guard diagnostics.count < DiagnosticCollector.maxDiagnostics else {
            droppedCount += 1
            return
        }
        let location = location.map(source.clampedToLastLine)
        var line: String?
        if let number = location?.line {
            line = lineCache[number] ?? source.text(ofLine: number)
            lineCache[number] = line
        }
        diagnostics.append(
            Diagnostic(
                severity: severity, file: file, location: location,
                message: shortenedMessage(escapingControlCharacters(message)),
                sourceLine: line))
    }


    /// Whether any error has been added.
    var hasErrors: Bool {
        diagnostics.contains { $0.severity == .error }
    }

    /// Returns the diagnostics without repeats, file-wide ones first, then by line and column.
    ///
    /// Repeats occur when an alias copies a node that has a problem: the copy keeps the
    /// original's location, so each problem is reported once, at the original.
    func sortedUnique() -> [Diagnostic] {
        struct Key: Hashable {
            var severity: Diagnostic.Severity
            var location: SourceLocation?
            var message: String
        }
        var seen: Set<Key> = []
        var unique: [Diagnostic] = []
        for diagnostic in diagnostics
        where seen.insert(Key(severity: diagnostic.severity, location: diagnostic.location, message: diagnostic.message)).inserted {
            unique.append(diagnostic)
        }
        var sorted = unique.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            let right = rhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
        if droppedCount > 0 {
            sorted.append(
                Diagnostic(
                    severity: .error, file: file, location: nil,
                    message: "\(droppedCount) more problems are not shown; fix the ones above and check again"))
        }
        return sorted
    }
}

/// The maximum message length, in Unicode scalars, before `shortenedMessage` cuts out its middle.
let messageLimit = 400

/// Returns `message` with its middle replaced by "..." when it is longer than `messageLimit`, so
/// that a huge value quoted in it does not flood the output. The start and the fix at the end stay.
func shortenedMessage(_ message: String) -> String {
    let scalars = Array(message.unicodeScalars)
    guard scalars.count > messageLimit else {
        return message
    }
    var shortened = ""
    shortened.unicodeScalars.append(contentsOf: scalars.prefix(messageLimit / 2))
    shortened += " ... "
    shortened.unicodeScalars.append(contentsOf: scalars.suffix(messageLimit / 2 - 10))
    return shortened
}

/// Whether a scalar must be escaped in a message: C0 and C1 control characters, DEL, and the
/// Unicode line and paragraph separators, any of which a terminal or log reader could act on.
private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
}

/// Returns `text` with line breaks, tabs and other control characters written as escapes, so
/// that a value quoted in a message cannot start a line of its own in the output.
func escapingControlCharacters(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else {
        return text
    }
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if needsEscape(scalar) {
                let digits = String(scalar.value, radix: 16)
                result += scalar.value > 0xFF ? "\\u{" + digits + "}" : "\\x" + (digits.count < 2 ? "0" : "") + digits
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result
}
