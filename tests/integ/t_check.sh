#!/bin/sh
# `cabin check` on real files: the sample appliance config is valid; each bad file gives
# its FILE:LINE: message on stderr and exit 1; usage errors exit 2. Also the command
# line of the binary (--help, --version, unknown command) and that the parser object
# calls no allocator or stdio/dirent function (the daemon reparses on reload).
. "$(dirname "$0")/lib.sh"

C=$T/etc
mkdir -p "$C"

# bad NAME LINE MESSAGE-FRAGMENT: $C/NAME.conf (written from stdin) fails with exit 1
# and "FILE:LINE: ...MESSAGE..." on stderr, nothing on stdout
bad() {
	_f=$C/$1.conf _l=$2 _m=$3
	cat > "$_f"
	chmod 644 "$_f"
	"$CABIN" check -c "$_f" > "$T/.stdout" 2> "$T/.stderr"
	_rc=$?
	if [ "$_rc" = 1 ] && grep -Fq -- "$_f:$_l: " "$T/.stderr" &&
	   grep -F -- "$_f:$_l: " "$T/.stderr" | grep -Fq -- "$_m" && ! [ -s "$T/.stdout" ]; then
		ok "$1: $_f:$_l: $_m"
	else
		not_ok "$1 (exit $_rc, wanted 1 and $_f:$_l: ...$_m...)"
		sed 's/^/       | /' "$T/.stderr" | tail -10
	fi
}

# --- the sample config and the ways to name a config --------------------------------
t_rc "sample rootfs/etc/cabin.conf is valid" 0 "$CABIN" check -c "$TOP/rootfs/etc/cabin.conf"
t_out "sample: 4 containers (web has 2 replicas)" "ok, 4 containers" \
	"$CABIN" check -c "$TOP/rootfs/etc/cabin.conf"
t_rc "check -q is quiet" 0 sh -c "[ -z \"\$('$CABIN' check -q -c '$TOP/rootfs/etc/cabin.conf')\" ]"
cp "$TOP/rootfs/etc/cabin.conf" "$C/cabin.conf"
chmod 644 "$C/cabin.conf"
t_rc "\$CABIN_CONF names the config" 0 env CABIN_CONF="$C/cabin.conf" "$CABIN" check
t_out "-c wins over \$CABIN_CONF" "nope.conf: cannot open" \
	env CABIN_CONF="$C/cabin.conf" "$CABIN" check -c "$C/nope.conf"
t_rc "a missing config: exit 1" 1 "$CABIN" check -c "$C/nope.conf"

