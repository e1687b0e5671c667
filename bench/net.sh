#!/bin/sh
# bench/net.sh [MB]: published-port throughput against reaching the container directly,
# side by side in one run, as ratios (the machine is shared and noisy). A busybox httpd
# in a net=bridge container serves an MB-sized file (default 256) from a tmpfs; a LAN
# host (a network namespace behind a veth) fetches it through the published port, the
# device fetches it directly from the container's address and through the port on its
# own LAN address and on 127.0.0.1 (the daemon's splice proxy), and another container
# fetches it through the port (hairpin). Connection rate: 100 connections at once to a
# one-process server (probe tcpserve), directly, through DNAT and through the proxy.
# Network set-up time: the daemon's own figures (start_us, net_us in `ps -o kv`) for 8
# net=bridge and 8 net=none containers started together.
# Everything in private namespaces, cleaned up.
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
[rate]
rootfs=$RF
cmd=/bin/probe tcpserve 80
port=8090:80
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
up() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" = 3 ]; }
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
	lo=$(fetch wget -q -O /dev/null http://127.0.0.1:8080/blob)
	echo "$d $l $o $h $cd_ $lo" >> "$T/r"
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c=$1 '{ print $c }' "$T/r" | med; }
D=$(col 1) L=$(col 2) O=$(col 3) H=$(col 4) C=$(col 5) LO=$(col 6)
mbps() { awk -v ms="$1" -v mb="$MB" 'BEGIN { printf "%.0f MB/s", mb * 1000 / ms }'; }
echo "published-port throughput, $MB MB over HTTP, median of 5 (ms; MB/s):"
echo "  device -> container address (direct)      $D ms  $(mbps "$D")"
echo "  LAN host -> device:8080 (DNAT, forwarded) $L ms  $(mbps "$L")   ratio direct/this $(awk -v a="$D" -v b="$L" 'BEGIN { printf "%.2f", a / b }')"
echo "  device -> own LAN address:8080 (output)   $O ms  $(mbps "$O")   ratio $(awk -v a="$D" -v b="$O" 'BEGIN { printf "%.2f", a / b }')"
echo "  device -> 127.0.0.1:8080 (splice proxy)   $LO ms  $(mbps "$LO")   ratio $(awk -v a="$D" -v b="$LO" 'BEGIN { printf "%.2f", a / b }')"
echo "  container -> container address (direct)   $C ms  $(mbps "$C")"
echo "  container -> device:8080 (hairpin)        $H ms  $(mbps "$H")   ratio $(awk -v a="$C" -v b="$H" 'BEGIN { printf "%.2f", a / b }')"
grep -q . "$T/r" && grep -q fail "$T/r" && echo "  (some fetches failed)"

# connection rate: 100 at once, each one request and its answer; median of 5
RATE_IP=$("$CABIN" ps -o kv | sed -n 's/^name=rate .* ip=\([0-9.]*\).*/\1/p')
conns() {
	a=$(date +%s%N)
	"$@" 100 | grep -q "answered=100 closed=0" || { echo fail; return; }
	b=$(date +%s%N)
	echo $(((b - a) / 1000000))
}
: > "$T/c"
for i in 1 2 3 4 5; do
	d=$(conns "$PROBE" conns "$RATE_IP" 80)
	l=$(conns nsenter -t $LAN -n "$PROBE" conns 192.168.77.1 8090)
	lo=$(conns "$PROBE" conns 127.0.0.1 8090)
	echo "$d $l $lo" >> "$T/c"
done
ccol() { awk -v c=$1 '{ print $c }' "$T/c" | med; }
D=$(ccol 1) L=$(ccol 2) LO=$(ccol 3)
cps() { awk -v ms="$1" 'BEGIN { printf "%.0f conn/s", 100 * 1000 / ms }'; }
echo "connection rate, 100 at once (the proxy holds 128), median of 5 (ms; connections/s):"
echo "  device -> container address (direct)      $D ms  $(cps "$D")"
echo "  LAN host -> device:8090 (DNAT)             $L ms  $(cps "$L")   ratio direct/this $(awk -v a="$D" -v b="$L" 'BEGIN { printf "%.2f", a / b }')"
echo "  device -> 127.0.0.1:8090 (splice proxy)    $LO ms  $(cps "$LO")   ratio $(awk -v a="$D" -v b="$LO" 'BEGIN { printf "%.2f", a / b }')"
grep -q fail "$T/c" && echo "  (some rounds failed)"

# network set-up time: 8 + 8 containers started together, the daemon's own figures
for n in nb nn; do
	net=bridge
	[ $n = nn ] && net=none
	"$CABIN" create $n rootfs=$RF "cmd=/bin/sleep 100000" net=$net replicas=8 > /dev/null
	"$CABIN" start $n > /dev/null
done
retry 200 sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c '^name=n[bn]-.*state=running') = 16 ]" ||
	echo "  (not all 16 started)"
fig() { "$CABIN" ps -o kv | grep "^name=$1-" | sed -n "s/.* $2=\([0-9]*\).*/\1/p" | med; }
echo "start time (clone to exec confirmed), median of 8 (us):"
echo "  net=none    $(fig nn start_us)"
echo "  net=bridge  $(fig nb start_us)   of which the daemon's veth set-up $(fig nb net_us)"

"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
kill $LAN 2>/dev/null
umount "$T/www"
