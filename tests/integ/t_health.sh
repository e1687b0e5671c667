#!/bin/sh
# Health checks (SPEC §7): exec probes run inside the container (its namespaces, cgroup
# and identity), tcp probes from the daemon inside the container's network namespace,
# sd_notify (READY=1, WATCHDOG=1, STATUS=); healthy / unhealthy in ps and events;
# on_unhealthy=restart and none; a hung probe killed at its timeout with nothing left; a
# probe printing 10 MB leaves the daemon's memory flat; dependents wait for healthy.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
mkdir -p "$RF/www" && echo hi > "$RF/www/index.html"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
ip link set lo up
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[web]
rootfs=$RF
cmd=/bin/httpd -f -p 8080 -h /www
health=exec:/bin/sh -c "wget -q -O - http://127.0.0.1:8080/ && echo uid=\$(id -u) && grep -q /web\$ /proc/self/cgroup && echo in-web-group"
health_interval=500ms
user=1000
[after]
rootfs=$RF
cmd=/bin/sleep 1000
depends=web
[bad]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
health=exec:/bin/sh -c "echo failing-on-purpose; exit 3"
health_interval=200ms
health_retries=2
restart=no
restart_delay=100ms
[hang]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
health=exec:/bin/sh -c "sleep 1000 & sleep 1000"
health_interval=300ms
health_timeout=300ms
health_retries=2
on_unhealthy=none
[flood]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
health=exec:/bin/sh -c "head -c 10000000 /dev/zero | tr '\\\\0' x; exit 1"
health_interval=200ms
health_timeout=5s
health_retries=1000
[tcp]
rootfs=$RF
cmd=/bin/httpd -f -p 8000 -h /www
health=tcp:8000
health_interval=300ms
[tcpbad]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
health=tcp:81
health_interval=200ms
health_retries=2
on_unhealthy=none
[nt]
rootfs=$RF
net=none
cmd=/bin/sh -c "sleep 3; probe notify STATUS=warming; probe notify READY=1; exec sleep 1000"
health=notify
health_interval=5s
[ntdep]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
depends=nt
[wd]
rootfs=$RF
net=none
cmd=/bin/sh -c "probe notify READY=1; while true; do probe notify WATCHDOG=1; sleep 0.1; done"
health=notify
health_interval=500ms
health_retries=2
restart=always
restart_delay=100ms
[shwd]
rootfs=$RF
net=none
cmd=/bin/sh -c "echo STATUS=from-a-shell > \$CABIN_NOTIFY; echo READY=1 > \$CABIN_NOTIFY; while [ ! -e /tmp/stop ]; do echo WATCHDOG=1 > \$CABIN_NOTIFY; sleep 0.1; done; exec sleep 1000"
health=notify
health_interval=500ms
health_retries=2
on_unhealthy=none
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
kv() { "$CABIN" ps -a -o kv | grep "^name=$1 "; }
field() { kv "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
health_is() { [ "$(field "$1" health)" = "$2" ]; }
t "nt running (notify)" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=nt .*state=running'"
t_out "ntdep waits while nt is not ready (no READY=1 yet)" "state=starting" sh -c "\"$CABIN\" ps -a -o kv | grep '^name=ntdep '"
t_out "  nt's health: starting" "health=starting" sh -c "\"$CABIN\" ps -a -o kv | grep '^name=nt '"

# exec: healthy, run as the container's user, inside its cgroup, its root
t "web becomes healthy (exec probe)" retry 200 health_is web healthy
t_out "  the probe ran as the container's user" "uid=1000" "$CABIN" inspect web
t_out "  inside the container's group" "in-web-group" "$CABIN" inspect web
t_out "  ps shows it" "web .*healthy" "$CABIN" ps
t_out "  events say so" "web event=health health=healthy" cat "$T/daemon.log"
t "after (depends=web) runs once web is healthy" retry 200 sh -c "[ \"\$(\"$CABIN\" ps -o kv | sed -n 's/^name=after .*state=\([a-z]*\).*/\1/p')\" = running ]"

# a failing probe: unhealthy after health_retries, restarted (on_unhealthy=restart, even
# with restart=no), the reason says unhealthy, the probe's output is kept
t "bad becomes unhealthy and is restarted" retry 200 sh -c "[ \"\$(\"$CABIN\" ps -a -o kv | sed -n 's/^name=bad .*restarts=\([0-9]*\).*/\1/p')\" -ge 1 ]"
t_out "  reason unhealthy" "reason=unhealthy" "$CABIN" ps -a -o kv
t_out "  the probe's output kept" "failing-on-purpose" "$CABIN" inspect bad

# a hung probe (and its background child holding the pipe): killed at its timeout
t "hang becomes unhealthy (timeouts)" retry 200 health_is hang unhealthy
t "  still running (on_unhealthy=none)" [ "$(field hang state)" = running ]
t_out "  the output says timed out" "timed(%20| )out" "$CABIN" inspect hang
HP=$(field hang pid)
sleep 1
# live processes in the container's pid namespace (killed probes the container's init,
# a plain sleep, never reaps stay as zombies: not running)
live_in() {
	for f in /proc/[0-9]*; do
		[ "$(readlink $f/ns/pid 2>/dev/null)" = "$(readlink /proc/$1/ns/pid)" ] || continue
		[ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' $f/status 2>/dev/null)" = Z ] || echo $f
	done | wc -l
}
# a probe is in flight half the time (300 ms of 600): at most its tree (sh and its sleep)
# beside the init at any moment; a killed probe that left anything would pile up
never_piles_up() {
	_i=0 _max=0
	while [ $_i -lt 15 ]; do
		_n=$(live_in $HP)
		[ "$_n" -gt "$_max" ] && _max=$_n
		_i=$((_i + 1))
		sleep 0.2
	done
	echo "at most $_max live processes"
	[ "$_max" -le 3 ]
}
t "  nothing of the killed probes left running (at most init + the probe in flight)" never_piles_up

# 10 MB of probe output: capped, the daemon's memory flat
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$DPID/status; }
t "flood probes ran" retry 200 sh -c "[ \$(\"$CABIN\" inspect flood | sed -n 's/.*health_fails=\([0-9]*\).*/\1/p') -ge 2 ]"
R0=$(rss)
sleep 2
R1=$(rss)
t "  the daemon's RSS flat over 10 MB probes ($R0 -> $R1 KiB)" [ $((R1 - R0)) -lt 256 ]
t_out "  the kept output is capped at 4 KiB" "^[0-9]+$" sh -c "n=\$(\"$CABIN\" inspect -o kv flood | sed -n 's/.*health_output=\([^ ]*\).*/\1/p' | wc -c); [ \$n -le 8300 ] && echo \$n"

# tcp: from the daemon, inside the container's network namespace
t "tcp healthy (tcp probe)" retry 200 health_is tcp healthy
t "tcpbad unhealthy (nothing listens)" retry 200 health_is tcpbad unhealthy
t_out "  says why" "Connection(%20| )refused" "$CABIN" inspect tcpbad

# notify: READY=1 gates the dependent, STATUS= shown
t "nt healthy after READY=1" retry 200 health_is nt healthy
t_out "  STATUS= shown" "status_text=warming" "$CABIN" inspect -o kv nt
t "ntdep runs" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=ntdep .*state=running'"

# WATCHDOG=1: healthy while it comes; a hang (SIGSTOP) is restarted
t "wd healthy" retry 200 health_is wd healthy
WP=$(field wd pid)
kill -STOP "$WP"
T0=$(date +%s%N)
t "wd hung: unhealthy and restarted" retry 400 sh -c "[ \"\$(\"$CABIN\" ps -a -o kv | sed -n 's/^name=wd .*pid=\([0-9]*\).*/\1/p')\" != $WP ] && \"$CABIN\" ps -o kv | grep -q '^name=wd .*state=running'"
T1=$(date +%s%N)
echo "  (hang to running again: $(((T1 - T0) / 1000000)) ms with health_interval=500ms health_retries=2)"

# the same from a shell service: `echo WATCHDOG=1 > $CABIN_NOTIFY` (a FIFO in its /dev)
t "shwd (echo > \$CABIN_NOTIFY) healthy" retry 200 health_is shwd healthy
t_out "  its STATUS= shown" "status_text=from-a-shell" "$CABIN" inspect -o kv shwd
t "  the FIFO is in the container's own /dev" sh -c "\"$CABIN\" exec shwd /bin/sh -c '[ -p /dev/cabin-notify ]'"
t "it stops sending WATCHDOG=1" "$CABIN" exec shwd /bin/touch /tmp/stop
t "  unhealthy" retry 200 health_is shwd unhealthy
t_out "the daemon's stdin is still what it was given (no fd 0 closed by mistake)" "^/dev/null$" readlink /proc/$DPID/fd/0
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
