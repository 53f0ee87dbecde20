#!/usr/bin/env bash
# System test of the Debian package under a real systemd.
#
# Builds the .deb, boots a minimal Debian 12 root with systemd-nspawn and runs
# every step inside the container through nsenter. The steps cover install,
# reload, runc reusing the copy, an invalid reload, the template unit, a runc
# upgrade through the dpkg hooks, a killed daemon, stop, remove and purge.
# Every mount happens in the container's own mount namespace.
#
# Needs root, debootstrap, systemd-container (systemd-nspawn) and the build
# dependencies of packaging/build-deb.sh. The Debian root is cached in
# .cache/system/ unless CI=true, where it is made fresh. Takes a few minutes.
#
# Prints PASS or FAIL for each step, then "N passed, M failed", and exits
# non-zero when a step failed.
set -uo pipefail

repository=$(cd "$(dirname "$0")/../.." && pwd)
cache="$repository/.cache/system"
packages="debootstrap systemd-container"
# libyaml-0-2 is a dependency of memfd-bind, and man-db lets the test read the man pages.
include="systemd,systemd-sysv,dbus,runc,busybox-static,libyaml-0-2,man-db"
boot_timeout=60

work=""
root=""
nspawn_pid=""
init_pid=""
passed=0
failed=0

log() {
    printf '%s\n' "$*" >&2
}

# Runs a command inside the container, with a clean environment.
inside() {
    nsenter -t "$init_pid" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# Runs a shell script inside the container.
inside_sh() {
    inside sh -c "$1"
}

# Runs one step function and records its outcome.
step() {
    local name=$1
    shift
    log "--- $name"
    if [ -z "$init_pid" ] && [ "$name" != build ] && [ "$name" != boot ]; then
        log "skipped: the container is not running"
        echo "FAIL $name"
        failed=$((failed + 1))
        return
    fi
    if "$@"; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name"
        failed=$((failed + 1))
    fi
}

# Logs why a check failed and returns 1, as in "check || fail MESSAGE || return 1".
fail() {
    log "failed: $*"
    return 1
}

# Prints the memfd-bind binds in the container's mount table: proc mounts whose
# root is /<pid>/fd/<n>, as "<mount point> <pid>" lines.
binds() {
    inside cat /proc/1/mountinfo | awk '{
        for (i = 7; i <= NF; i++) if ($i == "-") break
        if ($(i + 1) == "proc" && $4 ~ /^\/[0-9]+\/fd\/[0-9]+$/) {
            split($4, part, "/")
            print $5, part[2]
        }
    }'
}

main_pid() {
    inside systemctl show -p MainPID --value memfd-bind.service
}

# Waits until memfd-bind.service is active with a main pid other than $1.
wait_for_daemon() {
    local previous=$1 pid
    for _ in $(seq 100); do
        pid=$(main_pid)
        if [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$previous" ] &&
            [ "$(inside systemctl is-active memfd-bind.service)" = active ]; then
            echo "$pid"
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Checks that /usr/sbin/runc is bound by the daemon with pid $1 and that
# memfd-bind --status reports it live.
check_runc_bound() {
    local pid=$1 status
    binds | grep -qx "/usr/sbin/runc $pid" || fail "no bind of /usr/sbin/runc owned by pid $pid; binds: $(binds | tr '\n' ';')" || return 1
    status=$(inside memfd-bind --status) || fail "memfd-bind --status exited $?: $status" || return 1
    case $status in
    "/usr/sbin/runc: live pid=$pid "*) ;;
    *) fail "memfd-bind --status: $status" || return 1 ;;
    esac
}

# Creates a busybox container with runc and checks that its init runs from
# the daemon's memfd.
check_runc_reuses_copy() {
    local exe
    exe=$(inside_sh '
        cd /root/bundle || exit 1
        # Inside nspawn the cgroup v1 controllers are read-only, so runc runs
        # with --rootless true, which ignores the cgroup errors that follow.
        runc --rootless true create memfd-bind-test >/dev/null || exit 1
        pid=$(runc state memfd-bind-test | sed -n "s/.*\"pid\": \([0-9]*\).*/\1/p")
        readlink "/proc/$pid/exe"
        runc --rootless true delete -f memfd-bind-test
    ' 2>/dev/null) || fail "runc create failed" || return 1
    case $exe in
    /memfd:memfd-bind:/usr/sbin/runc*) log "runc init runs from $exe" ;;
    *) fail "runc init runs from \"$exe\", not from the memfd-bind copy" || return 1 ;;
    esac
}

