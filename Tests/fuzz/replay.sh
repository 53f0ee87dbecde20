#!/usr/bin/env bash
# Builds the config fuzzer and runs each input of Tests/fuzz/corpus and Tests/fuzz/crashes once.
#
# An input fails when the fuzzer crashes on it (a broken check, a Swift trap or an ASan report),
# takes longer than 10 seconds, or grows the process past 2048 MiB of RSS. The corpus runs in
# one process. Only when that process fails is each corpus input run alone, to count the
# failures. Each crash input always runs alone, because libFuzzer stops at the first failing input.
# The last line of output is "N passed, M failed". The exit status is 0 only when M is 0.
set -uo pipefail
cd "$(dirname "$0")/../.."

fuzzer=.build/fuzz/config-fuzzer
log_dir=.build/fuzz/replay
mkdir -p "$log_dir"

if ! Tests/fuzz/build.sh >"$log_dir/build.log" 2>&1; then
    cat "$log_dir/build.log" >&2
    echo "replay.sh: building the fuzzer failed; see the compiler output above" >&2
    exit 1
fi

# Swift's backtracer would run inside the crashed process and trip AddressSanitizer, so a
# fatalError is left to libFuzzer's own crash report.
export SWIFT_BACKTRACE=enable=no
options=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$log_dir/")

shopt -s nullglob
corpus=(Tests/fuzz/corpus/*)
crashes=(Tests/fuzz/crashes/*)
passed=0
failed=0

# Runs the fuzzer once on one input and counts the result.
replay_one() {
    local input=$1
    local log status
    log="$log_dir/$(basename "$input").log"
    "$fuzzer" "${options[@]}" "$input" >"$log" 2>&1
    status=$?
    if ((status == 0)); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $input (exit status $status): $(grep -m1 -E 'Fatal error|SUMMARY' "$log")"
    fi
}

if ((${#corpus[@]} > 0)); then
    if "$fuzzer" "${options[@]}" "${corpus[@]}" >"$log_dir/corpus.log" 2>&1; then
        passed=$((passed + ${#corpus[@]}))
    else
        echo "the corpus run failed; replaying each corpus input alone"
        for input in "${corpus[@]}"; do
            replay_one "$input"
        done
    fi
fi

for input in "${crashes[@]}"; do
    replay_one "$input"
done

echo "$passed passed, $failed failed"
((failed == 0))
