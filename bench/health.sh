#!/bin/sh
# Health-check cost (issue 9): daemon CPU (utime+stime from /proc, % of one core) with 32
# containers each probed every second, for each kind: none (the baseline), tcp (to a
# busybox httpd inside), notify (a shell loop sending WATCHDOG=1 every second) and exec
# (/bin/true inside the container); the daemon's VmRSS for each. The exec helpers are
# children of the daemon but separate processes: their CPU is shown apart (cgroup time
# of the containers is not counted). Runs itself in private namespaces and its own
# cgroup subtree. Usage: sh bench/health.sh [SECONDS (default 20)]
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/health.sh: needs root"; exit 1; }
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
SECS=${1:-20}
RESULTS=$(mktemp -d /tmp/cabin-bench-res.XXXXXX)
export RESULTS
NAME=bench_health
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
mkrootfs "$T/rootfs"
mkdir -p "$T/rootfs/www" && echo hi > "$T/rootfs/www/index.html"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
HZ=$(getconf CLK_TCK)

mkconf() { # KIND
	: > "$T/cabin.conf"
	i=1
	while [ $i -le 32 ]; do
		printf '[c%d]\nrootfs=%s\nnet=none\nhealth_interval=1s\n' $i "$T/rootfs" >> "$T/cabin.conf"
		case $1 in
		none) echo 'cmd=/bin/sleep 100000' ;;
		tcp) printf 'cmd=/bin/httpd -f -p 80 -h /www\nhealth=tcp:80\n' ;;
		notify) printf 'cmd=/bin/sh -c "probe notify READY=1; while :; do probe notify WATCHDOG=1; sleep 1; done"\nhealth=notify\n' ;;
		exec) printf 'cmd=/bin/sleep 100000\nhealth=exec:/bin/true\n' ;;
		esac >> "$T/cabin.conf"
		i=$((i + 1))
	done
}
ticks() { awk '{ print $14 + $15 }' /proc/$1/stat; }
cticks() { awk '{ print $16 + $17 }' /proc/$1/stat; } # reaped children (the exec helpers)
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$1/status; }

echo "32 containers, one probe each per second, ${SECS}s each (daemon CPU, % of one core):"
for kind in none tcp notify exec; do
	mkconf $kind
	"$CABIN" daemon > "$T/daemon.log" 2>&1 &
	DPID=$!
	want=running
	[ $kind = none ] || want=healthy
	ok() { [ "$("$CABIN" ps -o kv | grep -c "health=$want\|state=running health=none")" -ge 32 ]; }
	retry 1200 ok || echo "  ($kind: not all 32 $want)"
	sleep 2
	a=$(ticks $DPID) ac=$(cticks $DPID) t0=$(date +%s%N)
	sleep "$SECS"
	b=$(ticks $DPID) bc=$(cticks $DPID) t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	awk -v k=$kind -v d=$((b - a)) -v c=$((bc - ac)) -v hz=$HZ -v ms=$ms -v r=$(rss $DPID) \
		'BEGIN { printf "  %-7s daemon %5.2f%%   probe helpers %5.2f%%   daemon VmRSS %d KiB\n", k, d * 100000 / hz / ms, c * 100000 / hz / ms, r }'
	"$CABIN" shutdown > /dev/null
	retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
done

# a hang (SIGSTOP of the container's init) to running again, health_interval=1s
# health_retries=3 health_timeout=1s, probing with wget (a tcp probe would not see it:
# the kernel completes the handshake of a stopped process's listening socket)
cat > "$T/cabin.conf" <<CONF
[web]
rootfs=$T/rootfs
net=none
cmd=/bin/httpd -f -p 80 -h /www
health=exec:/bin/wget -q -T 1 -O /dev/null http://127.0.0.1/
health_interval=1s
health_timeout=1s
health_retries=3
stop_timeout=1s
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
retry 400 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=web .*health=healthy'"
P0=$("$CABIN" ps -o kv | sed -n 's/^name=web .* pid=\([0-9]*\).*/\1/p')
kill -STOP "$P0"
a=$(date +%s%N)
retry 1000 sh -c "p=\$(\"$CABIN\" ps -o kv | sed -n 's/^name=web .*state=running.* pid=\([0-9]*\).*/\1/p'); [ -n \"\$p\" ] && [ \"\$p\" != $P0 ]"
b=$(date +%s%N)
echo "hang (SIGSTOP of the init) to running again, interval 1s x 3 retries, timeout 1s, stop_timeout 1s: $(((b - a) / 1000000)) ms"
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
