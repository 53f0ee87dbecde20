/// Options of a binary entry or of `defaults`, each nil where the mapping does not set it.
struct EntryOptions {
    var seals: SealSet?
    var mode: UInt32?
    var owner: UInt32?
    var group: UInt32?
    var watch: Bool?
    var settleMilliseconds: Int?
}

private let topLevelKeys = ["max_size", "defaults", "binaries"]
private let optionKeys = ["seals", "mode", "owner", "group", "watch", "settle"]
private let entryKeys = ["path"] + optionKeys

/// Messages for keys written in a mapping where they are not valid but that are valid elsewhere.
private let misplacedTopLevelKeys: [String: String] = Dictionary(
    uniqueKeysWithValues: optionKeys.map {
        ($0, "\($0) is not valid at the top level; set it under \"defaults:\" or in an entry under \"binaries:\"")
    } + [("path", "path is not valid at the top level; write it in an entry under \"binaries:\" as \"- path: ...\"")])
private let misplacedDefaultsKeys = [
    "path": "path is not valid in defaults, because each entry names its own binary; write it in each entry under \"binaries:\""
]

/// A converter of composed YAML documents into a `Configuration`, which reports every problem it finds.
struct ConfigSchema {
    let file: String
    let accounts: AccountDatabase

    /// Returns the configuration in `documents`, or nil when an error was added to `diagnostics`.
    ///
    /// An empty stream and a document that is null (for example `---` alone) give a
    /// configuration without entries. A second document is an error at its start.
    func decode(_ documents: [YAMLDocument], into diagnostics: inout DiagnosticCollector) -> Configuration? {
        var configuration = Configuration(file: file)
        guard let document = documents.first else {
            return configuration
        }
        if documents.count > 1 {
            diagnostics.error(
                "a second YAML document starts here, but a configuration file holds one; "
                    + "merge it into the first document or delete it",
                at: documents[1].location)
        }

        let root = document.root
        checkTagsAndDuplicateKeys(root, into: &diagnostics)
        if root.scalar != nil && root.coreValue == .null {
            return diagnostics.hasErrors ? nil : configuration
        }
        guard case .mapping = root.content else {
            diagnostics.error(
                "the top level must be a mapping with the keys \(englishList(topLevelKeys)); "
                    + "found \(root.kindDescription)",
                at: root.location)
            return nil
        }

        var defaults = EntryOptions()
        var entryNodes: [YAMLNode] = []
        let topLevelPairs = knownPairs(
            of: root, validKeys: topLevelKeys, place: "at the top level", misplaced: misplacedTopLevelKeys,
            into: &diagnostics)
        for (key, value) in topLevelPairs {
            switch key {
            case "max_size":
                configuration.maxSize = parseMaxSize(value, into: &diagnostics) ?? configuration.maxSize
            case "defaults":
                defaults = decodeDefaults(value, into: &diagnostics)
            default:
                entryNodes = entriesOfBinaries(value, into: &diagnostics)
            }
        }

        // Keyed by the path's bytes, because string keys would treat canonically equivalent Unicode
        // names, which the kernel treats as different files, as one path.
        var firstLineOfPath: [[UInt8]: Int] = [:]
        for node in entryNodes {
            guard let entry = decodeEntry(node, defaults: defaults, into: &diagnostics) else {
                continue
            }
            if let firstLine = firstLineOfPath[Array(entry.path.utf8)] {
                diagnostics.error(
                    "duplicate path \"\(entry.path)\" (first at line \(firstLine)); list each binary once",
                    at: entry.location)
                continue
            }
            firstLineOfPath[Array(entry.path.utf8)] = entry.location.line
            configuration.entries.append(entry)
        }
        return diagnostics.hasErrors ? nil : configuration
    }

