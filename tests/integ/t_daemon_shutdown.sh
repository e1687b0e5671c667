#!/bin/sh
# Shutdown of the supervisor: SIGTERM and SIGINT stop every container (reverse dependency
# order, covered in t_daemon_basic) and exit 0; shutdown_timeout bounds the whole stop
# even when a container ignores its stop signal and has a long stop_timeout; nothing
# is left behind. Also: a config with errors keeps the daemon from starting.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
cat > "$T/cabin.conf" <<CONF
shutdown_timeout=1s
[deaf]
rootfs=$RF
net=none
cmd=/bin/sh -c "trap '' TERM; echo deaf now; while :; do sleep 1; done"
stop_timeout=60s
[plain]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
CONF
nogroups() { [ -z "$(groups)" ] || { groups; cat "$T/daemon.log"; false; }; }
groups() { for d in $CG_DIRS; do find "$d" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'; done; }
up() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" = 2 ] && "$CABIN" logs deaf | grep -q "deaf now"; }

for sig in TERM INT; do
	"$CABIN" daemon > "$T/daemon.log" 2>&1 &
	DPID=$!
	t "SIG$sig: both running" retry 200 up
	s0=$(date +%s%N)
	kill -$sig $DPID
	wait $DPID
	rc=$?
	s1=$(date +%s%N)
	ms=$(( (s1 - s0) / 1000000 ))
	t "SIG$sig: exit 0" [ "$rc" = 0 ]
	t "SIG$sig: bounded by shutdown_timeout (${ms} ms, want < 3000)" [ "$ms" -lt 3000 ]
	t "SIG$sig: no container groups left" nogroups
	t_out "SIG$sig: says it timed out" "shutdown timeout" cat "$T/daemon.log"
done

printf '[bad]\nrootfs=%s\nrestart=sometimes\n' "$RF" > "$T/cabin.conf"
t_rc "invalid config: daemon refuses to start" 1 "$CABIN" daemon
t_out "  with FILE:LINE" "cabin.conf:3: " "$CABIN" daemon
t_rc "usage error -> 2" 2 "$CABIN" daemon -x
