#!/bin/bash
# A configuration file that someone other than root could change is rejected: owned by another user,
# writable by group or others, or below a directory that is writable by group or others without the
# sticky bit. The daemon exits 1 at start, --reload exits 1 without asking the daemon, and SIGHUP
# keeps every bind. Each message names the owner and mode and gives the chown or chmod to run.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin" "$SCRATCH/etc"
chmod 0755 "$SCRATCH/etc"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/etc/config.yaml
pid_file=$SCRATCH/daemon.pid

write_config() {
    write_file "$config" <<YAML
binaries:
  - path: $target
YAML
}

# Checks that the daemon exits 1 at start with each EXPECTED text and mounts nothing.
check_start_rejected() {
    local description=$1
    shift
    assert_exit 1 "$description: daemon start" timeout 20 "$MEMFD_BIND" --config "$config" --pid-file "$pid_file"
    local expected
    for expected in "$@"; do
        assert_contains "$OUTPUT" "$expected" "$description: start message"
    done
    assert_not_contains "$OUTPUT" "notice: bound" "$description: nothing bound"
    assert_eq 0 "$(proc_bind_count "$target")" "$description: nothing mounted"
}

step "owned by a user other than root"
write_config
chown 65534:65534 "$config"
check_start_rejected "owner 65534" \
    "$config: error: configuration file is owned by uid 65534 (mode 0644), but it must be owned by root" \
    "run \\\"chown root:root $config\\\""

step "writable by group"
write_config
chmod 0664 "$config"
check_start_rejected "mode 0664" \
    "$config: error: configuration file is writable by group or others (owner uid 0, mode 0664)" \
    "run \\\"chmod go-w $config\\\""

step "writable by others"
write_config
chmod 0646 "$config"
check_start_rejected "mode 0646" \
    "$config: error: configuration file is writable by group or others (owner uid 0, mode 0646)" \
    "run \\\"chmod go-w $config\\\""

step "a world-writable directory without the sticky bit above it"
write_config
chmod 0777 "$SCRATCH/etc"
check_start_rejected "directory 0777" \
    "directory $SCRATCH/etc (owner uid 0, mode 0777) is writable by group or others without the sticky bit" \
    "run \\\"chmod go-w $SCRATCH/etc\\\""
assert_exit 1 "--check-config with the directory 0777" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "$config: error: directory $SCRATCH/etc (owner uid 0, mode 0777) is writable by group or others without the sticky bit, so they could replace the configuration file; run \"chmod go-w $SCRATCH/etc\"" "--check-config names the directory, its mode and the chmod"

step "a directory owned by another user above it"
chmod 0755 "$SCRATCH/etc"
chown 65534 "$SCRATCH/etc"
check_start_rejected "directory owner 65534" \
    "directory $SCRATCH/etc (owner uid 65534, mode 0755) is not owned by root" \
    "run \\\"chown root:root $SCRATCH/etc\\\""
chown 0 "$SCRATCH/etc"

step "a world-writable directory with the sticky bit is accepted"
chmod 1777 "$SCRATCH/etc"
assert_exit 0 "--check-config with the directory 1777" "$MEMFD_BIND" --check-config --config "$config"
chmod 0755 "$SCRATCH/etc"

step "both problems at once are both reported"
chown 65534 "$config"
chmod 0666 "$config"
assert_exit 1 "--check-config with owner 65534 and mode 0666" "$MEMFD_BIND" --check-config --config "$config"
assert_contains "$STDERR" "is owned by uid 65534 (mode 0666)" "owner problem reported"
assert_contains "$STDERR" "is writable by group or others (owner uid 65534, mode 0666)" "mode problem reported"

step "--reload and SIGHUP with a file that became writable by others"
write_config
start_daemon daemon --config "$config" --pid-file "$pid_file" || fatal "daemon did not start with a good file"
daemon=$DAEMON_PID
mount_id=$(top_mount_id "$target")
chmod 0666 "$config"
reloads_started=$(log_count "notice: reloading")
assert_exit 1 "--reload" "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file"
assert_contains "$STDERR" "$config: error: configuration file is writable by group or others (owner uid 0, mode 0666); run \"chmod go-w $config\"" "--reload prints the problem and the fix"
assert_contains "$STDERR" "the daemon was not asked to reload" "--reload says nothing was sent"
sleep 0.5
assert_eq "$reloads_started" "$(log_count "notice: reloading")" "the daemon logged no reload"

failures=$(log_count "error: reload failed")
kill -HUP "$daemon"
wait_for 20 "SIGHUP reload failed" log_count_above "error: reload failed" "$failures"
assert_match "$(cat "$DAEMON_LOG")" "^error: configuration problem=\".*$config: error: configuration file is writable by group or others \(owner uid 0, mode 0666\)" "daemon log names the mode"
assert_eq "$mount_id" "$(top_mount_id "$target")" "the bind is kept"
assert_eq "$daemon" "$(top_bind_owner "$target")" "the bind still belongs to the daemon"

step "--reload after the fix"
chmod 0644 "$config"
assert_exit 0 "--reload with the fixed file" "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file"
assert_contains "$STDOUT" "unchanged: 1 $target" "summary after the fix"
finish
