#!/bin/bash
# Layers of memfd-bind binds at one path after kill -9. The kernel never leaves two stale layers:
# a layer above another is mounted on the lower owner's /proc/<pid>/fd/<n> entry, and that entry's
# mounts are detached when the owner dies. What can remain is a stale layer over a live one;
# --cleanup PATH removes every layer and prints how many.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" ORIGINAL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

# stack-layer PATH READY-FILE top:WORD|beneath:WORD... binds, in order, one memfd per argument
# (named memfd-bind:PATH, holding a script that prints WORD) onto PATH or beneath its top mount
# (MOVE_MOUNT_BENEATH, as the daemon's gapless reload does), then waits to be killed.
cat >"$SCRATCH/stack-layer.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#define MEMFD_EXEC_FLAG 0x10U
#define SYSCALL_OPEN_TREE 428
#define SYSCALL_MOVE_MOUNT 429
#define OPEN_TREE_CLONE_FLAG 1
#define MOVE_MOUNT_F_EMPTY_PATH_FLAG 0x4
#define MOVE_MOUNT_T_EMPTY_PATH_FLAG 0x40
#define MOVE_MOUNT_BENEATH_FLAG 0x200

/* Mounts a new memfd holding a script that prints WORD at PATH, on top or beneath the top mount. */
static int stack(const char *path, const char *word, int beneath)
{
    char name[250];
    snprintf(name, sizeof(name), "memfd-bind:%s", path);
    int memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MEMFD_EXEC_FLAG);
    if (memfd < 0) {
        fprintf(stderr, "stack-layer: memfd_create: %s\n", strerror(errno));
        return -1;
    }
    char script[256];
    int length = snprintf(script, sizeof(script), "#!/bin/sh\necho %s\n", word);
    if (write(memfd, script, length) != length || fchmod(memfd, 0755) != 0 || fcntl(memfd, F_ADD_SEALS, 0xF) != 0) {
        fprintf(stderr, "stack-layer: cannot fill the memfd: %s\n", strerror(errno));
        return -1;
    }
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", memfd);
    int link_fd = open(link, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int target = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (link_fd < 0 || target < 0) {
        fprintf(stderr, "stack-layer: open: %s\n", strerror(errno));
        return -1;
    }
    int tree = syscall(SYSCALL_OPEN_TREE, link_fd, "", OPEN_TREE_CLONE_FLAG | O_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) {
        fprintf(stderr, "stack-layer: open_tree: %s\n", strerror(errno));
        return -1;
    }
    unsigned flags = MOVE_MOUNT_F_EMPTY_PATH_FLAG | MOVE_MOUNT_T_EMPTY_PATH_FLAG | (beneath ? MOVE_MOUNT_BENEATH_FLAG : 0);
    if (syscall(SYSCALL_MOVE_MOUNT, tree, "", target, "", flags) != 0) {
        fprintf(stderr, "stack-layer: move_mount %s: %s\n", beneath ? "beneath" : "on top", strerror(errno));
        return -1;
    }
    close(tree);
    close(link_fd);
    close(target);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: stack-layer PATH READY-FILE top:WORD|beneath:WORD...\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        int beneath = strncmp(argv[i], "beneath:", 8) == 0;
        if (!beneath && strncmp(argv[i], "top:", 4) != 0) {
            fprintf(stderr, "stack-layer: layer %s must start with top: or beneath:\n", argv[i]);
            return 2;
        }
        if (stack(argv[1], strchr(argv[i], ':') + 1, beneath) != 0) {
            return 3;
        }
    }
    FILE *ready = fopen(argv[2], "w");
    if (ready != NULL) {
        fclose(ready);
    }
    for (;;) {
        pause();
    }
}
C
gcc -O2 -Wall -Wextra -o "$SCRATCH/stack-layer" "$SCRATCH/stack-layer.c" || fatal "cannot compile stack-layer"

# Starts stack-layer with LAYERS at the target and waits until they are mounted; sets LAYER_PID.
start_layers() {
    local ready=$SCRATCH/layers.ready
    rm -f "$ready"
    "$SCRATCH/stack-layer" "$target" "$ready" "$@" 2>"$SCRATCH/layers.err" &
    LAYER_PID=$!
    HELPER_PIDS+=("$LAYER_PID")
    local deadline=$((SECONDS + 10))
    until [ -e "$ready" ]; do
        if ! kill -0 "$LAYER_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
            echo "stack-layer $* failed: $(cat "$SCRATCH/layers.err")" >&2
            return 1
        fi
        sleep 0.05
    done
}

# Prints the owner pid of every proc bind at the target, bottom first, one per line. The order
# follows the parent mount ids, because mountinfo lists a mount made beneath after the one above it.
layer_owners() {
    proc_binds_at "$target" | awk '
        { split($4, parts, "/"); owner[$1] = parts[2]; parent[$1] = $2; child[$2] = $1 }
        END {
            for (id in owner) if (!(parent[id] in owner)) bottom = id
            for (id = bottom; id in owner; id = child[id]) print owner[id]
        }'
}

