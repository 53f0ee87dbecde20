#!/bin/bash
# A 20 MiB protected executable costs one copy of shared memory. Shmem in /proc/meminfo grows by
# about 20 MiB when the daemon binds it and by less than 4 MiB while 200 processes run it at once.
# The whole system has exactly one descriptor of its memfd, the daemon's.
source "$(dirname "$0")/lib.sh"

# Noise: other processes on this machine (other test runs, containers whose runc copies itself
# into a memfd of 10-16 MiB) change Shmem while the test measures. Each state is sampled three
# times and the median is used. The bind may differ from the file's size by -1 MiB (the daemon's own pages
# make it a little larger, never smaller) to +4 MiB, the same 4 MiB that the 200 processes may
# add. A measurement outside its margin is repeated up to three times. A product that copied the
# binary per process would exceed the margin in every attempt (200 x 20 MiB).
process_count=200
process_margin_kib=$((4 * 1024))
attempts=3

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/big

step "20 MiB static executable"
# The initialised array puts 20 MiB into .data, so the file itself is that large. The program
# waits for a signal without touching the array, so its pages stay those of the memfd.
cat >"$SCRATCH/big.c" <<'C'
#include <unistd.h>

__attribute__((used)) static char padding[20 * 1024 * 1024] = { 1 };

int main(void)
{
    for (;;) {
        pause();
    }
}
C
gcc -O2 -static -o "$target" "$SCRATCH/big.c" || fatal "cannot compile the 20 MiB executable (needs gcc and libc6-dev)"
size=$(stat -c %s "$target")
echo "executable size: $size bytes"
if [ "$size" -ge $((20 * 1024 * 1024)) ] && [ "$size" -lt $((21 * 1024 * 1024)) ]; then
    pass_check "executable is 20 MiB"
else
    fatal "the executable is $size bytes, expected 20 MiB to 21 MiB"
fi
copy_kib=$(((size + 1023) / 1024))

config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

# Prints Shmem of /proc/meminfo in KiB.
shmem_kib() {
    awk '$1 == "Shmem:" { print $2 }' /proc/meminfo
}

# Prints the median of three Shmem samples taken 100 ms apart, in KiB.
shmem_median_kib() {
    local samples=()
    for _ in 1 2 3; do
        samples+=("$(shmem_kib)")
        sleep 0.1
    done
    printf '%s\n' "${samples[@]}" | sort -n | sed -n 2p
}

# Prints the pids and descriptors on the whole system whose link names the target's memfd.
memfd_descriptors() {
    local link
    for link in /proc/[0-9]*/fd/*; do
        if [ "$(readlink "$link" 2>/dev/null)" = "/memfd:memfd-bind:$target (deleted)" ]; then
            echo "$link"
        fi
    done
}

step "Shmem grows by one copy when the daemon binds the executable"
bind_delta=""
for attempt in $(seq 1 "$attempts"); do
    before=$(shmem_median_kib)
    start_daemon "daemon-$attempt" --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
    after=$(shmem_median_kib)
    bind_delta=$((after - before))
    echo "attempt $attempt: Shmem $before KiB before, $after KiB after, delta $bind_delta KiB"
    if [ "$bind_delta" -ge $((copy_kib - 1024)) ] && [ "$bind_delta" -le $((copy_kib + process_margin_kib)) ]; then
        break
    fi
    if [ "$attempt" -lt "$attempts" ]; then
        stop_daemon "$DAEMON_PID"
    fi
done
daemon=$DAEMON_PID
if [ "$bind_delta" -ge $((copy_kib - 1024)) ] && [ "$bind_delta" -le $((copy_kib + process_margin_kib)) ]; then
    pass_check "Shmem grew by $bind_delta KiB for one copy of $copy_kib KiB"
else
    fail_check "Shmem growth when the daemon binds the executable" \
        "$((copy_kib - 1024)) to $((copy_kib + process_margin_kib)) KiB" "$bind_delta KiB"
fi
assert_eq 1 "$(proc_bind_count "$target")" "one bind on the path"

step "$process_count processes run the protected path at once"
process_delta=""
for attempt in $(seq 1 "$attempts"); do
    before=$(shmem_median_kib)
    runners=()
    for _ in $(seq 1 "$process_count"); do
        "$target" &
        runners+=("$!")
        HELPER_PIDS+=("$!")
    done

    # Succeeds once every runner executes from the memfd.
    all_running_from_memfd() {
        local pid
        for pid in "${runners[@]}"; do
            [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "/memfd:memfd-bind:$target (deleted)" ] || return 1
        done
    }
    wait_for 30 "all $process_count processes run from the daemon's memfd (attempt $attempt)" all_running_from_memfd
    after=$(shmem_median_kib)
    process_delta=$((after - before))
    echo "attempt $attempt: Shmem $before KiB before, $after KiB with $process_count processes, delta $process_delta KiB"

    descriptors=$(memfd_descriptors)
    if [ "$process_delta" -lt "$process_margin_kib" ] || [ "$attempt" = "$attempts" ]; then
        break
    fi
    { kill -KILL "${runners[@]}"; wait "${runners[@]}"; } 2>/dev/null
done
if [ "$process_delta" -lt "$process_margin_kib" ]; then
    pass_check "Shmem grew by $process_delta KiB for $process_count processes"
else
    fail_check "Shmem growth while $process_count processes run the path" "less than $process_margin_kib KiB" "$process_delta KiB"
fi

step "exactly one descriptor of the memfd on the system"
assert_eq 1 "$(grep -c . <<<"$descriptors")" "descriptors naming /memfd:memfd-bind:$target (found: $(echo $descriptors))"
assert_match "$descriptors" "^/proc/$daemon/fd/[0-9]+$" "the descriptor is the daemon's"

{ kill -KILL "${runners[@]}"; wait "${runners[@]}"; } 2>/dev/null
finish
