#!/bin/sh
# The daemon's side of the control channel: bad requests of every kind are answered or
# dropped and the daemon keeps serving; 8 concurrent clients x 500 requests all get an
# answer; a client that never reads (a stuck `logs -f` on a flooding container, a stuck
# `events`) does not stall anything; a log flood never blocks the loop.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
RF=$T/rootfs
{
	echo stop_timeout=1s
	printf '[db]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\n' "$RF"
	printf '[flood]\nrootfs=%s\nnet=none\ncmd=/bin/yes flooding-the-log-pipe\n' "$RF"
} > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
CTL=$T/run/ctl
alive() { "$CABIN" ps -o kv | grep -q '^name=db .*state=running'; }

t_out "unknown verb -> err 2" "^err 2" ctl_raw tk1 "@tk1 frobnicate db"
t_out "missing argument -> err 2" "^err 2" ctl_raw tk2 "@tk2 stop"
t_out "unknown container -> err 1" "^err 1" ctl_raw tk3 "@tk3 stop nosuch"
t_out "ps over a raw FIFO request ends with ok" "^ok$" ctl_raw tk4 "@tk4 ps"
printf '@bad/token ps\n' > "$CTL"
printf 'garbage garbage\n\001\002\003\n' > "$CTL"
head -c 100000 /dev/urandom > "$CTL"
printf '\n' > "$CTL"
awk 'BEGIN { s = "@tk5 ps "; while (length(s) < 5000) s = s "x"; print s }' > "$T/long"
cat "$T/long" > "$CTL"
t "daemon alive after junk, binary, bad token, >PIPE_BUF" retry 40 alive
t "still answers" "$CABIN" ps

# -- 8 concurrent clients x 500 requests: each one answered
for c in 1 2 3 4 5 6 7 8; do
	( n=0; for i in $(seq 500); do "$CABIN" ps > /dev/null 2>&1 && n=$((n + 1)); done
	  echo $n > "$T/client.$c" ) &
done
wait_clients() { for c in 1 2 3 4 5 6 7 8; do [ -s "$T/client.$c" ] || return 1; done; }
retry 2400 wait_clients
total=0
for c in 1 2 3 4 5 6 7 8; do total=$((total + $(cat "$T/client.$c" 2>/dev/null || echo 0))); done
t "8 x 500 requests answered ($total)" [ "$total" = 4000 ]

# -- clients that never read: a stuck `logs -f` on the flood and a stuck `events`
mkfifo -m 600 "$T/run/reply/stuck1" "$T/run/reply/stuck2"
exec 7<> "$T/run/reply/stuck1" 8<> "$T/run/reply/stuck2"
printf '@stuck1 logs -f flood\n' > "$CTL"
printf '@stuck2 events\n' > "$CTL"
s0=$(date +%s%N)
for i in $(seq 20); do "$CABIN" restart --no-wait db > /dev/null; "$CABIN" ps > /dev/null; done
s1=$(date +%s%N)
ms=$(( (s1 - s0) / 1000000 ))
t "40 requests with stuck readers and a flood in ${ms} ms (< 4000)" [ "$ms" -lt 4000 ]
t_out "the flood is in the ring" "flooding-the-log-pipe" "$CABIN" logs -n 2 flood
exec 7<&- 8<&-
t "daemon alive" retry 100 alive

# row F9: the FIFO removed at run time comes back by itself (inotify), and on SIGHUP
rm -f "$CTL"
t "FIFO removed: recreated without a signal" retry 40 "$CABIN" ps
mv "$CTL" "$T/ctl.moved"
t "FIFO renamed away: recreated" retry 40 sh -c "[ -p $CTL ] && \"$CABIN\" ps"
rm -f "$T/ctl.moved"
rm -f "$CTL"
kill -HUP $DPID
t "SIGHUP recreates the FIFO too" retry 100 "$CABIN" ps

t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
