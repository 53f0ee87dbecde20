import CLinuxShim
import Config
import Glibc

/// Protects, refreshes, releases and unprotects the configured paths.
///
/// Every operation leaves its `ProtectedPath` consistent: a memfd is closed only after its last
/// bind is gone, and a failure leaves any existing bind in place.
final class Protector {
    /// The configured paths, in configuration order.
    var paths: [ProtectedPath] = []

    /// The largest file that may be copied, in bytes.
    var maxSize: Int64 = Configuration.defaultMaxSize

    var factory = MemfdFactory()

    /// Copies made so far; `--resume` compares it to tell a reused copy from a new one.
    var copiesMade = 0

    /// Originals copied since the last `dropPageCaches()`.
    private var copiedSources: [SourceFile] = []

    init() {
        factory.slots.configure()
    }

    /// Returns the record for `path`.
    func record(for path: String) -> ProtectedPath? {
        paths.first { samePath($0.path, path) }
    }

    // MARK: Protecting

    /// Protects a path that has no bind: removes stale memfd-bind mounts there, copies the file
    /// (or shares an identical copy) and binds it.
    func protect(_ record: ProtectedPath) throws(ProtectError) {
        let started = Linux.monotonicNanoseconds()
        let path = record.path
        try TargetInspection.checkDirectories(path)
        try clearStaleMounts(at: path)
        if CLinuxShim_is_mount_root(path) == 1 {
            Log.warning(
                "path is a mount point", ("path", path),
                ("effect", "the daemon copies the file that this mount shows and binds over it"))
        }

        let source = try SourceFile.open(path, maxSize: maxSize)
        if let other = paths.first(where: { $0 !== record && ($0.source?.identity.isSameInode(as: source.identity) ?? false) }) {
            throw ProtectError(path, "the path names the same file as \(other.path)", hint: "list each binary once")
        }
        let copy = try copyFor(source, entry: record.entry)
        let mountID: UInt64
        do {
            mountID = try BindMount.bind(copy, over: path, expecting: source.identity)
        } catch {
            // The copy may be the record's own kept copy, found identical again: that one stays.
            if copy.bindCount == 0 && copy !== record.copy && !isInUse(copy, except: record) {
                copy.close()
            }
            throw error
        }
        replaceCopy(of: record, with: copy)
        record.source?.close()
        record.source = source
        record.mountID = mountID
        record.release = nil
        record.failure = nil
        logBound(record, started: started, action: "bound")
    }

    /// Rebinds the kept copy of a released path when the file is unchanged, or copies it again.
    func resume(_ record: ProtectedPath) throws(ProtectError) {
        guard !record.isBound else {
            return
        }
        let started = Linux.monotonicNanoseconds()
        let path = record.path
        try clearStaleMounts(at: path)
        if let copy = record.copy, let source = record.source, CopyOptions(record.entry) == copy.options,
            let onDisk = try? Linux.lstat(path), FileIdentity(onDisk) == source.identity,
            (try? source.currentIdentity()) == source.identity
        {
            let mountID = try BindMount.bind(copy, over: path, expecting: source.identity)
            record.mountID = mountID
            record.release = nil
            record.failure = nil
            logBound(record, started: started, action: "rebound unchanged copy")
            return
        }
        try protect(record)
    }

    /// Brings a bound path up to date: a new copy is swapped in when the options changed or the
    /// original file changed since it was copied. An unchanged path is not touched at all.
    ///
    /// - Returns: whether the bind was replaced.
    func refresh(_ record: ProtectedPath) throws(ProtectError) -> Bool {
        guard let oldCopy = record.copy, let source = record.source, let oldMountID = record.mountID else {
            return false
        }
        let optionsChanged = CopyOptions(record.entry) != oldCopy.options
        let current: FileIdentity
        do {
            current = try source.currentIdentity()
        } catch {
            throw ProtectError(record.path, "cannot read the original file's status", cause: error)
        }
        let contentChanged = current != source.identity
        guard optionsChanged || contentChanged else {
            return false
        }
        let started = Linux.monotonicNanoseconds()
        let currentStatus: FileStatus
        do {
            currentStatus = try Linux.fstat(source.descriptor)
        } catch {
            throw ProtectError(record.path, "cannot read the original file's status", cause: error)
        }
        try source.checkCopyable(record.path, maxSize: maxSize, status: currentStatus)
        let newCopy = try copyFor(source, entry: record.entry, excluding: oldCopy)
        let result: (mountID: UInt64, gapless: Bool)
        do {
            result = try BindMount.replace(oldCopy, with: newCopy, at: record.path, oldMountID: oldMountID)
        } catch {
            if error.leftUnprotected {
                record.mountID = nil
            }
            if newCopy.bindCount == 0 && !isInUse(newCopy, except: record) {
                newCopy.close()
            }
            throw error
        }
        if !result.gapless {
            Log.warning(
                "replaced with a gap", ("path", record.path),
                ("reason", "the kernel lacks MOVE_MOUNT_BENEATH (Linux 6.5+), so the path showed the original file for a moment"))
        }
        record.mountID = result.mountID
        replaceCopy(of: record, with: newCopy)
        logBound(record, started: started, action: contentChanged ? "replaced changed file" : "replaced with new options")
        return true
    }

