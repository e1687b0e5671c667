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
# cgroups are not namespaced: every test keeps its groups below its own cabin-test-NAME-*
# subtree (cg_enter) and removes them (finish). A group a test leaves elsewhere (a daemon
# started outside the subtree makes CGROUP_NAME, "cabin", in the hierarchy it runs in) or
# does not remove fails that test, and is removed here when empty. Groups of another run
# on the machine (other cabin-test-* names, groups nested in them) are not ours to judge.
leftovers() { # NAME: groups named cabin outside any test subtree, and NAME's own
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name cabin -o -name "cabin-test-$1-*" \) \
		2> /dev/null | grep -v '/cabin-test-[^/]*/.*cabin$' | sort
}
rc=0
for t in "$TOP"/tests/integ/t_*.sh; do
	[ -n "${ONLY:-}" ] && case $t in *"$ONLY"*) ;; *) continue ;; esac
	n=$(basename "$t" .sh)
	echo "integ: $n"
	before=$(leftovers "$n")
	timeout -k 5 ${INTEG_TIMEOUT:-300} unshare --mount --net --pid --fork --mount-proc \
		sh "$t" || {
		rc=1
		[ -f "$R/integ_$n.count" ] || {
			echo "pass 0 fail 1 skip 0" > "$R/integ_$n.count"
			echo "integ $n: died or timed out" >> "$R/failed"
		}
	}
	left=$(leftovers "$n" | while read -r g; do
		case "
$before
" in *"
$g
"*) ;; *) echo "$g" ;; esac
	done)
	if [ -n "$left" ]; then
		rc=1
		echo "  FAIL $n left cgroups behind:" $left
		echo "pass 0 fail 1 skip 0" > "$R/integ_${n}_cgroups.count"
		echo "integ $n: left cgroups behind: $(echo $left)" >> "$R/failed"
		for g in $left; do # thawed, then removed deepest first when empty
			find "$g" -depth -type d 2> /dev/null | while read -r d; do
				[ -f "$d/freezer.state" ] && echo THAWED > "$d/freezer.state" 2> /dev/null
				[ -f "$d/cgroup.freeze" ] && echo 0 > "$d/cgroup.freeze" 2> /dev/null
				rmdir "$d" 2> /dev/null
			done
		done
	fi
done
exit $rc
