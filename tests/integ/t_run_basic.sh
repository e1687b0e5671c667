#!/bin/sh
# cabin run, the basics seen from inside the container: pid 1, hostname, the mount table
# after pivot_root, /dev, environment, workdir, stdio, volumes, read-only root, tmpfs,
# user switch, exit codes and signals, the config-file form.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runlib.sh"
cg_enter
mkrootfs "$ROOT"
snap
HOSTNAME0=$(hostname)

t_out "container command is pid 1" '^1 0$' run -- /bin/probe pid
t_out "--hostname sets the uts name" '^box$' run --hostname box -- /bin/probe hostname
t "the caller's hostname is unchanged" test "$(hostname)" = "$HOSTNAME0"
t_out "arguments passed verbatim" '^\[a b\]$' run -- /bin/probe args "a b" '*'
t_out "arguments are not globbed" '^\[\*\]$' run -- /bin/probe args "a b" '*'
t_out "stdin reaches the container" '^hello-in$' sh -c "echo hello-in | '$CABIN' run --rootfs '$ROOT' -- /bin/cat"
t_out "stderr passes through" 'ERR ENOENT' run -- /bin/probe read /nonexistent

# --- exit status and signals ---------------------------------------------------------
t_rc "exit 0 -> 0" 0 run -- /bin/probe exit 0
t_rc "exit 3 -> 3" 3 run -- /bin/probe exit 3
t_rc "exit 255 -> 255" 255 run -- /bin/probe exit 255
# as pid 1 the probe dies of the fault signals only (the kernel ignores the rest)
t_rc "killed by SEGV -> 139" 139 run -- /bin/probe kill SEGV
t_rc "killed by ILL -> 132" 132 run -- /bin/probe kill ILL
t_rc "exit of a shell payload" 143 run -- /bin/sh -c '/bin/probe kill TERM; exit $?'

killed_from_outside() {
	start_bg -- /bin/probe sigwait 30001 || return 1
	q_c=$(pid_of_cmd "/bin/probe sigwait 30001") || { echo "container init not found"; return 1; }
	kill -KILL "$q_c"
	reap "$BG"
	[ "$RC" = 137 ] || { echo "exit $RC, wanted 137"; cat "$T/bg.out"; return 1; }
}
t "SIGKILL of the container init -> 137" killed_from_outside

forwarded() {
	start_bg -- /bin/probe sigwait 30002 || { cat "$T/bg.out"; return 1; }
	kill "-$1" "$BG"
	reap "$BG"
	cat "$T/bg.out"
	file_has "$T/bg.out" "^caught $2\$" && [ "$RC" = 0 ]
}
t "SIGTERM to cabin reaches the container" forwarded TERM 15
t "SIGINT to cabin reaches the container" forwarded INT 2
t "nothing left after the runs" left_nothing

# --- filesystem ----------------------------------------------------------------------
run -- /bin/probe mounts > "$T/mounts" 2>&1
mp() { grep -Eq "^$1 $2 " "$T/mounts" || { cat "$T/mounts"; return 1; }; }
mpopt() { grep -E "^$1 " "$T/mounts" | head -1 | grep -Eq "$2" || { cat "$T/mounts"; return 1; }; }
t "/ is mounted once" test "$(grep -c '^/ ' "$T/mounts")" = 1
t "/proc is procfs" mp /proc proc
t "/sys is sysfs" mp /sys sysfs
t "/sys is read-only" mpopt /sys '(^| )ro[, ]'
t "/dev is a tmpfs" mp /dev tmpfs
t "/dev is nosuid" mpopt /dev 'nosuid'
t "/dev/pts is devpts" mp /dev/pts devpts
t "/dev/pts is a new instance" mpopt /dev/pts 'ptmxmode=0?666'
t "/dev/shm is a tmpfs" mp /dev/shm tmpfs
t "/dev/shm is nodev,nosuid" mpopt /dev/shm 'nosuid,nodev'
t "/dev/mqueue is mqueue" mp /dev/mqueue mqueue
# the old root is gone: every mount point is one the container was given
old_root() {
	awk '{print $1}' "$T/mounts" | grep -Ev '^/(proc|sys|dev)(/|$)|^/$' && return 1
	return 0
}
t "no mount of the old root is visible" old_root
t_out "host paths are unreachable" 'ERR ENOENT' run -- /bin/probe read "$T/.mi0"

