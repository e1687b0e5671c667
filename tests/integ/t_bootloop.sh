#!/bin/sh
# Boot-loop memory and the last known-good configuration (rung 4): a config that ran
# good_after with everything healthy is saved; boots that never become good are counted
# in state_dir (reboots simulated by SIGKILLing and restarting the daemon); past
# boot_limit the known-good copy runs instead, loudly; a config found bad is not tried
# again until it changes; a fixed config runs and becomes the new known-good; a config
# with errors falls back to the known-good copy instead of starting nothing.
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
S=$T/state
glob() {
	printf 'state_dir=%s\nboot_limit=2\nboot_window=10m\ngood_after=500ms\nstop_timeout=1s\n' "$S"
}
good_conf() {
	glob
	printf '[a]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\nhealth=exec:/bin/true\nhealth_interval=200ms\n' "$RF"
}
bad_conf() {
	glob
	printf '[b]\nrootfs=%s\nnet=none\ncmd=/bin/sh -c "exit 1"\nrestart=always\nrestart_delay=100ms\n' "$RF"
}
fixed_conf() {
	glob
	printf '[b]\nrootfs=%s\nnet=none\ncmd=/bin/sleep 1000\n' "$RF"
}
start() { "$CABIN" daemon >> "$T/daemon.log" 2>&1 & DPID=$!; retry 100 "$CABIN" status > /dev/null; }
reboot() { kill -9 $DPID; wait $DPID 2>/dev/null; }
st() { "$CABIN" status -o kv | tr ' ' '\n' | sed -n "s/^$1=//p"; }
running() { "$CABIN" ps -o kv | grep -q "^name=$1 .*state=running"; }

good_conf > "$T/cabin.conf"
start
t "a good config: a running and healthy" retry 100 sh -c "\"$CABIN\" ps -o kv | grep -q '^name=a .*health=healthy'"
t "  saved as known-good after good_after" retry 100 test -f "$S/good/cabin.conf"
t "  the boot counter cleared" retry 100 sh -c "[ \"\$(cut -d' ' -f1 $S/boots)\" = 0 ]"
t_out "  status says so" "config_source=normal known_good=saved config_good=yes" "$CABIN" status -o kv
reboot

bad_conf > "$T/cabin.conf"
start
t "bad config, boot 1: b crash-loops" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep -q '^name=b .*restarts=[1-9]'"
t_out "  boot 1 counted" "boot_count=1 " "$CABIN" status -o kv
reboot
start
t_out "boot 2 counted, still the config as it is (boot_limit=2)" "boot_count=2 boot_limit=2 config_source=normal" "$CABIN" status -o kv
reboot
start
t_out "boot 3: past the limit, the known-good config runs" "boot_count=3 .*config_source=known-good" "$CABIN" status -o kv
t "  a runs" retry 100 running a
t_fail "  b is not there" sh -c "\"$CABIN\" ps -a -o kv | grep -q '^name=b '"
t_out "  said loudly in the log" "BOOT LOOP: 3 boots" cat "$T/daemon.log"
t_out "  and in status" "warning=running%20the%20last%20known-good" "$CABIN" status -o kv
t "  once good again the counter clears" retry 100 sh -c "[ \"\$(cut -d' ' -f1 $S/boots)\" = 0 ]"
t_out "  but the bad config is remembered" "^0 0 [0-9a-f]{16}$" cat "$S/boots"
reboot
start
t_out "next boot: the unchanged bad config is not tried again" "boot_count=1 .*config_source=known-good" "$CABIN" status -o kv
t "  a runs" retry 100 running a
reboot

fixed_conf > "$T/cabin.conf"
start
t_out "a changed config is tried" "config_source=normal" "$CABIN" status -o kv
t "  b runs" retry 100 running b
t "  and becomes the new known-good" retry 100 grep -q '^\[b\]' "$S/good/cabin.conf"
t_out "  the counter cleared (the bad config's hash stays known)" "^0 0 " cat "$S/boots"
reboot

printf 'bogus_key=1\n' >> "$T/cabin.conf"
start
t_out "a config with errors: the known-good copy runs instead of nothing" "config_source=known-good" "$CABIN" status -o kv
t "  b runs" retry 100 running b
t_out "  the log says why" "known-good configuration.*the config has errors" cat "$T/daemon.log"
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
