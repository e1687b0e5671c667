#!/bin/sh
# The operator's CLI (the field issue): stop, restart, rm -f and shutdown wait until done
# (bounded by stop_timeout plus a margin) unless --no-wait; `cabin wait` returns the exit
# status; a stop that needed SIGKILL says so; unpause, a second resume, kill -HUP; an
# unknown name gets a "did you mean".
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[web]
rootfs=$RF
net=none
replicas=2
cmd=/bin/sleep 1000
[stubborn]
rootfs=$RF
net=none
stop_timeout=1500ms
cmd=/bin/sh -c "trap '' TERM; while :; do sleep 0.2; done"
[job]
rootfs=$RF
net=none
autostart=no
cmd=/bin/sh -c "sleep 1; exit 3"
[crash]
rootfs=$RF
net=none
autostart=no
restart=always
restart_delay=20s
cmd=/bin/sh -c "exit 4"
[flap]
rootfs=$RF
net=none
autostart=no
restart=on-failure:2
restart_delay=100ms
cmd=/bin/sh -c "echo flapping; exit 1"
[odd]
rootfs=$RF
net=none
hostname=1234
env=MSG=hello world 50% "q" ü =x
cmd=/bin/sh -c "printf 'bad \\377 bytes\\n'; exec sleep 1000"
[hup]
rootfs=$RF
net=none
cmd=/bin/sh -c "trap 'echo got-hup' HUP; while :; do sleep 0.2; done"
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
state() { "$CABIN" ps -a -o kv | grep "name=$1 " | sed 's/.* state=\([a-z]*\).*/\1/'; }
t "all running" retry 100 sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c state=running) = 5 ]"

# stop waits: when it returns the container is down
t "stop web-1 (waits)" "$CABIN" stop web-1
t "  down when stop returns" [ "$(state web-1)" = exited ]
t "stop --no-wait returns at once" "$CABIN" stop --no-wait stubborn
t "  still stopping then" sh -c "s=\$(\"$CABIN\" ps -a -o kv | grep name=stubborn); echo \"\$s\" | grep -Eq 'state=(stopping|killing)'"
t "  then killed at stop_timeout" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -a -o kv | grep name=stubborn | grep -o 'state=[a-z]*')\" = state=exited ]"
t_out "  and ps says so" "reason=stopped:killed" sh -c "\"$CABIN\" ps -a -o kv | grep name=stubborn"
t "start stubborn" "$CABIN" start stubborn
t "  running" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -o kv | grep name=stubborn | grep -o 'state=[a-z]*')\" = state=running ]"
S0=$(date +%s%N)
t "stop of a container that ignores TERM waits through stop_timeout" "$CABIN" stop stubborn
S1=$(date +%s%N)
t "  about 1.5 s, bounded" [ $(((S1 - S0) / 1000000)) -ge 1400 ] && [ $(((S1 - S0) / 1000000)) -lt 6000 ]
t "  down when stop returns" [ "$(state stubborn)" = exited ]

# restart waits until it runs again
P0=$("$CABIN" ps -o kv | grep 'name=web-2 ' | sed 's/.* pid=\([0-9]*\).*/\1/')
t "restart web-2 (waits)" "$CABIN" restart web-2
t "  running with a new pid when restart returns" sh -c "\"$CABIN\" ps -o kv | grep 'name=web-2 ' | grep state=running | grep -vq 'pid=$P0 '"

# wait: the exit status
t "start job" "$CABIN" start job
t_out "wait job prints its exit status" "^3$" "$CABIN" wait job
t_rc "  and returns it" 3 "$CABIN" wait job
t_rc "wait on a stopped container returns at once, its status (sleep as PID 1 ignores TERM: 137)" 137 "$CABIN" wait web-1
t_out "wait nosuch: a clear error" "no such container" "$CABIN" wait nosuch

