import Config

/// An account database with a fixed set of users and groups.
struct FakeAccounts: AccountDatabase {
    var users: [String: UInt32] = ["root": 0, "daemon": 1, "builder": 1000]
    var groups: [String: UInt32] = ["root": 0, "wheel": 10, "builder": 1000]

    func userID(named name: String) -> UInt32? {
        users[name]
    }

    func groupID(named name: String) -> UInt32? {
        groups[name]
    }
}

/// Validates configuration text as the file "test.yaml".
func loadConfig(_ text: String) -> LoadResult {
    ConfigurationLoader.parse(bytes: Array(text.utf8), file: "test.yaml", accounts: FakeAccounts())
}

/// Returns the one-line form of every diagnostic for configuration text.
func diagnosticLines(_ text: String) -> [String] {
    loadConfig(text).diagnostics.map(\.oneLine)
}

/// Returns the single entry of a configuration that must load, or nil.
func onlyEntry(_ text: String) -> BinaryEntry? {
    let entries = loadConfig(text).configuration?.entries ?? []
    return entries.count == 1 ? entries[0] : nil
}
