// Measurement helper for Tests/bench/run.sh. Each subcommand prints `key=value` fields on one
// line (copy prints one line per way), so that the shell script can read them without a parser.
//
//   benchtool copy FILE REPEATS
//       Times an in-process memcpy of FILE's size and each way of filling a new memfd with FILE's
//       content, REPEATS times each, interleaved. The page cache of FILE is warmed first.
//   benchtool start SOCKET LOG TIMEOUT_MS -- COMMAND [ARG...]
//       Binds a Unix datagram socket at SOCKET, starts COMMAND with NOTIFY_SOCKET=SOCKET and its
//       output appended to LOG, and waits for READY=1. Prints the pid and the time from fork to
//       READY=1. COMMAND keeps running after benchtool exits.
//   benchtool reload SOCKET PID TIMEOUT_MS GRACE_MS
//       Binds SOCKET, sends SIGHUP to PID and waits for READY=1. Prints the time from kill(2) to
//       READY=1 and the number of POLLPRI wake-ups of /proc/self/mountinfo (mount table changes
//       in this mount namespace) from just before the signal until GRACE_MS after READY=1.
//   benchtool mntids PATH...
//       Prints the unique mount id (statx STATX_MNT_ID_UNIQUE, Linux 6.8+, never reused) of the
//       mount that PATH is on, without following a final symlink or procfs link.
//   benchtool rusage -- COMMAND [ARG...]
//       Runs COMMAND as a child subreaper, so that orphaned descendants (runc init) are reaped
//       here and their CPU time is counted. Prints wall time and user and system CPU seconds of
//       all descendants.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *context) {
    fprintf(stderr, "benchtool: %s: %s\n", context, strerror(errno));
    exit(1);
}

// MARK: copy

enum way_kind { WAY_SENDFILE, WAY_WRITE_FROM_MAP, WAY_MMAP_BOTH, WAY_READ_WRITE };

struct way {
    const char *name;
    enum way_kind kind;
    int preallocate;
    double *seconds;
};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof *values, cmp_double);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static void write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write into memfd");
        }
        data += n;
        size -= (size_t)n;
    }
}

