// libFuzzer entry point for the configuration loader.
//
// build.sh compiles this file together with Sources/Config/*.swift as the module `Config`, so
// the checks below can use internal types such as `SourceText` and read the libyaml event stream
// through `LibYAMLParser`. Each broken invariant calls `fatalError`, which
// libFuzzer records as a crash and saves with the input.
//
// The environment variable CONFIG_FUZZ_SKIP takes a comma-separated list of check names (the
// first argument of each `expect` call) to skip, so that fuzzing can go on past a known finding.

internal import Glibc

/// The file name passed to the loader; diagnostics must repeat it unchanged.
private let fuzzFileName = "fuzz.yaml"

/// The UTF-8 byte order mark, which the loader skips.
private let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

/// An account database with fixed users and groups, so that the loader makes no system calls.
private struct FuzzAccounts: AccountDatabase {
    let users: [String: UInt32] = ["root": 0, "daemon": 1, "nobody": 65534, "builder": 1000]
    let groups: [String: UInt32] = ["root": 0, "wheel": 10, "nogroup": 65534, "builder": 1000]

    func userID(named name: String) -> UInt32? {
        users[name]
    }

    func groupID(named name: String) -> UInt32? {
        groups[name]
    }
}

/// Check names from CONFIG_FUZZ_SKIP.
private let skippedChecks: Set<String> = {
    guard let value = getenv("CONFIG_FUZZ_SKIP") else {
        return []
    }
    let names = String(cString: value).split(separator: ",").map { String($0) }
    return Set(names)
}()