# rm -f waits until it is gone
t "rm -f stubborn (was stopped; starts again first)" "$CABIN" start stubborn
t "  running" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -o kv | grep name=stubborn | grep -o 'state=[a-z]*')\" = state=running ]"
t "rm -f stubborn waits" "$CABIN" rm -f stubborn
t "  gone when rm returns" sh -c "! \"$CABIN\" ps -a -o kv | grep -q name=stubborn"

# logs: the story of restarts, -t, --tail, --since; -f of a container that ends, ends
t "start flap" "$CABIN" start flap
t "  fails after 2 restarts" retry 200 sh -c "\"$CABIN\" ps -o kv flap | grep -q state=failed"
t_out "logs: marks each start and exit" "--- started, restart 2 ---" "$CABIN" logs flap
t "  3 starts, 3 exits with their reason, the output between" sh -c "[ \$(\"$CABIN\" logs flap | grep -c '^--- started') = 3 ] && [ \$(\"$CABIN\" logs flap | grep -c '^--- exited: exit:1') = 3 ] && [ \$(\"$CABIN\" logs flap | grep -c '^flapping') = 3 ]"
t_out "logs -t: RFC 3339 stamps" "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z flapping" "$CABIN" logs -t flap
t "logs --tail 2" sh -c "[ \$(\"$CABIN\" logs --tail 2 flap | wc -l) = 2 ]"
t "logs --since 1h: every line" sh -c "[ \$(\"$CABIN\" logs --since 1h flap | wc -l) = 9 ]"
t "logs --since 0s: none" sh -c "[ \$(\"$CABIN\" logs --since 0s flap | wc -l) = 0 ]"
t_rc "logs --since junk: usage" 2 "$CABIN" logs --since soon flap
t "start job again" "$CABIN" start job
t_out "logs -f of a running container ends when it exits" "^--- exited: exit:3 ---" timeout 10 "$CABIN" logs -f job
t_rc "  with status 0" 0 timeout 10 "$CABIN" logs -f job

# errors name the container and the fix
t_out "rm of a running container: names it and the fix" "hup is running: .cabin stop hup. first, or .cabin rm -f hup." "$CABIN" rm hup
t_out "create of an existing name: says so" "web-1 exists already" "$CABIN" create web-1 rootfs=/x cmd=/bin/true

# small things
t "pause web-2" "$CABIN" pause web-2
t "unpause (docker's word) resumes" "$CABIN" unpause web-2
t "  running" [ "$(state web-2)" = running ]
t "a second resume is a no-op" "$CABIN" resume web-2
t "kill -HUP" "$CABIN" kill -HUP hup
t "  delivered" retry 100 sh -c "[ \$(\"$CABIN\" logs hup | grep -c got-hup) = 1 ]"
t "kill -s HUP" "$CABIN" kill -s HUP hup
t "  delivered" retry 100 sh -c "[ \$(\"$CABIN\" logs hup | grep -c got-hup) = 2 ]"
t_out "logs of a section name: did you mean its instances" "did you mean web-1, web-2" "$CABIN" logs web
t_out "a typo: did you mean" "did you mean hup" "$CABIN" stop hupp
t "stop --help" "$CABIN" stop --help
t "wait --help" "$CABIN" wait --help

# ps: STATUS says why, at a glance; NAME..., -q, --filter
t "start crash" "$CABIN" start crash
t "  backing off" retry 100 sh -c "\"$CABIN\" ps -o kv crash | grep -q state=backoff"
t_out "ps: a crashed container restarting: its delay and reason" "Restarting in [12][0-9]s \\(exit:4\\)" \
	sh -c "\"$CABIN\" ps | grep '^crash '"
t_out "ps -a: a stop that needed SIGKILL says so" "Stopped \\(SIGKILL at stop_timeout\\) [0-9]+s ago" \
	sh -c "\"$CABIN\" ps -a | grep '^web-1 '"
