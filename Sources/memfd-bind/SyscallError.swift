import Glibc

/// A failed system call: the call's name and the `errno` value it set.
struct SyscallError: Error, Equatable, CustomStringConvertible {
    /// The C function that failed, for example `mount`.
    var call: String

    /// The `errno` value the call set.
    var errno: Int32

    /// The `strerror` text, for example "No such file or directory".
    var reason: String {
        String(cString: strerror(errno))
    }

    /// The symbolic name of `errno`, for example `ENOENT`, or the number.
    var errnoName: String {
        errnoNames[errno] ?? "errno \(errno)"
    }

    /// Renders as `mount: Operation not permitted (EPERM)`.
    var description: String {
        "\(call): \(reason) (\(errnoName))"
    }
}

/// Symbolic names of the errno values that the daemon's calls report in practice.
private let errnoNames: [Int32: String] = [
    EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO",
    E2BIG: "E2BIG", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT",
    EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
    EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE", ETXTBSY: "ETXTBSY", EFBIG: "EFBIG", ENOSPC: "ENOSPC",
    EROFS: "EROFS", EMLINK: "EMLINK", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ELOOP: "ELOOP",
    EOVERFLOW: "EOVERFLOW", ENOTSOCK: "ENOTSOCK", EADDRINUSE: "EADDRINUSE", ECONNREFUSED: "ECONNREFUSED",
    ETIMEDOUT: "ETIMEDOUT", ENOTCONN: "ENOTCONN", EOPNOTSUPP: "EOPNOTSUPP", ESTALE: "ESTALE",
]

/// Runs `body` until it succeeds or fails with an error other than EINTR.
///
/// - Returns: the non-negative result of `body`.
/// - Throws: `SyscallError` named `call` when `body` returns -1.
@inline(__always)
func retryingInterrupts<Result: BinaryInteger>(_ call: String, _ body: () -> Result) throws(SyscallError) -> Result {
    while true {
        let result = body()
        if result >= 0 {
            return result
        }
        let code = Glibc.errno
        if code != EINTR {
            throw SyscallError(call: call, errno: code)
        }
    }
}

/// Runs `body` once, for calls that must not be repeated after EINTR (`close`) or never return it.
///
/// - Throws: `SyscallError` named `call` when `body` returns -1.
@inline(__always)
func once<Result: BinaryInteger>(_ call: String, _ body: () -> Result) throws(SyscallError) -> Result {
    let result = body()
    if result < 0 {
        throw SyscallError(call: call, errno: Glibc.errno)
    }
    return result
}
