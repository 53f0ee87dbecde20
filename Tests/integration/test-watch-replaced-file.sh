#!/bin/bash
# With watch: true, the daemon watches the file that replaced the original, so a later
# in-place change of the new file is copied too.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin" "$SCRATCH/links"
target=$SCRATCH/bin/tool
write_script "$target" FIRST
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
    watch: true
    settle: 0.1
YAML
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"

step "release, replace by rename, and let the watch protect the new file"
assert_exit 0 "--release" "$MEMFD_BIND" --release "$target"
# A second name for the new file, made before it is bound (a bound path cannot be linked).
write_script "$SCRATCH/links/new" SECOND
ln "$SCRATCH/links/new" "$SCRATCH/links/tool"
mv "$SCRATCH/links/new" "$target"
wait_for 10 "the new file is bound" sh -c "grep -q ' $target ' /proc/self/mountinfo"
assert_eq 1 "$(proc_bind_count "$target")" "one bind on the path"
assert_eq SECOND "$("$target")" "the new content runs"

step "an in-place change of the new file is copied as well"
printf '#!/bin/sh\necho THIRD\n' >"$SCRATCH/links/tool"
wait_for 10 "the third content is bound" sh -c "test \"\$('$target')\" = THIRD"
assert_eq THIRD "$("$target")" "the rewritten content runs"
assert_eq 1 "$(proc_bind_count "$target")" "one bind on the path"
finish
