#!/bin/bash
# Under systemd (INVOCATION_ID set) in a mount namespace other than PID 1's, the daemon exits 1 before
# it mounts anything. Its log states that its binds would never reach the host and names the unit
# options that cause that. Without INVOCATION_ID the same daemon starts. Where /proc/1/ns/mnt cannot be read,
# the daemon compares the mount ids of both mount tables instead; both ways are run here.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

if readlink /proc/1/ns/mnt >/dev/null 2>&1; then
    echo "/proc/1/ns/mnt is readable here: the daemon compares namespace links unless it lacks CAP_SYS_PTRACE"
else
    echo "/proc/1/ns/mnt is not readable here: the daemon compares mount ids"
fi

# Checks that COMMAND... (a daemon run with INVOCATION_ID) exits 1 with the refusal and mounts nothing.
check_refused() {
    local description=$1
    shift
    assert_exit 1 "$description: the daemon exits 1" timeout 20 "$@"
    assert_match "$OUTPUT" "^error: refusing to start reason=" "$description: refusal logged"
    assert_contains "$OUTPUT" "mount namespace other than PID 1's" "$description: message names the cause"
    assert_contains "$OUTPUT" "its binds would never reach the host" "$description: message says what it means"
    assert_contains "$OUTPUT" "PrivateTmp=" "$description: message names PrivateTmp="
    assert_contains "$OUTPUT" "ProtectSystem=" "$description: message names ProtectSystem="
    assert_contains "$OUTPUT" "from the unit" "$description: message says where to remove them"
    assert_not_contains "$OUTPUT" "notice: bound" "$description: nothing was bound"
    assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "$description: nothing mounted in the test's namespace"
}

step "INVOCATION_ID inside unshare -m"
check_refused "unshare -m" env INVOCATION_ID=x unshare --mount --propagation private \
    "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"

step "INVOCATION_ID in the test's own namespace (also not PID 1's)"
check_refused "test namespace" env INVOCATION_ID=x "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"

step "INVOCATION_ID without CAP_SYS_PTRACE: /proc/1/ns/mnt unreadable, mount ids compared"
if command -v setpriv >/dev/null; then
    check_refused "without CAP_SYS_PTRACE" env INVOCATION_ID=x setpriv --bounding-set=-sys_ptrace -- \
        unshare --mount --propagation private "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"
else
    echo "setpriv is not installed: the forced mount id comparison was not run"
fi

step "without INVOCATION_ID the daemon starts inside unshare -m"
log=$SCRATCH/unshared.log
unshare --mount --propagation private "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid" >"$log" 2>&1 &
daemon=$!
DAEMON_PIDS+=("$daemon")
DAEMON_LOG=$log
wait_for 20 "daemon is ready" grep -q '^notice: ready' "$log"
assert_match "$(cat "$log")" "^notice: bound path=$target " "the path was bound"
assert_eq 1 "$(awk -v path="$target" '$5 == path' "/proc/$daemon/mountinfo" | grep -c .)" "one bind in the daemon's own namespace"
assert_eq 0 "$(proc_bind_count "$target")" "no bind in the test's namespace"
stop_daemon "$daemon"
assert_eq 0 "$STOP_STATUS" "daemon stopped cleanly"
finish
