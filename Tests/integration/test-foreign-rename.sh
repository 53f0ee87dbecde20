#!/bin/bash
# A rename over the path in a second mount namespace succeeds there and detaches the bind; with
# watch: true the daemon protects the new file.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
plain=$SCRATCH/bin/plain
watched=$SCRATCH/bin/watched
write_script "$plain" PLAIN-OLD
write_script "$watched" WATCHED-OLD
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $plain
  - path: $watched
    watch: true
    settle: 0.2
YAML
# A mount namespace made before the daemon binds has no copy of the binds, like a long-running
# container or service. One made after them (unshare from here) contains copies of the binds, and
# a rename there fails with EBUSY as it does here.
namespace_differs() {
    [ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}
unshare --mount --propagation private sleep 1000 &
other_namespace=$!
HELPER_PIDS+=("$other_namespace")
wait_for 5 "second mount namespace exists" namespace_differs "$other_namespace"

start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID

# Renames NEW over PATH in the second mount namespace.
rename_elsewhere() {
    nsenter -t "$other_namespace" -m mv "$1" "$2"
}

step "a namespace made after the binds holds copies of them"
write_script "$SCRATCH/bin/plain.new" PLAIN-NEW
assert_exit 1 "mv in a namespace made now" unshare --mount --propagation private mv "$SCRATCH/bin/plain.new" "$plain"
assert_contains "$STDERR" "Device or resource busy" "rename there fails with EBUSY"

step "rename without watch"
assert_exit 0 "mv in a second mount namespace" rename_elsewhere "$SCRATCH/bin/plain.new" "$plain"
wait_for 10 "bind detached in this namespace" is_unbound "$plain"
assert_exit 0 "the path runs the new file" "$plain"
assert_eq PLAIN-NEW "$STDOUT" "output of the new file"
wait_for 10 "daemon noticed the removed bind" grep -q "^warning: bind removed from outside path=$plain " "$DAEMON_LOG"
assert_exit 3 "--status reports the path unprotected" "$MEMFD_BIND" --status --config "$config"
assert_contains "$STDOUT" "$plain: unprotected" "status line"
assert_eq 1 "$(proc_bind_count "$watched")" "the watched path is still bound"

step "rename with watch"
write_script "$SCRATCH/bin/watched.new" WATCHED-NEW
old_inode=$(inode_of "$watched")
assert_exit 0 "mv in a second mount namespace" rename_elsewhere "$SCRATCH/bin/watched.new" "$watched"
wait_for 10 "new file protected" is_bound_by "$watched" "$daemon"
assert_eq 1 "$(proc_bind_count "$watched")" "exactly one bind"
assert_ne "$old_inode" "$(inode_of "$watched")" "a new memfd is bound"
assert_exit 0 "the path runs" "$watched"
assert_eq WATCHED-NEW "$STDOUT" "the new content is bound"

step "a reload protects the plain path again"
kill -HUP "$daemon"
wait_for 10 "plain path bound after reload" is_bound_by "$plain" "$daemon"
assert_exit 0 "plain path runs" "$plain"
assert_eq PLAIN-NEW "$STDOUT" "the new content is bound"
finish
