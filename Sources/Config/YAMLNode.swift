/// A node of a composed YAML document, with aliases already replaced by copies of their anchored nodes.
public struct YAMLNode: Equatable, Sendable {
    /// The content of a node.
    public enum Content: Equatable, Sendable {
        /// A scalar, with its text after escapes and folding were applied.
        case scalar(YAMLScalar)

        /// A sequence, in document order.
        case sequence([YAMLNode])

        /// A mapping, as key/value pairs in document order. Duplicate keys are kept.
        case mapping([YAMLPair])
    }

    /// The scalar, sequence or mapping of this node.
    public var content: Content

    /// The resolved tag (for example `tag:yaml.org,2002:str` for `!!str`), or nil when the node has none.
    ///
    /// The non-specific tag `!` is kept as `"!"`.
    public var tag: String?

    /// The anchor name written on this node (without `&`), or nil.
    ///
    /// A node copied in place of an alias keeps the anchor of the original.
    public var anchor: String?

    /// The start of the node: the first character of its properties or content.
    ///
    /// A node copied in place of an alias keeps the location of the anchored original.
    public var location: SourceLocation

    public init(content: Content, tag: String? = nil, anchor: String? = nil, location: SourceLocation) {
        self.content = content
        self.tag = tag
        self.anchor = anchor
        self.location = location
    }

    /// The scalar, or nil when the node is a collection.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content {
            return scalar
        }
        return nil
    }

    /// A short English name of the node kind: "a scalar", "a sequence" or "a mapping".
    public var kindDescription: String {
        switch content {
        case .scalar: return "a scalar"
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }
}

/// A key and its value in a YAML mapping.
public struct YAMLPair: Equatable, Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// The text and presentation of a YAML scalar.
public struct YAMLScalar: Equatable, Sendable {
    /// The presentation style of a scalar in the source.
    public enum Style: Equatable, Sendable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// A block scalar introduced by `|`.
        case literal
        /// A block scalar introduced by `>`.
        case folded
    }

    /// The scalar's value, after escapes, line folding and block chomping.
    public var text: String

    /// The style the scalar was written in.
    public var style: Style

    public init(text: String, style: Style) {
        self.text = text
        self.style = style
    }
}

/// One document of a YAML stream.
public struct YAMLDocument: Equatable, Sendable {
    /// The document's root node.
    public var root: YAMLNode

    /// The start of the document: its `---` marker, or its first content when there is no marker.
    public var location: SourceLocation

    public init(root: YAMLNode, location: SourceLocation) {
        self.root = root
        self.location = location
    }
}

/// A YAML stream that could not be parsed or composed.
public struct YAMLError: Error, Equatable, Sendable {
    /// The problem in English. For libyaml's own errors, this is libyaml's problem and context text,
    /// and a tab error is reworded to name the tab.
    public var message: String

    /// The location of the problem.
    public var location: SourceLocation

    public init(message: String, location: SourceLocation) {
        self.message = message
        self.location = location
    }
}
