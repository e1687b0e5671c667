#!/bin/sh
# cabin run, confinement seen from inside the container: capabilities (C1, B7),
# no_new_privs (C2), signal mask and dispositions (B5), fds (B1), environment, rlimits and
# oom_score_adj (B6), masked and read-only paths (C4, C5), /sys and cgroupfs (C6),
# devices (C7, A15), host-affecting syscalls (C8), kill -9 -1 (C9), setuid binaries (A14).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runlib.sh"
cg_enter
mkrootfs "$ROOT"
snap

# Podman's default eleven: CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6,
# SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10, SYS_CHROOT 18, SETFCAP 31
DEF=00000000800405fb
NETADM=00000000800415fb		# + NET_ADMIN 12
NOCHOWN=00000000800405fa	# - CHOWN 0

# --- C1/B7: capabilities -------------------------------------------------------------
run -- /bin/probe status > "$T/st" 2>&1
for set in CapBnd CapPrm CapEff; do
	t "$set is Podman's eleven" file_has "$T/st" "^$set:.$DEF\$"
done
t "CapInh is empty" file_has "$T/st" '^CapInh:.0000000000000000$'
t "CapAmb is empty" file_has "$T/st" '^CapAmb:.0000000000000000$'
t "NoNewPrivs is 1 (C2)" file_has "$T/st" '^NoNewPrivs:.1$'
t "SigBlk is empty (B5)" file_has "$T/st" '^SigBlk:.0000000000000000$'
t "SigIgn is empty (B5)" file_has "$T/st" '^SigIgn:.0000000000000000$'

run --cap-add NET_ADMIN -- /bin/probe status > "$T/st" 2>&1
for set in CapBnd CapPrm CapEff; do
	t "--cap-add NET_ADMIN: $set" file_has "$T/st" "^$set:.$NETADM\$"
done
t "--cap-add: CapInh still empty" file_has "$T/st" '^CapInh:.0000000000000000$'
t "--cap-add: CapAmb still empty" file_has "$T/st" '^CapAmb:.0000000000000000$'
run --cap-drop CHOWN -- /bin/probe status > "$T/st" 2>&1
for set in CapBnd CapPrm CapEff; do
	t "--cap-drop CHOWN: $set" file_has "$T/st" "^$set:.$NOCHOWN\$"
done
t_out "--cap-drop CHOWN: chown refused" 'ERR EPERM' run --cap-drop CHOWN -- /bin/probe sys chown
t_out "with CHOWN: chown works" '^OK$' run -- /bin/probe sys chown
t_out "--cap-drop ALL --cap-add NET_BIND_SERVICE" '^CapEff:.0000000000000400$' \
	run --cap-drop ALL --cap-add NET_BIND_SERVICE -- /bin/probe status
t_out "--cap-drop ALL: nothing" '^CapBnd:.0000000000000000$' run --cap-drop ALL -- /bin/probe status
# a usage error (2) or cabin's own failure (125), never a started container
t_out "unknown capability is refused" '^(2|125)$' sh -c \
	"'$CABIN' run --rootfs '$ROOT' --cap-add NOT_A_CAP -- /bin/probe exit 0; echo \$?"

run --user 1000 -- /bin/probe status > "$T/st" 2>&1
t "--user 1000: CapEff empty" file_has "$T/st" '^CapEff:.0000000000000000$'
t "--user 1000: CapPrm empty" file_has "$T/st" '^CapPrm:.0000000000000000$'
t "--user 1000: CapBnd still bounded" file_has "$T/st" "^CapBnd:.$DEF\$"

# --- B5: signals, also when the caller ignores some -----------------------------------
sh -c "trap '' INT HUP QUIT PIPE; exec '$CABIN' run --rootfs '$ROOT' -- /bin/probe status" > "$T/st" 2>&1
t "caller ignoring INT HUP: SigIgn empty" file_has "$T/st" '^SigIgn:.0000000000000000$'
t "caller ignoring INT HUP: SigBlk empty" file_has "$T/st" '^SigBlk:.0000000000000000$'
# a background job of a non-interactive shell starts with INT and QUIT ignored
run -- /bin/probe status > "$T/st" 2>&1 &
reap $!
t "started in the background: SigIgn empty" file_has "$T/st" '^SigIgn:.0000000000000000$'

