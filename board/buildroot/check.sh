#!/bin/sh
# board/buildroot/check.sh: what can be checked of the buildroot package without
# buildroot (which cannot be downloaded here). In a clean copy of the tree, run exactly
# the make invocation of package/cabin/cabin.mk with stand-ins for what buildroot
# provides: TARGET_CC = the host's musl-gcc with a "staging" sysroot of headers,
# STAGING_DIR/usr/lib/libcap.a = our musl libcap, kernel headers = ours; no kconfig-conf
# on PATH, DEPSTAMP=/dev/null (nothing may be fetched or installed). Then the package's
# install commands into a target directory. Not checked: a real cross toolchain, the
# package inside a buildroot tree, its Config.in in menuconfig.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/cabin-br.XXXXXX)
trap 'rm -rf "$W"' EXIT
S=$W/staging T=$W/target
mkdir -p "$S/usr/lib" "$S/usr/include" "$T"
cp "$TOP/build/libcap/lib/libcap.a" "$S/usr/lib/"
cp -r "$TOP/build/libcap/include/." "$S/usr/include/"
cp -r "$TOP/build/kh/." "$S/usr/include/"
# the tree as it is (tracked and new files, nothing ignored: no build/)
mkdir -p "$W/src"
(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | (cd "$W/src" && tar xf -)
# PATH without kconfig-conf: what buildroot's environment has
mkdir -p "$W/bin"
for t in sh make awk sed grep cat mv rm mkdir cp stat echo sort tr cut head tail ln \
	cmp musl-gcc gcc cc ld as ar x86_64-linux-gnu-gcc x86_64-linux-gnu-gcc-12 git date file install; do
	p=$(command -v $t 2> /dev/null) && ln -sf "$p" "$W/bin/$t"
done
echo "buildroot stand-in: make -C src CC=musl-gcc LIBCAP=staging/libcap.a KH=staging DEPSTAMP=/dev/null build/cabin"
env -i PATH="$W/bin:/usr/lib/gcc/x86_64-linux-gnu/12" HOME="$W" \
	make -s -C "$W/src" CC="musl-gcc -isystem $S/usr/include" \
	LIBCAP="$S/usr/lib/libcap.a" KH="$S/usr/include" DEPSTAMP=/dev/null build/cabin
# CABIN_INSTALL_TARGET_CMDS
install -D -m 0755 "$W/src/build/cabin" "$T/sbin/cabin"
install -D -m 0644 "$W/src/rootfs/etc/cabin.conf" "$T/etc/cabin.conf"
mkdir -p "$T/etc/cabin.d" "$T/var/lib/cabin"
ln -sf cabin "$T/sbin/init"
file "$T/sbin/cabin" | grep -q "statically linked" || { echo "not static"; exit 1; }
"$T/sbin/cabin" check -c "$T/etc/cabin.conf" > /dev/null 2>&1 || true
echo "buildroot stand-in: ok ($(stat -c %s "$T/sbin/cabin") bytes, static, /sbin/init -> cabin)"
