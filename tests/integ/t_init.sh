#!/bin/sh
# Init mode as PID 1 of a pid namespace (SPEC §10, reliability.md D1-D11): the signal
# table (TERM and INT reboot, USR1 halts, USR2 and PWR power off: in a pid namespace the
# kernel turns reboot(2) into SIGHUP, halt and poweroff into SIGINT, which is how the
# test sees which one happened), `cabin reboot|halt|poweroff`, containers stopped in
# reverse dependency order (a TERM-ignoring one killed at its stop_timeout), 500 orphans
# reaped, SEGV/STOP from inside ignored, hostname and lo, fds 0-2 closed at start.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
cat > "$T/cabin.conf" <<CONF
hostname=cabin-init-test
stop_timeout=1s
[db]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
[web]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
depends=db
[stubborn]
rootfs=$RF
net=none
cmd=/bin/sh -c "trap '' TERM; while :; do sleep 1; done"
stop_timeout=1s
CONF

CG0=$(ls /sys/fs/cgroup)
# boot ARGS...: cabin init as PID 1 of new pid + uts namespaces; U its unshare, P1 its
# pid here. /dev/console is /dev/null in there (the test's own mount namespace).
boot() {
	unshare --pid --fork --mount-proc --uts sh -c \
		"mount --bind /dev/null /dev/console; exec \"$CABIN\" init $*" >> "$T/init.log" 2>&1 &
	U=$!
	retry 100 sh -c "[ -n \"\$(cat /proc/$U/task/$U/children 2>/dev/null)\" ]"
	P1=$(cat /proc/$U/task/$U/children | tr -d ' ')
	retry 200 sh -c "\"$CABIN\" status -o kv 2>/dev/null | grep -q mode=init"
}
up3() { [ "$("$CABIN" ps -o kv | grep -c 'state=running')" = 3 ]; }
# the exit status of unshare: 128 + the signal the kernel sent PID 1
ended() { wait $U; echo $?; }

boot
t "cabin init runs as PID 1 (status: mode=init)" "$CABIN" status
t "its containers run" retry 200 up3
t_out "  the hostname from the config" "^cabin-init-test$" nsenter -t $P1 -u hostname
t_out "  lo is up" "UP" nsenter -t $P1 -n ip link show lo
nsenter -t $P1 -p -m sh -c 'kill -SEGV 1; kill -STOP 1; kill -TERM 1 2>/dev/null; true' 2>/dev/null
# SIGTERM from inside the namespace is a request like any other: it reboots; so the
# SEGV/STOP check must come before it... re-boot for the rest
t_out "  SEGV and STOP from inside change nothing (TERM from inside reboots)" "^129$" ended
boot
t "booted again" retry 200 up3
nsenter -t $P1 -p -m sh -c 'kill -SEGV 1; kill -STOP 1' 2>/dev/null
t "  still answering after SEGV and STOP from inside" "$CABIN" ps
nsenter -t $P1 -p -m sh -c 'i=0; while [ $i -lt 500 ]; do (sleep 0.2 &); i=$((i + 1)); done'
zombies() { n=0; for f in /proc/[0-9]*/status; do grep -q '^State:.*Z' $f 2>/dev/null && grep -q "^PPid:[[:space:]]*$P1$" $f 2>/dev/null && n=$((n + 1)); done; echo $n; }
sleep 1
t_out "500 orphans reaped (no zombie of PID 1 left)" "^0$" zombies
t "  and it still answers" "$CABIN" ps
a=$(date +%s%N)
kill -USR2 $P1
t_out "USR2: poweroff (the kernel's SIGINT to a namespace's init)" "^130$" ended
b=$(date +%s%N)
t "  within the stubborn container's stop_timeout and the bounded waits (< 8 s)" [ $(((b - a) / 1000000)) -lt 8000 ]
t "  web stopped before db (reverse dependency order)" sh -c "grep -n 'web exited\|db exited' \"$T/init.log\" | tail -2 | head -1 | grep -q web"
t_out "  the stubborn container was killed at its stop_timeout" "stubborn exited" cat "$T/init.log"

boot
t "boot 3" retry 200 up3
kill -USR1 $P1
t_out "USR1: halt" "^130$" ended
boot
t "boot 4" retry 200 up3
kill -TERM $P1
t_out "TERM: reboot (SIGHUP)" "^129$" ended
boot
kill -INT $P1
t_out "INT (Ctrl-Alt-Del): reboot" "^129$" ended
boot
kill -PWR $P1
t_out "PWR: poweroff" "^130$" ended
boot
t "cabin reboot" "$CABIN" reboot
t_out "  reboots" "^129$" ended
boot
t "cabin poweroff" "$CABIN" poweroff
t_out "  powers off" "^130$" ended

# on_unhealthy=reboot as PID 1: an orderly reboot
cat > "$T/sick.conf" <<CONF
[sick]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
health=exec:/bin/false
health_interval=200ms
health_retries=1
on_unhealthy=reboot
CONF
CABIN_CONF=$T/sick.conf boot
t_out "on_unhealthy=reboot: PID 1 reboots" "^129$" ended
t_out "  saying why" "sick unhealthy, on_unhealthy=reboot: rebooting" cat "$T/init.log"

# fds 0-2 closed at start: the FIFO still works, nothing lands in it
unshare --pid --fork --mount-proc --uts sh -c \
	"mount --bind /dev/null /dev/console; exec \"$CABIN\" init 0<&- 1>&- 2>&-" &
U=$!
t "fds 0-2 closed at start: the control FIFO works" retry 200 sh -c "\"$CABIN\" status -o kv | grep -q mode=init"
t "  containers run" retry 200 up3
t "cabin halt" "$CABIN" halt
t_out "  halts" "^130$" ended
t_out "not PID 1: cabin init refuses" "not PID 1" "$CABIN" init
t "the host's /sys/fs/cgroup unchanged (no leaf made on a v1/hybrid layout)" [ "$(ls /sys/fs/cgroup)" = "$CG0" ]
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
