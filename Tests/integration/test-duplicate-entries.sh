#!/bin/bash
# --check-config rejects a key written twice in one mapping (at any level) with both lines, two
# entries that name one file through hard links with both entries' lines, and a path that is not
# normalized with its normalized form.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
runc=$SCRATCH/bin/runc
crun=$SCRATCH/bin/crun
write_script "$runc" RUNC
write_script "$crun" CRUN
ln "$runc" "$SCRATCH/bin/runc-link"
config=$SCRATCH/config.yaml

step "path twice in one entry"
write_file "$config" <<YAML
binaries:
  - path: $runc
    mode: "0511"
    path: $crun
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:4:5: error: duplicate key \"path\" (first at line 2); remove one of them" "error names the key, the second line and the first"
assert_contains "$STDERR" "$config: configuration invalid" "last line says invalid"
assert_eq "" "$STDOUT" "nothing on standard output"

step "binaries twice at the top level"
write_file "$config" <<YAML
binaries:
  - path: $runc
max_size: 1000000
binaries:
  - path: $crun
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:4:1: error: duplicate key \"binaries\" (first at line 1); remove one of them" "error names the key and both lines"

step "defaults twice, and a key twice inside defaults"
write_file "$config" <<YAML
defaults:
  mode: "0511"
  mode: "0555"
binaries:
  - path: $runc
defaults:
  watch: true
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:3:3: error: duplicate key \"mode\" (first at line 2)" "mode twice inside defaults"
assert_contains "$STDERR" "$config:6:1: error: duplicate key \"defaults\" (first at line 1)" "defaults twice at the top level"

step "the daemon rejects a duplicate key too"
write_file "$config" <<YAML
binaries:
  - path: $runc
    path: $crun
YAML
assert_exit 1 "daemon with a duplicate key" "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"
assert_contains "$OUTPUT" "$config:3:5: error: duplicate key \\\"path\\\" (first at line 2)" "daemon log names the key and both lines"
assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "nothing mounted"

step "two entries naming one file through a hard link"
write_file "$config" <<YAML
binaries:
  - path: $runc

  - path: $crun
  - path: $SCRATCH/bin/runc-link
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:5:11: error: $SCRATCH/bin/runc-link is the same file as $runc (line 2); list each binary once" "error names both entries and their lines"
assert_contains "$STDERR" "$config: configuration invalid: 1 error" "one error counted"

step "the daemon binds the first and rejects the hard link"
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
assert_eq 1 "$(proc_bind_count "$runc")" "first entry bound"
assert_eq 1 "$(proc_bind_count "$crun")" "other entry bound"
assert_eq 0 "$(proc_bind_count "$SCRATCH/bin/runc-link")" "hard link not bound"
assert_match "$(cat "$DAEMON_LOG")" "^error: cannot protect path=$SCRATCH/bin/runc-link error=\"the path names the same file as $runc\"" "daemon names both paths"
stop_daemon "$DAEMON_PID"

step "a path with .. is not normalized"
write_file "$config" <<YAML
binaries:
  - path: $SCRATCH/bin/../bin/runc
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:2:11: error: path \"$SCRATCH/bin/../bin/runc\" is not normalized; write \"$runc\"" "error gives the normalized form"

step "a path with // and /. is not normalized"
write_file "$config" <<YAML
binaries:
  - path: $SCRATCH//bin/./runc
YAML
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "is not normalized; write \"$runc\"" "error gives the normalized form"
finish
