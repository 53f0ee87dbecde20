internal import Glibc

/// The bytes of a configuration file with the owner and mode it had when it was read.
struct ConfigFileContents {
    /// The first `limit + 1` bytes at most, so that a larger file can be detected.
    var bytes: [UInt8]
    var ownerID: UInt32
    /// The permission bits, at most 0o7777.
    var mode: UInt32
}

/// Returns the text of `strerror` for an errno value.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Reads at most `limit + 1` bytes of a regular file with open, fstat and read.
///
/// - Returns: the contents, or an English message for a diagnostic without location.
///   `O_NONBLOCK` keeps the open of a FIFO from blocking; the file is then rejected as not regular.
///   Reads are retried on EINTR.
func readConfigFile(_ path: String, limit: Int) -> Result<ConfigFileContents, ConfigFileFailure> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
    guard descriptor >= 0 else {
        let code = errno
        var message = "cannot open: \(errnoDescription(code))"
        if code == ENOENT {
            message += "; create the file or pass --config with the path of an existing file"
        } else if code == EACCES {
            message += "; run as root or make the file readable"
        }
        return .failure(ConfigFileFailure(message: message))
    }
    defer { close(descriptor) }

    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
        return .failure(ConfigFileFailure(message: "cannot read file status: \(errnoDescription(errno))"))
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
        return .failure(
            ConfigFileFailure(
                message: "not a regular file (it is \(fileTypeDescription(status.st_mode))); "
                    + "pass --config with the path of a YAML file"))
    }

    var bytes = [UInt8](repeating: 0, count: limit + 1)
    var total = 0
    while total < bytes.count {
        let count = bytes.withUnsafeMutableBytes { buffer in
            read(descriptor, buffer.baseAddress! + total, buffer.count - total)
        }
        if count < 0 {
            if errno == EINTR {
                continue
            }
            return .failure(ConfigFileFailure(message: "cannot read: \(errnoDescription(errno))"))
        }
        if count == 0 {
            break
        }
        total += count
    }
    bytes.removeSubrange(total...)
    return .success(ConfigFileContents(bytes: bytes, ownerID: status.st_uid, mode: status.st_mode & 0o7777))
}

/// A configuration file that could not be read, with the reason in English.
struct ConfigFileFailure: Error {
    var message: String
}

private func fileTypeDescription(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFLNK: return "a symbolic link"
    default: return "of an unknown type"
    }
}

/// Returns the problems with who may change a configuration file: its owner and mode, and those
/// of each directory above it up to `/`.
///
/// A file must be owned by root and not writable by group or others. Each directory above it
/// must be owned by root and, unless it has the sticky bit (as `/tmp` does), not be writable by
/// group or others. Each message ends with the command that fixes the problem.
/// When `path` goes through symbolic links, each link must be owned by root too, because a
/// link's owner could replace it with one that points elsewhere, and the directories above the
/// resolved file are checked as well.
func ownershipProblems(path: String, ownerID: UInt32, mode: UInt32) -> [String] {
    var problems: [String] = []
    let modeText = octalMode(mode)
    if ownerID != 0 {
        problems.append(
            "configuration file is owned by uid \(ownerID) (mode \(modeText)), but it must be owned by root; "
                + "run \"chown root:root \(path)\"")
    }
    if mode & 0o022 != 0 {
        problems.append(
            "configuration file is writable by group or others (owner uid \(ownerID), mode \(modeText)); "
                + "run \"chmod go-w \(path)\"")
    }

    let walk = resolvePath(absolutePath(path))
    for (link, owner) in walk.links where owner != 0 {
        problems.append(
            "\(link) is a symbolic link owned by uid \(owner), so its owner could point it "
                + "elsewhere; replace it with a link owned by root, or name the file itself")
    }
    for directory in walk.directories {
        var status = stat()
        guard stat(directory, &status) == 0 else {
            problems.append("cannot check directory \(directory): \(errnoDescription(errno))")
            continue
        }
        let directoryMode = status.st_mode & 0o7777
        let description = "directory \(directory) (owner uid \(status.st_uid), mode \(octalMode(directoryMode)))"
        if status.st_uid != 0 {
            problems.append(
                "\(description) is not owned by root, so its owner could replace the configuration file; "
                    + "run \"chown root:root \(directory)\"")
        }
        if directoryMode & 0o022 != 0 && directoryMode & UInt32(S_ISVTX) == 0 {
            problems.append(
                "\(description) is writable by group or others without the sticky bit, so they could replace "
                    + "the configuration file; run \"chmod go-w \(directory)\"")
        }
    }
    return problems
}

/// Returns `path` prefixed with the working directory when it is relative.
private func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") {
        return path
    }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else {
        return "/" + path
    }
    let directory = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return directory + "/" + path
}


/// Resolves `path` one component at a time, as the kernel does, and returns every symbolic link
/// met on the way with its owner, and every directory passed through (`/` included).
///
/// Each link restarts the walk on its target, so links inside links and `..` after a link are
/// followed physically, not by text. The walk stops after 40 links, the kernel's own limit.
func resolvePath(_ path: String) -> (links: [(path: String, owner: UInt32)], directories: [String]) {
    var links: [(path: String, owner: UInt32)] = []
    var directories = ["/"]
    var pending = path.split(separator: "/").map(String.init)
    var resolved = ""
    var linkCount = 0
    while !pending.isEmpty {
        let component = pending.removeFirst()
        if component == "." {
            continue
        }
        if component == ".." {
            resolved = parentDirectory(of: resolved)
            continue
        }
        let candidate = resolved + "/" + component
        var status = stat()
        guard lstat(candidate, &status) == 0 else {
            break
        }
        if status.st_mode & S_IFMT == S_IFLNK {
            links.append((candidate, status.st_uid))
            linkCount += 1
            guard linkCount <= 40, let target = readLink(candidate) else {
                break
            }
            if target.hasPrefix("/") {
                resolved = ""
            }
            pending = target.split(separator: "/").map(String.init) + pending
            continue
        }
        if status.st_mode & S_IFMT == S_IFDIR && !pending.isEmpty && !directories.contains(candidate) {
            directories.append(candidate)
        }
        resolved = candidate
    }
    return (links, directories)
}

/// Returns the directory above an absolute path without a trailing `/`, with "" standing for `/`.
private func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else {
        return ""
    }
    return String(path[..<slash])
}

/// Returns the target of the symbolic link at `path`, or nil when it cannot be read.
private func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else {
        return nil
    }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
