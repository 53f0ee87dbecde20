/// Why one binary could not be protected, released or checked: the path, what failed, the
/// system call behind it, and what the administrator can do.
struct ProtectError: Error, CustomStringConvertible {
    /// The protected path the error is about.
    var path: String

    /// The failure as a short sentence without the path, for example "the file is not executable".
    var message: String

    /// The failed system call, when one is behind the error.
    var cause: SyscallError?

    /// The action that fixes the problem, when there is one.
    var hint: String?

    /// Whether the failed operation removed the path's previous bind, so that the path shows the
    /// original file until it is protected again.
    var leftUnprotected = false

    init(_ path: String, _ message: String, cause: SyscallError? = nil, hint: String? = nil) {
        self.path = path
        self.message = message
        self.cause = cause
        self.hint = hint
    }

    /// Renders as `PATH: MESSAGE: CAUSE; HINT`.
    var description: String {
        var text = path + ": " + message
        if let cause {
            text += ": " + cause.description
        }
        if let hint {
            text += "; " + hint
        }
        return text
    }

    /// The message and cause without the path, for log fields.
    var reason: String {
        cause.map { message + ": " + $0.description } ?? message
    }

    /// The log fields for this error: path, error and hint.
    var logFields: [(String, String)] {
        var fields = [("path", path), ("error", reason)]
        if let hint {
            fields.append(("hint", hint))
        }
        return fields
    }
}