/// Traps with `message` when `condition` is false, unless the check `name` is skipped.
private func expect(_ name: String, _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !skippedChecks.contains(name) else {
        return
    }
    if !condition() {
        fatalError("config fuzzer check \(name) failed: \(message())")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = InputText(bytes)

    checkYAMLLayer(bytes, text: text)

    let result = ConfigurationLoader.parse(bytes: bytes, file: fuzzFileName, accounts: FuzzAccounts())
    checkLoadResult(result, bytes: bytes, text: text)

    // The loader skips one leading byte order mark, so the same text without it must give the same
    // result. A second mark is a U+FEFF character of the text and counts as a column.
    let withoutMark = Array(bytes.dropFirst(byteOrderMark.count))
    if bytes.starts(with: byteOrderMark) && !withoutMark.starts(with: byteOrderMark) {
        let plain = ConfigurationLoader.parse(bytes: withoutMark, file: fuzzFileName, accounts: FuzzAccounts())
        expect(
            "bom-transparent", plain == result,
            "a leading byte order mark changed the result: \(plain.diagnostics) versus \(result.diagnostics)")
    }
    return 0
}

/// The input split into lines as the loader splits it, with the width of each line computed once.
/// Checking a location then costs constant time, even when thousands of nodes share one long line.
private struct InputText {
    let source: SourceText

    /// The number of Unicode scalars in each line as `SourceText.text(ofLine:)` decodes it; index 0 is line 1.
    let lineWidths: [Int]

    init(_ bytes: [UInt8]) {
        source = SourceText(bytes)
        var widths: [Int] = []
        for line in 1...source.lineStarts.count {
            widths.append(source.text(ofLine: line)?.unicodeScalars.count ?? 0)
        }
        lineWidths = widths
    }
}

// MARK: - YAML layer

/// Sizes of a composed node tree.
private struct TreeSize {
    var nodes = 0
    var height = 0
}

/// Checks `parseYAMLStream`, the core-schema resolution and the alias and nesting limits.
private func checkYAMLLayer(_ bytes: [UInt8], text: InputText) {
    let parsed = parseYAMLStream(bytes)
    switch parsed {
    case .failure(let error):
        checkLocation("yaml-error-location", error.location, in: text, what: "YAML error \"\(error.message)\"")
        expect("yaml-error-message", !error.message.isEmpty, "YAML error without a message")
    case .success(let documents):
        var composedNodes = 0
        for document in documents {
            checkLocation("yaml-document-location", document.location, in: text, what: "document start")
            let size = measure(document.root, in: text)
            composedNodes += size.nodes
            expect(
                "yaml-nesting-limit", size.height <= YAMLLimits.maxNestingDepth,
                "a document nests \(size.height) collections, more than \(YAMLLimits.maxNestingDepth)")

            let value = document.root.coreValue
            expect("core-value-reflexive", value == value, "a core-schema value is not equal to itself")
        }

        // Every node of the composed trees either has its own event or was copied by an alias,
        // so the difference is the number of nodes that aliases added.
        let writtenNodes = countNodeEvents(source: text.source)
        let aliasNodes = composedNodes - writtenNodes
        expect(
            "yaml-alias-limit", aliasNodes >= 0 && aliasNodes <= YAMLLimits.maxAliasExpansionNodes,
            "aliases added \(aliasNodes) nodes (\(composedNodes) composed, \(writtenNodes) written); "
                + "the limit is \(YAMLLimits.maxAliasExpansionNodes)")
    }
}

/// Returns the number of nodes and the collection height of a tree, checking each node's location
/// and the core-schema resolution of each scalar.
private func measure(_ node: YAMLNode, in text: InputText) -> TreeSize {
    checkLocation("yaml-node-location", node.location, in: text, what: "node")
    var size = TreeSize(nodes: 1, height: 0)
    switch node.content {
    case .scalar(let scalar):
        checkScalarResolution(node, scalar)
    case .sequence(let items):
        for item in items {
            let child = measure(item, in: text)
            size.nodes += child.nodes
            size.height = max(size.height, child.height)
        }
        size.height += 1
    case .mapping(let pairs):
        for pair in pairs {
            let key = measure(pair.key, in: text)
            let value = measure(pair.value, in: text)
            size.nodes += key.nodes + value.nodes
            size.height = max(size.height, key.height, value.height)
        }
        size.height += 1
    }
    return size
}

/// Checks properties of the core schema that hold for every scalar.
private func checkScalarResolution(_ node: YAMLNode, _ scalar: YAMLScalar) {
    let value = node.coreValue
    if node.tag == nil && scalar.style != .plain {
        expect(
            "core-quoted-is-string", value == .string(scalar.text),
            "the \(scalar.style) scalar \"\(scalar.text)\" resolved to \(value), not a string")
    }
    if node.tag == yamlCoreTagPrefix + "str" {
        expect("core-str-tag", value == .string(scalar.text), "!!str \"\(scalar.text)\" resolved to \(value)")
    }
    if case .int(let int) = value, node.tag == nil {
        // Decimal ints written without sign or leading zeros print back as the same text.
        let text = scalar.text
        let isCanonicalDecimal = isDecimalDigits(text) && (text == "0" || !text.hasPrefix("0"))
        if isCanonicalDecimal {
            expect("core-int-roundtrip", String(int) == text, "\"\(text)\" resolved to the int \(int)")
        }
    }
}

/// Returns the number of scalar, sequence-start and mapping-start events in the stream, or -1
/// when libyaml reports an error; aliases are not counted.
private func countNodeEvents(source: SourceText) -> Int {
    guard let parser = LibYAMLParser(bytes: source.bytes) else {
        return -1
    }
    var count = 0
    while true {
        switch parser.next() {
        case .failure:
            return -1
        case .success(let event):
            switch event.kind {
            case .scalar, .sequenceStart, .mappingStart:
                count += 1
            case .streamEnd:
                return count
            default:
                break
            }
        }
    }
}

/// Checks that a location is 1-based and inside the text: at most one column past the end of its line.
///
/// libyaml 0.2.5 moves its mark to the start of a new line at the end of a stream that does not
/// end with a line break. A location at column 1 of the line after the last one therefore has its
/// own check name, location-after-final-line, so that it can be skipped alone.
private func checkLocation(_ name: String, _ location: SourceLocation, in text: InputText, what: String) {
    expect(
        name, location.line >= 1 && location.column >= 1,
        "\(what) has the location \(location.line):\(location.column), which is not 1-based")
    guard location.line >= 1 else {
        return
    }
    let lineCount = text.lineWidths.count
    guard location.line <= lineCount else {
        if location.line == lineCount + 1 && location.column == 1 {
            expect(
                "location-after-final-line", false,
                "\(what) is at \(location.line):1, after the last line \(lineCount), which has no line break")
        } else {
            expect(name, false, "\(what) is at line \(location.line), past the last line \(lineCount)")
        }
        return
    }
    let width = text.lineWidths[location.line - 1]
    expect(
        name, location.column <= width + 1,
        "\(what) is at column \(location.column) of line \(location.line), which has \(width) characters")
}

// MARK: - Configuration layer

/// Checks the loader's result against its documented contract.
private func checkLoadResult(_ result: LoadResult, bytes: [UInt8], text: InputText) {
    let errors = result.diagnostics.filter { $0.severity == .error }
    expect(
        "configuration-iff-no-error", (result.configuration == nil) == !errors.isEmpty,
        "configuration is \(result.configuration == nil ? "nil" : "set") with \(errors.count) errors")
    expect("error-count", result.errorCount == errors.count, "errorCount \(result.errorCount) but \(errors.count) errors")

    checkDiagnostics(result.diagnostics, text: text)
    if let configuration = result.configuration {
        checkConfiguration(configuration, bytes: bytes)
    }
}

/// The number of diagnostics per input whose source line and rendering are checked.
///
/// Both checks take time proportional to the length of the line, so without a cap thousands of
/// diagnostics on one long line would make the checks, not the loader, the slow part of a run.
private let maxRenderedDiagnostics = 200

/// Checks each diagnostic and their order, and the source line and rendering of the first ones.
private func checkDiagnostics(_ diagnostics: [Diagnostic], text: InputText) {
    var previous: (line: Int, column: Int) = (0, 0)
    // The file is fixed and the source line follows from the location, so the one-line form
    // identifies a diagnostic. A set keeps this check linear in the number of diagnostics.
    var seen: Set<String> = []
    for (index, diagnostic) in diagnostics.enumerated() {
        let isRendered = index < maxRenderedDiagnostics
        expect("diagnostic-file", diagnostic.file == fuzzFileName, "diagnostic names the file \(diagnostic.file)")
        expect("diagnostic-message", !diagnostic.message.isEmpty, "diagnostic without a message")
        expect(
            "diagnostic-unique", seen.insert(diagnostic.oneLine).inserted,
            "diagnostic repeated: \(diagnostic.oneLine)")

        if let location = diagnostic.location {
            checkLocation("diagnostic-location", location, in: text, what: "diagnostic \"\(diagnostic.message)\"")
            expect(
                "diagnostic-source-line",
                !isRendered || diagnostic.sourceLine == text.source.text(ofLine: location.line),
                "diagnostic at line \(location.line) carries another source line")
        } else {
            expect("diagnostic-source-line", diagnostic.sourceLine == nil, "diagnostic without location has a source line")
        }

        // The count of problems past the limit comes last, without a location.
        let isLimitSummary = diagnostic.location == nil && diagnostic.message.hasSuffix("more problems are not shown; fix the ones above and check again")
        let key = isLimitSummary ? (Int.max, Int.max) : diagnostic.location.map { ($0.line, $0.column) } ?? (0, 0)
        expect(
            "diagnostic-order", previous <= key,
            "diagnostic at \(key.0):\(key.1) follows one at \(previous.0):\(previous.1)")
        previous = key

        checkMessage(diagnostic)
        if isRendered {
            checkRendering(diagnostic)
        }
    }
}

/// Checks that a message is one line, as `Diagnostic.message` documents, so that `oneLine` is one line in logs.
private func checkMessage(_ diagnostic: Diagnostic) {
    expect(
        "message-one-line", !diagnostic.message.unicodeScalars.contains { $0 == "\n" || $0 == "\r" },
        "diagnostic message spans several lines: \(diagnostic.message.debugDescription)")
}

/// Checks that the one-line and compiler-style forms have the documented shape.
private func checkRendering(_ diagnostic: Diagnostic) {
    let oneLine = diagnostic.oneLine
    let rendered = diagnostic.rendered
    guard let location = diagnostic.location, let sourceLine = diagnostic.sourceLine else {
        expect("rendered-without-source", rendered == oneLine, "rendered form without a source line adds text")
        return
    }
    guard sourceLine.unicodeScalars.count <= Diagnostic.shownLineLimit else {
        // A long line is shown as a window around the column: three lines, none much longer than the limit.
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        expect(
            "rendered-window", lines.count == 3 && lines.dropFirst().allSatisfy { $0.unicodeScalars.count <= Diagnostic.shownLineLimit + 6 },
            "rendered form of a long line is not a window of the line")
        return
    }
    // Compare scalars, because a message ending in "\r" would join the next "\n" into one Character.
    let renderedScalars = Array(rendered.unicodeScalars)
    let head = Array((oneLine + "\n" + sourceLine + "\n").unicodeScalars)
    guard renderedScalars.starts(with: head) else {
        expect("rendered-shape", false, "rendered form does not start with the one-line form and the source line")
        return
    }
    let caret = renderedScalars[head.count...]
    expect(
        "rendered-caret", caret.count == location.column && caret.last == "^" && !caret.contains("\n"),
        "caret line \(String(String.UnicodeScalarView(caret)).debugDescription) does not point at column \(location.column)")
}

/// Checks the values of an accepted configuration.
private func checkConfiguration(_ configuration: Configuration, bytes: [UInt8]) {
    expect("configuration-file", configuration.file == fuzzFileName, "configuration names the file \(configuration.file)")
    expect(
        "max-size-range", configuration.maxSize >= 1 && configuration.maxSize <= maxMaxSize,
        "max_size \(configuration.maxSize) is outside 1 to 64G")
    checkMaxSizeValue(configuration.maxSize, bytes: bytes)

    // Paths are compared as UTF-8 bytes, as the kernel compares them. Swift's String compares
    // grapheme clusters, so "/" followed by a combining mark is not a "/" Character.
    var paths: Set<[UInt8]> = []
    for entry in configuration.entries {
        let path = entry.path
        let bytes = Array(path.utf8)
        expect("entry-path-absolute", bytes.first == 0x2F, "entry path \(path.debugDescription) is not absolute")
        expect(
            "entry-path-normalized", isNormalizedAbsolutePath(bytes),
            "entry path \(path.debugDescription) has an empty, \".\" or \"..\" component")
        expect(
            "entry-path-no-control",
            !path.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
            "entry path \(path.debugDescription) contains a control character")
        expect("entry-path-unique", paths.insert(bytes).inserted, "entry path \(path.debugDescription) is listed twice")
        expect(
            "entry-location", entry.location.line >= 1 && entry.location.column >= 1,
            "entry location \(entry.location.line):\(entry.location.column) is not 1-based")
        expect(
            "entry-mode", entry.mode <= 0o7777 && entry.mode & 0o111 != 0,
            "entry mode \(String(entry.mode, radix: 8)) is above 07777 or has no execute bit")
        expect(
            "entry-seals", entry.seals.isSuperset(of: .runcDefault) && entry.seals.rawValue & ~0x3F == 0,
            "entry seals \(entry.seals.description) lack one of seal, shrink, grow and write, or have unknown bits")
        expect(
            "entry-ids", UInt64(entry.owner) <= maxAccountID && UInt64(entry.group) <= maxAccountID,
            "entry owner \(entry.owner) or group \(entry.group) is above \(maxAccountID)")
        expect(
            "entry-settle", entry.settleMilliseconds >= 0 && entry.settleMilliseconds <= maxSettleMilliseconds,
            "entry settle \(entry.settleMilliseconds) ms is outside 0 to \(maxSettleMilliseconds)")
    }
}

/// Returns whether the bytes are "/" or "/" followed by components that are neither empty, "." nor "..".
private func isNormalizedAbsolutePath(_ bytes: [UInt8]) -> Bool {
    guard bytes.first == 0x2F else {
        return false
    }
    if bytes.count == 1 {
        return true
    }
    let components = bytes.dropFirst().split(separator: 0x2F, omittingEmptySubsequences: false)
    return components.allSatisfy { !$0.isEmpty && !$0.elementsEqual([0x2E]) && !$0.elementsEqual([0x2E, 0x2E]) }
}

/// Recomputes `max_size` from the first document with overflow-checked arithmetic and compares it
/// with the accepted value, so that a wrapped shift or multiplication is caught.
private func checkMaxSizeValue(_ accepted: Int64, bytes: [UInt8]) {
    guard case .success(let documents) = parseYAMLStream(bytes), let root = documents.first?.root,
        case .mapping(let pairs) = root.content,
        let text = pairs.first(where: { $0.key.scalar?.text == "max_size" })?.value.scalar?.text
    else {
        return
    }

    var digits = Substring(text)
    var multiplier: Int64 = 1
    switch digits.last {
    case "K": multiplier = 1 << 10
    case "M": multiplier = 1 << 20
    case "G": multiplier = 1 << 30
    default: break
    }
    if multiplier > 1 {
        digits = digits.dropLast()
    }
    var number: Int64 = 0
    for character in digits {
        guard let digit = character.wholeNumberValue, character.isASCII else {
            expect("max-size-value", false, "max_size \"\(text)\" is not a number but was accepted as \(accepted)")
            return
        }
        let (shifted, multiplyOverflow) = number.multipliedReportingOverflow(by: 10)
        let (sum, addOverflow) = shifted.addingReportingOverflow(Int64(digit))
        guard !multiplyOverflow && !addOverflow && sum <= maxMaxSize else {
            expect("max-size-value", false, "max_size \"\(text)\" is above 64G but was accepted as \(accepted)")
            return
        }
        number = sum
    }
    let (expected, overflow) = number.multipliedReportingOverflow(by: multiplier)
    expect(
        "max-size-value", !overflow && expected == accepted,
        "max_size \"\(text)\" is \(overflow ? "above 64G" : String(expected)) bytes but was accepted as \(accepted)")
}
