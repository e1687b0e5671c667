#!/bin/sh
# Recovery from its own crash: the daemon is SIGKILLed at a random moment of a random
# operation (start-up of 12 containers, stop, restart, pause, rm -f, create, reload,
# shutdown), ROUNDS times in a row (8 in make check, 50 in make soak), each time started
# again on the same config and run dir. After every restart: `ps` answers within 1 s,
# every container runs within 5 s, exactly one process per container, and nothing is left
# of earlier instances (groups, processes, run-dir files, mounts).
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
ROUNDS=${ROUNDS:-8}
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
N=12
{
	echo stop_timeout=1s
	for i in $(seq $N); do
		# every third one ignores SIGTERM: its stop ends in SIGKILL
		if [ $((i % 3)) = 0 ]; then
			printf '[c%d]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "trap \\"\\" TERM; exec sleep %d"\nrestart=always\n' $i "$RF" $((2000 + i))
		else
			printf '[c%d]\nrootfs=%s\nnet=none\ncmd=/bin/sleep %d\nrestart=always\n' $i "$RF" $((2000 + i))
		fi
	done
} > "$T/cabin.conf"
names=$(seq -f 'c%g' $N | sort | tr '\n' ' ')
mounts0=$(wc -l < /proc/self/mountinfo)

sleeps() { # processes of this pid namespace running "sleep 20NN"
	n=0
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 20[0-9][0-9] *$\|^/bin/sleep 20[0-9][0-9] *$' && n=$((n + 1))
	done
	echo $n
}
groups() {
	for d in $CG_DIRS; do [ -d "$d/cabin" ] && find "$d/cabin" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'; done | sort -u | tr '\n' ' '
}
settled() {
	[ "$("$CABIN" ps -o kv | grep -c 'state=running')" = $N ] && [ "$(sleeps)" = $N ] &&
		[ "$(groups)" = "$names" ]
}
rundir_clean() { # only our own files: ctl lock reply/ status/ (+ status/<container>)
	for f in "$T"/run/*; do
		case ${f##*/} in ctl | lock | reply | status | hosts | stopped.*) ;; *) echo "stray $f"; return 1 ;; esac
	done
	[ -z "$(ls -A "$T/run/reply")" ] || { echo "reply/ not empty"; return 1; }
	for f in "$T"/run/status/*; do
		[ -e "$f" ] || continue
		case " $names " in *" ${f##*/} "*) ;; *) echo "stray status $f"; return 1 ;; esac
	done
}

ops="start stop restart pause rm create reload shutdown"
bad=0 maxps=0
for r in $(seq "$ROUNDS"); do
	"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
	DPID=$!
	a=$(date +%s%N)
	if ! retry 20 "$CABIN" ps; then
		not_ok "round $r: ps did not answer within 1 s"; bad=1; break
	fi
	b=$(date +%s%N); m=$(((b - a) / 1000000)); [ $m -gt $maxps ] && maxps=$m
	if ! retry 100 settled; then
		not_ok "round $r: not settled within 5 s (running $("$CABIN" ps -o kv | grep -c state=running), sleeps $(sleeps), groups $(groups))"
		bad=1; break
	fi
	if ! rundir_clean > "$T/.rd" 2>&1; then
		not_ok "round $r: run dir: $(cat "$T/.rd")"; bad=1; break
	fi
	op=$(echo $ops | awk -v r=$r '{ print $((r - 1) % NF + 1) }') # every op in 8 rounds
	delay=$(awk -v s=$r 'BEGIN { srand(s * 104729); printf "0.%03d", int(rand() * 300) }')
	case $op in
	start) ;; # killed during the next start-up instead
	stop) "$CABIN" stop c3 c4 c5 c6 > /dev/null 2>&1 & ;;
	restart) "$CABIN" restart c1 c2 c3 c9 > /dev/null 2>&1 & ;;
	pause) "$CABIN" pause c7 c8 > /dev/null 2>&1 & ;;
	rm) "$CABIN" create extra rootfs=$RF net=none "cmd=/bin/sleep 2999" > /dev/null 2>&1
	    "$CABIN" start extra > /dev/null 2>&1; "$CABIN" rm -f extra > /dev/null 2>&1 & ;;
	create) "$CABIN" create extra rootfs=$RF net=none "cmd=/bin/sleep 2999" > /dev/null 2>&1
		"$CABIN" start extra > /dev/null 2>&1 & ;;
	reload) kill -HUP $DPID ;;
	shutdown) "$CABIN" shutdown > /dev/null 2>&1 & ;;
	esac
	sleep "$delay"
	kill -9 $DPID 2>/dev/null
	wait $DPID 2>/dev/null
	wait 2>/dev/null
	echo "  round $r: $op, SIGKILL after ${delay}s"
done
[ $bad = 0 ] && ok "$ROUNDS SIGKILLs at random moments, each recovered (ps first answer max $maxps ms)"

"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "last daemon up" retry 20 "$CABIN" ps
t "settled" retry 100 settled
extra_alive() {
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^/bin/sleep 2999 *$' && return 0
	done
	return 1
}
t_fail "no process of a run-time container survived" extra_alive
fds=$(ls /proc/$DPID/fd | wc -l)
rss=$(sed -n 's/^VmRSS: *//p' /proc/$DPID/status)
echo "  daemon after $ROUNDS crash rounds: RSS $rss, $fds fds"
t "fds bounded (12 containers: log pipes, loop, ctl; < 48)" [ "$fds" -lt 48 ]
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no container processes left" [ "$(sleeps)" = 0 ]
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || { find \$d -mindepth 1 -type d; exit 1; }; done"
t "no frozen group anywhere in our subtree" sh -c "! grep -rqs FROZEN \$(for d in \$CG_DIRS; do echo \$d; done | grep freezer)"
t "no mount left" [ "$(wc -l < /proc/self/mountinfo)" = "$mounts0" ]
