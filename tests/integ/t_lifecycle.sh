#!/bin/sh
# Lifecycle bugs of the field issue, one check (or a few) per bug, against the current
# binary: reload after create/deploy (run-time marks), log=file: without a cap, deploy of
# a FIFO, rm of a create --save container, scale up/down/0 and reload, a start whose
# dependency was stopped, addresses across restart/reload/deploy, `cabin run` under
# timeout(1) with a TERM-ignoring command, %i and CABIN_INSTANCE/CABIN_NAME, and small
# CLI points (unpause, resume twice, kill -HUP, fractional durations, trailing comments,
# did-you-mean in logs, --help of stop and wait). Every container name starts with `lc`.
. "$(dirname "$0")/lib.sh"
cg_enter
# a snapshot of the binary: a rebuild during the run must not change it half-way
mkdir -p "$T/bin" && cp "$CABIN" "$T/bin/cabin" && CABIN=$T/bin/cabin
echo "  binary: $(sha256sum "$CABIN" | cut -c1-16)"
mkrootfs "$T/rootfs"
RF=$T/rootfs
ip link set lo up

kv() { "$CABIN" ps -a -o kv | grep "^name=$1 "; }
field() { kv "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
is() { [ "$(field "$1" state)" = "$2" ]; }
gone() { ! kv "$1" > /dev/null; }
# tw DESC N CMD...: CMD becomes true within N polls (50 ms); on failure, what CMD shows
tw() {
	_d=$1 _n=$2; shift 2
	if retry "$_n" "$@"; then ok "$_d"; else
		"$@" > "$T/.out" 2>&1
		not_ok "$_d"; sed 's/^/       | /' "$T/.out" | tail -25
	fi
}
# state NAME...: one line per name, for failure output
state() { for _s; do echo "$_s: $(kv "$_s" || echo '(not listed)')"; done; }
start_daemon() {
	"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
	DPID=$!
	retry 100 "$CABIN" ps
}
stop_daemon() {
	"$CABIN" shutdown > /dev/null 2>&1
	retry 300 sh -c "! kill -0 $DPID 2>/dev/null" || {
		echo "daemon $DPID did not exit: killing it"
		kill -9 "$DPID" 2>/dev/null
	}
	wait "$DPID" 2>/dev/null
}
sec() { # NAME [extra lines]: net=none
	printf '[%s]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\n%s' "$1" "$RF" "${2:-}"
}
bsec() { # NAME [extra lines]: net=bridge (the default)
	printf '[%s]\nrootfs=%s\ncmd=/bin/sleep 1000\n%s' "$1" "$RF" "${2:-}"
}

# ===================== bug 7: addresses (net=bridge, in the test's own netns) ===========
mkdir -p "$T/n" "$T/state1"
export CABIN_RUNDIR=$T/run1 CABIN_CONF=$T/n/cabin.conf CABIN_STATE_DIR=$T/state1
ncfg() { # sections to write
	{ printf 'subnet=10.88.0.1/24\nstop_timeout=1s\n'; for _s; do bsec "$_s"; done; } > "$CABIN_CONF"
}
ipof() { field "$1" ip; }
ips_unique() { # the running containers' addresses: none shared
	"$CABIN" ps -o kv | tr ' ' '\n' | sed -n 's/^ip=//p' > "$T/.ips"
	"$CABIN" ps -o kv | sed 's/^\(name=[^ ]*\).* ip=\([^ ]*\).*/\1 \2/'
	[ -z "$(sort "$T/.ips" | uniq -d)" ]
}
same_ip() { # NAME IP
	echo "$1: was $2, now $(ipof "$1") ($(field "$1" state))"
	[ "$(ipof "$1")" = "$2" ]
}
pid_changed() { _p=$(field "$1" pid); [ -n "$_p" ] && [ "$_p" != 0 ] && [ "$_p" != "$2" ] && is "$1" running; }
ncfg lcn1 lcn2 lcn3
t "bug7: daemon up (bridge)" start_daemon
for n in lcn1 lcn2 lcn3; do tw "bug7: $n running" 100 is $n running; done
ip1=$(ipof lcn1) ip3=$(ipof lcn3)
t "bug7: addresses shown and distinct ($ip1, $(ipof lcn2), $ip3)" ips_unique
p3=$(field lcn3 pid)
t "bug7: restart lcn3" "$CABIN" restart lcn3
tw "bug7: lcn3 running again (new pid)" 100 pid_changed lcn3 "$p3"
t "bug7-restart: lcn3 keeps its address" same_ip lcn3 "$ip3"
# a section earlier in the file goes away: the others must keep theirs
ncfg lcn1 lcn3
t "bug7: reload without lcn2" "$CABIN" reload
tw "bug7: lcn2 removed" 100 gone lcn2
tw "bug7: lcn3 running" 100 is lcn3 running
t "bug7-reload: lcn1 keeps its address" same_ip lcn1 "$ip1"
t "bug7-reload: lcn3 keeps its address after a section before it is removed" same_ip lcn3 "$ip3"
# a run-time container, then a new section in the files: never one address for two
t "bug7: create lcnx (net=bridge)" "$CABIN" create lcnx rootfs="$RF" "cmd=/bin/sleep 1000"
t "bug7: start lcnx" "$CABIN" start lcnx
tw "bug7: lcnx running" 100 is lcnx running
ipx=$(ipof lcnx)
ncfg lcn1 lcn3 lcn6
t "bug7: reload adding lcn6" "$CABIN" reload
tw "bug7: lcn6 running" 100 is lcn6 running
t "bug7-reload: lcnx (run-time) keeps its address" same_ip lcnx "$ipx"
t "bug7-reload: no two running containers share an address" ips_unique
# deploy: a new section first, then a changed one
ip1=$(ipof lcn1)
p1=$(field lcn1 pid)
{ bsec lcn7; bsec lcn1 'env=LC=1
'; } > "$T/n/deploy.conf"
t "bug7: deploy (new lcn7, changed lcn1)" "$CABIN" deploy "$T/n/deploy.conf"
tw "bug7: lcn7 running" 100 is lcn7 running
tw "bug7: lcn1 restarted" 100 pid_changed lcn1 "$p1"
t "bug7-deploy: lcn1 keeps its address" same_ip lcn1 "$ip1"
t "bug7-deploy: no two running containers share an address" ips_unique
stop_daemon

# ===================== bug 1, deploy variant: its own daemon (the marks never go) =======
mkdir -p "$T/d" "$T/state2"
export CABIN_RUNDIR=$T/run2 CABIN_CONF=$T/d/cabin.conf CABIN_STATE_DIR=$T/state2
{ echo stop_timeout=1s; sec lcd1; sec lcd2; } > "$CABIN_CONF"
t "bug1-deploy: daemon up" start_daemon
tw "bug1-deploy: lcd1 running" 100 is lcd1 running
tw "bug1-deploy: lcd2 running" 100 is lcd2 running
sec lcd3 > "$T/d/deploy.conf"
t "bug1-deploy: deploy lcd3" "$CABIN" deploy "$T/d/deploy.conf"
tw "bug1-deploy: lcd3 running" 100 is lcd3 running
{ echo stop_timeout=1s; sec lcd1; } > "$CABIN_CONF"
t "bug1-deploy: reload without [lcd2]" "$CABIN" reload
lcd2_gone() { gone lcd2 || { state lcd2; "$CABIN" inspect lcd2 | grep -E '^(runtime|file)='; return 1; }; }
tw "bug1-deploy: lcd2 (deleted from the file) goes away after reload" 100 lcd2_gone
t "bug1-deploy: lcd3 (deployed) stays" is lcd3 running
stop_daemon

# ===================== the rest: one daemon, net=none ===================================
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf CABIN_STATE_DIR=$T/state
mkdir -p "$T/v1" "$T/v2"
echo vol-one > "$T/v1/id"
echo vol-two > "$T/v2/id"
cfg() { # every section, but those named in $OMIT
	{
		echo stop_timeout=1s
		for s in lca lcb lcdb lcsmall; do
			case " ${OMIT:-} " in *" $s "*) continue ;; esac
			sec $s
		done
		sec lccache 'depends=lcdb
'
		sec lcweb 'replicas=2
'
		printf '[lcsig]\nrootfs=%s\nnet=none\n' "$RF"
		printf '%s\n' "cmd=/bin/sh -c \"trap 'echo gothup' HUP; while :; do sleep 1; done\""
		printf '[lcrep]\nrootfs=%s\nnet=none\nreplicas=2\nenv=LCE=e%%i\n' "$RF"
		printf '%s\n' 'cmd=/bin/sh -c "echo lcout cmd=%i env=$LCE inst=$CABIN_INSTANCE name=$CABIN_NAME; exec sleep 1000"'
		printf '[lcvol]\nrootfs=%s\nnet=none\nreplicas=2\nvolume=%s/v%%i:/vol\n' "$RF" "$T"
		printf '%s\n' 'cmd=/bin/sh -c "echo lcvol; cat /vol/id; exec sleep 1000"'
		printf '[lclog]\nrootfs=%s\nnet=none\nlog=file:%s/lc.log\n' "$RF" "$T"
		printf '%s\n' 'cmd=/bin/sh -c "head -c 67108864 /dev/zero; echo lcdone"'
	} > "$CABIN_CONF"
}
cfg
t "daemon up" start_daemon
for n in lca lcb lcdb lccache lcweb-1 lcweb-2 lcsig lcrep-1 lcrep-2 lcsmall; do
	tw "$n running" 100 is $n running
done

# --- bug 1: after create, reload must still remove what the files no longer define
t "bug1: create lcc (run-time)" "$CABIN" create lcc rootfs="$RF" net=none "cmd=/bin/sleep 1000"
t "bug1: start lcc" "$CABIN" start lcc
tw "bug1: lcc running" 100 is lcc running
OMIT=lcb cfg
t "bug1: reload without [lcb]" "$CABIN" reload
lcb_gone() { gone lcb || { state lcb; "$CABIN" inspect lcb | grep -E '^(runtime|file)='; return 1; }; }
tw "bug1: lcb (deleted from the file) goes away after reload" 100 lcb_gone
t "bug1: lca (still in the file) keeps running" is lca running
t "bug1: lcc (created at run time) stays" is lcc running

# --- bug 3: deploy of a FIFO
mkfifo "$T/lc.fifo"
deploy_fifo() {
	timeout 10 "$CABIN" deploy "$T/lc.fifo" > "$T/.fifo" 2>&1
	_rc=$?
	echo "exit $_rc, output: $(cat "$T/.fifo")"
	[ "$_rc" != 0 ] && [ -s "$T/.fifo" ]
}
t "bug3: deploy of a FIFO fails with an error" deploy_fifo

# --- bug 4: rm of a create --save container removes its file; reload does not bring it back
t "bug4: create --save lcsaved" "$CABIN" create --save lcsaved rootfs="$RF" net=none "cmd=/bin/sleep 1000"
t "bug4: its file is in cabin.d" [ -f "$T/cabin.d/lcsaved.conf" ]
t "bug4: rm lcsaved" "$CABIN" rm lcsaved
file_gone() { ls -l "$T/cabin.d/"; [ ! -e "$T/cabin.d/lcsaved.conf" ]; }
t "bug4: rm removed cabin.d/lcsaved.conf" file_gone
t "bug4: reload" "$CABIN" reload
t_fail "bug4: lcsaved not back after reload" kv lcsaved
rm -f "$T/cabin.d/lcsaved.conf"

# --- bug 5: scale
w1=$(field lcweb-1 pid) w2=$(field lcweb-2 pid)
t "bug5: scale lcweb 3" "$CABIN" scale lcweb 3
tw "bug5: lcweb-3 running" 100 is lcweb-3 running
same_pids() {
	echo "lcweb-1 $w1 -> $(field lcweb-1 pid), lcweb-2 $w2 -> $(field lcweb-2 pid)"
	[ "$(field lcweb-1 pid)" = "$w1" ] && [ "$(field lcweb-2 pid)" = "$w2" ]
}
t "bug5: scale 2->3 leaves lcweb-1 and lcweb-2 running (same pids)" same_pids
t "bug5: reload" "$CABIN" reload
nweb() { "$CABIN" ps -o kv | grep -c '^name=lcweb-[0-9]* .*state=running'; }
t "bug5: after reload still 3 instances, same pids" sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c '^name=lcweb-[123] .*state=running') = 3 ]"
t "bug5: ... and lcweb-1/2 not restarted by the reload" same_pids
t_rc "bug5: scale lcweb 0 -> 0" 0 "$CABIN" scale lcweb 0
none_web() { "$CABIN" ps -a -o kv | grep '^name=lcweb'; [ "$(nweb)" = 0 ]; }
tw "bug5: scale 0: no lcweb instance running" 100 none_web
t "bug5: scale 0: the section stays visible in ps -a" sh -c "\"$CABIN\" ps -a | grep lcweb"
t "bug5: reload after scale 0" "$CABIN" reload
t "bug5: scale 0 survives reload (still none running)" none_web

