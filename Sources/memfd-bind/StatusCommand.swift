import Config
import Glibc

/// `--status`: the protection of each configured path, read from the mount table.
enum StatusCommand {
    static func run(config file: String) -> Int32 {
        let result = ConfigurationLoader.load(file: file, accounts: SystemAccounts(), ownership: .warn)
        guard let configuration = result.configuration else {
            for diagnostic in result.diagnostics {
                printError(diagnostic.rendered)
            }
            return 1
        }
        let entries: [MountEntry]
        do {
            entries = try MountTable.read()
        } catch {
            printError("memfd-bind: cannot read the mount table: \(error)")
            return 1
        }
        var allLive = true
        for entry in configuration.entries {
            let line = describe(entry.path, entries)
            allLive = allLive && line.live
            printOut(line.text)
        }
        return allLive ? 0 : 3
    }

    /// Describes one path: live with owner, memfd name, size and seals; stale; or unprotected.
    static func describe(_ path: String, _ entries: [MountEntry]) -> (text: String, live: Bool) {
        guard let top = MountTable.topMount(at: path, in: entries), let owner = top.memfdBindOwner else {
            return ("\(path): unprotected", false)
        }
        switch MountTable.state(pid: owner.pid, fd: owner.fd) {
        case .stale:
            return ("\(path): stale pid=\(owner.pid) (the owner is gone; run memfd-bind --cleanup \(path))", false)
        case .live(let name):
            let memfd = "/proc/\(owner.pid)/fd/\(owner.fd)"
            var text = "\(path): live pid=\(owner.pid) memfd=\(name)"
            if let fd = try? Linux.open(memfd, O_RDONLY | O_NOCTTY | O_NONBLOCK) {
                defer { Linux.close(fd) }
                if let status = try? Linux.fstat(fd) {
                    text += " size=\(status.st_size) mode=\(octalMode(UInt32(status.st_mode)))"
                }
                if let seals = try? Linux.getSeals(fd) {
                    text += " seals=\(SealSet(rawValue: seals).description)"
                }
            }
            return (text, true)
        }
    }
}
