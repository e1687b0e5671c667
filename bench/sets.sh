#!/bin/sh
# Config sets (fleet issue): the time from `deploy --try` to committed for a 4-container
# set where one container changes (only that one restarts), with try_settle=1s; and from
# `deploy --try` of a set whose changed container fails its health check to the old one
# running again. Private namespaces and cgroup subtree, cleaned up.
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/sets.sh: needs root"; exit 1; }
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
RESULTS=$(mktemp -d /tmp/cabin-bench-res.XXXXXX)
export RESULTS
NAME=bench_sets
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
printf 'stop_timeout=1s\ntry_settle=1s\ntry_timeout=30s\n' > "$T/cabin.conf"
mkset() { # DIR D-VERSION D-HEALTH
	mkdir -p "$1"
	for n in a b c; do
		printf '[%s]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\nhealth=exec:/bin/true\nhealth_interval=100ms\n' $n "$RF" > "$1/$n.conf"
	done
	printf '[d]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "echo %s; exec sleep 1000"\nhealth=exec:%s\nhealth_interval=100ms\nhealth_retries=1\nrestart=always\n' "$RF" "$2" "$3" > "$1/d.conf"
}
mkset "$T/S1" v1 /bin/true
mkset "$T/S2" v2 /bin/true
mkset "$T/S3" v3 /bin/false
trial() { "$CABIN" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p'; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
retry 100 "$CABIN" ps
"$CABIN" deploy --try "$T/S1" > /dev/null
retry 400 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = passed ]"
"$CABIN" commit > /dev/null
retry 100 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = none ]"
pa=$("$CABIN" ps -o kv | sed -n 's/^name=a .* pid=\([0-9]*\).*/\1/p')
a=$(date +%s%N)
"$CABIN" deploy --try "$T/S2" > /dev/null
retry 400 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = passed ]"
"$CABIN" commit > /dev/null
retry 100 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = none ]"
t1=$(ms $a)
[ "$("$CABIN" ps -o kv | sed -n 's/^name=a .* pid=\([0-9]*\).*/\1/p')" = "$pa" ] && same=yes || same=no
a=$(date +%s%N)
"$CABIN" deploy --try "$T/S3" > /dev/null
retry 400 sh -c "\"$CABIN\" status -o kv | grep -q trial_failed && \"$CABIN\" ps -o kv | grep -q '^name=d .*health=healthy' && \"$CABIN\" logs d | tail -1 | grep -q v2"
t2=$(ms $a)
echo "config sets, 4 containers, one changed (try_settle=1s, health every 100 ms):"
echo "  deploy --try -> passed -> commit -> committed: $t1 ms (of which try_settle 1000); unchanged containers kept running: $same"
echo "  deploy --try of a failing set -> rolled back, the old one healthy again: $t2 ms"
"$CABIN" shutdown > /dev/null
retry 400 sh -c "! kill -0 $DPID 2>/dev/null"
