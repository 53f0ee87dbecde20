#!/bin/bash
# chmod of a bound path changes the shared memfd. Without the exec seal, chmod 0644 succeeds and the
# daemon puts the configured mode back, so the path runs again. With the exec seal, chmod fails with
# EPERM and the mode never changes.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
plain=$SCRATCH/bin/plain
sealed=$SCRATCH/bin/sealed
write_script "$plain" PLAIN
write_script "$sealed" SEALED
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $plain
  - path: $sealed
    seals: [seal, shrink, grow, write, exec]
YAML
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
plain_inode=$(inode_of "$plain")
plain_mount=$(top_mount_id "$plain")
assert_eq 511 "$(stat -L -c %a "$plain")" "plain entry starts with mode 0511"
assert_eq 511 "$(stat -L -c %a "$sealed")" "exec-sealed entry starts with mode 0511"

step "without the exec seal: chmod 0644 succeeds and the daemon restores 0511"
restores=$(log_count "warning: restored owner and mode")
assert_exit 0 "chmod 0644 on the bound path" chmod 0644 "$plain"
wait_for 10 "daemon logged the restore" log_count_above "warning: restored owner and mode" "$restores"
assert_match "$(cat "$DAEMON_LOG")" "^warning: restored owner and mode path=$plain found=\"0644 0:0\" restored=\"0511 0:0\"" "restore line names the path, the found and the restored mode"
assert_eq 511 "$(stat -L -c %a "$plain")" "mode is 0511 again"
assert_exit 0 "the path runs again" "$plain"
assert_eq PLAIN "$STDOUT" "output through the bind"
assert_eq "$plain_inode" "$(inode_of "$plain")" "same memfd behind the path"
assert_eq "$plain_mount" "$(top_mount_id "$plain")" "same bind at the path"
assert_eq 1 "$(proc_bind_count "$plain")" "one bind at the path"
assert_eq "$daemon" "$(top_bind_owner "$plain")" "the bind belongs to the daemon"

step "without the exec seal: chown is restored too"
restores=$(log_count "warning: restored owner and mode")
assert_exit 0 "chown 65534:65534 on the bound path" chown 65534:65534 "$plain"
wait_for 10 "daemon logged the second restore" log_count_above "warning: restored owner and mode" "$restores"
assert_eq "0:0 511" "$(stat -L -c '%u:%g %a' "$plain")" "owner and mode restored"

step "with the exec seal: chmod fails with EPERM"
restores=$(log_count "warning: restored owner and mode")
assert_exit 1 "chmod 0644 on the exec-sealed path" chmod 0644 "$sealed"
assert_contains "$STDERR" "Operation not permitted" "chmod reports EPERM"
assert_eq 511 "$(stat -L -c %a "$sealed")" "mode unchanged"
assert_exit 0 "the exec-sealed path runs" "$sealed"
assert_eq SEALED "$STDOUT" "output through the exec-sealed bind"
sleep 0.5
assert_eq "$restores" "$(log_count "warning: restored owner and mode")" "nothing was restored"
finish
