import Glibc

/// Log severities, with the syslog priority numbers that journald reads from a `<N>` prefix.
enum LogLevel: Int, Comparable {
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        lhs.rawValue > rhs.rawValue
    }

    var name: String {
        switch self {
        case .critical: return "critical"
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }
}

/// The daemon's logger: one line per event on standard error, as a constant event phrase followed by
/// `key=value` fields.
///
/// Under systemd (`JOURNAL_STREAM` names standard error) each line starts with the sd-daemon
/// `<N>` priority prefix so that journald stores the right priority. Elsewhere the level is
/// written as a word.
enum Log {
    /// The minimum severity written; less severe lines are dropped.
    nonisolated(unsafe) static var threshold: LogLevel = .info

    /// Whether standard error is connected to the journal.
    nonisolated(unsafe) static var journalPrefixes = false

    /// Receives each finished line; tests replace it to capture lines in memory.
    nonisolated(unsafe) static var sink: (String) -> Void = { line in
        var text = line + "\n"
        text.withUTF8 { bytes in
            _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count)
        }
    }

    /// Sets `journalPrefixes` when `JOURNAL_STREAM` names the device and inode of standard error.
    static func detectJournal() {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }),
            let status = try? Linux.fstat(STDERR_FILENO)
        else {
            return
        }
        journalPrefixes = value == "\(status.st_dev):\(status.st_ino)"
    }

    static func debug(_ event: String, _ fields: (String, String)...) {
        write(.debug, event, fields)
    }

    static func info(_ event: String, _ fields: (String, String)...) {
        write(.info, event, fields)
    }

    static func notice(_ event: String, _ fields: (String, String)...) {
        write(.notice, event, fields)
    }

    static func warning(_ event: String, _ fields: (String, String)...) {
        write(.warning, event, fields)
    }

    static func error(_ event: String, _ fields: (String, String)...) {
        write(.error, event, fields)
    }

    static func error(_ event: String, _ fields: [(String, String)]) {
        write(.error, event, fields)
    }

    static func warning(_ event: String, _ fields: [(String, String)]) {
        write(.warning, event, fields)
    }

    /// Writes one line when `level` passes `threshold`.
    static func write(_ level: LogLevel, _ event: String, _ fields: [(String, String)]) {
        guard level >= threshold else {
            return
        }
        sink(format(level, event, fields, journal: journalPrefixes))
    }

    /// Formats one line, for example `<5>bound path=/usr/sbin/runc ms=3.21`.
    static func format(_ level: LogLevel, _ event: String, _ fields: [(String, String)], journal: Bool) -> String {
        var line = journal ? "<\(level.rawValue)>" : "\(level.name): "
        line += event
        for (key, value) in fields {
            line += " " + key + "=" + quoted(value)
        }
        return line
    }

    /// Quotes a field value that is empty or contains spaces, quotes, backslashes or control characters.
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0 == "=" }
        guard needsQuotes else {
            return value
        }
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += "\\x" + hex(UInt64(scalar.value), width: 2)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// Formats `value` in lowercase hex, zero-padded to `width` digits.
func hex(_ value: UInt64, width: Int = 1) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Formats a millisecond duration with two decimals, for example `3.21`.
func milliseconds(fromNanoseconds nanoseconds: UInt64) -> String {
    let hundredths = (nanoseconds + 5_000) / 10_000
    let fraction = hundredths % 100
    return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
}

/// Formats a permission mode as four octal digits, for example `0511`.
func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
