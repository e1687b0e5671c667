#!/bin/sh
# Build libcap.a for musl from Debian's libcap2 source package, cached under $1 (build/).
# Debian's libcap-dev is built for glibc and does not link with musl, so we fetch the
# source with a private apt source list kept under build/: the host's apt config is
# left untouched.
set -eu
B=$(cd "$1" && pwd)
OUT=$B/libcap
[ -f "$OUT/lib/libcap.a" ] && exit 0
A=$B/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$B/src"
echo "deb-src http://deb.debian.org/debian bookworm main" > "$A/sources.list"
O="-o Dir::Etc::SourceList=$A/sources.list -o Dir::Etc::SourceParts=/dev/null
   -o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $O update -qq >/dev/null
# shellcheck disable=SC2086
V=$(apt-cache $O showsrc libcap2 | awk '/^Version:/ { print $2; exit }')
[ -n "$V" ] || { echo "libcap: no libcap2 source package found" >&2; exit 1; }
cd "$B/src"
rm -rf libcap2-src
# shellcheck disable=SC2086
apt-get $O source --download-only "libcap2=$V" >/dev/null 2>&1
dpkg-source --no-check -x libcap2_*.dsc libcap2-src >/dev/null
cd libcap2-src
make -C libcap CC="musl-gcc -isystem $B/kh -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables" BUILD_CC=gcc SHARED=no libcap.a >/dev/null
mkdir -p "$OUT/lib" "$OUT/include/sys"
cp libcap/libcap.a "$OUT/lib/"
cp libcap/include/sys/capability.h "$OUT/include/sys/"
echo "libcap: built $OUT/lib/libcap.a from libcap2 $V"
