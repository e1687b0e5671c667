#!/bin/sh
# The Mender path for real (fleet issue): Debian's mender-client in standalone mode, with
# tmpfs over /var/lib/mender, /etc/mender and /usr/share/mender in the test's mount
# namespace (never the host's), and contrib/mender/cabin-set as its update module. An
# artifact with a good set installs (on trial) and commits; one whose container fails
# its health check fails the commit, Mender rolls back, the old set runs again and the
# failure shows in `cabin sets` and `cabin status`.
. "$(dirname "$0")/lib.sh"
for x in mender mender-artifact; do
	command -v $x > /dev/null || { skip "mender: $x missing (make deps)"; exit 0; }
done
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf CABIN CABIN_COMMIT_WAIT=30
# (the package made these; a missing one is not created on the host: the state dir is
# -d below, and /var/lib/mender may be a link to a /data partition that is not here)
for d in /etc/mender /usr/share/mender; do
	[ -d "$d" ] || { skip "mender: no $d (mender-client not installed right)"; exit 0; }
	mount -t tmpfs -o mode=0755 tmpfs "$d"
done
[ -d /var/lib/mender ] && mount -t tmpfs -o mode=0755 tmpfs /var/lib/mender
mkdir -p /usr/share/mender/modules/v3 /usr/share/mender/inventory "$T/mdata"
cp "$TOP/contrib/mender/cabin-set" /usr/share/mender/modules/v3/
cp "$TOP/contrib/mender/mender-inventory-cabin" /usr/share/mender/inventory/
echo "artifact_name=base" > /etc/mender/artifact_info
echo "device_type=cabin-test" > "$T/mdata/device_type"
echo '{}' > "$T/mender.conf"
M() { mender --no-syslog -c "$T/mender.conf" -d "$T/mdata" "$@"; }
mkartifact() { # NAME VERSION HEALTH
	mkdir -p "$T/$1"
	printf '[app]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "echo %s; exec sleep 1000"\nhealth=exec:%s\nhealth_interval=100ms\nhealth_retries=2\nrestart=always\nrestart_delay=100ms\n' "$RF" "$2" "$3" > "$T/$1/app.conf"
	tar -C "$T/$1" -cf "$T/set.tar" .
	mender-artifact write module-image -T cabin-set -n "$1" -t cabin-test -f "$T/set.tar" -o "$T/$1.mender" > /dev/null
}
printf 'stop_timeout=1s\ntry_settle=500ms\ntry_timeout=20s\n' > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps

t "a good artifact" mkartifact good v1 /bin/true
t "mender install: the set goes on trial" M install "$T/good.mender"
t_out "  on trial" "trial=(trying|passed)" "$CABIN" status -o kv
t "mender commit: waits for the trial to pass, commits" M commit
t "  the set is current" retry 100 sh -c "\"$CABIN\" sets -o kv | grep -q 'state=current'"
t "  app runs v1, healthy" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=app .*health=healthy' && \"$CABIN\" logs app | tail -1 | grep -q v1"
t_out "  Mender's artifact name moved on" "good" cat /etc/mender/artifact_info "$T/mdata"/* 2>/dev/null
t_out "  the inventory script reports it" "cabin_set=[0-9a-f]{16}" /usr/share/mender/inventory/mender-inventory-cabin

t "a bad artifact (app never healthy)" mkartifact bad v2 /bin/false
t "mender install: on trial" M install "$T/bad.mender"
t_rc "mender commit fails (the trial failed): Mender rolls back" 1 M commit
t "  the old set runs again: app v1 healthy" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=app .*health=healthy' && \"$CABIN\" logs app | tail -1 | grep -q v1"
t_out "  cabin sets shows the failure" "state=failed reason=app%20did%20not%20run%20healthy" "$CABIN" sets -o kv
t_out "  and the good set is still current" "state=current" "$CABIN" sets -o kv
t_rc "mender rollback with nothing in progress: 2" 2 M rollback
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
