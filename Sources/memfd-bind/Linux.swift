import CLinuxShim
import Glibc

/// The result of stat(2), named so that it does not clash with the function.
typealias FileStatus = Glibc.stat

/// Thin wrappers over the system calls the daemon makes, one per call.
///
/// Each wrapper names its C function, throws `SyscallError` on failure, and
/// retries EINTR unless its doc line says otherwise. Descriptors returned here
/// are owned by the caller, who closes them with `Linux.close`.
enum Linux {
    /// Opens `path` (open(2), retried on EINTR). `flags` always gain `O_CLOEXEC`.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SyscallError) -> Int32 {
        try retryingInterrupts("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Opens an `O_PATH|O_NOFOLLOW` descriptor of `path`: a reference that reads nothing.
    static func openPath(_ path: String) throws(SyscallError) -> Int32 {
        try retryingInterrupts("open") { Glibc.open(path, CLinuxShim_O_PATH | O_NOFOLLOW | O_CLOEXEC) }
    }

    /// Closes `fd` (close(2)). Never retried: Linux releases the descriptor even when close reports EINTR.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Returns the status of an open descriptor (fstat(2)).
    static func fstat(_ fd: Int32) throws(SyscallError) -> FileStatus {
        var status = FileStatus()
        _ = try once("fstat") { Glibc.fstat(fd, &status) as Int32 }
        return status
    }

    /// Returns the status of `path` without following a final symlink (lstat(2)).
    static func lstat(_ path: String) throws(SyscallError) -> FileStatus {
        var status = FileStatus()
        _ = try once("lstat") { Glibc.lstat(path, &status) as Int32 }
        return status
    }

    /// Returns the status of `path`, following symlinks (stat(2)).
    static func statFollowingLinks(_ path: String) throws(SyscallError) -> FileStatus {
        var status = FileStatus()
        _ = try once("stat") { Glibc.fstatat(AT_FDCWD, path, &status, 0) }
        return status
    }

    /// Returns the target of the symlink at `path` (readlink(2)).
    static func readlink(_ path: String) throws(SyscallError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try once("readlink") { Glibc.readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates a memfd (memfd_create(2)).
    static func memfdCreate(_ name: String, flags: UInt32) throws(SyscallError) -> Int32 {
        try once("memfd_create") { CLinuxShim_memfd_create(name, flags) }
    }

    /// Adds seals to a memfd (fcntl(2) `F_ADD_SEALS`).
    static func addSeals(_ fd: Int32, _ seals: UInt32) throws(SyscallError) {
        _ = try once("fcntl(F_ADD_SEALS)") { CLinuxShim_add_seals(fd, Int32(bitPattern: seals)) }
    }

    /// Returns the seals of a file (fcntl(2) `F_GET_SEALS`).
    static func getSeals(_ fd: Int32) throws(SyscallError) -> UInt32 {
        UInt32(try once("fcntl(F_GET_SEALS)") { CLinuxShim_get_seals(fd) })
    }

    /// Moves `fd` to the lowest free descriptor number at or above `minimum` (fcntl(2) `F_DUPFD_CLOEXEC`),
    /// closing the original.
    static func moveDescriptor(_ fd: Int32, atOrAbove minimum: Int32) throws(SyscallError) -> Int32 {
        let moved = try once("fcntl(F_DUPFD_CLOEXEC)") { Glibc.fcntl(fd, F_DUPFD_CLOEXEC, minimum) }
        close(fd)
        return moved
    }

    /// Copies up to `count` bytes from `input` to `output` at their file offsets (sendfile(2), retried on EINTR).
    static func sendfile(to output: Int32, from input: Int32, count: Int) throws(SyscallError) -> Int {
        try retryingInterrupts("sendfile") { Glibc.sendfile(output, input, nil, count) }
    }

    /// Changes the owner of `fd` (fchown(2)).
    static func fchown(_ fd: Int32, owner: UInt32, group: UInt32) throws(SyscallError) {
        _ = try once("fchown") { Glibc.fchown(fd, owner, group) }
    }

    /// Changes the permission bits of `fd` (fchmod(2)).
    static func fchmod(_ fd: Int32, mode: UInt32) throws(SyscallError) {
        _ = try once("fchmod") { Glibc.fchmod(fd, mode) }
    }

    /// Drops the page cache of an open file (posix_fadvise(2) `POSIX_FADV_DONTNEED`). Failures are ignored:
    /// the advice only saves memory.
    static func dropPageCache(_ fd: Int32) {
        _ = Glibc.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
    }

    /// Bind-mounts `source` on `target` (mount(2) with `MS_BIND`).
    static func bindMount(_ source: String, on target: String) throws(SyscallError) {
        _ = try once("mount") { Glibc.mount(source, target, nil, UInt(MS_BIND), nil) }
    }

    /// Detaches the top mount at `path` without following a symlink there (umount2(2) with
    /// `MNT_DETACH|UMOUNT_NOFOLLOW`). A plain umount would follow the procfs link of a memfd bind and fail.
    static func detachMount(_ path: String) throws(SyscallError) {
        _ = try once("umount2") { Glibc.umount2(path, CLinuxShim_MNT_DETACH | CLinuxShim_UMOUNT_NOFOLLOW) }
    }

    /// Clones the mount at `fd` into a detached mount tree (open_tree(2) with `OPEN_TREE_CLONE`).
    static func cloneMountTree(_ fd: Int32) throws(SyscallError) -> Int32 {
        let flags = CLinuxShim_OPEN_TREE_CLONE | CLinuxShim_OPEN_TREE_CLOEXEC | UInt32(CLinuxShim_AT_EMPTY_PATH)
        return try once("open_tree") { CLinuxShim_open_tree(fd, "", flags) }
    }

    /// Attaches the detached tree `tree` under the top mount at `target` (move_mount(2) with
    /// `MOVE_MOUNT_BENEATH`, Linux 6.5+). Older kernels fail with EINVAL.
    static func moveMountBeneath(_ tree: Int32, _ target: Int32) throws(SyscallError) {
        let flags = CLinuxShim_MOVE_MOUNT_F_EMPTY_PATH | CLinuxShim_MOVE_MOUNT_T_EMPTY_PATH
            | CLinuxShim_MOVE_MOUNT_BENEATH
        _ = try once("move_mount") { CLinuxShim_move_mount(tree, "", target, "", flags) }
    }

    /// Returns the id of the top mount at `path`, not following a final symlink (statx(2)).
    /// The id is the never-reused 64-bit one on Linux 6.8+, else the reusable mountinfo id.
    static func mountID(_ path: String) throws(SyscallError) -> UInt64 {
        var id: UInt64 = 0
        var unique: Int32 = 0
        _ = try once("statx") { CLinuxShim_mount_id(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &id, &unique) }
        return id
    }

    /// Reads a whole file, for small files such as /proc/self/mountinfo. Stops at `limit` bytes.
    static func readFile(_ path: String, limit: Int = 16 * 1024 * 1024) throws(SyscallError) -> [UInt8] {
        let fd = try open(path, O_RDONLY | O_NOCTTY)
        defer { close(fd) }
        return try readAll(fd, limit: limit)
    }

    /// Reads from `fd` until end of file or `limit` bytes.
    static func readAll(_ fd: Int32, limit: Int) throws(SyscallError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = try retryingInterrupts("read") {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, wanted) }
            }
            if count == 0 {
                break
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Returns whether process `pid` exists (kill(2) with signal 0; EPERM means it exists).
    static func processExists(_ pid: Int32) -> Bool {
        Glibc.kill(pid, 0) == 0 || Glibc.errno == EPERM
    }

    /// Returns the monotonic clock in nanoseconds (clock_gettime(2) `CLOCK_MONOTONIC`).
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

extension FileStatus {
    /// Whether this is a regular file.
    var isRegularFile: Bool { st_mode & S_IFMT == S_IFREG }

    /// Whether this is a symbolic link.
    var isSymlink: Bool { st_mode & S_IFMT == S_IFLNK }

    /// The file type in words, for messages: "directory", "FIFO", and so on.
    var fileTypeName: String {
        switch st_mode & S_IFMT {
        case S_IFREG: return "regular file"
        case S_IFDIR: return "directory"
        case S_IFLNK: return "symbolic link"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        default: return "file of unknown type"
        }
    }
}
