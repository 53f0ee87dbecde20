# Shared helpers for the root integration tests of memfd-bind. Each test-*.sh sources this file.
#
# Environment (run.sh sets all of it; a test run by hand needs only MEMFD_BIND):
#   MEMFD_BIND   absolute path of the memfd-bind binary under test
#   SCRATCH      the test's scratch directory (created here when missing)
#   PROBE        the compiled Tests/probe/probe.c (built here when missing)
#
# A test run by hand re-executes itself in a private mount namespace (and a private network
# namespace, so that --release and --resume reach only the daemons this test started), exactly
# as run.sh runs it. No test ever mounts in the caller's own mount namespace.

set -u

INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPOSITORY_DIR=$(cd "$INTEGRATION_DIR/../.." && pwd)

if [ -z "${MEMFD_BIND:-}" ] || [ "${MEMFD_BIND#/}" = "$MEMFD_BIND" ] || [ ! -x "$MEMFD_BIND" ]; then
    echo "MEMFD_BIND must be the absolute path of an executable memfd-bind (got '${MEMFD_BIND:-}')" >&2
    exit 2
fi

if [ "${MEMFD_BIND_TEST_NAMESPACE:-}" != 1 ]; then
    own_scratch=$(mktemp -d /tmp/memfd-bind-test.XXXXXX)
    MEMFD_BIND_TEST_NAMESPACE=1 SCRATCH=$own_scratch \
        unshare --mount --propagation private --net bash "$0" "$@"
    status=$?
    rm -rf "$own_scratch"
    exit "$status"
fi

# Run nothing that mounts in the host's mount namespace.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
    echo "not running: this shell is in PID 1's mount namespace; run the test through run.sh" >&2
    exit 2
fi

# The daemon refuses to start under systemd (INVOCATION_ID set) outside PID 1's mount namespace.
unset INVOCATION_ID JOURNAL_STREAM NOTIFY_SOCKET

: "${SCRATCH:?SCRATCH must name the scratch directory of the test}"
mkdir -p "$SCRATCH"

TEST_NAME=$(basename "$0" .sh)
TEST_FAILURES=0
DAEMON_PIDS=()
HELPER_PIDS=()
CLEANUP_COMMANDS=()

# Compiles Tests/probe/probe.c into OUTPUT.
build_probe() {
    local output=$1
    gcc -O2 -Wall -Wextra -o "$output.tmp.$$" "$REPOSITORY_DIR/Tests/probe/probe.c" && mv "$output.tmp.$$" "$output"
}

if [ -z "${PROBE:-}" ]; then
    PROBE=$SCRATCH/probe-build
    build_probe "$PROBE" || exit 2
fi

# --- Reporting -------------------------------------------------------------------------------

step() {
    echo "== $*"
}

# Records a failed check with what was expected and what was found; the test goes on.
fail_check() {
    local description=$1 expected=$2 found=$3
    TEST_FAILURES=$((TEST_FAILURES + 1))
    {
        echo "CHECK FAILED: $description"
        echo "  expected: $expected"
        echo "  found:    $found"
    } >&2
    return 1
}

pass_check() {
    echo "ok: $1"
}

# Stops the test at once, for a failure that makes every later step meaningless.
fatal() {
    TEST_FAILURES=$((TEST_FAILURES + 1))
    echo "FATAL: $*" >&2
    exit 1
}

# Ends the test: exit 0 when every check passed.
finish() {
    if [ "$TEST_FAILURES" -eq 0 ]; then
        echo "all checks passed"
        exit 0
    fi
    echo "$TEST_FAILURES check(s) failed" >&2
    exit 1
}

# --- Assertions ------------------------------------------------------------------------------

assert_eq() {
    local expected=$1 found=$2 description=$3
    if [ "$expected" = "$found" ]; then
        pass_check "$description"
    else
        fail_check "$description" "'$expected'" "'$found'"
    fi
}

