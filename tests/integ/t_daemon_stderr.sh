#!/bin/sh
# Rows D6/E7: the daemon's own stderr is a pipe nobody reads. Its log lines (one per
# state change) must not block the loop: a crash loop writes many, and the control
# channel stays quick. The daemon must not change the flags of the descriptor it was
# given (it re-opens its own non-blocking one).
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
printf 'stop_timeout=1s\n[loop]\nrootfs=%s\nnet=none\ncmd=/bin/true\nrestart=always\nrestart_delay=10ms\nrestart_max_delay=10ms\n[c]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "echo to-console; exec sleep 1000"\nlog=console\n' "$RF" "$RF" > "$T/cabin.conf"
mkfifo "$T/err"
exec 7<> "$T/err"		# a reader that never reads: the pipe fills after 64 KiB
"$CABIN" daemon 2> "$T/err" > /dev/null &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
# a config with 3000 errors: every reload attempt logs 3000 lines (~200 KiB)
cp "$T/cabin.conf" "$T/good.conf"
{ cat "$T/good.conf"; printf '[bad]\n'; for i in $(seq 3000); do echo "nosuchkey$i=1"; done; } > "$T/bad.conf"
cp "$T/bad.conf" "$T/cabin.conf"
kill -HUP $DPID
kill -HUP $DPID
sleep 1
s0=$(date +%s%N)
for i in $(seq 20); do "$CABIN" ps > /dev/null || break; done
s1=$(date +%s%N)
ms=$(( (s1 - s0) / 1000000 ))
t "20 ps with a full stderr pipe in ${ms} ms (< 2000)" [ "$ms" -lt 2000 ]
t "crash loop still going" sh -c "\"$CABIN\" ps -o kv | grep -q 'name=loop .*restarts=[1-9][0-9][0-9]*'"
t "log=console container runs" sh -c "\"$CABIN\" ps -o kv | grep -q 'name=c .*state=running'"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
exec 7<&-
