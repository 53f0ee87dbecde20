import Config
import Glibc

/// `--reload`, `--release` and `--resume`: requests to running daemons over their control sockets.
enum ControlClient {
    /// How long `--reload` and `--release` wait for the daemon, in milliseconds. A reload that
    /// copies many large binaries can take longer; the client then says so and exits 1, and the
    /// daemon finishes the reload.
    static let shortTimeout: Int32 = 10_000
    /// How long `--resume` waits: it may copy every binary again.
    static let longTimeout: Int32 = 60_000

    /// Validates the configuration as `--check-config` does, then requests a reload from the daemon.
    static func reload(config file: String, pidFile: String) -> Int32 {
        guard requireRoot("--reload") else {
            return 1
        }
        guard CheckConfigCommand.load(file) != nil else {
            printError("memfd-bind: \(file): configuration invalid; the daemon was not asked to reload")
            return 1
        }
        let absoluteFile = TargetInspection.realPath(file) ?? file
        var candidates: [Int32] = []
        if let pid = PidFile.lockedPid(at: pidFile) {
            candidates.append(pid)
        }
        candidates += ControlSocket.runningDaemons().filter { !candidates.contains($0) }
        var others: [String] = []
        for pid in candidates {
            let reply: Reply
            switch request(pid: pid, ["reload", absoluteFile], timeout: shortTimeout) {
            case .reply(let received):
                reply = received
            case .unreachable:
                continue
            case .noReply:
                return 1
            }
            if let first = reply.lines.first, first.hasPrefix(Daemon.otherConfigurationReply) {
                others.append("daemon \(pid) " + first.dropFirst(Daemon.otherConfigurationReply.count))
                continue
            }
            for line in reply.lines {
                printOut(line)
            }
            return reply.ok ? 0 : 1
        }
        printError("memfd-bind: no running daemon reads \(absoluteFile) (pid file \(pidFile)); start it with systemctl start memfd-bind")
        for line in others {
            printError("memfd-bind: \(line)")
        }
        return 1
    }

    /// Prints why `option` needs root and returns false when the caller is not root.
    private static func requireRoot(_ option: String) -> Bool {
        guard geteuid() != 0 else {
            return true
        }
        printError("memfd-bind: \(option) must run as root: the daemon accepts requests only from root")
        return false
    }

    /// Sends `release` or `resume` to every running daemon and prints each reply.
    /// A path that none of the daemons protects is reported, and makes the exit status 1.
    static func broadcast(_ command: String, paths: [String]) -> Int32 {
        guard requireRoot("--\(command)") else {
            return 1
        }
        let daemons = ControlSocket.runningDaemons()
        guard !daemons.isEmpty else {
            printOut("memfd-bind: no running daemon; nothing to \(command)")
            return 0
        }
        var ok = true
        // Paths are kept as bytes: a Set of strings would merge canonically equivalent names.
        var unknownEverywhere = Set(paths.map { Array($0.utf8) })
        let notConfigured = "not configured: "
        for pid in daemons {
            let timeout = command == "resume" ? longTimeout : shortTimeout
            guard case .reply(let reply) = request(pid: pid, [command] + paths, timeout: timeout) else {
                ok = false
                continue
            }
            let unknownHere = Set(reply.lines.filter { $0.hasPrefix(notConfigured) }.map { Array($0.utf8.dropFirst(notConfigured.utf8.count)) })
            unknownEverywhere.formIntersection(unknownHere)
            for line in reply.lines where !line.hasPrefix(notConfigured) {
                printOut("\(pid): \(line)")
            }
            ok = ok && reply.ok
        }
        for path in paths where unknownEverywhere.contains(Array(path.utf8)) {
            printError("memfd-bind: \(path) is not configured in any running daemon")
            ok = false
        }
        return ok ? 0 : 1
    }

    /// A daemon's reply: its outcome lines and whether it ended with `ok`.
    typealias Reply = (lines: [String], ok: Bool)

    /// The result of one request.
    enum Outcome {
        case reply(Reply)
        /// No daemon listens there, or its peer is not root; nothing was asked.
        case unreachable
        /// The daemon got the request but timed out or closed without a reply (already reported).
        case noReply
    }

    /// Sends one request to daemon `pid` and waits at most `timeout` milliseconds for the reply.
    static func request(pid: Int32, _ fields: [String], timeout: Int32) -> Outcome {
        guard let fd = try? once("socket", { socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }) else {
            return .unreachable
        }
        defer { Linux.close(fd) }
        var (address, length) = ControlSocket.address(ControlSocket.name(pid: pid))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard connected == 0 else {
            return .unreachable
        }
        guard let peer = ControlSocket.peer(fd), peer.uid == 0 else {
            printError("memfd-bind: the control socket \(ControlSocket.name(pid: pid)) belongs to a non-root process; ignored")
            return .unreachable
        }
        // A send that fails still leaves the daemon's reply to read, because the daemon replies
        // to a rejected peer at once and closes the connection.
        _ = ControlSocket.send(fd, ControlSocket.encode(fields))
        guard let reply = ControlSocket.receive(fd, timeoutMilliseconds: timeout) else {
            printError("memfd-bind: daemon \(pid) did not reply within \(timeout / 1000) s; it may still be working on the request")
            return .noReply
        }
        guard !reply.isEmpty else {
            printError("memfd-bind: daemon \(pid) closed the connection without a reply; see its log")
            return .noReply
        }
        var lines = String(decoding: reply, as: UTF8.self).split(separator: "\n").map(String.init)
        let ok = lines.last == "ok"
        if lines.last == "ok" || lines.last == "failed" {
            lines.removeLast()
        }
        return .reply((lines, ok))
    }
}
