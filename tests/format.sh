#!/bin/sh
# Kernel style, as .clang-format says: every src/*.c and include/cabin/*.h must be
# formatted (make format fixes it). One count per file.
R=${RESULTS:-build/results}
mkdir -p "$R"
p=0 f=0
for x in src/*.c src/*.h include/cabin/*.h; do
	[ -f "$x" ] || continue
	if clang-format --dry-run -Werror "$x" > /dev/null 2>&1; then p=$((p + 1)); else
		f=$((f + 1)); echo "format: $x is not formatted (make format)"
		echo "format $x" >> "$R/failed"
	fi
done
echo "format: $p files ok"
echo "pass $p fail $f skip 0" > "$R/format.count"
[ $f -eq 0 ]
