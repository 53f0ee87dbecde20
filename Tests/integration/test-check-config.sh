#!/bin/bash
# --check-config accepts a good file and rejects each kind of bad entry or unsafe file with its
# file:line:column.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
good=$SCRATCH/bin/good
write_script "$good" GOOD

# Writes a configuration with one entry for PATH (path value at line 2, column 11).
write_single_entry() {
    write_file "$1" <<YAML
binaries:
  - path: $2
YAML
}

step "a good file"
config=$SCRATCH/good.yaml
other=$SCRATCH/bin/other
write_script "$other" OTHER
write_file "$config" <<YAML
binaries:
  - path: $good
  - path: $other
    mode: "0555"
YAML
assert_exit 0 "--check-config on a good file" "$MEMFD_BIND" --check-config --config "$config"
assert_eq 3 "$(grep -c . <<<"$STDOUT")" "one line per entry plus the OK line"
assert_match "$STDOUT" "^$good: ok, [0-9]+ bytes, seals 0xf \(seal,shrink,grow,write\), mode 0511, owner 0:0$" "line for the first entry"
assert_match "$STDOUT" "^$other: ok, [0-9]+ bytes, seals 0xf \(seal,shrink,grow,write\), mode 0555, owner 0:0$" "line for the second entry"
assert_eq "configuration OK" "$(tail -n 1 <<<"$STDOUT")" "last line"
assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "--check-config mounted nothing"

# Checks that --check-config rejects CONFIG with an error at LOCATION containing MESSAGE.
expect_rejected() {
    local description=$1 config=$2 location=$3 message=$4
    assert_exit 1 "--check-config rejects $description" "$MEMFD_BIND" --check-config --config "$config"
    assert_contains "$STDERR" "$config:$location: error: " "$description: error at $location"
    assert_contains "$STDERR" "$message" "$description: message"
    assert_contains "$STDERR" "$config: configuration invalid" "$description: summary line"
}

step "a missing binary"
write_single_entry "$SCRATCH/missing.yaml" "$SCRATCH/bin/missing"
expect_rejected "a missing binary" "$SCRATCH/missing.yaml" 2:11 "$SCRATCH/bin/missing: cannot open the file"
assert_contains "$STDERR" "No such file or directory" "missing binary: errno text"

step "a directory"
mkdir "$SCRATCH/bin/directory"
write_single_entry "$SCRATCH/directory.yaml" "$SCRATCH/bin/directory"
expect_rejected "a directory" "$SCRATCH/directory.yaml" 2:11 "the path is a directory, not a regular file"

step "a FIFO"
mkfifo "$SCRATCH/bin/fifo"
write_single_entry "$SCRATCH/fifo.yaml" "$SCRATCH/bin/fifo"
expect_rejected "a FIFO" "$SCRATCH/fifo.yaml" 2:11 "not a regular file"

step "a device node"
mknod "$SCRATCH/bin/null" c 1 3
write_single_entry "$SCRATCH/device.yaml" "$SCRATCH/bin/null"
expect_rejected "a device node" "$SCRATCH/device.yaml" 2:11 "not a regular file"

step "a symlinked binary"
ln -s "$good" "$SCRATCH/bin/link"
write_single_entry "$SCRATCH/symlink.yaml" "$SCRATCH/bin/link"
expect_rejected "a symlink" "$SCRATCH/symlink.yaml" 2:11 "the path is a symbolic link to $good"
assert_contains "$STDERR" "list $good instead" "symlink: names the target to list instead"

step "a non-executable file"
printf 'data\n' >"$SCRATCH/bin/data"
chmod 0644 "$SCRATCH/bin/data"
write_single_entry "$SCRATCH/noexec.yaml" "$SCRATCH/bin/data"
expect_rejected "a non-executable file" "$SCRATCH/noexec.yaml" 2:11 "the file is not executable (mode 0644)"

step "a file over max_size"
cp "$PROBE" "$SCRATCH/bin/large"
write_file "$SCRATCH/large.yaml" <<YAML
max_size: 1K
binaries:
  - path: $SCRATCH/bin/large
YAML
expect_rejected "a file over max_size" "$SCRATCH/large.yaml" 3:11 "larger than max_size (1024 bytes)"

step "two entries that are hard links to one inode"
ln "$good" "$SCRATCH/bin/hardlink"
write_file "$SCRATCH/hardlink.yaml" <<YAML
binaries:
  - path: $good
  - path: $SCRATCH/bin/hardlink
YAML
expect_rejected "hard links to one inode" "$SCRATCH/hardlink.yaml" 3:11 "$SCRATCH/bin/hardlink is the same file as $good (line 2)"

step "a configuration file owned by another user"
write_single_entry "$SCRATCH/foreign.yaml" "$good"
chown nobody "$SCRATCH/foreign.yaml"
assert_exit 1 "--check-config rejects a file owned by nobody" "$MEMFD_BIND" --check-config --config "$SCRATCH/foreign.yaml"
assert_contains "$STDERR" "must be owned by root" "foreign owner: reason"
assert_contains "$STDERR" "run \"chown root:root $SCRATCH/foreign.yaml\"" "foreign owner: names the fix"

step "a group- or world-writable configuration file"
write_single_entry "$SCRATCH/writable.yaml" "$good"
chmod 0666 "$SCRATCH/writable.yaml"
assert_exit 1 "--check-config rejects a world-writable file" "$MEMFD_BIND" --check-config --config "$SCRATCH/writable.yaml"
assert_contains "$STDERR" "writable by group or others" "writable file: reason"
assert_contains "$STDERR" "run \"chmod go-w $SCRATCH/writable.yaml\"" "writable file: names the fix"
chmod 0620 "$SCRATCH/writable.yaml"
assert_exit 1 "--check-config rejects a group-writable file" "$MEMFD_BIND" --check-config --config "$SCRATCH/writable.yaml"
assert_contains "$STDERR" "run \"chmod go-w $SCRATCH/writable.yaml\"" "group-writable file: names the fix"

step "a directory above the file that others can write"
mkdir "$SCRATCH/open"
chmod 0777 "$SCRATCH/open"
write_single_entry "$SCRATCH/open/config.yaml" "$good"
assert_exit 1 "--check-config rejects a file in a world-writable directory" "$MEMFD_BIND" --check-config --config "$SCRATCH/open/config.yaml"
assert_contains "$STDERR" "run \"chmod go-w $SCRATCH/open\"" "writable directory: names the fix"

step "the daemon refuses the same unsafe file"
assert_exit 1 "daemon with a world-writable configuration" timeout 20 "$MEMFD_BIND" --config "$SCRATCH/open/config.yaml" --pid-file "$SCRATCH/daemon.pid"
assert_contains "$STDERR" "configuration invalid" "daemon logs the invalid configuration"
assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "nothing was mounted"
finish