# --- bug 6: a start whose dependency was stopped
t "bug6: stop lcdb" "$CABIN" stop lcdb
tw "bug6: lcdb exited" 100 is lcdb exited
t "bug6: stop lccache" "$CABIN" stop lccache
tw "bug6: lccache exited" 100 is lccache exited
both_up() { is lccache running && is lcdb running; }
dep_start() {
	"$CABIN" start lccache > "$T/.dep" 2>&1
	_rc=$?
	echo "start lccache: exit $_rc, output: $(cat "$T/.dep")"
	if [ "$_rc" != 0 ]; then grep -q lcdb "$T/.dep"; return; fi
	retry 100 both_up || { state lccache lcdb; return 1; }
}
t "bug6: start lccache starts lcdb too within 5 s (or fails naming lcdb)" dep_start

# --- bug 9: %i in cmd, env and volumes; CABIN_INSTANCE and CABIN_NAME
logs_has() { "$CABIN" logs "$1" > "$T/.lg" 2>&1; cat "$T/.lg"; state "$1"; grep -Eq -- "$2" "$T/.lg"; }
tw "bug9: lcrep-2 printed its line" 60 logs_has lcrep-2 lcout
t "bug9: %i expands in cmd (lcrep-1)" logs_has lcrep-1 "lcout cmd=1 "
t "bug9: %i expands in cmd (lcrep-2)" logs_has lcrep-2 "lcout cmd=2 "
t "bug9: %i expands in env" logs_has lcrep-2 " env=e2 "
t "bug9: CABIN_INSTANCE=2 in lcrep-2's environment" logs_has lcrep-2 " inst=2 "
t "bug9: CABIN_NAME in lcrep-2's environment" logs_has lcrep-2 " name=lcrep(-2)?$"
t_out "bug9: CABIN_INSTANCE via exec" "^2 lcrep" "$CABIN" exec lcrep-2 /bin/sh -c 'echo $CABIN_INSTANCE $CABIN_NAME'
tw "bug9: %i expands in volume paths (lcvol-2 sees v2)" 60 logs_has lcvol-2 vol-two

