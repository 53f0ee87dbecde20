#!/bin/bash
# Debian's runc (1.1.x) started through a protected copy of itself reuses the daemon's sealed memfd
# for "runc init": /proc/<init pid>/exe names the memfd-bind memfd. An unprotected copy does not.
source "$(dirname "$0")/lib.sh"

command -v runc >/dev/null || fatal "runc is not installed (apt-get install runc)"
busybox=$(command -v busybox) || fatal "busybox is not installed (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && fatal "$busybox is dynamically linked; install busybox-static"

mkdir -p "$SCRATCH/bin"
protected=$SCRATCH/bin/runc
unprotected=$SCRATCH/bin/runc-unprotected
cp "$(command -v runc)" "$protected"
cp "$(command -v runc)" "$unprotected"
state=$SCRATCH/runc-state

step "busybox bundle"
bundle=$SCRATCH/bundle
make_busybox_bundle "$bundle" "$protected"

config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $protected
YAML
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"

# Creates container ID with RUNC, prints the init pid.
create_container() {
    local runc=$1 id=$2
    at_exit "'$runc' --root '$state' delete -f '$id'"
    "$runc" --root "$state" create --bundle "$bundle" "$id" </dev/null >"$SCRATCH/$id.out" 2>&1 || {
        echo "runc create $id failed:" >&2
        cat "$SCRATCH/$id.out" >&2
        return 1
    }
    "$runc" --root "$state" state "$id" | jq -r .pid
}

container_status() {
    "$1" --root "$state" state "$2" | jq -r .status
}

# Succeeds when container ID of RUNC has STATUS.
container_has_status() {
    [ "$(container_status "$1" "$2")" = "$3" ]
}

step "runc create through the protected path"
id=memfd-bind-protected-$$
init_pid=$(create_container "$protected" "$id") || fatal "runc create through the protected path failed"
assert_match "$init_pid" '^[0-9]+$' "runc state reports the init pid"
init_exe=$(readlink "/proc/$init_pid/exe")
echo "runc init exe: $init_exe"
assert_eq "/memfd:memfd-bind:$protected (deleted)" "$init_exe" "runc init runs from the daemon's memfd"
assert_eq created "$(container_status "$protected" "$id")" "container is created"

step "runc start and delete"
assert_exit 0 "runc start" "$protected" --root "$state" start "$id"
wait_for 10 "container runs" container_has_status "$protected" "$id" running
assert_exit 0 "runc delete -f" "$protected" --root "$state" delete -f "$id"
assert_exit 1 "container is gone" "$protected" --root "$state" state "$id"

step "runc create through an unprotected copy"
id=memfd-bind-unprotected-$$
init_pid=$(create_container "$unprotected" "$id") || fatal "runc create through the unprotected copy failed"
init_exe=$(readlink "/proc/$init_pid/exe")
echo "runc init exe without protection: $init_exe"
assert_not_contains "$init_exe" "memfd-bind" "without protection runc init does not run from a memfd-bind memfd"
assert_exit 0 "runc delete -f of the unprotected container" "$unprotected" --root "$state" delete -f "$id"
finish
