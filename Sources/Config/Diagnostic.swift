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

    /// The compiler-style form: `oneLine`, then the source line and a caret under the column.
    ///
    /// The caret line copies each tab that precedes the column in the source line and uses a
    /// space for every other character, so the caret lines up however a terminal expands tabs.
    /// Without a location or source line, this is `oneLine` alone. There is no final line break.
    public var rendered: String {
        guard let location, let sourceLine else {
            return oneLine
        }
        var caret = ""
        var column = 1
        for scalar in sourceLine.unicodeScalars where column < location.column {
            caret += scalar == "\t" ? "\t" : " "
            column += 1
        }
        caret += String(repeating: " ", count: max(0, location.column - column)) + "^"
        return oneLine + "\n" + sourceLine + "\n" + caret
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
        let line = location.flatMap { source.text(ofLine: $0.line) }
        diagnostics.append(
            Diagnostic(severity: severity, file: file, location: location, message: message, sourceLine: line))
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
        var seen: Set<Diagnostic> = []
        var unique: [Diagnostic] = []
        for diagnostic in diagnostics where seen.insert(diagnostic).inserted {
            unique.append(diagnostic)
        }
        return unique.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            let right = rhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