t_out "ps: running shows Up" "^web-2 *Up [0-9]" "$CABIN" ps
t_out "ps -a: an exit shows its code" "^job +Exited \\(3\\)" "$CABIN" ps -a
t_out "ps NAME: a section is its instances, in any state" "^web-1 web-2 $" sh -c "\"$CABIN\" ps -q web | tr '\n' ' '"
t_out "ps --filter state=exited -q" "^job web-1 $" sh -c "\"$CABIN\" ps -q --filter state=exited | sort | tr '\n' ' '"
t_out "ps --filter=health=none -o kv hup" "^name=hup state=running" "$CABIN" ps --filter=health=none -o kv hup
t_rc "ps --filter junk: usage" 2 "$CABIN" ps --filter junk
t "stop crash" "$CABIN" stop crash

# machine output: strict JSON (no duplicate keys, arrays, numbers as numbers, UTF-8),
# kv that round-trips, Prometheus text a strict parser accepts
J=$TOP/tests/tools/jsoncheck.py
t "odd running" retry 100 sh -c "\"$CABIN\" ps -o kv odd | grep -q state=running"
t "ps -a -o json: strict, typed" sh -c "\"$CABIN\" ps -a -o json | python3 $J --keys name,state,health,pid --types pid=int,restarts=int,name=str,uptime=int"
t "inspect -o json: strict; env and cmd arrays; a digit hostname stays text" sh -c \
	"\"$CABIN\" inspect -o json odd | python3 $J --keys env,cmd,volume,user,net,cgroup,started,started_rfc3339 --types env=list,cmd=list,hostname=str,pid=int,started=int"
t "  the env value as written" sh -c "\"$CABIN\" inspect -o json odd | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"env\"]==[\"MSG=hello world 50% \\\"q\\\" \\u00fc =x\"], d[\"env\"]'"
t "inspect -o json of a container with output that is not UTF-8 (last_log)" sh -c "\"$CABIN\" logs odd | grep -q bad && \"$CABIN\" inspect -o json odd | python3 $J"
t "status -o json" sh -c "\"$CABIN\" status -o json | python3 $J --types containers=int"
t "stats --no-stream -o json" sh -c "\"$CABIN\" stats --no-stream -o json | python3 $J --keys name --types mem=int"
t "kv round-trip: every inspect value, %XX-decoded, equals the JSON value" sh -c \
	"\"$CABIN\" inspect -o kv odd > $T/kv && \"$CABIN\" inspect -o json odd > $T/js && python3 -c '
import json, re, sys, urllib.parse
js = json.load(open(\"$T/js\"))
kv = {}
for line in open(\"$T/kv\", \"rb\").read().split(b\"\\n\"):
    for w in line.split(b\" \"):
        if not w: continue
        k, _, v = w.partition(b\"=\")
        kv.setdefault(k.decode(), []).append(urllib.parse.unquote_to_bytes(v).decode(\"utf-8\", \"replace\"))
for k, vs in kv.items():
    j = js[k] if isinstance(js[k], list) else [js[k]]
    same = [str(x) for x in j] == vs or (len(j) == 1 and isinstance(j[0], (int, float)) and j[0] == float(vs[0]))
    assert same or k == \"last_log\", (k, j, vs)
'"
t "stats -o prom: strict exposition format" sh -c "\"$CABIN\" stats -o prom | python3 $TOP/tests/tools/promcheck.py"
t_out "  states as a state set" 'cabin_container_state\{name="odd",state="running"\} 1' "$CABIN" stats -o prom
t_out "  health" 'cabin_container_health\{name="odd",health="none"\} 1' "$CABIN" stats -o prom
(timeout 3 "$CABIN" events -o json > "$T/ev.json" 2>/dev/null &)
sleep 0.3
"$CABIN" restart odd > /dev/null
t "events -o json: one strict object per line, time as epoch and RFC 3339" sh -c "sleep 3; python3 $J --lines --keys name,state,time,time_rfc3339 < $T/ev.json"

# shutdown waits until the daemon is done
t "shutdown (waits)" "$CABIN" shutdown
t "  the daemon is gone when it returns" sh -c "! kill -0 $DPID 2>/dev/null || sleep 0.2; ! kill -0 $DPID 2>/dev/null"
wait $DPID 2>/dev/null
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
