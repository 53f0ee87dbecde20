import Config

/// The daemon's record of one configured path and what protects it.
final class ProtectedPath {
    /// The configuration entry currently applied.
    var entry: BinaryEntry

    /// The original file, held since before it was bound.
    var source: SourceFile?

    /// The memfd copy shown at the path, or kept while released.
    var copy: MemfdCopy?

    /// The id of the daemon's bind at the path, while bound.
    var mountID: UInt64?

    /// Why the path is unbound on purpose, if it is: it stays unbound until a resume.
    var release: ReleaseReason?

    /// Whether the path is released, see `release`.
    var released: Bool { release != nil }

    /// The error of the last failed attempt to protect the path.
    var failure: ProtectError?

    /// When a changed file may be copied again (monotonic nanoseconds), while waiting for it to settle.
    var settleDeadline: UInt64?

    init(entry: BinaryEntry) {
        self.entry = entry
    }

    var path: String { entry.path }

    var isBound: Bool { mountID != nil }

    /// A one-word state for logs and replies: bound, released, failed or unprotected.
    var stateName: String {
        if isBound { return "bound" }
        if released { return "released" }
        if failure != nil { return "failed" }
        return "unprotected"
    }
}

/// The reason a configured path is left unbound.
enum ReleaseReason {
    /// `--release` asked for it, before a package upgrade: only `--resume` ends it.
    case requested
    /// The bind was removed from outside (`umount`, `--cleanup`): `--resume` or a reload ends it.
    case removedFromOutside
}
