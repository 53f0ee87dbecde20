#!/usr/bin/env bash
# Benchmarks of memfd-bind against Debian's runc and the probe in Tests/probe.
#
#   Tests/bench/run.sh [--smoke] BINARY
#
# Without --smoke, writes the tables into BENCHMARKS.md between the lines
# "<!-- bench:begin -->" and "<!-- bench:end -->" (the text around them is kept), or writes the
# whole file when the markers are missing. With --smoke, runs every section with tiny counts and
# writes the tables to a temporary file instead. The exit status is 0 only when every table was
# produced without a problem. Durations never fail a run, because benchmarks are not tests.
#
# Needs root, runc, busybox-static, gcc, util-linux (unshare, fincore) and Linux 6.8+ (unique
# mount ids). Every mount happens in a private mount namespace: the script re-runs itself under
# `unshare --mount --propagation private`, so the daemon's binds and runc's bindfd mounts vanish
# with it. Scratch files live in a mktemp directory that the outer process removes on exit.
set -uo pipefail

usage() {
    echo "usage: $0 [--smoke] BINARY" >&2
    exit 2
}

ARGUMENTS=("$@")
SMOKE=0
if [[ "${1:-}" == "--smoke" ]]; then
    SMOKE=1
    shift
fi
[[ $# -eq 1 ]] || usage
BINARY=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

# MARK: outer process: scratch directory and private mount namespace

if [[ -z "${MEMFD_BENCH_SCRATCH:-}" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "run.sh: must run as root (it mounts in a private mount namespace and runs runc)" >&2
        exit 1
    fi
    if [[ ! -x "$BINARY" ]]; then
        echo "run.sh: $BINARY is not an executable file; build it with make build" >&2
        exit 1
    fi
    for tool in unshare runc busybox gcc fincore stat; do
        if ! command -v "$tool" >/dev/null; then
            echo "run.sh: $tool not found; install runc, busybox-static, gcc and util-linux" >&2
            exit 1
        fi
    done
    scratch=$(mktemp -d /tmp/memfd-bench.XXXXXX)
    # The inner run stops its daemons and deletes its containers itself. The namespace then
    # contains no process, so its mounts are gone and the directory can be removed.
    trap 'rm -rf "$scratch"' EXIT
    trap 'exit 130' INT TERM
    MEMFD_BENCH_SCRATCH=$scratch unshare --mount --propagation private "$0" "${ARGUMENTS[@]}"
    exit $?
fi

# MARK: inner process, in the private mount namespace

SCRATCH=$MEMFD_BENCH_SCRATCH
LOG=$SCRATCH/daemon.log
SOCKET=$SCRATCH/notify.sock
RUNC_ROOT=$SCRATCH/runc-root
BUNDLE=$SCRATCH/bundle
TOOL=$SCRATCH/benchtool
mkdir -p "$SCRATCH/bin" "$SCRATCH/data" "$SCRATCH/links" "$SCRATCH/conf" "$RUNC_ROOT"

if ((SMOKE)); then
    OUTPUT=$(mktemp /tmp/memfd-bench-smoke.XXXXXX.md)
    CONTAINERS=2
    ROUNDS=1
    COPY_REPEATS=2
    BIND_REPEATS=1
    COPY_SIZES_MIB=(1)
    MANY_ENTRIES=10
    RELOAD_REPEATS=1
    BIG_MIB=8
    SHARED_MIB=1
else
    OUTPUT=$REPO/BENCHMARKS.md
    CONTAINERS=20
    ROUNDS=3
    COPY_REPEATS=10
    BIND_REPEATS=5
    COPY_SIZES_MIB=(1 16 128)
    MANY_ENTRIES=100
    RELOAD_REPEATS=5
    BIG_MIB=128
    SHARED_MIB=16
fi

KERNEL=$(uname -r)
CPUS=$(nproc)
RUNC_VERSION=$(runc --version | awk 'NR == 1 { print $3 }')
TABLES=$SCRATCH/tables.md
: >"$TABLES"
PROBLEMS=()
DAEMON_PIDS=()
PROBE_PIDS=()

problem() {
    PROBLEMS+=("$*")
    echo "run.sh: $*" >&2
}

progress() {
    echo "run.sh: $*" >&2
}

# Stops what this run started: probes, daemons, containers. Runs on every exit.
cleanup() {
    local pid
    for pid in "${PROBE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${DAEMON_PIDS[@]}"; do
        stop_daemon "$pid"
    done
    delete_all_containers
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# MARK: helpers

meminfo_kib() {
    awk -v key="$1:" '$1 == key { print $2 }' /proc/meminfo
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints field KEY of a `key=value ...` line.
field() {
    tr ' ' '\n' <<<"$2" | awk -F= -v key="$1" '$1 == key { print substr($0, length(key) + 2) }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0 || a == "nan" || b == "nan") print "n/a"; else printf "%.2f", a / b }'
}

# Writes SIZE MiB of random bytes into FILE, executable, and writes it to disk. An installed
# binary has clean pages. Dirty ones make the daemon's posix_fadvise(DONTNEED) start writeback
# inside its timed copy: 41 ms instead of 10 ms for 16 MiB on a 2-CPU Debian 12 VM.
make_file() {
    head -c "$(($2 * 1048576))" /dev/urandom >"$1"
    chmod 0755 "$1"
    sync "$1"
}

warm() {
    cat "$@" >/dev/null
}

# Writes a configuration file listing the given paths with the default options.
write_config() {
    local file=$1 path
    shift
    {
        echo "binaries:"
        for path in "$@"; do
            echo "  - path: $path"
        done
    } >"$file"
    chmod 0644 "$file"
}

# Starts the daemon on CONFIG and waits for READY=1. Sets DAEMON_PID and READY_MS.
start_daemon() {
    local config=$1 line
    : >"$LOG"
    line=$("$TOOL" start "$SOCKET" "$LOG" 120000 -- "$BINARY" --config "$config" --pid-file "$SCRATCH/daemon.pid")
    DAEMON_PID=$(field pid "$line")
    [[ -n "$DAEMON_PID" ]] && DAEMON_PIDS+=("$DAEMON_PID")
    READY_MS=$(field ready_ms "$line")
    if [[ -z "$READY_MS" ]]; then
        problem "daemon did not send READY=1 ($line); log: $(tail -n 5 "$LOG" | tr '\n' ' ')"
        return 1
    fi
    if grep -q "^error:" "$LOG"; then
        problem "daemon logged errors: $(grep '^error:' "$LOG" | head -n 3 | tr '\n' ' ')"
        return 1
    fi
}

# Sends SIGTERM to a daemon this run started and waits up to 10 s for it to exit.
stop_daemon() {
    local pid=$1 i kept=()
    if kill -TERM "$pid" 2>/dev/null; then
        for ((i = 0; i < 200; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
    fi
    for i in "${DAEMON_PIDS[@]}"; do
        [[ "$i" != "$pid" ]] && kept+=("$i")
    done
    DAEMON_PIDS=("${kept[@]}")
}

# Prints the `ms=` field of the daemon's last log line for EVENT on PATH.
logged_ms() {
    grep "^notice: $1 path=$2 " "$LOG" | tail -n 1 | sed -n 's/.* ms=\([0-9.]*\).*/\1/p'
}

table_header() {
    {
        echo
        echo "### $1"
        echo
        echo "Command: \`Tests/bench/run.sh$( ((SMOKE)) && echo " --smoke") BINARY\`; kernel $KERNEL; $CPUS CPUs; runc $RUNC_VERSION."
        echo
    } >>"$TABLES"
}

# MARK: runc

prepare_runc() {
    mkdir -p "$BUNDLE/rootfs/bin"
    cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
    ln -sf busybox "$BUNDLE/rootfs/bin/sh"
    ln -sf busybox "$BUNDLE/rootfs/bin/sleep"
    (cd "$BUNDLE" && runc spec) || return 1
    sed -i 's/"terminal": true/"terminal": false/' "$BUNDLE/config.json"
    # The same runc binary at two paths: bin/runc is protected by the daemon, bin/runc-plain not.
    cp /usr/sbin/runc "$SCRATCH/bin/runc"
    cp /usr/sbin/runc "$SCRATCH/bin/runc-plain"
    chmod 0755 "$SCRATCH/bin/runc" "$SCRATCH/bin/runc-plain"
}

# Creates COUNT containers named PREFIX-<i> with the runc at RUNC.
create_containers() {
    local runc=$1 prefix=$2 count=$3 i
    for ((i = 0; i < count; i++)); do
        "$runc" --root "$RUNC_ROOT" create --bundle "$BUNDLE" "$prefix-$i" </dev/null >/dev/null 2>>"$SCRATCH/runc.log" ||
            { problem "runc create $prefix-$i failed: $(tail -n 1 "$SCRATCH/runc.log")"; return 1; }
    done
}

delete_containers() {
    local runc=$1 prefix=$2 count=$3 i
    for ((i = 0; i < count; i++)); do
        "$runc" --root "$RUNC_ROOT" delete -f "$prefix-$i" >/dev/null 2>>"$SCRATCH/runc.log"
    done
}

delete_all_containers() {
    local id
    [[ -d "$RUNC_ROOT" ]] || return 0
    for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
        runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
    done
}

# Prints how the `runc init` processes of containers PREFIX-<i> run: counts of exe links by kind.
classify_inits() {
    local prefix=$1 count=$2 i pid exe
    for ((i = 0; i < count; i++)); do
        pid=$(runc --root "$RUNC_ROOT" state "$prefix-$i" 2>/dev/null | awk -F'[:,]' '/"pid"/ { gsub(/ /, "", $2); print $2 }')
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null || echo unreadable)
        case "$exe" in
        /memfd:memfd-bind:*) echo "memfd-bind copy" ;;
        /memfd:*) echo "own memfd copy" ;;
        /) echo "bindfd (exe link reads \"/\": a detached read-only bind of runc)" ;;
        *) echo "file $exe" ;;
        esac
    done | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%d ×%s", sep, n, $0; sep = "; " }'
}

# MARK: 1. host memory per container

section_memory_per_container() {
    progress "1. host memory per container"
    local before after kinds name runc prefix rows=()
    for name in plain protected; do
        runc=$SCRATCH/bin/runc$([[ $name == plain ]] && echo -plain)
        prefix=mem-$name
        sleep 0.5
        before=$(meminfo_kib Shmem)
        create_containers "$runc" "$prefix" "$CONTAINERS" || return 1
        sleep 0.5
        after=$(meminfo_kib Shmem)
        kinds=$(classify_inits "$prefix" "$CONTAINERS")
        delete_containers "$runc" "$prefix" "$CONTAINERS"
        rows+=("| runc create ($([[ $name == plain ]] && echo "without memfd-bind" || echo "with memfd-bind")) | $CONTAINERS | $before | $after | $(((after - before) / CONTAINERS)) | $kinds |")
    done

    local probe_rows=()
    if [[ ! -f "$REPO/Tests/probe/probe.c" ]]; then
        problem "Tests/probe/probe.c is missing, so the runc 1.1.15 rule was not measured"
        probe_rows+=("| probe --clone-and-wait | - | - | - | - | not measured: Tests/probe/probe.c is missing |")
    else
        local path pid i j out
        for name in plain protected; do
            path=$SCRATCH/bin/probe$([[ $name == plain ]] && echo -plain)
            sleep 0.5
            before=$(meminfo_kib Shmem)
            PROBE_PIDS=()
            for ((i = 0; i < CONTAINERS; i++)); do
                out=$SCRATCH/probe-$name-$i.out
                "$path" --clone-and-wait </dev/null >"$out" 2>&1 &
                PROBE_PIDS+=($!)
            done
            for ((i = 0; i < CONTAINERS; i++)); do
                out=$SCRATCH/probe-$name-$i.out
                for ((j = 0; j < 100; j++)); do
                    grep -q "^cloned=" "$out" && break
                    sleep 0.05
                done
                grep -q "^cloned=" "$out" || problem "probe $name-$i did not reach its wait: $(head -c 200 "$out")"
            done
            sleep 0.5
            after=$(meminfo_kib Shmem)
            kinds=$(for pid in "${PROBE_PIDS[@]}"; do
                case "$(readlink "/proc/$pid/exe")" in
                /memfd:memfd-bind:*) echo "memfd-bind copy" ;;
                /memfd:*) echo "own memfd copy" ;;
                *) echo "file" ;;
                esac
            done | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%d ×%s", sep, n, $0; sep = "; " }')
            for pid in "${PROBE_PIDS[@]}"; do
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
            done
            PROBE_PIDS=()
            probe_rows+=("| probe --clone-and-wait ($([[ $name == plain ]] && echo "without memfd-bind" || echo "with memfd-bind")) | $CONTAINERS | $before | $after | $(((after - before) / CONTAINERS)) | $kinds |")
        done
    fi

    table_header "1. Host memory per container"
    {
        echo "Shmem from /proc/meminfo before and after starting the processes (KiB; host-wide, so other"
        echo "processes on the machine add noise of a few hundred KiB). Containers are in state \"created\""
        echo "(busybox bundle); the probe processes wait after their copy. runc binary: $(stat -c %s /usr/sbin/runc) bytes;"
        echo "probe binary (static): $(stat -c %s "$SCRATCH/bin/probe-plain" 2>/dev/null || echo "n/a") bytes."
        echo
        echo "| Processes | N | Shmem before | Shmem after | Δ per process (KiB) | /proc/PID/exe of each process |"
        echo "|---|---:|---:|---:|---:|---|"
        printf '%s\n' "${rows[@]}" "${probe_rows[@]}"
    } >>"$TABLES"
}

# MARK: 2. runc create plus delete CPU and wall time

section_create_delete() {
    progress "2. runc create plus delete"
    local round name runc line plain_cpu=() plain_wall=() protected_cpu=() protected_wall=()
    for ((round = 0; round < ROUNDS; round++)); do
        for name in plain protected; do
            runc=$SCRATCH/bin/runc$([[ $name == plain ]] && echo -plain)
            line=$("$TOOL" rusage -- bash -c '
                runc=$1 root=$2 bundle=$3 prefix=$4 count=$5 log=$6
                for ((i = 0; i < count; i++)); do
                    "$runc" --root "$root" create --bundle "$bundle" "$prefix-$i" </dev/null >/dev/null 2>>"$log" || exit 1
                done
                for ((i = 0; i < count; i++)); do
                    "$runc" --root "$root" delete -f "$prefix-$i" >/dev/null 2>>"$log" || exit 1
                done' cycle "$runc" "$RUNC_ROOT" "$BUNDLE" "cycle-$name-$round" "$CONTAINERS" "$SCRATCH/runc.log")
            if [[ "$(field status "$line")" != 0 ]]; then
                problem "create and delete with $runc failed: $(tail -n 1 "$SCRATCH/runc.log")"
                return 1
            fi
            if [[ $name == plain ]]; then
                plain_cpu+=("$(field cpu "$line")")
                plain_wall+=("$(field wall "$line")")
            else
                protected_cpu+=("$(field cpu "$line")")
                protected_wall+=("$(field wall "$line")")
            fi
        done
    done
    local pc pw qc qw
    pc=$(printf '%s\n' "${plain_cpu[@]}" | median)
    pw=$(printf '%s\n' "${plain_wall[@]}" | median)
    qc=$(printf '%s\n' "${protected_cpu[@]}" | median)
    qw=$(printf '%s\n' "${protected_wall[@]}" | median)

    table_header "2. runc create plus delete of $CONTAINERS containers"
    {
        echo "CPU seconds are user plus system time of runc and every descendant, \`runc init\` included"
        echo "(the measuring process is a child subreaper, so orphaned \`runc init\` processes are reaped"
        echo "and counted there). Median of $ROUNDS rounds; the two paths alternate within each round."
        echo
        echo "| runc path | CPU s | wall s | CPU per container (ms) | rounds (CPU s) |"
        echo "|---|---:|---:|---:|---|"
        echo "| without memfd-bind | $pc | $pw | $(awk -v c="$pc" -v n="$CONTAINERS" 'BEGIN { printf "%.1f", c * 1000 / n }') | ${plain_cpu[*]} |"
        echo "| with memfd-bind | $qc | $qw | $(awk -v c="$qc" -v n="$CONTAINERS" 'BEGIN { printf "%.1f", c * 1000 / n }') | ${protected_cpu[*]} |"
        echo "| ratio with / without | $(ratio "$qc" "$pc") | $(ratio "$qw" "$pw") | | |"
    } >>"$TABLES"
}

# MARK: 3. copy throughput

section_copy_throughput() {
    progress "3. copy throughput"
    table_header "3. Copy throughput into a memfd"
    {
        echo "GB/s is 10^9 bytes per second, median of $COPY_REPEATS runs per way (memfd_create to last byte;"
        echo "closing the memfd is not timed), page cache of the source warm. memcpy copies between two"
        echo "prefaulted buffers in the same process. The daemon's time is the \`ms=\` field of its"
        echo "\`bound\` log line (checks, copy, seals, bind and its verification), median of $BIND_REPEATS daemon starts."
        echo
        echo "| Size | Way | fallocate first | GB/s | ratio to memcpy |"
        echo "|---|---|---|---:|---:|"
    } >>"$TABLES"
    local summary=() mib file line way alloc gbps memcpy_gbps best best_name i ms daemon_ms=() daemon_gbps
    for mib in "${COPY_SIZES_MIB[@]}"; do
        file=$SCRATCH/data/copy-$mib
        make_file "$file" "$mib"
        warm "$file"
        local results
        results=$("$TOOL" copy "$file" "$COPY_REPEATS") || { problem "benchtool copy failed for $mib MiB"; return 1; }
        memcpy_gbps=$(awk '/^way=memcpy / { sub("gbps=", "", $5); print $5 }' <<<"$results")
        best=0
        best_name=
        while read -r line; do
            way=$(field way "$line")
            alloc=$(field fallocate "$line")
            gbps=$(field gbps "$line")
            echo "| $mib MiB | $way | $alloc | $gbps | $(ratio "$gbps" "$memcpy_gbps") |" >>"$TABLES"
            if [[ $way != memcpy ]] && awk -v a="$gbps" -v b="$best" 'BEGIN { exit !(a > b) }'; then
                best=$gbps
                best_name="$way (fallocate $alloc)"
            fi
        done <<<"$results"

        write_config "$SCRATCH/conf/copy-$mib.yaml" "$file"
        daemon_ms=()
        for ((i = 0; i < BIND_REPEATS; i++)); do
            warm "$file"
            start_daemon "$SCRATCH/conf/copy-$mib.yaml" || return 1
            ms=$(logged_ms bound "$file")
            stop_daemon "$DAEMON_PID"
            [[ -n "$ms" ]] && daemon_ms+=("$ms")
        done
        ms=$(printf '%s\n' "${daemon_ms[@]}" | median)
        daemon_gbps=$(awk -v b="$((mib * 1048576))" -v ms="$ms" 'BEGIN { printf "%.3f", b / (ms / 1000) / 1e9 }')
        echo "| $mib MiB | memfd-bind daemon (bind, ms=$ms) | yes | $daemon_gbps | $(ratio "$daemon_gbps" "$memcpy_gbps") |" >>"$TABLES"
        summary+=("| $mib MiB | $best_name | $best | $daemon_gbps | $(ratio "$daemon_gbps" "$best") |")
    done
    {
        echo
        echo "Daemon against the fastest way of the same run (target: ratio 0.9 or more):"
        echo
        echo "| Size | fastest way | its GB/s | daemon GB/s | daemon / fastest |"
        echo "|---|---|---:|---:|---:|"
        printf '%s\n' "${summary[@]}"
    } >>"$TABLES"
}

# MARK: 4. start to ready

vm_rss_kib() {
    awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"
}

# Prints "VmRSS RssAnon RssFile RssShmem" of PID in KiB.
rss_row() {
    echo "$(vm_rss_kib "$1" VmRSS) | $(vm_rss_kib "$1" RssAnon) | $(vm_rss_kib "$1" RssFile) | $(vm_rss_kib "$1" RssShmem)"
}

# Prints the sum of the `ms=` fields of every `bound` line of the daemon log.
bound_ms_sum() {
    grep '^notice: bound ' "$LOG" | sed -n 's/.* ms=\([0-9.]*\).*/\1/p' | awk '{ s += $1 } END { printf "%.2f", s }'
}

section_start_to_ready() {
    progress "4. start to ready"
    local file i one_ready=() one_bound=() many_ready=() many_bound=() paths=()
    file=$SCRATCH/data/start-16
    make_file "$file" 16
    write_config "$SCRATCH/conf/start-16.yaml" "$file"
    for ((i = 0; i < BIND_REPEATS; i++)); do
        warm "$file"
        start_daemon "$SCRATCH/conf/start-16.yaml" || return 1
        one_ready+=("$READY_MS")
        one_bound+=("$(bound_ms_sum)")
        if ((i == BIND_REPEATS - 1)); then
            sleep 1
            RSS_ONE=$(rss_row "$DAEMON_PID")
        fi
        stop_daemon "$DAEMON_PID"
    done

    for ((i = 0; i < MANY_ENTRIES; i++)); do
        paths+=("$SCRATCH/data/many-$i")
        make_file "$SCRATCH/data/many-$i" 1
        # A second name of the same inode, to rewrite the original while its path is bound.
        ln -f "$SCRATCH/data/many-$i" "$SCRATCH/links/many-$i"
    done
    write_config "$SCRATCH/conf/many.yaml" "${paths[@]}"
    for ((i = 0; i < BIND_REPEATS; i++)); do
        warm "${paths[@]}"
        start_daemon "$SCRATCH/conf/many.yaml" || return 1
        many_ready+=("$READY_MS")
        many_bound+=("$(bound_ms_sum)")
        # The last daemon stays up for the reload and resident memory sections.
        ((i == BIND_REPEATS - 1)) || stop_daemon "$DAEMON_PID"
    done
    MANY_PID=$DAEMON_PID
    MANY_PATHS=("${paths[@]}")
    local first_last
    first_last=$(grep '^notice: bound ' "$LOG" | sed -n 's/.* ms=\([0-9.]*\).*/\1/p' |
        awk 'NR == 1 { first = $1 } { last = $1 } END { printf "first entry %s ms, last entry %s ms", first, last }')
    sleep 1
    RSS_MANY=$(rss_row "$MANY_PID")

    table_header "4. Start to ready"
    {
        echo "Time from fork of the daemon to READY=1 on a notify socket that the harness owns, median of"
        echo "$BIND_REPEATS starts, page cache of the files warm. \"bound ms\" is the sum of the \`ms=\` fields of"
        echo "the daemon's \`bound\` log lines. Every file has different random content. Target: 10 ms or"
        echo "less for the 16 MiB entry."
        echo
        echo "| Entries | start to READY=1 (ms) | bound ms (sum) | runs, start to READY=1 (ms) |"
        echo "|---|---:|---:|---|"
        echo "| 1 × 16 MiB | $(printf '%s\n' "${one_ready[@]}" | median) | $(printf '%s\n' "${one_bound[@]}" | median) | ${one_ready[*]} |"
        echo "| $MANY_ENTRIES × 1 MiB | $(printf '%s\n' "${many_ready[@]}" | median) | $(printf '%s\n' "${many_bound[@]}" | median) | ${many_ready[*]} |"
        echo
        echo "Bind time of single entries in the last $MANY_ENTRIES-entry start: $first_last."
    } >>"$TABLES"
}

# MARK: 5. reload

# Prints "path unique-mount-id" for every path of the many-entry daemon.
mount_ids() {
    "$TOOL" mntids "${MANY_PATHS[@]}"
}

# Prints "mountinfo-id root mount-point" of every mount under the data directory.
mountinfo_lines() {
    awk -v dir="$SCRATCH/data/" 'index($5, dir) == 1 { print $1, $4, $5 }' /proc/self/mountinfo | sort
}

# Prints how many of the lines in file A are missing from file B, ignoring lines that contain SKIP.
changed_lines() {
    grep -v -F -- "$3" "$1" | sort | comm -23 - <(sort "$2") | wc -l
}

# Writes the many-entry configuration, with MODE for the entry at INDEX (empty: no mode key).
write_many_config() {
    local index=$1 mode=$2 i
    {
        echo "binaries:"
        for ((i = 0; i < ${#MANY_PATHS[@]}; i++)); do
            echo "  - path: ${MANY_PATHS[i]}"
            if ((i == index)) && [[ -n "$mode" ]]; then
                echo "    mode: \"$mode\""
            fi
        done
    } >"$SCRATCH/conf/many.yaml"
}

section_reload() {
    progress "5. reload"
    local case_name rows=() r changed line index
    local target=$((MANY_ENTRIES / 2))
    local changed_path="${MANY_PATHS[target]}"
    for case_name in unchanged rewritten mode; do
        local ms=() daemon_ms=() wakeups=() ids_changed=() info_changed=() own_changed=()
        for ((r = 0; r < RELOAD_REPEATS; r++)); do
            case $case_name in
            unchanged) ;;
            rewritten)
                head -c 1048576 /dev/urandom | dd of="$SCRATCH/links/many-$target" conv=notrunc,fsync status=none
                ;;
            mode)
                if ((r % 2 == 0)); then
                    write_many_config "$target" 0555
                else
                    write_many_config "$target" ""
                fi
                ;;
            esac
            mount_ids >"$SCRATCH/ids-before"
            mountinfo_lines >"$SCRATCH/info-before"
            line=$("$TOOL" reload "$SOCKET" "$MANY_PID" 60000 100)
            mount_ids >"$SCRATCH/ids-after"
            mountinfo_lines >"$SCRATCH/info-after"
            if [[ -z "$(field reload_ms "$line")" ]]; then
                problem "reload ($case_name) did not finish: $line"
                return 1
            fi
            if grep -q '^error:' "$LOG"; then
                problem "daemon logged errors during reload ($case_name): $(grep '^error:' "$LOG" | head -n 2 | tr '\n' ' ')"
                return 1
            fi
            ms+=("$(field reload_ms "$line")")
            wakeups+=("$(field pollpri "$line")")
            daemon_ms+=("$(grep '^notice: reloaded ' "$LOG" | tail -n 1 | sed -n 's/.* ms=\([0-9.]*\).*/\1/p')")
            ids_changed+=("$(changed_lines "$SCRATCH/ids-before" "$SCRATCH/ids-after" "$changed_path ")")
            info_changed+=("$(changed_lines "$SCRATCH/info-before" "$SCRATCH/info-after" " $changed_path")")
            own_changed+=("$(grep -F -- "$changed_path " "$SCRATCH/ids-before" | comm -23 - <(sort "$SCRATCH/ids-after") | wc -l)")
        done
        local description
        case $case_name in
        unchanged) description="nothing changed" ;;
        rewritten) description="one file rewritten in place" ;;
        mode) description="one entry's mode changed in the configuration" ;;
        esac
        rows+=("| $description | $(printf '%s\n' "${ms[@]}" | median) | $(printf '%s\n' "${daemon_ms[@]}" | median) | ${wakeups[*]} | $(IFS=+; echo "$((${ids_changed[*]}))") of $((RELOAD_REPEATS * (MANY_ENTRIES - 1))) | $(IFS=+; echo "$((${info_changed[*]}))") | $(IFS=+; echo "$((${own_changed[*]}))") of $RELOAD_REPEATS |")
    done
    sleep 1
    RSS_MANY_AFTER=$(rss_row "$MANY_PID")

    table_header "5. Reload with $MANY_ENTRIES entries"
    {
        echo "Time from kill(SIGHUP) to READY=1 (median of $RELOAD_REPEATS reloads) and the daemon's own"
        echo "\`reloaded ms=\`. Mount operations on the $((MANY_ENTRIES - 1)) other entries are counted two ways: unique"
        echo "mount ids (statx \`STATX_MNT_ID_UNIQUE\`, never reused) that changed, and mountinfo lines (id, root"
        echo "\`/<pid>/fd/<n>\`, mount point) that changed, summed over the reloads. POLLPRI wake-ups of"
        echo "/proc/self/mountinfo are counted by the measuring process in the same mount namespace, from the"
        echo "signal until 100 ms after READY=1, one number per reload. The file is rewritten through a hard"
        echo "link, because its path shows the sealed copy. Target: 5 ms or less with one entry changed, zero"
        echo "mount operations on the others."
        echo
        echo "| Case | SIGHUP to READY=1 (ms) | daemon ms | POLLPRI wake-ups per reload | others' unique ids changed | others' mountinfo lines changed | changed entry remounted |"
        echo "|---|---:|---:|---|---:|---:|---:|"
        printf '%s\n' "${rows[@]}"
    } >>"$TABLES"
}

