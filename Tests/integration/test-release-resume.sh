#!/bin/bash
# --release lifts a bind so that a package manager can rename a new file into place, --resume
# binds the new content; with watch: true the new file is bound without --resume.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
watched=$SCRATCH/bin/watched
write_script "$target" OLD
write_script "$watched" WATCHED-OLD
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
  - path: $watched
    watch: true
    settle: 0.2
YAML
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID

step "rename over a bound path fails"
write_script "$SCRATCH/bin/tool.new" NEW
assert_exit 1 "mv onto the bound path" mv "$SCRATCH/bin/tool.new" "$target"
assert_contains "$STDERR" "Device or resource busy" "rename fails with EBUSY"

step "release, rename, resume"
assert_exit 0 "--release PATH" "$MEMFD_BIND" --release "$target"
assert_eq "$daemon: released: $target" "$STDOUT" "release output"
assert_eq 0 "$(proc_bind_count "$target")" "no bind after release"
assert_eq 1 "$(proc_bind_count "$watched")" "the other path stays bound"
assert_exit 0 "mv onto the released path" mv "$SCRATCH/bin/tool.new" "$target"
sleep 0.5
assert_eq 0 "$(proc_bind_count "$target")" "a released path without watch stays released after the rename"
assert_exit 0 "--resume PATH" "$MEMFD_BIND" --resume "$target"
assert_eq "$daemon: resumed (new copy): $target" "$STDOUT" "resume output"
assert_eq 1 "$(proc_bind_count "$target")" "bound again"
assert_exit 0 "the path runs" "$target"
assert_eq NEW "$STDOUT" "the new content is bound"
assert_match "$(readlink "/proc/$daemon/fd/"* 2>/dev/null)" "^/memfd:memfd-bind:$target" "the daemon holds the memfd"

step "release and resume with the file unchanged"
inode=$(inode_of "$target")
assert_exit 0 "--release PATH" "$MEMFD_BIND" --release "$target"
assert_exit 0 "--resume PATH" "$MEMFD_BIND" --resume "$target"
assert_eq "$daemon: resumed (reused copy): $target" "$STDOUT" "resume reuses the copy"
assert_eq "$inode" "$(inode_of "$target")" "the same memfd is bound again"
assert_exit 0 "--resume of a bound path" "$MEMFD_BIND" --resume "$target"
assert_eq "$daemon: already bound: $target" "$STDOUT" "resume of a bound path"

step "release of an unknown path"
assert_exit 1 "--release of a path no daemon protects" "$MEMFD_BIND" --release "$SCRATCH/bin/unknown"
assert_eq "memfd-bind: $SCRATCH/bin/unknown is not configured in any running daemon" "$STDERR" \
    "release names the unknown path"

step "watch: release and rename bind the new file without resume"
assert_exit 0 "--release the watched path" "$MEMFD_BIND" --release "$watched"
assert_eq 0 "$(proc_bind_count "$watched")" "watched path released"
write_script "$SCRATCH/bin/watched.new" WATCHED-NEW
mv "$SCRATCH/bin/watched.new" "$watched"
wait_for 10 "watched path bound again" is_bound_by "$watched" "$daemon"
assert_eq 1 "$(proc_bind_count "$watched")" "exactly one bind"
assert_exit 0 "watched path runs" "$watched"
assert_eq WATCHED-NEW "$STDOUT" "the new content is bound"
assert_exit 0 "--status" "$MEMFD_BIND" --status --config "$config"
finish
