/// Returns `path` with empty and `.` components removed and each `..` applied to the component before it.
///
/// The result is lexical: it does not follow symbolic links, and `..` at the root stays at
/// the root. An absolute path gives an absolute result, and `/` normalizes to itself.
func lexicallyNormalizedPath(_ path: String) -> String {
    var components: [Substring] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
        switch component {
        case ".":
            continue
        case "..":
            if !components.isEmpty {
                components.removeLast()
            }
        default:
            components.append(component)
        }
    }
    return "/" + components.joined(separator: "/")
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
    guard normalized == path else {
        diagnostics.error(
            "path \"\(path)\" is not normalized; write \"\(normalized)\"", at: node.location)
        return nil
    }
    return path
}
