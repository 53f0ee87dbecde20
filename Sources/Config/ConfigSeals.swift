/// Parses `seals`: a sequence of seal names, which must include `seal`, `shrink`, `grow` and `write`.
///
/// Unknown names and a set without `seal`, `shrink`, `grow` or `write` are errors. A name listed twice is a
/// warning, and so is any set other than exactly seal, shrink, grow and write, because
/// runc 1.1.x reuses a bound memfd only when its seals are exactly 0xf.
func parseSeals(_ node: YAMLNode, into diagnostics: inout DiagnosticCollector) -> SealSet? {
    let example = "[seal, shrink, grow, write]"
    guard case .sequence(let items) = node.content else {
        if node.scalar != nil && node.coreValue == .null {
            diagnostics.error("seals has no value; write a list such as \(example)", at: node.location)
        } else {
            diagnostics.error("seals must be a list such as \(example); found \(node.kindDescription)", at: node.location)
        }
        return nil
    }

    var seals: SealSet = []
    var valid = true
    for item in items {
        guard let name = item.scalar?.text else {
            diagnostics.error(
                "each seal must be a name such as write; found \(item.kindDescription)", at: item.location)
            valid = false
            continue
        }
        guard let seal = SealSet.namedSeals.first(where: { $0.name == name })?.seal else {
            let names = englishList(SealSet.namedSeals.map(\.name))
            diagnostics.error("unknown seal \"\(name)\"; valid seals are \(names)", at: item.location)
            valid = false
            continue
        }
        if seals.contains(seal) {
            diagnostics.warning("seal \"\(name)\" is listed twice; remove one of them", at: item.location)
        }
        seals.insert(seal)
    }
    guard valid else {
        return nil
    }

    if !seals.contains(.seal) {
        diagnostics.error(
            "seals lack \"seal\", so anyone holding the memfd copy could still add seals to it; add \"seal\"",
            at: node.location)
        valid = false
    }
    for (name, seal, effect) in [
        ("write", SealSet.write, "written to"), ("shrink", SealSet.shrink, "truncated"),
        ("grow", SealSet.grow, "extended"),
    ] where !seals.contains(seal) {
        diagnostics.error(
            "seals lack \"\(name)\", so the memfd copy could be \(effect); add \"\(name)\"", at: node.location)
        valid = false
    }
    guard valid else {
        return nil
    }

    if seals != .runcDefault {
        // Every valid set contains the four base seals here, which is what runc 1.2 and later check.
        diagnostics.warning(
            "seals \(seals.description) differ from \(example): runc 1.1.x requires exactly 0xf, "
                + "so it will ignore this copy and copy the binary itself again. runc 1.2 and later still reuse the copy",
            at: node.location)
    }
    return seals
}
