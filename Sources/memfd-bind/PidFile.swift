import Glibc

/// The daemon's pid file: written atomically (a temporary file renamed into place) and held with
/// an exclusive `flock` for the daemon's life, so that a second daemon with the same pid file
/// refuses to start.
final class PidFile {
    let path: String
    private var descriptor: Int32

    enum Outcome {
        case acquired(PidFile)
        /// Another live process holds the lock.
        case heldByOther(pid: Int32?)
        /// The file could not be written (a full or read-only /run); the daemon runs on without it.
        case unwritable(String)
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock of an existing pid file, or writes a new one.
    static func acquire(_ path: String) -> Outcome {
        if let existing = try? Linux.open(path, O_RDWR | O_NOFOLLOW | O_NOCTTY) {
            if flock(existing, LOCK_EX | LOCK_NB) != 0 {
                let pid = readPid(existing)
                Linux.close(existing)
                return .heldByOther(pid: pid)
            }
            Linux.close(existing)
        }

        let temporary = path + ".\(getpid()).tmp"
        let fd: Int32
        do {
            fd = try Linux.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644)
        } catch {
            return .unwritable(error.description)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Linux.close(fd)
            unlink(temporary)
            return .unwritable(SyscallError(call: "flock", errno: errno).description)
        }
        var text = "\(getpid())\n"
        let written = text.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == text.utf8.count, fsync(fd) == 0 || errno == EINVAL else {
            let error = SyscallError(call: "write", errno: written < 0 ? errno : ENOSPC)
            Linux.close(fd)
            unlink(temporary)
            return .unwritable(error.description)
        }
        guard rename(temporary, path) == 0 else {
            let error = SyscallError(call: "rename", errno: errno)
            Linux.close(fd)
            unlink(temporary)
            return .unwritable(error.description)
        }
        return .acquired(PidFile(path: path, descriptor: fd))
    }

    /// Removes the file if it still names this process, then drops the lock.
    func remove() {
        if let fd = try? Linux.open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY) {
            if PidFile.readPid(fd) == getpid() {
                unlink(path)
            }
            Linux.close(fd)
        }
        Linux.close(descriptor)
        descriptor = -1
    }

    /// Reads the pid in a pid file, or nil when it is not a number.
    static func readPid(_ fd: Int32) -> Int32? {
        guard let bytes = try? Linux.readAll(fd, limit: 64) else {
            return nil
        }
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return Int32(text.trimmingSpaces)
    }

    /// Reads the pid in the file at `path`, when the file exists and its lock is held (a live daemon).
    static func lockedPid(at path: String) -> Int32? {
        guard let fd = try? Linux.open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY) else {
            return nil
        }
        defer { Linux.close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else {
            return nil
        }
        return readPid(fd)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

