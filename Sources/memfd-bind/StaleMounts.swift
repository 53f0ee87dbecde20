import Glibc

/// Removal of memfd-bind binds stacked at a path, used at start and by `--cleanup`.
enum StaleMounts {
    /// The most layers removed from one path, a bound against a mount table that keeps changing.
    static let layerLimit = 1000

    /// Removes memfd-bind binds from the top of the stack at `path`, one layer at a time, until the
    /// top mount is not a memfd-bind bind. A live bind of another process stops the removal with an
    /// error naming its pid, unless `includingLive` is set. Other mounts are never removed.
    ///
    /// - Returns: the number of layers removed.
    static func remove(at path: String, includingLive: Bool) throws(ProtectError) -> Int {
        var removed = 0
        let ourPID = getpid()
        while removed < layerLimit {
            let entries: [MountEntry]
            do {
                entries = try MountTable.read()
            } catch {
                throw ProtectError(path, "cannot read the mount table", cause: error)
            }
            guard let top = MountTable.topMount(at: path, in: entries), let owner = top.memfdBindOwner else {
                return removed
            }
            let state = MountTable.state(pid: owner.pid, fd: owner.fd)
            if case .live = state, !includingLive {
                if owner.pid == ourPID {
                    return removed
                }
                throw ProtectError(
                    path, "memfd-bind process \(owner.pid) already protects this path",
                    hint: "stop that process, or run memfd-bind --cleanup \(path) to remove its bind")
            }
            do {
                try Linux.detachMount(path)
            } catch {
                throw ProtectError(path, "cannot unmount a memfd-bind mount", cause: error, hint: BindMount.mountHint(error.errno))
            }
            removed += 1
        }
        return removed
    }
}