    // MARK: Unprotecting

    /// Removes the bind at a path and keeps the copy and the original's descriptor for a resume.
    func release(_ record: ProtectedPath) throws(ProtectError) {
        if let copy = record.copy, let mountID = record.mountID {
            try BindMount.unbind(copy, at: record.path, mountID: mountID)
            record.mountID = nil
        }
        record.release = .requested
        Log.notice("released", ("path", record.path))
    }

    /// Removes the bind at a path and frees its copy and descriptors.
    func unprotect(_ record: ProtectedPath) throws(ProtectError) {
        if let copy = record.copy, let mountID = record.mountID {
            try BindMount.unbind(copy, at: record.path, mountID: mountID)
            record.mountID = nil
        }
        replaceCopy(of: record, with: nil)
        record.source?.close()
        record.source = nil
    }

    // MARK: Helpers

    /// Removes stale memfd-bind mounts stacked at `path`; fails when a live one of another process is there.
    func clearStaleMounts(at path: String) throws(ProtectError) {
        let removed = try StaleMounts.remove(at: path, includingLive: false)
        if removed > 0 {
            Log.notice("removed stale mounts", ("path", path), ("count", "\(removed)"))
        }
    }

    /// Returns an existing copy with the same options and identical content, or makes a new one.
    private func copyFor(_ source: SourceFile, entry: BinaryEntry, excluding excluded: MemfdCopy? = nil) throws(ProtectError) -> MemfdCopy {
        let options = CopyOptions(entry)
        if let shared = findIdenticalCopy(source, options: options, excluding: excluded) {
            Log.debug("sharing copy", ("path", entry.path), ("memfd", shared.name))
            return shared
        }
        let copy = try factory.makeCopy(of: source, path: entry.path, options: options)
        copiesMade += 1
        copiedSources.append(source)
        return copy
    }

    /// Drops the page cache of every original copied since the last call, so that a protected
    /// binary costs one copy in memory, not two. Called after readiness is reported, because the
    /// advice may start writeback of a freshly written file, which takes time.
    func dropPageCaches() {
        for source in copiedSources where source.descriptor >= 0 {
            if let fd = try? source.openForReading() {
                Linux.dropPageCache(fd)
                Linux.close(fd)
            }
        }
        copiedSources.removeAll()
    }

    private func findIdenticalCopy(_ source: SourceFile, options: CopyOptions, excluding excluded: MemfdCopy?) -> MemfdCopy? {
        var candidates: [MemfdCopy] = []
        for other in paths {
            if let copy = other.copy, copy !== excluded, copy.options == options, copy.size == source.identity.size,
                copy.descriptor >= 0, !candidates.contains(where: { $0 === copy })
            {
                candidates.append(copy)
            }
        }
        guard !candidates.isEmpty, let fd = try? source.openForReading() else {
            return nil
        }
        defer { Linux.close(fd) }
        let fingerprint = ContentComparison.fingerprint(fd, size: source.identity.size)
        candidates.removeAll { fingerprint == nil || $0.fingerprint != fingerprint }
        guard let match = candidates.first(where: { ContentComparison.fileMatches(fd, memfd: $0) }),
            let matched = try? Linux.fstat(fd)
        else {
            // The copy that follows reads the file again, so its page cache stays until then.
            return nil
        }
        source.identity = FileIdentity(matched)
        Linux.dropPageCache(fd)
        return match
    }

    /// Returns whether any record other than `record` keeps `copy`.
    private func isInUse(_ copy: MemfdCopy, except record: ProtectedPath) -> Bool {
        paths.contains { $0 !== record && $0.copy === copy }
    }

    /// Sets the copy of `record`, closing the previous copy when no other record keeps it and no bind shows it.
    private func replaceCopy(of record: ProtectedPath, with copy: MemfdCopy?) {
        let previous = record.copy
        record.copy = copy
        if let previous, previous !== copy, !isInUse(previous, except: record) {
            if !previous.close() {
                Log.warning("memfd kept open", ("memfd", previous.name), ("reason", "a bind of it still exists"))
            }
        }
    }

    private func logBound(_ record: ProtectedPath, started: UInt64, action: String) {
        guard let copy = record.copy else {
            return
        }
        Log.notice(
            action, ("path", record.path), ("size", "\(copy.size)"),
            ("seals", SealSet(rawValue: copy.actualSeals).description), ("mode", octalMode(copy.options.mode)),
            ("owner", "\(copy.options.owner):\(copy.options.group)"), ("memfd", copy.name),
            ("ms", milliseconds(fromNanoseconds: Linux.monotonicNanoseconds() - started)))
    }
}
