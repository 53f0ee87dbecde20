#!/usr/bin/env bash
# Builds the libFuzzer binary for the configuration loader at .build/fuzz/config-fuzzer.
#
# Sources/Config/*.swift and Tests/fuzz/ConfigFuzzer.swift are compiled as one module named
# Config, so the fuzzer can call internal functions. CYaml is found through its module map in
# Sources/CYaml, and libyaml comes from the system (Debian package libyaml-dev).
# NOTE: the system libyaml is not instrumented, so coverage counts the Swift code only, and
# AddressSanitizer checks libyaml's calls to malloc, free and the C string functions but not
# libyaml's own loads and stores.
# Needs swiftc with libFuzzer and AddressSanitizer (the swift.org Linux toolchains have both);
# SWIFTC overrides the compiler, otherwise swiftc from PATH or /opt/swift/usr/bin is used.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z "${SWIFTC:-}" ]]; then
    if command -v swiftc >/dev/null; then
        SWIFTC=swiftc
    elif [[ -x /opt/swift/usr/bin/swiftc ]]; then
        SWIFTC=/opt/swift/usr/bin/swiftc
    else
        echo "build.sh: swiftc not found; put the Swift toolchain on PATH or set SWIFTC" >&2
        exit 1
    fi
fi

output_dir=.build/fuzz
mkdir -p "$output_dir"

# -O keeps executions fast, and -g puts file and line numbers into ASan and fatalError reports.
# The module cache lives under .build/fuzz, apart from the one that swift build uses.
# lld replaces the default gold linker, which prints a warning for every ASan helper symbol.
"$SWIFTC" \
    -sanitize=fuzzer,address \
    -parse-as-library \
    -module-name Config \
    -O -g \
    -I Sources/CYaml \
    -module-cache-path "$output_dir/module-cache" \
    -use-ld=lld \
    -lyaml \
    Sources/Config/*.swift \
    Tests/fuzz/ConfigFuzzer.swift \
    -o "$output_dir/config-fuzzer"

echo "built $output_dir/config-fuzzer"
