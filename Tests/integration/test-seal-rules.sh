#!/bin/bash
# The probe through a path with the default seals passes both runc rules; with the exec seal only
# the runc 1.2 rule holds, and the daemon warns about runc 1.1.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
default_path=$SCRATCH/bin/probe-default
exec_path=$SCRATCH/bin/probe-exec
cp "$PROBE" "$default_path"
cp "$PROBE" "$exec_path"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $default_path
  - path: $exec_path
    seals: [seal, shrink, grow, write, exec]
YAML

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"

step "default seals: both rules hold"
assert_exit 0 "probe with default seals" "$default_path"
assert_contains "$STDOUT" "exe=/memfd:memfd-bind:$default_path" "runs from the memfd"
assert_contains "$STDOUT" "seals=0xf"$'\n' "seals exactly 0xf"
assert_contains "$STDOUT" "runc-1.1-reuse=yes" "runc 1.1 reuses it"
assert_contains "$STDOUT" "runc-1.2-reuse=yes" "runc 1.2 reuses it"

step "seals with exec: only the runc 1.2 rule holds"
assert_exit 0 "probe with the exec seal" "$exec_path"
assert_contains "$STDOUT" "exe=/memfd:memfd-bind:$exec_path" "runs from the memfd"
# F_SEAL_EXEC on an executable memfd implies F_SEAL_FUTURE_WRITE too: 0x2f reads back as 0x3f.
assert_contains "$STDOUT" "seals=0x3f" "seals with exec read back as 0x3f"
assert_contains "$STDOUT" "runc-1.1-reuse=no" "runc 1.1 copies again"
assert_contains "$STDOUT" "runc-1.2-reuse=yes" "runc 1.2 still reuses it"

step "the daemon warned about runc 1.1"
log=$(cat "$DAEMON_LOG")
assert_match "$log" "^warning: configuration problem=.*$config:4:12: warning: seals 0x2f \(seal,shrink,grow,write,exec\) differ from \[seal, shrink, grow, write\]: runc 1.1.x requires exactly 0xf" "warning names the file, line and runc 1.1"
assert_match "$log" "^notice: bound path=$exec_path .*seals=\"0x3f " "bind logged with the real mask 0x3f"

step "--status shows the real mask"
assert_exit 0 "--status" "$MEMFD_BIND" --status --config "$config"
assert_match "$STDOUT" "^$exec_path: live .*seals=0x3f \(seal,shrink,grow,write,future-write,exec\)" "status of the exec-sealed path"
finish
