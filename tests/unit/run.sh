#!/bin/sh
# Run the cmocka unit binaries; counts go to build/results/unit.count.
R=${RESULTS:-build/results}
mkdir -p "$R"
p=0 f=0
# never real cgroup writes on the host: tests/integ/t_cgroup.sh runs those in namespaces
export CABIN_UNIT_NO_REAL=1
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	np=$(printf '%s\n' "$out" | grep -c '^\[       OK \]')
	nf=$(printf '%s\n' "$out" | grep -c '^\[  FAILED  \]\|^\[  ERROR   \]')
	if [ $rc -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
	p=$((p + np)) f=$((f + nf))
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | tail -40
		echo "unit: $(basename "$t") FAILED"
		echo "unit $(basename "$t")" >> "$R/failed"
	else
		echo "unit: $(basename "$t") $np ok"
	fi
done
echo "pass $p fail $f skip 0" > "$R/unit.count"
[ $f -eq 0 ]
