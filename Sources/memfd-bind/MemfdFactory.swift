import CLinuxShim
import Config
import Glibc

/// Makes sealed memfd copies of binaries.
struct MemfdFactory {
    /// Hands out descriptor numbers for memfds, see `DescriptorSlots`.
    var slots = DescriptorSlots()

    /// Copies the file behind `source` into a new sealed memfd named for `path`.
    ///
    /// Order matters. The content is copied and checked first. Then owner and mode are set, chown
    /// before chmod because chown clears set-user-ID bits. The seals come last, with `F_SEAL_SEAL`
    /// in a call of its own after the others, because no seal can be added after it.
    mutating func makeCopy(
        of source: SourceFile, path: String, options: CopyOptions
    ) throws(ProtectError) -> MemfdCopy {
        let name = memfdName(for: path)
        let fd = try createMemfd(name: name, path: path)
        var keep = false
        var descriptor = fd
        defer {
            if !keep {
                Linux.close(descriptor)
            }
        }
        do {
            descriptor = try slots.place(fd)
        } catch {
            throw ProtectError(path, "cannot place the memfd descriptor", cause: error)
        }

        let copied = try copyContent(of: source, into: descriptor, path: path)
        try applyOwnership(descriptor, options: options, path: path)
        let actualSeals = try applySeals(descriptor, options.seals, path: path)

        let status: FileStatus
        do {
            status = try Linux.fstat(descriptor)
        } catch {
            throw ProtectError(path, "cannot read the memfd status", cause: error)
        }
        guard status.st_mode & 0o111 != 0 else {
            throw ProtectError(
                path, "the memfd is not executable (mode \(octalMode(UInt32(status.st_mode))))",
                hint: "check the vm.memfd_noexec sysctl; it must be 0 or 1")
        }
        keep = true
        return MemfdCopy(
            descriptor: descriptor, name: name, size: copied, options: options, actualSeals: actualSeals,
            status: status)
    }

    /// Creates the memfd with `MFD_EXEC`, retrying without it on kernels older than 6.3, which
    /// reject the flag with EINVAL. Without `MFD_EXEC`, `vm.memfd_noexec=1` would create the memfd
    /// non-executable.
    private func createMemfd(name: String, path: String) throws(ProtectError) -> Int32 {
        let baseFlags = CLinuxShim_MFD_CLOEXEC | CLinuxShim_MFD_ALLOW_SEALING
        do {
            let fd = try Linux.memfdCreate(name, flags: baseFlags | CLinuxShim_MFD_EXEC)
            Log.debug("memfd_create", ("path", path), ("name", name), ("fd", "\(fd)"))
            return fd
        } catch let error where error.errno == EINVAL {
            Log.debug("memfd_create without MFD_EXEC", ("path", path), ("reason", "kernel older than 6.3"))
            do {
                return try Linux.memfdCreate(name, flags: baseFlags)
            } catch {
                throw ProtectError(path, "cannot create a memfd", cause: error)
            }
        } catch let error where error.errno == EACCES {
            throw ProtectError(
                path, "cannot create an executable memfd", cause: error,
                hint: "the vm.memfd_noexec sysctl is 2, which forbids executable memfds; set it to 0 or 1")
        } catch {
            let hint = error.errno == EMFILE ? "raise LimitNOFILE= (ulimit -n); the daemon needs two descriptors per binary" : nil
            throw ProtectError(path, "cannot create a memfd", cause: error, hint: hint)
        }
    }