# --- bug 2: log=file: is capped at log_max (default 1 MiB) with one rotated copy
tw "bug2: lclog wrote its 64 MiB and exited" 400 is lclog exited
small_log() {
	_sz=$(stat -c %s "$T/lc.log" 2>/dev/null || echo 0)
	echo "lc.log is $_sz bytes; $(ls -l "$T" | grep lc.log)"
	[ "$_sz" -le 1048576 ]
}
t "bug2: log=file: at most log_max (1 MiB) after 64 MiB written" small_log
t "bug2: one rotated copy, PATH.1, at most 1 MiB, no PATH.2" sh -c "[ \$(stat -c %s $T/lc.log.1) -le 1048576 ] && [ \$(stat -c %s $T/lc.log.1) -gt 900000 ] && [ ! -e $T/lc.log.2 ]"
t_out "bug2: nothing dropped (inspect log_dropped=0)" "^log_dropped=0$" "$CABIN" inspect lclog
t_out "bug2: logs works from the ring for log=file too" "." sh -c "\"$CABIN\" logs --tail 1 lclog"
# a full disk: a 64 KiB tmpfs (in this test's own mount namespace) and 1 MiB of output
mkdir -p "$T/full" && mount -t tmpfs -o size=64k tmpfs "$T/full"
t "bug2: create lcfull logging to a full disk" "$CABIN" create lcfull rootfs="$RF" net=none \
	log=file:"$T/full/x.log" log_max=16M 'cmd=/bin/sh -c "head -c 1048576 /dev/zero; echo lcdone"'
