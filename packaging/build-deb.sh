#!/bin/sh
# Builds the memfd-bind Debian package from the working tree.
#
# Copies packaging/debian, the man pages and the sources into build/deb/src
# and runs dpkg-buildpackage there. The .deb and its -dbgsym .deb land in
# build/. The Swift toolchain comes from PATH. Needs debhelper, dpkg-dev,
# libyaml-dev and pkg-config.
set -eu

repository=$(cd "$(dirname "$0")/.." && pwd)
build="$repository/build"
tree="$build/deb/src"

command -v swift >/dev/null 2>&1 || {
    echo "build-deb.sh: swift not found on PATH; add the Swift toolchain's usr/bin to PATH" >&2
    exit 1
}

rm -rf "$build/deb"
mkdir -p "$tree"
cd "$repository"
cp -a Package.swift Sources Tests etc "$tree/"
if [ -f Package.resolved ]; then
    cp -a Package.resolved "$tree/"
fi
cp -a packaging/debian "$tree/debian"
cp -a packaging/man "$tree/man"
# Keep only the Swift test targets. SwiftPM needs their folders because
# Package.swift names them, but the shell-driven tests are not built.
for folder in "$tree"/Tests/*; do
    case "${folder##*/}" in
    *Tests) ;;
    *) rm -rf "$folder" ;;
    esac
done

cd "$tree"
dpkg-buildpackage -b -us -uc

# dpkg-buildpackage writes its results next to the source tree, in build/deb.
for file in "$build"/deb/*.deb "$build"/deb/*.buildinfo "$build"/deb/*.changes; do
    if [ -e "$file" ]; then
        mv -f "$file" "$build/"
    fi
done
ls -1 "$build"/memfd-bind*.deb
