#!/bin/sh
# Config sets (the fleet issue): deploy --try DIR runs the firmware's files plus the set
# and starts only what changed; a trial passes after try_settle healthy and waits for
# commit; a failing one rolls back on its own and is not tried again; commit and
# rollback switch current/previous (idempotent); a reboot during a trial boots current
# and marks the trial failed; kind=host is refused in a set.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
printf 'stop_timeout=1s\ntry_settle=500ms\ntry_timeout=10s\n[base]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\n' "$RF" > "$T/cabin.conf"
mkset() { # DIR VERSION HEALTHCMD
	mkdir -p "$1"
	printf '[app]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "echo %s; exec sleep 1000"\nhealth=exec:%s\nhealth_interval=100ms\nhealth_retries=2\nrestart=always\nrestart_delay=100ms\n' "$RF" "$2" "$3" > "$1/app.conf"
	printf '[side]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\n' "$RF" > "$1/side.conf"
}
mkset "$T/A" v1 /bin/true
mkset "$T/B" v2 /bin/false
mkset "$T/C" v3 /bin/true
st() { "$CABIN" status -o kv | tr ' ' '\n' | sed -n "s/^$1=//p"; }
pid() { "$CABIN" ps -o kv | sed -n "s/^name=$1 .* pid=\([0-9]*\).*/\1/p"; }
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
B0=$(pid base)

t "deploy --try A" "$CABIN" deploy --try "$T/A"
t "  the trial passes (try_settle healthy)" retry 200 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = passed ]"
t_out "  app runs v1" "v1" "$CABIN" logs app
t "  the firmware's base was not touched" [ "$(pid base)" = "$B0" ]
t "commit" "$CABIN" commit
t "  committed" retry 100 sh -c "\"$CABIN\" sets -o kv | grep -q 'state=current'"
t_out "  commit again: nothing to do (idempotent)" "nothing to commit" "$CABIN" commit
A=$("$CABIN" sets -o kv | sed -n 's/^set=\([0-9a-f]*\) state=current.*/\1/p')

APP0=$(pid app)
SIDE0=$(pid side)
t "deploy --try B (app v2, never healthy)" "$CABIN" deploy --try "$T/B"
t "  B fails and rolls back on its own" retry 200 sh -c "\"$CABIN\" sets -o kv | grep -q 'state=failed'"
t_out "  says why" "trial_failed=app%20did%20not%20run%20healthy" "$CABIN" status -o kv
t "  app runs v1 again" retry 200 sh -c "\"$CABIN\" logs app | tail -1 | grep -q v1"
t "  side (unchanged by B) never restarted" [ "$(pid side)" = "$SIDE0" ]
t_out "  B is not tried again" "failed before" "$CABIN" deploy --try "$T/B"

t "deploy --try C (app v3)" "$CABIN" deploy --try "$T/C"
t "  passes" retry 200 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = passed ]"
t "commit C" "$CABIN" commit
t "  C current, A previous" retry 100 sh -c "\"$CABIN\" sets -o kv | grep -q \"^set=$A state=previous\""
t "rollback" "$CABIN" rollback
t "  A current again" retry 100 sh -c "\"$CABIN\" sets -o kv | grep -q \"^set=$A state=current\""
t "  app runs v1" retry 200 sh -c "\"$CABIN\" logs app | tail -1 | grep -q v1"

# a reboot (SIGKILL of the daemon) during a trial: current boots, the trial is failed
mkset "$T/D" v4 /bin/true
sed -i 's/try_settle=500ms/try_settle=60s/' "$T/cabin.conf"
"$CABIN" reload > /dev/null
t "deploy --try D" "$CABIN" deploy --try "$T/D"
t "  trying" retry 100 sh -c "[ \"\$(\"$CABIN\" status -o kv | tr ' ' '\n' | sed -n 's/^trial=//p')\" = trying ]"
kill -9 $DPID
wait $DPID 2>/dev/null
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "after the reboot: A runs" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=app .*state=running' && \"$CABIN\" logs app | tail -1 | grep -q v1"
t_out "  D marked failed" "state=failed reason=a%20reboot%20during%20its%20trial" "$CABIN" sets -o kv
t "sets -o json: a strict list of objects, one per set" sh -c "\"$CABIN\" sets -o json | python3 $TOP/tests/tools/jsoncheck.py --keys set,state"

mkdir -p "$T/H"
printf '[h]\nkind=host\ncmd=/bin/sleep 1\n' > "$T/H/h.conf"
NF=$("$CABIN" sets -o kv | grep -c 'state=failed')
t "a set with kind=host: the trial does not load it" "$CABIN" deploy --try "$T/H"
t "  and it fails (one more failed set, for that reason)" retry 200 sh -c "[ \$(\"$CABIN\" sets -o kv | grep -c 'state=failed') = $((NF + 1)) ] && \"$CABIN\" sets -o kv | grep -q 'state=failed reason=its%20files%20do%20not%20load'"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