# MARK: 6. daemon resident memory

section_resident_memory() {
    progress "6. resident memory"
    table_header "6. Daemon resident memory"
    {
        echo "From /proc/PID/status 1 s after READY=1 (KiB). RssFile is the daemon's own binary and libraries"
        echo "mapped from the page cache (shared with any other process that maps them). Target: 5 MiB"
        echo "(5120 KiB) VmRSS or less with 100 entries."
        echo
        echo "| Entries | VmRSS | RssAnon | RssFile | RssShmem |"
        echo "|---|---:|---:|---:|---:|"
        echo "| 1 × 16 MiB | $RSS_ONE |"
        echo "| $MANY_ENTRIES × 1 MiB, after start | $RSS_MANY |"
        echo "| $MANY_ENTRIES × 1 MiB, after $((3 * RELOAD_REPEATS)) reloads | $RSS_MANY_AFTER |"
    } >>"$TABLES"
}

# MARK: 7. memory per protected binary

# Prints the bytes of FILE that are in memory (fincore).
resident_bytes() {
    fincore --bytes --noheadings --output RES "$1" | tr -d ' '
}

section_memory_per_binary() {
    progress "7. memory per protected binary"
    local file=$SCRATCH/data/big link=$SCRATCH/links/big
    make_file "$file" "$BIG_MIB"
    ln -f "$file" "$link"
    write_config "$SCRATCH/conf/big.yaml" "$file"
    warm "$file"
    sleep 0.5
    local shmem0 cached0 source0 shmem1 cached1 source1 memfd1 shmem2 cached2
    shmem0=$(meminfo_kib Shmem)
    cached0=$(meminfo_kib Cached)
    source0=$(resident_bytes "$link")
    start_daemon "$SCRATCH/conf/big.yaml" || return 1
    sleep 0.5
    shmem1=$(meminfo_kib Shmem)
    cached1=$(meminfo_kib Cached)
    source1=$(resident_bytes "$link")
    memfd1=$(resident_bytes "$file")
    stop_daemon "$DAEMON_PID"
    sleep 0.5
    shmem2=$(meminfo_kib Shmem)
    cached2=$(meminfo_kib Cached)

    table_header "7. Memory per protected binary ($BIG_MIB MiB file)"
    {
        echo "The source file's page cache is measured with \`fincore\` on a hard link of it (its own path"
        echo "shows the copy while bound), and the copy with \`fincore\` on the bound path. Shmem and Cached are"
        echo "host-wide from /proc/meminfo (Cached includes Shmem), so other processes add noise; the fincore"
        echo "figures are exact for these two files."
        echo
        echo "| Moment | source in page cache (fincore, KiB) | memfd resident (fincore, KiB) | Shmem (KiB) | Cached (KiB) |"
        echo "|---|---:|---:|---:|---:|"
        echo "| before start, source read once | $((source0 / 1024)) | - | $shmem0 | $cached0 |"
        echo "| after READY=1 | $((source1 / 1024)) | $((memfd1 / 1024)) | $shmem1 | $cached1 |"
        echo "| after stop | - | - | $shmem2 | $cached2 |"
        echo "| Δ start (after READY=1 − before) | $(((source1 - source0) / 1024)) | $((memfd1 / 1024)) | $((shmem1 - shmem0)) | $((cached1 - cached0)) |"
        echo
        echo "Memory per protected binary while bound: $(((source1 + memfd1) / 1024)) KiB (copy plus what remains of the"
        echo "source's page cache) for a $((BIG_MIB * 1024)) KiB file."
    } >>"$TABLES"
}

