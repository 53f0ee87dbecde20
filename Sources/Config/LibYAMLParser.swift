internal import CYaml

/// A libyaml parsing event, copied into Swift values.
struct YAMLEvent {
    enum Kind {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String)
        case scalar(YAMLScalar, anchor: String?, tag: String?)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind

    /// The event's start mark, shifted to 1-based line and column.
    var location: SourceLocation
}

/// An error that libyaml reported, with its raw position data.
struct LibYAMLFailure: Error {
    /// True for reader errors (bad encoding, control characters), which carry only a byte offset.
    var isReaderError: Bool

    /// libyaml's problem text, such as "found character that cannot start any token".
    var problem: String

    /// libyaml's context text, such as "while scanning a simple key", or nil.
    var context: String?

    /// The 1-based location of the problem; meaningless (always 1:1) for reader errors.
    var location: SourceLocation

    /// Offset, in bytes of the input given to libyaml, of the problem; set for reader errors.
    var byteOffset: Int
}

/// A libyaml event parser over a copy of some UTF-8 bytes.
///
/// The instance owns the `yaml_parser_t` and the input buffer, and frees both in `deinit`.
/// Each event is copied and freed with `yaml_event_delete` inside `next()`.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var finished = false

    /// Creates a parser over `bytes`, which must be UTF-8 without a byte order mark.
    ///
    /// Returns nil when libyaml cannot allocate its parser state.
    init?(bytes: [UInt8]) {
        parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) != 0 else {
            parser.deallocate()
            input.deallocate()
            return nil
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses the next event with `yaml_parser_parse`.
    ///
    /// After the stream end event or an error, further calls return the stream end event.
    func next() -> Result<YAMLEvent, LibYAMLFailure> {
        if finished {
            return .success(YAMLEvent(kind: .streamEnd, location: SourceLocation(line: 1, column: 1)))
        }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) != 0 else {
            finished = true
            return .failure(currentFailure())
        }
        defer { yaml_event_delete(&event) }

        let location = SourceLocation(
            line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        let kind: YAMLEvent.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT:
            kind = .streamStart
        case YAML_STREAM_END_EVENT:
            finished = true
            kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            kind = .documentStart
        case YAML_DOCUMENT_END_EVENT:
            kind = .documentEnd
        case YAML_ALIAS_EVENT:
            kind = .alias(anchor: string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let scalar = YAMLScalar(text: text, style: scalarStyle(data.style))
            kind = .scalar(scalar, anchor: string(data.anchor), tag: string(data.tag))
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            kind = .sequenceStart(anchor: string(data.anchor), tag: string(data.tag))
        case YAML_SEQUENCE_END_EVENT:
            kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            kind = .mappingStart(anchor: string(data.anchor), tag: string(data.tag))
        case YAML_MAPPING_END_EVENT:
            kind = .mappingEnd
        default:
            // libyaml 0.2.5 defines no other event type; YAML_NO_EVENT is never returned on success.
            finished = true
            return .failure(
                LibYAMLFailure(
                    isReaderError: false, problem: "unexpected libyaml event type \(event.type.rawValue)",
                    context: nil, location: location, byteOffset: 0))
        }
        return .success(YAMLEvent(kind: kind, location: location))
    }

    private func currentFailure() -> LibYAMLFailure {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "libyaml failed without a problem description"
        let context = state.context.map { String(cString: $0) }
        return LibYAMLFailure(
            isReaderError: state.error == YAML_READER_ERROR,
            problem: problem,
            context: context,
            location: SourceLocation(
                line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1),
            byteOffset: Int(state.problem_offset))
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }

    private func scalarStyle(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
