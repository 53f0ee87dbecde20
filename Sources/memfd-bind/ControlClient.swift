import Config
import Glibc

/// `--reload`, `--release` and `--resume`: requests to running daemons over their control sockets.
enum ControlClient {
    /// How long `--reload` and `--release` wait for the daemon, in milliseconds.
    static let shortTimeout: Int32 = 10_000
    /// How long `--resume` waits: it may copy every binary again.
    static let resumeTimeout: Int32 = 60_000

    /// Validates the configuration as `--check-config` does, then asks the daemon to reload it.
    static func reload(config file: String, pidFile: String) -> Int32 {
        guard CheckConfigCommand.load(file) != nil else {
            printError("memfd-bind: \(file): configuration invalid; the daemon was not asked to reload")
            return 1
        }
        let absoluteFile = file.hasPrefix("/") ? file : (TargetInspection.realPath(file) ?? file)
        var candidates: [Int32] = []
        if let pid = PidFile.lockedPid(at: pidFile) {
            candidates.append(pid)
        }
        candidates += ControlSocket.runningDaemons().filter { !candidates.contains($0) }
        for pid in candidates {
            guard let reply = request(pid: pid, ["reload", absoluteFile], timeout: shortTimeout) else {
                continue
            }
            if reply.lines.first?.hasPrefix("this daemon reads") == true {
                continue
            }
            for line in reply.lines {
                printOut(line)
            }
            return reply.ok ? 0 : 1
        }
        printError("memfd-bind: no running daemon reads \(absoluteFile) (pid file \(pidFile)); start it with systemctl start memfd-bind")
        return 1
    }

    /// Sends `release` or `resume` to every running daemon and prints each reply.
    static func broadcast(_ command: String, paths: [String]) -> Int32 {
        let daemons = ControlSocket.runningDaemons()
        guard !daemons.isEmpty else {
            printOut("memfd-bind: no running daemon; nothing to \(command)")
            return 0
        }
        var ok = true
        for pid in daemons {
            let timeout = command == "resume" ? resumeTimeout : shortTimeout
            guard let reply = request(pid: pid, [command] + paths, timeout: timeout) else {
                printError("memfd-bind: daemon \(pid) did not reply to the \(command) request in time")
                ok = false
                continue
            }
            for line in reply.lines where !line.hasPrefix("not configured: ") || daemons.count == 1 {
                printOut("\(pid): \(line)")
            }
            ok = ok && reply.ok
        }
        return ok ? 0 : 1
    }

    /// Sends one request to daemon `pid` and waits for the reply. Returns nil when the daemon
    /// cannot be reached, is not root, or does not answer in time.
    static func request(pid: Int32, _ fields: [String], timeout: Int32) -> (lines: [String], ok: Bool)? {
        guard let fd = try? once("socket", { socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }) else {
            return nil
        }
        defer { Linux.close(fd) }
        var (address, length) = ControlSocket.address(ControlSocket.name(pid: pid))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard connected == 0 else {
            return nil
        }
        guard let peer = ControlSocket.peer(fd), peer.uid == 0 else {
            printError("memfd-bind: the control socket \(ControlSocket.name(pid: pid)) belongs to a non-root process; ignored")
            return nil
        }
        guard ControlSocket.send(fd, ControlSocket.encode(fields)),
            let reply = ControlSocket.receive(fd, timeoutMilliseconds: timeout)
        else {
            return nil
        }
        var lines = String(decoding: reply, as: UTF8.self).split(separator: "\n").map(String.init)
        let ok = lines.last == "ok"
        if lines.last == "ok" || lines.last == "failed" {
            lines.removeLast()
        }
        return (lines, ok)
    }
}
