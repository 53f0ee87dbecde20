import Glibc

/// Byte comparison of an original file with an existing memfd copy, to share one copy between
/// entries with identical content.
///
/// The comparison is exact (no hash collisions) and reads the original with read(2) rather than
/// mapping it, because a mapped file truncated by someone else would raise SIGBUS in the daemon.
/// The memfd is mapped: its seals forbid shrinking it.
enum ContentComparison {
    /// Returns whether the file open for reading at `fd` has exactly the content of `memfd`.
    static func fileMatches(_ fd: Int32, memfd: MemfdCopy) -> Bool {
        guard let status = try? Linux.fstat(fd), Int64(status.st_size) == memfd.size else {
            return false
        }
        let size = Int(memfd.size)
        if size == 0 {
            return true
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_SHARED, memfd.descriptor, 0), mapping != MAP_FAILED else {
            return false
        }
        defer { munmap(mapping, size) }

        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < size {
            let wanted = min(chunkSize, size - offset)
            let count = pread(fd, buffer, wanted, off_t(offset))
            guard count == wanted else {
                return false
            }
            if memcmp(buffer, mapping + offset, count) != 0 {
                return false
            }
            offset += count
        }
        return true
    }

    /// The bytes at each end of a file that `fingerprint` hashes.
    static let fingerprintSpan = 4096

    /// Returns a cheap fingerprint of a file's content: its size and an FNV-1a hash of its first
    /// and last 4 KiB, read with pread(2). Files with different fingerprints differ, so only
    /// copies with the same fingerprint need the full comparison. Returns nil when a read fails.
    static func fingerprint(_ fd: Int32, size: Int64) -> UInt64? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bitPattern: size)
        var buffer = [UInt8](repeating: 0, count: fingerprintSpan)
        let span = Int64(fingerprintSpan)
        let offsets: [Int64] = size > span ? [0, size - span] : [0]
        for offset in offsets {
            let wanted = Int(min(span, size - offset))
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(offset)) }
            guard count == wanted else {
                return nil
            }
            for byte in buffer[0..<count] {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return hash
    }
}
