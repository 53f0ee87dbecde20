#!/bin/bash
# Encoding edge cases of the configuration file. A leading UTF-8 byte order mark changes nothing.
# A tab in indentation is an error at its line. A path with the byte 0xFF is an invalid UTF-8 error
# at its real line, and the daemon exits without opening any path built from the bad bytes.
source "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/bin"
target=$SCRATCH/bin/tool
write_script "$target" TOOL
bad_target=$SCRATCH/bin/$'\xff'tool
write_script "$bad_target" BAD
plain=$SCRATCH/plain.yaml
bom=$SCRATCH/bom.yaml

step "a leading byte order mark gives the same result"
write_file "$plain" <<YAML
binaries:
  - path: $target
YAML
{ printf '\xef\xbb\xbf'; cat "$plain"; } | write_file "$bom"
assert_eq "efbbbf" "$(head -c 3 "$bom" | od -An -tx1 | tr -d ' \n')" "the file starts with EF BB BF"
assert_exit 0 "--check-config without a byte order mark" "$MEMFD_BIND" --check-config --config "$plain"
plain_stdout=$STDOUT
plain_stderr=$STDERR
assert_exit 0 "--check-config with a byte order mark" "$MEMFD_BIND" --check-config --config "$bom"
assert_eq "$plain_stdout" "$STDOUT" "same standard output"
assert_eq "$plain_stderr" "$STDERR" "same standard error"
start_daemon bom --config "$bom" --pid-file "$SCRATCH/daemon.pid" || fatal "daemon did not start with a byte order mark"
assert_eq 1 "$(proc_bind_count "$target")" "the path is bound"
assert_exit 0 "the path runs" "$target"
assert_eq TOOL "$STDOUT" "output through the bind"
stop_daemon "$DAEMON_PID"
assert_eq 0 "$STOP_STATUS" "daemon stopped"

step "a byte order mark does not shift error locations"
write_file "$plain" <<YAML
binaries:
  - path: $target
    mode: "0999"
YAML
{ printf '\xef\xbb\xbf'; cat "$plain"; } | write_file "$bom"
assert_exit 1 "--check-config without a byte order mark" "$MEMFD_BIND" --check-config --config "$plain"
plain_stderr=${STDERR//$plain/CONFIG}
assert_contains "$STDERR" "$plain:3:11: error: mode \"0999\"" "error at line 3, column 11"
assert_exit 1 "--check-config with a byte order mark" "$MEMFD_BIND" --check-config --config "$bom"
assert_eq "$plain_stderr" "${STDERR//$bom/CONFIG}" "same errors at the same places"

step "a tab in indentation"
config=$SCRATCH/tab.yaml
printf 'binaries:\n  - path: %s\n\tmode: "0511"\n' "$target" | write_file "$config"
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_match "$STDERR" "^$config:3:1: error: .*tab" "error at line 3, column 1 mentions the tab"
assert_contains "$STDERR" "replace the tab with spaces" "error says what to do"
assert_exit 1 "daemon with a tab" "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"
assert_match "$OUTPUT" "$config:3:1: error: .*tab" "daemon log has the located tab error"
assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "nothing mounted"

step "a tab after a key's indentation is in the right column"
printf 'binaries:\n  - path: %s\n  \t  mode: "0511"\n' "$target" | write_file "$config"
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_match "$STDERR" "^$config:3:3: error: .*tab" "error at line 3, column 3"

step "the byte 0xFF in a path on line 2"
config=$SCRATCH/bytes.yaml
printf 'binaries:\n  - path: %s\n' "$bad_target" | write_file "$config"
assert_exit 1 "--check-config" "$MEMFD_BIND" --check-config --config "$config"
assert_match "$STDERR" "^$config:2:[0-9]+: error: invalid UTF-8 byte 0xFF" "error names the byte at line 2"
assert_not_contains "$STDERR" "$config:1:" "nothing reported at line 1"
column=$(sed -n "s|^$config:2:\([0-9]*\): error: invalid UTF-8.*|\1|p" <<<"$STDERR")
assert_eq $((${#SCRATCH} + 16)) "$column" "column of the byte (after '  - path: ' and the directory)"

if command -v strace >/dev/null; then
    assert_exit 1 "daemon under strace" strace -f -x -qq -e trace=open,openat -o "$SCRATCH/strace.out" \
        "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"
else
    assert_exit 1 "daemon" "$MEMFD_BIND" --config "$config" --pid-file "$SCRATCH/daemon.pid"
fi
assert_match "$OUTPUT" "$config:2:[0-9]+: error: invalid UTF-8 byte 0xFF" "daemon log has the located error"
assert_eq 0 "$(proc_binds_in_scratch | grep -c .)" "nothing mounted"
if command -v strace >/dev/null; then
    opens=$(cat "$SCRATCH/strace.out")
    assert_contains "$opens" "$config" "strace saw the configuration file opened"
    assert_not_contains "$opens" '\xff' "no open of a path with the raw byte"
    assert_not_contains "$opens" '\xef\xbf\xbd' "no open of a path with U+FFFD"
    assert_not_contains "$opens" "$SCRATCH/bin/" "no open of anything in the binaries' directory"
else
    echo "strace is not installed: the opens were not traced"
fi
assert_exit 0 "the file with the byte in its name is untouched" "$bad_target"
assert_eq BAD "$STDOUT" "output of that file"
finish
