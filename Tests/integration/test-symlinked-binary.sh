#!/bin/bash
# A listed path that is a symbolic link, goes through a symbolically linked directory, or is a
# directory, a character device or a FIFO is rejected by --check-config and skipped by the daemon
# with an error naming the path. Nothing is mounted there, and the daemon does not block on the FIFO.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin" "$SCRATCH/sbin"
real=$SCRATCH/bin/runc
write_script "$real" RUNC
linked_file=$SCRATCH/sbin/runc
ln -s ../bin/runc "$linked_file"
ln -s bin "$SCRATCH/link"
linked_directory=$SCRATCH/link/runc
directory=$SCRATCH/bin/directory
mkdir "$directory"
device=$SCRATCH/bin/null-device
mknod "$device" c 1 3 || fatal "mknod failed"
fifo=$SCRATCH/bin/fifo
mkfifo "$fifo" || fatal "mkfifo failed"
config=$SCRATCH/config.yaml

# Checks one entry with --check-config: exit 1 and an error at line 2 containing each EXPECTED text.
check_rejected() {
    local path=$1
    shift
    write_file "$config" <<YAML
binaries:
  - path: $path
YAML
    assert_exit 1 "--check-config rejects $path" timeout 10 "$MEMFD_BIND" --check-config --config "$config"
    local expected
    for expected in "$@"; do
        assert_contains "$STDERR" "$expected" "--check-config error for $(basename "$path")"
    done
    assert_contains "$STDERR" "$config:2:11: error: $path: " "error located at line 2 and names the path"
}

step "--check-config: a symbolic link to the binary"
check_rejected "$linked_file" "is a symbolic link to ../bin/runc" "$real"

step "--check-config: a symbolically linked directory"
check_rejected "$linked_directory" "the directory $SCRATCH/link is a symbolic link to bin" "list the resolved path $real instead"

step "--check-config: a directory, a character device and a FIFO"
check_rejected "$directory" "the path is a directory, not a regular file"
check_rejected "$device" "the path is a character device, not a regular file"
check_rejected "$fifo" "the path is a FIFO, not a regular file"

step "the daemon skips each of them and binds the good entry"
write_file "$config" <<YAML
binaries:
  - path: $linked_file
  - path: $linked_directory
  - path: $directory
  - path: $device
  - path: $fifo
  - path: $real
YAML
started=$SECONDS
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
if [ $((SECONDS - started)) -le 10 ]; then
    pass_check "daemon was ready in $((SECONDS - started)) s (it did not block on the FIFO)"
else
    fail_check "daemon ready without blocking on the FIFO" "at most 10 s" "$((SECONDS - started)) s"
fi
log=$(cat "$DAEMON_LOG")
assert_match "$log" "^error: cannot protect path=$linked_file error=\"the path is a symbolic link to ../bin/runc\"" "daemon error for the symbolic link"
assert_match "$log" "^error: cannot protect path=$linked_file .*$real" "daemon error names the file to list instead"
assert_match "$log" "^error: cannot protect path=$linked_directory error=\"the directory $SCRATCH/link is a symbolic link to bin\" hint=\"list the resolved path $real instead\"" "daemon error for the linked directory"
assert_match "$log" "^error: cannot protect path=$directory error=\"the path is a directory, not a regular file\"" "daemon error for the directory"
assert_match "$log" "^error: cannot protect path=$device error=\"the path is a character device, not a regular file\"" "daemon error for the device"
assert_match "$log" "^error: cannot protect path=$fifo error=\"the path is a FIFO, not a regular file\"" "daemon error for the FIFO"
assert_match "$log" "^notice: ready status=\"protecting 1 of 6 binaries\"" "ready with one of six protected"

for path in "$linked_file" "$linked_directory" "$SCRATCH/link" "$directory" "$device" "$fifo"; do
    assert_eq 0 "$(proc_bind_count "$path")" "nothing mounted at $path"
done
assert_eq "$DAEMON_PID" "$(top_bind_owner "$real")" "the real path is bound by the daemon"
assert_eq "symbolic link" "$(stat -c %F "$linked_file")" "the symbolic link is still a link"
assert_exit 0 "the link runs the bound file" "$linked_file"
assert_eq RUNC "$STDOUT" "output through the link"
assert_eq "$(inode_of "$real")" "$(inode_of "$linked_file")" "the link reaches the daemon's memfd"

step "SIGHUP: the rejected entries fail again and nothing is mounted there"
reloads=$(log_count "notice: reloaded")
kill -HUP "$DAEMON_PID"
wait_for 20 "reload finished" log_count_above "notice: reloaded" "$reloads"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=1 added=0 removed=0 replaced=0 unchanged=1 failed=5" "five entries failed again, one unchanged"
for path in "$linked_file" "$linked_directory" "$directory" "$device" "$fifo"; do
    assert_eq 0 "$(proc_bind_count "$path")" "still nothing mounted at $path"
done
finish