# cabin.d next to the file is read, in name order, and its errors carry its name
mkdir -p "$C/cabin.d"
printf '[extra]\nrootfs=/var/lib/cabin/extra\ncmd=/bin/sleep 1000\nnet=none\n' > "$C/cabin.d/20-extra.conf"
printf '[first]\nrootfs=/var/lib/cabin/first\ncmd=/bin/true\ndepends=extra\nnet=none\n' > "$C/cabin.d/10-first.conf"
chmod 644 "$C"/cabin.d/*.conf
t_out "cabin.d/*.conf are read too" "ok, 6 containers" "$CABIN" check -c "$C/cabin.conf"
printf '[broken]\nrootfs=/r\ncmd=/x\npids=-1\n' > "$C/cabin.d/30-broken.conf"
chmod 644 "$C/cabin.d/30-broken.conf"
t_out "an error in cabin.d names that file" "^$C/cabin.d/30-broken.conf:4: pids=-1: not a number" \
	"$CABIN" check -c "$C/cabin.conf"
rm -f "$C/cabin.d/30-broken.conf"
chmod 664 "$C/cabin.d/10-first.conf"
t_out "a group-writable cabin.d file is refused" \
	"^$C/cabin.d/10-first.conf: is group- or world-writable" "$CABIN" check -c "$C/cabin.conf"
rm -rf "$C/cabin.d"

# --- one bad file per error class ----------------------------------------------------
bad unknown-key 4 "unknown key 'memroy' (did you mean 'memory'?)" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
memroy=32M
E
bad duplicate-key 4 "duplicate key 'memory' (first at line 3)" <<'E'
[web]
rootfs=/var/lib/cabin/web
memory=32M
memory=64M
cmd=/bin/httpd -f
E
bad bad-size 3 "memory=32Q: not a size" <<'E'
[web]
rootfs=/var/lib/cabin/web
memory=32Q
cmd=/bin/httpd -f
E
bad bad-duration 2 "watchdog_timeout=soon: not a duration" <<'E'
watchdog=/dev/watchdog
watchdog_timeout=soon
E
bad out-of-range 4 "cpu_weight=0: out of range 1..10000" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
cpu_weight=0
E
bad bad-bool 4 "critical=perhaps: not a boolean" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
critical=perhaps
E
bad bad-name 1 "invalid container name 'Web_Server'" <<'E'
[Web_Server]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
E
bad duplicate-section 4 "duplicate container [web] (first at" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
E
bad dangling-depends 4 "depends=db: no container [db]" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
depends=db
E
bad cycle 8 "dependency cycle: web -> db -> web" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
depends=db
[db]
rootfs=/var/lib/cabin/db
cmd=/bin/nc -lk -p 6379
depends=web
E
bad ip-clash 8 "ip 10.88.0.7 already used by web" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
ip=10.88.0.7
[db]
rootfs=/var/lib/cabin/db
cmd=/bin/nc -lk -p 6379
ip=10.88.0.7
E
bad port-clash 8 "host port 8080/tcp already published by web" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
port=8080:80
[api]
rootfs=/var/lib/cabin/api
cmd=/bin/httpd -f
port=8080:8080/tcp
E
bad replica-port-clash 4 "host port 8080/tcp already published by web-1" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
port=8080:80
replicas=2
E
bad too-many-env 36 "too many env= (CONFIG_MAX_ENV=32)" <<E
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
$(i=0; while [ $i -le 32 ]; do echo "env=V$i=x"; i=$((i + 1)); done)
E
bad long-line 3 "line too long (CONFIG_CONF_LINE_MAX=1024)" <<E
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/echo $(head -c 1100 /dev/zero | tr '\0' x)
E
printf '[web]\nrootfs=/var/lib/cabin/web\ncmd=/bin/httpd\001 -f\n' | bad binary-junk 3 "binary junk in line (byte 0x01)"
printf '[web]\nrootfs=/var/lib/cabin/web\ncmd=/bin/httpd -f\0\n' | bad nul-byte 3 "binary junk in line (byte 0x00)"
bad key-outside-section 1 "container key 'memory' outside a [name] section" <<'E'
memory=32M
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
E
bad missing-rootfs 1 "[web]: missing rootfs=" <<'E'
[web]
cmd=/bin/httpd -f
E
bad missing-cmd 1 "[web]: missing cmd=" <<'E'
[web]
rootfs=/var/lib/cabin/web
E
bad volume-proc 4 "destination under /proc, /sys or /dev is not allowed" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
volume=/srv/evil:/proc/sys/kernel
E
bad volume-dotdot 4 "'..' component in path" <<'E'
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
volume=/srv/www:/www/../proc
E
bad ip-outside-subnet 5 "ip 192.168.1.5 is outside subnet 10.88.0.1/24" <<'E'
subnet=10.88.0.1/24
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
ip=192.168.1.5
E

# every error, not only the first
cat > "$C/many.conf" <<'E'
nat=perhaps
[web]
rootfs=/var/lib/cabin/web
cmd=/bin/httpd -f
pids=0
memroy=1M
depends=ghost
E
chmod 644 "$C/many.conf"
"$CABIN" check -c "$C/many.conf" > /dev/null 2> "$T/.stderr"
t "four errors, four FILE:LINE lines" [ "$(grep -c "^$C/many.conf:[0-9]*: " "$T/.stderr")" = 4 ]
t_out "the summary counts them" "many.conf: 4 errors" cat "$T/.stderr"

# sshd-like: a config others can write is refused
cp "$TOP/rootfs/etc/cabin.conf" "$C/ww.conf"
chmod 666 "$C/ww.conf"
t_rc "a world-writable config: exit 1" 1 "$CABIN" check -c "$C/ww.conf"
t_out "... with the reason" "^$C/ww.conf: is group- or world-writable" "$CABIN" check -c "$C/ww.conf"
chmod 620 "$C/ww.conf"
t_rc "a group-writable config: exit 1" 1 "$CABIN" check -c "$C/ww.conf"

# --- usage -----------------------------------------------------------------------------
t_rc "check with a stray argument: exit 2" 2 "$CABIN" check extra
t_rc "check with an unknown option: exit 2" 2 "$CABIN" check -x
t_rc "check -c without a file: exit 2" 2 "$CABIN" check -c
t_rc "check -h: exit 0" 0 "$CABIN" check -h
t_rc "--help: exit 0" 0 "$CABIN" --help
t_out "--help prints the usage" "usage: cabin <command>" "$CABIN" --help
t_rc "--version: exit 0" 0 "$CABIN" --version
t_out "--version prints the version" "^cabin [0-9a-f.]+" "$CABIN" --version
t_rc "no command: exit 2" 2 "$CABIN"
t_rc "unknown command: exit 2" 2 "$CABIN" frobnicate
"$CABIN" frobnicate > "$T/.stdout" 2> "$T/.stderr"
t_rc "unknown command: usage on stderr, nothing on stdout" 0 \
	sh -c "grep -q usage '$T/.stderr' && ! [ -s '$T/.stdout' ]"

# --- the parser never allocates (the daemon reparses on reload) -----------------------
O=$TOP/build/obj
if [ -f "$O/conf.o" ] && [ -f "$O/confval.o" ] && [ -f "$O/confcheck.o" ] &&
   command -v nm > /dev/null; then
	t "conf*.o reference symbols (the check below can see)" sh -c "nm -u $O/conf.o | grep -qw open"
	t_rc "conf*.o call no malloc/stdio/opendir/getpw*" 1 sh -c \
		"nm -u $O/conf.o $O/confval.o $O/confcheck.o | grep -Ew 'malloc|calloc|realloc|free|strdup|strndup|asprintf|fopen|fdopen|opendir|fdopendir|getpwnam|getpwuid|getgrnam|setenv'"
else
	skip "conf.o calls no allocator (no build/obj/conf.o or nm)"
fi
