#!/bin/sh
# cabin run, cgroup limits on this (v1 hybrid) machine: memory (an OOM ends as exit 137 and
# "oom" on stderr, E3), pids (a fork bomb is held, E2), cpu quota, the default pids limit,
# the container placed in its groups, and every group removed afterwards (B9).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runlib.sh"
cg_enter
mkrootfs "$ROOT"
snap

# --- memory -----------------------------------------------------------------------------
t_out "a memhog within the limit is fine" '^allocated 16 MB$' run --memory 64M -- /bin/probe memhog 16
oom() {
	run --memory 32M -- /bin/probe memhog 256 > "$T/.so" 2> "$T/.se"
	q_rc=$?
	cat "$T/.so" "$T/.se"
	[ "$q_rc" = 137 ] || { echo "exit $q_rc, wanted 137"; return 1; }
	grep -qw oom "$T/.se" || { echo "no 'oom' on stderr"; return 1; }
}
t "memhog past --memory ends as oom, exit 137" oom
t "nothing left after the OOM" left_nothing
oom_child() {
	run --memory 32M -- /bin/sh -c '/bin/probe memhog 256; echo "child status $?"' > "$T/.so" 2> "$T/.se"
	q_rc=$?
	cat "$T/.so" "$T/.se"
	grep -qw oom "$T/.se" || { echo "no 'oom' on stderr (exit $q_rc)"; return 1; }
}
t "an OOM kill of a child process is reported too" oom_child

# --- pids --------------------------------------------------------------------------------
bomb() {
	run --pids 16 -- /bin/probe forkbomb 200 > "$T/.b" 2>&1
	q_rc=$?
	cat "$T/.b"
	[ "$q_rc" = 0 ] || { echo "exit $q_rc"; return 1; }
	q_n=$(sed -n 's/^forked \([0-9]*\) of 200 error EAGAIN$/\1/p' "$T/.b")
	[ -n "$q_n" ] && [ "$q_n" -ge 8 ] && [ "$q_n" -le 15 ] || { echo "forked ${q_n:-?}, wanted 8..15"; return 1; }
}
t "--pids 16 holds a fork bomb, the container exits normally" bomb
t "the caller can still fork" sh -c 'true & wait'
# busybox sh gives up on a refused fork: the bomb ends the container, and its children
t_out "a shell fork bomb hits the limit" "can't fork" run --pids 16 -- /bin/sh -c \
	'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo all-forked'
t "nothing left after the fork bombs" left_nothing

# --- values in the groups while a container runs -------------------------------------
# read_cg CONTROLLER FILE: value of FILE in the group cabin made for the running container
read_cg() { cat "$(cg_dir "$1")/$2"; }
in_group() {
	q_c=$(pid_of_cmd "$1") || { echo "container init not found"; return 1; }
	q_d=$(cg_dir "$2") || return 1
	grep -qx "$q_c" "$q_d/cgroup.procs" || { echo "pid $q_c not in $q_d"; return 1; }
}
if start_bg --memory 48M --pids 20 --cpu 0.5 -- /bin/probe sigwait 30010; then
	if has_cg memory; then
		t_out "memory limit set" '^50331648$' read_cg memory memory.limit_in_bytes
		t "the container is in its memory group" in_group "/bin/probe sigwait 30010" memory
	else
		not_ok "no memory group under $CG_DIRS"
	fi
	if has_cg pids; then
		t_out "pids limit set" '^20$' read_cg pids pids.max
		t "the container is in its pids group" in_group "/bin/probe sigwait 30010" pids
	else
		not_ok "no pids group under $CG_DIRS"
	fi
	if has_cg cpu; then
		cpuq() { [ "$(read_cg cpu cpu.cfs_quota_us)" -eq $(( $(read_cg cpu cpu.cfs_period_us) / 2 )) ]; }
		t "cpu 0.5: quota is half the period" cpuq
	else
		not_ok "no cpu group under $CG_DIRS"
	fi
	kill -TERM "$BG"
	reap "$BG"
	t "stopped cleanly" test "$RC" = 0
else
	not_ok "container did not start: $(cat "$T/bg.out")"
	kill -9 "$BG" 2>/dev/null; reap "$BG"
fi
t "groups removed after the container ends" left_nothing

if start_bg -- /bin/probe sigwait 30011; then
	t_out "pids defaults to 256" '^256$' read_cg pids pids.max
	kill -TERM "$BG"; reap "$BG"
else
	not_ok "container did not start: $(cat "$T/bg.out")"
	kill -9 "$BG" 2>/dev/null; reap "$BG"
fi

# --- B9: a daemonized grandchild dies with the container ---------------------------------
orphan() {
	run -- /bin/sh -c '(setsid /bin/probe sleep 60000 &) ; exit 0'
	q_rc=$?
	[ "$q_rc" = 0 ] || { echo "exit $q_rc"; return 1; }
	retry 40 not_running "/bin/probe sleep 60000" || { echo "grandchild survived"; return 1; }
}
t "a setsid grandchild does not outlive the container (B9)" orphan

# --- cabin killed with SIGKILL (B8) ---------------------------------------------------
# No PDEATHSIG today: the container outlives a SIGKILLed `cabin run` and its groups stay
# (the daemon cleans stale groups at start instead). Reported, not failed, until decided.
if start_bg -- /bin/probe sigwait 30012; then
	kill -KILL "$BG"
	reap "$BG"
	if retry 40 not_running "/bin/probe sigwait 30012"; then
		ok "SIGKILL of cabin takes the container down (B8)"
	else
		not_ok "SIGKILL of cabin takes the container down (B8): the container outlived it"
	fi
	kill_strays
	retry 40 not_running "/bin/probe sigwait 30012"
	cg_clear
else
	not_ok "container did not start: $(cat "$T/bg.out")"
fi
t "nothing left at the end" left_nothing
