#!/bin/sh
# Bridge networking, first part (SPEC §8): the bridge made through rtnetlink with its
# fixed MAC and subnet address, a veth per net=bridge container with eth0, its address
# and default route inside, container to container and host to container traffic,
# addresses stable across restarts, veth counters in stats, and nothing left behind
# (veths on stop, the bridge at exit, also after a SIGKILLed daemon). All inside the
# test's own network namespace (tests/integ/run.sh: unshare --net).
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
mkdir -p "$RF/www" && echo hello-from-web > "$RF/www/index.html"
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
ip link set lo up
cat > "$T/cabin.conf" <<CONF
subnet=10.88.0.1/24
stop_timeout=1s
[web]
rootfs=$RF
cmd=/bin/httpd -f -vv -p 80 -h /www
restart=always
port=8080:80
[udp]
rootfs=$RF
cmd=/bin/probe udpecho 5353
port=5353:5353/udp
[cli]
rootfs=$RF
cmd=/bin/sleep 1000
stop_signal=KILL
[fixed]
rootfs=$RF
cmd=/bin/sleep 1000
ip=10.88.0.50
[none]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
[iso]
rootfs=$RF
cmd=/bin/httpd -f -p 80 -h /www
isolated=yes
port=8081:80
ip=10.88.0.60
[many]
rootfs=$RF
cmd=/bin/probe tcpserve 80
port=8090:80
CONF
# a LAN host: a network namespace of its own behind lan0 (192.168.77.0/24)
lan_host
# a UDP echo on the LAN host: what containers reach only through nat=yes
lan "$PROBE" udpecho 9999 &
UE=$!
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
kv() { "$CABIN" ps -a -o kv | grep "^name=$1 "; }
field() { kv "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
running() { [ "$(field "$1" state)" = running ]; }
cpid() { field "$1" pid; }
in_ctr() { _p=$(cpid "$1"); shift; nsenter -t "$_p" -n -m -p -r "$@"; }
for c in web cli fixed none iso; do t "$c running" retry 100 running $c; done

t_out "the bridge exists, is a bridge, and is up" "bridge" ip -d link show cab0
t_out "  with the subnet address" "inet 10.88.0.1/24" ip addr show cab0
t_out "  and the derived fixed MAC (locally administered)" "link/ether [0-9a-f][26ae]:" ip link show cab0
t "ps shows web's address" [ "$(field web ip)" = 10.88.0.2 ]
t "ps shows web's published port" [ "$(field web ports)" = "8080->80/tcp" ]
t_out "  also in the table" "web .*8080->80/tcp" "$CABIN" ps
t "ps shows the fixed address" [ "$(field fixed ip)" = 10.88.0.50 ]
t "net=none shows no address" [ -z "$(field none ip)" ]
t_out "host-side veth of web on the bridge" "master cab0" ip link show cb-web
t_out "inside: eth0 has the address" "inet 10.88.0.4/24" in_ctr cli /bin/ip addr show eth0
t_out "inside: the default route via the bridge" "default via 10.88.0.1 dev eth0" in_ctr cli /bin/ip route
t_out "net=none: only lo" "^1: lo" in_ctr none /bin/ip link
t_fail "net=none: no eth0" in_ctr none /bin/ip link show eth0
t_out "the device reaches web" "hello-from-web" wget -q -T 5 -t 1 -O - http://10.88.0.2/
t_out "cli reaches web by address" "hello-from-web" in_ctr cli /bin/wget -q -O - http://10.88.0.2/
t_out "fixed reaches web" "hello-from-web" in_ctr fixed /bin/wget -q -O - http://10.88.0.2/
t_out "cli reaches web by name (/etc/hosts)" "hello-from-web" in_ctr cli /bin/wget -q -O - http://web/
t_out "  and fixed by name" "10.88.0.50[[:space:]]+fixed" in_ctr cli /bin/cat /etc/hosts
t "create a container at run time" "$CABIN" create late rootfs=$RF "cmd=/bin/sleep 1000" ip=10.88.0.77
t_out "  running containers know its name at once" "10.88.0.77[[:space:]]+late" in_ctr cli /bin/cat /etc/hosts
t_fail "  /etc/hosts is read-only inside" in_ctr cli /bin/sh -c "echo x >> /etc/hosts"
t "rm it" "$CABIN" rm late
t_fail "  and its name is gone again" sh -c "in_ctr() { :; }; nsenter -t $(cpid cli) -n -m -p -r /bin/cat /etc/hosts | grep -q late"
t_out "web reaches the bridge address" "1 packets received|bytes from" in_ctr web /bin/ping -c 1 -W 2 10.88.0.1
t "stats: veth byte counters" sh -c "\"$CABIN\" stats --no-stream -o kv web | grep -q 'net_rx=[1-9][0-9]* net_tx=[1-9]'"

# published ports: from the LAN (source kept), from the device, hairpin; TCP and UDP
t "udp running" retry 100 running udp
t_out "LAN host -> device:8080 reaches web" "hello-from-web" lan wget -q -T 5 -t 1 -O - http://192.168.77.1:8080/
t_out "  web saw the LAN host's own address" "192.168.77.2" "$CABIN" logs web
t_out "the device itself -> its LAN address:8080" "hello-from-web" wget -q -T 5 -t 1 -O - http://192.168.77.1:8080/
t_out "the device itself -> the bridge address:8080" "hello-from-web" wget -q -T 5 -t 1 -O - http://10.88.0.1:8080/
t_out "hairpin: cli -> the device's address:8080" "hello-from-web" in_ctr cli /bin/wget -q -O - http://192.168.77.1:8080/
t_out "UDP from the LAN host" "echo:ping" lan "$PROBE" udpask 192.168.77.1 5353 ping
t_out "UDP hairpin" "echo:pong" in_ctr cli /bin/probe udpask 10.88.0.1 5353 pong
# 127.0.0.1: DNAT cannot take loopback traffic (route_localnet stays 0): the daemon's
# splice proxy listens there
t_out "the device -> 127.0.0.1:8080" "hello-from-web" wget -q -T 5 -t 1 -O - http://127.0.0.1:8080/
t_out "  route_localnet untouched" "^0$" cat /proc/sys/net/ipv4/conf/all/route_localnet
t_out "UDP to 127.0.0.1:5353" "echo:lo" "$PROBE" udpask 127.0.0.1 5353 lo
t_out "  a second UDP client, its own flow" "echo:lo2" "$PROBE" udpask 127.0.0.1 5353 lo2
t "many running" retry 100 running many
t_out "100 connections at once through 127.0.0.1" "answered=100 closed=0" "$PROBE" conns 127.0.0.1 8090 100
t_out "256 connections at once from the LAN" "answered=256 closed=0" lan "$PROBE" conns 192.168.77.1 8090 256
t_out "200 at once through 127.0.0.1: past its 128, closed at once, never hung" "answered=[1-9][0-9]* closed=[1-9]" "$PROBE" conns 127.0.0.1 8090 200
t "  counted in debug" [ "$(ctl_debug proxy_refused)" -gt 0 ]
t_out "  and the proxy serves again" "hello-from-web" wget -q -T 5 -t 1 -O - http://127.0.0.1:8080/
cat > "$T/many.sh" <<'M'
i=0; while [ $i -lt 64 ]; do wget -q -T 10 -O - http://192.168.77.1:8080/ > /dev/null 2>&1 || echo x; i=$((i + 1)); done
M
: > "$T/manyfail"
W=""
for j in 1 2 3 4; do lan sh "$T/many.sh" >> "$T/manyfail" & W="$W $!"; done
for w in $W; do wait $w; done
t "4 x 64 connections from the LAN all answered" [ ! -s "$T/manyfail" ]
t_out "the LAN host's echo answers the device" "echo:x" "$PROBE" udpask 192.168.77.2 9999 x
t_fail "no egress without nat=yes" in_ctr cli /bin/probe udpask 192.168.77.2 9999 x

# isolated=yes: no traffic with other containers; the device and published ports reach it
t_fail "cli cannot reach the isolated container" in_ctr cli /bin/wget -q -T 2 -O - http://10.88.0.60/
t_fail "the isolated container cannot reach web" in_ctr iso /bin/wget -q -T 2 -O - http://10.88.0.2/
t_out "the device reaches it" "hello-from-web" wget -q -T 5 -t 1 -O - http://10.88.0.60/
t_out "its published port from the LAN" "hello-from-web" lan wget -q -T 5 -t 1 -O - http://192.168.77.1:8081/
t_out "cli still reaches web (not isolated)" "hello-from-web" in_ctr cli /bin/wget -q -O - http://10.88.0.2/

# restarts keep the address; the old pair is gone before the new one comes
p0=$(cpid web)
t "kill web" "$CABIN" kill web
t "web restarted" retry 100 sh -c "p=\$(\"$CABIN\" ps -o kv | sed -n 's/^name=web .*state=running.* pid=\([0-9]*\).*/\1/p'); [ -n \"\$p\" ] && [ \"\$p\" != $p0 ]"
t "  same address" [ "$(field web ip)" = 10.88.0.2 ]
t_out "  and the same MAC, derived from it (no stale ARP entries)" "02:cb:0a:58:00:02" in_ctr web /bin/ip link show eth0
t_out "  and reachable again" "hello-from-web" wget -q -T 5 -t 1 -O - http://10.88.0.2/
t "stop cli" "$CABIN" stop cli
t "cli exited" retry 100 sh -c "[ \"\$(\"$CABIN\" ps -a -o kv | grep '^name=cli ' | sed 's/.* state=\([a-z]*\).*/\1/')\" = exited ]"
t "  its veth is gone" retry 100 sh -c "! ip link show cb-cli 2>/dev/null"
t "  ps shows no address for it" [ -z "$(field cli ip)" ]
t "stop web" "$CABIN" stop web
t "web exited" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep -q '^name=web .*state=exited'"
t_fail "  its port is no longer published" lan wget -q -T 2 -t 1 -O - http://192.168.77.1:8080/
t_fail "  nor on 127.0.0.1" wget -q -T 2 -t 1 -O - http://127.0.0.1:8080/
t "start web" "$CABIN" start web
t "web running" retry 100 running web
t_out "  published again" "hello-from-web" lan wget -q -T 5 -t 1 -O - http://192.168.77.1:8080/
i=0
: > "$T/cycles"
while [ $i -lt 50 ]; do
	"$CABIN" start cli > /dev/null 2>&1 && retry 100 running cli || echo "start $i" >> "$T/cycles"
	"$CABIN" stop cli > /dev/null 2>&1 || echo "stop $i" >> "$T/cycles"
	retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep -q '^name=cli .*state=exited'" || echo "exit $i" >> "$T/cycles"
	i=$((i + 1))
done
t "50 start/stop cycles of cli" [ ! -s "$T/cycles" ]
t "  leave no veth of it" retry 100 sh -c "! ip link show cb-cli 2>/dev/null"

# a name too long for an interface: hashed, within 15 characters, stable
t "create a long-named container" "$CABIN" create averyveryverylongname rootfs=$RF "cmd=/bin/sleep 1000"
t "start it" "$CABIN" start averyveryverylongname
t "it runs" retry 100 running averyveryverylongname
t_out "its veth: cb-averyv-HASH" "cb-averyv-[0-9a-f]{5}" ip -br link
t "rm -f it" "$CABIN" rm -f averyveryverylongname
t "its veth is gone" retry 100 sh -c "! ip -br link | grep -q cb-averyv"

# SIGKILL: the next daemon reuses the bridge (and still removes it at its exit)
kill -9 $DPID
wait $DPID 2>/dev/null
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "after SIGKILL: web running again" retry 100 running web
t_out "  and reachable" "hello-from-web" wget -q -T 5 -t 1 -O - http://10.88.0.2/
t "  one veth per running container, nothing stale" retry 100 sh -c "[ \$(ip -br link | grep -c '^cb-') = 6 ]"
t_out "  its port published again" "hello-from-web" lan wget -q -T 5 -t 1 -O - http://192.168.77.1:8080/
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no veth left" sh -c "! ip -br link | grep -q '^cb-'"
t "the bridge is gone (it was cabin's)" sh -c "! ip link show cab0 2>/dev/null"
t_fail "no published port after exit" lan wget -q -T 2 -t 1 -O - http://192.168.77.1:8080/
t_fail "  nor on 127.0.0.1" wget -q -T 2 -t 1 -O - http://127.0.0.1:8080/

# nat=yes: egress through masquerade (the LAN host sees the device's address)
# and ports something on the device already uses: a clear error, nothing half-set-up
busybox httpd -f -p 7070 -h "$RF/www" &
HB=$!
"$PROBE" udpecho 7071 &
UB=$!
printf 'nat=yes\n[n]\nrootfs=%s\ncmd=/bin/sleep 1000\n' "$RF" > "$T/cabin.conf"
printf '[busy]\nrootfs=%s\ncmd=/bin/sleep 1000\nport=7070:80\n' "$RF" >> "$T/cabin.conf"
printf '[busyu]\nrootfs=%s\ncmd=/bin/sleep 1000\nport=7072:80\nport=7071:80/udp\n' "$RF" >> "$T/cabin.conf"
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "n running" retry 100 running n
t_out "nat=yes: the container reaches the LAN host" "echo:out" in_ctr n /bin/probe udpask 192.168.77.2 9999 out
t "a TCP port a device service listens on: the start fails" retry 100 grep -q "busy failed start-failed:port 7070/tcp is already in use on the device" "$T/daemon.log"
t "  a UDP port bound on the device too" retry 100 grep -q "busyu failed start-failed:port 7071/udp is already in use on the device" "$T/daemon.log"
t_fail "  busy is not running" running busy
t "  no veth of it" sh -c "! ip link show cb-busy && ! ip link show cb-busyu"
t_fail "  busyu's first port was not left open" wget -q -T 2 -t 1 -O - http://127.0.0.1:7072/
t_out "  the device's own service still answers" "hello-from-web" wget -q -T 5 -t 1 -O - http://127.0.0.1:7070/
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
kill $UE $HB $UB 2>/dev/null

# a link of the bridge's name that is not a bridge: a clear error, nothing started
ip link add cab9 type veth peer name cab9p
printf 'bridge=cab9\n[w]\nrootfs=%s\ncmd=/bin/sleep 1000\n' "$RF" > "$T/cabin.conf"
"$CABIN" daemon >> "$T/daemon.log" 2>&1 &
DPID=$!
t "w fails to start" retry 100 sh -c "\"$CABIN\" ps -a -o kv | grep '^name=w ' | grep -q 'state=failed'"
t_out "  saying why" "not%20a%20bridge" kv w
t "  and the veth link is untouched" ip link show cab9
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "the system's link stays (not cabin's)" ip link show cab9
ip link del cab9
kill $LAN 2>/dev/null
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
