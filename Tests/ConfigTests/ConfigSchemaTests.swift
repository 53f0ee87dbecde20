import Config
import Testing

@Suite struct ConfigSchemaTests {
    @Test func fullExampleLoads() throws {
        let text = """
            max_size: 512M           # largest file that may be copied into memory
            defaults:
              seals: [seal, shrink, grow, write]
              mode: "0511"
              owner: root
              group: wheel
              watch: false
              settle: 1
            binaries:
              - path: /usr/sbin/runc
              - path: /usr/local/bin/crun
                mode: "0555"
                watch: true
                settle: 0.25
                owner: 1000

            """
        let result = loadConfig(text)
        #expect(result.diagnostics == [])
        let configuration = try #require(result.configuration)
        #expect(configuration.file == "test.yaml")
        #expect(configuration.maxSize == 512 << 20)
        #expect(configuration.entries == [
            BinaryEntry(
                path: "/usr/sbin/runc", location: SourceLocation(line: 10, column: 11), seals: .runcDefault,
                mode: 0o511, owner: 0, group: 10, watch: false, settleMilliseconds: 1000),
            BinaryEntry(
                path: "/usr/local/bin/crun", location: SourceLocation(line: 11, column: 11), seals: .runcDefault,
                mode: 0o555, owner: 1000, group: 10, watch: true, settleMilliseconds: 250),
        ])
    }

    @Test func builtInDefaultsApply() {
        #expect(onlyEntry("binaries:\n  - path: /usr/sbin/runc\n") == BinaryEntry(
            path: "/usr/sbin/runc", location: SourceLocation(line: 2, column: 11)))
        #expect(loadConfig("binaries: []\n").configuration?.maxSize == Configuration.defaultMaxSize)
    }

    @Test func emptyFormsAreValid() {
        for text in ["", "# only comments\n# here\n", "---\n", "binaries:\n", "binaries: []\n", "defaults:\nbinaries: ~\n"] {
            let result = loadConfig(text)
            #expect(result.diagnostics == [], "\(text)")
            #expect(result.configuration == Configuration(file: "test.yaml"), "\(text)")
        }
    }

    @Test func topLevelMustBeAMapping() {
        #expect(diagnosticLines("- path: /bin/x\n") == [
            "test.yaml:1:1: error: the top level must be a mapping with the keys max_size, defaults and binaries; "
                + "found a sequence"
        ])
        #expect(diagnosticLines("just text\n") == [
            "test.yaml:1:1: error: the top level must be a mapping with the keys max_size, defaults and binaries; "
                + "found a scalar"
        ])
    }

    @Test func secondDocumentIsAnError() {
        let result = loadConfig("binaries: []\n---\nbinaries: []\n")
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.oneLine) == [
            "test.yaml:2:1: error: a second YAML document starts here, but a configuration file holds one; "
                + "merge it into the first document or delete it"
        ])
    }

    @Test func unknownKeysSuggestTheClosest() {
        let text = "binarys: []\ndefaults:\n  mdoe: \"0511\"\n  colour: red\nbinaries:\n  - path: /bin/x\n    pahth: /y\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:1:1: error: unknown key \"binarys\" at the top level; did you mean \"binaries\"?",
            "test.yaml:3:3: error: unknown key \"mdoe\" in defaults; did you mean \"mode\"?",
            "test.yaml:4:3: error: unknown key \"colour\" in defaults; valid keys are seals, mode, owner, group, "
                + "watch and settle",
            "test.yaml:7:5: error: unknown key \"pahth\" in a binary entry; did you mean \"path\"?",
        ])
    }

    @Test func pathIsNotADefault() {
        #expect(diagnosticLines("defaults:\n  path: /bin/x\n") == [
            "test.yaml:2:3: error: path is not valid in defaults, because each entry names its own binary; "
                + "write it in each entry under \"binaries:\""
        ])
        #expect(diagnosticLines("mode: \"0555\"\npath: /bin/x\n") == [
            "test.yaml:1:1: error: mode is not valid at the top level; set it under \"defaults:\" or in an entry "
                + "under \"binaries:\"",
            "test.yaml:2:1: error: path is not valid at the top level; write it in an entry under \"binaries:\" "
                + "as \"- path: ...\"",
        ])
    }

    @Test func mergeKeyPointsToDefaults() {
        let text = "base: &base\n  mode: \"0555\"\nbinaries:\n  - <<: *base\n    path: /bin/x\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:1:1: error: unknown key \"base\" at the top level; valid keys are max_size, defaults "
                + "and binaries",
            "test.yaml:4:5: error: merge keys (\"<<\") are not supported; put settings shared by all entries "
                + "under \"defaults:\"",
        ])
    }

    @Test func duplicateKeysNameBothLines() {
        let text = "binaries:\n  - path: /bin/x\n    mode: \"0555\"\n    path: /bin/y\nbinaries: []\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:4:5: error: duplicate key \"path\" (first at line 2); remove one of them",
            "test.yaml:5:1: error: duplicate key \"binaries\" (first at line 1); remove one of them",
        ])
    }

    @Test func duplicateKeysInsideUnknownValues() {
        #expect(diagnosticLines("defaults:\n  seals: [seal, write, shrink, grow]\n  owner: {a: 1, a: 2}\n") == [
            "test.yaml:3:10: error: owner must be a single value such as root; found a mapping",
            "test.yaml:3:17: error: duplicate key \"a\" (first at line 3); remove one of them",
        ])
    }

    @Test func entryWithoutPath() {
        #expect(diagnosticLines("binaries:\n  - mode: \"0555\"\n  - {}\n") == [
            "test.yaml:2:5: error: binary entry has no path; add \"path: /absolute/path/to/binary\"",
            "test.yaml:3:5: error: binary entry has no path; add \"path: /absolute/path/to/binary\"",
        ])
    }

    @Test func entriesMustBeMappings() {
        #expect(diagnosticLines("binaries:\n  - /usr/sbin/runc\n  - [a]\n") == [
            "test.yaml:2:5: error: each entry under binaries must be a mapping; write \"- path: /usr/sbin/runc\"",
            "test.yaml:3:5: error: each entry under binaries must be a mapping such as \"path: /usr/sbin/runc\"; "
                + "found a sequence",
        ])
        #expect(diagnosticLines("binaries: /usr/sbin/runc\n") == [
            "test.yaml:1:11: error: binaries must be a list of entries such as \"- path: /usr/sbin/runc\"; "
                + "found a scalar"
        ])
        #expect(diagnosticLines("defaults: [a]\n") == [
            "test.yaml:1:11: error: defaults must be a mapping of entry options such as \"mode: \\\"0511\\\"\"; "
                + "found a sequence"
        ])
    }

    @Test func nonScalarKeyIsAnError() {
        #expect(diagnosticLines("? [a]\n: 1\n") == [
            "test.yaml:1:3: error: keys must be names such as max_size; found a sequence"
        ])
    }

    @Test func unsupportedTags() {
        let text = "binaries:\n  - path: !custom /bin/x\n    mode: !!binary MDU1NQ==\n  - !!seq {path: /bin/y}\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:2:11: error: unsupported tag \"!custom\"; remove it, because only the YAML core tags "
                + "!!str, !!int, !!bool, !!null, !!float, !!seq and !!map are allowed",
            "test.yaml:3:11: error: unsupported tag \"!!binary\"; remove it, because only the YAML core tags "
                + "!!str, !!int, !!bool, !!null, !!float, !!seq and !!map are allowed",
            "test.yaml:3:11: error: mode \"MDU1NQ==\" is not an octal number; write 1 to 5 octal digits such as \"0511\"",
            "test.yaml:4:5: error: tag !!seq cannot be used on a mapping; remove the tag",
        ])
    }

    @Test func coreTagsAreAccepted() {
        let entry = onlyEntry("binaries:\n  - path: !!str /bin/x\n    mode: !!int 0555\n    watch: !!bool true\n")
        #expect(entry?.mode == 0o555)
        #expect(entry?.watch == true)
    }

    @Test func everyErrorIsReported() {
        let text = """
            max_size: 0
            binaries:
              - path: bin/x
                mode: "0444"
                owner: nobody
                watch: yes
                settle: -1
                seals: [seal]

            """
        #expect(diagnosticLines(text) == [
            "test.yaml:1:11: error: max_size \"0\" is below the minimum of 1 byte; write a size such as 512M",
            "test.yaml:3:11: error: path \"bin/x\" is relative; write the absolute path, which starts with \"/\"",
            "test.yaml:4:11: error: mode \"0444\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"0555\"",
            "test.yaml:5:12: error: unknown user \"nobody\" in owner; create the user or write a numeric id",
            "test.yaml:6:12: error: watch value \"yes\" is not a boolean in YAML 1.2; write true or false",
            "test.yaml:7:13: error: settle \"-1\" is negative; write seconds from 0 to 3600 such as 1 or 0.5",
            "test.yaml:8:12: error: seals lack \"write\", so the memfd copy could be written to; add \"write\"",
            "test.yaml:8:12: error: seals lack \"shrink\", so the memfd copy could be truncated; add \"shrink\"",
            "test.yaml:8:12: error: seals lack \"grow\", so the memfd copy could be extended; add \"grow\"",
        ])
    }

    @Test func aliasedProblemIsReportedOnce() {
        let text = "defaults:\n  mode: &m \"0444\"\nbinaries:\n  - path: /bin/x\n    mode: *m\n"
        #expect(diagnosticLines(text) == [
            "test.yaml:2:9: error: mode \"0444\" has no execute bit, so no one could execute the protected path; "
                + "write a mode with execute bits such as \"0555\""
        ])
    }
}
