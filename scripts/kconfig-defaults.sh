#!/bin/sh
# scripts/kconfig-defaults.sh KCONFIG DEFCONFIG > .config
# Where kconfig-frontends is not installed (inside buildroot, which has its own kconfig
# but no kconfig-conf on PATH): every option at its Kconfig default, then the board's
# defconfig lines on top. Enough for this project's flat Kconfig (no choices; a
# "depends on" never changes a default here).
set -eu
awk '
/^config / { name = $2; type = "" }
/^[ \t]*(bool|int|string)/ { type = $1; sub(/^[ \t]*/, "", type); sub(/[ \t].*/, "", type) }
/^[ \t]*default / && name != "" {
	v = $0; sub(/^[ \t]*default[ \t]+/, "", v)
	if (type == "bool") print (v == "y" ? "CONFIG_" name "=y" : "# CONFIG_" name " is not set")
	else print "CONFIG_" name "=" v
	name = ""
}' "$1" > "$1.defaults.tmp"
# the defconfig's own lines win
if [ -f "$2" ]; then
	grep -E '^(CONFIG_|# CONFIG_)' "$2" | sed -E 's/^# (CONFIG_[A-Z0-9_]+) is not set/\1=n/' |
		while IFS== read -r k v; do
			grep -v -E "^(# )?$k[= ]" "$1.defaults.tmp" > "$1.defaults.tmp2" || true
			mv "$1.defaults.tmp2" "$1.defaults.tmp"
			if [ "$v" = n ]; then echo "# $k is not set"; else echo "$k=$v"; fi >> "$1.defaults.tmp"
		done
fi
cat "$1.defaults.tmp"
rm -f "$1.defaults.tmp"
