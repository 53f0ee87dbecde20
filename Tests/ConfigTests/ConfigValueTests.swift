import Config
import Testing

/// Returns the diagnostics for one entry option, written at line 3 of a binary entry.
private func optionDiagnostics(_ line: String) -> [String] {
    diagnosticLines("binaries:\n  - path: /bin/x\n    \(line)\n")
}

@Suite struct PathRuleTests {
    @Test func notNormalizedGivesTheFix() {
        let cases: [(String, String)] = [
            ("/usr//sbin/runc", "/usr/sbin/runc"), ("/usr/sbin/./runc", "/usr/sbin/runc"),
            ("/usr/lib/../sbin/runc", "/usr/sbin/runc"), ("/usr/sbin/runc/", "/usr/sbin/runc"), ("/..", "/"),
        ]
        for (path, fixed) in cases {
            #expect(diagnosticLines("binaries:\n  - path: \(path)\n") == [
                "test.yaml:2:11: error: path \"\(path)\" is not normalized; write \"\(fixed)\""
            ])
        }
    }

    @Test func relativeEmptyAndNonString() {
        #expect(diagnosticLines("binaries:\n  - path: runc\n") == [
            "test.yaml:2:11: error: path \"runc\" is relative; write the absolute path, which starts with \"/\""
        ])
        #expect(diagnosticLines("binaries:\n  - path: \"\"\n") == [
            "test.yaml:2:11: error: path is empty; write an absolute path such as /usr/sbin/runc"
        ])
        #expect(diagnosticLines("binaries:\n  - path:\n") == [
            "test.yaml:2:10: error: path has no value; write an absolute path such as /usr/sbin/runc"
        ])
        #expect(diagnosticLines("binaries:\n  - path: 12\n") == [
            "test.yaml:2:11: error: path \"12\" is not a string; write an absolute path such as /usr/sbin/runc"
        ])
        #expect(diagnosticLines("binaries:\n  - path: [/bin/x]\n") == [
            "test.yaml:2:11: error: path must be a single value such as /usr/sbin/runc; found a sequence"
        ])
    }

    @Test func controlCharactersAreErrors() {
        #expect(diagnosticLines("binaries:\n  - path: \"/bin/x\\0y\"\n") == [
            "test.yaml:2:11: error: path contains the control character U+0000; remove it"
        ])
        #expect(diagnosticLines("binaries:\n  - path: \"/bin/x\\ny\"\n") == [
            "test.yaml:2:11: error: path contains the control character U+000A; remove it"
        ])
    }

    @Test func duplicatePathNamesBothLines() {
        let text = "binaries:\n  - path: /bin/x\n  - path: /bin/y\n  - path: /bin/x\n    mode: \"0555\"\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:4:11: error: duplicate path \"/bin/x\" (first at line 2); list each binary once"
        ])
    }

    @Test func quotedPathKeepsItsText() {
        #expect(onlyEntry("binaries:\n  - path: '/opt/my tool/bin/run'\n")?.path == "/opt/my tool/bin/run")
    }
}

@Suite struct SealRuleTests {
    @Test func unknownSealListsValidNames() {
        #expect(optionDiagnostics("seals: [seal, wrte, grow]") == [
            "test.yaml:3:19: error: unknown seal \"wrte\"; valid seals are seal, shrink, grow, write, future-write "
                + "and exec"
        ])
    }

    @Test func missingSealOrWriteIsAnError() {
        #expect(optionDiagnostics("seals: [shrink, grow]") == [
            "test.yaml:3:12: error: seals lack \"seal\", so anyone holding the memfd copy could still add seals to "
                + "it; add \"seal\"",
            "test.yaml:3:12: error: seals lack \"write\", so the memfd copy could be written to; add \"write\"",
        ])
        #expect(optionDiagnostics("seals: []").count == 4)
    }

    @Test func missingShrinkOrGrowIsAnError() {
        #expect(optionDiagnostics("seals: [seal, write]") == [
            "test.yaml:3:12: error: seals lack \"shrink\", so the memfd copy could be truncated; add \"shrink\"",
            "test.yaml:3:12: error: seals lack \"grow\", so the memfd copy could be extended; add \"grow\"",
        ])
    }

    @Test func extraSealWarnsAboutRunc() throws {
        let result = loadConfig("binaries:\n  - path: /bin/x\n    seals: [seal, shrink, grow, write, exec]\n")
        #expect(result.configuration?.entries.first?.seals == [.runcDefault, .exec])
        #expect(result.diagnostics.map(\.oneLine) == [
            "test.yaml:3:12: warning: seals 0x2f (seal,shrink,grow,write,exec) differ from "
                + "[seal, shrink, grow, write]: runc 1.1.x requires exactly 0xf, so it will ignore this copy and "
                + "copy the binary itself again. runc 1.2 and later still reuse the copy"
        ])
    }

    @Test func repeatedSealWarns() {
        let result = loadConfig("binaries:\n  - path: /bin/x\n    seals: [seal, shrink, grow, write, seal]\n")
        #expect(result.configuration?.entries.first?.seals == .runcDefault)
        #expect(result.diagnostics.map(\.oneLine) == [
            "test.yaml:3:40: warning: seal \"seal\" is listed twice; remove one of them"
        ])
    }

    @Test func sealsMustBeAList() {
        #expect(optionDiagnostics("seals: seal") == [
            "test.yaml:3:12: error: seals must be a list such as [seal, shrink, grow, write]; found a scalar"
        ])
        #expect(optionDiagnostics("seals:") == [
            "test.yaml:3:11: error: seals has no value; write a list such as [seal, shrink, grow, write]"
        ])
        #expect(optionDiagnostics("seals: [[seal]]") == [
            "test.yaml:3:13: error: each seal must be a name such as write; found a sequence"
        ])
    }

    @Test func defaultSealsAreInherited() {
        let text = "defaults:\n  seals: [seal, shrink, grow, write, future-write]\nbinaries:\n  - path: /bin/x\n"
        let result = loadConfig(text)
        #expect(result.configuration?.entries.first?.seals == [.runcDefault, .futureWrite])
        #expect(result.diagnostics.map(\.severity) == [.warning])
        #expect(result.diagnostics.first?.location == SourceLocation(line: 2, column: 10))
    }
}

