# Sourced by the image recipes: image_base DIR lays out a minimal busybox rootfs.
# The busybox must be static (Debian's /bin/busybox is): the image carries no libraries.
BUSYBOX=${BUSYBOX:-/bin/busybox}

image_base() {
	_d=$1
	rm -rf "$_d"
	mkdir -p "$_d/bin" "$_d/proc" "$_d/sys" "$_d/dev" "$_d/etc" "$_d/tmp" "$_d/root" \
		"$_d/data" "$_d/run" "$_d/var/log"
	chmod 1777 "$_d/tmp"
	if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
		echo "image: $BUSYBOX is not static (apt-get install busybox-static)" >&2
		return 1
	fi
	cp "$BUSYBOX" "$_d/bin/busybox"
	for _a in $("$BUSYBOX" --list); do
		[ -e "$_d/bin/$_a" ] || ln -s busybox "$_d/bin/$_a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/data:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		> "$_d/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' > "$_d/etc/group"
	: > "$_d/etc/hosts"
	: > "$_d/etc/resolv.conf"
	echo "$(basename "$_d")" > "$_d/etc/hostname"
}
