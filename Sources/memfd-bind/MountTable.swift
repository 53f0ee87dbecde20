import Glibc

/// One line of /proc/self/mountinfo.
struct MountEntry: Equatable {
    /// Mount id (reused by the kernel as soon as it is free).
    var id: Int
    var parentID: Int
    /// The root of the mount inside its filesystem, for example `/2011/fd/3` for a memfd bind.
    var root: String
    var mountPoint: String
    var filesystemType: String

    /// The owner of a memfd-bind bind: a `proc` mount whose root is `/<pid>/fd/<n>`.
    var memfdBindOwner: (pid: Int32, fd: Int32)? {
        guard filesystemType == "proc" else {
            return nil
        }
        let parts = root.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[2] == "fd",
            let pid = Int32(parts[1]), pid > 0, let fd = Int32(parts[3]), fd >= 0
        else {
            return nil
        }
        return (pid, fd)
    }
}

/// The state of a memfd-bind bind found in the mount table.
enum BindState: Equatable {
    /// The owner process lives and its descriptor is a memfd-bind memfd.
    case live(memfdName: String)
    /// The owner is gone, or its descriptor no longer names a memfd-bind memfd.
    case stale
}

/// A memfd-bind bind found in the mount table, with its owner.
struct ForeignBind: Equatable {
    var mount: MountEntry
    var pid: Int32
    var fd: Int32
    var state: BindState
}

/// Reading and parsing of /proc/self/mountinfo.
enum MountTable {
    /// Reads and parses the calling process's mount table.
    static func read() throws(SyscallError) -> [MountEntry] {
        parse(try Linux.readFile("/proc/self/mountinfo"))
    }

    /// Parses mountinfo text; malformed lines are skipped.
    static func parse(_ bytes: [UInt8]) -> [MountEntry] {
        var entries: [MountEntry] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard fields.count >= 10, let separator = fields.firstIndex(of: [UInt8(ascii: "-")]),
                separator >= 6, separator + 1 < fields.count,
                let id = Int(String(decoding: fields[0], as: UTF8.self)),
                let parentID = Int(String(decoding: fields[1], as: UTF8.self))
            else {
                continue
            }
            entries.append(
                MountEntry(
                    id: id, parentID: parentID, root: unescape(fields[3]), mountPoint: unescape(fields[4]),
                    filesystemType: unescape(fields[separator + 1])))
        }
        return entries
    }

    /// Decodes the octal escapes (`\040` for a space) that mountinfo uses in paths.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            if byte == UInt8(ascii: "\\"), field.endIndex - index >= 4 {
                let digits = field[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if value < 256 {
                        bytes.append(UInt8(value))
                        index += 4
                        continue
                    }
                }
            }
            bytes.append(byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns every memfd-bind bind in the table.
    static func allMemfdBinds(in entries: [MountEntry]) -> [ForeignBind] {
        entries.compactMap { entry in
            guard let owner = entry.memfdBindOwner else {
                return nil
            }
            return ForeignBind(mount: entry, pid: owner.pid, fd: owner.fd, state: state(pid: owner.pid, fd: owner.fd))
        }
    }

    /// Returns the topmost mount at `path`, if any: the one no other mount at `path` has as parent.
    static func topMount(at path: String, in entries: [MountEntry]) -> MountEntry? {
        let stacked = entries.filter { samePath($0.mountPoint, path) }
        return stacked.first { candidate in !stacked.contains { $0.parentID == candidate.id } }
    }

    /// Classifies the owner of a bind: live when `/proc/<pid>/fd/<fd>` names a memfd-bind memfd.
    /// An owner that exists but whose descriptors cannot be read (EACCES: a process with
    /// capabilities the caller lacks) counts as live, so that its bind is never removed as stale.
    static func state(pid: Int32, fd: Int32) -> BindState {
        let target: String
        do {
            target = try Linux.readlink("/proc/\(pid)/fd/\(fd)")
        } catch {
            if (error.errno == EACCES || error.errno == EPERM) && Linux.processExists(pid) {
                return .live(memfdName: "unknown")
            }
            return .stale
        }
        let prefix = "/memfd:memfd-bind:"
        guard target.hasPrefix(prefix) else {
            return .stale
        }
        var name = String(target.dropFirst("/memfd:".count))
        if name.hasSuffix(" (deleted)") {
            name.removeLast(" (deleted)".count)
        }
        return .live(memfdName: name)
    }
}

/// Returns whether two paths are the same bytes. Swift's `==` on strings treats canonically
/// equivalent Unicode (a precomposed "é" and "e" plus a combining accent) as equal, but the
/// kernel compares bytes, so paths are always compared with this function.
func samePath(_ first: String, _ second: String) -> Bool {
    first.utf8.elementsEqual(second.utf8)
}
