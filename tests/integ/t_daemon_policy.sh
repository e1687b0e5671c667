#!/bin/sh
# Restart policies against real exits: the matrix, backoff intervals measured from event
# timestamps, on-failure with exit 0 vs 1 and its retry limit, unless-stopped after a
# manual stop (also across a daemon restart), the stop timeout, a crash loop that does
# not slow the control channel.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
# a memory hog: the shell keeps 200 MB in a variable
printf '#!/bin/sh\nx=$(yes aaaaaaaaaaaaaaa | head -c 200000000)\necho ${#x}\n' > "$RF/bin/hog"
chmod 755 "$RF/bin/hog"
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[loop]
rootfs=$RF
net=none
cmd=/bin/sh -c "exit 1"
restart=always
restart_delay=100ms
restart_max_delay=800ms
autostart=no
[ok0]
rootfs=$RF
net=none
cmd=/bin/sh -c "sleep 0.2; exit 0"
restart=on-failure
[bad1]
rootfs=$RF
net=none
cmd=/bin/sh -c "sleep 0.2; exit 1"
restart=on-failure:2
restart_delay=50ms
[no]
rootfs=$RF
net=none
cmd=/bin/sh -c "exit 3"
restart=no
[always0]
rootfs=$RF
net=none
cmd=/bin/sh -c "sleep 0.3; exit 0"
restart=always
restart_delay=50ms
[us]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
restart=unless-stopped
[al]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
restart=always
[oom]
rootfs=$RF
net=none
cmd=/bin/hog
memory=16M
restart=no
[oomchild]
rootfs=$RF
net=none
cmd=/bin/sh -c "echo up; while :; do /bin/probe memhog 64; sleep 0.5; done"
memory=24M
restart=no
[stubborn]
rootfs=$RF
net=none
cmd=/bin/sh -c "trap '' TERM; echo deaf now; while :; do sleep 1; done"
stop_timeout=1s
restart=always
CONF

start_daemon() {
	"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
	DPID=$!
	retry 100 "$CABIN" ps
}
kv() { "$CABIN" ps -a -o kv | grep "^name=$1 "; }
field() { kv "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
is() { [ "$(field "$1" state)" = "$2" ]; }

t "daemon up" start_daemon

# -- backoff intervals from the event stream
"$CABIN" events -o kv > "$T/ev" 2>&1 &
EPID=$!
retry 40 sh -c "[ -e $T/ev ]"
sleep 0.2
t "start the crash loop" "$CABIN" start loop
t "6 restarts happen" retry 200 sh -c "[ \$(grep -c 'name=loop .*state=running' $T/ev) -ge 6 ]"
t "stop the crash loop" "$CABIN" stop loop
kill $EPID 2>/dev/null
# pair each backoff event with the following running event: delay doubles from 100 ms
# to the 800 ms cap (tolerance: not early, at most 250 ms late: the interval includes
# one spawn, slower on a loaded machine)
awk '/name=loop / {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["state"] == "backoff") b = f["mono"];
	else if (f["state"] == "running" && b) { print f["mono"] - b; b = 0 }
}' "$T/ev" > "$T/intervals"
want="100 200 400 800 800"
i=0
for w in $want; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$T/intervals")
	t "backoff $i: ${got:-none} ms for $w ms" sh -c "[ -n '$got' ] && [ $got -ge $w ] && [ $got -le $((w + 250)) ]"
done
t_out "crash-loop events carry reason exit:1" "name=loop .*state=backoff.*reason=exit:1" cat "$T/ev"
t_out "manual stop: reason stopped" "reason=stopped" kv loop

# -- the matrix
t "on-failure + exit 0: exited, not restarted" retry 100 is ok0 exited
t_out "  reason exit:0" "reason=exit:0" kv ok0
t "on-failure:2 + exit 1: failed after 2 restarts" retry 200 is bad1 failed
t_out "  reason says it gave up" "gave%20up%20after%202%20restarts" kv bad1
t_out "  restarts=2" "restarts=2" kv bad1
t "restart=no: exited" retry 100 is no exited
t_out "  reason exit:3" "reason=exit:3" kv no
t "always + exit 0: restarted" retry 200 sh -c "[ \$(\"$CABIN\" ps -a -o kv | grep '^name=always0 ' | sed 's/.*restarts=\([0-9]*\).*/\1/') -ge 2 ]"

# -- an OOM kill in the group is the reason, not the exit status
t "oom: exited" retry 200 is oom exited
t_out "  reason oom" "reason=oom" kv oom

# -- an OOM kill of a worker that does not end the container is an event of its own
t "oomchild: an OOM event while it keeps running" retry 200 grep -q "name=oomchild state=running.*event=oom oom_kills=[1-9]" "$T/ev"
t "  oomchild still running" is oomchild running
t "  the daemon log says so" grep -q "oomchild event=oom" "$T/daemon.log"

# -- stop timeout: TERM ignored, killed as a group after 1 s
deaf() { is stubborn running && "$CABIN" logs stubborn | grep -q "deaf now"; }
t "stubborn running, TERM ignored" retry 100 deaf
s0=$(date +%s%N)
t "stop stubborn" "$CABIN" stop stubborn
t "stubborn exited" retry 100 is stubborn exited
s1=$(date +%s%N)
ms=$(( (s1 - s0) / 1000000 ))
t "stop took the timeout (${ms} ms, want 1000..2500)" sh -c "[ $ms -ge 950 ] && [ $ms -le 2500 ]"

# -- manual stops: neither always nor unless-stopped comes back by itself
t "stop us" "$CABIN" stop us
t "stop al" "$CABIN" stop al
t "us exited" retry 100 is us exited
t "al exited" retry 100 is al exited
sleep 0.5
t "us stays exited" is us exited
t "al stays exited" is al exited
# daemon restart: always comes back (autostart), unless-stopped remembers the stop
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "daemon up again" start_daemon
t "al running after daemon restart" retry 100 is al running
t "us still exited after daemon restart (unless-stopped)" is us defined
t "start us" "$CABIN" start us
t "us running" retry 100 is us running

# -- a crash loop does not slow the control channel
"$CABIN" start loop
s0=$(date +%s%N)
for i in $(seq 50); do "$CABIN" ps > /dev/null || break; done
s1=$(date +%s%N)
ms=$(( (s1 - s0) / 1000000 ))
t "50 ps during a crash loop in ${ms} ms (< 2500)" [ "$ms" -lt 2500 ]
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
