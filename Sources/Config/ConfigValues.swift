/// Returns whether every scalar of `text` is an ASCII decimal digit; false for empty text.
func isDecimalDigits<S: StringProtocol>(_ text: S) -> Bool {
    !text.isEmpty && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
}

/// Returns the scalar of a value that must be a single non-null value, or reports why it is not.
///
/// - Parameters:
///   - key: the configuration key, used in messages.
///   - example: a valid value as it would be written, used in messages.
func requireScalar(
    _ node: YAMLNode, key: String, example: String, into diagnostics: inout DiagnosticCollector
) -> YAMLScalar? {
    guard let scalar = node.scalar else {
        diagnostics.error(
            "\(key) must be a single value such as \(example); found \(node.kindDescription)", at: node.location)
        return nil
    }
    if node.coreValue == .null {
        diagnostics.error("\(key) has no value; write a value such as \(example)", at: node.location)
        return nil
    }
    return scalar
}

/// Parses `mode`: 1 to 5 octal digits, at most 07777, with at least one execute bit.
///
/// The scalar's text is read as octal whatever its style, so a plain `0511` means 0o511
/// and not the YAML integer 511.
func parseMode(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> UInt32? {
    guard let text = requireScalar(node, key: "mode", example: "\"0511\"", into: &diagnostics)?.text else {
        return nil
    }
    let example = "write 1 to 5 octal digits such as \"0511\""
    guard isDecimalDigits(text) else {
        diagnostics.error("mode \"\(text)\" is not an octal number; \(example)", at: node.location)
        return nil
    }
    guard text.count <= 5 else {
        diagnostics.error("mode \"\(text)\" has more than 5 digits; \(example)", at: node.location)
        return nil
    }
    if let digit = text.first(where: { $0 == "8" || $0 == "9" }) {
        diagnostics.error(
            "mode \"\(text)\" contains the digit \(digit), which is not octal; write digits 0 to 7 such as \"0511\"",
            at: node.location)
        return nil
    }
    guard let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
        diagnostics.error(
            "mode \"\(text)\" is above 07777, the largest permission mode; write a mode such as \"0511\"",
            at: node.location)
        return nil
    }
    guard mode & 0o111 != 0 else {
        diagnostics.error(
            "mode \"\(text)\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"\(octalMode(mode | 0o111))\"",
            at: node.location)
        return nil
    }
    return mode
}

/// Formats permission bits as four octal digits, such as `0511`.
func octalMode(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// The largest user or group id a configuration may name; 4294967295 is `(uid_t)-1`, which chown reads as "no change".
let maxAccountID: UInt64 = 4_294_967_294

/// The kind of account that an `owner` or `group` name is looked up as.
enum AccountKind {
    case user
    case group
}

/// Parses `owner` or `group`: a decimal id from 0 to 4294967294, or a name resolved through `accounts`.
func parseAccount(
    _ node: YAMLNode, kind: AccountKind, accounts: AccountDatabase, into diagnostics: inout DiagnosticCollector
) -> UInt32? {
    let key = kind == .user ? "owner" : "group"
    guard let text = requireScalar(node, key: key, example: "root", into: &diagnostics)?.text else {
        return nil
    }
    if isDecimalDigits(text) {
        guard let id = UInt64(text), id <= maxAccountID else {
            diagnostics.error(
                "\(key) \(text) is out of range; write a numeric id from 0 to \(maxAccountID) or a name",
                at: node.location)
            return nil
        }
        return UInt32(id)
    }
    let id = kind == .user ? accounts.userID(named: text) : accounts.groupID(named: text)
    guard let id else {
        let noun = kind == .user ? "user" : "group"
        diagnostics.error(
            "unknown \(noun) \"\(text)\" in \(key); create the \(noun) or write a numeric id", at: node.location)
        return nil
    }
    return id
}

/// Parses `watch`: the plain YAML 1.2 booleans true, True, TRUE, false, False and FALSE.
func parseWatch(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> Bool? {
    guard let scalar = requireScalar(node, key: "watch", example: "true", into: &diagnostics) else {
        return nil
    }
    if case .bool(let value) = node.coreValue {
        return value
    }
    let text = scalar.text
    if ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased()) {
        diagnostics.error(
            "watch value \"\(text)\" is not a boolean in YAML 1.2; write true or false", at: node.location)
    } else if scalar.style != .plain, case .bool = resolvePlainScalar(text) {
        diagnostics.error(
            "watch value \"\(text)\" is quoted, so it is a string; write true or false without quotes",
            at: node.location)
    } else {
        diagnostics.error("watch value \"\(text)\" is invalid; write true or false", at: node.location)
    }
    return nil
}

/// The largest `settle` time, in milliseconds: one hour.
let maxSettleMilliseconds = 3_600_000

/// Parses `settle`: seconds as a decimal number with up to 3 decimals, from 0 to 3600, returned in milliseconds.
func parseSettle(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> Int? {
    guard let text = requireScalar(node, key: "settle", example: "1", into: &diagnostics)?.text else {
        return nil
    }
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let whole = parts[0]
    let fraction = parts.count > 1 ? parts[1] : ""
    guard isDecimalDigits(whole) && (parts.count == 1 || isDecimalDigits(fraction)) else {
        let reason = text.hasPrefix("-") ? "is negative" : "is not a number of seconds"
        diagnostics.error(
            "settle \"\(text)\" \(reason); write seconds from 0 to 3600 such as 1 or 0.5", at: node.location)
        return nil
    }
    guard fraction.count <= 3 else {
        diagnostics.error(
            "settle \"\(text)\" has more than 3 decimals; write at most millisecond precision such as 0.125",
            at: node.location)
        return nil
    }
    let paddedFraction = fraction + String(repeating: "0", count: 3 - fraction.count)
    let significantWhole = whole.drop { $0 == "0" }
    guard significantWhole.count <= 4, let seconds = Int(whole), let milliseconds = Int(paddedFraction),
        seconds * 1000 + milliseconds <= maxSettleMilliseconds
    else {
        diagnostics.error("settle \"\(text)\" is above the maximum of 3600 seconds", at: node.location)
        return nil
    }
    return seconds * 1000 + milliseconds
}

/// The largest `max_size`, in bytes: 64 GiB.
let maxMaxSize: Int64 = 64 << 30

/// Parses `max_size`: bytes as digits, optionally followed by K, M or G (powers of 1024), from 1 to 64G.
func parseMaxSize(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> Int64? {
    guard let text = requireScalar(node, key: "max_size", example: "512M", into: &diagnostics)?.text else {
        return nil
    }
    var digits = Substring(text)
    var shift: Int64 = 0
    switch text.last {
    case "K": shift = 10
    case "M": shift = 20
    case "G": shift = 30
    default: break
    }
    if shift > 0 {
        digits = digits.dropLast()
    }
    guard isDecimalDigits(digits) else {
        diagnostics.error(
            "max_size \"\(text)\" is invalid; write a number of bytes, optionally followed by K, M or G "
                + "(powers of 1024), such as 512M",
            at: node.location)
        return nil
    }
    guard digits.drop(while: { $0 == "0" }).count <= 12, let number = Int64(digits),
        number <= maxMaxSize >> shift
    else {
        diagnostics.error("max_size \"\(text)\" is above the maximum of 64G", at: node.location)
        return nil
    }
    guard number > 0 else {
        diagnostics.error("max_size \"\(text)\" is below the minimum of 1 byte; write a size such as 512M", at: node.location)
        return nil
    }
    return number << shift
}
