#!/bin/sh
# kind=host: a plain service of the appliance (SPEC: the fleet issue's host services):
# the host's namespaces and root, but its own cgroup, restart policy and health check;
# refused with a rootfs or volumes, and refused at run time (create, deploy).
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[svc]
kind=host
cmd=/bin/sh -c "echo \$\$ > $T/svc.pid; exec sleep 1000"
restart=always
restart_delay=100ms
health=exec:/bin/sh -c "test -f $T/svc.pid"
health_interval=200ms
CONF
printf '[bad]\nkind=host\nrootfs=%s\ncmd=/bin/true\nvolume=/tmp:/x\n' "$T/rootfs" > "$T/bad.conf"
t_out "kind=host with a rootfs and a volume: errors" "no rootfs=.*|no volume=" "$CABIN" check -c "$T/bad.conf"
t_rc "  exit 1" 1 "$CABIN" check -c "$T/bad.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "svc runs and is healthy (the probe runs on the host too)" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=svc .*health=healthy'"
P=$(cat "$T/svc.pid")
t "  in the daemon's own mount, pid and network namespaces" sh -c "for n in mnt pid net; do [ \"\$(readlink /proc/$P/ns/\$n)\" = \"\$(readlink /proc/$DPID/ns/\$n)\" ] || exit 1; done"
t "  in a cgroup of its own" grep -q '/svc$' /proc/$P/cgroup
kill -9 "$P"
t "  restarted by its policy" retry 200 sh -c "[ \"\$(cat $T/svc.pid)\" != $P ] && \"$CABIN\" ps -o kv | grep -q '^name=svc .*state=running'"
t_out "create kind=host at run time: refused" "only in the config files" "$CABIN" create h2 kind=host "cmd=/bin/sleep 1"
printf '[h3]\nkind=host\ncmd=/bin/sleep 1\n' > "$T/dep.conf"
t_out "deploy of a kind=host section: refused" "never deployed" "$CABIN" deploy "$T/dep.conf"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
