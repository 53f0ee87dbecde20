import Config
import Testing

@Suite struct DiagnosticTests {
    @Test func renderedShowsLineAndCaret() {
        let diagnostic = Diagnostic(
            severity: .error, file: "/etc/memfd-bind.yaml", location: SourceLocation(line: 3, column: 11),
            message: "mode \"0444\" has no execute bit", sourceLine: "    mode: \"0444\"")
        #expect(diagnostic.rendered == """
            /etc/memfd-bind.yaml:3:11: error: mode "0444" has no execute bit
                mode: "0444"
                      ^
            """)
        #expect(diagnostic.oneLine == "/etc/memfd-bind.yaml:3:11: error: mode \"0444\" has no execute bit")
        #expect(diagnostic.description == diagnostic.oneLine)
    }

    @Test func caretKeepsTabsAndCountsScalars() {
        let diagnostic = Diagnostic(
            severity: .warning, file: "f", location: SourceLocation(line: 1, column: 4), message: "m",
            sourceLine: "\té x")
        #expect(diagnostic.rendered == "f:1:4: warning: m\n\té x\n\t  ^")
    }

    @Test func withoutLocationIsOneLine() {
        let diagnostic = Diagnostic(severity: .error, file: "f.yaml", location: nil, message: "cannot open")
        #expect(diagnostic.oneLine == "f.yaml: error: cannot open")
        #expect(diagnostic.rendered == "f.yaml: error: cannot open")
    }

    @Test func loaderFillsSourceLine() {
        let result = loadConfig("binaries:\n  - path: /bin/x\n    mode: \"0444\"\n")
        #expect(result.diagnostics.map(\.rendered) == [
            """
            test.yaml:3:11: error: mode "0444" has no execute bit, so no one could execute the protected path; \
            write a mode with execute bits such as "0555"
                mode: "0444"
                      ^
            """
        ])
    }
}