write_config() {
    printf '%s' "$1" | inside_sh 'cat > /etc/memfd-bind.yaml && chmod 0644 /etc/memfd-bind.yaml'
}

runc_config='binaries:
  - path: /usr/sbin/runc
'

# --- Steps -----------------------------------------------------------------

step_build() {
    "$repository/packaging/build-deb.sh" >"$work/build.log" 2>&1 || {
        tail -20 "$work/build.log" >&2
        fail "packaging/build-deb.sh failed; log above"
        return 1
    }
    deb=$(ls -t "$repository"/build/memfd-bind_*.deb | head -1)
    log "built $deb"
}

debian_mirror() {
    local mirror
    mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\/\{0,1\}\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    if [ -z "$mirror" ]; then
        mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    fi
    echo "${mirror:-http://deb.debian.org/debian}"
}

make_root() {
    local target=$1 mirror
    mirror=$(debian_mirror)
    log "debootstrap from $mirror into $target"
    debootstrap --variant=minbase --include="$include" bookworm "$target" "$mirror" >"$work/debootstrap.log" 2>&1 || {
        tail -20 "$work/debootstrap.log" >&2
        return 1
    }
}

step_boot() {
    for tool in debootstrap systemd-nspawn nsenter; do
        command -v "$tool" >/dev/null || fail "$tool not found; apt-get install $packages" || return 1
    done
    root="$work/root"
    if [ "${CI:-}" = true ]; then
        make_root "$root" || fail "debootstrap failed" || return 1
    else
        # The cached root stays pristine: each run boots a copy.
        if [ ! -e "$cache/root.done" ] || [ "$(cat "$cache/root.done")" != "$include" ]; then
            rm -rf --one-file-system "$cache/root" "$cache/root.done"
            mkdir -p "$cache"
            make_root "$cache/root" || fail "debootstrap failed" || return 1
            echo "$include" >"$cache/root.done"
        fi
        cp -a "$cache/root" "$root" || fail "cannot copy the cached root" || return 1
    fi

    # --private-network gives the container its own network namespace, and so
    # its own abstract Unix sockets: the daemon's control socket stays inside,
    # and memfd-bind daemons that run on the host stay out of reach.
    systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network -b </dev/null >"$work/console.log" 2>&1 &
    nspawn_pid=$!
    local candidate
    for _ in $(seq $((boot_timeout * 5))); do
        kill -0 "$nspawn_pid" 2>/dev/null || fail "systemd-nspawn exited: $(tail -5 "$work/console.log")" || return 1
        for candidate in $(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null); do
            if [ "$(cat /proc/"$candidate"/comm 2>/dev/null)" = systemd ]; then
                init_pid=$candidate
            fi
        done
        if [ -n "$init_pid" ]; then
            case $(inside systemctl is-system-running 2>/dev/null) in
            running | degraded) break ;;
            esac
        fi
        sleep 0.2
    done
    [ -n "$init_pid" ] || fail "no systemd process under systemd-nspawn $nspawn_pid" || return 1
    local state
    state=$(inside systemctl is-system-running)
    case $state in
    running | degraded) log "container systemd $init_pid is $state" ;;
    *)
        inside systemctl --failed --no-legend >&2
        init_pid=""
        fail "the container did not finish booting in $boot_timeout s (state $state)"
        return 1
        ;;
    esac

    mkdir -p "$root/root/test"
    cp "$deb" "$root/root/test/memfd-bind.deb"
    cp "$root"/var/cache/apt/archives/runc_*.deb "$root/root/test/runc.deb" || fail "no runc .deb in the root's apt cache" || return 1
    mkdir -p "$root/root/bundle/rootfs/bin"
    cp "$root/usr/bin/busybox" "$root/root/bundle/rootfs/bin/busybox"
    ln -s busybox "$root/root/bundle/rootfs/bin/sh"
    ln -s busybox "$root/root/bundle/rootfs/bin/sleep"
    inside_sh 'cd /root/bundle && runc spec && sed -i "s/\"terminal\": true/\"terminal\": false/; s/\"sh\"$/\"sleep\", \"600\"/" config.json' ||
        fail "runc spec failed" || return 1
}

step_install() {
    inside dpkg -i /root/test/memfd-bind.deb >&2 || fail "dpkg -i memfd-bind.deb failed" || return 1
    local state
    state=$(inside systemctl is-active memfd-bind.service)
    [ "$state" = active ] || fail "memfd-bind.service is $state" || return 1
    [ "$(inside systemctl is-enabled memfd-bind.service)" = enabled ] || fail "memfd-bind.service is not enabled" || return 1
    inside memfd-bind --check-config >&2 || fail "the installed configuration is invalid" || return 1
    [ -z "$(binds)" ] || fail "the default configuration bound something: $(binds)" || return 1
}