run -- /bin/ls -A /dev > "$T/dev" 2>&1
dev_exact() {
	for f in null zero full random urandom tty ptmx pts shm mqueue; do
		grep -qx "$f" "$T/dev" || { echo "missing /dev/$f"; cat "$T/dev"; return 1; }
	done
	grep -Evx 'null|zero|full|random|urandom|tty|ptmx|pts|shm|mqueue|fd|stdin|stdout|stderr|core' \
		"$T/dev" && { echo "unexpected in /dev"; return 1; }
	return 0
}
t "/dev holds exactly the default devices" dev_exact
t_out "/dev/null is char 1:3" '^1,3$' run -- /bin/stat -c '%t,%T' /dev/null
t_out "/dev/ptmx leads to the new devpts" 'pts/ptmx|^5,2$' run -- /bin/sh -c 'readlink /dev/ptmx || stat -c %t,%T /dev/ptmx'
t_out "/dev/null is writable" '^OK$' run -- /bin/probe write /dev/null

# --- process -------------------------------------------------------------------------
t_out "workdir defaults to /" '^/$' run -- /bin/probe cwd
t_out "--workdir" '^/tmp$' run --workdir /tmp -- /bin/probe cwd
t_out "umask is 0022" '^0022$' run -- /bin/probe umask
run -e FOO=bar -e 'SP=a b' --hostname envbox -- /bin/probe env > "$T/env" 2>&1
t "-e sets a variable" file_has "$T/env" '^FOO=bar$'
t "-e keeps spaces" file_has "$T/env" '^SP=a b$'
t "PATH is set" file_has "$T/env" '^PATH=/'
t "TERM=linux" file_has "$T/env" '^TERM=linux$'
t "HOSTNAME is the container's" file_has "$T/env" '^HOSTNAME=envbox$'
t "HOME is set" file_has "$T/env" '^HOME=/'
env_clean() {
	grep -Ev '^(PATH|HOME|HOSTNAME|TERM|FOO|SP|CABIN_NAME|CABIN_INSTANCE)=' "$T/env" && return 1
	return 0
}
LEAKME=secret
export LEAKME
t "no host variable leaks (B6)" env_clean
t_out "command found through PATH" '^1 0$' run -- probe pid

# --- user ----------------------------------------------------------------------------
t_out "--user 1000: uid" 'Uid:.1000.1000.1000.1000' run --user 1000 -- /bin/probe status
t_out "--user 1000: gid from passwd (or 0)" '^Gid:.(1000.1000.1000.1000|0.0.0.0)$' run --user 1000 -- /bin/probe status
t_out "--user app: uid from the container's /etc/passwd" 'Uid:.1000.1000.1000.1000' run --user app -- /bin/probe status
t_out "--user app: gid" 'Gid:.1000.1000.1000.1000' run --user app -- /bin/probe status
t_out "--user 1000:50" 'Gid:.50.50.50.50' run --user 1000:50 -- /bin/probe status
t_out "--user app: home is /tmp" '^HOME=/tmp$' run --user app -- /bin/probe env
t_rc "--user unknown name fails" 125 run --user nosuchuser -- /bin/probe exit 0

# --- volumes, read-only root, tmpfs --------------------------------------------------
mkdir -p "$T/vol" "$T/volro"
echo hostdata > "$T/volro/f"
t_out "rw volume is writable" '^OK$' run -v "$T/vol:/data" -- /bin/probe write /data/new from-ctr
t "rw volume write reaches the host" grep -qx from-ctr "$T/vol/new"
t_out "ro volume is readable" '^hostdata$' run -v "$T/volro:/data:ro" -- /bin/probe read /data/f
t_out "ro volume is read-only" 'ERR EROFS' run -v "$T/volro:/data:ro" -- /bin/probe write /data/f x
t "ro volume left unchanged" grep -qx hostdata "$T/volro/f"
t_out "volume is nosuid,nodev" '^/data [a-z0-9]+ [^ ]*nosuid,nodev' run -v "$T/vol:/data" -- /bin/probe mounts
t_out "volume into a new directory" '^OK$' run -v "$T/vol:/newdir/sub" -- /bin/probe write /newdir/sub/x
t_out "root is writable by default" '^OK$' run -- /bin/probe write /rootfile
t "the write lands in the rootfs" test -f "$ROOT/rootfile"
rm -f "$ROOT/rootfile"
t_out "--readonly root" 'ERR EROFS' run --readonly -- /bin/probe write /rootfile
t "--readonly: nothing written" test ! -e "$ROOT/rootfile"
ro_etc() {
	q_before=$(cat "$ROOT/etc/hostname" "$ROOT/etc/hosts" 2>/dev/null | md5sum)
	run --readonly --hostname ro-etc-box -- /bin/true || return 1
	[ "$(cat "$ROOT/etc/hostname" "$ROOT/etc/hosts" 2>/dev/null | md5sum)" = "$q_before" ]
}
t "--readonly: cabin writes no /etc file into the image" ro_etc
t_out "  but the uts name is set" '^ro-etc-box$' run --readonly --hostname ro-etc-box -- /bin/probe hostname
t_out "--readonly keeps volumes rw" '^OK$' run --readonly -v "$T/vol:/data" -- /bin/probe write /data/ro-root
# an appliance image on read-only media (squashfs): the rootfs directory itself is ro
ro_media() {
	mount --bind "$ROOT" "$ROOT" && mount -o remount,bind,ro "$ROOT" || return 1
	run --readonly -v "$T/vol:/data" -- /bin/probe write /data/from-ro-media x
	q_rc=$?
	umount "$ROOT"
	[ "$q_rc" = 0 ]
}
t "a rootfs on read-only media runs with --readonly" ro_media
t_out "--tmpfs mounts a tmpfs" '^/run tmpfs ' run --tmpfs /run -- /bin/probe mounts
t_out "--tmpfs with a size" '^/run tmpfs .*size=1024k' run --tmpfs /run:1M -- /bin/probe mounts
t_out "--tmpfs is writable on a readonly root" '^OK$' run --readonly --tmpfs /run -- /bin/probe write /run/x

