#!/bin/sh
# The watchdog and the escalation ladder against a stand-in device (a FIFO: a feed is a
# byte): fed every half timeout while every critical container is healthy; not fed once
# one is unhealthy with no restart coming, or past its restart budget; fed again when it
# recovers; never fed from a stopped daemon (SIGSTOP); a critical container that always
# fails walks the ladder in order: restarts with backoff, its dependency restarted, then
# the watchdog starved.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
mkdir -p "$T/data"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
mkfifo "$T/wdt"
cat "$T/wdt" > "$T/feeds" &
RD=$!
cat > "$T/cabin.conf" <<CONF
watchdog=$T/wdt
watchdog_timeout=2s
stop_timeout=1s
[crit]
rootfs=$RF
net=none
critical=yes
cmd=/bin/sleep 1000
volume=$T/data:/data
health=exec:/bin/sh -c "test ! -f /data/unhealthy"
health_interval=200ms
health_retries=2
on_unhealthy=none
[dep]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
autostart=no
[loop]
rootfs=$RF
net=none
critical=yes
cmd=/bin/sh -c "sleep 0.3; exit 1"
depends=dep
restart=on-failure:3
restart_delay=200ms
autostart=no
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
feeds() { wc -c < "$T/feeds"; }
st() { "$CABIN" status -o kv | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# fed: the count grows by at least 2 within 3 s (a feed each second)
grows() { a=$(feeds); sleep 3; b=$(feeds); echo "$a -> $b"; [ $((b - a)) -ge 2 ]; }
# not fed: nothing in 2.5 s (the timeout is 2 s)
still() { a=$(feeds); sleep 2.5; b=$(feeds); echo "$a -> $b"; [ "$a" = "$b" ]; }

t "crit healthy" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=crit .*health=healthy'"
t "the watchdog is fed while every critical container is healthy" grows
t_out "  status: a stand-in device, fed, timeout 2" "watchdog_state=fed.*watchdog_timeout=2 watchdog_device=stand-in" "$CABIN" status -o kv
t_out "  the daemon said what it opened" "not a watchdog device.*fed by writes every 1000ms" cat "$T/daemon.log"

touch "$T/data/unhealthy"
t "crit unhealthy (on_unhealthy=none: no restart coming)" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=crit .*health=unhealthy'"
t "  the watchdog is not fed any more" still
t_out "  status says why" "watchdog_state=starving.*critical%20crit%20is%20unhealthy" "$CABIN" status -o kv
t_out "  and the log, loudly" "NOT FED any more: critical crit is unhealthy" cat "$T/daemon.log"
rm -f "$T/data/unhealthy"
t "crit healthy again" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=crit .*health=healthy'"
t "  fed again" grows

kill -STOP $DPID
t "a stopped daemon feeds nothing" still
kill -CONT $DPID
t "  and feeds again when it runs" grows

# the ladder: loop fails, backs off, restarts dep on its second failure, gives up after
# its budget (on-failure:3), and the watchdog is starved
t "start dep" "$CABIN" start dep
t "dep running" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=dep .*state=running'"
DP0=$("$CABIN" ps -o kv | sed -n 's/^name=dep .* pid=\([0-9]*\).*/\1/p')
t "start loop" "$CABIN" start loop
t "loop fails for good (on-failure:3)" retry 300 sh -c "\"$CABIN\" ps -a -o kv | grep -q '^name=loop .*state=failed'"
t_out "  rung 2: its dependency was restarted on the second failure" "loop event=escalate rung=dependencies restarted=1" cat "$T/daemon.log"
t "  dep has a new pid" [ "$("$CABIN" ps -o kv | sed -n 's/^name=dep .* pid=\([0-9]*\).*/\1/p')" != "$DP0" ]
t "  rung 3: the watchdog is starved" still
t_out "  because loop failed" "watchdog_state=starving.*critical%20loop%20failed" "$CABIN" status -o kv
t "  rungs in order: backoff, dependencies, failed, not fed" sh -c "grep -n 'loop backoff\|loop event=escalate\|loop failed\|NOT FED any more: critical loop' \"$T/daemon.log\" | awk -F: 'NR==1 && \$0 !~ /backoff/ {exit 1} /escalate/ {e=\$1} /cabin: loop failed/ {f=\$1} /NOT FED/ {n=\$1} END {exit !(e && f && n && e < f && f < n)}'"
t "stop loop (the operator's stop)" "$CABIN" stop loop
t "  fed again (a container the operator stopped does not count)" grows

t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t_fail "never a magic close ('V')" grep -q V "$T/feeds"

# an idle daemon (no probes, nothing happening) still wakes up to feed (the first
# reader saw EOF when the first daemon closed the device: a new one)
wait $RD 2>/dev/null
cat "$T/wdt" >> "$T/feeds" &
RD=$!
cat > "$T/cabin.conf" <<CONF
watchdog=$T/wdt
watchdog_timeout=2s
[idle]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
CONF
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "idle daemon up" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=idle .*state=running'"
t "  an idle loop feeds on its own timer" grows
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
kill $RD 2>/dev/null
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
