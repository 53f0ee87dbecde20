import Config
import Testing

private let tabMessage = "tab character in indentation; YAML indents with spaces only: replace the tab with spaces"

@Suite struct TabIndentationTests {
    @Test func tabInIndentationReplacesLibYAMLError() {
        #expect(diagnosticLines("binaries:\n\t- path: /bin/x\n") == ["test.yaml:2:1: error: \(tabMessage)"])
    }

    @Test func tabAfterSpacesIsLocatedAtItsColumn() {
        let text = "binaries:\n  - path: /bin/x\n  \t mode: \"0555\"\n"
        #expect(diagnosticLines(text).first == "test.yaml:3:3: error: \(tabMessage)")
        #expect(loadConfig(text).configuration == nil)
    }

    @Test func tabErrorIsKeptWhenLibYAMLFailsElsewhere() {
        // libyaml accepts the tab in a flow sequence, then fails on line 4.
        let text = "binaries: [\n\t{path: /bin/x}\n]\nmode: [\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:2:1: error: \(tabMessage)",
            "test.yaml:5:1: error: did not find expected node content while parsing a flow node",
        ])
    }

    @Test func tabsInCommentsAndValuesAreAllowed() {
        // libyaml 0.2.5 itself rejects a tab before a comment where a key may start, so the comment follows a value.
        let text = "max_size: 1M\n  \t# comment\nbinaries:\n  - path: /bin/x\t# trailing\n    mode:\t\"0555\"\n"
        let result = loadConfig(text)
        #expect(result.diagnostics == [])
        #expect(result.configuration?.entries.first?.mode == 0o555)
    }

    @Test func tabOnBlankLineIsLeftToLibYAML() {
        // The pre-scan skips blank lines, but libyaml 0.2.5 rejects this one and names the tab itself.
        #expect(diagnosticLines("max_size: 1\n\t\nbinaries: []\n") == [
            "test.yaml:2:1: error: found a tab character that violates indentation while scanning a plain scalar"
        ])
    }

    @Test func libyamlTabErrorMentionsTheTab() {
        // The tab follows "- " on the same line, so it is not indentation, and libyaml rejects it.
        #expect(diagnosticLines("binaries:\n  -\t\t- x\n") == [
            "test.yaml:2:4: error: found a tab character where a token must start; YAML indents with spaces only: "
                + "replace the tab with spaces"
        ])
    }
}

@Suite struct ConfigInputTests {
    @Test func syntaxErrorIsLocated() {
        #expect(diagnosticLines("binaries:\n  - path: /bin/x\n  mode: 1\n") == [
            "test.yaml:3:3: error: did not find expected '-' indicator while parsing a block collection"
        ])
    }

    @Test func invalidUTF8IsLocated() {
        let bytes = Array("binaries:\n  - path: /bin/ü".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        let result = ConfigurationLoader.parse(bytes: bytes, file: "test.yaml", accounts: FakeAccounts())
        #expect(result.diagnostics.map(\.oneLine) == [
            "test.yaml:2:17: error: invalid UTF-8 byte 0xC3; save the file as UTF-8"
        ])
    }

    @Test func byteOrderMarkIsAccepted() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("binaries:\n  - path: /bin/x\n    mode: 0444\n".utf8)
        let result = ConfigurationLoader.parse(bytes: bytes, file: "test.yaml", accounts: FakeAccounts())
        #expect(result.diagnostics.map(\.oneLine) == [
            "test.yaml:3:11: error: mode \"0444\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"0555\""
        ])
    }

    @Test func fileOverOneMiBIsRejected() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: ConfigurationLoader.maxFileSize + 1)
        let result = ConfigurationLoader.parse(bytes: bytes, file: "big.yaml", accounts: FakeAccounts())
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.oneLine) == [
            "big.yaml:1:1: error: file is larger than the limit of 1 MiB (1048576 bytes); check that this is the "
                + "configuration file and remove what it does not need"
        ])
        let fits = [UInt8](repeating: UInt8(ascii: "#"), count: ConfigurationLoader.maxFileSize)
        #expect(ConfigurationLoader.parse(bytes: fits, file: "f", accounts: FakeAccounts()).diagnostics == [])
    }

    @Test func aliasBombIsAnErrorNotAHang() {
        var text = "x: &a [a, a, a, a, a, a, a, a, a, a]\n"
        for (name, previous) in zip(["b", "c", "d", "e", "f", "g", "h", "i"], ["a", "b", "c", "d", "e", "f", "g", "h"]) {
            text += "\(name)x: &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]\n"
        }
        #expect(diagnosticLines(text) == [
            "test.yaml:4:30: error: alias *c expands past the limit of 10000 nodes created by aliases"
        ])
    }

    @Test func deepNestingIsAnError() {
        let text = "binaries: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:1:74: error: collections nested deeper than 64 levels"
        ])
    }
}
