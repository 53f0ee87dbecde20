import Config

/// The mode requested on the command line.
enum Command: Equatable {
    /// Run the daemon for every entry of a configuration file.
    case daemon(config: String, pidFile: String)
    /// Run the daemon for one path with the default options (the template unit).
    case single(path: String)
    case checkConfig(config: String)
    /// Remove memfd-bind binds; with `staleOnly`, only those whose owner is gone.
    case cleanup(paths: [String], config: String, staleOnly: Bool)
    case status(config: String)
    case reload(config: String, pidFile: String)
    case release(paths: [String])
    case resume(paths: [String])
    case help
    case version
}

/// A parsed command line: the command and the options that apply to every command.
struct Invocation: Equatable {
    var command: Command
    var debug = false
}

/// A command line that cannot be run, with the message for standard error (exit status 2).
struct UsageError: Error, Equatable {
    var message: String
}

/// The default pid file of the daemon that runs from a configuration file.
let defaultPidFile = "/run/memfd-bind.pid"

/// Parses the arguments after the program name.
func parseArguments(_ arguments: [String]) throws(UsageError) -> Invocation {
    var mode: String?
    var config: String?
    var pidFile: String?
    var debug = false
    var staleOnly = false
    var operands: [String] = []

    func setMode(_ name: String) throws(UsageError) {
        if let mode, mode != name {
            throw UsageError(message: "\(mode) and \(name) cannot be used together")
        }
        mode = name
    }

    var index = 0
    var onlyOperands = false
    while index < arguments.count {
        var argument = arguments[index]
        index += 1
        if onlyOperands || !argument.hasPrefix("-") || argument == "-" {
            operands.append(argument)
            continue
        }
        if argument == "--" {
            onlyOperands = true
            continue
        }
        var inlineValue: String?
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            inlineValue = String(argument[argument.index(after: equals)...])
            argument = String(argument[..<equals])
        }
        func value() throws(UsageError) -> String {
            if let inlineValue {
                return inlineValue
            }
            guard index < arguments.count else {
                throw UsageError(message: "option \(argument) requires a value")
            }
            index += 1
            return arguments[index - 1]
        }
        func noValue() throws(UsageError) {
            if inlineValue != nil {
                throw UsageError(message: "option \(argument) takes no value")
            }
        }
        switch argument {
        case "--config", "-c":
            config = try value()
            if config!.isEmpty {
                throw UsageError(message: "option --config requires a file name")
            }
        case "--pid-file":
            pidFile = try value()
            if pidFile!.isEmpty {
                throw UsageError(message: "option --pid-file requires a file name")
            }
        case "--debug", "-d":
            try noValue()
            debug = true
        case "--stale":
            try noValue()
            staleOnly = true
        case "--check-config", "--cleanup", "--status", "--reload", "--release", "--resume", "--help", "--version":
            try noValue()
            try setMode(argument)
        case "-h":
            try setMode("--help")
        case "-V":
            try setMode("--version")
        default:
            throw UsageError(message: "unknown option \(argument)")
        }
    }

    let configFile = config ?? Configuration.defaultPath
    func noOperands() throws(UsageError) {
        if let first = operands.first {
            throw UsageError(message: "\(mode ?? "the daemon") takes no path operand, got \(first)")
        }
    }
    func absolute(_ paths: [String]) throws(UsageError) -> [String] {
        try paths.map { (path) throws(UsageError) -> String in try normalizedOperand(path) }
    }
    func rejectOption(_ given: String?, _ name: String) throws(UsageError) {
        if given != nil {
            throw UsageError(message: "\(name) does not apply to \(mode ?? "one-path mode")")
        }
    }

    if staleOnly && mode != "--cleanup" {
        throw UsageError(message: "--stale applies only to --cleanup")
    }

    let command: Command
    switch mode {
    case nil:
        if operands.isEmpty {
            command = .daemon(config: configFile, pidFile: pidFile ?? defaultPidFile)
        } else {
            guard operands.count == 1 else {
                throw UsageError(message: "one-path mode takes exactly one path; list several paths in the configuration file")
            }
            try rejectOption(config, "--config")
            try rejectOption(pidFile, "--pid-file")
            command = .single(path: try absolute(operands)[0])
        }
    case "--check-config":
        try noOperands()
        try rejectOption(pidFile, "--pid-file")
        command = .checkConfig(config: configFile)
    case "--cleanup":
        try rejectOption(pidFile, "--pid-file")
        command = .cleanup(paths: try absolute(operands), config: configFile, staleOnly: staleOnly)
    case "--status":
        try noOperands()
        try rejectOption(pidFile, "--pid-file")
        command = .status(config: configFile)
    case "--reload":
        try noOperands()
        command = .reload(config: configFile, pidFile: pidFile ?? defaultPidFile)
    case "--release":
        try rejectOption(config, "--config")
        try rejectOption(pidFile, "--pid-file")
        command = .release(paths: try absolute(operands))
    case "--resume":
        try rejectOption(config, "--config")
        try rejectOption(pidFile, "--pid-file")
        command = .resume(paths: try absolute(operands))
    case "--help":
        command = .help
    default:
        command = .version
    }
    return Invocation(command: command, debug: debug)
}

/// Returns an absolute path operand without empty or `.` components and without a trailing `/`,
/// so that it matches the mount points the kernel reports. A relative path or a `..` component is
/// a usage error, because resolving `..` by text can name another file than the kernel would.
func normalizedOperand(_ path: String) throws(UsageError) -> String {
    guard path.hasPrefix("/") else {
        throw UsageError(message: "path \(path) is not absolute")
    }
    let components = path.split(separator: "/").filter { $0 != "." }
    if components.contains("..") {
        throw UsageError(message: "path \(path) contains \"..\"; write the path without it")
    }
    return "/" + components.joined(separator: "/")
}
