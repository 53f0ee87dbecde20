import Glibc

/// The check that the daemon runs in the host's mount namespace when systemd starts it.
enum MountNamespaceCheck {
    /// Returns why the daemon must not start, or nil. Under systemd (`INVOCATION_ID` set), a mount
    /// namespace other than PID 1's means the unit isolates the daemon's mounts, and its binds
    /// would never reach the host.
    static func refusal() -> String? {
        guard getenv("INVOCATION_ID") != nil, sharesMountNamespaceWithInit() == false else {
            return nil
        }
        return "the daemon runs in a mount namespace other than PID 1's, so its binds would never reach the host; "
            + "remove PrivateTmp=, ProtectSystem=, ProtectHome=, ReadOnlyPaths=, ReadWritePaths=, InaccessiblePaths=, "
            + "PrivateDevices=, PrivateMounts=, MountFlags= and similar options from the unit"
    }

    /// Returns whether this process is in PID 1's mount namespace, or nil when that cannot be read.
    ///
    /// The namespace links are compared first. Where /proc/1/ns/mnt is not readable (a PID 1 with
    /// capabilities the caller lacks), the mount ids in both mount tables are compared instead. A
    /// new mount namespace gets new ids for its copies of the mounts, so two namespaces share no id.
    static func sharesMountNamespaceWithInit() -> Bool? {
        if let own = try? Linux.statFollowingLinks("/proc/self/ns/mnt"),
            let first = try? Linux.statFollowingLinks("/proc/1/ns/mnt")
        {
            return own.st_ino == first.st_ino && own.st_dev == first.st_dev
        }
        guard let own = try? Linux.readFile("/proc/self/mountinfo"), let first = try? Linux.readFile("/proc/1/mountinfo") else {
            return nil
        }
        let ownIDs = Set(MountTable.parse(own).map(\.id))
        let firstIDs = Set(MountTable.parse(first).map(\.id))
        return !ownIDs.isDisjoint(with: firstIDs)
    }
}
