#!/bin/sh
# bench/start.sh [N]: start cost of `cabin run` against `crun run` (research/peer-bench.md).
# Same busybox rootfs, /bin/true, new pid/mount/uts/ipc/net namespaces, read-only root,
# memory 64M, pids 64; A and B alternate run by run (the machine is noisy, so only the
# paired ratio means much), plus a plain fork+exec of /bin/true as the floor, and
# bench/floor.c: clone() into the same five new namespaces and exec /bin/true, with no
# rootfs, cgroup or pivot_root, i.e. the kernel's share of a start; it alternates too.
# Everything runs inside `unshare --mount --net --pid --fork` and in a cgroup subtree of
# our own, and is removed at the end, also on failure. Times: bench/tm.c, CLOCK_MONOTONIC
# from fork to reaped, in microseconds.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-30}
CABIN=${CABIN:-$TOP/build/cabin}
TM=$TOP/build/tm
FLOOR=$TOP/build/floor

if [ -z "${CABIN_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
	[ -x "$CABIN" ] || { echo "bench: build $CABIN first (make)" >&2; exit 1; }
	command -v crun > /dev/null || { echo "bench: crun missing (apt-get install crun)" >&2; exit 1; }
	command -v jq > /dev/null || { echo "bench: jq missing (apt-get install jq)" >&2; exit 1; }
	mkdir -p "$TOP/build"
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$TM" "$TOP/bench/tm.c" || exit 1
	musl-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$FLOOR" "$TOP/bench/floor.c" ||
		exit 1
	CABIN_BENCH_INNER=1 exec unshare --mount --net --pid --fork --mount-proc sh "$0" "$@"
fi

W=$(mktemp -d /tmp/cabin-bench.XXXXXX)
CG_DIRS=""
CRUN_CG=""
cleanup() {
	trap - EXIT INT TERM
	for d in $CG_DIRS; do
		echo $$ > "${d%/*}/cgroup.procs" 2>/dev/null
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	for d in $CRUN_CG; do rmdir "$d" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# our own child group in every hierarchy we are in (cabin creates its groups below it)
while IFS=: read -r _h ctl path; do
	case $ctl in
	"") m=/sys/fs/cgroup/unified; [ -d "$m" ] || m=/sys/fs/cgroup ;;
	name=*) continue ;;
	*) m=/sys/fs/cgroup/${ctl%%,*}; [ -d "$m" ] || m=/sys/fs/cgroup/$ctl ;;
	esac
	d=$m${path%/}/cabin-bench-$$
	mkdir -p "$d" 2>/dev/null || continue
	echo $$ > "$d/cgroup.procs" 2>/dev/null || { rmdir "$d"; continue; }
	CG_DIRS="$CG_DIRS $d"
done < /proc/self/cgroup

# the rootfs: static busybox, read-only root needs its mount points to exist
R=$W/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/etc" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
ln -s busybox "$R/bin/true"
ln -s busybox "$R/bin/sh"

# the crun bundle. crun 1.8 applies one cgroupsPath to every v1 hierarchy; our memory
# group is not at the same place as the others, so put crun's under each hierarchy's
# root in a name of ours, removed at the end.
B=$W/bundle
mkdir -p "$B"
(cd "$B" && crun spec) || exit 1
cgp=/cabin-bench-$$/crun
for c in /sys/fs/cgroup/*/; do
	case $c in */unified/) continue ;; esac
	CRUN_CG="$CRUN_CG ${c%/}/cabin-bench-$$"
done
jq --arg root "$R" --arg cg "$cgp" '
	.root = { path: $root, readonly: true }
	| .process.args = ["/bin/true"]
	| .process.terminal = false
	| .hostname = "bench"
	| .linux.cgroupsPath = $cg
	| .linux.resources = { memory: { limit: 67108864 }, pids: { limit: 64 } }
	| .linux.namespaces = [ {type: "pid"}, {type: "network"}, {type: "ipc"},
				{type: "uts"}, {type: "mount"} ]
' "$B/config.json" > "$B/c.json" && mv "$B/c.json" "$B/config.json" || exit 1
CRUN_ROOT=$W/crun-state
mkdir -p "$CRUN_ROOT"

# one warm-up run of each, failing loudly
"$CABIN" run --rootfs "$R" --readonly --memory 64M --pids 64 --net none -- /bin/true ||
	{ echo "bench: cabin run failed" >&2; exit 1; }
"$TM" -u crun --root "$CRUN_ROOT" run --bundle "$B" warmup > /dev/null ||
	{ echo "bench: crun run failed" >&2; exit 1; }
"$FLOOR" "$R/bin/true" || { echo "bench: floor run failed" >&2; exit 1; }

: > "$W/a"; : > "$W/b"; : > "$W/c"; : > "$W/d"
i=0
fails=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	ta=$("$TM" "$CABIN" run --rootfs "$R" --readonly --memory 64M --pids 64 --net none -- /bin/true) ||
		fails=$((fails + 1))
	tb=$("$TM" -u crun --root "$CRUN_ROOT" run --bundle "$B" "id-$i") || fails=$((fails + 1))
	tc=$("$TM" "$R/bin/true") || fails=$((fails + 1))
	td=$("$TM" "$FLOOR" "$R/bin/true") || fails=$((fails + 1))
	echo "$ta" >> "$W/a"
	echo "$tb" >> "$W/b"
	echo "$tc" >> "$W/c"
	echo "$td" >> "$W/d"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
paste "$W/a" "$W/b" | awk '{ printf "%.4f\n", $1 / $2 }' > "$W/ratio"
paste "$W/a" "$W/c" | awk '{ printf "%.4f\n", $1 / $2 }' > "$W/ratio_floor"
paste "$W/a" "$W/d" | awk '{ printf "%.4f\n", $1 / $2 }' > "$W/ratio_ns"
ma=$(median "$W/a"); mb=$(median "$W/b"); mc=$(median "$W/c"); md=$(median "$W/d")
echo "start-to-reaped, median of $N alternating runs (microseconds):"
printf '  %-40s %8s\n' "cabin run (ro, 64M, pids 64, net none)" "$ma"
printf '  %-40s %8s\n' "crun run (same bundle)" "$mb"
printf '  %-40s %8s\n' "fork+exec /bin/true" "$mc"
printf '  %-40s %8s\n' "floor: clone 5 namespaces + exec" "$md"
echo "  median paired ratio cabin/crun:        $(median "$W/ratio")"
echo "  median paired ratio cabin/fork+exec:   $(median "$W/ratio_floor")"
echo "  median paired ratio cabin/floor:       $(median "$W/ratio_ns")"
[ "$fails" -eq 0 ] || { echo "bench: $fails runs failed" >&2; exit 1; }