assert_ne() {
    local unexpected=$1 found=$2 description=$3
    if [ "$unexpected" != "$found" ]; then
        pass_check "$description"
    else
        fail_check "$description" "anything but '$unexpected'" "'$found'"
    fi
}

# Checks that TEXT contains the fixed string NEEDLE.
assert_contains() {
    local text=$1 needle=$2 description=$3
    if [[ "$text" == *"$needle"* ]]; then
        pass_check "$description"
    else
        fail_check "$description" "text containing '$needle'" "'$text'"
    fi
}

assert_not_contains() {
    local text=$1 needle=$2 description=$3
    if [[ "$text" != *"$needle"* ]]; then
        pass_check "$description"
    else
        fail_check "$description" "text without '$needle'" "'$text'"
    fi
}

# Checks that some line of TEXT matches the extended regular expression PATTERN.
assert_match() {
    local text=$1 pattern=$2 description=$3
    if grep -Eq -- "$pattern" <<<"$text"; then
        pass_check "$description"
    else
        fail_check "$description" "a line matching /$pattern/" "'$text'"
    fi
}

# Runs COMMAND with standard output and error captured in OUTPUT (and STDOUT, STDERR) and
# checks its exit status: assert_exit STATUS DESCRIPTION COMMAND...
assert_exit() {
    local expected=$1 description=$2
    shift 2
    local out_file=$SCRATCH/.assert-stdout err_file=$SCRATCH/.assert-stderr
    "$@" >"$out_file" 2>"$err_file"
    STATUS=$?
    STDOUT=$(cat "$out_file")
    STDERR=$(cat "$err_file")
    OUTPUT=$(cat "$out_file" "$err_file")
    if [ "$STATUS" = "$expected" ]; then
        pass_check "$description (exit $STATUS)"
    else
        fail_check "$description" "exit status $expected" "exit status $STATUS, output: $OUTPUT"
    fi
}

# Polls COMMAND every 50 ms until it succeeds or TIMEOUT seconds pass:
# wait_for TIMEOUT DESCRIPTION COMMAND...
wait_for() {
    local timeout=$1 description=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail_check "$description" "success within ${timeout}s" "still failing: $*"
            return 1
        fi
        sleep 0.05
    done
    pass_check "$description"
}

# --- Files -----------------------------------------------------------------------------------

# Writes standard input to FILE atomically (a temporary file renamed into place), mode 0644,
# so that a daemon re-reading FILE never sees it half written.
write_file() {
    local file=$1
    cat >"$file.tmp.$$"
    chmod 0644 "$file.tmp.$$"
    mv -f "$file.tmp.$$" "$file"
}

# Writes a #!/bin/sh script to FILE that prints WORD, mode 0755.
write_script() {
    local file=$1 word=$2
    printf '#!/bin/sh\necho %s\n' "$word" >"$file.tmp.$$"
    chmod 0755 "$file.tmp.$$"
    mv -f "$file.tmp.$$" "$file"
}

# Makes a runc bundle in DIR with RUNC's `spec`: a busybox-static root filesystem and a process
# that sleeps, without a terminal: make_busybox_bundle DIR RUNC
make_busybox_bundle() {
    local bundle=$1 runc=$2
    mkdir -p "$bundle/rootfs/bin"
    cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
    for applet in sh sleep; do
        ln -s busybox "$bundle/rootfs/bin/$applet"
    done
    (cd "$bundle" && "$runc" spec) || fatal "runc spec failed"
    jq '.process.terminal = false | .process.args = ["/bin/sleep", "1000"]' "$bundle/config.json" >"$bundle/config.json.new" \
        && mv "$bundle/config.json.new" "$bundle/config.json" || fatal "cannot edit config.json"
}

# --- Mount table -----------------------------------------------------------------------------