@Suite struct ModeRuleTests {
    @Test func octalFormsAreAccepted() {
        #expect(onlyEntry("binaries:\n  - path: /bin/x\n    mode: \"0511\"\n")?.mode == 0o511)
        #expect(onlyEntry("binaries:\n  - path: /bin/x\n    mode: 0511\n")?.mode == 0o511)
        #expect(onlyEntry("binaries:\n  - path: /bin/x\n    mode: 555\n")?.mode == 0o555)
        #expect(onlyEntry("binaries:\n  - path: /bin/x\n    mode: '04755'\n")?.mode == 0o4755)
        #expect(onlyEntry("binaries:\n  - path: /bin/x\n    mode: 1\n")?.mode == 0o1)
    }

    @Test func invalidModes() {
        #expect(optionDiagnostics("mode: \"0519\"") == [
            "test.yaml:3:11: error: mode \"0519\" contains the digit 9, which is not octal; write digits 0 to 7 "
                + "such as \"0511\""
        ])
        #expect(optionDiagnostics("mode: 17777") == [
            "test.yaml:3:11: error: mode \"17777\" is above 07777, the largest permission mode; write a mode such "
                + "as \"0511\""
        ])
        #expect(optionDiagnostics("mode: \"005111\"") == [
            "test.yaml:3:11: error: mode \"005111\" has more than 5 digits; write 1 to 5 octal digits such as \"0511\""
        ])
        #expect(optionDiagnostics("mode: u+x") == [
            "test.yaml:3:11: error: mode \"u+x\" is not an octal number; write 1 to 5 octal digits such as \"0511\""
        ])
        #expect(optionDiagnostics("mode: \"\"") == [
            "test.yaml:3:11: error: mode \"\" is not an octal number; write 1 to 5 octal digits such as \"0511\""
        ])
        #expect(optionDiagnostics("mode: 0400") == [
            "test.yaml:3:11: error: mode \"0400\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"0511\""
        ])
        #expect(optionDiagnostics("mode: {a: b}") == [
            "test.yaml:3:11: error: mode must be a single value such as \"0511\"; found a mapping"
        ])
        #expect(optionDiagnostics("mode: ~") == [
            "test.yaml:3:11: error: mode has no value; write a value such as \"0511\""
        ])
    }
}

@Suite struct AccountRuleTests {
    @Test func namesAndIDsResolve() {
        let entry = onlyEntry("binaries:\n  - path: /bin/x\n    owner: builder\n    group: 4294967294\n")
        #expect(entry?.owner == 1000)
        #expect(entry?.group == 4_294_967_294)
    }

    @Test func unknownNamesAndRanges() {
        #expect(optionDiagnostics("owner: nobdy") == [
            "test.yaml:3:12: error: unknown user \"nobdy\" in owner; create the user or write a numeric id"
        ])
        #expect(optionDiagnostics("group: whel") == [
            "test.yaml:3:12: error: unknown group \"whel\" in group; create the group or write a numeric id"
        ])
        #expect(optionDiagnostics("owner: 4294967295") == [
            "test.yaml:3:12: error: owner 4294967295 is out of range; write a numeric id from 0 to 4294967294 or a name"
        ])
        #expect(optionDiagnostics("group: 99999999999999999999999") == [
            "test.yaml:3:12: error: group 99999999999999999999999 is out of range; write a numeric id from 0 to "
                + "4294967294 or a name"
        ])
    }
}

