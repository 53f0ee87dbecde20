#!/bin/bash
# A second daemon does not take over a live bind, and one with the same pid file does not start.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

start_daemon first --config "$config" --pid-file "$SCRATCH/first.pid" || fatal "first daemon did not start"
first=$DAEMON_PID
first_log=$DAEMON_LOG
mount_before=$(top_mount_id "$target")
inode_before=$(inode_of "$target")

step "a second daemon with another pid file leaves the first's bind alone"
start_daemon second --config "$config" --pid-file "$SCRATCH/second.pid" || fatal "second daemon did not start"
second=$DAEMON_PID
assert_match "$(cat "$DAEMON_LOG")" "^error: cannot protect .*memfd-bind process $first already protects this path" "second daemon's error names the first pid"
assert_eq 1 "$(proc_bind_count "$target")" "still one proc bind"
assert_eq "$first" "$(top_bind_owner "$target")" "the bind still belongs to the first daemon"
assert_eq "$mount_before" "$(top_mount_id "$target")" "the first's mount id is unchanged"
assert_eq "$inode_before" "$(inode_of "$target")" "the path still opens the first's memfd"
assert_exit 0 "the path still runs" "$target"
stop_daemon "$second"
assert_eq 0 "$STOP_STATUS" "second daemon stops cleanly"
assert_eq "$first" "$(top_bind_owner "$target")" "stopping the second leaves the first's bind"
assert_eq "$mount_before" "$(top_mount_id "$target")" "the first's mount id is unchanged after the second stops"

step "a daemon with the same pid file refuses to start"
assert_exit 1 "third daemon with the first's pid file" timeout 20 "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/first.pid"
assert_contains "$STDERR" "another daemon is running pid=$first pid_file=$SCRATCH/first.pid" "error names the running daemon"
assert_contains "$STDERR" "give this one another --pid-file" "error says what to do"
assert_eq "$first" "$(cat "$SCRATCH/first.pid")" "the pid file still names the first daemon"
assert_eq "$mount_before" "$(top_mount_id "$target")" "the first's mount is untouched"

step "one-path mode over a live bind"
"$MEMFD_BIND" "$target" >"$SCRATCH/single.log" 2>&1 &
single=$!
HELPER_PIDS+=("$single")
wait_for 10 "one-path daemon logs its error" grep -q "already protects this path" "$SCRATCH/single.log"
assert_eq "$first" "$(top_bind_owner "$target")" "one-path daemon leaves the first's bind"
kill -TERM "$single"
wait "$single"

stop_daemon "$first"
assert_eq 0 "$STOP_STATUS" "first daemon stops cleanly"
assert_eq 0 "$(proc_bind_count "$target")" "no bind left"
finish
