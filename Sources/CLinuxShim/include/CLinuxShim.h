// Linux calls and constants that Swift's Glibc module does not import.
//
// Glibc's module map hides memfd_create, the sealing fcntl commands, signalfd,
// SO_PEERCRED's struct ucred and the new mount API (open_tree, move_mount),
// and Debian 12's glibc 2.36 headers predate MFD_EXEC, F_SEAL_EXEC,
// MOVE_MOUNT_BENEATH and STATX_MNT_ID_UNIQUE. Everything here is a thin
// wrapper or a constant; all logic stays in Swift.
#ifndef CLINUXSHIM_H
#define CLINUXSHIM_H

#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

// open(2) and *at(2) flags that need _GNU_SOURCE.
extern const int CLinuxShim_O_PATH;
extern const int CLinuxShim_AT_EMPTY_PATH;

// statvfs(3) flag of a filesystem mounted noexec (an enum in glibc's headers).
extern const unsigned long CLinuxShim_ST_NOEXEC;

// memfd_create(2) flags.
extern const unsigned int CLinuxShim_MFD_CLOEXEC;
extern const unsigned int CLinuxShim_MFD_ALLOW_SEALING;
extern const unsigned int CLinuxShim_MFD_EXEC;

// fcntl(2) file sealing.
extern const int CLinuxShim_F_SEAL_SEAL;
extern const int CLinuxShim_F_SEAL_SHRINK;
extern const int CLinuxShim_F_SEAL_GROW;
extern const int CLinuxShim_F_SEAL_WRITE;
extern const int CLinuxShim_F_SEAL_FUTURE_WRITE;
extern const int CLinuxShim_F_SEAL_EXEC;

// umount2(2) flags. MNT_DETACH imports as Int from Glibc; these keep one type.
extern const int CLinuxShim_MNT_DETACH;
extern const int CLinuxShim_UMOUNT_NOFOLLOW;

// open_tree(2) and move_mount(2) flags.
extern const unsigned int CLinuxShim_OPEN_TREE_CLONE;
extern const unsigned int CLinuxShim_OPEN_TREE_CLOEXEC;
extern const unsigned int CLinuxShim_MOVE_MOUNT_F_EMPTY_PATH;
extern const unsigned int CLinuxShim_MOVE_MOUNT_T_EMPTY_PATH;
extern const unsigned int CLinuxShim_MOVE_MOUNT_BENEATH;

// Wraps memfd_create(2). Returns a descriptor or -1 with errno set.
int CLinuxShim_memfd_create(const char *name, unsigned int flags);

// Wraps fcntl(fd, F_ADD_SEALS, seals). Returns 0 or -1 with errno set.
int CLinuxShim_add_seals(int fd, int seals);

// Wraps fcntl(fd, F_GET_SEALS). Returns the seal mask or -1 with errno set.
int CLinuxShim_get_seals(int fd);

// Wraps the open_tree(2) system call, which glibc 2.36 has no wrapper for.
int CLinuxShim_open_tree(int dirfd, const char *path, unsigned int flags);

// Wraps the move_mount(2) system call, which glibc 2.36 has no wrapper for.
int CLinuxShim_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                          unsigned int flags);

// Reads the mount id of `path` with statx(2). Stores the 64-bit id that is never
// reused (STATX_MNT_ID_UNIQUE, Linux 6.8+) when the kernel reports it and sets
// *unique to 1; otherwise stores the reusable id of /proc/self/mountinfo and
// sets *unique to 0. Returns 0 or -1 with errno set.
int CLinuxShim_mount_id(int dirfd, const char *path, int flags, uint64_t *id, int *unique);

// Reports whether `path` (not following a final symlink) is the root of a mount, from statx(2)
// STATX_ATTR_MOUNT_ROOT (Linux 5.8+). Returns 1 or 0, or -1 when the kernel does not say or
// the call fails.
int CLinuxShim_is_mount_root(const char *path);

// Creates a signalfd(2) for the given signals with SFD_CLOEXEC|SFD_NONBLOCK.
int CLinuxShim_signalfd(const sigset_t *mask);

// Reads one struct signalfd_siginfo. Returns 1 with the fields stored, 0 when
// nothing is pending, or -1 with errno set.
int CLinuxShim_signalfd_read(int fd, uint32_t *signo, int32_t *pid, uint32_t *uid);

// Wraps accept4(2) with SOCK_CLOEXEC|SOCK_NONBLOCK, discarding the peer address.
int CLinuxShim_accept(int fd);

// Reads SO_PEERCRED of a connected Unix socket. Returns 0 or -1 with errno set.
int CLinuxShim_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);

#endif
