#!/bin/sh
# .config -> C header where every bool is 0 or 1 (busybox style), so that
# `if (CONFIG_X)` type-checks disabled code and -Wundef catches typos.
set -eu
in=$1 out=$2 kconfig=$3
tmp=$out.tmp
{
	echo "/* generated from $in by scripts/genconfig.sh; do not edit */"
	echo "#ifndef CABIN_GENERATED_CONFIG_H"
	echo "#define CABIN_GENERATED_CONFIG_H"
	# every bool declared in Kconfig defaults to 0, then .config sets what is on
	awk '/^config /{name=$2} /^[ \t]*bool/{print "#define CONFIG_" name " 0"}' "$kconfig" |
		while read -r d n v; do
			if grep -q "^$n=y" "$in"; then echo "$d $n 1"; else echo "$d $n $v"; fi
		done
	grep -E '^CONFIG_[A-Z0-9_]+=' "$in" | grep -v '=y$' | sed -E 's/^([^=]+)=(.*)$/#define \1 \2/'
	echo "#endif"
} > "$tmp"
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
