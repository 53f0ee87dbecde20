#!/bin/bash
# Bind a copy of the probe and read the seals back through the path, with the probe and --status.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/probe
cp "$PROBE" "$target"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

step "before protection the probe runs from the file"
assert_exit 0 "probe runs unprotected" "$target"
assert_contains "$STDOUT" "exe=$target" "probe reports its own path"
assert_contains "$STDOUT" "runc-1.1-reuse=no" "runc 1.1 would copy an unsealed file"

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID

step "the mount table has one proc bind owned by the daemon"
assert_eq 1 "$(proc_bind_count "$target")" "one proc bind at the path"
assert_eq "$daemon" "$(top_bind_owner "$target")" "the bind's root names the daemon's pid"

step "executing the path runs the sealed memfd"
assert_exit 0 "probe runs through the bind" "$target"
assert_contains "$STDOUT" "exe=/memfd:memfd-bind:$target (deleted)" "exe is the daemon's memfd"
assert_contains "$STDOUT" "seals=0xf" "seals read back through the path"
assert_contains "$STDOUT" "runc-1.1-reuse=yes" "runc 1.1 rule (seals exactly 0xf) holds"
assert_contains "$STDOUT" "runc-1.2-reuse=yes" "runc 1.2 rule (0xf bits set) holds"

step "seals read with the open file, as runc reads them"
assert_eq 511 "$(stat -L -c %a "$target")" "the memfd has runc's mode 0511"
assert_eq "$(stat -c %s "$PROBE")" "$(stat -L -c %s "$target")" "the memfd has the file's size"
assert_exit 0 "the content through the path equals the file" cmp "$PROBE" "$target"

step "--status reports the live bind"
assert_exit 0 "--status on a live bind" "$MEMFD_BIND" --status --config "$config"
assert_contains "$STDOUT" "$target: live pid=$daemon memfd=memfd-bind:$target" "status names owner and memfd"
assert_contains "$STDOUT" "seals=0xf (seal,shrink,grow,write)" "status shows the seals"
assert_contains "$STDOUT" "mode=0511" "status shows the mode"

step "the daemon logged the bind"
assert_match "$(cat "$DAEMON_LOG")" "^notice: bound path=$target .*seals=\"0xf \(seal,shrink,grow,write\)\"" "log line of the bind"

stop_daemon "$daemon"
assert_eq 0 "$STOP_STATUS" "daemon exit status after SIGTERM"
finish