@Suite struct WatchRuleTests {
    @Test func booleanForms() {
        for (text, value) in [("true", true), ("True", true), ("TRUE", true), ("false", false), ("FALSE", false)] {
            #expect(onlyEntry("binaries:\n  - path: /bin/x\n    watch: \(text)\n")?.watch == value, "\(text)")
        }
    }

    @Test func yaml11BooleansAreErrors() {
        for text in ["yes", "No", "ON", "off", "y", "N"] {
            #expect(optionDiagnostics("watch: \(text)") == [
                "test.yaml:3:12: error: watch value \"\(text)\" is not a boolean in YAML 1.2; write true or false"
            ])
        }
    }

    @Test func otherWatchValues() {
        #expect(optionDiagnostics("watch: \"true\"") == [
            "test.yaml:3:12: error: watch value \"true\" is quoted, so it is a string; write true or false "
                + "without quotes"
        ])
        #expect(optionDiagnostics("watch: 1") == [
            "test.yaml:3:12: error: watch value \"1\" is invalid; write true or false"
        ])
        #expect(optionDiagnostics("watch: [true]") == [
            "test.yaml:3:12: error: watch must be a single value such as true; found a sequence"
        ])
    }
}

@Suite struct SettleRuleTests {
    @Test func secondsBecomeMilliseconds() {
        let cases: [(String, Int)] = [("1", 1000), ("0.5", 500), ("2.25", 2250), ("0", 0), ("3600", 3_600_000),
            ("0.001", 1), ("'1.5'", 1500), ("3600.000", 3_600_000)]
        for (text, milliseconds) in cases {
            #expect(onlyEntry("binaries:\n  - path: /bin/x\n    settle: \(text)\n")?.settleMilliseconds == milliseconds)
        }
    }

    @Test func invalidSettle() {
        #expect(optionDiagnostics("settle: 0.1234") == [
            "test.yaml:3:13: error: settle \"0.1234\" has more than 3 decimals; write at most millisecond precision "
                + "such as 0.125"
        ])
        #expect(optionDiagnostics("settle: 3600.001") == [
            "test.yaml:3:13: error: settle \"3600.001\" is above the maximum of 3600 seconds"
        ])
        #expect(optionDiagnostics("settle: 100000000000000000000") == [
            "test.yaml:3:13: error: settle \"100000000000000000000\" is above the maximum of 3600 seconds"
        ])
        for text in ["1s", ".5", "1.", "1e3", "0x10"] {
            #expect(optionDiagnostics("settle: \(text)") == [
                "test.yaml:3:13: error: settle \"\(text)\" is not a number of seconds; write seconds from 0 to 3600 "
                    + "such as 1 or 0.5"
            ])
        }
    }
}

@Suite struct MaxSizeRuleTests {
    @Test func sizesWithSuffixes() {
        let cases: [(String, Int64)] = [("1", 1), ("4096", 4096), ("8K", 8192), ("512M", 512 << 20), ("64G", 64 << 30)]
        for (text, bytes) in cases {
            #expect(loadConfig("max_size: \(text)\n").configuration?.maxSize == bytes, "\(text)")
        }
    }

    @Test func invalidSizes() {
        for text in ["512MB", "1.5G", "-1", "512m", "G"] {
            #expect(diagnosticLines("max_size: \(text)\n") == [
                "test.yaml:1:11: error: max_size \"\(text)\" is invalid; write a number of bytes, optionally "
                    + "followed by K, M or G (powers of 1024), such as 512M"
            ])
        }
        #expect(diagnosticLines("max_size: 65G\n") == [
            "test.yaml:1:11: error: max_size \"65G\" is above the maximum of 64G"
        ])
        #expect(diagnosticLines("max_size: 68719476737\n") == [
            "test.yaml:1:11: error: max_size \"68719476737\" is above the maximum of 64G"
        ])
        // Values whose shift by the suffix would overflow 64 bits must not wrap into range.
        for text in ["17179869185G", "17179869184G", "8589934592G", "999999999999K"] {
            #expect(diagnosticLines("max_size: \(text)\n") == [
                "test.yaml:1:11: error: max_size \"\(text)\" is above the maximum of 64G"
            ])
        }
        #expect(diagnosticLines("max_size: 99999999999999999999G\n") == [
            "test.yaml:1:11: error: max_size \"99999999999999999999G\" is above the maximum of 64G"
        ])
        #expect(diagnosticLines("max_size: 0K\n") == [
            "test.yaml:1:11: error: max_size \"0K\" is below the minimum of 1 byte; write a size such as 512M"
        ])
    }
}