t "  start it" "$CABIN" start lcfull
tw "  it exits" 200 is lcfull exited
t "  the drop is counted (inspect log_dropped > 0)" sh -c "\"$CABIN\" inspect lcfull | grep -q '^log_dropped=[1-9]'"
t "  and reported in the daemon's log" grep -q "lcfull: log file .*No space left on device" "$T/daemon.log"
t "  nothing lost from the ring: logs still ends with the output" sh -c "\"$CABIN\" logs lcfull | grep -q lcdone"
"$CABIN" rm lcfull > /dev/null 2>&1
umount "$T/full"
# a rotation that cannot make the new file (a tmpfs with no inode left once PATH.1
# exists): said once per log_max of output, not on every write after it (at least 12
# reads of at most 64 KiB carry the last 768 KiB), and nothing is dropped
mkdir -p "$T/noino" && mount -t tmpfs -o size=4m,nr_inodes=2 tmpfs "$T/noino"
t "bug2: create lcnoino, its rotation cannot create a file" "$CABIN" create lcnoino \
	rootfs="$RF" net=none log=file:"$T/noino/x.log" log_max=256K \
	'cmd=/bin/sh -c "head -c 1048576 /dev/zero; echo lcdone"'
t "  start it" "$CABIN" start lcnoino
tw "  it exits" 200 is lcnoino exited
rot_said() {
	_n=$(grep -c "lcnoino: log file .*rotate" "$T/daemon.log")
	echo "the failed rotation said $_n times for 1 MiB at log_max=256K"
	[ "$_n" -ge 1 ] && [ "$_n" -le 4 ]
}
t "  the failed rotation is said once per log_max, not on every write" rot_said
t_out "  nothing dropped: the output went on in the old file" "^log_dropped=0$" \
	"$CABIN" inspect lcnoino
