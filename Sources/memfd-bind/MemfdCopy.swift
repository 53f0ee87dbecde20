import CLinuxShim
import Config
import Glibc

/// The options that make two memfd copies of the same content interchangeable.
struct CopyOptions: Equatable, Hashable {
    var seals: SealSet
    var mode: UInt32
    var owner: UInt32
    var group: UInt32

    init(_ entry: BinaryEntry) {
        seals = entry.seals
        mode = entry.mode
        owner = entry.owner
        group = entry.group
    }
}

/// One sealed memfd copy of a binary, shared by every bind that shows it.
///
/// A bind of a memfd follows the daemon's descriptor *number* (`/proc/<pid>/fd/<n>`), so the
/// descriptor must outlive every bind of it: if the number were closed and reused, the protected
/// path would open whatever file got it next. `bindCount` tracks the binds, and `close()` refuses
/// while any exists. The descriptor also sits at a high number that moves forward on every new
/// copy, so a number freed by one copy is not handed to the next copy at once.
final class MemfdCopy {
    /// The memfd descriptor. Owned.
    private(set) var descriptor: Int32

    /// The name given to memfd_create, `memfd-bind:<path>` cut to the kernel's limit.
    let name: String

    /// Content size in bytes.
    let size: Int64

    /// Seals, mode, owner and group applied to the copy.
    let options: CopyOptions

    /// The seal mask read back with `F_GET_SEALS`; with `exec` the kernel adds more than was asked.
    let actualSeals: UInt32

    /// Device and inode of the memfd, to recognise it behind a bound path.
    let device: UInt64
    let inode: UInt64

    /// Number of binds that currently show this memfd.
    var bindCount = 0

    /// The content fingerprint (see `ContentComparison.fingerprint`), to find identical copies quickly.
    lazy var fingerprint: UInt64? = ContentComparison.fingerprint(descriptor, size: size)

    init(
        descriptor: Int32, name: String, size: Int64, options: CopyOptions, actualSeals: UInt32,
        status: FileStatus
    ) {
        self.descriptor = descriptor
        self.name = name
        self.size = size
        self.options = options
        self.actualSeals = actualSeals
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
    }

    deinit {
        if descriptor >= 0 && bindCount > 0 {
            // Closing now would let a later descriptor take over the bound path, so the number
            // stays open for the life of the process instead.
            Log.error("memfd kept open", ("memfd", name), ("binds", "\(bindCount)"))
            return
        }
        close()
    }

    /// Records that one bind of this memfd is gone. A count that would go below zero is a bug in
    /// the bookkeeping: it is logged and kept at zero.
    func dropBind() {
        if bindCount == 0 {
            Log.error("bind count below zero", ("memfd", name))
            return
        }
        bindCount -= 1
    }

    /// Closes the memfd once no bind shows it. Returns false and keeps it open otherwise.
    @discardableResult
    func close() -> Bool {
        guard bindCount == 0 else {
            return false
        }
        if descriptor >= 0 {
            Linux.close(descriptor)
            descriptor = -1
        }
        return true
    }

    /// The path that opens the memfd itself, for binds and checks.
    var procPath: String {
        "/proc/self/fd/\(descriptor)"
    }

    /// Returns whether `status` (of a path opened for reading) is the status of this memfd.
    func isSameFile(as status: FileStatus) -> Bool {
        UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}

/// The maximum name length memfd_create(2) accepts: NAME_MAX minus the "memfd:" prefix the kernel adds.
let memfdNameLimit = 249

/// Builds the memfd name for `path`: `memfd-bind:<path>`, keeping the end of a path that is too long.
func memfdName(for path: String) -> String {
    let prefix = "memfd-bind:"
    let full = prefix + path
    guard full.utf8.count > memfdNameLimit else {
        return full
    }
    let marker = "..."
    let keep = memfdNameLimit - prefix.utf8.count - marker.utf8.count
    var tail = Substring(path)
    while tail.utf8.count > keep {
        tail = tail.dropFirst()
    }
    return prefix + marker + tail
}
