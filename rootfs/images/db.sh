#!/bin/sh
# db image: a toy key-value server on TCP 6379, one busybox sh per connection under
# `nc -ll -e` (busybox nc: -ll keeps listening). Values live in /data (a volume).
# Protocol, one command per line: PING | SET KEY VALUE | GET KEY | DEL KEY | KEYS | QUIT
# cmd: /bin/nc -ll -p 6379 -e /bin/kv   (or /bin/kv-serve)
# usage: rootfs/images/db.sh DIR
set -eu
. "$(dirname "$0")/base.sh"
D=${1:?usage: db.sh DIR}
image_base "$D"
cat > "$D/bin/kv" <<'KV'
#!/bin/sh
# one connection of the toy key-value store; keys are [A-Za-z0-9_-], at most 64 chars
DATA=${KV_DATA:-/data}
mkdir -p "$DATA"
while read -r cmd key val; do
	case $key in
	*[!A-Za-z0-9_-]*) echo "-ERR bad key"; continue ;;
	esac
	[ ${#key} -le 64 ] || { echo "-ERR key too long"; continue; }
	case $cmd in
	PING|ping) echo "+PONG" ;;
	SET|set) [ -n "$key" ] || { echo "-ERR no key"; continue; }
		printf '%s\n' "$val" > "$DATA/.$key.tmp" && mv "$DATA/.$key.tmp" "$DATA/$key" &&
			echo "+OK" ;;
	GET|get) if [ -n "$key" ] && [ -f "$DATA/$key" ]; then echo "\$$(cat "$DATA/$key")";
		else echo "-ERR no such key"; fi ;;
	DEL|del) [ -n "$key" ] && rm -f "$DATA/$key"; echo "+OK" ;;
	KEYS|keys) ls "$DATA" | tr '\n' ' '; echo ;;
	QUIT|quit) echo "+BYE"; exit 0 ;;
	*) echo "-ERR unknown command" ;;
	esac
done
KV
cat > "$D/bin/kv-serve" <<'SRV'
#!/bin/sh
# the server: listen on ${KV_PORT:-6379}, one /bin/kv per connection
exec /bin/nc -ll -p "${KV_PORT:-6379}" -e /bin/kv
SRV
chmod 755 "$D/bin/kv" "$D/bin/kv-serve"
echo "image db: $D"
