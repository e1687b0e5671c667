#!/bin/sh
# cabin run --userns (userns=yes): container root is host uid/gid 100000 (65536 ids);
# /dev still works (nodes bound from the host, mknod is not allowed there), the host's
# files show as nobody, and what the container writes to a volume is owned by 100000.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/r"
chmod 755 "$T"	# uid 100000 must reach the rootfs
mkdir -m 777 "$T/vol"
mkdir "$T/r/vol"	# ns root cannot create it in a directory the host root owns
run() { "$CABIN" run --rootfs "$T/r" --userns "$@"; }

t_out "uid 0 inside" '^uid=0\(root\) gid=0\(root\)' run -- /bin/id
t_out "uid_map 0 100000 65536" '^ +0 +100000 +65536$' run -- /bin/cat /proc/self/uid_map
t_out "gid_map 0 100000 65536" '^ +0 +100000 +65536$' run -- /bin/cat /proc/self/gid_map
t_out "setgroups denied" '^deny$' run -- /bin/cat /proc/self/setgroups
t_out "/dev/null usable" '^ok$' run -- /bin/sh -c 'echo x > /dev/null && echo ok'
t_out "host root's files are nobody (65534)" ' 65534 +65534 ' run -- /bin/ls -ln /bin/busybox
run -v "$T/vol:/vol" -- /bin/sh -c "echo hi > /vol/f" > "$T/.o" 2>&1 || cat "$T/.o"
t "a volume file is owned by host uid 100000" test "$(stat -c %u "$T/vol/f")" = 100000
t_out "caps are the default set, in the namespace" '^CapEff:.00000000800405fb$' run -- /bin/probe status

# under the daemon, each container its own range of host ids: never two sharing one
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
printf '[u]\nrootfs=%s\nnet=none\nuserns=yes\ncmd=/bin/sleep 1000\nreplicas=2\n' "$T/r" > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
both() { [ "$("$CABIN" ps -o kv | grep -c '^name=u-[12] .*state=running')" = 2 ]; }
t "two userns containers run" retry 100 both
upid() { "$CABIN" ps -o kv | sed -n "s/^name=u-$1 .* pid=\([0-9]*\).*/\1/p"; }
m1=$(awk '{ print $2 }' /proc/$(upid 1)/uid_map)
m2=$(awk '{ print $2 }' /proc/$(upid 2)/uid_map)
echo "  host uid of root: u-1 $m1, u-2 $m2"
t "their host id ranges differ and do not overlap" sh -c "[ -n '$m1' ] && [ -n '$m2' ] && [ \$(( $m1 - $m2 )) -ge 65536 -o \$(( $m2 - $m1 )) -ge 65536 ]"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "nothing left behind" sh -c "[ -z \"\$(find $CG_DIRS -mindepth 1 -type d)\" ]"
