/// Limits that bound the memory and time spent composing any YAML stream.
public enum YAMLLimits {
    /// The maximum number of nodes that aliases may add to one stream, counting every node of each copy.
    public static let maxAliasExpansionNodes = 10_000

    /// The maximum number of nested collections (sequences and mappings); a root collection is at level 1.
    public static let maxNestingDepth = 64
}

/// Parses a YAML stream into its documents, expanding aliases.
///
/// - Parameter bytes: UTF-8 text, optionally starting with a byte order mark, which is skipped
///   and does not count as a column.
/// - Returns: the documents in stream order (none for an empty stream), or the first error.
///   Invalid UTF-8 is reported at the first invalid byte and a libyaml error at libyaml's
///   problem mark. An alias to an unknown anchor, or one whose expansion passes
///   `YAMLLimits.maxAliasExpansionNodes`, is reported at the alias. Nesting beyond
///   `YAMLLimits.maxNestingDepth` is reported at the node that passes it.
public func parseYAMLStream(_ bytes: [UInt8]) -> Result<[YAMLDocument], YAMLError> {
    parseYAMLStream(source: SourceText(bytes))
}

/// Parses the YAML stream in `source`; see `parseYAMLStream(_:)`.
func parseYAMLStream(source: SourceText) -> Result<[YAMLDocument], YAMLError> {
    if let invalid = findInvalidUTF8(in: source.bytes) {
        let hex = String(invalid.byte, radix: 16, uppercase: true)
        return .failure(
            YAMLError(
                message: "invalid UTF-8 byte 0x\(hex); save the file as UTF-8",
                location: source.location(ofByteOffset: invalid.offset)))
    }
    guard let parser = LibYAMLParser(bytes: source.bytes) else {
        return .failure(
            YAMLError(message: "libyaml could not allocate its parser", location: SourceLocation(line: 1, column: 1)))
    }
    var composer = YAMLComposer(parser: parser, source: source)
    do {
        return .success(try composer.composeStream())
    } catch {
        return .failure(error)
    }
}

/// A composed node with the sizes that the alias limits need.
private struct ComposedNode {
    var node: YAMLNode

    /// Number of nodes in the subtree, this node included.
    var nodeCount: Int

    /// Number of nested collection levels in the subtree: 0 for a scalar, 1 for a flat collection.
    var height: Int
}

/// A builder of `YAMLNode` trees from libyaml events, which expands aliases within the limits.
private struct YAMLComposer {
    let parser: LibYAMLParser
    let source: SourceText
    private var anchors: [String: ComposedNode] = [:]
    private var expandedNodes = 0
    private var openCollections = 0

    init(parser: LibYAMLParser, source: SourceText) {
        self.parser = parser
        self.source = source
    }

    mutating func composeStream() throws(YAMLError) -> [YAMLDocument] {
        var documents: [YAMLDocument] = []
        while true {
            let event = try nextEvent()
            switch event.kind {
            case .streamStart, .documentEnd:
                continue
            case .streamEnd:
                return documents
            case .documentStart:
                // Anchors are scoped to their document.
                anchors = [:]
                let root = try composeNode(from: try nextEvent())
                documents.append(YAMLDocument(root: root.node, location: event.location))
            default:
                throw YAMLError(message: "unexpected YAML event outside a document", location: event.location)
            }
        }
    }

    private mutating func nextEvent() throws(YAMLError) -> YAMLEvent {
        switch parser.next() {
        case .success(var event):
            event.location = source.clampedToLastLine(event.location)
            return event
        case .failure(let failure):
            throw yamlError(from: failure)
        }
    }

    private func yamlError(from failure: LibYAMLFailure) -> YAMLError {
        let location = source.clampedToLastLine(
            failure.isReaderError ? source.location(ofByteOffset: failure.byteOffset) : failure.location)
        if failure.problem == "found character that cannot start any token" && source.scalar(at: location) == "\t" {
            return YAMLError(
                message: "found a tab character where a token must start; YAML indents with spaces only: "
                    + "replace the tab with spaces",
                location: location)
        }
        var message = failure.problem
        if let context = failure.context {
            message += " " + context
        }
        return YAMLError(message: message, location: location)
    }

    private mutating func composeNode(from event: YAMLEvent) throws(YAMLError) -> ComposedNode {
        switch event.kind {
        case .alias(let name):
            return try expandAlias(named: name, at: event.location)
        case .scalar(let scalar, let anchor, let tag):
            let node = YAMLNode(content: .scalar(scalar), tag: tag, anchor: anchor, location: event.location)
            return register(ComposedNode(node: node, nodeCount: 1, height: 0), anchor: anchor)
        case .sequenceStart(let anchor, let tag):
            try enterCollection(at: event.location)
            var items: [YAMLNode] = []
            var count = 1
            var height = 1
            while true {
                let next = try nextEvent()
                if case .sequenceEnd = next.kind {
                    break
                }
                let item = try composeNode(from: next)
                items.append(item.node)
                count += item.nodeCount
                height = max(height, item.height + 1)
            }
            openCollections -= 1
            let node = YAMLNode(content: .sequence(items), tag: tag, anchor: anchor, location: event.location)
            return register(ComposedNode(node: node, nodeCount: count, height: height), anchor: anchor)
        case .mappingStart(let anchor, let tag):
            try enterCollection(at: event.location)
            var pairs: [YAMLPair] = []
            var count = 1
            var height = 1
            while true {
                let next = try nextEvent()
                if case .mappingEnd = next.kind {
                    break
                }
                let key = try composeNode(from: next)
                let value = try composeNode(from: try nextEvent())
                pairs.append(YAMLPair(key: key.node, value: value.node))
                count += key.nodeCount + value.nodeCount
                height = max(height, key.height + 1, value.height + 1)
            }
            openCollections -= 1
            let node = YAMLNode(content: .mapping(pairs), tag: tag, anchor: anchor, location: event.location)
            return register(ComposedNode(node: node, nodeCount: count, height: height), anchor: anchor)
        default:
            throw YAMLError(message: "unexpected YAML event where a node must start", location: event.location)
        }
    }

    private mutating func enterCollection(at location: SourceLocation) throws(YAMLError) {
        guard openCollections < YAMLLimits.maxNestingDepth else {
            throw YAMLError(
                message: "collections nested deeper than \(YAMLLimits.maxNestingDepth) levels", location: location)
        }
        openCollections += 1
    }

    /// Returns a copy of the anchored node, after checking both limits before anything is copied.
    ///
    /// The copy shares storage with the original because arrays are copy-on-write, so an
    /// expansion costs constant time and memory here. The limits bound what later traversals visit.
    private mutating func expandAlias(named name: String, at location: SourceLocation) throws(YAMLError) -> ComposedNode {
        guard let anchored = anchors[name] else {
            throw YAMLError(message: "alias *\(name) refers to an unknown anchor; define &\(name) before it", location: location)
        }
        guard anchored.nodeCount <= YAMLLimits.maxAliasExpansionNodes - expandedNodes else {
            throw YAMLError(
                message: "alias *\(name) expands past the limit of \(YAMLLimits.maxAliasExpansionNodes) nodes created by aliases",
                location: location)
        }
        guard openCollections + anchored.height <= YAMLLimits.maxNestingDepth else {
            throw YAMLError(
                message: "alias *\(name) nests collections deeper than \(YAMLLimits.maxNestingDepth) levels",
                location: location)
        }
        expandedNodes += anchored.nodeCount
        return anchored
    }

    private mutating func register(_ composed: ComposedNode, anchor: String?) -> ComposedNode {
        if let anchor {
            anchors[anchor] = composed
        }
        return composed
    }
}
