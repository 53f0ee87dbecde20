import Glibc

/// inotify watches of the daemon, for two jobs:
///
/// - every memfd that is bound, for `IN_ATTRIB`: a chmod or chown of a bound path changes the
///   shared memfd (unless it has the `exec` seal), so the daemon puts the configured owner and
///   mode back;
/// - for entries with `watch: true`, the original inode (through `/proc/self/fd/<O_PATH fd>`,
///   which reaches it even while the path is covered) and the parent directory, so that a changed
///   or replaced file is copied again once it has been quiet for the entry's settle time.
final class Watcher {
    private(set) var descriptor: Int32 = -1

    /// Watch descriptors by key: `memfd:<fd>`, `source:<device>:<inode>` and `directory:<path>`,
    /// as bytes, because string keys would merge canonically equivalent Unicode paths. The source
    /// key names the inode, so that a replaced file gets a watch of its own.
    private var watches: [[UInt8]: Int32] = [:]

    private static func key(_ text: String) -> [UInt8] {
        Array(text.utf8)
    }

    private static func sourceKey(_ source: SourceFile) -> [UInt8] {
        key("source:\(source.identity.device):\(source.identity.inode)")
    }

    private static let memfdEvents = UInt32(IN_ATTRIB)
    private static let sourceEvents = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)
    private static let directoryEvents = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)

    func open() throws(SyscallError) {
        descriptor = try once("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) }
    }

    /// Adds and removes watches so that they match what `paths` need now.
    func update(_ paths: [ProtectedPath]) {
        guard descriptor >= 0 else {
            return
        }
        var wanted: [[UInt8]: (target: String, mask: UInt32)] = [:]
        for record in paths {
            if record.isBound, let copy = record.copy {
                wanted[Watcher.key("memfd:\(copy.descriptor)")] = (copy.procPath, Watcher.memfdEvents)
            }
            if record.entry.watch {
                if let source = record.source, source.descriptor >= 0 {
                    wanted[Watcher.sourceKey(source)] = ("/proc/self/fd/\(source.descriptor)", Watcher.sourceEvents)
                }
                let directory = parentDirectory(of: record.path)
                wanted[Watcher.key("directory:\(directory)")] = (directory, Watcher.directoryEvents)
            }
        }
        for (key, wd) in watches where wanted[key] == nil {
            watches[key] = nil
            if !watches.values.contains(wd) {
                _ = inotify_rm_watch(descriptor, wd)
            }
        }
        for (key, watch) in wanted where watches[key] == nil {
            let wd = inotify_add_watch(descriptor, watch.target, watch.mask | UInt32(IN_MASK_ADD))
            if wd < 0 {
                Log.warning("cannot watch", ("target", watch.target), ("error", SyscallError(call: "inotify_add_watch", errno: errno).description))
                continue
            }
            watches[key] = wd
        }
    }

    /// Reads pending events and acts on them.
    func readEvents(_ paths: [ProtectedPath]) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var touchedKeys: Set<[UInt8]> = []
        var names: [Int32: [[UInt8]]] = [:]
        var removedWatches: Set<Int32> = []
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                break
            }
            var offset = 0
            while offset + 16 <= count {
                let wd = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                names[wd, default: []].append(Array(nameBytes))
                if mask & UInt32(IN_IGNORED) != 0 {
                    // The kernel removed the watch (its inode is gone): forget it so it is added again.
                    removedWatches.insert(wd)
                }
                offset += 16 + length
            }
        }
        for (key, wd) in watches where names[wd] != nil {
            touchedKeys.insert(key)
        }
        watches = watches.filter { !removedWatches.contains($0.value) }
        for record in paths {
            if let copy = record.copy, touchedKeys.contains(Watcher.key("memfd:\(copy.descriptor)")) {
                restoreAttributes(record, copy)
            }
            guard record.entry.watch else {
                continue
            }
            let directoryKey = Watcher.key("directory:\(parentDirectory(of: record.path))")
            let baseName = Array(record.path.utf8.split(separator: UInt8(ascii: "/")).last ?? [])
            let directoryTouched =
                touchedKeys.contains(directoryKey) && (watches[directoryKey].flatMap { names[$0] }?.contains(baseName) ?? false)
            let sourceTouched = record.source.map { touchedKeys.contains(Watcher.sourceKey($0)) } ?? false
            if sourceTouched || directoryTouched {
                record.settleDeadline = Linux.monotonicNanoseconds() + UInt64(record.entry.settleMilliseconds) * 1_000_000
                Log.debug("file changed", ("path", record.path), ("settle_ms", "\(record.entry.settleMilliseconds)"))
            }
        }
    }

    /// Puts back the configured owner and mode of a bound memfd after someone changed them.
    private func restoreAttributes(_ record: ProtectedPath, _ copy: MemfdCopy) {
        guard record.isBound, let status = try? Linux.fstat(copy.descriptor) else {
            return
        }
        let mode = UInt32(status.st_mode) & 0o7777
        guard mode != copy.options.mode || status.st_uid != copy.options.owner || status.st_gid != copy.options.group else {
            return
        }
        do {
            try Linux.fchown(copy.descriptor, owner: copy.options.owner, group: copy.options.group)
            try Linux.fchmod(copy.descriptor, mode: copy.options.mode)
            Log.warning(
                "restored owner and mode", ("path", record.path), ("found", "\(octalMode(mode)) \(status.st_uid):\(status.st_gid)"),
                ("restored", "\(octalMode(copy.options.mode)) \(copy.options.owner):\(copy.options.group)"),
                ("hint", "a chmod or chown of a bound path changes the shared copy; the exec seal forbids chmod"))
        } catch {
            Log.error("cannot restore owner and mode", ("path", record.path), ("error", error.description))
        }
    }
}

/// Returns the directory part of an absolute path: `/usr/sbin` for `/usr/sbin/runc`, `/` for `/runc`.
func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
        return "/"
    }
    return String(path[..<slash])
}