step_hardening() {
    local pid own first show
    pid=$(main_pid)
    show=$(inside systemctl show -p CapabilityBoundingSet -p NoNewPrivileges -p SystemCallArchitectures \
        -p RestrictAddressFamilies -p MemoryDenyWriteExecute -p LockPersonality -p RestrictRealtime \
        -p RestrictNamespaces memfd-bind.service)
    log "$show"
    grep -qx 'CapabilityBoundingSet=cap_chown cap_dac_read_search cap_fowner cap_sys_ptrace cap_sys_admin' <<<"$show" ||
        fail "unexpected CapabilityBoundingSet" || return 1
    grep -qx 'NoNewPrivileges=yes' <<<"$show" || fail "NoNewPrivileges is not set" || return 1
    grep -qx 'MemoryDenyWriteExecute=yes' <<<"$show" || fail "MemoryDenyWriteExecute is not set" || return 1
    grep -qx 'RestrictAddressFamilies=AF_UNIX' <<<"$show" || fail "RestrictAddressFamilies is not AF_UNIX" || return 1

    # What the running daemon really has: CAP_CHOWN (0), CAP_DAC_READ_SEARCH (2),
    # CAP_FOWNER (3), CAP_SYS_PTRACE (19) and CAP_SYS_ADMIN (21) = 0x28000d.
    local status
    status=$(inside cat "/proc/$pid/status")
    grep -q '^CapBnd:[[:space:]]*000000000028000d$' <<<"$status" || fail "CapBnd: $(grep CapBnd <<<"$status")" || return 1
    grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status" || fail "NoNewPrivs is not 1" || return 1
    grep -q '^Seccomp:[[:space:]]*2$' <<<"$status" || fail "no seccomp filter" || return 1

    own=$(inside readlink "/proc/$pid/ns/mnt")
    first=$(inside readlink /proc/1/ns/mnt)
    [ "$own" = "$first" ] || fail "the daemon runs in mount namespace $own, PID 1 in $first" || return 1
}

step_man_pages() {
    inside_sh 'man memfd-bind | grep -q -- "--release"' || fail "man memfd-bind does not show the page" || return 1
    inside_sh 'man 5 memfd-bind.yaml | grep -q "max_size"' || fail "man 5 memfd-bind.yaml does not show the page" || return 1
}

step_reload_runc() {
    write_config "$runc_config" || fail "cannot write /etc/memfd-bind.yaml" || return 1
    inside systemctl reload memfd-bind.service >&2 || fail "systemctl reload memfd-bind exited $?" || return 1
    check_runc_bound "$(main_pid)" || return 1
    inside journalctl -u memfd-bind.service --no-pager -n 20 -o cat | grep -q '^added: 1 /usr/sbin/runc$' ||
        fail "the journal lacks the reload summary \"added: 1 /usr/sbin/runc\"" || return 1
    check_runc_reuses_copy || return 1
}

step_invalid_reload() {
    local since journal
    since=$(inside date '+%Y-%m-%d %H:%M:%S')
    sleep 1
    write_config 'binaries:
  - path: /usr/sbin/runc
    colour: red
' || fail "cannot write /etc/memfd-bind.yaml" || return 1
    if inside systemctl reload memfd-bind.service >&2; then
        fail "systemctl reload succeeded with an invalid configuration" || return 1
    fi
    for _ in $(seq 25); do
        journal=$(inside journalctl -u memfd-bind.service --no-pager -o cat --since "$since")
        grep -q '^/etc/memfd-bind.yaml:3:5: error: ' <<<"$journal" && break
        sleep 0.2
    done
    log "$journal"
    grep -q '^/etc/memfd-bind.yaml:3:5: error: ' <<<"$journal" ||
        fail "the journal lacks the error at line 3, column 5" || return 1
    [ "$(inside systemctl is-active memfd-bind.service)" = active ] || fail "the daemon stopped" || return 1
    binds | grep -qx "/usr/sbin/runc $(main_pid)" || fail "the bind of /usr/sbin/runc is gone" || return 1
    # memfd-bind --status reads the configuration, so restore it first.
    write_config "$runc_config" || return 1
    check_runc_bound "$(main_pid)" || return 1
}

