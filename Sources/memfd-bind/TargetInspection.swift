import Config
import Glibc

/// Filesystem checks of a configured path that the daemon and `--check-config` share.
enum TargetInspection {
    /// Checks that no directory in `path` is a symbolic link. Binds are matched to entries by the
    /// mount point the kernel records, which is the resolved path, so a listed path must be the
    /// real one.
    static func checkDirectories(_ path: String) throws(ProtectError) {
        var prefix = ""
        let components = path.split(separator: "/")
        for component in components.dropLast() {
            prefix += "/" + component
            guard let status = try? Linux.lstat(prefix), status.isSymlink else {
                continue
            }
            let target = (try? Linux.readlink(prefix)) ?? "?"
            let resolved = realPath(parentDirectory(of: path)).map { $0 + "/" + components.last! }
            throw ProtectError(
                path, "the directory \(prefix) is a symbolic link to \(target)",
                hint: resolved.map { "list the resolved path \($0) instead" } ?? "list the resolved path instead")
        }
    }

    /// Checks the file at a path that is not bound: not a symlink, a regular executable file no
    /// larger than `maxSize`. Returns its status.
    static func checkFile(_ path: String, maxSize: Int64) throws(ProtectError) -> FileStatus {
        let source = try SourceFile.open(path, maxSize: maxSize)
        defer { source.close() }
        return source.status
    }

    /// Returns the memfd-bind bind at the top of `path`, if any.
    static func memfdBind(at path: String) -> ForeignBind? {
        guard let entries = try? MountTable.read(), let top = MountTable.topMount(at: path, in: entries),
            let owner = top.memfdBindOwner
        else {
            return nil
        }
        return ForeignBind(mount: top, pid: owner.pid, fd: owner.fd, state: MountTable.state(pid: owner.pid, fd: owner.fd))
    }

    /// Returns `path` with its directory resolved (realpath(3)) and its last component kept, which
    /// is the form in which the mount table shows a bind there. Returns `path` itself when the
    /// directory cannot be resolved.
    static func resolvedDirectory(_ path: String) -> String {
        guard let directory = realPath(parentDirectory(of: path)), let name = path.split(separator: "/").last else {
            return path
        }
        return (directory == "/" ? "" : directory) + "/" + name
    }

    /// Returns the canonical path of `path` (realpath(3)), or nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else {
            return nil
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
