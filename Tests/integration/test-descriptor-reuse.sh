#!/bin/bash
# A bind follows the daemon's descriptor number, so a memfd closed while bound would let the next file
# the daemon opens on that number (the configuration, a socket, another binary) appear at the path.
# While 100 SIGHUPs alternate two configurations, a reader resolves the three paths in a loop: each
# is the daemon's memfd of that very path, or a plain unprotected file, and nothing else. At the end
# the daemon holds exactly one memfd per bound path.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
runc=$SCRATCH/bin/runc
crun=$SCRATCH/bin/crun
third=$SCRATCH/bin/third
# Distinct contents, so that the daemon never shares one copy between two paths.
write_script "$runc" RUNC
write_script "$crun" CRUN
write_script "$third" THIRD
config=$SCRATCH/config.yaml

write_config_a() {
    write_file "$config" <<YAML
binaries:
  - path: $runc
  - path: $crun
YAML
}
write_config_b() {
    write_file "$config" <<YAML
binaries:
  - path: $crun
  - path: $third
YAML
}

# link-reader STOP-FILE PATH... calls readlink(2) on each PATH until STOP-FILE exists. A bound path
# reads as the link target of the daemon's descriptor; a plain file fails with EINVAL. Every other
# outcome is printed (at most 50 lines), then a summary line.
cat >"$SCRATCH/link-reader.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: link-reader STOP-FILE PATH...\n");
        return 2;
    }
    long reads = 0, own_memfd = 0, plain = 0, unexpected = 0;
    char target[4096], expected[4096];
    while (access(argv[1], F_OK) != 0) {
        for (int i = 2; i < argc; i++) {
            reads++;
            ssize_t length = readlink(argv[i], target, sizeof(target) - 1);
            if (length < 0) {
                if (errno == EINVAL) {
                    plain++;
                    continue;
                }
                if (++unexpected <= 50) {
                    printf("error %s: %s\n", argv[i], strerror(errno));
                }
                continue;
            }
            target[length] = '\0';
            snprintf(expected, sizeof(expected), "/memfd:memfd-bind:%s (deleted)", argv[i]);
            if (strcmp(target, expected) == 0) {
                own_memfd++;
            } else if (++unexpected <= 50) {
                printf("link %s -> %s\n", argv[i], target);
            }
        }
    }
    printf("reads=%ld own_memfd=%ld plain=%ld unexpected=%ld\n", reads, own_memfd, plain, unexpected);
    return 0;
}
C
gcc -O2 -Wall -Wextra -o "$SCRATCH/link-reader" "$SCRATCH/link-reader.c" || fatal "cannot compile link-reader"

# Prints the memfd-bind memfd names that PID holds open, sorted, one per line.
held_memfds() {
    local link
    for link in "/proc/$1/fd/"*; do
        readlink "$link"
    done | sed -n 's|^/memfd:memfd-bind:\(.*\) (deleted)$|\1|p' | sort
}

write_config_a
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID

step "100 SIGHUPs alternating the configurations, each awaited, while the reader runs"
stop_file=$SCRATCH/reader.stop
"$SCRATCH/link-reader" "$stop_file" "$runc" "$crun" "$third" >"$SCRATCH/reader.out" 2>&1 &
reader=$!
HELPER_PIDS+=("$reader")
for i in $(seq 1 100); do
    if [ $((i % 2)) = 1 ]; then write_config_b; else write_config_a; fi
    reloads=$(log_count "notice: reloaded")
    kill -HUP "$daemon"
    wait_for 20 "reload $i finished" log_count_above "notice: reloaded" "$reloads" >/dev/null || break
done
touch "$stop_file"
wait "$reader"
reader_output=$(cat "$SCRATCH/reader.out")
echo "$reader_output" | tail -n 5
summary=$(tail -n 1 <<<"$reader_output")
assert_match "$summary" "^reads=[0-9]+ " "the reader finished"
assert_match "$summary" " unexpected=0$" "every read was the path's own memfd or a plain file"
assert_eq "$summary" "$(grep -v '^link \|^error ' <<<"$reader_output")" "no link to anything else and no other error"
own=$(sed -n 's/.* own_memfd=\([0-9]*\) .*/\1/p' <<<"$summary")
plain=$(sed -n 's/.* plain=\([0-9]*\) .*/\1/p' <<<"$summary")
if [ "${own:-0}" -gt 0 ] && [ "${plain:-0}" -gt 0 ]; then
    pass_check "the reader saw both states ($own memfd links, $plain plain files)"
else
    fail_check "the reader saw both bound and plain paths" "both counts above 0" "$summary"
fi
assert_eq 0 "$(grep -c '^error: reload failed\|^error: bind check failed\|^error: cannot' "$DAEMON_LOG")" "no error in the daemon log"

step "the final state is configuration A"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=100 " "100 reloads done"
assert_eq "$daemon" "$(top_bind_owner "$runc")" "runc bound"
assert_eq "$daemon" "$(top_bind_owner "$crun")" "crun bound"
assert_eq 0 "$(proc_bind_count "$third")" "third not bound"
assert_eq 1 "$(proc_bind_count "$runc")" "one bind at runc"
assert_eq 1 "$(proc_bind_count "$crun")" "one bind at crun"
assert_eq "$(printf '%s\n' "$crun" "$runc" | sort)" "$(held_memfds "$daemon")" "the daemon holds exactly one memfd per bound path"
for path in "$runc" "$crun" "$third"; do
    assert_exit 0 "$(basename "$path") runs" "$path"
    assert_eq "$(basename "$path" | tr a-z A-Z)" "$STDOUT" "$(basename "$path") prints its own word"
done
finish
