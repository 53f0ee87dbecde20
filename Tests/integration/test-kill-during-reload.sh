#!/bin/bash
# kill -9 in the middle of a reload, then a new start: no stale mount is left and every
# configured path is protected by the new daemon.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
# Large files make each copy take a few milliseconds, so that a kill lands inside a reload.
runc_binary=$(command -v runc || echo "$PROBE")
for name in alpha beta gamma; do
    cp "$runc_binary" "$SCRATCH/bin/$name"
    # Distinct content, so that each path gets its own memfd instead of a shared one.
    printf '%s\n' "$name" >>"$SCRATCH/bin/$name"
done
config=$SCRATCH/config.yaml
pid_file=$SCRATCH/daemon.pid
paths=("$SCRATCH/bin/alpha" "$SCRATCH/bin/beta" "$SCRATCH/bin/gamma")

write_config() {
    local mode=$1
    shift
    {
        echo "binaries:"
        local path
        for path in "$@"; do
            printf '  - path: %s\n    mode: "%s"\n' "$path" "$mode"
        done
    } | write_file "$config"
}

# Checks that the daemon PID protects exactly PATHS, one live bind each, and that no other proc
# bind is left in the scratch directory.
check_clean_start() {
    local pid=$1 label=$2
    shift 2
    local path
    for path in "$@"; do
        assert_eq 1 "$(proc_bind_count "$path")" "$label: one bind at $(basename "$path")"
        assert_eq "$pid" "$(top_bind_owner "$path")" "$label: $(basename "$path") bound by the new daemon"
    done
    assert_eq "$#" "$(proc_binds_in_scratch | grep -c .)" "$label: no other proc bind left" \
        || proc_binds_in_scratch | sed 's/^/  mountinfo: /' >&2
    assert_exit 0 "$label: --status" "$MEMFD_BIND" --status --config "$config"
}

step "deterministic: kill -9 between the new bind and the removal of the old one"
# strace delays the daemon's umount2 by 3 s, so that the kill lands after move_mount put the new
# copy beneath the old bind and before the old bind is detached.
write_config 0511 "${paths[@]}"
strace -f -o /dev/null -e trace=umount2 -e inject=umount2:delay_enter=3000000 \
    "$MEMFD_BIND" --config "$config" --pid-file "$pid_file" >"$SCRATCH/traced.log" 2>&1 &
tracer=$!
HELPER_PIDS+=("$tracer")
DAEMON_LOG=$SCRATCH/traced.log
wait_for 30 "traced daemon ready" grep -q '^notice: ready' "$DAEMON_LOG"
traced=$(cat "$pid_file")
write_config 0555 "${paths[@]}"
kill -HUP "$traced"
has_two_binds() {
    [ "$(proc_bind_count "$1")" = 2 ]
}
wait_for 10 "new copy mounted beneath the old bind" has_two_binds "${paths[0]}"
proc_binds_in_scratch
kill -KILL "$traced"
wait "$tracer" 2>/dev/null
echo "after kill -9:"
proc_binds_in_scratch
start_daemon restart --config "$config" --pid-file "$pid_file" || fatal "daemon did not start after the kill"
check_clean_start "$DAEMON_PID" "after the traced kill" "${paths[@]}"
assert_eq 555 "$(stat -L -c %a "${paths[0]}")" "the configured mode is bound"
kill_daemon "$DAEMON_PID"
"$MEMFD_BIND" --cleanup --config "$config" >/dev/null

step "deterministic: kill -9 while a reload removes an entry"
# The reload removes gamma first; its umount2 is delayed by 3 s and the daemon is killed inside it.
write_config 0511 "${paths[@]}"
strace -f -o /dev/null -e trace=umount2 -e inject=umount2:delay_enter=3000000 \
    "$MEMFD_BIND" --config "$config" --pid-file "$pid_file" >"$SCRATCH/traced-removal.log" 2>&1 &
tracer=$!
HELPER_PIDS+=("$tracer")
DAEMON_LOG=$SCRATCH/traced-removal.log
wait_for 30 "traced daemon ready" grep -q '^notice: ready' "$DAEMON_LOG"
traced=$(cat "$pid_file")
write_config 0511 "${paths[0]}" "${paths[1]}"
kill -HUP "$traced"
wait_for 10 "reload started" grep -q '^notice: reloading' "$DAEMON_LOG"
sleep 0.5
kill -KILL "$traced"
wait "$tracer" 2>/dev/null
start_daemon removal-restart --config "$config" --pid-file "$pid_file" || fatal "daemon did not start after the kill"
check_clean_start "$DAEMON_PID" "after a kill inside the removal" "${paths[0]}" "${paths[1]}"
assert_eq 0 "$(proc_bind_count "${paths[2]}")" "no stale bind left at the removed path"
kill_daemon "$DAEMON_PID"
"$MEMFD_BIND" --cleanup --config "$config" >/dev/null
"$MEMFD_BIND" --cleanup "${paths[2]}" >/dev/null

step "kill -9 at random points of mode-change reloads"
for i in $(seq 1 10); do
    write_config 0511 "${paths[@]}"
    start_daemon "round-$i" --config "$config" --pid-file "$pid_file" || fatal "daemon did not start in round $i"
    write_config 0555 "${paths[@]}"
    kill -HUP "$DAEMON_PID"
    sleep "0.00$((RANDOM % 10))"
    kill_daemon "$DAEMON_PID"
    start_daemon "round-$i-restart" --config "$config" --pid-file "$pid_file" || fatal "restart failed in round $i"
    check_clean_start "$DAEMON_PID" "round $i" "${paths[@]}"
    kill_daemon "$DAEMON_PID"
    "$MEMFD_BIND" --cleanup --config "$config" >/dev/null
done

step "kill -9 during a reload that removes an entry"
for i in $(seq 1 5); do
    write_config 0511 "${paths[@]}"
    start_daemon "removal-$i" --config "$config" --pid-file "$pid_file" || fatal "daemon did not start"
    write_config 0555 "${paths[0]}" "${paths[1]}"
    kill -HUP "$DAEMON_PID"
    sleep "0.00$((RANDOM % 10))"
    kill_daemon "$DAEMON_PID"
    start_daemon "removal-$i-restart" --config "$config" --pid-file "$pid_file" || fatal "restart failed"
    check_clean_start "$DAEMON_PID" "removal round $i" "${paths[0]}" "${paths[1]}"
    kill_daemon "$DAEMON_PID"
    "$MEMFD_BIND" --cleanup --config "$config" >/dev/null
    "$MEMFD_BIND" --cleanup "${paths[2]}" >/dev/null
done
finish