# --- B1: only fds 0-2, also when cabin inherits more ------------------------------------
fds_only_012() { awk '{print $1}' "$1" | tr '\n' ' ' | grep -qx '0 1 2 ' || { cat "$1"; return 1; }; }
run -- /bin/probe fds > "$T/fds" 2>&1
t "only fds 0-2 in the container" fds_only_012 "$T/fds"
sh -c "exec 7</ 8>'$T/x' 9<'$ROOT/bin/probe'; exec '$CABIN' run --rootfs '$ROOT' -- /bin/probe fds" > "$T/fds" 2>&1
t "caller's fds 7, 8, 9 do not leak (B1)" fds_only_012 "$T/fds"
sh -c "exec 7</ 8>'$T/x'; exec '$CABIN' run --rootfs '$ROOT' --user 1000 -v '$T:/data' -- /bin/probe fds" > "$T/fds" 2>&1
t "no leak with --user and a volume" fds_only_012 "$T/fds"
run -- /bin/probe fds < /dev/null > "$T/fds" 2>&1
t "fd 0 from /dev/null" file_has "$T/fds" '^0 /dev/null$'

# --- B6: environment, rlimits, oom_score_adj, umask ----------------------------------
# lowering oom_score_adj needs CAP_SYS_RESOURCE, which a sandboxed root may lack: raise it then
sh -c "echo -500 > /proc/self/oom_score_adj 2>/dev/null || echo 500 > /proc/self/oom_score_adj
	grep -qx 0 /proc/self/oom_score_adj && echo 'could not change oom_score_adj'; ulimit -n 4096; umask 077; export LEAKME=1
	exec '$CABIN' run --rootfs '$ROOT' -- /bin/sh -c \
	'cat /proc/self/oom_score_adj; /bin/probe read /proc/self/limits; /bin/probe env; /bin/probe umask'" \
	> "$T/b6" 2>&1
t "the caller's oom_score_adj was changed" sh -c "! grep -q 'could not change' '$T/b6'"
t "oom_score_adj is 0 whatever cabin's" grep -qx 0 "$T/b6"
t "NOFILE is 1024/1024" file_has "$T/b6" '^Max open files +1024 +1024 '
t "no caller variable (B6)" sh -c "! grep -q LEAKME '$T/b6'"
t "umask is 0022 whatever cabin's" grep -qx 0022 "$T/b6"

# --- C4: masked paths ----------------------------------------------------------------
masked() {
	q_o=$(run -- /bin/probe read "$1" 2>&1)
	case $q_o in
	"" | "ERR EACCES"* | "ERR EPERM"* | "ERR ENOENT"*) return 0 ;;
	esac
	echo "$1 gave: $(echo "$q_o" | head -3)"
	return 1
}
for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats \
	/proc/interrupts /proc/timer_stats; do
	t "masked: $p" masked "$p"
done
t_out "/proc/keys is masked by a mount" '^/proc/keys ' run -- /bin/probe mounts
t_out "/proc/timer_list is masked by a mount" '^/proc/timer_list ' run -- /bin/probe mounts
t_out "masked dir /proc/acpi or /sys/firmware is empty" '^0$' run -- /bin/sh -c 'ls -A /sys/firmware | wc -l'
t_out "a file mask is the real /dev/null, char 1:3 (A3)" '^character special file 1:3$' \
	run -- /bin/stat -c '%F %t:%T' /proc/keys
t_out "a mask cannot be unmounted" 'ERR EPERM' run -- /bin/probe umount /proc/keys

