#!/bin/sh
# check: replay each corpus and fuzz each target briefly (≤ 30 s in all);
# long: fuzz each target for FUZZ_RUNS executions (default 10,000,000, the hardening
# issue's bar), at most FUZZ_SECONDS (default 7200) each; prints the count reached.
mode=$1; shift
R=${RESULTS:-build/results}
mkdir -p "$R"
p=0 f=0
n=$#
[ "$n" -gt 0 ] || { echo "pass 0 fail 0 skip 0" > "$R/fuzz.count"; exit 0; }
for t in "$@"; do
	name=$(basename "$t")
	seed=tests/fuzz/corpus/${name#fuzz_}
	work=build/fuzz/corpus-${name#fuzz_}
	mkdir -p "$work" "$seed"
	if [ "$mode" = long ]; then
		secs=${FUZZ_SECONDS:-7200}
		"$t" -runs="${FUZZ_RUNS:-10000000}" -max_total_time="$secs" -print_final_stats=1 \
			-max_len=4096 "$work" "$seed" > "build/fuzz/$name.long.log" 2>&1
		rc=$?
		n_=$(sed -n "s/^stat::number_of_executed_units: *//p" "build/fuzz/$name.long.log")
		r_=$(sed -n "s/^stat::average_exec_per_sec: *//p" "build/fuzz/$name.long.log")
		echo "fuzz: $name: ${n_:-?} executions, ${r_:-?}/s"
	else
		secs=$((30 / n))
		"$t" -max_total_time="$secs" -max_len=4096 "$work" "$seed" > "build/fuzz/$name.log" 2>&1
		rc=$?
		grep -E 'stat::number_of_executed_units|^#[0-9]+.*DONE' "build/fuzz/$name.log" | tail -1
	fi
	if [ $rc -eq 0 ]; then
		p=$((p + 1)); echo "fuzz: $name ok (${secs}s)"
	else
		f=$((f + 1)); echo "fuzz: $name FOUND A CRASH, see build/fuzz/$name.log"
		echo "fuzz $name" >> "$R/failed"
	fi
done
echo "pass $p fail $f skip 0" > "$R/fuzz.count"
[ $f -eq 0 ]
