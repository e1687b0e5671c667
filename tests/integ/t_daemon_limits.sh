#!/bin/sh
# Row E11: the daemon runs out of file descriptors. Starts fail with a reason and back
# off, the control channel keeps answering what it can, nothing crashes, and everything
# recovers once the limit is raised.
. "$(dirname "$0")/lib.sh"
command -v prlimit > /dev/null || { skip "prlimit not installed"; exit 0; }
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
{
	echo stop_timeout=1s
	for i in 1 2 3 4 5 6; do
		printf '[c%d]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\nrestart=always\nrestart_delay=100ms\nrestart_max_delay=200ms\nautostart=no\n' $i "$RF"
	done
} > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
n=$(ls /proc/$DPID/fd | wc -l)
# room for two more descriptors: one container's log pipe, or one reply FIFO
t "limit the daemon to $((n + 2)) fds" prlimit --pid $DPID --nofile=$((n + 2)):
echo "start c1 c2 c3 c4 c5 c6" > "$T/run/ctl"
t_out "starts fail with a reason" "start-failed" sh -c "sleep 0.5; cat $T/daemon.log"
t "daemon alive" kill -0 $DPID
t "limit raised" prlimit --pid $DPID --nofile=1024:
all() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" = 6 ]; }
t "all six running after backoff" retry 200 all
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
