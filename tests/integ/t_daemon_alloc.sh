#!/bin/sh
# After start-up the daemon never allocates, directly or through libc (SPEC §7). The
# daemon runs as build/cabin-alloc (every allocator entry point wrapped and counted once
# start-up is done) through a scripted session: starts, stops, restarts, a crash loop,
# pause/resume, logs, inspect, stats, events, reload (valid and invalid), create/rm,
# deploy, scale and hundreds of control requests. The count must stay 0.
. "$(dirname "$0")/lib.sh"
ALLOC=$TOP/build/cabin-alloc
if [ ! -x "$ALLOC" ]; then
	not_ok "build/cabin-alloc missing (make build/cabin-alloc)"
	exit 1
fi
# static check too: no object the daemon runs references an allocating libc call
# (client.c and main.c are the command line's, not the daemon's)
bad=""
for o in "$TOP"/build/obj/*.o; do
	case $(basename "$o") in client.o|main.o) continue ;; esac
	u=$(nm -u "$o" | awk '{print $2}' | grep -E '^(malloc|calloc|realloc|aligned_alloc|posix_memalign|fopen|fdopen|opendir|fdopendir|getpw.*|getgr.*|strdup|strndup|asprintf|vasprintf|setenv|putenv|popen|localtime|gmtime|getaddrinfo)$' | tr '\n' ' ')
	[ -n "$u" ] && bad="$bad $(basename "$o"): $u"
done
t "nm: no allocating libc call in daemon objects${bad:+ ($bad)}" [ -z "$bad" ]

cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
sec() { printf '[%s]\nrootfs=%s\nnet=none\ncmd=%s\n%s\n' "$1" "$RF" "$2" "${3:-}"; }
{
	echo stop_timeout=1s
	sec db "/bin/sh -c \"echo db up; exec sleep 1000\"" "restart=always"
	sec web "/bin/sleep 1000" "depends=db
replicas=2
restart=on-failure"
	sec crash "/bin/sh -c \"echo crashing; exit 1\"" "restart=always
restart_delay=20ms
restart_max_delay=80ms"
} > "$T/cabin.conf"

"$ALLOC" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon (counting build) up" retry 100 "$CABIN" ps
allocs() { ctl_debug allocs; }
t_out "counter armed (allocs=0 after start-up)" "^0$" allocs
up() { "$CABIN" ps -o kv | grep -q "^name=$1 .*state=running"; }
t "web-2 running" retry 100 up web-2

# the session
"$CABIN" events > "$T/events" 2>&1 &
EV=$!
for i in $(seq 5); do
	"$CABIN" stop web-1 > /dev/null
	"$CABIN" start web-1 > /dev/null
	"$CABIN" restart db > /dev/null
	"$CABIN" pause web-2 > /dev/null
	"$CABIN" resume web-2 > /dev/null
	"$CABIN" kill web-2 > /dev/null
	"$CABIN" logs db > /dev/null
	"$CABIN" logs -n 1 crash > /dev/null
	"$CABIN" inspect web-1 > /dev/null
	"$CABIN" stats --no-stream > /dev/null
	"$CABIN" stop nosuch > /dev/null 2>&1
	"$CABIN" ps -a -o json > /dev/null
done
timeout 1 "$CABIN" logs -f db > /dev/null 2>&1
t "create" "$CABIN" create extra rootfs=$RF net=none "cmd=/bin/sleep 1000"
t "start extra" "$CABIN" start extra
t "extra running" retry 100 up extra
t "rm -f extra" "$CABIN" rm -f extra
sec dep "/bin/sleep 1000" > "$T/deploy.conf"
t "deploy" "$CABIN" deploy "$T/deploy.conf"
t "scale web 3" "$CABIN" scale web 3
t "web-3 running" retry 100 up web-3
t "scale web 2" "$CABIN" scale web 2
{ echo stop_timeout=1s; sec db "/bin/sh -c \"echo db up; exec sleep 1000\"" "restart=always
env=CHANGED=1"; } > "$T/cabin.conf.new"
sec web "/bin/sleep 1000" "depends=db
replicas=2" >> "$T/cabin.conf.new"
sec newone "/bin/sleep 1000" >> "$T/cabin.conf.new"
mv "$T/cabin.conf.new" "$T/cabin.conf"
t "reload" "$CABIN" reload
t "newone running" retry 100 up newone
printf '[broken]\nnosuchkey=1\n' >> "$T/cabin.conf"
t_rc "invalid reload refused" 1 "$CABIN" reload
kill -HUP $DPID
for i in $(seq 300); do "$CABIN" ps > /dev/null; done
printf 'garbage\n@bad/token ps\nfrobnicate\n' > "$T/run/ctl"
head -c 20000 /dev/urandom > "$T/run/ctl"
t "daemon alive" retry 100 "$CABIN" ps
kill $EV 2>/dev/null

n=$(allocs)
t "zero allocations after start-up (got ${n:-none})" [ "$n" = 0 ]
t_fail "no allocation reported on stderr" grep "cabin-alloc:" "$T/daemon.log"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t_fail "none during shutdown either" grep "cabin-alloc:" "$T/daemon.log"
