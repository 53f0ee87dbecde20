import Glibc

/// The sd_notify(3) datagram protocol, written out so that the daemon does not link libsystemd.
///
/// Messages go to the Unix datagram socket named by `NOTIFY_SOCKET`: a path starting with `/`
/// or an abstract name starting with `@`. Failures are logged and never fatal: the daemon works
/// the same without a service manager.
enum Notify {
    /// Sends `READY=1` with a status line.
    static func ready(status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    /// Sends `RELOADING=1` with the `MONOTONIC_USEC` that `Type=notify-reload` requires.
    static func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(Linux.monotonicNanoseconds() / 1000)")
    }

    /// Sends `STOPPING=1`.
    static func stopping() {
        send("STOPPING=1")
    }

    /// Sends a `STATUS=` line alone.
    static func status(_ status: String) {
        send("STATUS=\(status)")
    }

    /// Sends one datagram to `NOTIFY_SOCKET` when it is set.
    static func send(_ message: String) {
        guard let socketName = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !socketName.isEmpty else {
            return
        }
        guard socketName.hasPrefix("/") || socketName.hasPrefix("@") else {
            Log.warning("notify socket ignored", ("socket", socketName), ("reason", "not a path or an abstract name"))
            return
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var nameBytes = Array(socketName.utf8)
        if nameBytes[0] == UInt8(ascii: "@") {
            nameBytes[0] = 0
        }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard nameBytes.count < capacity else {
            Log.warning("notify socket ignored", ("socket", socketName), ("reason", "name too long"))
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: nameBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + nameBytes.count)

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            Log.warning("notify failed", ("socket", socketName), ("error", SyscallError(call: "socket", errno: errno).description))
            return
        }
        defer { Linux.close(fd) }
        let sent = message.utf8CString.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, bytes.baseAddress, bytes.count - 1, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        if sent < 0 {
            Log.warning("notify failed", ("socket", socketName), ("error", SyscallError(call: "sendto", errno: errno).description))
        }
    }
}
