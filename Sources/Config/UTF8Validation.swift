/// A position in a byte buffer where the bytes are not valid UTF-8.
struct InvalidUTF8: Equatable {
    /// Offset, in bytes, of the first byte of the invalid sequence.
    var offset: Int

    /// The byte at `offset`.
    var byte: UInt8
}

/// Returns the first invalid UTF-8 sequence in `bytes`, or nil when all of them are valid.
///
/// Validation follows RFC 3629: overlong encodings, UTF-16 surrogates (U+D800...U+DFFF),
/// code points above U+10FFFF and truncated sequences are invalid.
func findInvalidUTF8(in bytes: [UInt8]) -> InvalidUTF8? {
    var index = 0
    while index < bytes.count {
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }

        let length: Int
        var lowest: UInt8 = 0x80  // allowed range of the second byte
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            lowest = 0xA0  // below is overlong
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            highest = 0x9F  // above is a surrogate
        case 0xF0:
            length = 4
            lowest = 0x90  // below is overlong
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            highest = 0x8F  // above is beyond U+10FFFF
        default:
            return InvalidUTF8(offset: index, byte: lead)
        }

        for position in 1..<length {
            let next = index + position
            guard next < bytes.count else {
                return InvalidUTF8(offset: index, byte: lead)
            }
            let continuation = bytes[next]
            let valid =
                position == 1 ? (lowest...highest).contains(continuation) : (0x80...0xBF).contains(continuation)
            guard valid else {
                return InvalidUTF8(offset: index, byte: lead)
            }
        }
        index += length
    }
    return nil
}
