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
# the round trip beyond the cost of exec'ing the client: `cabin ps` against `cabin
# --version` (same binary, no FIFO), paired, median of the differences
if command -v python3 > /dev/null; then
	beyond=$(python3 - "$CABIN" <<'PY'
import subprocess, sys, time
d = []
for _ in range(200):
    a = time.perf_counter()
    subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL, check=True)
    b = time.perf_counter()
    subprocess.run([sys.argv[1], "ps"], stdout=subprocess.DEVNULL, check=True)
    c = time.perf_counter()
    d.append(((c - b) - (b - a)) * 1000)
d.sort()
print("%.2f" % d[len(d) // 2])
PY
)
else
	beyond=n/a
fi
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"

# -- 32 containers that ignore SIGTERM (a pid-1 sleep does), stopped at once: ps latency
# while the daemon waits out stop_timeout=2s and kills 32 groups
{
	echo stop_timeout=2s
	i=1
	while [ $i -le 32 ]; do
		printf '[c%d]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 100000\n' $i "$T/rootfs"
		i=$((i + 1))
	done
} > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
retry 2000 all32 || echo "not all 32 started"
stoplat=n/a
if command -v python3 > /dev/null; then
	stoplat=$(python3 - "$CABIN" <<'PY'
import subprocess, sys, time
cabin = sys.argv[1]
stop = subprocess.Popen([cabin, "stop"] + ["c%d" % i for i in range(1, 33)],
                        stdout=subprocess.DEVNULL)
t, end = [], time.time() + 3.5
while time.time() < end:
    a = time.perf_counter()
    subprocess.run([cabin, "ps"], stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - a) * 1000)
stop.wait()
t.sort()
print("median %.2f max %.2f ms over %d requests" % (t[len(t) // 2], t[-1], len(t)))
PY
)
fi
all_exited() { [ "$("$CABIN" ps -a -o kv | grep -c 'state=exited')" = 32 ]; }
retry 200 all_exited || echo "not all 32 stopped"
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"

# -- restart time: kill -9 of the init to `running` again, restart_delay=1ms (the minimum)
printf '[r]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 100000\nrestart=always\nrestart_delay=1ms\nrestart_reset=1ms\n' \
	"$T/rootfs" > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
retry 200 sh -c "[ -n \"\$(\"$CABIN\" ps -o kv | grep '^name=r .*state=running')\" ]"
restart=n/a
if command -v python3 > /dev/null; then
	restart=$(python3 - "$CABIN" "$T/run/status/r" <<'PY'
import os, re, signal, subprocess, sys, time
cabin, status = sys.argv[1], sys.argv[2]
def running_pid():
    for line in subprocess.run([cabin, "ps", "-o", "kv"], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"name=r .*state=running.* pid=(\d+)", line)
        if m:
            return int(m.group(1))
    return 0
t = []
for _ in range(20):
    p = running_pid()
    if p <= 0:  # never kill(0): that is our own process group
        time.sleep(0.05)
        continue
    a = time.perf_counter()
    os.kill(p, signal.SIGKILL)
    # the status file holds the last event line: poll it (cheaper than ps), 2 s at most
    end = a + 2
    while time.perf_counter() < end:
        time.sleep(0.0002)
        try:
            s = open(status).read()
        except OSError:
            s = ""
        m = re.search(r"state=running pid=(\d+)", s)
        if m and int(m.group(1)) != p:
            t.append((time.perf_counter() - a) * 1000)
            break
    time.sleep(0.05)
t.sort()
print("median %.2f min %.2f max %.2f ms (%d samples)" % (t[len(t) // 2], t[0], t[-1], len(t)) if t else "no sample")
PY
)
fi
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
# -- a log flood: one container printing as fast as it can; the daemon's CPU share and
# `ps` latency meanwhile (logs are read in bounded batches per wake-up)
printf '[flood]\nrootfs=%s\nnet=none\ncmd=/bin/yes flooding-the-log-pipe\n' "$T/rootfs" > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=flood .*state=running'"
ticks() { awk '{ print $14 + $15 }' /proc/$DPID/stat; }
k0=$(ticks); sleep 5; k1=$(ticks)
hz=$(getconf CLK_TCK)
floodcpu=$(( (k1 - k0) * 100 / hz / 5 ))
floodps=n/a
if command -v python3 > /dev/null; then
	floodps=$(python3 - "$CABIN" <<'PY'
import subprocess, sys, time
t = []
for _ in range(100):
    a = time.perf_counter()
    subprocess.run([sys.argv[1], "ps"], stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - a) * 1000)
t.sort()
print("median %.2f max %.2f ms" % (t[len(t) // 2], t[-1]))
PY
)
fi
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"

run2=n/a
if command -v python3 > /dev/null; then
	run2=$(python3 - "$CABIN" "$T/rootfs" <<'PY'
import subprocess, sys, time
t = []
for _ in range(20):
    a = time.perf_counter()
    subprocess.run([sys.argv[1], "run", "--rootfs", sys.argv[2], "--net", "none", "--",
                    "/bin/true"], stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - a) * 1000)
t.sort()
print("%.2f" % t[len(t) // 2])
PY
)
fi

echo "daemon bench ($(nproc) cpus, $(uname -r)):"
echo "  cabin ps round trip, 32 containers: median/min/p95 ms: $rt   (target median <= 2 ms)"
echo "  start 64 containers from one config: ${start64} ms   (one cabin run: ${run1} ms; target <= 64 x run)"
echo "  cabin ps beyond exec'ing the client (ps - --version, paired median): $beyond ms   (target <= 0.5 ms)"
echo "  cabin ps while 32 containers ignoring SIGTERM are stopped at once: $stoplat   (target median < 5, max < 50)"
echo "  restart after kill -9, restart_delay=1ms: $restart   (one cold cabin run of /bin/true: median $run2 ms)"
echo "  log flood (yes): daemon CPU ${floodcpu}% of one core; cabin ps meanwhile: $floodps"
echo "  daemon VmRSS with 32 running: $rss   (target <= 1 MiB)"
echo "  idle wake-ups per minute: $wk epoll returns, $cs voluntary context switches (${IDLE}s sample; target 0)"