# Prints the mountinfo lines of proc binds (root /<pid>/fd/<n>) mounted at PATH, bottom first.
proc_binds_at() {
    local path=$1
    awk -v path="$path" '$5 == path && $4 ~ /^\/[0-9]+\/fd\/[0-9]+$/ { for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "proc") print; break } }' /proc/self/mountinfo
}

# Prints the number of proc binds at PATH.
proc_bind_count() {
    proc_binds_at "$1" | grep -c .
}

# Prints every proc bind in the mount table under the scratch directory.
proc_binds_in_scratch() {
    awk -v prefix="$SCRATCH/" 'index($5, prefix) == 1 && $4 ~ /^\/[0-9]+\/fd\/[0-9]+$/' /proc/self/mountinfo
}

# Prints the mount id (first mountinfo field) of the top proc bind at PATH, or nothing.
top_mount_id() {
    proc_binds_at "$1" | tail -n 1 | awk '{ print $1 }'
}

# Prints the pid that owns the top proc bind at PATH (from its root /<pid>/fd/<n>), or nothing.
top_bind_owner() {
    proc_binds_at "$1" | tail -n 1 | awk '{ split($4, parts, "/"); print parts[2] }'
}

# Succeeds when the top proc bind at PATH belongs to PID.
is_bound_by() {
    [ "$(top_bind_owner "$1")" = "$2" ]
}

# Succeeds when PATH has no proc bind.
is_unbound() {
    [ "$(proc_bind_count "$1")" = 0 ]
}

# Prints the inode of what PATH opens (as root, following the bind to the memfd).
inode_of() {
    stat -L -c %i "$1" 2>/dev/null
}

# --- Processes -------------------------------------------------------------------------------

# Starts the daemon with ARGS, logging to $SCRATCH/NAME.log, and waits until it logs "ready".
# Sets DAEMON_PID and DAEMON_LOG. Returns 1 when it exits or does not get ready in 30 s.
start_daemon() {
    local name=$1
    shift
    DAEMON_LOG=$SCRATCH/$name.log
    "$MEMFD_BIND" "$@" >>"$DAEMON_LOG" 2>&1 &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    local deadline=$((SECONDS + 30))
    until grep -qs '^notice: ready' "$DAEMON_LOG"; do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            echo "daemon $name (pid $DAEMON_PID) exited before it was ready; its log:" >&2
            sed 's/^/  | /' "$DAEMON_LOG" >&2
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "daemon $name (pid $DAEMON_PID) not ready after 30 s; its log:" >&2
            sed 's/^/  | /' "$DAEMON_LOG" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "started daemon $name, pid $DAEMON_PID"
}

# Sends SIGTERM to daemon PID (started by this test) and waits at most 20 s for it.
# Sets STOP_STATUS to its exit status (or "timeout").
stop_daemon() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            STOP_STATUS=timeout
            return 1
        fi
        sleep 0.05
    done
    wait "$pid"
    STOP_STATUS=$?
}

# Kills daemon PID (started by this test) with SIGKILL and reaps it.
kill_daemon() {
    local pid=$1
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# Counts the lines of the last daemon's log that start with PREFIX.
log_count() {
    grep -c "^$1" "$DAEMON_LOG"
}

# Succeeds when more than COUNT lines of the last daemon's log start with PREFIX.
log_count_above() {
    [ "$(log_count "$1")" -gt "$2" ]
}

# Prints the log of the last daemon started, for the test output.
show_log() {
    local log=${1:-$DAEMON_LOG}
    echo "--- $log"
    sed 's/^/  | /' "$log"
}

# Runs COMMAND when the test ends, before the daemons are killed (for example to delete a container).
at_exit() {
    CLEANUP_COMMANDS+=("$*")
}

cleanup_test() {
    local command pid
    for command in "${CLEANUP_COMMANDS[@]}"; do
        eval "$command" >/dev/null 2>&1
    done
    for pid in "${HELPER_PIDS[@]}" "${DAEMON_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap cleanup_test EXIT
trap 'exit 130' INT TERM
