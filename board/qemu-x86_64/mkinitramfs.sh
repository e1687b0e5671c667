#!/bin/sh
# board/qemu-x86_64/mkinitramfs.sh OUT KERNELDIR CONF [SRC:DEST]...
# An initramfs (cpio newc, uncompressed: nothing to decompress under TCG) with cabin as
# /init (and /bin/cabin, the client), static busybox, the probe, /etc/cabin.conf = CONF,
# a busybox image for containers at /images/base, and the kernel modules CONF loads
# (module=/lib/modules/NAME.ko lines): each with everything it depends on, in load order,
# read from the modules' own .modinfo (no depmod needed). Extra files as SRC:DEST.
set -eu
OUT=$1 KD=$2 CONF=$3
shift 3
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ver=$(cat "$KD/version")
K=$KD/kernel/lib/modules/$ver
S=$(mktemp -d /tmp/cabin-initramfs.XXXXXX)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/bin" "$S/etc" "$S/proc" "$S/sys" "$S/dev" "$S/run" "$S/tmp" "$S/lib/modules" \
	"$S/var/lib/cabin" "$S/images/base"
cp "$TOP/build/cabin" "$S/init"
ln -s ../init "$S/bin/cabin"
cp /bin/busybox "$S/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$S/bin/$a" ] || ln -s busybox "$S/bin/$a"; done
cp "$TOP/build/probe" "$S/bin/probe"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$S/etc/passwd"
# the containers' image: the same busybox, the probe, a web root
B=$S/images/base
mkdir -p "$B/bin" "$B/proc" "$B/sys" "$B/dev" "$B/etc" "$B/tmp" "$B/www" "$B/root"
cp /bin/busybox "$B/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$B/bin/$a" ] || ln -s busybox "$B/bin/$a"; done
cp "$TOP/build/probe" "$B/bin/probe"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$B/etc/passwd"
echo hello-from-qemu > "$B/www/index.html"

# modules: module=/lib/modules/X.ko lines of CONF, dependencies first
ko() { find "$K" -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" | head -1; }
seen=" "
want() { # NAME: its pre-softdeps and dependencies, then itself
	local f d
	case $seen in *" $1 "*) return 0 ;; esac
	seen="$seen$1 "
	f=$(ko "$1")
	if [ -z "$f" ]; then
		echo "mkinitramfs: no module $1 in $K" >&2
		exit 1
	fi
	for d in $(LC_ALL=C grep -a -o 'softdep=pre: [^[:cntrl:]]*' "$f" | sed 's/softdep=pre: //') \
		$(LC_ALL=C grep -a -o 'depends=[^[:cntrl:]]*' "$f" | head -1 | cut -d= -f2 | tr ',' ' '); do
		if [ "$d" = crc32c ]; then d=crc32c_generic; fi
		want "$d"
	done
	cp "$f" "$S/lib/modules/$1.ko"
	echo "module=/lib/modules/$1.ko" >> "$S/etc/modules.conf"
}
: > "$S/etc/modules.conf"
for m in $(sed -n 's|^module=/lib/modules/\(.*\)\.ko$|\1|p' "$CONF"); do want "$m"; done
# /etc/cabin.conf: the modules in load order first, then CONF without its module= lines
{ cat "$S/etc/modules.conf"; grep -v '^module=' "$CONF"; } > "$S/etc/cabin.conf"
rm "$S/etc/modules.conf"
for x in "$@"; do
	mkdir -p "$S/$(dirname "${x#*:}")"
	cp "${x%%:*}" "$S/${x#*:}"
done
(cd "$S" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$OUT"
