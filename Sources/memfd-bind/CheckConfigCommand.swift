import Config
import Glibc

/// `--check-config`: the daemon's own loading and checks, with no memfd and no mount.
enum CheckConfigCommand {
    /// Loads the configuration, printing every diagnostic on standard error. Non-root callers get
    /// ownership problems as warnings.
    static func load(_ file: String) -> Configuration? {
        loadResult(file).configuration
    }

    private static func loadResult(_ file: String) -> LoadResult {
        let ownership: OwnershipPolicy = geteuid() == 0 ? .enforce : .warn
        let result = ConfigurationLoader.load(file: file, accounts: SystemAccounts(), ownership: ownership)
        for diagnostic in result.diagnostics {
            printError(diagnostic.rendered)
        }
        return result
    }

    static func run(config file: String) -> Int32 {
        let result = loadResult(file)
        guard let configuration = result.configuration else {
            printError("\(file): configuration invalid: \(countedErrors(result.problemCount))")
            return 1
        }
        var errors = 0
        var seen: [(identity: FileIdentity, entry: BinaryEntry)] = []
        for entry in configuration.entries {
            switch inspect(entry, maxSize: configuration.maxSize) {
            case .failure(let error):
                errors += 1
                printError("\(file):\(entry.location.line):\(entry.location.column): error: \(error)")
            case .success(let found):
                if let identity = found.identity, let first = seen.first(where: { $0.identity.isSameInode(as: identity) }) {
                    errors += 1
                    printError(
                        "\(file):\(entry.location.line):\(entry.location.column): error: \(entry.path) is the same file as "
                            + "\(first.entry.path) (line \(first.entry.location.line)); list each binary once")
                    continue
                }
                if let identity = found.identity {
                    seen.append((identity, entry))
                }
                printOut("\(entry.path): \(found.description)")
            }
        }
        if errors > 0 {
            printError("\(file): configuration invalid: \(countedErrors(errors))")
            return 1
        }
        printOut(configuration.entries.isEmpty ? "configuration OK; it lists no binary, so the daemon protects nothing" : "configuration OK")
        return 0
    }

    /// Returns "1 error" or "N errors".
    private static func countedErrors(_ count: Int) -> String {
        "\(count) error\(count == 1 ? "" : "s")"
    }

    /// The result of `--check-config` at one path.
    struct Finding {
        var identity: FileIdentity?
        var description: String
    }

    /// Checks one entry's path on the filesystem.
    static func inspect(_ entry: BinaryEntry, maxSize: Int64) -> Result<Finding, ProtectError> {
        let options = "seals \(entry.seals.description), mode \(octalMode(entry.mode)), owner \(entry.owner):\(entry.group)"
        do {
            try TargetInspection.checkDirectories(entry.path)
            if let bind = TargetInspection.memfdBind(at: entry.path) {
                let state: String
                switch bind.state {
                case .live: state = "protected by memfd-bind process \(bind.pid)"
                case .stale: state = "a stale memfd-bind mount is there (owner \(bind.pid) gone); the daemon removes it"
                }
                return .success(Finding(identity: nil, description: "\(state); \(options)"))
            }
            let status = try TargetInspection.checkFile(entry.path, maxSize: maxSize)
            return .success(Finding(identity: FileIdentity(status), description: "ok, \(status.st_size) bytes, \(options)"))
        } catch {
            return .failure(error)
        }
    }
}

/// Writes a line to standard output.
func printOut(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var text = line.hasSuffix("\n") ? line : line + "\n"
    text.withUTF8 { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
