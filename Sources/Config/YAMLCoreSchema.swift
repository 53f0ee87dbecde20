/// A value of the YAML 1.2 core schema, shaped like JSON.
public enum YAMLValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case sequence([YAMLValue])
    /// Key/value pairs in document order.
    case mapping([(key: YAMLValue, value: YAMLValue)])

    public static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.sequence(let a), .sequence(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

/// The prefix of the tags that `!!` abbreviates.
let yamlCoreTagPrefix = "tag:yaml.org,2002:"

extension YAMLNode {
    /// Resolves the node by the YAML 1.2 core schema.
    ///
    /// Quoted and block scalars are strings. Plain scalars become null (`~`, `null`, `Null`,
    /// `NULL` or empty), bool (`true`, `True`, `TRUE` and the `false` forms), int (decimal,
    /// `0o` octal, `0x` hexadecimal), float (decimal with fraction or exponent, `.inf`,
    /// `-.inf`, `.nan` and their capitalized forms) or else string. The tags `!!str`,
    /// `!!null`, `!!bool`, `!!int` and `!!float` force that type where the text allows it.
    /// Otherwise, and for any other tag on a scalar, the value is a string. An int outside
    /// the range of `Int` becomes a float.
    public var coreValue: YAMLValue {
        switch content {
        case .sequence(let items):
            return .sequence(items.map(\.coreValue))
        case .mapping(let pairs):
            return .mapping(pairs.map { (key: $0.key.coreValue, value: $0.value.coreValue) })
        case .scalar(let scalar):
            switch tag {
            case nil:
                return scalar.style == .plain ? resolvePlainScalar(scalar.text) : .string(scalar.text)
            case yamlCoreTagPrefix + "null":
                return resolveNull(scalar.text) ?? .string(scalar.text)
            case yamlCoreTagPrefix + "bool":
                return resolveBool(scalar.text) ?? .string(scalar.text)
            case yamlCoreTagPrefix + "int":
                return resolveInt(scalar.text) ?? .string(scalar.text)
            case yamlCoreTagPrefix + "float":
                return resolveFloat(scalar.text) ?? resolveInt(scalar.text).map(Self.float) ?? .string(scalar.text)
            default:
                return .string(scalar.text)
            }
        }
    }

    private static func float(_ value: YAMLValue) -> YAMLValue {
        if case .int(let int) = value {
            return .float(Double(int))
        }
        return value
    }
}

/// Resolves the text of an untagged plain scalar by the core schema.
func resolvePlainScalar(_ text: String) -> YAMLValue {
    resolveNull(text) ?? resolveBool(text) ?? resolveInt(text) ?? resolveFloat(text) ?? .string(text)
}

private func resolveNull(_ text: String) -> YAMLValue? {
    ["", "~", "null", "Null", "NULL"].contains(text) ? .null : nil
}

private func resolveBool(_ text: String) -> YAMLValue? {
    switch text {
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    default: return nil
    }
}

private func isDigit(_ byte: UInt8, radix: Int) -> Bool {
    switch radix {
    case 8: return (0x30...0x37).contains(byte)
    case 16: return (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    default: return (0x30...0x39).contains(byte)
    }
}

private func resolveInt(_ text: String) -> YAMLValue? {
    let bytes = Array(text.utf8)
    var digits = bytes[...]
    var radix = 10
    var negative = false
    if bytes.count > 2 && bytes[0] == 0x30 && (bytes[1] == 0x6F || bytes[1] == 0x78) {
        radix = bytes[1] == 0x6F ? 8 : 16  // "0o" or "0x"
        digits = bytes[2...]
    } else if let sign = bytes.first, sign == 0x2B || sign == 0x2D {  // "+" or "-"
        negative = sign == 0x2D
        digits = bytes[1...]
    }
    guard !digits.isEmpty, digits.allSatisfy({ isDigit($0, radix: radix) }) else {
        return nil
    }
    guard let magnitude = Int(String(decoding: digits, as: UTF8.self), radix: radix) else {
        return radix == 10 ? Double(text).map { .float($0) } : nil
    }
    return .int(negative ? -magnitude : magnitude)
}

private func resolveFloat(_ text: String) -> YAMLValue? {
    switch text {
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
    case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
    case ".nan", ".NaN", ".NAN": return .float(.nan)
    default: break
    }

    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let bytes = Array(text.utf8)
    var index = 0
    func skipDigits() -> Int {
        let start = index
        while index < bytes.count && isDigit(bytes[index], radix: 10) {
            index += 1
        }
        return index - start
    }
    if index < bytes.count && (bytes[index] == 0x2B || bytes[index] == 0x2D) {
        index += 1
    }
    let integerDigits = skipDigits()
    var fractionDigits = 0
    if index < bytes.count && bytes[index] == 0x2E {  // "."
        index += 1
        fractionDigits = skipDigits()
    }
    guard integerDigits > 0 || fractionDigits > 0 else {
        return nil
    }
    if index < bytes.count && (bytes[index] == 0x65 || bytes[index] == 0x45) {  // "e" or "E"
        index += 1
        if index < bytes.count && (bytes[index] == 0x2B || bytes[index] == 0x2D) {
            index += 1
        }
        guard skipDigits() > 0 else {
            return nil
        }
    }
    guard index == bytes.count, let value = Double(text) else {
        return nil
    }
    return .float(value)
}
