#!/bin/sh
# cabin daemon end to end: start-up in dependency order, ps, stop/start/restart, kill,
# pause/resume, logs, inspect, stats, single instance, shutdown in reverse order.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[db]
rootfs=$T/rootfs
net=none
cmd=/bin/sh -c "trap 'echo db bye; exit 0' TERM; echo db up; while :; do sleep 1; done"
restart=always
[web]
rootfs=$T/rootfs
net=none
cmd=/bin/sh -c "echo web up \$HOSTNAME; exec sleep 1000"
depends=db
replicas=2
restart=always
[idle]
rootfs=$T/rootfs
net=none
cmd=/bin/sleep 1000
autostart=no
CONF

"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
state() { "$CABIN" ps -a -o kv | grep "^name=$1 " | sed 's/.* state=\([a-z]*\).*/\1/'; }
is() { [ "$(state "$1")" = "$2" ]; }
t "daemon answers ps" retry 100 "$CABIN" ps
t "db running" retry 100 is db running
t "web-1 running" retry 100 is web-1 running
t "web-2 running" retry 100 is web-2 running
t "idle stays defined (autostart=no)" is idle defined
t_fail "ps hides idle without -a" sh -c "$CABIN ps -o kv | grep name=idle"
t "dependency order at start: db before web" sh -c \
	"grep -n 'db running' $T/daemon.log | head -1 | cut -d: -f1 > $T/a; grep -n 'web-1 running' $T/daemon.log | head -1 | cut -d: -f1 > $T/b; [ \$(cat $T/a) -lt \$(cat $T/b) ]"
t_rc "second daemon refused (lock)" 1 "$CABIN" daemon
t_out "second daemon says why" "running|locked" "$CABIN" daemon
if sh -c 'echo -1 > /proc/self/oom_score_adj' 2>/dev/null; then
	t_out "oom_score_adj -1000" '^-1000$' cat /proc/$DPID/oom_score_adj
else
	skip "oom_score_adj: this machine refuses lowering it (no CAP_SYS_RESOURCE)"
fi

t_out "status file of db" "name=db state=running" cat "$T/run/status/db"

# logs
t_out "logs of db" "db up" "$CABIN" logs db
t_out "logs -n 1 of web-2" "^web up" "$CABIN" logs -n 1 web-2

# logs -f and events: streams that follow
"$CABIN" logs -f db > "$T/follow" 2>&1 &
FPID=$!
"$CABIN" events > "$T/events" 2>&1 &
EVPID=$!
sleep 0.3
t "restart db while following" "$CABIN" restart db
t_out_retry() { retry 100 grep -q "$2" "$3" && ok "$1" || { not_ok "$1"; tail -5 "$3"; }; }
t_out_retry "logs -f shows the old and the new run" "db bye" "$T/follow"
t "logs -f: db up twice" retry 100 sh -c "[ \$(grep -c 'db up' $T/follow) -ge 2 ]"
t_out_retry "events: db stopping" "name=db state=stopping" "$T/events"
t_out_retry "events: db running again" "name=db state=running" "$T/events"
kill $FPID $EVPID 2>/dev/null
wait $FPID $EVPID 2>/dev/null

# stop / start / restart
t "stop db" "$CABIN" stop db
t "db exited" retry 100 is db exited
t_out "db stop reason" "reason=stopped" sh -c "$CABIN ps -a -o kv | grep name=db"
t_out "db said bye (stop_signal delivered)" "db bye" "$CABIN" logs db
t "start db" "$CABIN" start db
t "db running again" retry 100 is db running
pid1=$("$CABIN" ps -o kv | grep '^name=web-1 ' | sed 's/.* pid=\([0-9]*\).*/\1/')
t "restart web (section name: both instances)" "$CABIN" restart web
t "web-1 running after restart" retry 100 is web-1 running
pid2=$("$CABIN" ps -o kv | grep '^name=web-1 ' | sed 's/.* pid=\([0-9]*\).*/\1/')
t "web-1 has a new pid" [ "$pid1" != "$pid2" ]
t "restart from exited" "$CABIN" restart idle
t "idle running" retry 100 is idle running

# kill: counts as a crash, the policy applies (always -> restarted)
t "kill web-2" "$CABIN" kill web-2
t "web-2 restarted by policy" retry 100 sh -c "$CABIN ps -o kv | grep '^name=web-2 .*state=running.*restarts=1'"
t_out "kill reason" "signal:KILL" "$CABIN" inspect web-2
# kill -s: the signal reaches the container (db traps TERM: logs "db bye", exits 0)
# (to its init only, as docker kill does: the trap runs once the shell's `sleep 1` ends)
byes=$("$CABIN" logs db | grep -c 'db bye')
r0=$("$CABIN" ps -o kv | grep '^name=db ' | sed 's/.* restarts=\([0-9]*\).*/\1/')
t "kill -s TERM db" "$CABIN" kill -s TERM db
t "db got TERM (its trap ran)" retry 100 sh -c "[ \$($CABIN logs db | grep -c 'db bye') -gt $byes ]"
t "db back by policy" retry 100 sh -c "$CABIN ps -o kv | grep -q '^name=db .*state=running.* restarts=$((r0 + 1)) '"
t_rc "kill -s with an unknown signal is a usage error" 2 "$CABIN" kill -s NOPE db

# pause / resume
t "pause idle" "$CABIN" pause idle
t "idle paused" is idle paused
t_fail "pause twice refused? (no-op ok) resume exited refused" "$CABIN" resume db-nonexistent
t "resume idle" "$CABIN" resume idle
t "idle running after resume" is idle running
t_fail "pause a stopped container" sh -c "$CABIN stop idle && sleep 0.3 && $CABIN pause idle"

# inspect / stats / errors
t_out "inspect shows config" "^section=web" "$CABIN" inspect web-1
t_out "inspect shows depends" "^depends=db" "$CABIN" inspect web-1
t_out "stats lists running" "name=db .*pids=" "$CABIN" stats -o kv --no-stream
t_rc "unknown container -> 1" 1 "$CABIN" stop nosuch
t "fire-and-forget restart via echo" sh -c "echo 'restart db' > $T/run/ctl"
t "db back after fire-and-forget restart" retry 100 is db running

# shutdown: reverse dependency order, every cgroup gone, exit 0
t "shutdown" "$CABIN" shutdown
t "daemon exits" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
wait $DPID; rc=$?
t "exit status 0" [ "$rc" = 0 ]
t "web stopped before db" sh -c \
	"a=\$(grep -n 'web-1 exited' $T/daemon.log | tail -1 | cut -d: -f1); b=\$(grep -n 'db exited' $T/daemon.log | tail -1 | cut -d: -f1); [ -n \"\$a\" ] && [ \"\$a\" -lt \"\$b\" ]"
t "no container cgroups left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || { find \$d -mindepth 1 -type d; exit 1; }; done"
t_rc "client: daemon not running -> 3" 3 "$CABIN" ps