# --- C5, C6: read-only paths ----------------------------------------------------------
t_out "/proc/sys is read-only" 'ERR EROFS' run -- /bin/probe write /proc/sys/kernel/domainname x
t_out "/proc/sysrq-trigger is read-only" 'ERR (EROFS|EACCES|ENOENT)' run -- /bin/probe write /proc/sysrq-trigger h
t_out "/proc/sys is mounted read-only" '^/proc/sys proc [^ ]*ro[, ]' run -- /bin/probe mounts
t_out "/sys is read-only" 'ERR EROFS' run -- /bin/probe write /sys/kernel/probe-x x
t_out "/sys/fs/cgroup is read-only or absent" 'ERR (EROFS|ENOENT|EACCES)' run -- /bin/probe write /sys/fs/cgroup/x x
t_out "no release_agent write (C6)" 'ERR ' run -- /bin/probe write /sys/fs/cgroup/memory/release_agent /x
t_out "mount is refused (C2)" 'ERR EPERM' run -- /bin/probe sys mount
t_out "unshare of a mount ns is refused (C2)" 'ERR EPERM' run -- /bin/probe sys unshare

# --- C7, A15: devices ----------------------------------------------------------------
t_out "mknod is refused (C7)" 'ERR EPERM' run -- /bin/probe sys mknod
for d in kmsg mem watchdog console sda; do
	t_out "no /dev/$d" 'ERR ENOENT' run -- /bin/probe read /dev/$d
done
mknod "$ROOT/nulldev" c 1 3
t_out "a device node shipped in the image is unusable (A15)" 'ERR (EACCES|EPERM)' run -- /bin/probe read /nulldev
rm -f "$ROOT/nulldev"

# --- C8: host-affecting syscalls -----------------------------------------------------
UP0=$(cut -d' ' -f1 /proc/uptime)
for s in reboot settime insmod swapon; do
	# ENOSYS: a kernel without modules or swap has not even got the call
	t_out "sys $s gives EPERM (C8)" "ERR (EPERM|ENOSYS) sys $s" run -- /bin/probe sys $s
done
t "the host did not reboot" awk -v u="$UP0" '{ exit !($1 >= u) }' /proc/uptime

# --- C9: kill -9 -1 only reaches the container's own processes ----------------------
c9() {
	start_bg -- /bin/probe sigwait 30003 || return 1
	sleep 30 &
	q_m=$!
	run -- /bin/sh -c '/bin/probe sleep 30000 & /bin/probe sleep 30000 & kill -9 -1; echo killed; wait; echo done'
	q_rc=$?
	q_ok=0
	is_gone "$q_m" && { echo "a host process was killed"; q_ok=1; }
	is_gone "$BG" && { echo "another container's cabin was killed"; q_ok=1; }
	pid_of_cmd "/bin/probe sigwait 30003" > /dev/null || { echo "another container was killed"; q_ok=1; }
	kill "$q_m"; wait "$q_m"
	kill -TERM "$BG"; reap "$BG"
	[ "$q_rc" = 0 ] || { echo "container A exit $q_rc"; q_ok=1; }
	return $q_ok
}
t "kill -9 -1 stays inside the container (C9)" c9

# --- A14: setuid and file capabilities with --user ------------------------------------
cp "$ROOT/bin/probe" "$ROOT/bin/suidprobe" && chown 0:0 "$ROOT/bin/suidprobe" && chmod 4755 "$ROOT/bin/suidprobe"
cp "$ROOT/bin/probe" "$ROOT/bin/capprobe" && setcap cap_sys_admin,cap_dac_override+ep "$ROOT/bin/capprobe" 2>/dev/null
run --user 1000 -- /bin/suidprobe status > "$T/st" 2>&1
t "setuid root binary keeps uid 1000 (A14)" file_has "$T/st" '^Uid:.1000.1000.1000.1000$'
t "setuid root binary: CapEff empty" file_has "$T/st" '^CapEff:.0000000000000000$'
if getcap "$ROOT/bin/capprobe" 2>/dev/null | grep -q sys_admin; then
	t_out "file capabilities give nothing (A14)" '^CapEff:.0000000000000000$' run --user 1000 -- /bin/capprobe status
else
	skip "setcap unavailable: file capability case"
fi
t_out "setuid binary in a volume stays unprivileged" '^Uid:.1000.1000.1000.1000$' \
	run --user 1000 -v "$ROOT/bin:/vbin:ro" -- /vbin/suidprobe status

t "nothing left behind" left_nothing
