@testable import Config
import Testing

private func documents(_ text: String) throws -> [YAMLDocument] {
    try parseYAMLStream(Array(text.utf8)).get()
}

private func failure(_ bytes: [UInt8]) -> YAMLError? {
    if case .failure(let error) = parseYAMLStream(bytes) {
        return error
    }
    return nil
}

private func failure(_ text: String) -> YAMLError? {
    failure(Array(text.utf8))
}

@Suite struct YAMLParserTests {
    @Test func mappingKeepsOrderAndLocations() throws {
        let root = try #require(try documents("b: 1\na:\n  - x\n  - 'y'\n").first).root
        guard case .mapping(let pairs) = root.content else {
            Issue.record("root is \(root.kindDescription)")
            return
        }
        #expect(pairs.map { $0.key.scalar?.text } == ["b", "a"])
        #expect(pairs[0].value.location == SourceLocation(line: 1, column: 4))
        #expect(pairs[1].value.location == SourceLocation(line: 3, column: 3))
        guard case .sequence(let items) = pairs[1].value.content else {
            Issue.record("value of a is \(pairs[1].value.kindDescription)")
            return
        }
        #expect(items[1].scalar == YAMLScalar(text: "y", style: .singleQuoted))
        #expect(items[1].location == SourceLocation(line: 4, column: 5))
    }

    @Test func scalarStylesAndTags() throws {
        let text = "- plain\n- \"double\"\n- |\n  literal\n- >\n  folded\n- !!str 12\n- !local x\n"
        let root = try #require(try documents(text).first).root
        guard case .sequence(let items) = root.content else {
            Issue.record("root is \(root.kindDescription)")
            return
        }
        #expect(items.map { $0.scalar?.style } == [.plain, .doubleQuoted, .literal, .folded, .plain, .plain])
        #expect(items[2].scalar?.text == "literal\n")
        #expect(items[4].tag == "tag:yaml.org,2002:str")
        #expect(items[5].tag == "!local")
        #expect(items[4].coreValue == .string("12"))
    }

    @Test func aliasesAreExpanded() throws {
        let root = try #require(try documents("a: &x [1, 2]\nb: *x\n").first).root
        guard case .mapping(let pairs) = root.content else {
            Issue.record("root is \(root.kindDescription)")
            return
        }
        #expect(pairs[1].value.coreValue == .sequence([.int(1), .int(2)]))
        #expect(pairs[1].value.anchor == "x")
        #expect(pairs[1].value.location == SourceLocation(line: 1, column: 4))
    }