// Fills a new memfd with the file's content one way and returns the seconds it took, from
// memfd_create to the last byte. Closing the memfd (freeing its pages) is not timed.
static double fill_memfd(const struct way *way, int source, size_t size, char *buffer, size_t buffer_size) {
    uint64_t start = now_ns();
    int memfd = memfd_create("benchtool", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL)
        memfd = memfd_create("benchtool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0)
        die("memfd_create");
    if (way->preallocate && fallocate(memfd, 0, 0, (off_t)size) != 0)
        die("fallocate");

    switch (way->kind) {
    case WAY_SENDFILE: {
        off_t offset = 0;
        while ((size_t)offset < size) {
            ssize_t n = sendfile(memfd, source, &offset, size - (size_t)offset);
            if (n <= 0)
                die("sendfile");
        }
        break;
    }
    case WAY_WRITE_FROM_MAP: {
        void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, source, 0);
        if (map == MAP_FAILED)
            die("mmap source");
        write_all(memfd, map, size);
        munmap(map, size);
        break;
    }
    case WAY_MMAP_BOTH: {
        if (!way->preallocate && ftruncate(memfd, (off_t)size) != 0)
            die("ftruncate");
        void *from = mmap(NULL, size, PROT_READ, MAP_SHARED, source, 0);
        void *to = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (from == MAP_FAILED || to == MAP_FAILED)
            die("mmap");
        memcpy(to, from, size);
        munmap(from, size);
        munmap(to, size);
        break;
    }
    case WAY_READ_WRITE: {
        size_t done = 0;
        while (done < size) {
            ssize_t n = pread(source, buffer, buffer_size, (off_t)done);
            if (n <= 0)
                die("pread");
            write_all(memfd, buffer, (size_t)n);
            done += (size_t)n;
        }
        break;
    }
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    struct stat status;
    if (fstat(memfd, &status) != 0 || (size_t)status.st_size != size) {
        fprintf(stderr, "benchtool: %s copied a wrong size\n", way->name);
        exit(1);
    }
    close(memfd);
    return seconds;
}

static int run_copy(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: benchtool copy FILE REPEATS\n");
        return 2;
    }
    int repeats = atoi(argv[1]);
    if (repeats < 1)
        repeats = 1;
    int source = open(argv[0], O_RDONLY | O_CLOEXEC);
    if (source < 0)
        die(argv[0]);
    struct stat status;
    if (fstat(source, &status) != 0)
        die("fstat");
    size_t size = (size_t)status.st_size;

    // The memcpy source gets the file's content, and reading it also warms the page cache.
    char *from = malloc(size), *to = malloc(size);
    size_t buffer_size = 1 << 20;
    char *buffer = malloc(buffer_size);
    if (!from || !to || !buffer)
        die("malloc");
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(source, from + done, size - done, (off_t)done);
        if (n <= 0)
            die("pread");
        done += (size_t)n;
    }
    memset(to, 1, size);

    struct way ways[] = {
        {"sendfile", WAY_SENDFILE, 0, NULL},
        {"sendfile", WAY_SENDFILE, 1, NULL},
        {"write_from_mapping", WAY_WRITE_FROM_MAP, 0, NULL},
        {"write_from_mapping", WAY_WRITE_FROM_MAP, 1, NULL},
        {"mmap_both_memcpy", WAY_MMAP_BOTH, 0, NULL},
        {"mmap_both_memcpy", WAY_MMAP_BOTH, 1, NULL},
        {"read_write_1MiB", WAY_READ_WRITE, 0, NULL},
        {"read_write_1MiB", WAY_READ_WRITE, 1, NULL},
    };
    int way_count = (int)(sizeof ways / sizeof ways[0]);
    double *memcpy_seconds = calloc((size_t)repeats, sizeof(double));
    for (int w = 0; w < way_count; w++)
        ways[w].seconds = calloc((size_t)repeats, sizeof(double));

    // Interleave the ways so that noise from other processes spreads over all of them.
    for (int r = 0; r < repeats; r++) {
        uint64_t start = now_ns();
        memcpy(to, from, size);
        memcpy_seconds[r] = (double)(now_ns() - start) / 1e9;
        if (to[size / 2] != from[size / 2])
            abort();
        for (int w = 0; w < way_count; w++)
            ways[w].seconds[r] = fill_memfd(&ways[w], source, size, buffer, buffer_size);
    }

    double memcpy_median = median(memcpy_seconds, repeats);
    printf("way=memcpy fallocate=- bytes=%zu seconds=%.6f gbps=%.3f\n", size, memcpy_median, (double)size / memcpy_median / 1e9);
    for (int w = 0; w < way_count; w++) {
        double m = median(ways[w].seconds, repeats);
        printf("way=%s fallocate=%s bytes=%zu seconds=%.6f gbps=%.3f\n", ways[w].name, ways[w].preallocate ? "yes" : "no",
               size, m, (double)size / m / 1e9);
    }
    return 0;
}

// MARK: notify socket

static int bind_notify_socket(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "benchtool: socket path too long: %s\n", path);
        exit(1);
    }
    strcpy(address.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0)
        die(path);
    return fd;
}

// Returns 1 when the datagram waiting on fd contains a READY=1 line.
static int read_ready(int fd) {
    char message[4096];
    ssize_t n = recv(fd, message, sizeof message - 1, 0);
    if (n < 0)
        return 0;
    message[n] = 0;
    for (char *line = strtok(message, "\n"); line; line = strtok(NULL, "\n"))
        if (strcmp(line, "READY=1") == 0)
            return 1;
    return 0;
}

static int run_start(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: benchtool start SOCKET LOG TIMEOUT_MS -- COMMAND [ARG...]\n");
        return 2;
    }
    const char *socket_path = argv[0], *log = argv[1];
    int timeout_ms = atoi(argv[2]);
    int fd = bind_notify_socket(socket_path);

    uint64_t start = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(127);
        setsid();
        setenv("NOTIFY_SOCKET", socket_path, 1);
        // memfd-bind with INVOCATION_ID set rejects running outside PID 1's mount namespace.
        unsetenv("INVOCATION_ID");
        execvp(argv[4], argv + 4);
        _exit(127);
    }

    uint64_t deadline = start + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline) {
            printf("pid=%d ready=timeout\n", pid);
            return 1;
        }
        struct pollfd item = {.fd = fd, .events = POLLIN};
        int left = (int)((deadline - now) / 1000000u) + 1;
        int ready = poll(&item, 1, left < 50 ? left : 50);
        if (ready > 0 && read_ready(fd)) {
            double ms = (double)(now_ns() - start) / 1e6;
            printf("pid=%d ready_ms=%.3f\n", pid, ms);
            close(fd);
            unlink(socket_path);
            return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            printf("pid=%d ready=exited status=%d\n", pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            return 1;
        }
    }
}

