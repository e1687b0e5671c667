#!/bin/sh
# Supervisor benchmarks (issue 4): control round trip (`cabin ps` with 32 containers,
# median), time to start 64 containers from one config (and one `cabin run` for scale),
# daemon VmRSS with 32 running, wake-ups of an idle daemon. Runs itself in private
# namespaces and its own cgroup subtree, like the integration tests.
# Usage: sh bench/daemon.sh [IDLE_SECONDS (default 20)]
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/daemon.sh: needs root"; exit 1; }
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
IDLE=${1:-20}
RESULTS=$(mktemp -d /tmp/cabin-bench-res.XXXXXX)
export RESULTS
NAME=bench_daemon
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf

mkconf() { # N
	: > "$T/cabin.conf"
	i=1
	while [ $i -le "$1" ]; do
		printf '[c%d]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 100000\n' $i "$T/rootfs" >> "$T/cabin.conf"
		i=$((i + 1))
	done
}
nrunning() { "$CABIN" ps -o kv | grep -c 'state=running'; }
now_ns() { date +%s%N; }

# -- 64 containers from one config
mkconf 64
s0=$(now_ns)
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
all64() { [ "$(nrunning)" = 64 ]; }
retry 2000 all64 || echo "not all 64 started"
s1=$(now_ns)
start64=$(( (s1 - s0) / 1000000 ))
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
wait $DPID 2>/dev/null

# one `cabin run` of the same container, for comparison (if run mode is there)
run1=n/a
s0=$(now_ns)
if "$CABIN" run --rootfs "$T/rootfs" --net none -- /bin/true > /dev/null 2>&1; then
	s1=$(now_ns)
	run1=$(( (s1 - s0) / 1000000 ))
fi

# -- 32 containers: round trip, RSS, idle wake-ups
mkconf 32
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
all32() { [ "$(nrunning)" = 32 ]; }
retry 2000 all32 || echo "not all 32 started"
# median of 200 `cabin ps` round trips, each timed on its own
if command -v python3 > /dev/null; then
	rt=$(python3 - "$CABIN" <<'PY'
import subprocess, sys, time
t = []
for _ in range(200):
    a = time.perf_counter()
    subprocess.run([sys.argv[1], "ps"], stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - a) * 1000)
t.sort()
print("%.2f %.2f %.2f" % (t[len(t) // 2], t[0], t[int(len(t) * 0.95)]))
PY
)
else
	rt="n/a"
fi
rss=$(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$DPID/status)
wake() { ctl_debug wakeups; }
ctx() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' /proc/$DPID/status; }
sleep 1
w0=$(wake); c0=$(ctx)
sleep "$IDLE"
c1=$(ctx); w1=$(wake)
# the `debug` request itself is one wake-up (two epoll returns at most)
wk=$(( (w1 - w0 - 1) * 60 / IDLE ))
cs=$(( (c1 - c0 - 1) * 60 / IDLE ))
[ $wk -lt 0 ] && wk=0
[ $cs -lt 0 ] && cs=0
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"

echo "daemon bench ($(nproc) cpus, $(uname -r)):"
echo "  cabin ps round trip, 32 containers: median/min/p95 ms: $rt   (target median <= 2 ms)"
echo "  start 64 containers from one config: ${start64} ms   (one cabin run: ${run1} ms; target <= 64 x run)"
echo "  daemon VmRSS with 32 running: $rss   (target <= 1 MiB)"
echo "  idle wake-ups per minute: $wk epoll returns, $cs voluntary context switches (${IDLE}s sample; target 0)"
