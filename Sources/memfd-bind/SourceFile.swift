import CLinuxShim
import Glibc

/// The identity of a file's content on disk: a change of any field means the copy is out of date.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modification: timespec
    var change: timespec

    init(_ status: FileStatus) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modification = status.st_mtim
        change = status.st_ctim
    }

    /// Returns whether both identities name the same inode, whatever its content.
    func isSameInode(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }

    static func == (lhs: FileIdentity, rhs: FileIdentity) -> Bool {
        lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
            && lhs.modification.tv_sec == rhs.modification.tv_sec
            && lhs.modification.tv_nsec == rhs.modification.tv_nsec
            && lhs.change.tv_sec == rhs.change.tv_sec && lhs.change.tv_nsec == rhs.change.tv_nsec
    }
}

/// The original binary behind a protected path, held by an `O_PATH` descriptor taken before binding.
///
/// While the path is bound, opening the path yields the memfd copy, so every later look at the
/// original (has it changed, copy it again) goes through this descriptor, never through the path.
final class SourceFile {
    /// The `O_PATH` descriptor of the original file. Owned: closed by `close()` or on deinit.
    private(set) var descriptor: Int32

    /// The identity of the original when its content was last copied or found identical to a
    /// shared copy. A different current identity means the bound copy is out of date.
    var identity: FileIdentity

    /// The permission and type bits recorded with `identity`.
    let status: FileStatus

    private init(descriptor: Int32, status: FileStatus) {
        self.descriptor = descriptor
        self.status = status
        self.identity = FileIdentity(status)
    }

    deinit {
        close()
    }

    /// Closes the descriptor. Safe to call twice.
    func close() {
        if descriptor >= 0 {
            Linux.close(descriptor)
            descriptor = -1
        }
    }

    /// Opens the file at `path` without following a final symlink and checks that it can be copied:
    /// a regular file, with an execute bit, no larger than `maxSize` bytes.
    static func open(_ path: String, maxSize: Int64) throws(ProtectError) -> SourceFile {
        let fd: Int32
        do {
            fd = try Linux.openPath(path)
        } catch {
            throw ProtectError(path, "cannot open the file", cause: error, hint: openHint(error.errno))
        }
        let status: FileStatus
        do {
            status = try Linux.fstat(fd)
        } catch {
            Linux.close(fd)
            throw ProtectError(path, "cannot read the file status", cause: error)
        }
        let source = SourceFile(descriptor: fd, status: status)
        try source.checkCopyable(path, maxSize: maxSize, status: status)
        return source
    }

    /// Checks a status of the original file: a regular, non-empty file with an execute bit, no
    /// larger than `maxSize`, on a filesystem that allows execution.
    func checkCopyable(_ path: String, maxSize: Int64, status: FileStatus) throws(ProtectError) {
        if status.isSymlink {
            let target = (try? Linux.readlink(path)) ?? "?"
            let resolved = TargetInspection.realPath(path).map { "list \($0) instead" } ?? "list the target's path instead"
            throw ProtectError(
                path, "the path is a symbolic link to \(target)",
                hint: "binding over the link would leave the real file unprotected; \(resolved)")
        }
        guard status.isRegularFile else {
            throw ProtectError(
                path, "the path is a \(status.fileTypeName), not a regular file",
                hint: "list the path of an executable file")
        }
        guard status.st_mode & 0o111 != 0 else {
            throw ProtectError(
                path, "the file is not executable (mode \(octalMode(UInt32(status.st_mode))))",
                hint: "list an executable file, or add an execute bit with chmod")
        }
        guard Int64(status.st_size) <= maxSize else {
            throw ProtectError(
                path, "the file is \(status.st_size) bytes, larger than max_size (\(maxSize) bytes)",
                hint: "raise max_size in the configuration file or remove the entry")
        }
        guard status.st_size > 0 else {
            throw ProtectError(path, "the file is empty", hint: "wait until the binary is installed, or remove the entry")
        }
        var filesystem = statvfs()
        if fstatvfs(descriptor, &filesystem) == 0, filesystem.f_flag & UInt(CLinuxShim_ST_NOEXEC) != 0 {
            throw ProtectError(
                path, "the file is on a filesystem mounted noexec",
                hint: "a bound copy would run although the file cannot; move the binary or remove the entry")
        }
    }

    /// Opens the original file for reading through the kept descriptor (not through the path).
    func openForReading() throws(SyscallError) -> Int32 {
        try Linux.open("/proc/self/fd/\(descriptor)", O_RDONLY | O_NOCTTY)
    }

    /// Returns the current identity of the original inode, read through the kept descriptor.
    func currentIdentity() throws(SyscallError) -> FileIdentity {
        FileIdentity(try Linux.fstat(descriptor))
    }

    private static func openHint(_ code: Int32) -> String? {
        switch code {
        case ENOENT: return "check the path in the configuration file"
        case EACCES, EPERM: return "run memfd-bind as root"
        case ENOTDIR: return "a directory in the path is not a directory"
        case EMFILE: return "the daemon has no free descriptor; raise LimitNOFILE= (ulimit -n), it needs two per binary"
        default: return nil
        }
    }
}