# MARK: 8. memory sharing

section_sharing() {
    progress "8. memory sharing"
    local kind i paths before after inodes rows=()
    make_file "$SCRATCH/data/shared-source" "$SHARED_MIB"
    for kind in identical distinct; do
        paths=()
        for ((i = 0; i < 10; i++)); do
            if [[ $kind == identical ]]; then
                cp "$SCRATCH/data/shared-source" "$SCRATCH/data/$kind-$i"
            else
                make_file "$SCRATCH/data/$kind-$i" "$SHARED_MIB"
            fi
            chmod 0755 "$SCRATCH/data/$kind-$i"
            paths+=("$SCRATCH/data/$kind-$i")
        done
        write_config "$SCRATCH/conf/$kind.yaml" "${paths[@]}"
        warm "${paths[@]}"
        sleep 0.5
        before=$(meminfo_kib Shmem)
        start_daemon "$SCRATCH/conf/$kind.yaml" || return 1
        sleep 0.5
        after=$(meminfo_kib Shmem)
        inodes=$(stat -L -c %i "${paths[@]}" | sort -u | wc -l)
        rows+=("| 10 files, $kind content | $((after - before)) | $(((after - before) * 100 / (SHARED_MIB * 1024) / 10))% | $inodes | $READY_MS |")
        stop_daemon "$DAEMON_PID"
    done

    table_header "8. Memory sharing between identical files"
    {
        echo "Ten entries of $SHARED_MIB MiB each ($((SHARED_MIB * 1024)) KiB) at different paths with the default seals,"
        echo "mode, owner and group. Shmem is host-wide; distinct memfds are counted from \`stat -L -c %i\` of each"
        echo "bound path."
        echo
        echo "| Entries | Shmem Δ (KiB) | Δ as share of ten copies | distinct memfd inodes | start to READY=1 (ms) |"
        echo "|---|---:|---:|---:|---:|"
        printf '%s\n' "${rows[@]}"
    } >>"$TABLES"
}

