#!/bin/sh
# make demo: the sample appliance of rootfs/etc/cabin.conf (db, cache, two web replicas)
# under `cabin daemon`, in private mount/net/pid namespaces and a private cgroup subtree,
# with busybox rootfs trees in a scratch directory. Shows `cabin ps`, then shuts down.
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
	-e '/^watchdog/d' -e 's/nc -lk /nc -ll /' "$TOP/rootfs/etc/cabin.conf" > "$T/cabin.conf"
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
echo "== cabin ps -o json"
"$CABIN" ps -o json
ip1=$("$CABIN" ps -o kv | sed -n 's/^name=web-1 .* ip=\([0-9.]*\).*/\1/p')
echo "== the bridge: the device fetches web-1's page at $ip1; web-2 reaches db by name"
wget -q -T 5 -O - "http://$ip1/" || echo "(no answer from web-1)"
echo "== published port: the device's own address, port 8081 (web-1's port=808%i:80)"
wget -q -T 5 -O - "http://10.88.0.1:8081/" || echo "(no answer on 8081)"
p2=$("$CABIN" ps -o kv | sed -n 's/^name=web-2 .* pid=\([0-9]*\).*/\1/p')
[ -n "$p2" ] && nsenter -t "$p2" -n -m -p -r /bin/ping -c 1 -W 2 db | head -2
echo "== cabin stats --no-stream"
"$CABIN" stats --no-stream
echo "== cabin restart web-1; cabin ps"
"$CABIN" restart web-1
sleep 0.5
"$CABIN" ps
echo "== cabin shutdown"
"$CABIN" shutdown
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
echo "== daemon log"
cat "$T/daemon.log"
