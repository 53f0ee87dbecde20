import Config
import Glibc

/// Reload on SIGHUP or `--reload`: re-read the configuration and apply only the difference.
extension Daemon {
    /// Re-reads the configuration and applies it. An invalid configuration changes nothing.
    func reload() -> ReloadSummary {
        generation += 1
        let started = Linux.monotonicNanoseconds()
        Notify.reloading()
        Log.notice("reloading", ("generation", "\(generation)"), ("config", configurationName))

        var summary = ReloadSummary()
        let configuration: Configuration
        switch loadConfiguration() {
        case .success(let loaded):
            configuration = loaded
        case .failure:
            summary.invalidConfiguration = true
            Log.error("reload failed", ("generation", "\(generation)"), ("effect", "every bind is kept as it was"))
            Notify.ready(status: statusLine() + "; last reload failed: configuration invalid")
            return summary
        }

        protector.maxSize = configuration.maxSize
        let actions = planReload(current: protector.paths.map(\.entry), desired: configuration.entries)
        var kept: [[UInt8]: ProtectedPath] = [:]
        for record in protector.paths {
            kept[Array(record.path.utf8)] = record
        }
        var ordered: [ProtectedPath] = []
        for action in actions {
            switch action {
            case .remove(let path):
                guard let record = kept.removeValue(forKey: Array(path.utf8)) else {
                    continue
                }
                remove(record, &summary, &ordered)
            case .add(let entry):
                let record = ProtectedPath(entry: entry)
                ordered.append(record)
                protector.paths.append(record)
                attempt(record, &summary, counting: \.added) { () throws(ProtectError) in try self.protector.protect(record) }
            case .keep(let entry), .update(let entry):
                guard let record = kept[Array(entry.path.utf8)] else {
                    continue
                }
                record.entry = entry
                ordered.append(record)
                apply(record, &summary)
            }
        }
        protector.paths = ordered
        verifyBinds(&summary)
        watcher.update(protector.paths)

        let status = statusLine() + (summary.hasFailures ? "; last reload had failures" : "")
        Notify.ready(status: status)
        Log.notice(
            "reloaded", ("generation", "\(generation)"), ("added", "\(summary.added.count)"),
            ("removed", "\(summary.removed.count)"), ("replaced", "\(summary.replaced.count)"),
            ("unchanged", "\(summary.unchanged.count)"), ("failed", "\(summary.failed.count)"),
            ("ms", milliseconds(fromNanoseconds: Linux.monotonicNanoseconds() - started)))
        return summary
    }

    /// Unbinds a removed entry and drops its record. When its bind cannot be removed, the record is kept
    /// (unconfigured) so that its memfd stays open under the bind.
    private func remove(_ record: ProtectedPath, _ summary: inout ReloadSummary, _ ordered: inout [ProtectedPath]) {
        do {
            try protector.unprotect(record)
            summary.removed.append(record.path)
            Log.notice("removed", ("path", record.path))
        } catch {
            summary.failed.append(record.path)
            Log.error("cannot remove", error.logFields)
            ordered.append(record)
        }
    }

    /// Brings a kept or updated entry up to date: left released after `--release`, bound again
    /// when it failed before or its bind was removed from outside, swapped when its options or its
    /// file changed, otherwise untouched.
    private func apply(_ record: ProtectedPath, _ summary: inout ReloadSummary) {
        if record.release == .requested {
            summary.unchanged.append(record.path)
            Log.notice("still released", ("path", record.path), ("hint", "run memfd-bind --resume to protect it again"))
            return
        }
        if !record.isBound {
            attempt(record, &summary, counting: \.added) { () throws(ProtectError) in try self.protector.resume(record) }
            return
        }
        do {
            if try protector.refresh(record) {
                summary.replaced.append(record.path)
            } else {
                summary.unchanged.append(record.path)
            }
        } catch {
            record.failure = error
            summary.failed.append(record.path)
            let effect = error.leftUnprotected ? "the path is unprotected until the next reload" : "the previous copy stays bound"
            Log.error("cannot replace", error.logFields + [("effect", effect)])
        }
    }

    private func attempt(
        _ record: ProtectedPath, _ summary: inout ReloadSummary, counting category: WritableKeyPath<ReloadSummary, [String]>,
        _ body: () throws(ProtectError) -> Void
    ) {
        do {
            try body()
            summary[keyPath: category].append(record.path)
        } catch {
            record.failure = error
            summary.failed.append(record.path)
            Log.error("cannot protect", error.logFields)
        }
    }

    /// Checks that each bound path opens its own memfd; a path that does not is reported as failed.
    private func verifyBinds(_ summary: inout ReloadSummary) {
        for record in protector.paths {
            guard record.isBound, let copy = record.copy, !summary.failed.contains(where: { samePath($0, record.path) }) else {
                continue
            }
            do {
                try BindMount.verify(copy, at: record.path)
            } catch {
                summary.failed.append(record.path)
                Log.error("bind check failed", error.logFields)
            }
        }
    }
}
