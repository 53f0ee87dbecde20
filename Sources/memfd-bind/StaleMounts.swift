import CLinuxShim
import Glibc

/// Removal of memfd-bind binds stacked at a path, used at start and by `--cleanup`.
enum StaleMounts {
    /// The maximum number of layers removed from one path, a bound against a mount table that keeps changing.
    static let layerLimit = 1000

    /// The result of a removal at one path.
    struct Outcome {
        /// Layers removed.
        var removed = 0
        /// The pid of a live memfd-bind process whose bind stopped the removal.
        var liveOwner: Int32?
    }

    /// Removes memfd-bind binds from the top of the stack at `path`, like `removeLayers`, and fails
    /// with an error naming the pid when a live bind of another process is on top.
    ///
    /// - Returns: the number of layers removed.
    static func remove(at path: String, includingLive: Bool) throws(ProtectError) -> Int {
        let outcome = try removeLayers(at: path, includingLive: includingLive)
        if let pid = outcome.liveOwner {
            if pid == getpid() {
                throw ProtectError(path, "this daemon already binds the path", hint: "list each binary once")
            }
            throw ProtectError(
                path, "memfd-bind process \(pid) already protects this path",
                hint: "stop that process, or run memfd-bind --cleanup \(path) to remove its bind")
        }
        return outcome.removed
    }

    /// Removes memfd-bind binds from the top of the stack at `path`, one layer at a time, until the
    /// top mount is not a memfd-bind bind. Without `includingLive`, a live bind of another process
    /// stops the removal and is reported in the outcome. Other mounts are never removed.
    static func removeLayers(at path: String, includingLive: Bool) throws(ProtectError) -> Outcome {
        var outcome = Outcome()
        if CLinuxShim_is_mount_root(path) == 0 {
            // Nothing is mounted at the path: skip reading the whole mount table.
            return outcome
        }
        let ourPID = getpid()
        while outcome.removed < layerLimit {
            let entries: [MountEntry]
            do {
                entries = try MountTable.read()
            } catch {
                throw ProtectError(path, "cannot read the mount table", cause: error)
            }
            guard let top = MountTable.topMount(at: path, in: entries), let owner = top.memfdBindOwner else {
                return outcome
            }
            let state = MountTable.state(pid: owner.pid, fd: owner.fd)
            if case .live = state, !includingLive || owner.pid == ourPID {
                outcome.liveOwner = owner.pid
                return outcome
            }
            do {
                try Linux.detachMount(path)
            } catch {
                throw ProtectError(path, "cannot unmount a memfd-bind mount", cause: error, hint: BindMount.mountHint(error.errno))
            }
            outcome.removed += 1
        }
        return outcome
    }

    /// Removes every stale memfd-bind bind in the mount namespace, whatever its path: a daemon that
    /// died may have left binds at paths that are no longer configured.
    ///
    /// - Returns: the paths cleaned, with the number of layers removed from each.
    static func removeAllStale() -> [(path: String, removed: Int)] {
        guard let entries = try? MountTable.read() else {
            return []
        }
        var paths: [String] = []
        for bind in MountTable.allMemfdBinds(in: entries)
        where bind.state == .stale && !paths.contains(where: { samePath($0, bind.mount.mountPoint) }) {
            paths.append(bind.mount.mountPoint)
        }
        var cleaned: [(path: String, removed: Int)] = []
        for path in paths {
            do {
                let removed = try remove(at: path, includingLive: false)
                if removed > 0 {
                    cleaned.append((path, removed))
                }
            } catch {
                Log.warning("cannot remove stale mounts", error.logFields)
            }
        }
        return cleaned
    }
}
