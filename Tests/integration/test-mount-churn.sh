#!/bin/bash
# Executing a protected path and reloading an unchanged configuration touch no mount: a process
# polling /proc/self/mountinfo for POLLPRI in the same mount namespace sees no event, the path keeps
# exactly one bind, and every run comes from the daemon's memfd.
source "$(dirname "$0")/lib.sh"

step "mount table watcher"
# The watcher counts POLLPRI wake-ups of /proc/self/mountinfo until SIGTERM, then prints the count.
# The kernel reports POLLPRI once per change of the namespace's mount table after the file was
# opened, so a fresh open starts at zero.
cat >"$SCRATCH/mountinfo-watch.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void request_stop(int signo)
{
    (void)signo;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mountinfo-watch READY-FILE\n");
        return 2;
    }
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "mountinfo-watch: open /proc/self/mountinfo: %s\n", strerror(errno));
        return 1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = request_stop;
    sigaction(SIGTERM, &action, NULL);

    FILE *ready = fopen(argv[1], "w");
    if (ready == NULL) {
        fprintf(stderr, "mountinfo-watch: cannot create %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    fclose(ready);

    long events = 0;
    while (!stop_requested) {
        struct pollfd descriptor = { .fd = fd, .events = POLLPRI };
        int count = poll(&descriptor, 1, 100);
        if (count < 0 && errno != EINTR) {
            fprintf(stderr, "mountinfo-watch: poll: %s\n", strerror(errno));
            return 1;
        }
        if (count > 0 && (descriptor.revents & (POLLPRI | POLLERR)) != 0) {
            events++;
        }
    }
    printf("%ld\n", events);
    return 0;
}
C
gcc -O2 -Wall -Wextra -o "$SCRATCH/mountinfo-watch" "$SCRATCH/mountinfo-watch.c" || fatal "cannot compile the mount table watcher"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/probe
cp "$PROBE" "$target"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
assert_eq 1 "$(proc_bind_count "$target")" "one bind at start"
mount_id=$(top_mount_id "$target")

"$SCRATCH/mountinfo-watch" "$SCRATCH/watch.ready" >"$SCRATCH/watch.count" 2>"$SCRATCH/watch.err" &
watcher=$!
HELPER_PIDS+=("$watcher")
wait_for 10 "watcher is polling" test -e "$SCRATCH/watch.ready" || fatal "the watcher did not start"

step "1,000 executions of the protected path"
expected_exe="exe=/memfd:memfd-bind:$target (deleted)"
from_memfd=0
other_runs=""
for i in $(seq 1 1000); do
    exe=$("$target" | head -n 1)
    if [ "$exe" = "$expected_exe" ]; then
        from_memfd=$((from_memfd + 1))
    elif [ -z "$other_runs" ]; then
        other_runs="run $i: '$exe'"
    fi
done
assert_eq 1000 "$from_memfd" "every run came from the daemon's memfd${other_runs:+ (first other: $other_runs)}"

step "5 SIGHUPs with the configuration unchanged"
for i in $(seq 1 5); do
    reloads=$(log_count "notice: reloaded")
    kill -HUP "$daemon"
    wait_for 20 "reload $i finished" log_count_above "notice: reloaded" "$reloads"
done
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=5 added=0 removed=0 replaced=0 unchanged=1 failed=0" "the last reload left the entry unchanged"

step "the mount table did not change"
kill -TERM "$watcher"
wait "$watcher"
assert_eq 0 "$?" "watcher exited cleanly"
assert_eq 0 "$(cat "$SCRATCH/watch.count")" "mountinfo POLLPRI events during execs and reloads"
assert_eq 1 "$(proc_bind_count "$target")" "exactly one bind on the path"
assert_eq "$mount_id" "$(top_mount_id "$target")" "the bind kept its mount id"
assert_eq "$daemon" "$(top_bind_owner "$target")" "the bind belongs to the daemon"

step "control: the watcher does count a mount change"
rm -f "$SCRATCH/watch.ready"
"$SCRATCH/mountinfo-watch" "$SCRATCH/watch.ready" >"$SCRATCH/watch.count" 2>"$SCRATCH/watch.err" &
watcher=$!
HELPER_PIDS+=("$watcher")
wait_for 10 "second watcher is polling" test -e "$SCRATCH/watch.ready" || fatal "the watcher did not start"
mkdir -p "$SCRATCH/control"
mount -t tmpfs control "$SCRATCH/control" || fatal "cannot mount a tmpfs in the test's namespace"
umount "$SCRATCH/control"
sleep 0.3
kill -TERM "$watcher"
wait "$watcher"
control_events=$(cat "$SCRATCH/watch.count")
if [ "${control_events:-0}" -ge 1 ]; then
    pass_check "the watcher saw the tmpfs mount and unmount ($control_events events)"
else
    fail_check "the watcher saw the tmpfs mount and unmount" "at least 1 event" "'$control_events'"
fi
finish
