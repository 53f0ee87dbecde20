#!/bin/bash
# Files that must never be bound: an empty file, a file on a noexec mount, and a watched file
# whose execute bits were removed. Also the client's answer to a non-root caller.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin" "$SCRATCH/noexec"
empty=$SCRATCH/bin/empty
: >"$empty"
chmod 755 "$empty"
mount -t tmpfs -o noexec,size=1m tmpfs "$SCRATCH/noexec"
noexec=$SCRATCH/noexec/tool
write_script "$noexec" NOEXEC
watched=$SCRATCH/bin/watched
write_script "$watched" FIRST
ln "$watched" "$SCRATCH/watched-link"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $empty
  - path: $noexec
  - path: $watched
    watch: true
    settle: 0.1
YAML

step "--check-config rejects the empty file and the noexec mount"
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config:2:11: error: $empty: the file is empty; wait until the binary is installed, or remove the entry" \
    "empty file error"
assert_contains "$STDERR" "$config:3:11: error: $noexec: the file is on a filesystem mounted noexec" "noexec error"

step "the daemon skips both and binds the good entry"
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
assert_eq 0 "$(proc_bind_count "$empty")" "no bind over the empty file"
assert_eq 0 "$(proc_bind_count "$noexec")" "no bind over the noexec file"
assert_eq 1 "$(proc_bind_count "$watched")" "the watched file is bound"
assert_contains "$(cat "$DAEMON_LOG")" "error: cannot protect path=$empty error=\"the file is empty\"" "empty file logged"

step "a watched file that loses its execute bits is not copied again"
chmod 644 "$SCRATCH/watched-link"
sleep 0.5
assert_contains "$(cat "$DAEMON_LOG")" "error: cannot protect changed file path=$watched error=\"the file is not executable (mode 0644)\"" \
    "the change is rejected"
assert_eq FIRST "$("$watched")" "the previous copy stays bound and runs"

step "a non-root caller is told that root is needed"
assert_exit 1 "--release as nobody" runuser -u nobody -- "$MEMFD_BIND" --release
assert_eq "memfd-bind: --release must run as root: the daemon accepts requests only from root" "$STDERR" "release message"
assert_exit 1 "--reload as nobody" runuser -u nobody -- "$MEMFD_BIND" --reload --config "$config"
assert_eq "memfd-bind: --reload must run as root: the daemon accepts requests only from root" "$STDERR" "reload message"
finish
