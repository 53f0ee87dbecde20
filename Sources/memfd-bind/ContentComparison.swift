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
}
