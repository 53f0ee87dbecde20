#!/bin/bash
# A non-root user gets EACCES executing a bound path, because following the daemon's procfs link
# needs ptrace access to the daemon; root runs it.
source "$(dirname "$0")/lib.sh"

# nobody must be able to reach the file, so that a failure can only come from the bind.
chmod 0755 "$SCRATCH"
mkdir -p "$SCRATCH/bin"
chmod 0755 "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

step "before the bind, nobody can run the file"
assert_exit 0 "nobody runs the unbound file" runuser -u nobody -- "$target"
assert_eq TOOL "$STDOUT" "output for nobody"

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"

step "while bound"
# runuser exits 1 when its exec fails.
assert_exit 1 "nobody cannot run the bound path" runuser -u nobody -- "$target"
assert_contains "$STDERR" "failed to execute $target: Permission denied" "error for nobody"
assert_not_contains "$STDOUT" TOOL "the script did not run for nobody"
assert_exit 0 "root runs the bound path" "$target"
assert_eq TOOL "$STDOUT" "output for root"
finish
