import Config
import Glibc
import Testing

@testable import memfd_bind

/// Memfd creation against the real kernel; no mount is made. Runs as any user: owner and group
/// are set to the caller's own ids.
@Suite struct MemfdFactoryTests {
    /// An entry for `path` owned by the caller, so that the tests run as any user.
    func ownEntry(_ path: String, seals: SealSet = .runcDefault) -> BinaryEntry {
        BinaryEntry(path: path, seals: seals, owner: geteuid(), group: getegid())
    }

    func makeExecutable(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/memfd-bind-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o755)
        close(fd)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func copyIsSealedWithExactlyTheRuncSeals() throws {
        let path = try makeExecutable(Array(repeating: 0x41, count: 100_000))
        defer { unlink(path) }
        let source = try SourceFile.open(path, maxSize: 1 << 20)
        var factory = MemfdFactory()
        let entry = ownEntry(path)
        let copy = try factory.makeCopy(of: source, path: path, options: CopyOptions(entry))
        defer { copy.close() }

        #expect(copy.actualSeals == 0xF)
        #expect(copy.size == 100_000)
        #expect(copy.name == "memfd-bind:" + path)
        let status = try Linux.fstat(copy.descriptor)
        #expect(status.st_mode & 0o7777 == 0o511)
        #expect(status.st_size == 100_000)
        let fd = try source.openForReading()
        defer { close(fd) }
        #expect(ContentComparison.fileMatches(fd, memfd: copy))
    }

    @Test func writeToTheCopyFailsWithEPERM() throws {
        let path = try makeExecutable([1, 2, 3])
        defer { unlink(path) }
        let source = try SourceFile.open(path, maxSize: 1 << 20)
        var factory = MemfdFactory()
        let entry = ownEntry(path)
        let copy = try factory.makeCopy(of: source, path: path, options: CopyOptions(entry))
        defer { copy.close() }
        let written = pwrite(copy.descriptor, [UInt8(9)], 1, 0)
        #expect(written == -1)
        #expect(errno == EPERM)
    }

    @Test func execSealReportsWhatTheKernelAdds() throws {
        let path = try makeExecutable([1, 2, 3])
        defer { unlink(path) }
        let source = try SourceFile.open(path, maxSize: 1 << 20)
        var factory = MemfdFactory()
        let entry = ownEntry(path, seals: [.seal, .shrink, .grow, .write, .exec])
        let copy = try factory.makeCopy(of: source, path: path, options: CopyOptions(entry))
        defer { copy.close() }
        #expect(copy.actualSeals == 0x3F)
    }

    @Test func differentContentDoesNotMatch() throws {
        let first = try makeExecutable([1, 2, 3])
        let second = try makeExecutable([1, 2, 4])
        defer {
            unlink(first)
            unlink(second)
        }
        var factory = MemfdFactory()
        let entry = ownEntry(first)
        let copy = try factory.makeCopy(of: try SourceFile.open(first, maxSize: 100), path: first, options: CopyOptions(entry))
        defer { copy.close() }
        let fd = try Linux.open(second, O_RDONLY)
        defer { close(fd) }
        #expect(!ContentComparison.fileMatches(fd, memfd: copy))
    }

    @Test func rejectsNonExecutableAndOversizedFiles() throws {
        let path = try makeExecutable([1, 2, 3])
        defer { unlink(path) }
        #expect(throws: ProtectError.self) { try SourceFile.open(path, maxSize: 2) }
        chmod(path, 0o644)
        #expect(throws: ProtectError.self) { try SourceFile.open(path, maxSize: 100) }
        #expect(throws: ProtectError.self) { try SourceFile.open("/tmp", maxSize: 100) }
    }

    @Test func copyCannotBeClosedWhileBound() throws {
        let path = try makeExecutable([1])
        defer { unlink(path) }
        var factory = MemfdFactory()
        let entry = ownEntry(path)
        let copy = try factory.makeCopy(of: try SourceFile.open(path, maxSize: 100), path: path, options: CopyOptions(entry))
        copy.bindCount = 1
        #expect(copy.close() == false)
        #expect(copy.descriptor >= 0)
        copy.bindCount = 0
        #expect(copy.close())
    }
}
