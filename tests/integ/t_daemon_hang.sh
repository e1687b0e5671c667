#!/bin/sh
# The supervisor never hangs (issue "The supervisor never hangs"): every fault below used
# to block the daemon's loop for seconds or for good. The daemon runs with the loop
# watch on (CABIN_LOOP_WATCH_MS: it aborts if one handler runs longer than that), and
# `cabin ps` is timed all along. Faults: a stale FROZEN group with a process in it left
# by a crashed instance, a second daemon on the same cgroup subtree, a log=file: FIFO,
# /etc/passwd -> /dev/zero, a child frozen from outside before its exec (start
# deadline), a container frozen from outside during stop and during rm -f, a group that
# cannot be removed (a mount pins it), a full run-dir filesystem, a deleted control FIFO.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
# the loop watch: far above a handler's normal cost (well under 10 ms), far below the
# seconds the old blocking waits took; room for a loaded 2-core machine
export CABIN_LOOP_WATCH_MS=250

FRZ=""
for d in $CG_DIRS; do case $d in */freezer/*) FRZ=$d ;; esac; done
# a failed check must not leave the pin of step 7 mounted (its group could not go)
trap '[ -n "$FRZ" ] && umount "$FRZ/cabin/x/pin" 2>/dev/null; finish' EXIT

# ms COMMAND...: run it, print how long it took in ms
ms() {
	_a=$(date +%s%N); "$@" > /dev/null 2>&1; _rc=$?; _b=$(date +%s%N)
	echo $(((_b - _a) / 1000000)); return $_rc
}
# ps_fast [N]: N (default 20) `cabin ps` round trips, each under 300 ms; max in $T/psmax
ps_fast() {
	_max=0
	for _i in $(seq "${1:-20}"); do
		_m=$(ms "$CABIN" ps) || { echo "ps failed"; return 1; }
		[ "$_m" -gt "$_max" ] && _max=$_m
	done
	echo "$_max" >> "$T/psmax"
	[ "$_max" -lt 300 ] || { echo "ps took $_max ms"; return 1; }
}
state() { "$CABIN" ps -a -o kv | grep "^name=$1 " | sed 's/.* state=\([a-z]*\).*/\1/'; }
is() { [ "$(state "$1")" = "$2" ]; }
reason() { "$CABIN" ps -a -o kv | grep "^name=$1 " | sed -n 's/.* reason=\([^ ]*\).*/\1/p'; }
alive() { kill -0 "$DPID" 2>/dev/null; }

cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[x]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
[k]
rootfs=$RF
net=none
cmd=/bin/sh -c "/bin/sleep 30123 & while :; do sleep 1; done"
autostart=no
[y]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
start_timeout=1s
autostart=no
CONF

# 1. a crashed instance's group x: FROZEN, a process inside, unknown to the new run dir
if [ -n "$FRZ" ]; then
	mkdir -p "$FRZ/cabin/x"
	sleep 1000 &
	STALE=$!
	echo $STALE > "$FRZ/cabin/x/cgroup.procs"
	echo FROZEN > "$FRZ/cabin/x/freezer.state"
	"$CABIN" daemon > "$T/daemon.log" 2>&1 &
	DPID=$!
	t "daemon answers at once beside a frozen stale group" retry 40 "$CABIN" ps
	t "x runs within 5 s (stale group thawed, emptied, removed first)" retry 100 is x running
	t "the stale process is gone" retry 100 sh -c "! kill -0 $STALE 2>/dev/null"
	wait $STALE 2>/dev/null
	t "x's new group is not frozen" grep -q THAWED "$FRZ/cabin/x/freezer.state"
else
	"$CABIN" daemon > "$T/daemon.log" 2>&1 &
	DPID=$!
	t "daemon up" retry 100 "$CABIN" ps
	skip "stale frozen group (no v1 freezer here)"
fi

# 2. a second daemon on the same cgroup subtree, another run dir: refused, clearly
t_out "a second daemon on the same subtree is refused" "another running cabin" \
	env CABIN_RUNDIR=$T/run2 "$CABIN" daemon
t "the first one is undisturbed" ps_fast 5

# 3. log=file: a FIFO with no reader: a clear start failure, no hang
mkfifo "$T/logfifo"
t "create with log=file:FIFO" "$CABIN" create lf rootfs=$RF net=none "cmd=/bin/true" "log=file:$T/logfifo"
t "start it" "$CABIN" start lf
t "it fails clearly" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep '^name=lf ' | grep -q 'not%20a%20regular%20file'"
t "ps fast after it" ps_fast 5

# 4. /etc/passwd -> /dev/zero with a user name: refused, no spin
mkdir -p "$T/zroot" && cp -a "$RF/." "$T/zroot/" && rm -f "$T/zroot/etc/passwd"
ln -s /dev/zero "$T/zroot/etc/passwd"
t "create user=app on a /dev/zero passwd" "$CABIN" create pz rootfs=$T/zroot net=none "cmd=/bin/true" user=app
t "start it" "$CABIN" start pz
t "start-failed: not a regular file" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep '^name=pz ' | grep -q 'start-failed.*passwd.*not%20a%20regular%20file'"
t "ps fast after it" ps_fast 5

