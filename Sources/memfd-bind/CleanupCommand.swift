import Config
import Glibc

/// `--cleanup`: removes memfd-bind binds, live or stale, and never another mount.
enum CleanupCommand {
    static func run(paths: [String], config file: String, staleOnly: Bool) -> Int32 {
        var failed = false
        var targets = paths.map(TargetInspection.resolvedDirectory)
        if paths.isEmpty {
            let result = ConfigurationLoader.load(file: file, accounts: SystemAccounts(), ownership: .warn)
            if let configuration = result.configuration {
                targets = configuration.entries.map(\.path)
            } else {
                for diagnostic in result.diagnostics where diagnostic.severity == .error {
                    printError(diagnostic.rendered)
                }
                printError("\(file): configuration invalid; removing only stale memfd-bind mounts")
                failed = true
            }
            if let entries = try? MountTable.read() {
                for bind in MountTable.allMemfdBinds(in: entries) where bind.state == .stale {
                    if !targets.contains(where: { samePath($0, bind.mount.mountPoint) }) {
                        targets.append(bind.mount.mountPoint)
                    }
                }
            }
        }
        for path in targets {
            if !clean(path, named: !paths.isEmpty, staleOnly: staleOnly) {
                failed = true
            }
        }
        return failed ? 1 : 0
    }

    /// Removes the memfd-bind binds at one path and prints what happened. Returns false on error.
    private static func clean(_ path: String, named: Bool, staleOnly: Bool) -> Bool {
        do {
            let outcome = try StaleMounts.removeLayers(at: path, includingLive: !staleOnly)
            let removed = outcome.removed
            if let pid = outcome.liveOwner {
                if removed > 0 {
                    printOut("\(path): removed \(removed) memfd-bind mount\(removed == 1 ? "" : "s")")
                }
                printOut("\(path): the bind of running memfd-bind process \(pid) was left alone")
            } else if removed == 0 {
                if named {
                    _ = try Linux.lstat(path)
                }
                printOut("\(path): no memfd-bind mount")
            } else {
                printOut("\(path): removed \(removed) memfd-bind mount\(removed == 1 ? "" : "s")")
            }
            if let entries = try? MountTable.read(), let top = MountTable.topMount(at: path, in: entries),
                top.memfdBindOwner == nil
            {
                printOut("\(path): a mount that is not memfd-bind's (\(top.filesystemType)) is at the path and was left alone")
            }
            return true
        } catch let error as SyscallError {
            printError("memfd-bind: \(path): \(error)")
            return false
        } catch {
            printError("memfd-bind: \(error)")
            return false
        }
    }
}
