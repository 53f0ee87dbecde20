#!/bin/bash
# Reload by SIGHUP and by --reload: unchanged entries keep their mount and memfd, removed ones
# vanish, added ones appear, a mode change replaces the bind; an invalid configuration changes
# nothing.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
for name in kept removed changed added; do
    write_script "$SCRATCH/bin/$name" "$(tr a-z A-Z <<<"$name")"
done
kept=$SCRATCH/bin/kept
removed=$SCRATCH/bin/removed
changed=$SCRATCH/bin/changed
added=$SCRATCH/bin/added
config=$SCRATCH/config.yaml
pid_file=$SCRATCH/daemon.pid

write_file "$config" <<YAML
binaries:
  - path: $kept
  - path: $removed
  - path: $changed
YAML
start_daemon daemon --config "$config" --pid-file "$pid_file" || fatal "daemon did not start"
daemon=$DAEMON_PID
for path in "$kept" "$removed" "$changed"; do
    assert_eq 1 "$(proc_bind_count "$path")" "$(basename "$path") bound at start"
done
kept_mount=$(top_mount_id "$kept")
kept_inode=$(inode_of "$kept")
changed_mount=$(top_mount_id "$changed")
changed_inode=$(inode_of "$changed")
assert_eq 511 "$(stat -L -c %a "$changed")" "changed entry starts with mode 0511"

step "SIGHUP with an entry removed, one added and one with a new mode"
write_file "$config" <<YAML
binaries:
  - path: $kept
  - path: $changed
    mode: "0555"
  - path: $added
YAML
reloads=$(log_count "notice: reloaded")
kill -HUP "$daemon"
wait_for 20 "reload finished" log_count_above "notice: reloaded" "$reloads"
assert_eq "$kept_mount" "$(top_mount_id "$kept")" "unchanged entry keeps its mount id"
assert_eq "$kept_inode" "$(inode_of "$kept")" "unchanged entry keeps its memfd"
assert_eq 1 "$(proc_bind_count "$kept")" "unchanged entry has one bind"
assert_eq 0 "$(proc_bind_count "$removed")" "removed entry has no bind"
assert_exit 0 "removed entry runs the original" "$removed"
assert_eq REMOVED "$STDOUT" "output of the removed entry's original"
assert_eq 1 "$(proc_bind_count "$added")" "added entry is bound"
assert_eq "$daemon" "$(top_bind_owner "$added")" "added entry's bind belongs to the daemon"
assert_ne "$changed_mount" "$(top_mount_id "$changed")" "mode change gives a new mount id"
assert_ne "$changed_inode" "$(inode_of "$changed")" "mode change gives a new memfd"
assert_eq 555 "$(stat -L -c %a "$changed")" "new mode is visible through the path"
assert_eq 1 "$(proc_bind_count "$changed")" "changed entry has exactly one bind"
assert_exit 0 "changed entry runs" "$changed"
assert_eq CHANGED "$STDOUT" "output of the changed entry"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=1 added=1 removed=1 replaced=1 unchanged=1 failed=0" "reload summary in the log"

step "SIGHUP with an invalid configuration keeps every bind"
before=$(proc_binds_in_scratch)
write_file "$config" <<YAML
binaries:
  - path: $kept
    mode: "0999"
YAML
failures=$(log_count "error: reload failed")
kill -HUP "$daemon"
wait_for 20 "failed reload logged" log_count_above "error: reload failed" "$failures"
assert_eq "$before" "$(proc_binds_in_scratch)" "mount table unchanged after the invalid reload"
assert_eq "$kept_inode" "$(inode_of "$kept")" "unchanged entry keeps its memfd"
assert_match "$(cat "$DAEMON_LOG")" "^error: configuration problem=.*$config:3:11: error: mode \\\\\"0999\\\\\" contains the digit 9" "log has the located error"

step "--reload with an invalid file sends nothing"
reloads_started=$(log_count "notice: reloading")
assert_exit 1 "--reload with an invalid file" "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file"
assert_contains "$STDERR" "$config:3:11: error: mode \"0999\"" "--reload prints the located error"
assert_contains "$STDERR" "the daemon was not asked to reload" "--reload says nothing was sent"
sleep 0.5
assert_eq "$reloads_started" "$(log_count "notice: reloading")" "the daemon logged no reload"
assert_eq "$before" "$(proc_binds_in_scratch)" "mount table unchanged"

step "--reload with a good file prints the summary"
write_file "$config" <<YAML
binaries:
  - path: $kept
  - path: $changed
  - path: $removed
YAML
assert_exit 0 "--reload with a good file" "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file"
expected_summary="added: 1 $removed
removed: 1 $added
replaced: 1 $changed
unchanged: 1 $kept
failed: 0"
assert_eq "$expected_summary" "$STDOUT" "summary lines"
assert_eq "$kept_mount" "$(top_mount_id "$kept")" "unchanged entry still keeps its mount id"
assert_eq "$kept_inode" "$(inode_of "$kept")" "unchanged entry still keeps its memfd"
assert_eq 511 "$(stat -L -c %a "$changed")" "mode back to 0511"
assert_eq 0 "$(proc_bind_count "$added")" "removed entry unbound"
assert_eq 1 "$(proc_bind_count "$removed")" "added entry bound"

step "--reload with nothing changed"
assert_exit 0 "--reload again" "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file"
assert_contains "$STDOUT" "unchanged: 3" "every entry unchanged"
assert_eq "$kept_mount" "$(top_mount_id "$kept")" "mount id unchanged"

step "--reload of another configuration file is not applied"
write_file "$SCRATCH/other.yaml" <<YAML
binaries:
  - path: $added
YAML
assert_exit 1 "--reload naming a file the daemon does not read" "$MEMFD_BIND" --reload --config "$SCRATCH/other.yaml" --pid-file "$pid_file"
assert_contains "$STDERR" "no running daemon reads $SCRATCH/other.yaml" "error names the file"
assert_eq 0 "$(proc_bind_count "$added")" "nothing was bound"
finish
