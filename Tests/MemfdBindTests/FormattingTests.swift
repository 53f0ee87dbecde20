import Config
import Testing

@testable import memfd_bind

@Suite struct FormattingTests {
    @Test func logLineWithJournalPrefix() {
        let line = Log.format(.notice, "bound", [("path", "/usr/sbin/runc"), ("ms", "3.21")], journal: true)
        #expect(line == "<5>bound path=/usr/sbin/runc ms=3.21")
    }

    @Test func logLinePlain() {
        let line = Log.format(.error, "cannot protect", [("path", "/a b"), ("error", "x\"y")], journal: false)
        #expect(line == "error: cannot protect path=\"/a b\" error=\"x\\\"y\"")
    }

    @Test func quotingOfControlCharacters() {
        #expect(Log.quoted("") == "\"\"")
        #expect(Log.quoted("a\nb") == "\"a\\nb\"")
        #expect(Log.quoted("a\u{1}") == "\"a\\x01\"")
        #expect(Log.quoted("plain") == "plain")
    }

    @Test func millisecondFormatting() {
        #expect(milliseconds(fromNanoseconds: 3_214_000) == "3.21")
        #expect(milliseconds(fromNanoseconds: 50_000) == "0.05")
        #expect(milliseconds(fromNanoseconds: 1_000_000_000) == "1000.00")
    }

    @Test func octalModes() {
        #expect(octalMode(0o511) == "0511")
        #expect(octalMode(0o4755) == "4755")
        #expect(octalMode(0o100511) == "0511")
    }

    @Test func sealDescription() {
        #expect(SealSet.runcDefault.description == "0xf (seal,shrink,grow,write)")
        #expect(SealSet(rawValue: 0x3f).description == "0x3f (seal,shrink,grow,write,future-write,exec)")
    }

    @Test func memfdNameFitsTheKernelLimit() {
        #expect(memfdName(for: "/usr/sbin/runc") == "memfd-bind:/usr/sbin/runc")
        let long = "/" + String(repeating: "d/", count: 200) + "runc"
        let name = memfdName(for: long)
        #expect(name.utf8.count == memfdNameLimit)
        #expect(name.hasPrefix("memfd-bind:..."))
        #expect(name.hasSuffix("/runc"))
    }

    @Test func parentDirectories() {
        #expect(parentDirectory(of: "/usr/sbin/runc") == "/usr/sbin")
        #expect(parentDirectory(of: "/runc") == "/")
    }

    @Test func errnoRendering() {
        #expect(SyscallError(call: "mount", errno: 1).description == "mount: Operation not permitted (EPERM)")
    }
}
