import CLinuxShim
import Glibc

/// The mount operations behind a protected path.
///
/// A memfd lives on a kernel-internal mount, so it cannot be a bind source itself. What works is
/// binding the procfs magic link `/proc/<pid>/fd/<n>` of the daemon's memfd descriptor: the mount
/// table then shows a `proc` mount whose root is `/<pid>/fd/<n>`, and opening or executing the
/// path follows the link to the memfd.
enum BindMount {
    /// Binds `memfd` over `path` after checking that `path` is still the file that was copied.
    ///
    /// - Returns: the id of the new mount (see `Linux.mountID`).
    static func bind(_ memfd: MemfdCopy, over path: String, expecting source: FileIdentity) throws(ProtectError) -> UInt64 {
        let target: Int32
        do {
            target = try Linux.openPath(path)
        } catch {
            throw ProtectError(path, "cannot open the path to bind over", cause: error)
        }
        defer { Linux.close(target) }
        let targetStatus: FileStatus
        do {
            targetStatus = try Linux.fstat(target)
        } catch {
            throw ProtectError(path, "cannot read the path's status", cause: error)
        }
        guard targetStatus.isRegularFile, FileIdentity(targetStatus).isSameInode(as: source) else {
            throw ProtectError(path, "the file was replaced while it was copied", hint: "it is copied again on the next reload")
        }

        let link = try openLink(memfd, path: path)
        defer { Linux.close(link) }
        do {
            try Linux.bindMount("/proc/self/fd/\(link)", on: "/proc/self/fd/\(target)")
        } catch {
            throw ProtectError(path, "cannot bind the memfd over the path", cause: error, hint: mountHint(error.errno))
        }
        memfd.bindCount += 1
        Log.debug("mount", ("path", path), ("source", memfd.procPath))

        do {
            try verify(memfd, at: path)
            return try mountID(path)
        } catch {
            unbindAfterFailure(memfd, path: path)
            throw error
        }
    }

    /// Replaces the bind at `path` by a bind of `memfd` with no moment where the path shows the
    /// original file or nothing: the new bind goes beneath the current top mount
    /// (`MOVE_MOUNT_BENEATH`, Linux 6.5+), then the old top is detached. On older kernels the old
    /// bind is detached first and the new one mounted after it.
    ///
    /// - Returns: the id of the new mount, and whether the swap had no gap.
    static func replace(
        _ old: MemfdCopy, with memfd: MemfdCopy, at path: String, oldMountID: UInt64
    ) throws(ProtectError) -> (mountID: UInt64, gapless: Bool) {
        guard (try? mountID(path)) == oldMountID else {
            throw ProtectError(path, "the bind at the path is no longer the daemon's", hint: "run memfd-bind --cleanup \(path) and reload")
        }
        let link = try openLink(memfd, path: path)
        defer { Linux.close(link) }
        let target: Int32
        do {
            target = try Linux.openPath(path)
        } catch {
            throw ProtectError(path, "cannot open the bound path", cause: error)
        }
        defer { Linux.close(target) }

        var gapless = true
        do {
            let tree = try Linux.cloneMountTree(link)
            defer { Linux.close(tree) }
            try Linux.moveMountBeneath(tree, target)
        } catch let error where error.errno == EINVAL || error.errno == ENOSYS {
            gapless = false
        } catch {
            throw ProtectError(path, "cannot mount the new memfd beneath the current bind", cause: error, hint: mountHint(error.errno))
        }

        if gapless {
            memfd.bindCount += 1
            Log.debug("move_mount beneath", ("path", path), ("source", memfd.procPath))
            // When this fails, the old bind stays on top and the new one stays beneath it, so the
            // new copy keeps a bind and is never closed.
            try detach(old: old, at: path)
        } else {
            // The kernel lacks MOVE_MOUNT_BENEATH (before 6.5): unmount, then mount.
            try detach(old: old, at: path)
            do {
                try Linux.bindMount("/proc/self/fd/\(link)", on: path)
            } catch {
                var failure = ProtectError(path, "cannot bind the new memfd over the path", cause: error, hint: mountHint(error.errno))
                failure.leftUnprotected = true
                throw failure
            }
            memfd.bindCount += 1
        }

        do {
            try verify(memfd, at: path)
            return (try mountID(path), gapless)
        } catch {
            // The old bind is gone at this point, so removing the new one leaves the path unprotected.
            unbindAfterFailure(memfd, path: path)
            var failure = error
            failure.leftUnprotected = true
            throw failure
        }
    }

