#!/bin/bash
# 100 SIGHUPs in a burst while the configuration alternates between two contents end in the state of
# the last content, with the descriptor count and binds of a daemon started from it.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
for name in one two three four; do
    write_script "$SCRATCH/bin/$name" "$(tr a-z A-Z <<<"$name")"
done
config=$SCRATCH/config.yaml
pid_file=$SCRATCH/daemon.pid

write_first() {
    write_file "$config" <<YAML
binaries:
  - path: $SCRATCH/bin/one
  - path: $SCRATCH/bin/two
    mode: "0555"
YAML
}
write_second() {
    write_file "$config" <<YAML
binaries:
  - path: $SCRATCH/bin/two
  - path: $SCRATCH/bin/three
  - path: $SCRATCH/bin/four
YAML
}

# Prints the number of open descriptors of PID.
descriptor_count() {
    ls "/proc/$1/fd" | wc -l
}

step "reference: a daemon started from the second content"
write_second
start_daemon reference --config "$config" --pid-file "$pid_file" || fatal "reference daemon did not start"
reference_descriptors=$(descriptor_count "$DAEMON_PID")
reference_binds=$(proc_binds_in_scratch | grep -c .)
echo "reference: $reference_descriptors descriptors, $reference_binds binds"
assert_eq 3 "$reference_binds" "reference daemon binds three paths"
stop_daemon "$DAEMON_PID"
assert_eq 0 "$STOP_STATUS" "reference daemon stopped"

step "100 SIGHUPs, alternating contents, ending with the second"
write_second
start_daemon daemon --config "$config" --pid-file "$pid_file" || fatal "daemon did not start"
daemon=$DAEMON_PID
for i in $(seq 1 100); do
    if [ $((i % 2)) = 1 ]; then write_first; else write_second; fi
    kill -HUP "$daemon"
done

# Succeeds once the daemon finished a reload that started after the last SIGHUP: the
# reloading and reloaded (or failed) lines pair up and the mount table matches the last content.
settled() {
    local started finished
    started=$(log_count "notice: reloading")
    finished=$(($(log_count "notice: reloaded") + $(log_count "error: reload failed")))
    [ "$started" -gt 0 ] && [ "$started" = "$finished" ] \
        && is_bound_by "$SCRATCH/bin/two" "$daemon" && is_bound_by "$SCRATCH/bin/three" "$daemon" \
        && is_bound_by "$SCRATCH/bin/four" "$daemon" && is_unbound "$SCRATCH/bin/one"
}
wait_for 60 "daemon settled in the last content" settled
sleep 1
assert_exit 0 "daemon still runs" kill -0 "$daemon"
echo "reloads: $(log_count "notice: reloading")"
assert_eq 0 "$(log_count "error:")" "no error in the log"

step "state of the last content"
for name in two three four; do
    assert_eq 1 "$(proc_bind_count "$SCRATCH/bin/$name")" "$name has exactly one bind"
    assert_exit 0 "$name runs" "$SCRATCH/bin/$name"
    assert_eq "$(tr a-z A-Z <<<"$name")" "$STDOUT" "$name output"
done
assert_eq 511 "$(stat -L -c %a "$SCRATCH/bin/two")" "two has mode 0511 again"
assert_eq 0 "$(proc_bind_count "$SCRATCH/bin/one")" "one is not bound"
assert_eq "$reference_binds" "$(proc_binds_in_scratch | grep -c .)" "bind count as the reference"
assert_eq "$reference_descriptors" "$(descriptor_count "$daemon")" "descriptor count as the reference"
assert_exit 0 "--status" "$MEMFD_BIND" --status --config "$config"

step "each bound path opens its own memfd"
for name in two three four; do
    owner_fd=$(proc_binds_at "$SCRATCH/bin/$name" | awk '{ split($4, parts, "/"); print parts[4] }')
    assert_eq "/memfd:memfd-bind:$SCRATCH/bin/$name (deleted)" "$(readlink "/proc/$daemon/fd/$owner_fd")" "$name's bind names its own memfd"
done
stop_daemon "$daemon"
assert_eq 0 "$STOP_STATUS" "daemon stopped"
assert_eq "" "$(proc_binds_in_scratch)" "no bind left"
finish
