#!/bin/sh
# check: replay each corpus and fuzz each target briefly (≤ 30 s in all);
# long: fuzz each target for FUZZ_RUNS executions (default 10,000,000, the hardening
# issue's bar), at most FUZZ_SECONDS (default 7200) each; prints the count reached.
# FUZZ_JOBS=N (long only) fuzzes in N processes on one corpus, FUZZ_RUNS split between
# them (libFuzzer -jobs=N -workers=N): fuzz_conf is the slowest target.
# Crash, timeout and slow-unit artifacts go to build/fuzz/, never the working tree.
mode=$1; shift
R=${RESULTS:-build/results}
mkdir -p "$R"
p=0 f=0
n=$#
[ "$n" -gt 0 ] || { echo "pass 0 fail 0 skip 0" > "$R/fuzz.count"; exit 0; }
for t in "$@"; do
	name=$(basename "$t")
	case $t in /*) ;; *) t=$PWD/$t ;; esac
	seed=$PWD/tests/fuzz/corpus/${name#fuzz_}
	work=$PWD/build/fuzz/corpus-${name#fuzz_}
	mkdir -p "$work" "$seed"
	if [ "$mode" = long ]; then
		secs=${FUZZ_SECONDS:-7200}
		jobs=${FUZZ_JOBS:-1}
		runs=${FUZZ_RUNS:-10000000}
		log=$PWD/build/fuzz/$name.long.log
		t0=$(date +%s)
		if [ "$jobs" -gt 1 ]; then
			# N independent fuzzers on one shared corpus (each reloads what the
			# others found), runs split between them; libFuzzer writes their logs
			# as fuzz-J.log in the current directory, so run from a directory of
			# our own and count the executions of all of them
			jd=$PWD/build/fuzz/$name.jobs
			rm -rf "$jd" && mkdir -p "$jd"
			(cd "$jd" && "$t" -jobs="$jobs" -workers="$jobs" \
				-runs=$(( (runs + jobs - 1) / jobs )) -max_total_time="$secs" \
				-print_final_stats=1 -artifact_prefix="$OLDPWD/build/fuzz/" -max_len=4096 \
				"$work" "$seed") > "$log" 2>&1
			rc=$?
			t1=$(date +%s)
			cat "$jd"/fuzz-*.log >> "$log"
			grep -q 'ERROR: \|==ERROR\|deadly signal' "$jd"/fuzz-*.log && rc=1
			n_=$(sed -n "s/^stat::number_of_executed_units: *//p" "$jd"/fuzz-*.log |
				awk '{s += $1} END {print s}')
			r_=$((${n_:-0} / (t1 - t0 + 1)))
		else
			"$t" -runs="$runs" -max_total_time="$secs" -print_final_stats=1 \
				-artifact_prefix=build/fuzz/ -max_len=4096 "$work" "$seed" > "$log" 2>&1
			rc=$?
			t1=$(date +%s)
			n_=$(sed -n "s/^stat::number_of_executed_units: *//p" "$log")
			r_=$(sed -n "s/^stat::average_exec_per_sec: *//p" "$log")
		fi
		echo "fuzz: $name: ${n_:-?} executions in $((t1 - t0)) s, ${r_:-?}/s, $jobs job(s)"
	else
		secs=$((30 / n))
		"$t" -max_total_time="$secs" -artifact_prefix=build/fuzz/ -max_len=4096 "$work" "$seed" \
			> "build/fuzz/$name.log" 2>&1
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
