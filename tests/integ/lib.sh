# Sourced by tests/integ/t_*.sh. tests/integ/run.sh has already put the test in private
# mount, net and pid namespaces (unshare --mount --net --pid --fork --mount-proc), so the
# host's mount table and links are out of reach; cgroups are not namespaced, so every
# test runs in its own cgroup subtree (cg_enter) which finish() removes, also on failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CABIN=$TOP/build/cabin
PROBE=$TOP/build/probe
R=${RESULTS:-$TOP/build/results}
NAME=$(basename "$0" .sh)
mkdir -p "$R"
T=$(mktemp -d /tmp/cabin-$NAME.XXXXXX)
# the daemon's persistent state (boot counter, known-good config) stays in the test's
# directory: never the host's /var/lib/cabin
export CABIN_STATE_DIR=$T/state
pass=0 fail=0 skip=0
CG_DIRS=""

ok() { pass=$((pass + 1)); echo "  ok   $*"; }
not_ok() {
	fail=$((fail + 1)); echo "  FAIL $*"
	echo "integ $NAME: $*" >> "$R/failed"
}
skip() { skip=$((skip + 1)); echo "  skip $*"; }

# t DESC CMD...: one check; CMD's output is shown only when it fails
t() {
	_d=$1; shift
	if "$@" > "$T/.out" 2>&1; then ok "$_d"; else
		not_ok "$_d"; sed 's/^/       | /' "$T/.out" | tail -25
	fi
}
# t_fail DESC CMD...: CMD must fail
t_fail() {
	_d=$1; shift
	if "$@" > "$T/.out" 2>&1; then
		not_ok "$_d (expected failure)"; sed 's/^/       | /' "$T/.out" | tail -25
	else ok "$_d"; fi
}
# t_out DESC EXPECTED CMD...: CMD's stdout+stderr contains EXPECTED (grep -E)
t_out() {
	_d=$1 _e=$2; shift 2
	"$@" > "$T/.out" 2>&1
	if grep -Eq -- "$_e" "$T/.out"; then ok "$_d"; else
		not_ok "$_d (wanted /$_e/)"; sed 's/^/       | /' "$T/.out" | tail -25
	fi
}
# t_rc DESC RC CMD...: CMD exits with RC
t_rc() {
	_d=$1 _w=$2; shift 2
	"$@" > "$T/.out" 2>&1
	_rc=$?
	if [ "$_rc" = "$_w" ]; then ok "$_d"; else
		not_ok "$_d (exit $_rc, wanted $_w)"; sed 's/^/       | /' "$T/.out" | tail -25
	fi
}

# retry N CMD...: poll CMD every 50 ms, at most N times; never a bare sleep
retry() {
	_n=$1; shift
	_i=0
	until "$@" > /dev/null 2>&1; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_n" ] && return 1
		sleep 0.05
	done
}

# ctl_raw TOKEN LINE: LINE straight into $CABIN_RUNDIR/ctl with the reply FIFO
# reply/TOKEN, the way the client does it (read end open before the request); prints
# the reply up to its last line (ok / err). For requests the client will not send.
ctl_raw() {
	_rd=${CABIN_RUNDIR:?}
	mkfifo -m 600 "$_rd/reply/$1"
	exec 9<> "$_rd/reply/$1"
	printf '%s\n' "$2" > "$_rd/ctl"
	timeout 5 sh -c 'while read -r l; do echo "$l"; case $l in ok|err*) exit 0;; esac; done' <&9
	exec 9<&-
	rm -f "$_rd/reply/$1"
}
# ctl_debug KEY: KEY's value from the hidden `debug` verb (allocs, wakeups)
ctl_debug() { ctl_raw dbg "@dbg debug" | sed -n "s/.*$1=\([-0-9]*\).*/\1/p"; }

# lan_host: a LAN host in a network namespace of its own behind lan0: the device is
# 192.168.77.1, the host 192.168.77.2 (sets LAN to the pid holding it; run `lan CMD...`
# inside it; kill $LAN at the end)
lan_host() {
	unshare -n sleep 100000 &
	LAN=$!
	# until unshare has run: the pid exists (and has a netns, ours) before that
	retry 200 sh -c "[ \"\$(readlink /proc/$LAN/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
	ip link add lan0 type veth peer name lanp
	ip link set lanp netns $LAN
	ip addr add 192.168.77.1/24 dev lan0 && ip link set lan0 up
	nsenter -t $LAN -n sh -c "ip link set lo up; ip addr add 192.168.77.2/24 dev lanp; ip link set lanp up"
}
lan() { nsenter -t $LAN -n "$@"; }

# mkrootfs DIR: a busybox rootfs with the probe at /bin/probe
mkrootfs() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp" "$1/root" "$1/data"
	cp /bin/busybox "$1/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
	[ -x "$PROBE" ] && cp "$PROBE" "$1/bin/probe"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000:app:/tmp:/bin/sh\n' > "$1/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\n' > "$1/etc/group"
	chmod 1777 "$1/tmp"
}

# cg_enter: move this shell into a fresh child group of every cgroup hierarchy it is in,
# so cabin's groups (created under the group cabin starts in) stay inside it.
cg_enter() {
	# unique even when two runs of one test overlap ($$ is 1 in each pid namespace)
	_id=cabin-test-$NAME-${T##*.}
	while IFS=: read -r _h _ctl _path; do
		case $_ctl in
		"") _m=/sys/fs/cgroup/unified; [ -d "$_m" ] || _m=/sys/fs/cgroup ;;
		name=*) continue ;;
		*) _m=/sys/fs/cgroup/${_ctl%%,*}
		   [ -d "$_m" ] || _m=/sys/fs/cgroup/$_ctl ;;
		esac
		[ -d "$_m$_path" ] || continue
		_d=$_m${_path%/}/$_id
		mkdir -p "$_d" 2>/dev/null || continue
		echo $$ > "$_d/cgroup.procs" 2>/dev/null || { rmdir "$_d"; continue; }
		CG_DIRS="$CG_DIRS $_d"
	done < /proc/self/cgroup
	export CG_DIRS
}

# kill every process left in our groups (never by name), move out, remove them deepest first
cg_leave() {
	for _d in $CG_DIRS; do
		_parent=${_d%/*}
		echo $$ > "$_parent/cgroup.procs" 2>/dev/null
		find "$_d" -depth -type d 2>/dev/null | while read -r _g; do
			[ -f "$_g/cgroup.freeze" ] && echo 0 > "$_g/cgroup.freeze" 2>/dev/null
			[ -f "$_g/freezer.state" ] && echo THAWED > "$_g/freezer.state" 2>/dev/null
			for _try in 1 2 3 4 5 6 7 8 9 10; do
				_pids=$(cat "$_g/cgroup.procs" 2>/dev/null)
				[ -z "$_pids" ] && break
				for _p in $_pids; do kill -9 "$_p" 2>/dev/null; done
				sleep 0.05
			done
			rmdir "$_g" 2>/dev/null
		done
	done
	CG_DIRS=""
}

finish() {
	_rc=$?
	trap - EXIT INT TERM
	cg_leave
	# the pid namespace ends with us: every process the test started dies with it
	rm -rf "$T" 2>/dev/null
	echo "pass $pass fail $fail skip $skip" > "$R/integ_$NAME.count"
	echo "$NAME: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
trap finish EXIT
trap 'exit 1' INT TERM
