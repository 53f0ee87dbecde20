import Glibc

/// Trimming of the daemon's resident memory while it idles.
///
/// Most of an idle daemon's resident set is code: pages of its own binary and of the C and C++
/// libraries that the kernel mapped during start-up, many of them only because fault-around maps
/// 16 neighbouring pages at each fault. `MADV_DONTNEED` on a file mapping that has no private
/// (copied-on-write) page only unmaps those pages: they stay in the page cache, and a later fault
/// maps them again, so the call is safe for code and saves nothing but resident pages.
enum WorkingSet {
    /// Unmaps the clean file-backed mappings listed in /proc/self/smaps. Mappings with any
    /// anonymous page, resident or swapped out (relocated data, written pages), are left alone,
    /// because dropping those pages would bring back the file's original bytes.
    static func trim() {
        guard let bytes = try? Linux.readFile("/proc/self/smaps") else {
            return
        }
        var candidate: (start: UInt, end: UInt)?
        var anonymous = -1
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            if let range = mappingRange(text) {
                candidate = range
                anonymous = -1
                continue
            }
            guard let mapping = candidate else {
                continue
            }
            if text.hasPrefix("Anonymous:") {
                anonymous = kibibytes(text, after: "Anonymous:")
            } else if text.hasPrefix("Swap:") {
                // smaps lists Swap after Anonymous, so both are known here.
                candidate = nil
                if anonymous == 0 && kibibytes(text, after: "Swap:") == 0 {
                    _ = madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), Int(mapping.end - mapping.start), MADV_DONTNEED)
                }
            }
        }
    }

    /// Reads the number in an smaps line such as `Swap:  0 kB`, or -1 when there is none.
    private static func kibibytes(_ line: String, after label: String) -> Int {
        line.dropFirst(label.count).split(separator: " ").first.flatMap { Int($0) } ?? -1
    }

    /// Parses a mapping header such as `7f12-7f34 r-xp 00000000 fd:00 1234 /usr/lib/libc.so.6`,
    /// returning its range when it is a private, non-writable mapping of a file.
    static func mappingRange(_ line: String) -> (start: UInt, end: UInt)? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 6, fields[1].count == 4, let dash = fields[0].firstIndex(of: "-"),
            let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16)
        else {
            return nil
        }
        let permissions = Array(fields[1])
        guard permissions[1] == "-", permissions[3] == "p", fields[5].hasPrefix("/") else {
            return nil
        }
        return (start, end)
    }
}