"$CABIN" rm lcnoino > /dev/null 2>&1
umount "$T/noino"

rm -f "$T/lc.log"*

# --- small things
t "pause lcsmall" "$CABIN" pause lcsmall
t_rc "unpause works as an alias of resume" 0 "$CABIN" unpause lcsmall
is lcsmall paused && "$CABIN" resume lcsmall > /dev/null 2>&1 # never left frozen
tw "lcsmall running" 40 is lcsmall running
t_rc "a second resume on a running container is a no-op (exit 0)" 0 "$CABIN" resume lcsmall
t_rc "kill -s HUP lcsig" 0 "$CABIN" kill -s HUP lcsig
t_rc "kill -HUP lcsig" 0 "$CABIN" kill -HUP lcsig
t "lcsig still running (it traps HUP)" is lcsig running
t_out "logs lcrep (a section's name) suggests its instances" "did you mean.*lcrep-1" "$CABIN" logs lcrep
t_out "logs lcrpe-1 (a typo) says did you mean lcrep-1" "did you mean.*lcrep-1" "$CABIN" logs lcrpe-1
t_out "logs nosuch: a clear error that names it (nothing close to suggest)" "no such container: nosuch$" "$CABIN" logs nosuch
t_rc "cabin stop --help exits 0" 0 "$CABIN" stop --help
t_rc "cabin wait --help exits 0" 0 "$CABIN" wait --help
mkdir -p "$T/chk"
printf 'stop_timeout=0.5s\n[lcchk]\nrootfs=%s\nnet=none\ncmd=/bin/true\nstop_timeout=0.5s\n' "$RF" > "$T/chk/a.conf"
t "check accepts stop_timeout=0.5s" "$CABIN" check -c "$T/chk/a.conf"
printf '[lcchk]\nrootfs=%s\nnet=none # lcnote2\ncmd=/bin/true\nstop_timeout=1s # lcnote\n' "$RF" > "$T/chk/b.conf"
comment_ok() {
	"$CABIN" check -c "$T/chk/b.conf" > "$T/.chk" 2>&1 && return 0
	cat "$T/.chk"
	grep -qi comment "$T/.chk"
}
t "check accepts key=value # comment (or says why not)" comment_ok

stop_daemon
t "no container cgroups left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || { find \$d -mindepth 1 -type d; exit 1; }; done"

# ===================== bug 8: cabin run under timeout(1) ==================================
mkdir -p "$T/r8"
F8=$T/r8/run8.conf
printf '[lcrun8]\nrootfs=%s\nnet=none\nstop_timeout=1s\n' "$RF" > "$F8"
printf '%s\n' "cmd=/bin/sh -c \"trap '' TERM; while :; do sleep 1; done\"" >> "$F8"
t "bug8: config valid" "$CABIN" check -q -c "$F8"
t0=$(date +%s%N)
timeout -s KILL 20 timeout 3 "$CABIN" run -c "$F8" lcrun8 > "$T/r8.out" 2>&1
rc8=$?
ms8=$((($(date +%s%N) - t0) / 1000000))
# what is left: cabin run itself (timeout -s KILL reaches only the inner timeout) and
# the container's shell
left8() {
	for _d in /proc/[0-9]*; do
		_c=$(tr '\0' ' ' < "$_d/cmdline" 2>/dev/null)
		case $_c in
		*"run -c $F8 lcrun8"* | *"trap '' TERM"*) echo "${_d#/proc/}" ;;
		esac
	done
}
fast8() { echo "exit $rc8 after $ms8 ms; output: $(cat "$T/r8.out")"; [ "$ms8" -le 6500 ]; }
t "bug8: timeout 3 cabin run (TERM ignored, stop_timeout=1s) returns within ~6 s" fast8
nothing8() {
	_l=$(left8)
	for _p in $_l; do echo "left: $_p $(tr '\0' ' ' < /proc/$_p/cmdline 2>/dev/null)"; done
	[ -z "$_l" ]
}
t "bug8: ... and leaves no process behind" nothing8
for p in $(left8); do kill -9 "$p" 2>/dev/null; done
no_left8() { [ -z "$(left8)" ]; }
retry 100 no_left8
