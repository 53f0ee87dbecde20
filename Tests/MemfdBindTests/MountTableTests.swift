import Testing

@testable import memfd_bind

@Suite struct MountTableTests {
    let sample = """
        22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        66 22 0:21 /2011/fd/3 /usr/sbin/runc rw,relatime - proc proc rw
        67 66 0:21 /2012/fd/256 /usr/sbin/runc rw,relatime - proc proc rw
        68 22 0:21 /sys/fs /with\\040space rw - proc proc rw
        69 22 0:21 /2013/fd/4 /opt/my\\040bin/tool rw - proc proc rw
        70 22 0:30 /1/fd/2 /not-proc rw - tmpfs tmpfs rw
        malformed line
        """

    @Test func parsesFieldsAndEscapes() {
        let entries = MountTable.parse(Array(sample.utf8))
        #expect(entries.count == 6)
        #expect(entries[1] == MountEntry(id: 66, parentID: 22, root: "/2011/fd/3", mountPoint: "/usr/sbin/runc", filesystemType: "proc"))
        #expect(entries[3].mountPoint == "/with space")
        #expect(entries[4].mountPoint == "/opt/my bin/tool")
    }

    @Test func recognisesMemfdBindOwners() {
        let entries = MountTable.parse(Array(sample.utf8))
        #expect(entries[1].memfdBindOwner?.pid == 2011)
        #expect(entries[1].memfdBindOwner?.fd == 3)
        #expect(entries[0].memfdBindOwner == nil)
        #expect(entries[3].memfdBindOwner == nil)
        #expect(entries[5].memfdBindOwner == nil)
    }

    @Test func topMountOfAStack() {
        let entries = MountTable.parse(Array(sample.utf8))
        #expect(MountTable.topMount(at: "/usr/sbin/runc", in: entries)?.id == 67)
        #expect(MountTable.topMount(at: "/usr/bin/crun", in: entries) == nil)
    }

    @Test func deadOwnerIsStale() {
        // Pid numbers stop below 2^22 on Linux, so this owner cannot exist.
        #expect(MountTable.state(pid: 2_000_000_000, fd: 3) == .stale)
    }
}