    /// Detaches the bind of `memfd` at `path` and drops its bind count.
    static func unbind(_ memfd: MemfdCopy, at path: String, mountID expected: UInt64) throws(ProtectError) {
        let current = try? mountID(path)
        guard current == expected else {
            throw ProtectError(
                path, "the daemon's bind is no longer the top mount at the path",
                hint: "another mount covers it or it was removed; run memfd-bind --cleanup \(path)")
        }
        try detach(old: memfd, at: path)
    }

    private static func detach(old memfd: MemfdCopy, at path: String) throws(ProtectError) {
        do {
            try Linux.detachMount(path)
        } catch {
            throw ProtectError(path, "cannot unmount the bind", cause: error, hint: mountHint(error.errno))
        }
        memfd.dropBind()
        Log.debug("umount2", ("path", path), ("flags", "MNT_DETACH|UMOUNT_NOFOLLOW"))
    }

    /// Opens the path as runc does (`O_RDONLY`) and checks that it is `memfd` with its seals.
    static func verify(_ memfd: MemfdCopy, at path: String) throws(ProtectError) {
        let fd: Int32
        do {
            fd = try Linux.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)
        } catch {
            throw ProtectError(path, "the bound path cannot be opened", cause: error)
        }
        defer { Linux.close(fd) }
        let status: FileStatus
        let seals: UInt32
        do {
            status = try Linux.fstat(fd)
            seals = try Linux.getSeals(fd)
        } catch {
            throw ProtectError(path, "cannot check the bound path", cause: error)
        }
        guard memfd.isSameFile(as: status) else {
            throw ProtectError(path, "the bound path does not open the daemon's memfd")
        }
        guard seals == memfd.actualSeals else {
            throw ProtectError(
                path, "the bound path reports seals 0x\(hex(UInt64(seals))), expected 0x\(hex(UInt64(memfd.actualSeals)))")
        }
    }

    /// Returns the id of the top mount at `path`.
    static func mountID(_ path: String) throws(ProtectError) -> UInt64 {
        do {
            return try Linux.mountID(path)
        } catch {
            throw ProtectError(path, "cannot read the mount id", cause: error)
        }
    }

    /// Opens the procfs magic link of `memfd` itself (`O_PATH|O_NOFOLLOW`), the source of a bind.
    private static func openLink(_ memfd: MemfdCopy, path: String) throws(ProtectError) -> Int32 {
        do {
            return try Linux.openPath(memfd.procPath)
        } catch {
            throw ProtectError(path, "cannot open the memfd link", cause: error)
        }
    }

    /// Removes a bind that was just made but failed its check.
    private static func unbindAfterFailure(_ memfd: MemfdCopy, path: String) {
        do {
            try detach(old: memfd, at: path)
        } catch {
            Log.error("cannot undo a failed bind", error.logFields)
        }
    }

    /// Returns what to do about a failed mount call.
    static func mountHint(_ code: Int32) -> String? {
        switch code {
        case EPERM:
            // mount(2): EPERM when the caller lacks CAP_SYS_ADMIN in the mount namespace's user namespace.
            return "mounting requires root (CAP_SYS_ADMIN in the host's mount namespace)"
        case EACCES:
            return "a directory in the path is not searchable, or the filesystem is mounted read-only"
        default:
            return nil
        }
    }
}
