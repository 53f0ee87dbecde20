#!/bin/bash
# vm.memfd_noexec in a child pid namespace. At 1 the daemon still binds an executable memfd and the
# path runs. At 2 executable memfds are forbidden, so the entry fails with a message naming the
# sysctl and nothing is mounted. The machine's own value stays as it was.
source "$(dirname "$0")/lib.sh"

sysctl_file=/proc/sys/vm/memfd_noexec
# The sysctl appeared in Linux 6.3 and is kept per pid namespace from then on, so a write in a child
# pid namespace changes that namespace's value only.
[ -e "$sysctl_file" ] || fatal "$sysctl_file does not exist: the kernel is older than 6.3, so there is nothing to test"
# The test runs in the machine's pid namespace (run.sh makes a mount and a network namespace only).
machine_value=$(cat "$sysctl_file")
echo "vm.memfd_noexec of this pid namespace: $machine_value"
[ "$machine_value" = 0 ] || fatal "vm.memfd_noexec is $machine_value here; the test needs 0, because a child cannot lower it"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

# The part that runs inside the child pid namespace (as its PID 1, so every process it starts dies
# with it). It sets the sysctl to $1, starts the daemon, and prints key=value results.
cat >"$SCRATCH/in-child.sh" <<'SH'
level=$1
echo "$level" >/proc/sys/vm/memfd_noexec || { echo "sysctl_write=failed"; exit 1; }
echo "sysctl=$(cat /proc/sys/vm/memfd_noexec)"
"$MEMFD_BIND" --config "$CONFIG" --pid-file "$SCRATCH/child-$level.pid" >"$LOG" 2>&1 &
daemon=$!
for _ in $(seq 1 200); do
    grep -qs '^notice: ready' "$LOG" && break
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$daemon" 2>/dev/null; then echo "daemon=running"; else echo "daemon=exited"; fi
echo "binds=$(awk -v path="$TARGET" '$5 == path' /proc/self/mountinfo | grep -c .)"
output=$("$TARGET" 2>&1)
echo "exec_status=$?"
echo "exec_output=$output"
echo "exec_mode=$(stat -L -c %a "$TARGET")"
kill -TERM "$daemon" 2>/dev/null
wait "$daemon"
echo "daemon_status=$?"
SH

# Runs the daemon in a child pid namespace with vm.memfd_noexec at LEVEL; sets RESULT and LOG.
run_in_child() {
    local level=$1
    LOG=$SCRATCH/daemon-$level.log
    RESULT=$(MEMFD_BIND=$MEMFD_BIND CONFIG=$config TARGET=$target LOG=$LOG SCRATCH=$SCRATCH \
        timeout -k 5 40 unshare --pid --fork --mount-proc bash "$SCRATCH/in-child.sh" "$level")
    echo "$RESULT"
    echo "--- $LOG"
    sed 's/^/  | /' "$LOG"
}

# Prints the value of KEY in RESULT.
result_value() {
    sed -n "s/^$1=//p" <<<"$RESULT"
}

step "vm.memfd_noexec=1: the daemon binds an executable memfd"
run_in_child 1
assert_eq 1 "$(result_value sysctl)" "the child namespace reads 1"
assert_eq running "$(result_value daemon)" "daemon is running"
assert_eq 1 "$(result_value binds)" "one mount on the path inside the child"
assert_eq 0 "$(result_value exec_status)" "the path runs"
assert_eq TOOL "$(result_value exec_output)" "output through the bind"
assert_eq 511 "$(result_value exec_mode)" "the memfd has mode 0511"
assert_eq 0 "$(result_value daemon_status)" "daemon stopped cleanly"
assert_match "$(cat "$LOG")" "^notice: bound path=$target " "bind logged"
assert_eq "$machine_value" "$(cat "$sysctl_file")" "vm.memfd_noexec of this namespace unchanged"

step "vm.memfd_noexec=2: executable memfds are forbidden"
run_in_child 2
assert_eq 2 "$(result_value sysctl)" "the child namespace reads 2"
assert_eq 0 "$(result_value binds)" "nothing mounted on the path inside the child"
assert_eq 0 "$(result_value exec_status)" "the path runs the original file"
assert_eq TOOL "$(result_value exec_output)" "output of the original"
assert_match "$(cat "$LOG")" "^error: cannot protect path=$target .*vm\.memfd_noexec" "the entry's error names vm.memfd_noexec"
assert_match "$(cat "$LOG")" "^error: cannot protect path=$target error=\"cannot create an executable memfd: .*Permission denied" "the error gives the EACCES text"
assert_not_contains "$(cat "$LOG")" "notice: bound" "nothing was bound"

step "the machine's own value"
assert_eq "$machine_value" "$(cat "$sysctl_file")" "vm.memfd_noexec of this namespace unchanged"
assert_eq 0 "$(proc_bind_count "$target")" "no mount on the path in the test's namespace"
finish
