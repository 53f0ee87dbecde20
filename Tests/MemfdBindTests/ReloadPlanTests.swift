import Config
import Testing

@testable import memfd_bind

@Suite struct ReloadPlanTests {
    let runc = BinaryEntry(path: "/usr/sbin/runc")
    let crun = BinaryEntry(path: "/usr/bin/crun")

    @Test func unchangedEntryIsKept() {
        #expect(planReload(current: [runc], desired: [runc]) == [.keep(runc)])
    }

    @Test func removedEntryComesFirst() {
        #expect(planReload(current: [runc, crun], desired: [crun]) == [.remove(path: runc.path), .keep(crun)])
    }

    @Test func addedEntry() {
        #expect(planReload(current: [runc], desired: [runc, crun]) == [.keep(runc), .add(crun)])
    }

    @Test func changedOptionsUpdate() {
        for change in [
            BinaryEntry(path: runc.path, mode: 0o555), BinaryEntry(path: runc.path, owner: 7),
            BinaryEntry(path: runc.path, group: 7), BinaryEntry(path: runc.path, seals: [.seal, .shrink, .grow, .write, .exec]),
        ] {
            #expect(planReload(current: [runc], desired: [change]) == [.update(change)])
        }
    }

    @Test func watchChangeIsNotACopyChange() {
        let watched = BinaryEntry(path: runc.path, watch: true, settleMilliseconds: 200)
        #expect(planReload(current: [runc], desired: [watched]) == [.keep(watched)])
    }

    @Test func emptyToEmpty() {
        #expect(planReload(current: [], desired: []).isEmpty)
    }

    @Test func summaryLines() {
        var summary = ReloadSummary()
        summary.added = ["/a"]
        summary.unchanged = ["/b", "/c"]
        #expect(summary.lines == ["added: 1 /a", "removed: 0", "replaced: 0", "unchanged: 2 /b /c", "failed: 0"])
        #expect(!summary.hasFailures)
        summary.invalidConfiguration = true
        #expect(summary.lines == ["configuration invalid: nothing changed"])
        #expect(summary.hasFailures)
    }
}
