import CLinuxShim
import Glibc

/// The control channel between the daemon and `--reload`, `--release` and `--resume`.
///
/// Each daemon listens on the abstract Unix socket `@memfd-bind/<mount namespace>/<pid>` (type
/// `SOCK_SEQPACKET`, one request and one reply per connection), where the mount namespace is the
/// inode number of /proc/self/ns/mnt. An abstract name needs no file, so the channel works with
/// a full or read-only /run, and clients find every running daemon, including one-path
/// instances, in /proc/net/unix. Abstract names belong to the network namespace, so the mount
/// namespace in the name limits a client to the daemons whose binds are in its own mount
/// namespace. Binds in another mount namespace do not block a package upgrade here. The daemon accepts requests only from
/// peers whose `SO_PEERCRED` uid is 0 and that run in its own mount namespace, and clients talk
/// only to a uid-0 peer.
///
/// A request is the command word followed by its arguments, separated by NUL bytes. A reply is
/// text: the outcome lines, then a last line `ok` or `failed`.
enum ControlSocket {
    /// The largest request or reply, in bytes.
    static let messageLimit = 256 * 1024

    /// Returns the abstract socket name of daemon `pid`, without the leading NUL.
    static func name(pid: Int32) -> String {
        "memfd-bind/\(mountNamespace)/\(pid)"
    }

    /// The inode number of this process's mount namespace, or 0 when it cannot be read.
    static let mountNamespace: UInt64 = {
        (try? Linux.statFollowingLinks("/proc/self/ns/mnt")).map { UInt64($0.st_ino) } ?? 0
    }()

    /// Fills a `sockaddr_un` for an abstract name and returns its length.
    static func address(_ name: String) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: bytes.prefix(path.count))
        }
        return (address, socklen_t(MemoryLayout<sa_family_t>.size + min(bytes.count, 108)))
    }

    /// Creates the daemon's listening socket.
    static func listen(pid: Int32) throws(SyscallError) -> Int32 {
        let fd = try once("socket") {
            socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        var (address, length) = address(name(pid: pid))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        if bound != 0 {
            let error = SyscallError(call: "bind", errno: errno)
            Linux.close(fd)
            throw error
        }
        if Glibc.listen(fd, 64) != 0 {
            let error = SyscallError(call: "listen", errno: errno)
            Linux.close(fd)
            throw error
        }
        return fd
    }

    /// Returns the pids of every daemon in this mount namespace listening on a control socket,
    /// from /proc/net/unix. The pids are as the daemons see them.
    static func runningDaemons() -> [Int32] {
        guard let bytes = try? Linux.readFile("/proc/net/unix") else {
            return []
        }
        var pids: [Int32] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let last = line.split(separator: UInt8(ascii: " ")).last else {
                continue
            }
            let text = String(decoding: last, as: UTF8.self)
            let prefix = "@memfd-bind/\(mountNamespace)/"
            if text.hasPrefix(prefix), let pid = Int32(text.dropFirst(prefix.count)), pid > 0, !pids.contains(pid) {
                pids.append(pid)
            }
        }
        return pids.sorted()
    }

    /// Returns whether process `pid` is in this process's mount namespace; false when that cannot be read.
    static func sharesMountNamespace(pid: Int32) -> Bool {
        guard let status = try? Linux.statFollowingLinks("/proc/\(pid)/ns/mnt") else {
            return false
        }
        return UInt64(status.st_ino) == mountNamespace
    }

    /// Encodes a request: the command and its arguments separated by NUL bytes.
    static func encode(_ fields: [String]) -> [UInt8] {
        Array(fields.joined(separator: "\0").utf8)
    }

    /// Decodes a request into its fields.
    static func decode(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads the peer credentials of a connected socket.
    static func peer(_ fd: Int32) -> (pid: Int32, uid: UInt32)? {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        guard CLinuxShim_peer_credentials(fd, &pid, &uid, &gid) == 0 else {
            return nil
        }
        return (pid, uid)
    }

    /// Sends one message on a connected socket.
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Receives one message, waiting at most `timeoutMilliseconds`. Returns nil on timeout or error.
    static func receive(_ fd: Int32, timeoutMilliseconds: Int32) -> [UInt8]? {
        var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Linux.monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            let now = Linux.monotonicNanoseconds()
            guard now < deadline else {
                return nil
            }
            let ready = poll(&pollFD, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready < 0 && errno == EINTR {
                continue
            }
            guard ready > 0 else {
                return nil
            }
            break
        }
        var buffer = [UInt8](repeating: 0, count: messageLimit)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count >= 0 else {
            return nil
        }
        return Array(buffer[0..<count])
    }
}
