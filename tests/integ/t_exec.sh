#!/bin/sh
# cabin exec (the field issue): done in the client, entering the running container
# through its init (pidfd setns into every namespace, its cgroup) and becoming its
# identity with the start's own code: the same user, capabilities, no_new_privs, seccomp
# filter, env, workdir; stdin with -i; the exit status (127, 126); a paused container is
# a clear error; and a container that tries to overwrite the host's cabin through
# /proc/PID/exe during 200 execs leaves it unchanged (CVE-2019-5736 class).
. "$(dirname "$0")/lib.sh"
cg_enter
mkrootfs "$T/rootfs"
RF=$T/rootfs
export CABIN_RUNDIR=$T/run CABIN_CONF=$T/cabin.conf
cat > "$T/cabin.conf" <<CONF
stop_timeout=1s
[web]
rootfs=$RF
net=none
cmd=/bin/sleep 1000
user=1000
env=GREETING=hello
workdir=/tmp
[evil]
rootfs=$RF
net=none
cmd=/bin/sh -c "while :; do for p in /proc/[0-9]*; do cat /bin/busybox > \$p/exe 2>/dev/null; echo x >> \$p/exe 2>/dev/null; done; done"
CONF
"$CABIN" daemon > "$T/daemon.log" 2>&1 &
DPID=$!
t "web and evil running" retry 100 sh -c "[ \$(\"$CABIN\" ps -o kv | grep -c state=running) = 2 ]"
t_out "exec runs inside: the container's pid namespace (its init is PID 1)" "^ *1 /bin/sleep" \
	sh -c "\"$CABIN\" exec web /bin/ps -o pid,args | grep sleep"
t_out "  as the container's user" "^1000$" "$CABIN" exec web /bin/id -u
t_out "  with its env and workdir" "hello /tmp" "$CABIN" exec web /bin/sh -c 'echo $GREETING $(pwd)'
t_out "  its hostname" "^web$" "$CABIN" exec web /bin/hostname
t_out "  its seccomp filter and no_new_privs" "NoNewPrivs:.1.*Seccomp:.2" sh -c "\"$CABIN\" exec web /bin/cat /proc/self/status | tr '\n' ' '"
t_out "  its capabilities (none for uid 1000)" "CapEff:.0000000000000000" "$CABIN" exec web /bin/cat /proc/self/status
t "  inside its cgroup" sh -c "\"$CABIN\" exec web /bin/cat /proc/self/cgroup | grep -q '/web'"
t_out "stdin with -i: echo x | cabin exec -i web cat" "^piped$" sh -c "echo piped | \"$CABIN\" exec -i web /bin/cat"
t_rc "the exit status comes back" 3 "$CABIN" exec web /bin/sh -c 'exit 3'
t_rc "a missing command: 127" 127 "$CABIN" exec web /no/such/cmd
t_rc "not executable: 126" 126 "$CABIN" exec web /etc/passwd
t_out "exec -e K=V adds, -e replaces a container's value" "^hello-x world$" "$CABIN" exec -e X=hello-x -e GREETING=world web /bin/sh -c 'echo $X $GREETING'
t_out "exec -u 0 -w /etc: another user and directory" "^0 /etc$" "$CABIN" exec -u 0 -w /etc web /bin/sh -c 'echo $(id -u) $(pwd)'
t_rc "exec -e without =: usage" 2 "$CABIN" exec -e NOVALUE web /bin/true
t_out "exec with a ninth -e: a usage error, never dropped silently" "at most 8 -e" \
	"$CABIN" exec -e A=1 -e B=2 -e C=3 -e D=4 -e E=5 -e F=6 -e G=7 -e H=8 -e I=9 web /bin/true
# -t: a pty of the container's own devpts, the command's controlling terminal
t_out "exec -t: the command runs on a terminal of the container's devpts" "^/dev/pts/[0-9]+" "$CABIN" exec -t web /bin/tty
t_out "  stdin, stdout and stderr are that terminal" "tty-ok" "$CABIN" exec -t web /bin/sh -c '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty-ok'
t_out "  it is the controlling terminal (a session of its own)" "^ctty-ok" "$CABIN" exec -t web /bin/sh -c 'exec 3</dev/tty && echo ctty-ok'
t_rc "  the exit status comes back" 5 "$CABIN" exec -t web /bin/sh -c 'exit 5'
t_out "  -it: stdin through the pty" "got-piped" sh -c "echo piped | \"$CABIN\" exec -it web /bin/sh -c 'read x; echo got-\$x'"
t_out "  from a real terminal (script(1)): raw mode, the size passed on" "rows-ok" \
	script -qec "stty rows 33 cols 101; \"$CABIN\" exec -t web /bin/sh -c 'stty size | grep -q \"33 101\" && echo rows-ok'" /dev/null
t "pause web" "$CABIN" pause web
t_out "exec into a paused container: a clear error" "web is paused" "$CABIN" exec web /bin/true
t_rc "  exit 1" 1 "$CABIN" exec web /bin/true
t "resume" "$CABIN" resume web
t_out "exec into an unknown container: a clear error" "no such container" "$CABIN" exec nope /bin/true
H0=$(sha256sum "$CABIN" | cut -d' ' -f1)
: > "$T/x"
i=0
while [ $i -lt 200 ]; do "$CABIN" exec evil /bin/true || echo "exec $i failed" >> "$T/x"; i=$((i + 1)); done
t "200 execs into a container that keeps writing /proc/*/exe" [ ! -s "$T/x" ]
t "  the host's cabin binary is unchanged" [ "$(sha256sum "$CABIN" | cut -d' ' -f1)" = "$H0" ]
t "shutdown" "$CABIN" shutdown
t "daemon gone" retry 200 sh -c "! kill -0 $DPID 2>/dev/null"
t "no group left" sh -c "for d in \$CG_DIRS; do [ -z \"\$(find \$d -mindepth 1 -type d)\" ] || exit 1; done"