static int run_reload(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: benchtool reload SOCKET PID TIMEOUT_MS GRACE_MS\n");
        return 2;
    }
    const char *socket_path = argv[0];
    pid_t pid = (pid_t)atoi(argv[1]);
    int timeout_ms = atoi(argv[2]), grace_ms = atoi(argv[3]);
    int fd = bind_notify_socket(socket_path);
    int mounts = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (mounts < 0)
        die("/proc/self/mountinfo");

    int wakeups = 0;
    uint64_t start = now_ns();
    if (kill(pid, SIGHUP) != 0)
        die("kill");
    uint64_t deadline = start + (uint64_t)timeout_ms * 1000000u;
    uint64_t ready_at = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (ready_at && now >= ready_at + (uint64_t)grace_ms * 1000000u)
            break;
        if (!ready_at && now >= deadline) {
            printf("reload=timeout pollpri=%d\n", wakeups);
            return 1;
        }
        struct pollfd items[2] = {{.fd = mounts, .events = POLLPRI}, {.fd = fd, .events = POLLIN}};
        int count = poll(items, 2, 5);
        if (count <= 0)
            continue;
        if (items[0].revents & POLLPRI)
            wakeups++;
        if ((items[1].revents & POLLIN) && read_ready(fd) && !ready_at)
            ready_at = now_ns();
    }
    printf("reload_ms=%.3f pollpri=%d\n", (double)(ready_at - start) / 1e6, wakeups);
    close(fd);
    unlink(socket_path);
    return 0;
}

// MARK: mount ids

static int run_mntids(int argc, char **argv) {
    int failed = 0;
    for (int i = 0; i < argc; i++) {
        struct statx status;
        if (statx(AT_FDCWD, argv[i], AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &status) != 0) {
            fprintf(stderr, "benchtool: statx %s: %s\n", argv[i], strerror(errno));
            failed = 1;
            continue;
        }
        if (!(status.stx_mask & STATX_MNT_ID_UNIQUE)) {
            fprintf(stderr, "benchtool: the kernel has no unique mount ids (Linux 6.8+ needed)\n");
            return 1;
        }
        printf("%s %llu\n", argv[i], (unsigned long long)status.stx_mnt_id);
    }
    return failed;
}

// MARK: rusage

static int run_rusage(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[0], "--") != 0) {
        fprintf(stderr, "usage: benchtool rusage -- COMMAND [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        die("prctl PR_SET_CHILD_SUBREAPER");
    uint64_t start = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int command_status = 0, status;
    pid_t reaped;
    // Reap the command and every orphan reparented here until no descendant is left.
    while ((reaped = wait(&status)) > 0 || (reaped < 0 && errno == EINTR))
        if (reaped == pid)
            command_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double wall = (double)(now_ns() - start) / 1e9;
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    double user = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6;
    double system = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    printf("wall=%.3f user=%.3f system=%.3f cpu=%.3f status=%d\n", wall, user, system, user + system, command_status);
    return command_status;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: benchtool copy|start|reload|mntids|rusage ...\n");
        return 2;
    }
    const char *command = argv[1];
    argc -= 2;
    argv += 2;
    if (strcmp(command, "copy") == 0)
        return run_copy(argc, argv);
    if (strcmp(command, "start") == 0)
        return run_start(argc, argv);
    if (strcmp(command, "reload") == 0)
        return run_reload(argc, argv);
    if (strcmp(command, "mntids") == 0)
        return run_mntids(argc, argv);
    if (strcmp(command, "rusage") == 0)
        return run_rusage(argc, argv);
    fprintf(stderr, "benchtool: unknown command %s\n", command);
    return 2;
}
