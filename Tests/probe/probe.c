/*
 * probe: applies runc's two rules for reusing /proc/self/exe to itself.
 *
 *   probe                    prints exe=, seals= and whether runc 1.1 and runc 1.2 would reuse
 *                            the binary it runs from, then exits 0.
 *   probe --clone-and-wait   behaves like runc 1.1.15 (libcontainer/nsenter/cloned_binary.c):
 *                            unless /proc/self/exe is sealed exactly 0xF, it copies itself into a
 *                            new sealed memfd and re-executes from it; then it waits until killed.
 *
 * Rules, from runc's cloned_binary.c:
 *   runc 1.0-1.1.x reuses the binary when F_GET_SEALS returns exactly
 *   F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE (0xF);
 *   runc 1.2 and later reuse it when those four bits are set, whatever else is set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define RUNC_SEALS 0xF /* F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE */
#define STAGE_VARIABLE "PROBE_CLONED_STAGE"

struct exe_state {
    char link[PATH_MAX];
    int seals; /* -1 when F_GET_SEALS failed */
    int seals_errno;
};

/* Reads the /proc/self/exe link and the seals of the file it opens, as runc does. */
static int read_exe_state(struct exe_state *state)
{
    ssize_t length = readlink("/proc/self/exe", state->link, sizeof(state->link) - 1);
    if (length < 0) {
        fprintf(stderr, "probe: readlink /proc/self/exe: %s\n", strerror(errno));
        return -1;
    }
    state->link[length] = '\0';

    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "probe: open /proc/self/exe: %s\n", strerror(errno));
        return -1;
    }
    state->seals = fcntl(fd, F_GET_SEALS);
    state->seals_errno = state->seals < 0 ? errno : 0;
    close(fd);
    return 0;
}

static int runc_1_1_reuses(const struct exe_state *state)
{
    return state->seals == RUNC_SEALS;
}

static int runc_1_2_reuses(const struct exe_state *state)
{
    return state->seals >= 0 && (state->seals & RUNC_SEALS) == RUNC_SEALS;
}

static void print_exe_state(const struct exe_state *state)
{
    printf("exe=%s\n", state->link);
    if (state->seals < 0) {
        printf("seals=none (%s)\n", strerror(state->seals_errno));
    } else {
        printf("seals=0x%x\n", state->seals);
    }
    printf("runc-1.1-reuse=%s\n", runc_1_1_reuses(state) ? "yes" : "no");
    printf("runc-1.2-reuse=%s\n", runc_1_2_reuses(state) ? "yes" : "no");
    fflush(stdout);
}

/* Copies /proc/self/exe into a new memfd sealed 0xF, as runc 1.1.15 does. Returns the memfd. */
static int clone_self(void)
{
    unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    int memfd = memfd_create("runc_cloned:/proc/self/exe", flags | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL) {
        /* Kernels before 6.3 reject MFD_EXEC. */
        memfd = memfd_create("runc_cloned:/proc/self/exe", flags);
    }
    if (memfd < 0) {
        fprintf(stderr, "probe: memfd_create: %s\n", strerror(errno));
        return -1;
    }

    int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0) {
        fprintf(stderr, "probe: open /proc/self/exe: %s\n", strerror(errno));
        close(memfd);
        return -1;
    }
    struct stat status;
    if (fstat(exe, &status) < 0) {
        fprintf(stderr, "probe: fstat /proc/self/exe: %s\n", strerror(errno));
        close(exe);
        close(memfd);
        return -1;
    }
    off_t copied = 0;
    while (copied < status.st_size) {
        ssize_t count = sendfile(memfd, exe, NULL, (size_t)(status.st_size - copied));
        if (count < 0) {
            fprintf(stderr, "probe: sendfile: %s\n", strerror(errno));
            close(exe);
            close(memfd);
            return -1;
        }
        if (count == 0) {
            break;
        }
        copied += count;
    }
    close(exe);
    if (copied != status.st_size) {
        fprintf(stderr, "probe: copied %lld of %lld bytes\n", (long long)copied, (long long)status.st_size);
        close(memfd);
        return -1;
    }
    if (fcntl(memfd, F_ADD_SEALS, RUNC_SEALS) < 0) {
        fprintf(stderr, "probe: F_ADD_SEALS: %s\n", strerror(errno));
        close(memfd);
        return -1;
    }
    return memfd;
}

static int clone_and_wait(char **argv)
{
    struct exe_state state;
    if (read_exe_state(&state) < 0) {
        return 1;
    }
    if (getenv(STAGE_VARIABLE) != NULL || runc_1_1_reuses(&state)) {
        printf("cloned=%s\n", getenv(STAGE_VARIABLE) != NULL ? "yes" : "no");
        print_exe_state(&state);
        for (;;) {
            pause();
        }
    }

    int memfd = clone_self();
    if (memfd < 0) {
        return 1;
    }
    if (setenv(STAGE_VARIABLE, "1", 1) < 0) {
        fprintf(stderr, "probe: setenv: %s\n", strerror(errno));
        return 1;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
    execv(path, argv);
    fprintf(stderr, "probe: execv %s: %s\n", path, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--clone-and-wait") == 0) {
        return clone_and_wait(argv);
    }
    if (argc != 1) {
        fprintf(stderr, "usage: probe [--clone-and-wait]\n");
        return 2;
    }
    struct exe_state state;
    if (read_exe_state(&state) < 0) {
        return 1;
    }
    print_exe_state(&state);
    return 0;
}
