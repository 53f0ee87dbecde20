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

    /// Whether an administrator released the path (`--release`) or a bind vanished, so that it
    /// stays unbound until a resume.
    var released = false

    /// Why the last attempt to protect the path failed.
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
