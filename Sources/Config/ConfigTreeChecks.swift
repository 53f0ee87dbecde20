/// The explicit tags a configuration may use, as libyaml resolves `!!str` and the others.
let supportedCoreTags: [String: String] = [
    yamlCoreTagPrefix + "str": "!!str", yamlCoreTagPrefix + "int": "!!int", yamlCoreTagPrefix + "bool": "!!bool",
    yamlCoreTagPrefix + "null": "!!null", yamlCoreTagPrefix + "float": "!!float", yamlCoreTagPrefix + "seq": "!!seq",
    yamlCoreTagPrefix + "map": "!!map",
]

/// Returns a tag as written with the `!!` shorthand where it has one.
func shortTagName(_ tag: String) -> String {
    if tag.hasPrefix(yamlCoreTagPrefix) {
        return "!!" + tag.dropFirst(yamlCoreTagPrefix.count)
    }
    return tag
}

/// Reports unsupported tags, tags on the wrong kind of node and duplicate mapping keys, anywhere in the tree.
///
/// Duplicate keys are reported at the second occurrence, naming the line of the first; keys are
/// compared by scalar text. libyaml 0.2.5 does not report duplicate keys itself.
func checkTagsAndDuplicateKeys(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) {
    if let tag = node.tag {
        if let short = supportedCoreTags[tag] {
            let fits: Bool
            switch node.content {
            case .scalar: fits = short != "!!seq" && short != "!!map"
            case .sequence: fits = short == "!!seq"
            case .mapping: fits = short == "!!map"
            }
            if !fits {
                diagnostics.error("tag \(short) cannot be used on \(node.kindDescription); remove the tag", at: node.location)
            }
        } else {
            diagnostics.error(
                "unsupported tag \"\(shortTagName(tag))\"; remove it, because only the YAML core tags "
                    + "!!str, !!int, !!bool, !!null, !!float, !!seq and !!map are allowed",
                at: node.location)
        }
    }

    switch node.content {
    case .scalar:
        break
    case .sequence(let items):
        for item in items {
            checkTagsAndDuplicateKeys(item, into: &diagnostics)
        }
    case .mapping(let pairs):
        var firstLines: [String: Int] = [:]
        for pair in pairs {
            if let key = pair.key.scalar?.text {
                if let firstLine = firstLines[key] {
                    diagnostics.error(
                        "duplicate key \"\(key)\" (first at line \(firstLine)); remove one of them",
                        at: pair.key.location)
                } else {
                    firstLines[key] = pair.key.location.line
                }
            }
            checkTagsAndDuplicateKeys(pair.key, into: &diagnostics)
            checkTagsAndDuplicateKeys(pair.value, into: &diagnostics)
        }
    }
}

/// Returns the Levenshtein distance between two strings, counted in Unicode scalars.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs.unicodeScalars)
    let b = Array(rhs.unicodeScalars)
    var previous = Array(0...b.count)
    for i in a.indices {
        var current = [i + 1]
        for j in b.indices {
            let substitution = previous[j] + (a[i] == b[j] ? 0 : 1)
            current.append(min(previous[j + 1] + 1, current[j] + 1, substitution))
        }
        previous = current
    }
    return previous[b.count]
}

/// Joins names as English prose: "a", "a and b", "a, b and c".
func englishList(_ names: [String]) -> String {
    guard names.count > 1 else {
        return names.first ?? ""
    }
    return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
}

/// Returns the message for a key that is not valid in a mapping.
///
/// - Parameters:
///   - key: the key as written.
///   - place: where the mapping is, for example "in a binary entry".
///   - validKeys: the keys allowed there, in the order the message lists them.
func unknownKeyMessage(_ key: String, place: String, validKeys: [String]) -> String {
    if key == "<<" {
        return "merge keys (\"<<\") are not supported; put settings shared by all entries under \"defaults:\""
    }
    let closest = validKeys.map { (name: $0, distance: editDistance(key, $0)) }.min { $0.distance < $1.distance }
    if let closest, closest.distance <= 2 {
        return "unknown key \"\(key)\" \(place); did you mean \"\(closest.name)\"?"
    }
    return "unknown key \"\(key)\" \(place); valid keys are \(englishList(validKeys))"
}
