#!/bin/sh
# Changing the set of containers at run time: reload applies only the difference (and
# an invalid config is rejected whole, with its errors), SIGHUP, deploy, create/rm with
# and without --save (persistence across a daemon restart), replicas and scale.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
sec() { # NAME [extra key=value lines]
	printf '[%s]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000%s\n' "$1" "$RF" "${2:-}"
}
{ echo stop_timeout=1s; sec keep; sec change; sec gone; sec rep '
replicas=2'; } > "$T/cabin.conf"

start_daemon() {
	"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
	DPID=$!
	retry 100 "$CABIN" ps
}
kv() { "$CABIN" ps -a -o kv | grep "^name=$1 "; }
field() { kv "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
is() { [ "$(field "$1" state)" = "$2" ]; }
gone() { ! kv "$1" > /dev/null; }

t "daemon up" start_daemon
for n in keep change gone rep-1 rep-2; do t "$n running" retry 100 is $n running; done
pkeep=$(field keep pid)
pchange=$(field change pid)

# -- an invalid config is rejected whole, the errors come back, nothing changes
{ echo stop_timeout=1s; sec keep; sec change '
restart=sometimes'; sec newone; } > "$T/cabin.conf"
t_rc "reload of an invalid config -> 1" 1 "$CABIN" reload
t_out "the error is returned with file:line" "cabin.conf:[0-9]+: .*restart" "$CABIN" reload
t "gone still running" is gone running
t_fail "newone not created" kv newone

# -- a valid one: start new, stop removed, restart changed, leave unchanged alone
{ echo stop_timeout=1s; sec keep; sec change '
env=X=1'; sec newone; sec rep '
replicas=2'; } > "$T/cabin.conf"
t "reload" "$CABIN" reload
t "newone started" retry 100 is newone running
t "gone removed" retry 100 gone gone
t "gone's status file removed" [ ! -e "$T/run/status/gone" ]
t "change restarted" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -o kv | grep '^name=change ' | sed 's/.* pid=\([0-9]*\).*/\1/')\" != $pchange ]"
t "change running" retry 100 is change running
t "keep untouched (same pid)" [ "$(field keep pid)" = "$pkeep" ]
t_out "change runs the new env" "^env=X=1" "$CABIN" inspect change

# -- removed, then defined again while it is still stopping: one instance, running again
cp "$T/cabin.conf" "$T/full.conf"
grep -v '^$' "$T/full.conf" | awk '/^\[newone\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' > "$T/cabin.conf"
t "reload without newone" "$CABIN" reload
t "newone stopping" retry 40 is newone stopping
cp "$T/full.conf" "$T/cabin.conf"
t "reload with newone again" "$CABIN" reload
t "newone running again" retry 100 is newone running
t "exactly one newone" [ "$("$CABIN" ps -a -o kv | grep -c '^name=newone ')" = 1 ]

# -- SIGHUP is reload
sec hup >> "$T/cabin.conf"
kill -HUP $DPID
t "SIGHUP: hup started" retry 100 is hup running

# -- scale
t "scale rep 4" "$CABIN" scale rep 4
for n in rep-1 rep-2 rep-3 rep-4; do t "$n running" retry 100 is $n running; done
t "scale rep 1" "$CABIN" scale rep 1
t "rep-2..4 gone" retry 100 sh -c "! \"$CABIN\" ps -a -o kv | grep -q 'name=rep-[234] '"
t "rep running (single instance keeps the bare name)" retry 100 is rep running
t_rc "scale unknown -> 1" 1 "$CABIN" scale nosuch 2
# a run-time scale outlives a reload (README): the files say replicas=2, scale said 3
t "scale rep 3" "$CABIN" scale rep 3
t "rep-3 running" retry 100 is rep-3 running
t "reload" "$CABIN" reload
sleep 0.3
t "after reload: still 3 instances" sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c '^name=rep-[123] .*state=running') = 3 ]"
t "scale rep 1 again" "$CABIN" scale rep 1
t "rep running" retry 100 is rep running

# -- deploy: add or replace what a file describes
{ sec dep1; sec keep '
env=DEPLOYED=1'; } > "$T/deploy.conf"
pkeep=$(field keep pid)
t "deploy" "$CABIN" deploy "$T/deploy.conf"
t "dep1 running" retry 100 is dep1 running
t "keep replaced (restarted)" retry 100 sh -c "p=\$(\"$CABIN\" ps -o kv | grep '^name=keep ' | sed 's/.* pid=\([0-9]*\).*/\1/'); [ -n \"\$p\" ] && [ \"\$p\" != $pkeep ] && [ \"\$p\" != 0 ]"
t_out "keep has the deployed env" "^env=DEPLOYED=1" "$CABIN" inspect keep
printf '[bad]\nrootfs=%s\nnosuchkey=1\n' "$RF" > "$T/bad.conf"
t_rc "deploy of an invalid file -> 1" 1 "$CABIN" deploy "$T/bad.conf"
t_fail "bad not defined" kv bad

# -- create / rm
t "create tmp1" "$CABIN" create tmp1 rootfs=$RF net=none "cmd=/bin/sleep 1000"
t "tmp1 defined, not started" is tmp1 defined
t "start tmp1" "$CABIN" start tmp1
t "tmp1 running" retry 100 is tmp1 running
t_rc "create an existing name -> 1" 1 "$CABIN" create tmp1 rootfs=$RF
t_rc "create with a bad key -> 1" 1 "$CABIN" create tmp2 rootfs=$RF nosuchkey=1
t_out "create with a bad key says why" "nosuchkey" "$CABIN" create tmp2 rootfs=$RF nosuchkey=1
t_rc "rm of a running container -> 1" 1 "$CABIN" rm tmp1
t "rm -f tmp1" "$CABIN" rm -f tmp1
t "tmp1 gone" retry 100 gone tmp1
t "create --save saved1" "$CABIN" create --save saved1 rootfs=$RF net=none "cmd=/bin/sleep 1000"
t "saved1 written to cabin.d" [ -f "$T/cabin.d/saved1.conf" ]
t "create unsaved1" "$CABIN" create unsaved1 rootfs=$RF net=none "cmd=/bin/sleep 1000"
t "start saved1" "$CABIN" start saved1
t "reload keeps run-time containers" "$CABIN" reload
t "unsaved1 still defined after reload" kv unsaved1
t "saved1 still running after reload" retry 100 is saved1 running

# -- persistence across a daemon restart
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "daemon up again" start_daemon
t "saved1 back (autostart)" retry 100 is saved1 running
t_fail "unsaved1 not back" kv unsaved1
t "rm -f saved1" "$CABIN" rm -f saved1
t "saved1 file removed" [ ! -e "$T/cabin.d/saved1.conf" ]
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "daemon up once more" start_daemon
t_fail "saved1 stays removed" kv saved1
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no container cgroups left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || { find \$d -mindepth 1 -type d; exit 1; }; done"
