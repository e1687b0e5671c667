#!/bin/sh
# The SWUpdate and RAUC adapters, called the way their engines call them (swupdate and
# rauc themselves are not run here): SWUpdate's shellscript with preinst/postinst and the
# set extracted where sw-description puts it; RAUC's post-install handler with a bundle
# mount point. A good set ends committed (exit 0); a failing one exits 1 with the old set
# running again.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf CABIN CABIN_COMMIT_WAIT=30
mkset() { # DIR VERSION HEALTH
	mkdir -p "$1"
	printf '[app]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "echo %s; exec sleep 1000"\nhealth=exec:%s\nhealth_interval=100ms\nhealth_retries=2\nrestart=always\nrestart_delay=100ms\n' "$RF" "$2" "$3" > "$1/app.conf"
}
printf 'stop_timeout=1s\ntry_settle=500ms\ntry_timeout=20s\n' > "$T/cabin.conf"
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "daemon up" retry 100 "$CABIN" ps
SW=$TOP/contrib/swupdate/cabin-set.sh
export CABIN_SET_DIR=$T/incoming
t "swupdate preinst" "$SW" preinst
mkset "$T/incoming" v1 /bin/true
t "swupdate postinst: on trial, passed, committed" "$SW" postinst
t "  current, app v1" sh -c "\"$CABIN\" sets -o kv | grep -q state=current && \"$CABIN\" logs app | tail -1 | grep -q v1"
t "  the staging directory is gone" [ ! -e "$T/incoming" ]
"$SW" preinst
mkset "$T/incoming" v2 /bin/false
t_rc "swupdate postinst of a failing set: exit 1 (the .swu fails)" 1 "$SW" postinst
t "  app v1 runs again" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=app .*health=healthy' && \"$CABIN\" logs app | tail -1 | grep -q v1"
RA=$TOP/contrib/rauc/cabin-post-install.sh
mkset "$T/bundle/cabin-set" v3 /bin/true
t "rauc post-install: committed" env RAUC_BUNDLE_MOUNT_POINT="$T/bundle" CABIN_RAUC_SET=cabin-set "$RA"
t "  app v3" retry 100 sh -c "\"$CABIN\" logs app | tail -1 | grep -q v3"
mkset "$T/bundle/bad" v4 /bin/false
t_rc "rauc post-install of a failing set: exit 1, rolled back" 1 env RAUC_BUNDLE_MOUNT_POINT="$T/bundle" CABIN_RAUC_SET=bad "$RA"
t "  app v3 again" retry 200 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=app .*health=healthy' && \"$CABIN\" logs app | tail -1 | grep -q v3"
t_out "  two failed sets listed" "^2$" sh -c "\"$CABIN\" sets -o kv | grep -c state=failed"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
