#!/bin/sh
# The boot test (make check): Debian's kernel under qemu (TCG), cabin as /init on real
# cgroup v2. Boot 1: tests/qemu/guest.conf, checked from inside by tests/qemu/check.sh
# (a kind=host service) and from here on the console: dependency order, limits, pause,
# the bridge and a published port, an unhealthy critical container restarted, a clean
# poweroff; the boot timed. Boot 2: an i6300esb watchdog and a critical container that
# is never healthy: the watchdog must reset the VM. Counts to $RESULTS/qemu.count.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
R=${RESULTS:-$TOP/build/results}
Q=$TOP/build/qemu
mkdir -p "$R" "$Q"
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
not_ok() { fail=$((fail + 1)); echo "  FAIL $1"; echo "qemu: $1" >> "$R/failed"; }
t_log() { # DESC REGEX LOG
	if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (wanted /$2/ in $(basename "$3"))"; fi
}
done_() { echo "pass $pass fail $fail skip $skip" > "$R/qemu.count"; echo "qemu: $pass passed, $fail failed, $skip skipped"; exit 0; }
echo "qemu: boot test"
command -v qemu-system-x86_64 > /dev/null || { not_ok "qemu-system-x86_64 missing (make deps)"; done_; }
sh "$TOP/scripts/kernel.sh" "$Q" > /dev/null || { not_ok "no kernel (scripts/kernel.sh)"; done_; }
K=$Q/vmlinux
[ -f "$K" ] || K=$Q/bzImage
qemu() { # LOG TIMEOUT EXTRA...: boot the initramfs $Q/initramfs.cpio; qemu's status in $QRC
	_log=$1 _to=$2
	shift 2
	timeout -k 5 "$_to" qemu-system-x86_64 -m 512 -no-reboot -nodefaults -display none \
		-serial stdio -kernel "$K" -initrd "$Q/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=6" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" < /dev/null > "$_log" 2>&1
	QRC=$?
}

# boot 1: the appliance, checked
sh "$TOP/board/qemu-x86_64/mkinitramfs.sh" "$Q/initramfs.cpio" "$Q" "$TOP/tests/qemu/guest.conf" \
	"$TOP/tests/qemu/check.sh:check.sh" || { not_ok "initramfs"; done_; }
a=$(date +%s%N)
qemu "$Q/boot1.log" 120
b=$(date +%s%N)
L=$Q/boot1.log
sed -n 's/^.*\(CHECK .*\)$/\1/p' "$L" | sed 's/^/    /'
if [ "$QRC" = 0 ]; then ok "qemu exited by itself (status 0: a poweroff)"; else not_ok "qemu status $QRC (3: a check failed, 124: timed out)"; fi
t_log "cabin is /init (init mode)" "cabin init: started" "$L"
t_log "modules loaded without error" "cabin: daemon up" "$L"
grep -q "cabin init: module" "$L" && not_ok "a module failed: $(grep 'cabin init: module' "$L" | head -1)"
n=$(grep -c "CHECK ok" "$L")
f=$(grep -c "CHECK FAIL" "$L")
if [ "$n" -ge 17 ] && [ "$f" = 0 ]; then ok "all $n checks inside the VM passed"; else not_ok "checks inside the VM: $n ok, $f failed"; fi
grep "CHECK FAIL" "$L" | sed 's/^.*CHECK FAIL /    failed: /'
t_log "CHECKS PASSED" "CHECKS PASSED" "$L"
tr -d '\r' < "$L" > "$L.txt" && mv "$L.txt" "$L"
db=$(grep -n "cabin: db event=health health=healthy" "$L" | head -1 | cut -d: -f1)
web=$(grep -n "cabin: web running" "$L" | head -1 | cut -d: -f1)
if [ -n "$db" ] && [ -n "$web" ] && [ "$db" -lt "$web" ]; then ok "dependency order: web runs after db is healthy"; else not_ok "dependency order (db healthy at line ${db:-?}, web running at ${web:-?})"; fi
w=$(grep -n "cabin: web exited" "$L" | tail -1 | cut -d: -f1)
d=$(grep -n "cabin: db exited" "$L" | tail -1 | cut -d: -f1)
if [ -n "$w" ] && [ -n "$d" ] && [ "$w" -lt "$d" ]; then ok "poweroff: web stopped before db"; else not_ok "poweroff order (web at ${w:-?}, db at ${d:-?})"; fi
t_log "poweroff: everything killed, synced, powered off" "cabin init: poweroff" "$L"
if grep -q "Kernel panic" "$L"; then not_ok "kernel panic"; else ok "no kernel panic"; fi
# times on the kernel's clock: cabin's console lines carry it in init mode
ts() { sed -n "s/^\[ *\([0-9]*\)\.\([0-9]*\)\] $1.*/\1\2/p" "$L" | sed 's/^0*//' | sort -n | head -1; }
init=$(ts "cabin init: started")
run=$(for n in db web bomb crit; do ts "cabin: $n running"; done | sort -n | tail -1)
nodep=$(for n in db bomb crit; do ts "cabin: $n running"; done | sort -n | tail -1)
off=$(ts "cabin init: poweroff")
echo "    boot on the kernel's clock (TCG): /init at ${init:-?} ms; db, bomb, crit running at ${nodep:-?} ms; web (after db healthy) at ${run:-?} ms; poweroff at ${off:-?} ms; qemu wall time $(((b - a) / 1000000)) ms"
echo "init ${init:-?} nodeps ${nodep:-?} all ${run:-?} poweroff ${off:-?} wall $(((b - a) / 1000000))" > "$Q/timing"
if [ -n "$init" ] && [ -n "$nodep" ] && [ $((nodep - init)) -lt 3000 ]; then ok "containers running $((nodep - init)) ms after /init (bound here 3 s under TCG; target 0.5 s)"; else not_ok "containers not running within 3 s of /init"; fi

