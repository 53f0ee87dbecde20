/// Returns `path` with empty and `.` components removed and each `..` applied to the component before it.
///
/// The result is lexical: it does not follow symbolic links, and `..` at the root stays at
/// the root. An absolute path gives an absolute result, and `/` normalizes to itself.
///
/// Components are split at the byte `/`, as the kernel splits them, not at the Swift character
/// `/`, which would swallow a combining mark that follows the slash.
func lexicallyNormalizedPath(_ path: String) -> String {
    var components: [Substring.UTF8View.SubSequence] = []
    for component in Substring(path).utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
        if component.elementsEqual(".".utf8) {
            continue
        }
        if component.elementsEqual("..".utf8) {
            if !components.isEmpty {
                components.removeLast()
            }
            continue
        }
        components.append(component)
    }
    return "/" + components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
}

/// Parses `path`: an absolute, normalized path without control characters.
///
/// Symbolic links and the identity of the file are checked elsewhere, against the file system.
func parsePath(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> String? {
    let example = "/usr/sbin/runc"
    guard let scalar = node.scalar else {
        diagnostics.error(
            "path must be a single value such as \(example); found \(node.kindDescription)", at: node.location)
        return nil
    }
    switch node.coreValue {
    case .string:
        break
    case .null:
        diagnostics.error("path has no value; write an absolute path such as \(example)", at: node.location)
        return nil
    default:
        diagnostics.error(
            "path \"\(scalar.text)\" is not a string; write an absolute path such as \(example)", at: node.location)
        return nil
    }

    let path = scalar.text
    if let control = path.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
        let code = String(control.value, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: 4 - code.count) + code
        diagnostics.error(
            "path contains the control character U+\(padded); remove it", at: node.location)
        return nil
    }
    guard !path.isEmpty else {
        diagnostics.error("path is empty; write an absolute path such as \(example)", at: node.location)
        return nil
    }
    guard path.hasPrefix("/") else {
        diagnostics.error(
            "path \"\(path)\" is relative; write the absolute path, which starts with \"/\"", at: node.location)
        return nil
    }
    let normalized = lexicallyNormalizedPath(path)
    guard normalized.utf8.elementsEqual(path.utf8) else {
        diagnostics.error(
            "path \"\(path)\" is not normalized; write \"\(normalized)\"", at: node.location)
        return nil
    }
    return path
}