    @Test func multipleDocuments() throws {
        let parsed = try documents("a: 1\n---\nb: 2\n...\n--- 3\n")
        #expect(parsed.count == 3)
        #expect(parsed.map(\.location) == [
            SourceLocation(line: 1, column: 1), SourceLocation(line: 2, column: 1), SourceLocation(line: 5, column: 1),
        ])
        #expect(parsed[2].root.coreValue == .int(3))
    }

    @Test func emptyStreamHasNoDocuments() throws {
        #expect(try documents("").isEmpty)
        #expect(try documents("# only a comment\n").isEmpty)
    }

    @Test func libyamlErrorTextAndLocation() {
        let error = failure("a: 1\nb: [1, 2\n")
        #expect(error == YAMLError(
            message: "did not find expected ',' or ']' while parsing a flow sequence",
            location: SourceLocation(line: 3, column: 1)))
    }

    @Test func tabErrorIsReworded() {
        let error = failure("a:\n\t- b\n")
        #expect(error == YAMLError(
            message: "found a tab character where a token must start; YAML indents with spaces only: "
                + "replace the tab with spaces",
            location: SourceLocation(line: 2, column: 1)))
    }

    @Test func invalidUTF8IsLocatedAtTheByte() {
        let bytes = Array("a: 1\nb: é".utf8) + [0xFF] + Array("\n".utf8)
        #expect(failure(bytes) == YAMLError(
            message: "invalid UTF-8 byte 0xFF; save the file as UTF-8", location: SourceLocation(line: 2, column: 5)))
    }

    @Test func truncatedAndOverlongUTF8AreInvalid() {
        #expect(failure([0x61, 0xE2, 0x82]) == YAMLError(
            message: "invalid UTF-8 byte 0xE2; save the file as UTF-8", location: SourceLocation(line: 1, column: 2)))
        #expect(failure([0x61, 0x0A, 0xC0, 0xAF]) == YAMLError(
            message: "invalid UTF-8 byte 0xC0; save the file as UTF-8", location: SourceLocation(line: 2, column: 1)))
        #expect(failure([0xED, 0xA0, 0x80]) == YAMLError(
            message: "invalid UTF-8 byte 0xED; save the file as UTF-8", location: SourceLocation(line: 1, column: 1)))
    }

    @Test func byteOrderMarkIsNotAColumn() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: [1, ]]\n".utf8)
        #expect(failure(bytes)?.location == SourceLocation(line: 1, column: 9))
        let parsed = try parseYAMLStream([0xEF, 0xBB, 0xBF] + Array("k: v\n".utf8)).get()
        guard case .mapping(let pairs) = parsed[0].root.content else {
            Issue.record("root is \(parsed[0].root.kindDescription)")
            return
        }
        #expect(pairs[0].value.location == SourceLocation(line: 1, column: 4))
    }

    @Test func controlCharacterIsLocatedAtItsByte() {
        let error = failure(Array("a: 1\nb: x".utf8) + [0x07] + Array("\n".utf8))
        #expect(error == YAMLError(
            message: "control characters are not allowed", location: SourceLocation(line: 2, column: 5)))
    }

    @Test func unknownAnchorIsRejected() {
        #expect(failure("a: *nope\n") == YAMLError(
            message: "alias *nope refers to an unknown anchor; define &nope before it",
            location: SourceLocation(line: 1, column: 4)))
    }

    @Test func aliasBombIsRejectedAtTheAlias() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        // Level c contains 10 copies of b (111 nodes each); the limit is passed in line 4 (d).
        let error = failure(text)
        #expect(error?.message == "alias *c expands past the limit of 10000 nodes created by aliases")
        #expect(error?.location.line == 4)
    }

    @Test func expansionBelowTheLimitIsAccepted() throws {
        // *a copies 10 nodes, so 1000 aliases add exactly 10,000 nodes and one more passes the limit.
        func stream(aliases: Int) -> String {
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: [" + Array(repeating: "*a", count: aliases).joined(separator: ", ") + "]\n"
        }
        #expect(try documents(stream(aliases: 1000)).count == 1)
        let error = failure(stream(aliases: 1001))
        #expect(error?.message == "alias *a expands past the limit of 10000 nodes created by aliases")
        #expect(error?.location == SourceLocation(line: 2, column: 5 + 1000 * 4))
    }

    @Test func nestingDeeperThan64IsRejected() throws {
        let allowed = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try documents(allowed).count == 1)
        let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        #expect(failure(deep) == YAMLError(
            message: "collections nested deeper than 64 levels", location: SourceLocation(line: 1, column: 65)))
    }

    @Test func aliasThatNestsTooDeepIsRejected() {
        let inner = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let text = "a: &a \(inner)\nb: " + String(repeating: "[", count: 30) + "*a" + String(repeating: "]", count: 30)
        #expect(failure(text) == YAMLError(
            message: "alias *a nests collections deeper than 64 levels", location: SourceLocation(line: 2, column: 34)))
    }

    @Test func coreSchemaResolvesPlainScalars() throws {
        let cases: [(String, YAMLValue)] = [
            ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
            ("true", .bool(true)), ("True", .bool(true)), ("FALSE", .bool(false)), ("yes", .string("yes")),
            ("0511", .int(511)), ("-12", .int(-12)), ("0o17", .int(15)), ("0x1F", .int(31)), ("0x", .string("0x")),
            ("1.5", .float(1.5)), ("1e3", .float(1000)), ("-.5", .float(-0.5)), (".inf", .float(.infinity)),
            ("-.Inf", .float(-.infinity)), (".NaN", .float(.nan)), ("1_000", .string("1_000")),
            ("99999999999999999999", .float(1e20)), ("a b", .string("a b")),
        ]
        for (text, expected) in cases {
            #expect(resolvePlainScalar(text) == expected, "plain scalar \"\(text)\"")
        }
    }

    @Test func coreSchemaHonoursTagsAndQuotes() throws {
        let text = "- '1'\n- !!int '7'\n- !!float 2\n- !!str true\n- !!bool x\n- !!null ''\n"
        let root = try #require(try documents(text).first).root
        #expect(root.coreValue == .sequence([.string("1"), .int(7), .float(2), .string("true"), .string("x"), .null]))
    }
}