# boot 2: a hardware watchdog (i6300esb) and a critical container that is never healthy
cat > "$Q/wdt.conf" <<CONF
watchdog=/dev/watchdog
watchdog_timeout=2s
module=/lib/modules/i6300esb.ko
[dead]
rootfs=/images/base
net=none
critical=yes
cmd=/bin/sleep 1000
health=exec:/bin/false
health_interval=200ms
health_retries=1
on_unhealthy=none
CONF
sh "$TOP/board/qemu-x86_64/mkinitramfs.sh" "$Q/initramfs.cpio" "$Q" "$Q/wdt.conf" || { not_ok "initramfs 2"; done_; }
qemu "$Q/boot2.log" 120 -device i6300esb -action watchdog=reset
L=$Q/boot2.log
t_log "watchdog: the real device, timeout set and read back" "watchdog /dev/watchdog: timeout 2s" "$L"
t_log "  the critical container goes unhealthy: not fed any more" "NOT FED any more: critical dead is unhealthy" "$L"
if [ "$QRC" = 0 ] && ! grep -q "cabin init: poweroff\|cabin init: reboot" "$L"; then
	ok "  the watchdog reset the VM (qemu ended by the reset, cabin never shut down)"
else
	not_ok "  no watchdog reset (qemu status $QRC)"
fi

# boot 3: cgroup.c's unit tests, real and fake-tree (tests/unit/test_cgroup, the sanitizer build
# with its shared libraries) on the VM's real cgroup v2, where the build machine only has
# v1 and a controller-less unified mount: run by a kind=host service in a group of its own
# beside cabin's (as tests/integ/t_cgroup.sh does on the host)
U=$TOP/build/unit/test_cgroup
if [ -x "$U" ] && command -v ldd > /dev/null; then
	cat > "$Q/unit.conf" <<CONF
[unit]
kind=host
cmd=/unit.sh
log=console
seccomp=unconfined
cap_add=SYS_RAWIO
CONF
	cat > "$Q/unit.sh" <<'SH'
#!/bin/sh
# the test alone in its group: cgroup_init refuses a group it shares with other processes
mkdir /sys/fs/cgroup/unit || echo "UNIT no group"
sh -c 'echo $$ > /sys/fs/cgroup/unit/cgroup.procs && exec /test_cgroup' > /tmp/unit.out 2>&1
echo "UNIT rc=$?"
sed 's/^/UNIT /' /tmp/unit.out
find /sys/fs/cgroup/unit -mindepth 1 -type d | sed "s/^/UNIT left: /"
echo "UNIT leftover: $(find /sys/fs/cgroup/unit -mindepth 1 -type d -name "cabin-*" | wc -l)"
cabin poweroff
exec sleep 1000
SH
	chmod 755 "$Q/unit.sh"
	libs=$(ldd "$U" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
		while read -r l; do printf '%s:%s ' "$l" "$l"; done)
	# shellcheck disable=SC2086
	sh "$TOP/board/qemu-x86_64/mkinitramfs.sh" "$Q/initramfs.cpio" "$Q" "$Q/unit.conf" \
		"$Q/unit.sh:unit.sh" "$U:test_cgroup" $libs || { not_ok "initramfs 3"; done_; }
	qemu "$Q/boot3.log" 120
	L=$Q/boot3.log
	tr -d '\r' < "$L" > "$L.txt" && mv "$L.txt" "$L"
	sed -n 's/^.*UNIT \(.*\(test_real\|FAILED\|PASSED\|rc=\|leftover\).*\)$/    \1/p' "$L"
	t_log "cgroup v2 for real: test_real_v2 (cgroup.freeze, cgroup.kill, clone3 into the group)" \
		"UNIT \[       OK \] test_real_v2$" "$L"
	t_log "  test_real_v2_limits (memory.max/swap.max/oom.group, pids.max held, cpu.max, cpu.weight, an OOM kill counted and signalled)" \
		"UNIT \[       OK \] test_real_v2_limits" "$L"
	t_log "  the fake-tree tests pass there too" "UNIT \[  PASSED  \] 21 test" "$L"
	if grep -q "UNIT \[  FAILED  \]\|UNIT rc=[^0]" "$L"; then not_ok "  a unit test failed in the VM (build/qemu/boot3.log)"; else ok "  no unit test failed"; fi
	t_log "  no test group left behind" "UNIT leftover: 0" "$L"
	t_log "  clean poweroff" "cabin init: poweroff" "$L"
else
	skip=$((skip + 1)); echo "  skip cgroup v2 unit tests in the VM (no build/unit/test_cgroup or ldd)"
fi
done_
