# Sourced by the t_run_*.sh tests after lib.sh: helpers around `cabin run`.
# ROOT is a busybox rootfs with the probe at /bin/probe (built by the test with mkrootfs).
ROOT=$T/r

# run [OPTS] -- CMD...: cabin run on $ROOT
run() { "$CABIN" run --rootfs "$ROOT" "$@"; }

# is_gone PID: the process has exited (gone, or a zombie waiting for our `wait`)
is_gone() {
	[ -e "/proc/$1" ] || return 0
	case $(cat "/proc/$1/stat" 2>/dev/null) in
	*") Z "*|"") return 0 ;;
	esac
	return 1
}

# reap PID: wait for a background job, bounded (5 s, then SIGKILL); sets RC
reap() {
	retry 100 is_gone "$1" || {
		echo "reap: $1 still running after 5 s: killing it and every stray"
		kill -9 "$1" 2>/dev/null
		retry 20 is_gone "$1"
		kill_strays
	}
	wait "$1"
	RC=$?
}

# kill_strays: SIGKILL every process of our pid namespace but us (we are its pid 1, so
# these can only be processes the test started), so one failure does not cascade
kill_strays() {
	for q_p in /proc/[0-9]*; do
		[ "${q_p#/proc/}" = "$$" ] || kill -9 "${q_p#/proc/}" 2>/dev/null
	done
}

# cg_clear: remove the groups left under our subtree (after a failure was reported)
cg_clear() {
	for q_g in $CG_DIRS; do
		find "$q_g" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# pid_of_cmd "ARGV...": pid of the process whose argv is exactly that (space-joined)
pid_of_cmd() {
	for q_d in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' < "$q_d/cmdline" 2>/dev/null)" = "$1 " ] && echo "${q_d#/proc/}" && return 0
	done
	return 1
}

cg_list() {
	for q_d in $CG_DIRS; do find "$q_d" -mindepth 1 -type d; done 2>/dev/null | sort
}

# snap / left_nothing: what cabin may leave behind: mounts in our mount ns, groups under
# our cgroup subtree, processes in our pid ns (we are pid 1 of it: anything but us is left)
snap() {
	cat /proc/self/mountinfo > "$T/.mi0"
	cg_list > "$T/.cg0"
}
left_nothing() {
	cat /proc/self/mountinfo > "$T/.mi1"
	diff "$T/.mi0" "$T/.mi1" || { echo "mounts left behind"; return 1; }
	cg_list > "$T/.cg1"
	diff "$T/.cg0" "$T/.cg1" || { echo "cgroups left behind"; kill_strays; cg_clear; return 1; }
	q_left=""
	for q_d in /proc/[0-9]*; do
		q_n=${q_d#/proc/}
		[ "$q_n" = "$$" ] && continue
		[ -r "$q_d/cmdline" ] && q_left="$q_left $q_n:$(tr '\0' ' ' < "$q_d/cmdline" 2>/dev/null)"
	done
	[ -z "$q_left" ] || { echo "processes left: $q_left"; kill_strays; cg_clear; return 1; }
}

# cg_dir CONTROLLER: the (single) group cabin created under our subtree for CONTROLLER
cg_dir() {
	for q_d in $CG_DIRS; do
		case $q_d in /sys/fs/cgroup/$1/* | /sys/fs/cgroup/*,$1/* | /sys/fs/cgroup/$1,*/*) ;;
		*) continue ;; esac
		# cabin run's own group cabin-run.PID, the container's group inside it
		find "$q_d" -mindepth 2 -maxdepth 2 -type d -path '*/cabin-run.*/*' | head -1
		return 0
	done
	return 1
}
has_cg() { [ -n "$(cg_dir "$1")" ]; }

# start_bg [OPTS] -- /bin/probe sigwait MS: a container in the background; sets BG (cabin's
# pid) and waits until the probe said "ready" (its handlers are installed)
start_bg() {
	: > "$T/bg.out"
	# not through run(): a backgrounded function is a subshell, and BG must be cabin
	"$CABIN" run --rootfs "$ROOT" "$@" > "$T/bg.out" 2>&1 &
	BG=$!
	retry 100 grep -q ready "$T/bg.out"
}

# file_has FILE REGEX
file_has() { grep -Eq -- "$2" "$1"; }
not_running() { ! pid_of_cmd "$1" > /dev/null; }
