#!/bin/bash
# Entries with identical content share one memfd, and reloads without change keep it shared;
# a path operand written with "//" or "/./" still reaches the bind.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
write_script "$SCRATCH/bin/a" SAME
cp -p "$SCRATCH/bin/a" "$SCRATCH/bin/b"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $SCRATCH/bin/a
  - path: $SCRATCH/bin/b
YAML

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
inode=$(inode_of "$SCRATCH/bin/a")
assert_eq "$inode" "$(inode_of "$SCRATCH/bin/b")" "both paths show one memfd at start"

step "reloads without change keep the shared copy"
for round in 1 2; do
    assert_exit 0 "--reload round $round" "$MEMFD_BIND" --reload --config "$config" --pid-file "$SCRATCH/daemon.pid"
    assert_contains "$STDOUT" "unchanged: 2" "round $round: both entries unchanged"
    assert_contains "$STDOUT" "replaced: 0" "round $round: nothing replaced"
done
assert_eq "$inode" "$(inode_of "$SCRATCH/bin/a")" "a still shows the shared memfd"
assert_eq "$inode" "$(inode_of "$SCRATCH/bin/b")" "b still shows the shared memfd"
assert_eq 1 "$(ls -l "/proc/$DAEMON_PID/fd" | grep -c '/memfd:memfd-bind:')" "the daemon holds one memfd"

step "release and resume of the second entry reuse the shared copy"
assert_exit 0 "--release b" "$MEMFD_BIND" --release "$SCRATCH/bin/b"
assert_exit 0 "--resume b" "$MEMFD_BIND" --resume "$SCRATCH/bin/b"
assert_contains "$STDOUT" "resumed (reused copy): $SCRATCH/bin/b" "resume reused the copy"
assert_eq "$inode" "$(inode_of "$SCRATCH/bin/b")" "b shows the shared memfd again"

step "path operands are normalized"
assert_exit 0 "--release with // and /./" "$MEMFD_BIND" --release "$SCRATCH//bin/./a"
assert_eq 0 "$(proc_bind_count "$SCRATCH/bin/a")" "the bind of a is released"
assert_exit 0 "--resume a" "$MEMFD_BIND" --resume "$SCRATCH/bin/a"
assert_exit 0 "--cleanup with //" "$MEMFD_BIND" --cleanup "$SCRATCH//bin/b"
assert_eq "$SCRATCH/bin/b: removed 1 memfd-bind mount" "$STDOUT" "cleanup found the bind"
finish
