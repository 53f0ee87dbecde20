#!/bin/bash
# 50 reloads that alternate an entry's mode between 0511 and 0555, while a loop executes the path
# as fast as it can: no execution fails and none runs the file on disk instead of the memfd.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
# The protected script reports where the shell read it from: the daemon's memfd shows up among the
# shell's descriptors as /memfd:memfd-bind:..., the file on disk as its path. A run during a gap
# in the bind would print ORIGINAL.
cat >"$target" <<'SCRIPT'
#!/bin/sh
case "$(readlink /proc/$$/fd/* 2>/dev/null)" in
*/memfd:memfd-bind:*) echo BOUND ;;
*) echo ORIGINAL ;;
esac
SCRIPT
chmod 0755 "$target"

runner=$SCRATCH/run-loop
stop_file=$SCRATCH/stop
results=$SCRATCH/results
# The loop prints one line per run: the script's output, or FAILED with the status and message.
cat >"$runner" <<'SCRIPT'
#!/bin/sh
while [ ! -e "$2" ]; do
    if output=$("$1" 2>&1); then
        echo "$output"
    else
        echo "FAILED $? $output"
    fi
done
SCRIPT
chmod 0755 "$runner"

step "the script tells the file from the memfd"
assert_exit 0 "script runs unprotected" "$target"
assert_eq ORIGINAL "$STDOUT" "output when run from the file"

config=$SCRATCH/config.yaml
pid_file=$SCRATCH/daemon.pid
write_config() {
    write_file "$config" <<YAML
binaries:
  - path: $target
    mode: "$1"
YAML
}
write_config 0511
start_daemon daemon --config "$config" --pid-file "$pid_file" || fatal "daemon did not start"
assert_exit 0 "script runs protected" "$target"
assert_eq BOUND "$STDOUT" "output when run from the memfd"

step "50 reloads while the loop runs"
"$runner" "$target" "$stop_file" >"$results" &
HELPER_PIDS+=("$!")
loop=$!
sleep 0.2
reload_failures=0
for i in $(seq 1 50); do
    if [ $((i % 2)) = 1 ]; then mode=0555; else mode=0511; fi
    write_config "$mode"
    if ! "$MEMFD_BIND" --reload --config "$config" --pid-file "$pid_file" >"$SCRATCH/reload.out" 2>&1 \
        || ! grep -qx "replaced: 1 $target" "$SCRATCH/reload.out"; then
        reload_failures=$((reload_failures + 1))
        sed 's/^/  reload: /' "$SCRATCH/reload.out"
    fi
done
sleep 0.2
touch "$stop_file"
wait "$loop"

runs=$(grep -c . "$results")
bound_runs=$(grep -cx BOUND "$results")
original_runs=$(grep -cx ORIGINAL "$results")
failed_runs=$(grep -c '^FAILED' "$results")
echo "runs: $runs, from the memfd: $bound_runs, from the file: $original_runs, failed: $failed_runs"
grep -v -x BOUND "$results" | sort | uniq -c | head -n 10
assert_eq 0 "$reload_failures" "every reload replaced the bind"
assert_eq 0 "$failed_runs" "no execution failed"
assert_eq 0 "$original_runs" "no execution ran the file on disk"
assert_ne 0 "$bound_runs" "the loop ran the path"
assert_eq "$runs" "$bound_runs" "every run came from the memfd"
assert_eq 1 "$(proc_bind_count "$target")" "one bind left after the reloads"
assert_eq 511 "$(stat -L -c %a "$target")" "last mode is 0511"
assert_not_contains "$(cat "$DAEMON_LOG")" "replaced with a gap" "the daemon never fell back to unmount-then-mount"
finish
