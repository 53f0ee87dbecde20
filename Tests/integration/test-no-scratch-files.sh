#!/bin/bash
# With /tmp and /run full (64 KiB tmpfs mounts with no free block or inode, in the test's mount
# namespace), the daemon still protects its path with the default pid file under /run, which it
# cannot write (a warning). SIGHUP, --reload, --release, --resume and --cleanup all still work,
# and nothing is left in /tmp or /run.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
first=$SCRATCH/bin/first
second=$SCRATCH/bin/second
write_script "$first" FIRST
write_script "$second" SECOND
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $first
YAML
# The binary under test may itself live in /tmp, which is covered below.
cp "$MEMFD_BIND" "$SCRATCH/memfd-bind"
MEMFD_BIND=$SCRATCH/memfd-bind

step "cover /tmp and /run with full 64 KiB tmpfs mounts"
exec {scratch_fd}<"$SCRATCH"
for directory in /tmp /run; do
    mount -t tmpfs -o size=64k,nr_inodes=32,mode=1777 full "$directory" || fatal "cannot mount a tmpfs on $directory"
done
# The scratch directory was under the old /tmp: bind it back at the same path.
mkdir -p "$SCRATCH"
mount --no-canonicalize --bind "/proc/self/fd/$scratch_fd" "$SCRATCH" || fatal "cannot bind the scratch directory back"
exec {scratch_fd}<&-
for directory in /tmp /run; do
    dd if=/dev/zero of="$directory/fill" bs=4k 2>"$SCRATCH/dd.err"
    assert_contains "$(cat "$SCRATCH/dd.err")" "No space left on device" "dd filled $directory"
    for i in $(seq 1 64); do
        : 2>/dev/null >"$directory/inode-$i" || break
    done
    assert_exit 1 "$directory has no free inode either" touch "$directory/one-more"
done
assert_eq 0 "$(df --output=avail /run | tail -n 1 | tr -d ' ')" "no free block in /run"
ls -A /tmp /run >"$SCRATCH/covered-before.txt"

step "start with the default pid file under /run"
start_daemon daemon --config "$config" || fatal "daemon did not start with a full /run"
daemon=$DAEMON_PID
assert_match "$(cat "$DAEMON_LOG")" "^warning: pid file not written file=/run/memfd-bind.pid error=.*No space left on device" "warning names the pid file and ENOSPC"
assert_eq "$daemon" "$(top_bind_owner "$first")" "the path is bound by the daemon"
assert_exit 0 "the path runs" "$first"
assert_eq FIRST "$STDOUT" "output through the bind"

step "SIGHUP adds an entry"
write_file "$config" <<YAML
binaries:
  - path: $first
  - path: $second
YAML
reloads=$(log_count "notice: reloaded")
kill -HUP "$daemon"
wait_for 20 "reload finished" log_count_above "notice: reloaded" "$reloads"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=1 added=1 removed=0 replaced=0 unchanged=1 failed=0" "reload summary"
assert_eq "$daemon" "$(top_bind_owner "$second")" "the added path is bound"

step "--reload --config finds the daemon without its pid file"
write_file "$config" <<YAML
binaries:
  - path: $second
YAML
assert_exit 0 "--reload with the default pid file" "$MEMFD_BIND" --reload --config "$config"
assert_contains "$STDOUT" "removed: 1 $first" "summary: first removed"
assert_contains "$STDOUT" "unchanged: 1 $second" "summary: second unchanged"
assert_eq 0 "$(proc_bind_count "$first")" "first path unbound"

step "--release and --resume find the daemon"
assert_exit 0 "--release" "$MEMFD_BIND" --release "$second"
assert_eq "$daemon: released: $second" "$STDOUT" "release reply"
assert_eq 0 "$(proc_bind_count "$second")" "second path unbound"
assert_exit 0 "--resume" "$MEMFD_BIND" --resume "$second"
assert_eq "$daemon: resumed (reused copy): $second" "$STDOUT" "resume reply"
assert_eq "$daemon" "$(top_bind_owner "$second")" "second path bound again"

step "--cleanup --stale leaves the live bind, --cleanup removes a stale one"
assert_exit 0 "--cleanup --stale --config" "$MEMFD_BIND" --cleanup --stale --config "$config"
assert_eq "$daemon" "$(top_bind_owner "$second")" "the live bind is still there"
assert_exit 0 "the path still runs" "$second"
assert_eq SECOND "$STDOUT" "output through the live bind"
kill_daemon "$daemon"
assert_exit 0 "--cleanup PATH after kill -9" "$MEMFD_BIND" --cleanup "$second"
assert_eq "$second: removed 1 memfd-bind mount" "$STDOUT" "cleanup says one"
start_daemon daemon2 --config "$config" || fatal "second daemon did not start with a full /run"
assert_eq "$DAEMON_PID" "$(top_bind_owner "$second")" "the new daemon protects the path"
stop_daemon "$DAEMON_PID"
assert_eq 0 "$STOP_STATUS" "daemon stopped"

step "nothing was left in /tmp or /run"
assert_eq "$(cat "$SCRATCH/covered-before.txt")" "$(ls -A /tmp /run)" "same files as after filling"
finish
