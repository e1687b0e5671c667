#!/bin/sh
# make demo: the sample appliance of rootfs/etc/cabin.conf (db, cache, two web replicas)
# under `cabin daemon`, in private mount/net/pid namespaces and a private cgroup subtree,
# with busybox rootfs trees in a scratch directory: the web replicas answer, a value
# written through db survives a restart of db, a crashing container backs off and ends
# `failed` with its reason, logs, exec, stats, pause/resume, then an orderly shutdown.
# Nothing of the host changes. (Debian's busybox nc wants -ll where the sample says -lk.)
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
if [ -z "${CABIN_DEMO_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "make demo: needs root (namespaces, cgroups)"; exit 1; }
	echo "== building the demo images under build/images (rootfs/images/*.sh)"
	sh "$TOP/rootfs/images/build.sh" "$TOP/build/images" || exit 1
	CABIN_DEMO_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
RESULTS=$(mktemp -d /tmp/cabin-demo-res.XXXXXX)
export RESULTS
NAME=demo
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
ip link set lo up 2>/dev/null

# the demo images, copied so that the containers' writes stay in the scratch dir
mkdir -p "$T/lib"
for c in db cache web; do cp -a "$TOP/build/images/$c" "$T/lib/$c"; done
mkdir -p "$T/data/db" "$T/data/www"
echo "<h1>cabin demo</h1>" > "$T/data/www/index.html"
sed -e "s|/var/lib/cabin-data/|$T/data/|g" -e "s|/var/lib/cabin/|$T/lib/|g" \
	-e '/^watchdog/d' -e 's/nc -lk /nc -ll /' -e '/^\[db\]/a stop_timeout=1s' \
	"$TOP/rootfs/etc/cabin.conf" > "$T/cabin.conf"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf CABIN_STATE_DIR=$T/state

echo "== cabin check"
"$CABIN" check || exit 1
echo "== cabin daemon (log: $T/daemon.log)"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
up() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" -ge 4 ]; }
retry 200 up || { echo "not everything came up:"; cat "$T/daemon.log"; }
echo "== cabin ps"
"$CABIN" ps
ip1=$("$CABIN" ps -o kv web-1 | sed -n 's/.* ip=\([0-9.]*\).*/\1/p')
ip2=$("$CABIN" ps -o kv web-2 | sed -n 's/.* ip=\([0-9.]*\).*/\1/p')
echo "== the web replicas answer on the bridge ($ip1, $ip2) and on published port 8081"
for a in "$ip1" "$ip2" 10.88.0.1:8081; do
	printf '%s: ' "$a"; wget -q -T 5 -O - "http://$a/" || echo "(no answer)"
done
echo "== write through db (web-1 reaches it by name), restart db, read it back"
"$CABIN" exec web-1 /bin/sh -c 'echo "SET greeting hello-from-the-demo" | nc -w 2 db 6379'
"$CABIN" restart db && "$CABIN" ps db
retry 100 sh -c "\"$CABIN\" exec web-2 /bin/sh -c 'echo PING | nc -w 1 db 6379' | grep -q PONG"
"$CABIN" exec web-2 /bin/sh -c 'echo "GET greeting" | nc -w 2 db 6379'
echo "== a crashing container: backs off, then gives up, and says why"
"$CABIN" create crashy rootfs="$T/lib/web" net=none restart=on-failure:2 restart_delay=200ms \
	'cmd=/bin/sh -c "echo starting; echo cannot read /etc/app.conf >&2; exit 3"'
"$CABIN" start crashy
retry 200 sh -c "\"$CABIN\" ps -q --filter state=failed crashy | grep -q crashy"
"$CABIN" ps crashy
echo "== cabin logs crashy"
"$CABIN" logs crashy
echo "== cabin exec web-1 ps (inside the container: its own PID 1)"
"$CABIN" exec web-1 /bin/ps
echo "== cabin pause web-2; cabin ps web; cabin resume web-2"
"$CABIN" pause web-2
"$CABIN" ps web
"$CABIN" resume web-2
echo "== cabin stats --no-stream"
"$CABIN" stats --no-stream
echo "== cabin inspect -o json db (part)"
"$CABIN" inspect -o json db | tr ',' '\n' | grep -E '"(name|state|health|address|volume|memory|restart|started_rfc3339)"'
echo "== cabin ps -a"
"$CABIN" ps -a
echo "== cabin shutdown"
"$CABIN" shutdown
wait $DPID 2>/dev/null
echo "== daemon log"
cat "$T/daemon.log"
