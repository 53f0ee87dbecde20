#!/bin/bash
# 200 SIGHUPs alternating two valid configurations and an invalid one, while a loop creates, starts
# and deletes containers with Debian's runc through its protected path. No container start fails,
# the daemon leaks no descriptor, memfd or mount, and it ends in the state of the last valid file.
source "$(dirname "$0")/lib.sh"

command -v runc >/dev/null || fatal "runc is not installed (apt-get install runc)"
busybox=$(command -v busybox) || fatal "busybox is not installed (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && fatal "$busybox is dynamically linked; install busybox-static"

mkdir -p "$SCRATCH/bin"
runc=$SCRATCH/bin/runc
cp "$(command -v runc)" "$runc"
tool=$SCRATCH/bin/tool
write_script "$tool" TOOL
state=$SCRATCH/runc-state
config=$SCRATCH/config.yaml
pid_file=$SCRATCH/daemon.pid

step "busybox bundle"
bundle=$SCRATCH/bundle
make_busybox_bundle "$bundle" "$runc"
at_exit "'$runc' --root '$state' list -q | xargs -r -n 1 '$runc' --root '$state' delete -f"

# The first valid file protects runc and the tool with the defaults; the second changes runc's mode,
# so that each switch replaces runc's bind while containers start; the third is invalid.
write_valid_first() {
    write_file "$config" <<YAML
binaries:
  - path: $runc
  - path: $tool
YAML
}
write_valid_second() {
    write_file "$config" <<YAML
binaries:
  - path: $runc
    mode: "0555"
YAML
}
write_invalid() {
    write_file "$config" <<YAML
binaries:
  - path: $runc
    mode: "0999"
YAML
}

# Prints the number of open descriptors of PID.
descriptor_count() {
    ls "/proc/$1/fd" | wc -l
}

# Prints the memfd-bind memfds that PID holds open, sorted, one per line.
held_memfds() {
    local link
    for link in "/proc/$1/fd/"*; do
        readlink "$link"
    done | grep '^/memfd:memfd-bind:' | sort
}

write_valid_first
start_daemon daemon --config "$config" --pid-file "$pid_file" || fatal "daemon did not start"
daemon=$DAEMON_PID
descriptors_before=$(descriptor_count "$daemon")
memfds_before=$(held_memfds "$daemon")
binds_before=$(proc_binds_in_scratch | awk '{ print $5 }' | sort)
echo "before: $descriptors_before descriptors, binds at: $(echo $binds_before)"
assert_eq 2 "$(grep -c . <<<"$memfds_before")" "two memfds at start"

step "container loop"
stop_file=$SCRATCH/loop.stop
# Runs create, start and delete until STOP exists, and prints one line per failure and a summary.
container_loop() {
    local cycles=0 failures=0 id
    while [ ! -e "$stop_file" ]; do
        id=load-$$-$cycles
        cycles=$((cycles + 1))
        if ! "$runc" --root "$state" create --bundle "$bundle" "$id" </dev/null >"$SCRATCH/create.out" 2>&1; then
            failures=$((failures + 1))
            echo "cycle $cycles: runc create failed: $(tr '\n' ' ' <"$SCRATCH/create.out")"
            "$runc" --root "$state" delete -f "$id" >/dev/null 2>&1
            continue
        fi
        exe=$(readlink "/proc/$("$runc" --root "$state" state "$id" | jq -r .pid)/exe")
        case "$exe" in
        "/memfd:memfd-bind:$runc (deleted)") ;;
        *) echo "cycle $cycles: runc init runs from '$exe'" ;;
        esac
        if ! "$runc" --root "$state" start "$id" >"$SCRATCH/start.out" 2>&1; then
            failures=$((failures + 1))
            echo "cycle $cycles: runc start failed: $(tr '\n' ' ' <"$SCRATCH/start.out")"
        fi
        if ! "$runc" --root "$state" delete -f "$id" >"$SCRATCH/delete.out" 2>&1; then
            failures=$((failures + 1))
            echo "cycle $cycles: runc delete failed: $(tr '\n' ' ' <"$SCRATCH/delete.out")"
        fi
    done
    echo "cycles=$cycles failures=$failures"
}
container_loop >"$SCRATCH/loop.out" 2>&1 &
loop=$!
HELPER_PIDS+=("$loop")

step "200 SIGHUPs: first, second, invalid, in turn"
for i in $(seq 1 200); do
    case $((i % 3)) in
    1) write_valid_first ;;
    2) write_valid_second ;;
    0) write_invalid ;;
    esac
    kill -HUP "$daemon"
    sleep 0.03
done
write_valid_first
reloads_started=$(log_count "notice: reloading")
kill -HUP "$daemon"

# Succeeds once a reload started after the last SIGHUP and every started reload has finished.
settled() {
    local started finished
    started=$(log_count "notice: reloading")
    finished=$(($(log_count "notice: reloaded") + $(log_count "error: reload failed")))
    [ "$started" -gt "$reloads_started" ] && [ "$started" = "$finished" ]
}
wait_for 30 "the last reload finished" settled
touch "$stop_file"
wait "$loop"
loop_output=$(cat "$SCRATCH/loop.out")
echo "$loop_output" | tail -n 10
summary=$(tail -n 1 <<<"$loop_output")
assert_match "$summary" "^cycles=[1-9][0-9]* failures=0$" "no container create, start or delete failed"
assert_eq "$summary" "$loop_output" "runc init always ran from the daemon's memfd"
echo "reloads: $(log_count "notice: reloaded") applied, $(log_count "error: reload failed") rejected"
if [ "$(log_count "error: reload failed")" -gt 0 ]; then
    pass_check "some reloads read the invalid file and were rejected"
else
    fail_check "some reloads read the invalid file" "at least one 'reload failed'" "none"
fi
assert_eq 0 "$(grep -c '^error: cannot\|^error: bind check failed\|^warning: memfd kept open' "$DAEMON_LOG")" "no bind error in the daemon log"

step "the final state is the first valid file, with nothing leaked"
assert_eq "$descriptors_before" "$(descriptor_count "$daemon")" "same descriptor count as at start"
assert_eq "$memfds_before" "$(held_memfds "$daemon")" "same memfds as at start (runc and the tool)"
assert_eq "$binds_before" "$(proc_binds_in_scratch | awk '{ print $5 }' | sort)" "same bound paths as at start"
assert_eq 1 "$(proc_bind_count "$runc")" "one bind at runc"
assert_eq 1 "$(proc_bind_count "$tool")" "one bind at the tool"
assert_eq 511 "$(stat -L -c %a "$runc")" "runc has the first file's mode"
assert_eq "" "$("$runc" --root "$state" list -q)" "no container left"
finish