    /// Copies the whole original file into `memfd` with sendfile(2) and checks the copied size
    /// against the file's size before and after. Returns the size.
    private func copyContent(of source: SourceFile, into memfd: Int32, path: String) throws(ProtectError) -> Int64 {
        let input: Int32
        do {
            input = try source.openForReading()
        } catch {
            throw ProtectError(path, "cannot open the file for reading", cause: error)
        }
        defer { Linux.close(input) }

        let before: FileIdentity
        do {
            before = FileIdentity(try Linux.fstat(input))
        } catch {
            throw ProtectError(path, "cannot read the file status", cause: error)
        }
        guard before.isSameInode(as: source.identity) else {
            throw ProtectError(path, "the file was replaced while it was opened", hint: "try again")
        }

        // No fallocate(2) first: on a memfd it allocates and zeroes every page before sendfile
        // writes it again, and BENCHMARKS.md (table 3) measured it no faster.
        let size = before.size
        var copied: Int64 = 0
        while copied < size {
            let chunk = Int(min(size - copied, 1 << 30))
            let count: Int
            do {
                count = try Linux.sendfile(to: memfd, from: input, count: chunk)
            } catch {
                throw ProtectError(path, "cannot copy the file into memory", cause: error)
            }
            if count == 0 {
                break
            }
            copied += Int64(count)
        }

        let after: FileIdentity
        let memfdStatus: FileStatus
        do {
            after = FileIdentity(try Linux.fstat(input))
            memfdStatus = try Linux.fstat(memfd)
        } catch {
            throw ProtectError(path, "cannot read the file status", cause: error)
        }
        guard after == before, copied == size, Int64(memfdStatus.st_size) == size else {
            throw ProtectError(
                path, "the file changed while it was copied (\(copied) of \(size) bytes)",
                hint: "it is copied again on the next reload")
        }
        source.identity = after
        Log.debug("copied", ("path", path), ("bytes", "\(copied)"))
        return copied
    }

    private func applyOwnership(_ memfd: Int32, options: CopyOptions, path: String) throws(ProtectError) {
        do {
            try Linux.fchown(memfd, owner: options.owner, group: options.group)
            try Linux.fchmod(memfd, mode: options.mode)
        } catch {
            let hint = error.errno == EPERM ? "changing the owner and mode requires root with CAP_CHOWN and CAP_FOWNER" : nil
            throw ProtectError(path, "cannot set the owner and mode of the memfd", cause: error, hint: hint)
        }
    }

    /// Adds `seals` with `F_SEAL_SEAL` last and returns the mask the kernel reports, which may hold
    /// more than was asked: `F_SEAL_EXEC` on an executable memfd implies shrink, grow, write and
    /// future-write.
    private func applySeals(_ memfd: Int32, _ seals: SealSet, path: String) throws(ProtectError) -> UInt32 {
        var first = seals
        first.remove(.seal)
        let actual: UInt32
        do {
            if !first.isEmpty {
                try Linux.addSeals(memfd, first.rawValue)
            }
            if seals.contains(.seal) {
                try Linux.addSeals(memfd, SealSet.seal.rawValue)
            }
            actual = try Linux.getSeals(memfd)
        } catch {
            throw ProtectError(path, "cannot seal the memfd", cause: error)
        }
        guard actual & seals.rawValue == seals.rawValue else {
            throw ProtectError(
                path, "the memfd seals read back as \(SealSet(rawValue: actual).description), "
                    + "missing some of \(seals.description)")
        }
        Log.debug("sealed", ("path", path), ("seals", SealSet(rawValue: actual).description))
        return actual
    }
}

/// Descriptor numbers for memfds, handed out in a high range that moves forward.
///
/// Ordinary opens take the lowest free number, so they never land in this range while it sits
/// well above the daemon's other descriptors. Moving forward keeps a number freed by one memfd
/// from going to the next one at once. That matters for copies of a bind in mount namespaces
/// made while it existed, which the daemon cannot remove and which follow the number.
struct DescriptorSlots {
    private(set) var base: Int32 = 3
    private(set) var limit: Int32 = 1024
    private var next: Int32 = 3

    /// Raises the soft descriptor limit to the hard limit and sets the range above the first 256 numbers.
    mutating func configure() {
        var limits = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 {
            if limits.rlim_cur < limits.rlim_max {
                limits.rlim_cur = limits.rlim_max
                _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
                _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
            }
            limit = Int32(clamping: limits.rlim_cur)
        }
        base = limit >= 1024 ? 256 : 3
        next = base
    }

    /// Moves `fd` to the next number of the range and returns the new number.
    mutating func place(_ fd: Int32) throws(SyscallError) -> Int32 {
        if next >= limit - 1 {
            next = base
        }
        let placed = try Linux.moveDescriptor(fd, atOrAbove: next)
        next = placed + 1
        return placed
    }
}