# --- network -------------------------------------------------------------------------
t_out "--net none: lo is up" '^0x9$' run --net none -- /bin/probe read /sys/class/net/lo/flags
# our net namespace is the test's private one: a veth pair there stands for the host's links
if ip link add cabtest0 type veth peer name cabtest1 2>/dev/null; then
	t_out "--net none: only lo" '^lo$' run --net none -- /bin/ls /sys/class/net
	t_fail "--net none: host links invisible" sh -c "'$CABIN' run --rootfs '$ROOT' --net none -- /bin/ls /sys/class/net | grep -q cabtest0"
	t_out "--net host: host links visible" 'cabtest0' run --net host -- /bin/ls /sys/class/net
	ip link del cabtest0
else
	skip "no veth links: --net none/host visibility"
fi

# --- the config-file form ------------------------------------------------------------
mkdir -p "$T/etc"
cat > "$T/etc/cabin.conf" <<EOF
[box]
rootfs=$ROOT
cmd=/bin/probe exit 7
net=none

[named]
rootfs=$ROOT
cmd=/bin/sh -c "/bin/probe hostname; /bin/probe env"
env=FROMCONF=yes
net=none
memory=32M
pids=32
EOF
t_rc "run -c FILE NAME: exit status" 7 "$CABIN" run -c "$T/etc/cabin.conf" box
t_out "run -c FILE NAME: hostname defaults to the name" '^named$' "$CABIN" run -c "$T/etc/cabin.conf" named
t_out "run -c FILE NAME: env=" '^FROMCONF=yes$' "$CABIN" run -c "$T/etc/cabin.conf" named
t_rc "run -c FILE unknown name" 125 "$CABIN" run -c "$T/etc/cabin.conf" nosuch
t_out "CABIN_CONF is honoured" '^named$' env CABIN_CONF="$T/etc/cabin.conf" "$CABIN" run named

# a SIGKILLed cabin run: its container dies with it (parent-death signal); the empty
# cabin-run.PID group it leaves is removed by the next cabin run
"$CABIN" run --rootfs "$ROOT" --net none -- /bin/sleep 30999 > /dev/null 2>&1 &
KPID=$!
sl_alive() { for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^/bin/sleep 30999' && return 0; done; return 1; }
t "a container under cabin run" retry 100 sl_alive
kill -9 $KPID
wait $KPID 2>/dev/null
sl_dead() { ! sl_alive; }
t "its container died with it" retry 100 sl_dead
runs() { for d in $CG_DIRS; do find "$d" -mindepth 1 -maxdepth 1 -type d -name "cabin-run.*"; done; }
t "the dead run left its group" [ -n "$(runs)" ]
t "the next cabin run works" "$CABIN" run --rootfs "$ROOT" --net none -- /bin/true
t "and removed the dead one's group" [ -z "$(runs)" ]

# an explicit mode wins over being PID 1 of a new pid namespace (not init mode)
t_rc "PID 1: cabin run exits with the container's status" 7 \
	unshare --pid --fork "$CABIN" run -c "$T/etc/cabin.conf" box
t_out "PID 1: cabin check checks" "ok, 2 containers" \
	unshare --pid --fork "$CABIN" check -c "$T/etc/cabin.conf"
t_rc "PID 1: cabin --version" 0 unshare --pid --fork "$CABIN" --version
# (init mode then mounts what is missing and starts for real: its own namespaces, and
# killed after it said so; t_init tests init mode itself)
t_out "PID 1 with a kernel-style argument is init mode" "cabin init: started" \
	timeout -s KILL 3 unshare --pid --fork --mount --uts --net "$CABIN" single

t "nothing left behind at the end" left_nothing
