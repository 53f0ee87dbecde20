#ifndef _GNU_SOURCE
#error "CLinuxShim needs _GNU_SOURCE for memfd_create, accept4 and struct ucred"
#endif

#include "CLinuxShim.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

// Values from the Linux UAPI headers (linux/memfd.h, linux/fcntl.h,
// linux/mount.h, linux/stat.h) for names that glibc 2.36 does not define.
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 0x00000008
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

const int CLinuxShim_O_PATH = O_PATH;
const int CLinuxShim_AT_EMPTY_PATH = AT_EMPTY_PATH;

const unsigned long CLinuxShim_ST_NOEXEC = ST_NOEXEC;

const unsigned int CLinuxShim_MFD_CLOEXEC = MFD_CLOEXEC;
const unsigned int CLinuxShim_MFD_ALLOW_SEALING = MFD_ALLOW_SEALING;
const unsigned int CLinuxShim_MFD_EXEC = MFD_EXEC;

const int CLinuxShim_F_SEAL_SEAL = F_SEAL_SEAL;
const int CLinuxShim_F_SEAL_SHRINK = F_SEAL_SHRINK;
const int CLinuxShim_F_SEAL_GROW = F_SEAL_GROW;
const int CLinuxShim_F_SEAL_WRITE = F_SEAL_WRITE;
const int CLinuxShim_F_SEAL_FUTURE_WRITE = F_SEAL_FUTURE_WRITE;
const int CLinuxShim_F_SEAL_EXEC = F_SEAL_EXEC;

const int CLinuxShim_MNT_DETACH = MNT_DETACH;
const int CLinuxShim_UMOUNT_NOFOLLOW = UMOUNT_NOFOLLOW;

const unsigned int CLinuxShim_OPEN_TREE_CLONE = OPEN_TREE_CLONE;
const unsigned int CLinuxShim_OPEN_TREE_CLOEXEC = O_CLOEXEC;
const unsigned int CLinuxShim_MOVE_MOUNT_F_EMPTY_PATH = MOVE_MOUNT_F_EMPTY_PATH;
const unsigned int CLinuxShim_MOVE_MOUNT_T_EMPTY_PATH = MOVE_MOUNT_T_EMPTY_PATH;
const unsigned int CLinuxShim_MOVE_MOUNT_BENEATH = MOVE_MOUNT_BENEATH;

int CLinuxShim_memfd_create(const char *name, unsigned int flags) {
    return memfd_create(name, flags);
}

int CLinuxShim_add_seals(int fd, int seals) {
    return fcntl(fd, F_ADD_SEALS, seals);
}

int CLinuxShim_get_seals(int fd) {
    return fcntl(fd, F_GET_SEALS);
}

int CLinuxShim_open_tree(int dirfd, const char *path, unsigned int flags) {
    return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int CLinuxShim_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                          unsigned int flags) {
    return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

int CLinuxShim_mount_id(int dirfd, const char *path, int flags, uint64_t *id, int *unique) {
    struct statx buffer;
    if (statx(dirfd, path, flags, STATX_MNT_ID_UNIQUE | STATX_MNT_ID, &buffer) != 0) {
        return -1;
    }
    *id = buffer.stx_mnt_id;
    *unique = (buffer.stx_mask & STATX_MNT_ID_UNIQUE) != 0;
    if ((buffer.stx_mask & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID)) == 0) {
        errno = ENOSYS;
        return -1;
    }
    return 0;
}

int CLinuxShim_is_mount_root(const char *path) {
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
    struct statx buffer;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &buffer) != 0) {
        return -1;
    }
    if ((buffer.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0) {
        return -1;
    }
    return (buffer.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

int CLinuxShim_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int CLinuxShim_signalfd_read(int fd, uint32_t *signo, int32_t *pid, uint32_t *uid) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) {
        return (errno == EAGAIN) ? 0 : -1;
    }
    if (n != (ssize_t)sizeof info) {
        errno = EIO;
        return -1;
    }
    *signo = info.ssi_signo;
    *pid = (int32_t)info.ssi_pid;
    *uid = info.ssi_uid;
    return 1;
}

int CLinuxShim_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int CLinuxShim_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        return -1;
    }
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}