step_template() {
    local unit
    unit="memfd-bind@$(inside systemd-escape -p /usr/bin/busybox).service"
    inside systemctl start "$unit" || fail "systemctl start $unit failed" || return 1
    local pid
    pid=$(inside systemctl show -p MainPID --value "$unit")
    binds | grep -qx "/usr/bin/busybox $pid" || fail "no bind of /usr/bin/busybox owned by $pid" || return 1
    inside /usr/bin/busybox true || fail "/usr/bin/busybox does not run while bound" || return 1
    inside systemctl stop "$unit" || fail "systemctl stop $unit failed" || return 1
    if binds | grep -q '^/usr/bin/busybox '; then
        fail "a bind of /usr/bin/busybox is left after stop" || return 1
    fi
    check_runc_bound "$(main_pid)" || return 1
}

step_runc_upgrade() {
    local since
    since=$(inside date '+%Y-%m-%d %H:%M:%S')
    inside dpkg -i /root/test/runc.deb >&2 || fail "dpkg -i runc.deb failed while runc was protected" || return 1
    check_runc_bound "$(main_pid)" || return 1
    inside journalctl -u memfd-bind.service --no-pager -o cat --since "$since" | grep -q '^released path=/usr/sbin/runc' ||
        fail "the daemon did not release /usr/sbin/runc for dpkg" || return 1
    check_runc_reuses_copy || return 1
}

step_kill() {
    local old new
    old=$(main_pid)
    inside_sh "kill -9 $old" || fail "kill -9 $old failed" || return 1
    new=$(wait_for_daemon "$old") || fail "systemd did not restart the daemon" || return 1
    log "daemon $old killed, $new runs"
    if binds | grep -q " $old\$"; then
        fail "a bind of the killed daemon $old is left: $(binds | tr '\n' ';')" || return 1
    fi
    check_runc_bound "$new" || return 1
    check_runc_reuses_copy || return 1
}

step_stop() {
    inside systemctl stop memfd-bind.service || fail "systemctl stop failed" || return 1
    [ -z "$(binds)" ] || fail "binds left after stop: $(binds | tr '\n' ';')" || return 1
}

step_remove() {
    inside dpkg -r memfd-bind >&2 || fail "dpkg -r memfd-bind failed" || return 1
    inside test -e /etc/dpkg/dpkg.cfg.d/memfd-bind || fail "dpkg -r removed the conffile of the dpkg hooks" || return 1
    # The hooks stay while the binary is gone: dpkg must still work.
    inside dpkg -i /root/test/runc.deb >&2 || fail "dpkg -i runc.deb failed after dpkg -r memfd-bind" || return 1
}

step_purge() {
    inside dpkg -P memfd-bind >&2 || fail "dpkg -P memfd-bind failed" || return 1
    local path
    for path in /usr/sbin/memfd-bind /lib/systemd/system/memfd-bind.service /lib/systemd/system/memfd-bind@.service \
        /etc/memfd-bind.yaml /etc/dpkg/dpkg.cfg.d/memfd-bind \
        /etc/systemd/system/multi-user.target.wants/memfd-bind.service; do
        if inside test -e "$path"; then
            fail "$path is left after dpkg -P" || return 1
        fi
    done
    inside dpkg -i /root/test/runc.deb >&2 || fail "dpkg -i runc.deb failed after dpkg -P memfd-bind" || return 1
}

# --- Setup and cleanup -----------------------------------------------------

cleanup() {
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        if [ -n "$init_pid" ]; then
            inside systemctl poweroff >/dev/null 2>&1
        else
            kill -TERM "$nspawn_pid" 2>/dev/null
        fi
        for _ in $(seq 100); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            log "systemd-nspawn $nspawn_pid did not exit; killing it"
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    if [ -n "$work" ] && [ -d "$work" ]; then
        if findmnt -rn -o TARGET | grep -q "^$work"; then
            log "mounts are left under $work; not removing it"
        else
            rm -rf --one-file-system "$work"
        fi
    fi
}

if [ "$(id -u)" != 0 ]; then
    log "Tests/system/run.sh must run as root"
    exit 2
fi
work=$(mktemp -d /tmp/memfd-bind-system.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

deb=""
step build step_build
step boot step_boot
step install step_install
step hardening step_hardening
step man-pages step_man_pages
step reload-runc step_reload_runc
step invalid-reload step_invalid_reload
step template step_template
step runc-upgrade step_runc_upgrade
step kill-daemon step_kill
step stop step_stop
step remove step_remove
step purge step_purge

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