step "a layer cannot go on top of a memfd-bind bind"
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
"$SCRATCH/stack-layer" "$target" "$SCRATCH/unused.ready" top:ABOVE 2>"$SCRATCH/layers.err"
assert_eq 3 "$?" "stack-layer on top of the daemon's bind fails"
assert_contains "$(cat "$SCRATCH/layers.err")" "move_mount on top: No such file or directory" "move_mount onto the bound path gives ENOENT"
assert_eq "$daemon" "$(layer_owners)" "only the daemon's bind is there"
assert_exit 0 "--cleanup PATH of the live bind" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 1 memfd-bind mount" "$STDOUT" "cleanup says one"
stop_daemon "$daemon"

step "one process with two layers killed: one stale layer remains"
# This is the state of a daemon killed during a gapless reload: its new bind beneath, the old on top.
start_layers top:UPPER beneath:LOWER || fatal "cannot stack two layers"
owner=$LAYER_PID
assert_eq "$owner
$owner" "$(layer_owners)" "two layers of one process"
assert_exit 0 "the path runs the upper layer" "$target"
assert_eq UPPER "$STDOUT" "output of the upper layer"
kill_daemon "$owner"
assert_eq "$owner" "$(layer_owners)" "one stale layer left after kill -9 (the kernel detached the upper one)"
assert_exit 127 "the stale path does not run" "$target"
assert_exit 0 "--cleanup PATH" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 1 memfd-bind mount" "$STDOUT" "cleanup says one"
assert_eq 0 "$(proc_bind_count "$target")" "no proc bind left"

step "the lower owner dies first: the upper layer goes with it, live or not"
start_layers top:UPPER || fatal "cannot bind the upper layer"
upper=$LAYER_PID
start_layers beneath:LOWER || fatal "cannot bind the lower layer"
lower=$LAYER_PID
assert_eq "$lower
$upper" "$(layer_owners)" "two layers of two processes, lower first"
kill_daemon "$lower"
assert_eq "$lower" "$(layer_owners)" "only the lower, stale layer is left"
assert_exit 127 "the stale path does not run" "$target"
kill_daemon "$upper"
assert_eq "$lower" "$(layer_owners)" "still one stale layer after the upper owner died too"
assert_exit 0 "--cleanup PATH" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 1 memfd-bind mount" "$STDOUT" "cleanup says one"

step "a killed daemon over a live layer: --cleanup PATH removes both and says two"
start_daemon daemon2 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
dead=$DAEMON_PID
start_layers beneath:LOWER || fatal "cannot bind beneath the daemon"
lower=$LAYER_PID
kill_daemon "$dead"
assert_eq "$lower
$dead" "$(layer_owners)" "the dead daemon's stale layer over the live lower layer"
assert_exit 127 "the stale top does not run" "$target"
assert_exit 0 "--cleanup PATH" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 2 memfd-bind mounts" "$STDOUT" "cleanup says two"
assert_eq 0 "$(proc_bind_count "$target")" "no proc bind left"
assert_exit 0 "the original runs" "$target"
assert_eq ORIGINAL "$STDOUT" "output of the original"
kill_daemon "$lower"

step "--cleanup again: nothing mounted"
assert_exit 0 "--cleanup PATH again" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: no memfd-bind mount" "$STDOUT" "cleanup says nothing was mounted"
assert_eq "" "$STDERR" "nothing on standard error"

step "--cleanup --stale over a live layer removes the stale top and says so"
start_daemon daemon3 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
dead=$DAEMON_PID
start_layers beneath:LOWER || fatal "cannot bind beneath the daemon"
lower=$LAYER_PID
kill_daemon "$dead"
assert_exit 0 "--cleanup --stale PATH" "$MEMFD_BIND" --cleanup --stale "$target"
assert_contains "$STDOUT" "$target: removed 1 memfd-bind mount" "cleanup says it removed one stale layer"
assert_contains "$STDOUT" "the bind of running memfd-bind process $lower was left alone" "cleanup names the live owner it left"
assert_eq "$lower" "$(layer_owners)" "the live lower layer is left"
assert_exit 0 "the path runs the live layer" "$target"
assert_eq LOWER "$STDOUT" "output of the live layer"
kill_daemon "$lower"
assert_exit 0 "--cleanup PATH of the stale lower layer" "$MEMFD_BIND" --cleanup "$target"

step "--cleanup of a path under a regular file"
assert_exit 1 "--cleanup on a path whose parent is a file" "$MEMFD_BIND" --cleanup "$target/sub"
assert_contains "$STDERR" "$target/sub" "error names the path"
assert_contains "$STDERR" "Not a directory" "error has the errno text"

step "a new daemon over the stale layer of a process killed with two layers"
start_layers top:UPPER beneath:LOWER || fatal "cannot stack two layers"
kill_daemon "$LAYER_PID"
assert_eq 1 "$(proc_bind_count "$target")" "one stale layer before the start"
start_daemon daemon4 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start over the stale layer"
live=$DAEMON_PID
assert_eq "$live" "$(layer_owners)" "exactly one live bind, the new daemon's"
assert_match "$(cat "$DAEMON_LOG")" "^notice: removed stale mounts path=$target count=1" "new daemon logged the removal"
assert_exit 0 "the path runs" "$target"
assert_eq ORIGINAL "$STDOUT" "output through the new bind"
finish
