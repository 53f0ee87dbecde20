import Config
import Glibc
import Testing

/// A temporary directory under /tmp, removed with its files when the test ends.
private final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/config-tests-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw TemporaryDirectoryError(errno: errno)
        }
        path = String(cString: created)
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." {
                    unlink(path + "/" + name)
                }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Writes `text` to a new file in this directory with `mode` and returns the file's path.
    func write(_ name: String, _ text: String, mode: mode_t = 0o600) -> String {
        let file = path + "/" + name
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(descriptor >= 0, "cannot create \(file)")
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        chmod(file, mode)
        return file
    }
}

private struct TemporaryDirectoryError: Error {
    var errno: Int32
}

private let runningAsRoot = getuid() == 0

@Suite struct ConfigFileTests {
    @Test func loadsAValidFile() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("memfd-bind.yaml", "binaries:\n  - path: /usr/sbin/runc\n")
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .ignore)
        #expect(result.diagnostics == [])
        #expect(result.configuration?.file == file)
        #expect(result.configuration?.entries.map(\.path) == ["/usr/sbin/runc"])
    }

    @Test func missingFileSaysHowToFixIt() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/absent.yaml"
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.rendered) == [
            "\(file): error: cannot open: No such file or directory; create the file or pass --config with the "
                + "path of an existing file"
        ])
    }

    @Test func directoryIsNotARegularFile() throws {
        let directory = try TemporaryDirectory()
        let result = ConfigurationLoader.load(file: directory.path, accounts: FakeAccounts(), ownership: .ignore)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(directory.path): error: not a regular file (it is a directory); pass --config with the path of a "
                + "YAML file"
        ])
    }

    @Test func largeFileIsReadOnlyToTheLimit() throws {
        let directory = try TemporaryDirectory()
        let text = String(repeating: "# padding line\n", count: 70_000)
        let file = directory.write("big.yaml", text)
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .ignore)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(file):1:1: error: file is larger than the limit of 1 MiB (1048576 bytes); check that this is the "
                + "configuration file and remove what it does not need"
        ])
    }

    @Test func syntaxDiagnosticsCarryTheFileName() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("c.yaml", "binaries:\n  - path: /bin/x\n    mode: \"0444\"\n")
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .ignore)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(file):3:11: error: mode \"0444\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"0555\""
        ])
    }

    @Test(.enabled(if: runningAsRoot, "creating files owned by root needs root"))
    func rootOwnedFileInRootOwnedDirectoriesPasses() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("ok.yaml", "binaries: []\n", mode: 0o644)
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.diagnostics == [])
        #expect(result.configuration != nil)
    }

    @Test(.enabled(if: runningAsRoot, "lchown to another user needs root"))
    func symlinkNotOwnedByRootIsAnError() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("real.yaml", "binaries: []\n", mode: 0o600)
        let link = directory.path + "/link.yaml"
        #expect(symlink(file, link) == 0)
        #expect(lchown(link, 65534, 65534) == 0)
        let result = ConfigurationLoader.load(file: link, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(link): error: \(link) is a symbolic link owned by uid 65534, so its owner could point it elsewhere; "
                + "replace it with a link owned by root, or name the file itself"
        ])
    }

    @Test(.enabled(if: runningAsRoot, "lchown to another user needs root"))
    func symlinkLaterInAChainIsChecked() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("real.yaml", "binaries: []\n", mode: 0o600)
        let inner = directory.path + "/inner.yaml"
        let outer = directory.path + "/outer.yaml"
        #expect(symlink("real.yaml", inner) == 0)
        #expect(lchown(inner, 65534, 65534) == 0)
        #expect(symlink("inner.yaml", outer) == 0)
        let result = ConfigurationLoader.load(file: outer, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(outer): error: \(inner) is a symbolic link owned by uid 65534, so its owner could point it elsewhere; "
                + "replace it with a link owned by root, or name the file itself"
        ])
        #expect(file.hasSuffix("real.yaml"))
    }

    @Test(.enabled(if: runningAsRoot, "creating files owned by root needs root"))
    func rootOwnedSymlinkIsAccepted() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("real.yaml", "binaries: []\n", mode: 0o600)
        let link = directory.path + "/link.yaml"
        #expect(symlink(file, link) == 0)
        let result = ConfigurationLoader.load(file: link, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.diagnostics == [])
        #expect(result.configuration != nil)
    }

    @Test(.enabled(if: runningAsRoot, "chown to another user needs root"))
    func enforcedOwnershipProblemsAreErrors() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("bad.yaml", "binaries: []\n", mode: 0o664)
        #expect(chown(file, 1000, 0) == 0)
        #expect(chmod(directory.path, 0o777) == 0)
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .enforce)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(file): error: configuration file is owned by uid 1000 (mode 0664), but it must be owned by root; "
                + "run \"chown root:root \(file)\"",
            "\(file): error: configuration file is writable by group or others (owner uid 1000, mode 0664); "
                + "run \"chmod go-w \(file)\"",
            "\(file): error: directory \(directory.path) (owner uid 0, mode 0777) is writable by group or others "
                + "without the sticky bit, so they could replace the configuration file; "
                + "run \"chmod go-w \(directory.path)\"",
        ])
    }

    @Test(.enabled(if: runningAsRoot, "chown to another user needs root"))
    func warnedOwnershipProblemsStillLoad() throws {
        let directory = try TemporaryDirectory()
        let file = directory.write("warn.yaml", "binaries: []\n", mode: 0o644)
        #expect(chown(directory.path, 1000, 1000) == 0)
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .warn)
        #expect(result.configuration == Configuration(file: file))
        #expect(result.diagnostics.map(\.oneLine) == [
            "\(file): warning: directory \(directory.path) (owner uid 1000, mode 0700) is not owned by root, so "
                + "its owner could replace the configuration file; run \"chown root:root \(directory.path)\""
        ])
    }

    @Test func stickyDirectoryIsAccepted() throws {
        // /tmp is world-writable with the sticky bit on any usual Linux system.
        var status = stat()
        try #require(stat("/tmp", &status) == 0)
        try #require(status.st_mode & 0o1777 == 0o1777 && status.st_uid == 0)
        let directory = try TemporaryDirectory()
        let file = directory.write("s.yaml", "binaries: []\n", mode: 0o600)
        let result = ConfigurationLoader.load(file: file, accounts: FakeAccounts(), ownership: .enforce)
        let directoryProblems = result.diagnostics.filter { $0.message.contains("directory /tmp ") }
        #expect(directoryProblems == [])
    }
}
