#!/bin/bash
# Runs the root integration tests: every Tests/integration/test-*.sh against one memfd-bind binary.
#
# Usage: Tests/integration/run.sh /absolute/path/to/memfd-bind [TEST-NAME...]
#
# Each test runs in its own private mount namespace (unshare --mount --propagation private) and
# network namespace, with its own scratch directory under /tmp and a 300 s timeout, so its binds
# never reach this machine's mount table. The last line is "N passed, M failed".

set -u

if [ $# -lt 1 ] || [ "${1#/}" = "$1" ] || [ ! -x "$1" ]; then
    echo "usage: $0 /absolute/path/to/memfd-bind [TEST-NAME...]" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: the integration tests mount and run daemons, so they need root" >&2
    exit 2
fi

binary=$1
shift
integration_dir=$(cd "$(dirname "$0")" && pwd)
repository_dir=$(cd "$integration_dir/../.." && pwd)
build_dir=$repository_dir/.build/integration
mkdir -p "$build_dir"

probe=$build_dir/probe
if ! gcc -O2 -Wall -Wextra -o "$probe.tmp.$$" "$repository_dir/Tests/probe/probe.c"; then
    echo "$0: cannot compile Tests/probe/probe.c" >&2
    exit 2
fi
mv "$probe.tmp.$$" "$probe"

if [ $# -gt 0 ]; then
    tests=()
    for name in "$@"; do
        tests+=("$integration_dir/${name%.sh}.sh")
    done
else
    tests=("$integration_dir"/test-*.sh)
fi

binds_before=$(grep -c 'fd/' /proc/self/mountinfo)
passed=0
failed=0
for test in "${tests[@]}"; do
    name=$(basename "$test" .sh)
    scratch=$(mktemp -d "/tmp/memfd-bind-$name.XXXXXX")
    log=$build_dir/$name.log
    MEMFD_BIND=$binary PROBE=$probe SCRATCH=$scratch MEMFD_BIND_TEST_NAMESPACE=1 \
        timeout -k 10 300 unshare --mount --propagation private --net bash "$test" >"$log" 2>&1
    status=$?
    rm -rf "$scratch"
    if [ "$status" = 0 ]; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        [ "$status" = 124 ] && echo "  (timed out after 300 s)" >>"$log"
        echo "FAIL $name (exit $status, log $log)"
        grep -E '^(CHECK FAILED|FATAL|  expected|  found)' "$log" | head -n 40 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done

binds_after=$(grep -c 'fd/' /proc/self/mountinfo)
if [ "$binds_after" != "$binds_before" ]; then
    echo "WARNING: this mount namespace had $binds_before proc binds before the tests and has $binds_after now" >&2
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