# MARK: main

gcc -O2 -Wall -o "$TOOL" "$HERE/benchtool.c" || { echo "run.sh: cannot build benchtool" >&2; exit 1; }
if [[ -f "$REPO/Tests/probe/probe.c" ]]; then
    # Static, so that its copy (its own size) is visible above the noise in host-wide Shmem.
    gcc -O2 -static -o "$SCRATCH/bin/probe-plain" "$REPO/Tests/probe/probe.c" ||
        gcc -O2 -o "$SCRATCH/bin/probe-plain" "$REPO/Tests/probe/probe.c" ||
        problem "cannot build Tests/probe/probe.c"
    cp "$SCRATCH/bin/probe-plain" "$SCRATCH/bin/probe"
fi
prepare_runc || { echo "run.sh: cannot prepare the runc bundle" >&2; exit 1; }

SECTIONS_DONE=0
run_section() {
    if "$@"; then
        SECTIONS_DONE=$((SECTIONS_DONE + 1))
    else
        problem "section $1 was not completed"
    fi
}

# Sections 1 and 2 run with one daemon protecting bin/runc and bin/probe; bin/runc-plain and
# bin/probe-plain are the same binaries at unprotected paths.
protected=("$SCRATCH/bin/runc")
[[ -x "$SCRATCH/bin/probe" ]] && protected+=("$SCRATCH/bin/probe")
write_config "$SCRATCH/conf/runc.yaml" "${protected[@]}"
if start_daemon "$SCRATCH/conf/runc.yaml"; then
    run_section section_memory_per_container
    run_section section_create_delete
    stop_daemon "$DAEMON_PID"
