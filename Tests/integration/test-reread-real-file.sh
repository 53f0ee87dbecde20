#!/bin/bash
# A binary on a tmpfs (whose files report the seal F_SEAL_SEAL, 0x1) is bound all the same. When the
# file is rewritten in place underneath the bind, through a second, non-recursive bind of its
# directory, a reload with the configuration unchanged copies the new content: the path then shows
# the new file, with exactly one bind.
source "$(dirname "$0")/lib.sh"

directory=$SCRATCH/tmpfs-bin
other=$SCRATCH/other-view
mkdir -p "$directory" "$other"
mount -t tmpfs -o size=16m binaries "$directory" || fatal "cannot mount a tmpfs"
target=$directory/probe
cp "$PROBE" "$target"
chmod 0755 "$target"
config=$SCRATCH/config.yaml
write_file "$config" <<YAML
binaries:
  - path: $target
YAML

step "the tmpfs file reports F_SEAL_SEAL before binding"
assert_exit 0 "the probe runs from the tmpfs" "$target"
assert_contains "$STDOUT" "exe=$target"$'\n' "the probe runs from its own file"
assert_contains "$STDOUT" "seals=0x1"$'\n' "F_GET_SEALS of a tmpfs file reads 0x1"

step "the daemon binds it"
start_daemon daemon --config "$config" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start"
daemon=$DAEMON_PID
assert_eq "$daemon" "$(top_bind_owner "$target")" "the tmpfs path is bound by the daemon"
assert_eq 1 "$(proc_bind_count "$target")" "one bind"
assert_exit 0 "the probe runs through the bind" "$target"
assert_contains "$STDOUT" "exe=/memfd:memfd-bind:$target (deleted)" "the probe runs from the memfd"
assert_contains "$STDOUT" "seals=0xf"$'\n' "seals are 0xf"
assert_eq "$(sha256sum <"$PROBE")" "$(sha256sum <"$target")" "the path shows the original content"

step "rewrite the file in place through a second view of its directory"
mount --bind "$directory" "$other" || fatal "cannot bind the directory"
assert_eq 0 "$(proc_bind_count "$other/probe")" "the second view does not carry the bind (non-recursive)"
original_inode=$(stat -c %i "$other/probe")
new_content=$SCRATCH/new-probe
{ cat "$PROBE"; echo "appended so that the content differs"; } >"$new_content"
cat "$new_content" >"$other/probe" || fatal "cannot rewrite the file in place"
assert_eq "$original_inode" "$(stat -c %i "$other/probe")" "same inode, new content"
assert_eq "$(sha256sum <"$new_content")" "$(sha256sum <"$other/probe")" "the file has the new content"
assert_eq "$(sha256sum <"$PROBE")" "$(sha256sum <"$target")" "the path still shows the old copy before the reload"

step "reload with the configuration unchanged"
reloads=$(log_count "notice: reloaded")
kill -HUP "$daemon"
wait_for 20 "reload finished" log_count_above "notice: reloaded" "$reloads"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=1 added=0 removed=0 replaced=1 unchanged=0 failed=0" "the entry was replaced"
assert_match "$(cat "$DAEMON_LOG")" "^notice: replaced changed file path=$target " "replacement logged as a changed file"
assert_eq "$(sha256sum <"$new_content")" "$(sha256sum <"$target")" "sha256sum of the path equals the new file"
assert_eq 1 "$(proc_bind_count "$target")" "exactly one bind on the path"
assert_eq "$daemon" "$(top_bind_owner "$target")" "the bind belongs to the daemon"
assert_exit 0 "the new probe runs through the bind" "$target"
assert_contains "$STDOUT" "exe=/memfd:memfd-bind:$target (deleted)" "the new probe runs from the memfd"

step "a second reload changes nothing"
reloads=$(log_count "notice: reloaded")
kill -HUP "$daemon"
wait_for 20 "second reload finished" log_count_above "notice: reloaded" "$reloads"
assert_match "$(cat "$DAEMON_LOG")" "^notice: reloaded generation=2 added=0 removed=0 replaced=0 unchanged=1 failed=0" "the entry is unchanged"
umount "$other"
finish
