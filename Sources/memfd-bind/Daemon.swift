import Config
import Glibc

/// The source of the daemon's entries.
enum DaemonSource {
    /// A configuration file, re-read on SIGHUP.
    case configuration(file: String, pidFile: String)
    /// One path with the default options (the template unit).
    case singlePath(String)
}

/// The long-running daemon: protects its entries, then waits for signals, control requests,
/// mount table changes and file changes, one event kind per handler.
final class Daemon {
    let source: DaemonSource
    let protector = Protector()

    /// Reload counter, logged with each reload.
    var generation = 0

    var signalDescriptor: Int32 = -1
    var mountTableDescriptor: Int32 = -1
    var controlDescriptor: Int32 = -1
    var pidFile: PidFile?
    let watcher = Watcher()

    /// Control connections waiting for their request, with the time they must send it by.
    var pendingConnections: [(fd: Int32, deadline: UInt64)] = []
    /// Control connections waiting for the next reload to finish.
    var reloadWaiters: [Int32] = []
    var reloadRequested = false
    var stopRequested = false

    init(source: DaemonSource) {
        self.source = source
    }

    /// Runs the daemon until SIGTERM or SIGINT. Returns the exit status.
    func run() -> Int32 {
        let configuration: Configuration
        switch loadConfiguration() {
        case .success(let loaded):
            configuration = loaded
        case .failure:
            return 1
        }
        if let refusal = MountNamespaceCheck.refusal() {
            Log.error("refusing to start", ("reason", refusal))
            return 1
        }
        let sourceField: (String, String)
        switch source {
        case .configuration(let file, _): sourceField = ("config", file)
        case .singlePath(let path): sourceField = ("path", path)
        }
        Log.notice(
            "starting", ("version", programVersion), sourceField,
            ("entries", "\(configuration.entries.count)"), ("pid", "\(getpid())"))

        if case .configuration(_, let pidFilePath) = source {
            switch PidFile.acquire(pidFilePath) {
            case .acquired(let file):
                pidFile = file
            case .unwritable(let reason):
                Log.warning("pid file not written", ("file", pidFilePath), ("error", reason))
            case .heldByOther(let pid):
                Log.error(
                    "another daemon is running", ("pid", pid.map { "\($0)" } ?? "unknown"), ("pid_file", pidFilePath),
                    ("hint", "stop it first, or give this one another --pid-file"))
                return 1
            }
        }
        do {
            try openEventSources()
        } catch {
            Log.error("cannot start", ("error", error.description))
            return 1
        }

        for (path, removed) in StaleMounts.removeAllStale() {
            Log.notice("removed stale mounts", ("path", path), ("count", "\(removed)"))
        }
        protector.maxSize = configuration.maxSize
        for entry in configuration.entries {
            let record = ProtectedPath(entry: entry)
            protector.paths.append(record)
            protectLogging(record)
        }
        watcher.update(protector.paths)
        if configuration.entries.isEmpty {
            Log.notice("nothing to protect", ("config", configurationName))
        }
        Notify.ready(status: statusLine())
        Log.notice("ready", ("status", statusLine()))
        protector.dropPageCaches()
        WorkingSet.trim()

        while !stopRequested {
            waitForEvents()
        }
        shutdown()
        return 0
    }

    /// The configuration's name for logs: its file, or the one path.
    var configurationName: String {
        switch source {
        case .configuration(let file, _): return file
        case .singlePath(let path): return path
        }
    }

    /// `protecting N of M binaries`, for `STATUS=` and logs.
    func statusLine() -> String {
        let bound = protector.paths.filter(\.isBound).count
        return "protecting \(bound) of \(protector.paths.count) binaries"
    }

    /// Loads the configuration, logging every diagnostic.
    func loadConfiguration() -> Result<Configuration, LoadFailure> {
        switch source {
        case .singlePath(let path):
            return .success(Configuration(file: path, entries: [BinaryEntry(path: path)]))
        case .configuration(let file, _):
            let result = ConfigurationLoader.load(file: file, accounts: SystemAccounts(), ownership: .enforce)
            // The loader ends its list with a count of the problems it did not list; the log
            // states that count itself.
            let listed = result.omittedCount > 0 ? result.diagnostics.dropLast() : result.diagnostics[...]
            for diagnostic in listed.prefix(Daemon.loggedDiagnosticLimit) {
                Log.write(diagnostic.severity == .error ? .error : .warning, "configuration", [("problem", diagnostic.oneLine)])
            }
            let notLogged = max(0, listed.count - Daemon.loggedDiagnosticLimit) + result.omittedCount
            if notLogged > 0 {
                Log.error(
                    "more configuration problems", ("count", "\(notLogged)"),
                    ("hint", "run memfd-bind --check-config to list them (it lists up to 1000)"))
            }
            guard let configuration = result.configuration else {
                Log.error("configuration invalid", ("config", file), ("errors", "\(result.problemCount)"))
                return .failure(LoadFailure())
            }
            return .success(configuration)
        }
    }

    struct LoadFailure: Error {}

    /// The maximum number of configuration diagnostics written to the log at one load.
    static let loggedDiagnosticLimit = 50

    /// Protects one record, logging the outcome; a failure leaves it unprotected for a later retry.
    func protectLogging(_ record: ProtectedPath) {
        do {
            try protector.protect(record)
        } catch {
            record.failure = error
            Log.error("cannot protect", error.logFields)
        }
    }

    private func openEventSources() throws(SyscallError) {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in handledSignals {
            sigaddset(&signals, signal)
        }
        signalDescriptor = try once("signalfd") { CLinuxShim_signalfd(&signals) }
        mountTableDescriptor = try Linux.open("/proc/self/mountinfo", O_RDONLY)
        do {
            controlDescriptor = try ControlSocket.listen(pid: getpid())
        } catch {
            Log.warning(
                "control socket unavailable", ("error", error.description),
                ("effect", "--reload, --release and --resume cannot reach this daemon; SIGHUP still reloads"))
        }
        try watcher.open()
    }

    /// Removes every bind, closes every copy and the pid file.
    private func shutdown() {
        Notify.stopping()
        Log.notice("stopping", ("binds", "\(protector.paths.filter(\.isBound).count)"))
        for record in protector.paths {
            do {
                try protector.unprotect(record)
            } catch {
                Log.error("cannot unprotect", error.logFields)
            }
        }
        for connection in pendingConnections {
            Linux.close(connection.fd)
        }
        for waiter in reloadWaiters {
            Linux.close(waiter)
        }
        pidFile?.remove()
        Log.notice("stopped")
    }
}

import CLinuxShim

/// The signals the daemon reads from its signalfd; `main` blocks them before anything else runs.
let handledSignals: [Int32] = [SIGHUP, SIGTERM, SIGINT]
