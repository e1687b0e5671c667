#!/bin/sh
# make demo: build the demo images, validate the sample config, then run containers with
# `cabin run` inside private mount, net and pid namespaces and a cgroup subtree of our
# own, and show them working. Nothing outside build/ and a scratch directory is touched;
# everything is removed at the end. (The daemon will take over this demo later.)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
CABIN=${CABIN:-$TOP/build/cabin}
IMG=$TOP/build/images

if [ -z "${CABIN_DEMO_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "demo: needs root (namespaces, cgroups)" >&2; exit 1; }
	[ -x "$CABIN" ] || { echo "demo: build $CABIN first (make)" >&2; exit 1; }
	echo "== building the demo images under $IMG"
	sh "$TOP/rootfs/images/build.sh" "$IMG" || exit 1
	echo "== cabin check rootfs/etc/cabin.conf"
	"$CABIN" check -c "$TOP/rootfs/etc/cabin.conf" || exit 1
	CABIN_DEMO_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi

W=$(mktemp -d /tmp/cabin-demo.XXXXXX)
CG_DIRS=""
BG=""
cleanup() {
	trap - EXIT INT TERM
	[ -n "$BG" ] && kill -KILL "$BG" 2>/dev/null
	for d in $CG_DIRS; do
		echo $$ > "${d%/*}/cgroup.procs" 2>/dev/null
		for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		sleep 0.1
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

while IFS=: read -r _h ctl path; do
	case $ctl in
	"") m=/sys/fs/cgroup/unified; [ -d "$m" ] || m=/sys/fs/cgroup ;;
	name=*) continue ;;
	*) m=/sys/fs/cgroup/${ctl%%,*}; [ -d "$m" ] || m=/sys/fs/cgroup/$ctl ;;
	esac
	d=$m${path%/}/cabin-demo-$$
	mkdir -p "$d" 2>/dev/null || continue
	echo $$ > "$d/cgroup.procs" 2>/dev/null || { rmdir "$d"; continue; }
	CG_DIRS="$CG_DIRS $d"
done < /proc/self/cgroup
ip link set lo up 2>/dev/null

# poll CMD every 100 ms, at most N times
retry() {
	_n=$1; shift
	until "$@" > /dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}
# stop the background container: TERM to cabin, then (bounded) KILL
stop_bg() {
	kill -TERM "$BG" 2>/dev/null
	retry 50 sh -c "! kill -0 $BG 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' /proc/$BG/stat" ||
		kill -KILL "$BG" 2>/dev/null
	wait "$BG"
	echo "   cabin exited with status $?"
	BG=""
}

mkdir -p "$W/data"
cat > "$W/cabin.conf" <<EOF
# demo config: the images built above; host networking inside the demo's private
# network namespace until the bridge lands
[web]
rootfs=$IMG/web
cmd=/bin/httpd -f -p 8080 -h /www
net=host
readonly=yes
memory=32M
pids=32
stop_timeout=2s

[db]
rootfs=$IMG/db
cmd=/bin/kv-serve
volume=$W/data:/data
net=host
readonly=yes
memory=32M
pids=64
stop_timeout=2s
EOF
echo "== cabin check of the demo config"
"$CABIN" check -c "$W/cabin.conf" || exit 1

echo "== a one-shot container: what it sees of itself"
"$CABIN" run --rootfs "$IMG/web" --readonly --hostname demo --memory 32M --pids 16 -- \
	/bin/sh -c 'echo "   hostname $(hostname), pid $$, uid $(id -u)";
		grep -E "^(CapEff|NoNewPrivs)" /proc/self/status | sed "s/^/   /";
		echo "   processes visible: $(ls -d /proc/[0-9]* | wc -l)";
		touch /x 2>/dev/null || echo "   root file system is read-only"'
echo "   exit status $?"

ok=0
echo "== web: busybox httpd in a container, fetched from outside it"
"$CABIN" run -c "$W/cabin.conf" web > "$W/web.log" 2>&1 &
BG=$!
if retry 50 busybox wget -q -O "$W/page" http://127.0.0.1:8080/; then
	sed -n 's/.*<h1>\(.*\)<\/h1>.*/   page: \1/p' "$W/page"
	busybox wget -q -O - http://127.0.0.1:8080/cgi-bin/info | sed 's/^/   /'
else
	echo "   web did not answer"; cat "$W/web.log"; ok=1
fi
stop_bg

echo "== db: the toy key-value store with a volume"
"$CABIN" run -c "$W/cabin.conf" db > "$W/db.log" 2>&1 &
BG=$!
if retry 50 sh -c 'echo PING | busybox nc 127.0.0.1 6379 | grep -q PONG'; then
	printf 'SET greeting hello-from-cabin\nGET greeting\nQUIT\n' | busybox nc 127.0.0.1 6379 | sed 's/^/   /'
	echo "   on the host volume: $(cat "$W/data/greeting")"
else
	echo "   db did not answer"; cat "$W/db.log"; ok=1
fi
stop_bg

[ $ok = 0 ] && echo "== demo ok" || echo "== demo FAILED"
exit $ok
