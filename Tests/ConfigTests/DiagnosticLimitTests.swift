import Config
import Testing

/// Inputs found by fuzzing the loader: each bounded or escaped as it must be.
@Suite struct DiagnosticLimitTests {
    @Test func lineBreakInAKeyIsEscaped() {
        let lines = diagnosticLines("\"x\\nfake.yaml:9:9: error: forged\": 1\n")
        #expect(lines.count == 1)
        #expect(lines.allSatisfy { !$0.contains("\n") })
        #expect(lines.first?.contains("x\\nfake.yaml") == true)
    }

    @Test func terminalControlsAreEscaped() {
        let lines = diagnosticLines("\"a\\u009b31mb\\u0085c\": 1\n")
        #expect(lines.first?.contains("a\\x9b31mb\\x85c") == true)
    }

    @Test func hugeValueIsCutFromTheMessage() {
        let lines = diagnosticLines("binaries:\n  - path: /x\n    mode: \"" + String(repeating: "7", count: 5000) + "\"\n")
        #expect(lines.count == 1)
        #expect((lines.first?.count ?? 0) < 500)
        #expect(lines.first?.contains(" ... ") == true)
    }

    @Test func locationAfterTheLastLineMovesToItsEnd() {
        #expect(diagnosticLines("[a").first?.hasPrefix("test.yaml:1:3: error:") == true)
    }

    @Test func combiningMarkAfterASlashDoesNotHideDotDot() {
        #expect(diagnosticLines("binaries:\n  - path: \"/usr/sbin/../\u{338}runc\"\n") == [
            "test.yaml:2:11: error: path \"/usr/sbin/../\u{338}runc\" is not normalized; write \"/usr/\u{338}runc\""
        ])
    }

    @Test func problemsPastTheLimitAreCounted() {
        let text = "binaries:\n" + String(repeating: "  - pth: /x\n", count: 1500)
        let lines = diagnosticLines(text)
        #expect(lines.count == 1001)
        #expect(lines.last == "test.yaml: error: 2000 more problems are not shown; fix the ones above and check again")
    }

    @Test func longSourceLineIsShownAsAWindow() {
        let result = loadConfig("binaries: [" + String(repeating: "1,", count: 300) + "x: y]\n")
        let rendered = result.diagnostics.first?.rendered ?? ""
        let shownLines = rendered.split(separator: "\n")
        #expect(shownLines.count == 3)
        #expect(shownLines.dropFirst().allSatisfy { $0.unicodeScalars.count <= Diagnostic.shownLineLimit + 6 })
    }
}
