import Config

/// One step of a reload, keyed by path.
enum ReloadAction: Equatable {
    /// The entry is the same: leave its bind alone (its file is still checked for changes).
    case keep(BinaryEntry)
    /// The entry is new: copy and bind it.
    case add(BinaryEntry)
    /// The entry is gone: unmount it and free its copy.
    case remove(path: String)
    /// The entry's copy options changed: swap in a new copy.
    case update(BinaryEntry)
}

/// Computes the steps that take the active entries to the desired ones, without side effects.
///
/// Removals come first, so that a path's old bind is gone before anything else is added, then
/// the desired entries in configuration order.
func planReload(current: [BinaryEntry], desired: [BinaryEntry]) -> [ReloadAction] {
    // Keyed by the path's bytes: string keys would merge canonically equivalent names.
    var byPath: [[UInt8]: BinaryEntry] = [:]
    for entry in current {
        byPath[Array(entry.path.utf8)] = entry
    }
    let desiredPaths = Set(desired.map { Array($0.path.utf8) })
    var actions: [ReloadAction] = current.filter { !desiredPaths.contains(Array($0.path.utf8)) }.map { .remove(path: $0.path) }
    for entry in desired {
        guard let old = byPath[Array(entry.path.utf8)] else {
            actions.append(.add(entry))
            continue
        }
        actions.append(old.hasSameCopyOptions(as: entry) ? .keep(entry) : .update(entry))
    }
    return actions
}

/// The changes a reload made, reported to `--reload` and in the log.
struct ReloadSummary: Equatable {
    var added: [String] = []
    var removed: [String] = []
    var replaced: [String] = []
    var unchanged: [String] = []
    var failed: [String] = []
    /// Set when the configuration was invalid and nothing was changed.
    var invalidConfiguration = false

    /// Whether anything failed.
    var hasFailures: Bool { invalidConfiguration || !failed.isEmpty }

    /// One line per category, as `--reload` prints it.
    var lines: [String] {
        if invalidConfiguration {
            return ["configuration invalid: nothing changed"]
        }
        func line(_ name: String, _ paths: [String]) -> String {
            "\(name): \(paths.count)" + (paths.isEmpty ? "" : " " + paths.joined(separator: " "))
        }
        return [
            line("added", added), line("removed", removed), line("replaced", replaced),
            line("unchanged", unchanged), line("failed", failed),
        ]
    }
}
