#!/bin/sh
# Sum the per-stage counts in $1/*.count ("pass N fail M skip K") into one line.
dir=$1
p=0 f=0 s=0
for c in "$dir"/*.count; do
	[ -f "$c" ] || continue
	read -r _ cp _ cf _ cs < "$c"
	p=$((p + cp)) f=$((f + cf)) s=$((s + cs))
	printf '  %-8s pass %d fail %d skip %d\n' "$(basename "$c" .count)" "$cp" "$cf" "$cs"
done
[ -f "$dir/failed" ] && { echo "failed:"; sed 's/^/  /' "$dir/failed"; }
echo "check: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
