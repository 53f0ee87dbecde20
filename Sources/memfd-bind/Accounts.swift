import Config
import Glibc

/// User and group lookups through the C library (getpwnam_r(3), getgrnam_r(3)), so that names
/// come from /etc/passwd, /etc/group or whatever NSS source the host uses.
struct SystemAccounts: AccountDatabase {
    func userID(named name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            return nil
        }
        return entry.pw_uid
    }

    func groupID(named name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            return nil
        }
        return entry.gr_gid
    }
}