else
    problem "sections 1 and 2 were not run"
fi
run_section section_copy_throughput
if run_section section_start_to_ready && [[ -n "${MANY_PID:-}" ]]; then
    run_section section_reload
    run_section section_resident_memory
    stop_daemon "$MANY_PID"
else
    problem "sections 5 and 6 were not run"
fi
run_section section_memory_per_binary
run_section section_sharing

if ((${#PROBLEMS[@]})); then
    {
        echo
        echo "### Problems in this run"
        echo
        printf -- '- %s\n' "${PROBLEMS[@]}"
    } >>"$TABLES"
fi

if ((!SMOKE)) && grep -q '^<!-- bench:begin -->$' "$OUTPUT" 2>/dev/null && grep -q '^<!-- bench:end -->$' "$OUTPUT"; then
    # Keep the text around the markers and replace the tables between them.
    awk -v tables="$TABLES" '
        /^<!-- bench:begin -->$/ { print; while ((getline line < tables) > 0) print line; skip = 1; next }
        /^<!-- bench:end -->$/ { skip = 0 }
        !skip { print }' "$OUTPUT" >"$SCRATCH/out.md"
    cat "$SCRATCH/out.md" >"$OUTPUT"
else
    {
        echo "# Benchmarks"
        echo
        echo "Written by \`Tests/bench/run.sh\` on $(date -u +%Y-%m-%d)."
        echo
        echo "<!-- bench:begin -->"
        cat "$TABLES"
        echo "<!-- bench:end -->"
    } >"$OUTPUT"
fi
progress "tables written to $OUTPUT ($SECTIONS_DONE of 8 sections complete)"
((SECTIONS_DONE == 8 && ${#PROBLEMS[@]} == 0))