    /// Returns the pairs of a mapping whose keys are valid, first occurrence only, reporting every other key.
    ///
    /// Duplicate keys are skipped here because `checkTagsAndDuplicateKeys` reports them.
    private func knownPairs(
        of mapping: YAMLNode, validKeys: [String], place: String, misplaced: [String: String] = [:],
        into diagnostics: inout DiagnosticCollector
    ) -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let pairs) = mapping.content else {
            return []
        }
        var seen: Set<String> = []
        var result: [(key: String, value: YAMLNode)] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else {
                diagnostics.error(
                    "keys must be names such as \(validKeys[0]); found \(pair.key.kindDescription)",
                    at: pair.key.location)
                continue
            }
            guard validKeys.contains(key) else {
                let message = misplaced[key] ?? unknownKeyMessage(key, place: place, validKeys: validKeys)
                diagnostics.error(message, at: pair.key.location)
                continue
            }
            if seen.insert(key).inserted {
                result.append((key, pair.value))
            }
        }
        return result
    }

    private func decodeDefaults(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> EntryOptions {
        if node.scalar != nil && node.coreValue == .null {
            return EntryOptions()
        }
        guard case .mapping = node.content else {
            diagnostics.error(
                "defaults must be a mapping of entry options such as \"mode: \\\"0511\\\"\"; found \(node.kindDescription)",
                at: node.location)
            return EntryOptions()
        }
        let pairs = knownPairs(
            of: node, validKeys: optionKeys, place: "in defaults", misplaced: misplacedDefaultsKeys, into: &diagnostics)
        return decodeOptions(pairs, into: &diagnostics)
    }

    private func entriesOfBinaries(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> [YAMLNode] {
        if node.scalar != nil && node.coreValue == .null {
            return []
        }
        guard case .sequence(let items) = node.content else {
            diagnostics.error(
                "binaries must be a list of entries such as \"- path: /usr/sbin/runc\"; found \(node.kindDescription)",
                at: node.location)
            return []
        }
        return items
    }

    private func decodeOptions(
        _ pairs: [(key: String, value: YAMLNode)], into diagnostics: inout DiagnosticCollector
    ) -> EntryOptions {
        var options = EntryOptions()
        for (key, value) in pairs {
            switch key {
            case "seals": options.seals = parseSeals(value, into: &diagnostics)
            case "mode": options.mode = parseMode(value, into: &diagnostics)
            case "owner": options.owner = parseAccount(value, kind: .user, accounts: accounts, into: &diagnostics)
            case "group": options.group = parseAccount(value, kind: .group, accounts: accounts, into: &diagnostics)
            case "watch": options.watch = parseWatch(value, into: &diagnostics)
            case "settle": options.settleMilliseconds = parseSettle(value, into: &diagnostics)
            default: break
            }
        }
        return options
    }

    private func decodeEntry(
        _ node: YAMLNode, defaults: EntryOptions, into diagnostics: inout DiagnosticCollector
    ) -> BinaryEntry? {
        guard case .mapping = node.content else {
            if let text = node.scalar?.text, text.hasPrefix("/") {
                diagnostics.error(
                    "each entry under binaries must be a mapping; write \"- path: \(text)\"", at: node.location)
            } else {
                diagnostics.error(
                    "each entry under binaries must be a mapping such as \"path: /usr/sbin/runc\"; "
                        + "found \(node.kindDescription)",
                    at: node.location)
            }
            return nil
        }
        let pairs = knownPairs(of: node, validKeys: entryKeys, place: "in a binary entry", into: &diagnostics)
        let options = decodeOptions(pairs.filter { $0.key != "path" }, into: &diagnostics)
        guard let pathNode = pairs.first(where: { $0.key == "path" })?.value else {
            diagnostics.error("binary entry has no path; add \"path: /absolute/path/to/binary\"", at: node.location)
            return nil
        }
        guard let path = parsePath(pathNode, into: &diagnostics) else {
            return nil
        }
        return BinaryEntry(
            path: path, location: pathNode.location,
            seals: options.seals ?? defaults.seals ?? .runcDefault,
            mode: options.mode ?? defaults.mode ?? BinaryEntry.defaultMode,
            owner: options.owner ?? defaults.owner ?? 0,
            group: options.group ?? defaults.group ?? 0,
            watch: options.watch ?? defaults.watch ?? false,
            settleMilliseconds: options.settleMilliseconds ?? defaults.settleMilliseconds
                ?? BinaryEntry.defaultSettleMilliseconds)
    }
}
