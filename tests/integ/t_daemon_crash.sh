#!/bin/sh
# The daemon killed with SIGKILL at random moments (start-up, crash loops, restarts)
# and started again. Choice (README): the new daemon cleans up, it does not adopt: every
# group of the config and of RUNDIR/instances is killed and removed before anything
# starts. Checks: no duplicate containers, no leftover cgroups, nothing left at the end.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
{
	echo stop_timeout=1s
	printf '[a]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1001\nrestart=always\n' "$RF"
	printf '[b]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1002\nrestart=always\ndepends=a\nreplicas=3\n' "$RF"
	printf '[c]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "sleep 0.1; exit 1"\nrestart=always\nrestart_delay=20ms\nrestart_max_delay=40ms\n' "$RF"
	printf '[d]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1004\nrestart=on-failure\n' "$RF"
} > "$T/cabin.conf"

# processes in this pid namespace running "sleep 100N"
sleeps() {
	n=0
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^/bin/sleep 100[124] *$' && n=$((n + 1))
	done
	echo $n
}
running() { "$CABIN" ps -o kv | grep -c 'state=running.*' ; }
groups() { # container groups under our test groups, names only, sorted, unique
	for d in $CG_DIRS; do [ -d "$d/cabin" ] && find "$d/cabin" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'; done | sort -u | tr '\n' ' '
}
settled() { # a, b-1..3, d running, and exactly those 5 sleeps exist
	[ "$("$CABIN" ps -o kv | grep -c '^name=[abd][-0-9]* .*state=running')" = 5 ] && [ "$(sleeps)" = 5 ]
}

bad=0
for i in $(seq 12); do
	"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
	DPID=$!
	# random moment: 0..400 ms into its life (start-up, dependency wait, crash loop)
	sleep "0.$(awk -v s=$i 'BEGIN { srand(s * 7919); printf "%03d", int(rand() * 400) }')"
	kill -9 $DPID
	wait $DPID 2>/dev/null
done
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up after 12 SIGKILLs" retry 100 "$CABIN" ps
t "settles: 5 long-running containers, 5 sleep processes (no duplicates)" retry 200 settled
t_out "cgroups: only configured instances" "^a b-1 b-2 b-3 (c )?d $" groups
sleep 0.5
t "still exactly 5 sleeps" [ "$(sleeps)" = 5 ]
t_out "lock is held by the new daemon" "running|locked" "$CABIN" daemon

# SIGKILL while a run-time container exists: it is not in the config, only in
# RUNDIR/instances, and must not survive either
t "create extra" "$CABIN" create extra rootfs=$RF net=none "cmd=/bin/sleep 1001"
t "start extra" "$CABIN" start extra
t "extra running" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=extra .*state=running'"
six() { [ "$(sleeps)" = 6 ]; }
t "6 sleeps" retry 100 six
kill -9 $DPID; wait $DPID 2>/dev/null
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up again" retry 100 "$CABIN" ps
t "settles to 5 again (extra's process killed)" retry 200 settled
t "extra's group removed" retry 100 sh -c "! echo \"\$(groups)\" | grep -q extra"

t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no container processes left" [ "$(sleeps)" = 0 ]
t "no container cgroups left" [ -z "$(groups)" ]
