/// The validated contents of a memfd-bind configuration file.
public struct Configuration: Equatable, Sendable {
    /// The default configuration file.
    public static let defaultPath = "/etc/memfd-bind.yaml"

    /// The default `max_size`: 512 MiB.
    public static let defaultMaxSize: Int64 = 512 * 1024 * 1024

    /// The file the configuration was read from, as given by the caller.
    public var file: String

    /// The largest file, in bytes, that may be copied into memory.
    public var maxSize: Int64

    /// The binaries to protect, in file order, with `defaults` already applied.
    public var entries: [BinaryEntry]

    public init(file: String, maxSize: Int64 = Configuration.defaultMaxSize, entries: [BinaryEntry] = []) {
        self.file = file
        self.maxSize = maxSize
        self.entries = entries
    }
}

/// One binary to protect, with every option resolved.
public struct BinaryEntry: Equatable, Hashable, Sendable {
    /// Absolute, normalized path of the binary.
    public var path: String

    /// Location of the `path` value in the configuration file.
    public var location: SourceLocation

    /// Seals added to the memfd copy.
    public var seals: SealSet

    /// Permission bits of the memfd copy (at most 0o7777).
    public var mode: UInt32

    /// Owner of the memfd copy, as a numeric user id.
    public var owner: UInt32

    /// Group of the memfd copy, as a numeric group id.
    public var group: UInt32

    /// Whether the daemon follows changes of the file on disk.
    public var watch: Bool

    /// Quiet time, in milliseconds, that a changed file must stay unchanged before it is copied again.
    public var settleMilliseconds: Int

    public init(
        path: String, location: SourceLocation = SourceLocation(line: 1, column: 1),
        seals: SealSet = .runcDefault, mode: UInt32 = BinaryEntry.defaultMode, owner: UInt32 = 0, group: UInt32 = 0,
        watch: Bool = false, settleMilliseconds: Int = BinaryEntry.defaultSettleMilliseconds
    ) {
        self.path = path
        self.location = location
        self.seals = seals
        self.mode = mode
        self.owner = owner
        self.group = group
        self.watch = watch
        self.settleMilliseconds = settleMilliseconds
    }

    /// The mode runc gives its own memfd copy.
    public static let defaultMode: UInt32 = 0o511

    /// The default `settle` time: one second.
    public static let defaultSettleMilliseconds = 1000

    /// Returns whether two entries would produce identical memfd copies of the same content
    /// (same seals, mode, owner and group).
    public func hasSameCopyOptions(as other: BinaryEntry) -> Bool {
        seals == other.seals && mode == other.mode && owner == other.owner && group == other.group
    }
}

/// File seals, with the bit values of `F_SEAL_*` in linux/fcntl.h.
public struct SealSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let seal = SealSet(rawValue: 0x1)
    public static let shrink = SealSet(rawValue: 0x2)
    public static let grow = SealSet(rawValue: 0x4)
    public static let write = SealSet(rawValue: 0x8)
    public static let futureWrite = SealSet(rawValue: 0x10)
    public static let exec = SealSet(rawValue: 0x20)

    /// The seals runc 1.1.x requires exactly (0xF), and runc 1.2+ requires at least.
    public static let runcDefault: SealSet = [.seal, .shrink, .grow, .write]

    /// Configuration names, in bit order.
    public static let namedSeals: [(name: String, seal: SealSet)] = [
        ("seal", .seal), ("shrink", .shrink), ("grow", .grow), ("write", .write),
        ("future-write", .futureWrite), ("exec", .exec),
    ]

    /// Configuration names of the seals in this set, in bit order; unknown bits as hex.
    public var names: [String] {
        var result = SealSet.namedSeals.filter { contains($0.seal) }.map(\.name)
        let unknown = rawValue & ~SealSet.namedSeals.reduce(0) { $0 | $1.seal.rawValue }
        if unknown != 0 {
            result.append("0x" + String(unknown, radix: 16))
        }
        return result
    }

    /// The set rendered as hex plus names, for example `0xf (seal,shrink,grow,write)`.
    public var description: String {
        "0x" + String(rawValue, radix: 16) + " (" + names.joined(separator: ",") + ")"
    }
}

/// A 1-based line and column in a configuration file. Columns count Unicode scalars.
public struct SourceLocation: Equatable, Hashable, Sendable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// A lookup of user and group names, injected so that this module makes no system calls.
public protocol AccountDatabase {
    /// Returns the user id for a user name, or nil when no such user exists.
    func userID(named name: String) -> UInt32?

    /// Returns the group id for a group name, or nil when no such group exists.
    func groupID(named name: String) -> UInt32?
}
