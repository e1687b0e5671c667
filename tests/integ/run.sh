#!/bin/sh
# Run every tests/integ/t_*.sh as root, each in private mount, net and pid namespaces
# with a time limit. Counts go to build/results/integ_*.count.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
R=${RESULTS:-$TOP/build/results}
export TOP RESULTS=$R
mkdir -p "$R"
if [ "$(id -u)" != 0 ]; then
	echo "integ: not root, skipped"
	echo "pass 0 fail 0 skip 1" > "$R/integ.count"
	exit 0
fi
rc=0
for t in "$TOP"/tests/integ/t_*.sh; do
	[ -n "${ONLY:-}" ] && case $t in *"$ONLY"*) ;; *) continue ;; esac
	echo "integ: $(basename "$t" .sh)"
	timeout -k 5 ${INTEG_TIMEOUT:-300} unshare --mount --net --pid --fork --mount-proc \
		sh "$t" || {
		rc=1
		n=$(basename "$t" .sh)
		[ -f "$R/integ_$n.count" ] || {
			echo "pass 0 fail 1 skip 0" > "$R/integ_$n.count"
			echo "integ $n: died or timed out" >> "$R/failed"
		}
	}
done
exit $rc
