import Glibc

/// The package root, found from this file's path (Tests/ConfigTests/TestFiles.swift).
let packageRoot: String = {
    var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/")
}()

/// The yaml-test-suite cases kept in the repository (data release data-2022-01-17, MIT licence).
let yamlTestSuiteRoot = packageRoot + "/Tests/data/yaml-test-suite"

/// Reads a whole file with Glibc, or returns nil when it cannot be opened.
func readTestFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        return nil
    }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR {
            continue
        }
        guard count > 0 else {
            return count == 0 ? result : nil
        }
        result.append(contentsOf: buffer[0..<count])
    }
}
