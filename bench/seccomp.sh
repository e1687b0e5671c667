#!/bin/sh
# The default seccomp filter's cost: `cabin run -- /bin/true` with the filter and with
# seccomp=unconfined, interleaved, N rounds (default 200), medians and the ratio; and the
# filter's per-syscall cost: a loop of 200,000 getppid() under each.
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/seccomp.sh: needs root"; exit 1; }
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi
N=${1:-200}
RESULTS=$(mktemp -d /tmp/cabin-bench-res.XXXXXX)
export RESULTS
NAME=bench_seccomp
. "$TOP/tests/integ/lib.sh"
trap 'finish > /dev/null; rm -rf "$RESULTS"' EXIT
cg_enter
mkrootfs "$T/rootfs"
: > "$T/d"
: > "$T/u"
i=0
while [ $i -lt "$N" ]; do
	a=$(date +%s%N); "$CABIN" run --rootfs "$T/rootfs" --net none -- /bin/true; b=$(date +%s%N)
	"$CABIN" run --rootfs "$T/rootfs" --net none --seccomp unconfined -- /bin/true; c=$(date +%s%N)
	echo $(((b - a) / 1000)) >> "$T/d"
	echo $(((c - b) / 1000)) >> "$T/u"
	i=$((i + 1))
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
D=$(med "$T/d") U=$(med "$T/u")
echo "cabin run -- /bin/true, median of $N (us): filter $D, unconfined $U, ratio $(awk -v a="$D" -v b="$U" 'BEGIN { printf "%.3f", a / b }')"
a=$(date +%s%N); "$CABIN" run --rootfs "$T/rootfs" --net none -- /bin/probe loop 200000 > /dev/null 2>&1; b=$(date +%s%N)
"$CABIN" run --rootfs "$T/rootfs" --net none --seccomp unconfined -- /bin/probe loop 200000 > /dev/null 2>&1; c=$(date +%s%N)
echo "200,000 getppid(): filter $(((b - a) / 1000000)) ms, unconfined $(((c - b) / 1000000)) ms (each including one container start)"
