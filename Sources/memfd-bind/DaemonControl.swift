import CLinuxShim
import Glibc

/// Control requests from `--reload`, `--release` and `--resume` (see `ControlSocket`).
extension Daemon {
    func acceptConnections() {
        while true {
            let fd = CLinuxShim_accept(controlDescriptor)
            guard fd >= 0 else {
                return
            }
            guard let peer = ControlSocket.peer(fd), peer.uid == 0 else {
                let uid = ControlSocket.peer(fd).map { "\($0.uid)" } ?? "unknown"
                Log.warning("control request rejected", ("uid", uid), ("reason", "only root may send requests"))
                _ = ControlSocket.send(fd, Array("permission denied: only root may control memfd-bind\nfailed\n".utf8))
                Linux.close(fd)
                continue
            }
            // Abstract sockets are shared by the network namespace, so root in a container on the
            // host's network could connect. Only peers that see the daemon's binds are served.
            guard ControlSocket.sharesMountNamespace(pid: peer.pid) else {
                Log.warning("control request rejected", ("pid", "\(peer.pid)"), ("reason", "the peer runs in another mount namespace"))
                _ = ControlSocket.send(fd, Array("permission denied: the request must come from the daemon's mount namespace\nfailed\n".utf8))
                Linux.close(fd)
                continue
            }
            pendingConnections.append((fd, Linux.monotonicNanoseconds() + Daemon.requestTimeout))
        }
    }

    func expireConnections() {
        let now = Linux.monotonicNanoseconds()
        pendingConnections.removeAll { connection in
            guard connection.deadline <= now else {
                return false
            }
            Linux.close(connection.fd)
            return true
        }
    }

    /// Reads one request and replies to it. A reload request gets its reply after the next reload.
    func handleRequest(_ fd: Int32) {
        pendingConnections.removeAll { $0.fd == fd }
        var buffer = [UInt8](repeating: 0, count: ControlSocket.messageLimit)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count > 0 else {
            Linux.close(fd)
            return
        }
        let fields = ControlSocket.decode(Array(buffer[0..<count]))
        let command = fields[0]
        let arguments = Array(fields.dropFirst())
        Log.info("control request", ("request", command), ("paths", arguments.joined(separator: " ")))
        switch command {
        case "reload":
            switch source {
            case .configuration(let file, _):
                let canonical = { (name: String) in TargetInspection.realPath(name) ?? name }
                if let asked = arguments.first, canonical(asked) != canonical(file) {
                    reply(fd, [Daemon.otherConfigurationReply + "reads \(file)"], ok: false)
                    return
                }
            case .singlePath(let path):
                if !arguments.isEmpty {
                    reply(fd, [Daemon.otherConfigurationReply + "protects only \(path) and reads no configuration file"], ok: false)
                    return
                }
            }
            reloadRequested = true
            reloadWaiters.append(fd)
        case "release":
            reply(fd, release(arguments))
        case "resume":
            reply(fd, resume(arguments))
        case "status":
            reply(fd, protector.paths.map { "\($0.stateName) \($0.path)" }, ok: true)
        default:
            reply(fd, ["unknown request \(command)"], ok: false)
        }
    }

    /// The start of the reply to a reload request for a configuration file this daemon does not read.
    static let otherConfigurationReply = "other configuration: "

    func answerReloadWaiters(_ summary: ReloadSummary) {
        for fd in reloadWaiters {
            reply(fd, summary.lines, ok: !summary.hasFailures)
        }
        reloadWaiters.removeAll()
    }

    private func reply(_ fd: Int32, _ outcome: (lines: [String], ok: Bool)) {
        reply(fd, outcome.lines, ok: outcome.ok)
    }

    /// Sends the reply lines and the final `ok` or `failed` line, then closes the connection.
    /// A reply longer than `replyLimit` bytes keeps its first lines and states how many were left out,
    /// because one SOCK_SEQPACKET message cannot exceed the socket's send buffer.
    private func reply(_ fd: Int32, _ lines: [String], ok: Bool) {
        var kept: [String] = []
        var size = 0
        for line in lines {
            size += line.utf8.count + 1
            if size > Daemon.replyLimit {
                kept.append("(\(lines.count - kept.count) more lines left out)")
                break
            }
            kept.append(line)
        }
        let text = (kept + [ok ? "ok" : "failed"]).joined(separator: "\n") + "\n"
        if !ControlSocket.send(fd, Array(text.utf8)) {
            Log.warning("control reply not sent", ("error", SyscallError(call: "send", errno: errno).description))
        }
        Linux.close(fd)
    }

    /// The largest reply text, in bytes, well below the default Unix socket send buffer.
    static let replyLimit = 64 * 1024

    /// Returns the records named by `paths` (all when `paths` is empty) and the paths that name none.
    private func select(_ paths: [String]) -> (records: [ProtectedPath], unknown: [String]) {
        guard !paths.isEmpty else {
            return (protector.paths, [])
        }
        var records: [ProtectedPath] = []
        var unknown: [String] = []
        for path in paths {
            if let record = protector.record(for: path) {
                records.append(record)
            } else {
                unknown.append(path)
            }
        }
        return (records, unknown)
    }

    private func release(_ paths: [String]) -> (lines: [String], ok: Bool) {
        let (records, unknown) = select(paths)
        var lines = unknown.map { "not configured: \($0)" }
        var ok = true
        for record in records {
            if !record.isBound {
                record.release = .requested
                record.settleDeadline = nil
                lines.append("released (was not bound): \(record.path)")
                continue
            }
            do {
                try protector.release(record)
                record.settleDeadline = nil
                lines.append("released: \(record.path)")
            } catch {
                ok = false
                lines.append("failed: \(error)")
                Log.error("cannot release", error.logFields)
            }
        }
        watcher.update(protector.paths)
        return (lines, ok)
    }

    private func resume(_ paths: [String]) -> (lines: [String], ok: Bool) {
        let (records, unknown) = select(paths)
        var lines = unknown.map { "not configured: \($0)" }
        var ok = true
        for record in records {
            if record.isBound {
                lines.append("already bound: \(record.path)")
                continue
            }
            let copiesBefore = protector.copiesMade
            do {
                try protector.resume(record)
                record.settleDeadline = nil
                let how = protector.copiesMade == copiesBefore ? "reused copy" : "new copy"
                lines.append("resumed (\(how)): \(record.path)")
            } catch {
                ok = false
                record.failure = error
                lines.append("failed: \(error)")
                Log.error("cannot resume", error.logFields)
            }
        }
        watcher.update(protector.paths)
        Notify.status(statusLine())
        return (lines, ok)
    }
}
