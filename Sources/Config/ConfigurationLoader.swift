/// The rule for a configuration file, or a directory above it, that someone other than root could change.
public enum OwnershipPolicy: Sendable {
    /// Each finding is an error: for the daemon, and for `--check-config` run as root.
    case enforce
    /// Each finding is a warning: for `--check-config` run by another user.
    case warn
    /// Ownership and modes are not checked.
    case ignore
}

/// The outcome of loading a configuration file.
public struct LoadResult: Equatable, Sendable {
    /// The configuration, or nil when any diagnostic is an error.
    public var configuration: Configuration?

    /// Every error and warning found: file-wide ones first, then by line and column.
    public var diagnostics: [Diagnostic]

    public init(configuration: Configuration?, diagnostics: [Diagnostic]) {
        self.configuration = configuration
        self.diagnostics = diagnostics
    }

    /// The number of problems found past the diagnostic limit and not listed. When it is not
    /// zero, the last diagnostic is an error without location that states this count.
    public var omittedCount = 0

    /// The number of problems in the file: the listed errors plus the omitted problems, without
    /// the diagnostic that states how many were omitted.
    public var problemCount: Int {
        errorCount + (omittedCount > 0 ? omittedCount - 1 : 0)
    }

    /// The number of diagnostics that are errors.
    public var errorCount: Int {
        diagnostics.filter { $0.severity == .error }.count
    }
}

/// The entry points that read and validate memfd-bind configuration files.
public enum ConfigurationLoader {
    /// The largest configuration file, in bytes: 1 MiB.
    public static let maxFileSize = 1 << 20

    /// Reads and validates a configuration file.
    ///
    /// - Parameters:
    ///   - file: the path of the file, used as given in diagnostics.
    ///   - accounts: the lookup for user and group names in `owner` and `group`.
    ///   - ownership: whether a file or directory that a non-root user could change is an
    ///     error, a warning, or not checked.
    /// - Returns: the configuration when there is no error, and every diagnostic. A file that
    ///   cannot be opened, is not a regular file or cannot be read gives one error without location.
    public static func load(file: String, accounts: AccountDatabase, ownership: OwnershipPolicy) -> LoadResult {
        let contents: ConfigFileContents
        switch readConfigFile(file, limit: maxFileSize) {
        case .success(let read):
            contents = read
        case .failure(let failure):
            let diagnostic = Diagnostic(severity: .error, file: file, location: nil, message: failure.message)
            return LoadResult(configuration: nil, diagnostics: [diagnostic])
        }

        var fileDiagnostics: [Diagnostic] = []
        if ownership != .ignore {
            let severity: Diagnostic.Severity = ownership == .enforce ? .error : .warning
            for problem in ownershipProblems(path: file, ownerID: contents.ownerID, mode: contents.mode) {
                fileDiagnostics.append(Diagnostic(severity: severity, file: file, location: nil, message: problem))
            }
        }

        var result = parse(bytes: contents.bytes, file: file, accounts: accounts)
        result.diagnostics = fileDiagnostics + result.diagnostics
        if result.errorCount > 0 {
            result.configuration = nil
        }
        return result
    }

    /// Validates the bytes of a configuration file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents; more than `maxFileSize` bytes is an error at 1:1.
    ///   - file: the name used in diagnostics.
    ///   - accounts: the lookup for user and group names in `owner` and `group`.
    /// - Returns: the configuration when there is no error, and every diagnostic. A YAML syntax
    ///   error stops parsing, so it is reported together with the tab checks that run before it,
    ///   but without schema checks.
    public static func parse(bytes: [UInt8], file: String, accounts: AccountDatabase) -> LoadResult {
        guard bytes.count <= maxFileSize else {
            let diagnostic = Diagnostic(
                severity: .error, file: file, location: SourceLocation(line: 1, column: 1),
                message: "file is larger than the limit of 1 MiB (\(maxFileSize) bytes); "
                    + "check that this is the configuration file and remove what it does not need")
            return LoadResult(configuration: nil, diagnostics: [diagnostic])
        }

        let source = SourceText(bytes)
        var diagnostics = DiagnosticCollector(file: file, source: source)
        let tabLocations = findTabIndentation(in: source)
        for location in tabLocations {
            diagnostics.error(tabIndentationMessage, at: location)
        }

        var configuration: Configuration?
        switch parseYAMLStream(source: source) {
        case .failure(let error):
            // libyaml often fails on the line of a tab; the tab error already explains that line.
            if !tabLocations.contains(where: { $0.line == error.location.line }) {
                diagnostics.error(error.message, at: error.location)
            }
        case .success(let documents):
            configuration = ConfigSchema(file: file, accounts: accounts).decode(documents, into: &diagnostics)
        }
        if diagnostics.hasErrors {
            configuration = nil
        }
        var result = LoadResult(configuration: configuration, diagnostics: diagnostics.sortedUnique())
        result.omittedCount = diagnostics.droppedCount
        return result
    }
}
