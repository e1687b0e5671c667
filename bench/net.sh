#!/bin/sh
# bench/net.sh [MB]: published-port throughput against reaching the container directly,
# side by side in one run, as ratios (the machine is shared and noisy). A busybox httpd
# in a net=bridge container serves an MB-sized file (default 256) from a tmpfs; a LAN
# host (a network namespace behind a veth) fetches it through the published port, the
# device fetches it directly from the container's address and through the port on its
# own LAN address, and another container fetches it through the port (hairpin).
# Everything in private namespaces, cleaned up. (Network set-up time per container is not
# measured yet: a client-side poll is too coarse for it.)
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
MB=${1:-256}
if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/net.sh: needs root"; exit 1; }
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
RESULTS=$(mktemp -d /tmp/cabin-bench-res.XXXXXX)
export RESULTS
NAME=bench_net
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
mkdir -p "$T/www"
mount -t tmpfs -o size=$((MB + 16))m tmpfs "$T/www"
dd if=/dev/zero of="$T/www/blob" bs=1M count="$MB" 2> /dev/null
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
ip link set lo up
lan_host
cat > "$T/cabin.conf" <<CONF
[web]
rootfs=$RF
cmd=/bin/httpd -f -p 80 -h /www
volume=$T/www:/www:ro
port=8080:80
[cli]
rootfs=$RF
cmd=/bin/sleep 100000
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
up() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" = 2 ]; }
retry 200 up || { echo "containers did not start"; cat "$T/daemon.log"; exit 1; }
CLI=$("$CABIN" ps -o kv | sed -n 's/^name=cli .* pid=\([0-9]*\).*/\1/p')

# seconds for one fetch of the blob, by CMD...
fetch() {
	a=$(date +%s%N)
	"$@" > /dev/null 2>&1 || { echo fail; return; }
	b=$(date +%s%N)
	echo $(((b - a) / 1000000))
}
: > "$T/r"
for i in 1 2 3 4 5; do
	d=$(fetch wget -q -O /dev/null http://10.88.0.2/blob)
	l=$(fetch nsenter -t $LAN -n wget -q -O /dev/null http://192.168.77.1:8080/blob)
	o=$(fetch wget -q -O /dev/null http://192.168.77.1:8080/blob)
	h=$(fetch nsenter -t $CLI -n -m -p -r /bin/wget -q -O /dev/null http://192.168.77.1:8080/blob)
	cd_=$(fetch nsenter -t $CLI -n -m -p -r /bin/wget -q -O /dev/null http://10.88.0.2/blob)
	echo "$d $l $o $h $cd_" >> "$T/r"
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c=$1 '{ print $c }' "$T/r" | med; }
D=$(col 1) L=$(col 2) O=$(col 3) H=$(col 4) C=$(col 5)
mbps() { awk -v ms="$1" -v mb="$MB" 'BEGIN { printf "%.0f MB/s", mb * 1000 / ms }'; }
echo "published-port throughput, $MB MB over HTTP, median of 5 (ms; MB/s):"
echo "  device -> container address (direct)      $D ms  $(mbps "$D")"
echo "  LAN host -> device:8080 (DNAT, forwarded) $L ms  $(mbps "$L")   ratio direct/this $(awk -v a="$D" -v b="$L" 'BEGIN { printf "%.2f", a / b }')"
echo "  device -> own LAN address:8080 (output)   $O ms  $(mbps "$O")   ratio $(awk -v a="$D" -v b="$O" 'BEGIN { printf "%.2f", a / b }')"
echo "  container -> container address (direct)   $C ms  $(mbps "$C")"
echo "  container -> device:8080 (hairpin)        $H ms  $(mbps "$H")   ratio $(awk -v a="$C" -v b="$H" 'BEGIN { printf "%.2f", a / b }')"
grep -q . "$T/r" && grep -q fail "$T/r" && echo "  (some fetches failed)"

"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
kill $LAN 2>/dev/null
umount "$T/www"