# 5. a child frozen from outside between its group's mkdir and its exec: start deadline
if [ -n "$FRZ" ]; then
	"$PROBE" freezewatch "$FRZ/cabin" y > "$T/fw" 2>&1 &
	FW=$!
	retry 100 grep -q WATCHING "$T/fw"
	t "start y answers at once, though its child is frozen" [ "$(ms "$CABIN" start y)" -lt 300 ]
	y_caught() { grep -q FROZEN "$T/fw" && is y starting; }
	t "y is starting (its child frozen before exec)" retry 40 y_caught
	t "ps fast while y hangs in its start" ps_fast 10
	t "start-timeout after start_timeout=1s" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -a -o kv | grep '^name=y ' | sed -n 's/.* reason=\([^ ]*\).*/\1/p')\" = start-timeout ]"
	t "y's group thawed and gone" retry 100 sh -c "[ ! -d $FRZ/cabin/y ]"
	wait $FW 2>/dev/null
else
	skip "start deadline (no v1 freezer here)"
fi

# 6. frozen from outside during stop, and during rm -f
if [ -n "$FRZ" ]; then
	t "x running" retry 100 is x running
	echo FROZEN > "$FRZ/cabin/x/freezer.state"
	t "stop x (frozen: TERM cannot act)" "$CABIN" stop x
	t "ps fast while x is stopping" ps_fast 10
	t "x exited by SIGKILL at stop_timeout" retry 100 is x exited
	t "x's group gone" retry 100 sh -c "[ ! -d $FRZ/cabin/x ]"
	t "start x again" "$CABIN" start x
	t "x running again" retry 100 is x running
	t "create z" "$CABIN" create z rootfs=$RF net=none "cmd=/bin/sleep 1000"
	t "start z" "$CABIN" start z
	t "z running" retry 100 is z running
	echo FROZEN > "$FRZ/cabin/z/freezer.state"
	t "rm -f z while frozen" "$CABIN" rm -f z
	t "ps fast during rm" ps_fast 10
	t "z gone" retry 100 sh -c "! \"$CABIN\" ps -a -o kv | grep -q '^name=z '"
	t "z's group gone" retry 100 sh -c "[ ! -d $FRZ/cabin/z ]"
else
	skip "frozen during stop and rm (no v1 freezer here)"
fi

# 7. a group that cannot be removed: a mount on a sub-group pins it (EBUSY)
if [ -n "$FRZ" ]; then
	t "x running" retry 100 is x running
	mkdir "$FRZ/cabin/x/pin" && mkdir -p "$T/empty" && mount --bind "$T/empty" "$FRZ/cabin/x/pin"
	t "stop x" "$CABIN" stop x
	t "x exited" retry 100 is x exited
	t "the daemon says it retries" retry 100 grep -q "group x: not removed.*retrying" "$T/daemon.log"
	t "start x" "$CABIN" start x
	sleep 0.3
	t "x waits for its group (starting, not failed)" is x starting
	t "ps fast meanwhile" ps_fast 10
	umount "$FRZ/cabin/x/pin"
	t "once unpinned: removed and x runs" retry 100 is x running
else
	skip "pinned group (no v1 freezer here)"
fi

# kill -s reaches the container's init only, as docker kill: a pid-1 shell without a
# handler ignores TERM, and its child (which a signal to the group would end) lives on
k_child() { for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^/bin/sleep 30123' && return 0; done; return 1; }
t "start k" "$CABIN" start k
t "k's child runs" retry 100 k_child
t "kill -s TERM k" "$CABIN" kill -s TERM k
sleep 0.5
t "  the child is untouched (the group was not signalled)" k_child
t "  k still runs" is k running
t "kill k (SIGKILL to its init: the namespace goes with it)" "$CABIN" kill k
t "  k exited by signal:KILL" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep '^name=k ' | grep -q 'reason=signal:KILL'"
k_gone() { ! k_child; }
t "  the child is gone" retry 100 k_gone
mh=$(ctl_debug max_handler_us)
echo "  longest handler so far: ${mh:-?} us"
t "debug reports the longest handler (what the loop watch measures)" [ "${mh:-0}" -gt 0 ]

# 8. the control FIFO deleted: recreated without a SIGHUP
rm -f "$T/run/ctl"
t "ps works again without SIGHUP" retry 40 "$CABIN" ps

# 9. a full run-dir filesystem: status writes fail, nothing else breaks
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k,mode=0700 tmpfs "$T/small" 2>/dev/null; then
	export CABIN_RUNDIR=$T/small
	"$CABIN" daemon > "$T/daemon2.log" 2>&1 &
	DPID=$!
	t "daemon up on a small run dir" retry 100 "$CABIN" ps
	t "x runs" retry 100 is x running
	dd if=/dev/zero of="$T/small/fill" bs=4k count=64 2> /dev/null
	t "the run dir is full" sh -c "! echo x > $T/small/probe"
	t "restart x on a full run dir" "$CABIN" restart x
	t "x runs again" retry 100 is x running
	t "ps fast" ps_fast 5
	t "shutdown" "$CABIN" shutdown
	t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
	umount "$T/small"
else
	skip "full run dir (tmpfs mount refused)"
fi

t "the loop watch never fired" sh -c "! grep -q 'loop watch' $T/daemon.log $T/daemon2.log 2>/dev/null"
t "no container group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || { find \$d -mindepth 1 -type d; exit 1; }; done"
echo "  ps max per phase (ms): $(tr '\n' ' ' < "$T/psmax")"
