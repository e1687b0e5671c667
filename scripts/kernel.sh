#!/bin/sh
# scripts/kernel.sh OUT: Debian's amd64 kernel for the qemu boot test, without installing
# it (no /boot, no initramfs-tools): `apt-get download` of the package linux-image-amd64
# points at, `dpkg-deb -x` into OUT/kernel, and the ELF vmlinux taken out of the
# bzImage's XZ stream into OUT/vmlinux (qemu boots it directly, ~3x faster under TCG
# than letting the kernel decompress itself). Idempotent; prints the kernel version.
set -eu
OUT=${1:-build/qemu}
if [ -f "$OUT/version" ] && [ -d "$OUT/kernel/lib/modules/$(cat "$OUT/version")" ]; then
	cat "$OUT/version"
	exit 0
fi
mkdir -p "$OUT/deb"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
[ -n "$pkg" ] || { echo "kernel.sh: no linux-image-amd64 in apt's lists (apt-get update?)" >&2; exit 1; }
rm -f "$OUT"/deb/*.deb
(cd "$OUT/deb" && apt-get download -qq "$pkg" > /dev/null 2>&1) ||
	{ echo "kernel.sh: apt-get download $pkg failed" >&2; exit 1; }
rm -rf "$OUT/kernel"
dpkg-deb -x "$OUT"/deb/*.deb "$OUT/kernel"
ver=$(ls "$OUT/kernel/lib/modules" | head -1)
z=$(ls "$OUT"/kernel/boot/vmlinuz-* | head -1)
cp "$z" "$OUT/bzImage"
# the XZ stream inside the bzImage: its magic, then xz up to the end of that stream
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$z" | head -1 | cut -d: -f1)
if [ -n "$off" ] && tail -c +$((off + 1)) "$z" | xz -dc --single-stream > "$OUT/vmlinux.tmp" 2> /dev/null &&
	[ "$(head -c 4 "$OUT/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
	mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
else
	rm -f "$OUT/vmlinux.tmp"
fi
echo "$ver" > "$OUT/version"
echo "$ver"
