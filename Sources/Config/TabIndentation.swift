/// Returns the location of the first tab in each line whose indentation contains one.
///
/// Indentation is the run of spaces and tabs before a line's first other character. Blank
/// lines and lines that hold only a comment are skipped, because YAML allows tabs there.
/// NOTE: lines inside block scalars and multi-line quoted scalars are checked too, although
/// YAML allows tabs there; no configuration value needs more than one line.
func findTabIndentation(in source: SourceText) -> [SourceLocation] {
    var locations: [SourceLocation] = []
    for line in 1...source.lineStarts.count {
        guard let range = source.byteRange(ofLine: line) else {
            continue
        }
        var firstTab: Int?
        var index = range.lowerBound
        while index < range.upperBound && (source.bytes[index] == 0x20 || source.bytes[index] == 0x09) {
            if source.bytes[index] == 0x09 && firstTab == nil {
                firstTab = index
            }
            index += 1
        }
        guard let firstTab, index < range.upperBound, source.bytes[index] != UInt8(ascii: "#") else {
            continue
        }
        // Indentation is ASCII, so the byte distance from the line start is the column.
        locations.append(SourceLocation(line: line, column: firstTab - range.lowerBound + 1))
    }
    return locations
}

/// The message for a tab in indentation.
let tabIndentationMessage =
    "tab character in indentation; YAML indents with spaces only: replace the tab with spaces"
