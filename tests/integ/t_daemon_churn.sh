#!/bin/sh
# Bounded state for years of uptime: create/rm and scale repeated CHURN times (500 in make
# check, 10,000 in make soak) without a reload. The config arena is compacted at every
# change, slots are reused, and the daemon's fds and RSS do not grow.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
N=${CHURN:-500}
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
printf '[web]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\nreplicas=2\nstop_signal=KILL\n' "$RF" > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
# both running before the baseline: each running container holds its log pipe and OOM fd
t "web-1 and web-2 running" retry 100 sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c '^name=web-[12] .*state=running') = 2 ]"
wpid() { "$CABIN" ps -o kv | sed -n 's/^name=web-1 .* pid=\([0-9]*\).*/\1/p'; }
w0=$(wpid)
fd0=$(ls /proc/$DPID/fd | wc -l)
rss0=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$DPID/status)
: > "$T/fails"
i=0
while [ $i -lt "$N" ]; do
	# a long definition each time: a leak of arena space shows within a few hundred
	"$CABIN" create "tmp$((i % 7))" rootfs=$RF net=none "cmd=/bin/sleep 1000" \
		"env=PADDING_$(printf '%0200d' $i)=x" > /dev/null 2>> "$T/fails" || echo "create $i" >> "$T/fails"
	"$CABIN" rm "tmp$((i % 7))" > /dev/null 2>> "$T/fails" || echo "rm $i" >> "$T/fails"
	if [ $((i % 50)) = 0 ]; then
		"$CABIN" scale web 3 > /dev/null 2>> "$T/fails" || echo "scale 3 at $i" >> "$T/fails"
		"$CABIN" scale web 2 > /dev/null 2>> "$T/fails" || echo "scale 2 at $i" >> "$T/fails"
	fi
	i=$((i + 1))
done
t "$N create/rm cycles (and scale every 50) all succeeded" [ ! -s "$T/fails" ]
[ -s "$T/fails" ] && head -5 "$T/fails"
t "create still works after them" "$CABIN" create last rootfs=$RF net=none "cmd=/bin/sleep 1000"
t "start it" "$CABIN" start last
t "last running" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=last .*state=running'"
t "web-1 and web-2 untouched" retry 100 sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c '^name=web-[12] .*state=running') = 2 ]"
t "scale never restarted web-1 (same pid)" [ "$(wpid)" = "$w0" ]
# the last scale-down's web-3 holds its fds until it is reaped
t "web-3 of the last scale-down gone" retry 100 sh -c "! \"$CABIN\" ps -a -o kv | grep -q '^name=web-3 '"
fd1=$(ls /proc/$DPID/fd | wc -l)
rss1=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$DPID/status)
echo "  fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB"
t "fds did not grow (one more container: at most +3)" [ "$fd1" -le $((fd0 + 3)) ]
t "RSS did not grow by more than 256 kB" [ "$rss1" -le $((rss0 + 256)) ]
t "no status file of a removed container left" sh -c "[ -z \"\$(ls $T/run/status | grep tmp)\" ]"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
