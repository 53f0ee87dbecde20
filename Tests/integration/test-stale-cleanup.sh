#!/bin/bash
# kill -9 leaves a stale bind that exec and umount cannot get past; --cleanup removes it, and a new
# daemon started over it ends with exactly one live bind.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
dead=$DAEMON_PID
kill_daemon "$dead"

step "the stale bind stays after kill -9"
assert_eq 1 "$(proc_bind_count "$target")" "one proc bind left"
assert_eq "$dead" "$(top_bind_owner "$target")" "its root names the dead pid"
assert_exit 127 "executing the stale path fails" "$target"
assert_contains "$STDERR" "No such file or directory" "exec error on the stale path"
assert_exit 32 "umount cannot remove it" umount "$target"
assert_eq 1 "$(proc_bind_count "$target")" "still one proc bind after umount"
assert_exit 3 "--status on a stale bind" "$MEMFD_BIND" --status --config "$config"
assert_contains "$STDOUT" "$target: stale pid=$dead" "status names the dead owner"

step "--cleanup PATH removes it"
assert_exit 0 "--cleanup PATH" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 1 memfd-bind mount" "$STDOUT" "cleanup says how many"
assert_eq 0 "$(proc_bind_count "$target")" "no proc bind left"
assert_exit 0 "the original runs again" "$target"
assert_eq TOOL "$STDOUT" "output of the original"

step "--cleanup again: nothing mounted"
assert_exit 0 "--cleanup PATH again" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: no memfd-bind mount" "$STDOUT" "cleanup says nothing was mounted"

step "--cleanup on a missing path"
assert_exit 1 "--cleanup on a missing path" "$MEMFD_BIND" --cleanup "$SCRATCH/bin/missing"
assert_contains "$STDERR" "$SCRATCH/bin/missing" "error names the path"
assert_contains "$STDERR" "No such file or directory" "error has the errno text"

step "--cleanup with the configuration removes stale binds of every entry"
start_daemon daemon2 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
kill_daemon "$DAEMON_PID"
assert_exit 0 "--cleanup --config" "$MEMFD_BIND" --cleanup --config "$config"
assert_contains "$STDOUT" "$target: removed 1 memfd-bind mount" "configured path cleaned"
assert_eq 0 "$(proc_bind_count "$target")" "no proc bind left"

step "a new daemon over a stale bind, with no cleanup first"
start_daemon daemon3 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
kill_daemon "$DAEMON_PID"
assert_eq 1 "$(proc_bind_count "$target")" "stale bind before the restart"
start_daemon daemon4 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start over a stale bind"
live=$DAEMON_PID
assert_eq 1 "$(proc_bind_count "$target")" "exactly one proc bind after the restart"
assert_eq "$live" "$(top_bind_owner "$target")" "the bind belongs to the new daemon"
assert_match "$(cat "$DAEMON_LOG")" "^notice: removed stale mounts path=$target count=1" "new daemon logged the stale removal"
assert_exit 0 "the path runs again" "$target"
assert_eq TOOL "$STDOUT" "output through the new bind"
assert_exit 0 "--status after the restart" "$MEMFD_BIND" --status --config "$config"

step "--cleanup of a live bind"
assert_exit 0 "--cleanup on a live bind" "$MEMFD_BIND" --cleanup "$target"
assert_eq "$target: removed 1 memfd-bind mount" "$STDOUT" "live bind removed"
assert_eq 0 "$(proc_bind_count "$target")" "no proc bind left"
finish
