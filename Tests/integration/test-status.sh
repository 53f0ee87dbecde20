#!/bin/bash
# --status: live (exit 0), stale and unprotected (exit 3).
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

step "unprotected"
assert_exit 3 "--status before any daemon" "$MEMFD_BIND" --status --config "$config"
assert_eq "$target: unprotected" "$STDOUT" "status line of an unprotected path"

step "live"
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
assert_exit 0 "--status with a live daemon" "$MEMFD_BIND" --status --config "$config"
assert_match "$STDOUT" "^$target: live pid=$daemon memfd=memfd-bind:$target size=[0-9]+ mode=0511 seals=0xf \(seal,shrink,grow,write\)$" "status line of a live path"

step "stale"
kill_daemon "$daemon"
assert_exit 3 "--status after kill -9" "$MEMFD_BIND" --status --config "$config"
assert_eq "$target: stale pid=$daemon (the owner is gone; run memfd-bind --cleanup $target)" "$STDOUT" "status line of a stale path"

step "unprotected again after cleanup"
"$MEMFD_BIND" --cleanup "$target" >/dev/null
assert_exit 3 "--status after cleanup" "$MEMFD_BIND" --status --config "$config"
assert_eq "$target: unprotected" "$STDOUT" "status line after cleanup"
finish
