#!/bin/sh
# Runs inside the boot test's VM as a kind=host service of cabin (PID 1), on the
# console: one "CHECK ok|FAIL ..." line per check, then "CHECKS PASSED" and `cabin
# poweroff`, or "CHECKS FAILED" and a failure code to qemu's isa-debug-exit port.
fail=0
ok() { echo "CHECK ok $*"; }
bad() { echo "CHECK FAIL $*"; fail=1; }
c() { d=$1; shift; if "$@" > /dev/null 2>&1; then ok "$d"; else bad "$d"; fi; }
retry() { n=$1; shift; i=0; until "$@" > /dev/null 2>&1; do i=$((i + 1)); [ $i -ge "$n" ] && return 1; sleep 0.1; done; }
ms() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}0"; }
running() { cabin ps -o kv | grep -q "^name=$1 .*state=running"; }
up=0
retry 100 sh -c 'for n in db web bomb crit; do cabin ps -o kv | grep -q "^name=$n .*state=running" || exit 1; done' && up=1
echo "CHECK time all-running $(ms) ms after the kernel started"
c "db, web, bomb, crit running" [ $up = 1 ]
CG=/sys/fs/cgroup/cabin
c "cgroup v2 at /sys/fs/cgroup" grep -q '^cgroup2 /sys/fs/cgroup ' /proc/mounts
c "cabin itself in its own leaf (/init)" grep -qx '0::/init' /proc/1/cgroup
c "web: memory.max 32M" grep -qx 33554432 $CG/web/memory.max
c "web: pids.max 64" grep -qx 64 $CG/web/pids.max
c "web: cpu.max 0.5 core" grep -qx '50000 100000' $CG/web/cpu.max
c "hog: killed by the OOM killer at memory=16M" retry 100 sh -c "cabin ps -a -o kv | grep -q '^name=hog .*reason=oom'"
c "bomb: pids=20 stops the fork bomb" retry 50 sh -c "cabin logs bomb | grep -q 'forked 1[0-9] of 100 error EAGAIN'"
c "pause web" cabin pause web
c "  cgroup.freeze is 1" grep -qx 1 $CG/web/cgroup.freeze
c "  the group is frozen" retry 50 grep -qx 'frozen 1' $CG/web/cgroup.events
c "resume web" cabin resume web
c "  thawed" retry 50 grep -qx 'frozen 0' $CG/web/cgroup.events
c "web healthy: it reached db by name over the bridge" retry 100 sh -c "cabin ps -o kv | grep -q '^name=web .*health=healthy'"
c "the published port from the device (10.88.0.1:8080)" sh -c "timeout 5 wget -q -O - http://10.88.0.1:8080/ | grep -q hello-from-qemu"
c "the published port on 127.0.0.1:8080" sh -c "timeout 5 wget -q -O - http://127.0.0.1:8080/ | grep -q hello-from-qemu"
c "crit: unhealthy, restarted" retry 100 sh -c "cabin ps -a -o kv | grep '^name=crit ' | grep -q 'restarts=[1-9]'"
c "status: init mode" sh -c "cabin status -o kv | grep -q mode=init"
if [ $fail = 0 ]; then
	echo "CHECKS PASSED"
	cabin poweroff
else
	echo "CHECKS FAILED"
	# what a failure needs to be understood, on the console (busybox wget -T crashes:
	# timeout instead)
	ip addr; ip route; cabin ps -a -o kv; cabin status -o kv
	echo "direct:"; timeout 5 wget -q -O - http://"$(cabin ps -o kv | sed -n 's/^name=web .* ip=\([0-9.]*\).*/\1/p')"/ 2>&1
	echo "10.88.0.1:8080:"; timeout 5 wget -q -O - http://10.88.0.1:8080/ 2>&1
	echo "127.0.0.1:8080:"; timeout 5 wget -q -O - http://127.0.0.1:8080/ 2>&1
	netstat -ltn 2>&1
	probe outb 0xf4 1
fi
exec sleep 1000
