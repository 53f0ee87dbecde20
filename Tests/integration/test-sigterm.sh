#!/bin/bash
# SIGTERM removes every bind and the daemon exits 0.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
first=$SCRATCH/bin/first
second=$SCRATCH/bin/second
write_script "$first" FIRST
write_script "$second" SECOND
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $first
  - path: $second
YAML

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
assert_eq 1 "$(proc_bind_count "$first")" "first path bound"
assert_eq 1 "$(proc_bind_count "$second")" "second path bound"
assert_eq "$daemon" "$(cat "$SCRATCH/daemon.pid")" "pid file names the daemon"

step "SIGTERM"
stop_daemon "$daemon"
assert_eq 0 "$STOP_STATUS" "exit status after SIGTERM"
assert_eq "" "$(proc_binds_in_scratch)" "no proc bind left in the mount table"
assert_exit 0 "the original file runs again" "$first"
assert_eq FIRST "$STDOUT" "output of the original file"
assert_exit 1 "the pid file is removed" test -e "$SCRATCH/daemon.pid"
assert_match "$(cat "$DAEMON_LOG")" "^notice: stopped" "log ends with stopped"

step "SIGINT does the same"
start_daemon daemon2 --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
kill -INT "$DAEMON_PID"
wait "$DAEMON_PID"
assert_eq 0 "$?" "exit status after SIGINT"
assert_eq "" "$(proc_binds_in_scratch)" "no proc bind left after SIGINT"
finish
