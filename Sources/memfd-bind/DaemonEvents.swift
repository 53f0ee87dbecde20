import CLinuxShim
import Config
import Glibc

/// The daemon's event loop: one `poll` over the signalfd, the mount table, the control socket,
/// inotify and pending control connections, then one handler per ready source.
extension Daemon {
    /// How long a client may take to send its request after connecting, in nanoseconds.
    static let requestTimeout: UInt64 = 5_000_000_000

    func waitForEvents() {
        var descriptors = [
            pollfd(fd: signalDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: mountTableDescriptor, events: Int16(POLLPRI), revents: 0),
            pollfd(fd: controlDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0),
        ]
        for connection in pendingConnections {
            descriptors.append(pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), pollTimeout())
        if ready < 0 && errno != EINTR {
            Log.error("poll failed", ("error", SyscallError(call: "poll", errno: errno).description))
            sleep(1)
            return
        }

        if descriptors[0].revents != 0 {
            handleSignals()
        }
        if descriptors[3].revents != 0 {
            watcher.readEvents(protector.paths)
            watcher.update(protector.paths)
        }
        if descriptors[1].revents & Int16(POLLPRI | POLLERR) != 0 {
            handleMountTableChange()
        }
        if descriptors[2].revents != 0 {
            acceptConnections()
        }
        let readyConnections = descriptors.dropFirst(4).filter { $0.revents != 0 }.map(\.fd)
        for fd in readyConnections {
            handleRequest(fd)
        }
        expireConnections()
        handleSettledFiles()
        if reloadRequested && !stopRequested {
            reloadRequested = false
            let summary = reload()
            answerReloadWaiters(summary)
            WorkingSet.trim()
        }
        protector.dropPageCaches()
    }

    /// Returns the poll timeout in milliseconds: until the next settle or connection deadline, else -1 (none).
    private func pollTimeout() -> Int32 {
        var deadlines = protector.paths.compactMap(\.settleDeadline)
        deadlines += pendingConnections.map(\.deadline)
        guard let next = deadlines.min() else {
            return -1
        }
        let now = Linux.monotonicNanoseconds()
        return next <= now ? 0 : Int32(min((next - now) / 1_000_000 + 1, 3_600_000))
    }

    private func handleSignals() {
        var signo: UInt32 = 0
        var pid: Int32 = 0
        var uid: UInt32 = 0
        while CLinuxShim_signalfd_read(signalDescriptor, &signo, &pid, &uid) == 1 {
            switch Int32(signo) {
            case SIGHUP:
                Log.info("signal received", ("signal", "SIGHUP"), ("sender", "\(pid)"))
                reloadRequested = true
            case SIGTERM, SIGINT:
                Log.info("signal received", ("signal", signo == UInt32(SIGTERM) ? "SIGTERM" : "SIGINT"), ("sender", "\(pid)"))
                stopRequested = true
            default:
                break
            }
        }
    }

    /// Checks every bind after the mount table changed: a bind removed from outside leaves its path
    /// released (or, with `watch: true` and a changed file, protected again after the settle time).
    func handleMountTableChange() {
        for record in protector.paths {
            guard let mountID = record.mountID, let copy = record.copy else {
                continue
            }
            if (try? Linux.mountID(record.path)) == mountID {
                continue
            }
            if isStillMounted(copy, at: record.path) {
                Log.warning(
                    "bind covered", ("path", record.path),
                    ("reason", "another mount was stacked over the daemon's bind"))
                continue
            }
            copy.dropBind()
            record.mountID = nil
            record.release = .removedFromOutside
            let copied = record.source?.identity
            let changed = record.source.map { (try? $0.currentIdentity()) != copied } ?? true
            let replaced = (try? Linux.lstat(record.path)).map { status in
                copied.map { !FileIdentity(status).isSameInode(as: $0) } ?? true
            } ?? true
            if record.entry.watch && (changed || replaced) {
                Log.warning("bind removed from outside", ("path", record.path), ("action", "the changed file is protected again once it settles"))
                record.settleDeadline = Linux.monotonicNanoseconds() + UInt64(record.entry.settleMilliseconds) * 1_000_000
            } else {
                Log.warning(
                    "bind removed from outside", ("path", record.path),
                    ("action", "left released until memfd-bind --resume or a reload"))
            }
        }
        watcher.update(protector.paths)
    }

    /// Returns whether the mount table still lists the daemon's bind of `copy` at `path`, under another mount.
    private func isStillMounted(_ copy: MemfdCopy, at path: String) -> Bool {
        guard let entries = try? MountTable.read() else {
            return true
        }
        let pid = getpid()
        return entries.contains { entry in
            guard samePath(entry.mountPoint, path), let owner = entry.memfdBindOwner else {
                return false
            }
            return owner.pid == pid && owner.fd == copy.descriptor
        }
    }

    /// Protects again the watched paths whose file stayed unchanged for their settle time.
    func handleSettledFiles() {
        let now = Linux.monotonicNanoseconds()
        for record in protector.paths {
            guard let deadline = record.settleDeadline, deadline <= now else {
                continue
            }
            record.settleDeadline = nil
            do {
                if record.isBound {
                    _ = try protector.refresh(record)
                } else {
                    try protector.resume(record)
                }
            } catch {
                record.failure = error
                Log.error("cannot protect changed file", error.logFields)
            }
        }
        watcher.update(protector.paths)
    }
}
