/// The bytes of a YAML stream, with the line and column arithmetic that diagnostics need.
///
/// Line breaks are the ones libyaml 0.2.5 counts when it advances its marks: LF, CR, CR LF,
/// and the UTF-8 encodings of U+0085, U+2028 and U+2029. Columns count Unicode scalars, so
/// locations computed here agree with the marks libyaml reports.
struct SourceText {
    /// The input without its leading UTF-8 byte order mark (EF BB BF), if it had one.
    let bytes: [UInt8]

    /// Offsets, in `bytes`, where each line starts; the first is 0.
    let lineStarts: [Int]

    init(_ input: [UInt8]) {
        if input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
            bytes = Array(input[3...])
        } else {
            bytes = input
        }

        var starts = [0]
        var index = 0
        while index < bytes.count {
            let breakLength = SourceText.lineBreakLength(in: bytes, at: index)
            if breakLength > 0 {
                index += breakLength
                starts.append(index)
            } else {
                index += 1
            }
        }
        lineStarts = starts
    }

    /// Returns the length, in bytes, of the line break at `index`, or 0 when there is none.
    static func lineBreakLength(in bytes: [UInt8], at index: Int) -> Int {
        let byte = bytes[index]
        if byte == 0x0A {
            return 1
        }
        if byte == 0x0D {
            return index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
        }
        if byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0x85 {
            return 2
        }
        if byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80
            && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
        {
            return 3
        }
        return 0
    }

    /// Returns the 1-based line and column of the byte at `offset` (an offset in `bytes`).
    ///
    /// The column counts Unicode scalars from the start of the line, so continuation bytes
    /// (10xxxxxx) before `offset` are not counted. An offset at or past the end maps to the
    /// position after the last byte.
    func location(ofByteOffset offset: Int) -> SourceLocation {
        let clamped = max(0, min(offset, bytes.count))
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= clamped {
                low = middle
            } else {
                high = middle - 1
            }
        }
        var column = 1
        for index in lineStarts[low]..<clamped where bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        return SourceLocation(line: low + 1, column: column)
    }

    /// Returns the byte range of a 1-based line, without its line break, or nil past the end.
    func byteRange(ofLine line: Int) -> Range<Int>? {
        guard line >= 1 && line <= lineStarts.count else {
            return nil
        }
        let start = lineStarts[line - 1]
        var end = start
        while end < bytes.count && SourceText.lineBreakLength(in: bytes, at: end) == 0 {
            end += 1
        }
        return start..<end
    }

    /// Returns the text of a 1-based line without its line break, or nil past the end.
    ///
    /// Invalid UTF-8 is replaced with U+FFFD, so the text is safe to print.
    func text(ofLine line: Int) -> String? {
        guard let range = byteRange(ofLine: line) else {
            return nil
        }
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Moves a location past the last line to the end of the last line. libyaml reports the end of
    /// a file without a final line break on the line after it, which the file does not have.
    func clampedToLastLine(_ location: SourceLocation) -> SourceLocation {
        let lastLine = lineStarts.count
        guard location.line > lastLine, lastLine >= 1 else {
            return location
        }
        let text = text(ofLine: lastLine) ?? ""
        return SourceLocation(line: lastLine, column: text.unicodeScalars.count + 1)
    }

    /// Returns the Unicode scalar at a 1-based location, or nil when there is none.
    func scalar(at location: SourceLocation) -> Unicode.Scalar? {
        guard let line = text(ofLine: location.line) else {
            return nil
        }
        let scalars = Array(line.unicodeScalars)
        guard location.column >= 1 && location.column <= scalars.count else {
            return nil
        }
        return scalars[location.column - 1]
    }
}
