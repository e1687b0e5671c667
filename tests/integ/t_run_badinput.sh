#!/bin/sh
# cabin run on bad input and hostile rootfs trees: clear one-line errors, the documented
# exit codes (125 own failure, 126 not executable, 127 not found), nothing written outside
# the rootfs, and nothing left behind (mounts, cgroups, processes) after each attempt.
# Rows A1, A2, A5, A12, A13, A16, B2 of research/reliability.md.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runlib.sh"
cg_enter
mkrootfs "$ROOT"
snap

# one_line_err RC CMD...: exits RC with exactly one line on stderr, "cabin: ..."
one_line_err() {
	q_w=$1; shift
	"$@" > "$T/.so" 2> "$T/.se"
	q_rc=$?
	cat "$T/.so" "$T/.se"
	[ "$q_rc" = "$q_w" ] || { echo "exit $q_rc, wanted $q_w"; return 1; }
	[ "$(wc -l < "$T/.se")" = 1 ] || { echo "stderr is not one line"; return 1; }
	grep -q '^cabin: ' "$T/.se" || { echo "stderr does not start with 'cabin: '"; return 1; }
}
# start_failed STEP-REGEX CMD...: exit 125 and "cabin: start-failed:<step>: <errno text>"
start_failed() {
	q_s=$1; shift
	one_line_err 125 "$@" || return 1
	grep -Eq "^cabin: .*start-failed:[a-z_-]*($q_s)[a-z_-]*: " "$T/.se" || {
		echo "no 'start-failed:<step>: ' matching /$q_s/"; return 1; }
}

# --- missing and broken pieces -----------------------------------------------------------
t "missing rootfs: 125, one line" one_line_err 125 "$CABIN" run --rootfs "$T/nonexistent" -- /bin/true
t "missing rootfs: nothing created" test ! -e "$T/nonexistent"
t "nothing left (missing rootfs)" left_nothing
echo x > "$T/afile"
t "rootfs is a file: 125" one_line_err 125 "$CABIN" run --rootfs "$T/afile" -- /bin/true
t "nothing left (rootfs a file)" left_nothing
t "missing command: 127" one_line_err 127 run -- /bin/no-such-command
t "missing command: message names it" grep -q 'no-such-command' "$T/.se"
t "nothing left (missing command)" left_nothing
t "missing command in PATH: 127" one_line_err 127 run -- no-such-command
printf '#!/bin/sh\necho hi\n' > "$ROOT/bin/noexec"
chmod 644 "$ROOT/bin/noexec"
t "non-executable command: 126" one_line_err 126 run -- /bin/noexec
t "nothing left (non-executable)" left_nothing
t "directory as command: 126" one_line_err 126 run -- /tmp
printf '\177ELF garbage' > "$ROOT/bin/badelf"
chmod 755 "$ROOT/bin/badelf"
t "exec format error: 126" one_line_err 126 run -- /bin/badelf
printf '#!/bin/nonexistent-interp\n' > "$ROOT/bin/badshebang"
chmod 755 "$ROOT/bin/badshebang"
t_rc "missing interpreter: 127" 127 run -- /bin/badshebang
t "nothing left (bad executables)" left_nothing
t "volume source missing: 125" start_failed 'vol|mount|bind' run -v "$T/no-such-src:/data" -- /bin/true
t "volume source missing: nothing created" test ! -e "$T/no-such-src"
t "nothing left (volume source missing)" left_nothing
t_fail "no command at all" run --
t_fail "unknown option" run --no-such-option -- /bin/true
t_fail "bad --memory value" run --memory lots -- /bin/true
t_fail "bad --pids value" run --pids -3 -- /bin/true
t_fail "bad --cpu value" run --cpu many -- /bin/true
t_fail "relative volume destination" run -v "$T:data" -- /bin/true
t_fail "bad --user" run --user 'a:b:c' -- /bin/true
t "nothing left (bad options)" left_nothing

# --- A1: /proc or /sys a symlink out of the rootfs --------------------------------------
for d in proc sys; do
	R2=$T/a1-$d
	mkrootfs "$R2"
	rmdir "$R2/$d" && ln -s "$T/a1-target-$d" "$R2/$d"
	t "A1: /$d a symlink: start refused" one_line_err 125 "$CABIN" run --rootfs "$R2" -- /bin/true
	t "A1: /$d: nothing created at the target" test ! -e "$T/a1-target-$d"
	t "A1: /$d: nothing left" left_nothing
	rm -rf "$R2"
done

# --- A2: /dev a symlink to a host directory ----------------------------------------------
R2=$T/a2
mkrootfs "$R2"
mkdir "$T/a2-canary"
rmdir "$R2/dev" && ln -s "$T/a2-canary" "$R2/dev"
run2() { "$CABIN" run --rootfs "$R2" -- /bin/true; }
run2 > "$T/.out" 2>&1
RC=$?
t "A2: /dev a symlink: refused or contained (exit $RC)" test "$RC" = 125 -o "$RC" = 0
t "A2: host directory still empty" test -z "$(ls -A "$T/a2-canary")"
t "A2: nothing left" left_nothing
rm -rf "$R2"

# --- A5: volume destinations through symlinks ------------------------------------------
mkdir -p "$T/vsrc" "$T/a5-host" "$T/a5-host2" "$T/a5-host3"
echo vol > "$T/vsrc/vfile"
echo keep > "$T/a5-host/keep"
echo keep > "$T/a5-host2/keep"
echo keep > "$T/a5-host3/keep"
ln -s "$T/a5-host" "$ROOT/abs"
ln -s "../../../../../../../../../..$T/a5-host2" "$ROOT/rel"
ln -s "$T/a5-dangling" "$ROOT/dang"
a5() {
	run -v "$T/vsrc:$1" -- /bin/probe read "$1/vfile"
	q_rc=$?
	# 0: mounted inside the rootfs; 125: refused at start; 2: refused by the option
	# checks (they are the config's: a '..' component is an error there)
	case $q_rc in
	0|2|125) ;;
	*) echo "exit $q_rc"; return 1 ;;
	esac
	[ "$(ls -A "$2")" = keep ] || { echo "host directory $2 changed:"; ls -la "$2"; return 1; }
}
t "A5: absolute symlink in the destination" a5 /abs/x "$T/a5-host"
t "A5: absolute symlink as the destination" a5 /abs "$T/a5-host"
t "A5: relative symlink climbing out" a5 /rel/x "$T/a5-host2"
t "A5: .. in the destination" a5 "/../../../../..$T/a5-host3/y" "$T/a5-host3"
a5_dangling() {
	run -v "$T/vsrc:/dang/x" -- /bin/true
	test ! -e "$T/a5-dangling" || { echo "created $T/a5-dangling on the host"; return 1; }
}
t "A5: dangling symlink: nothing created outside" a5_dangling
t "A5: nothing left" left_nothing
rm -f "$ROOT/abs" "$ROOT/rel" "$ROOT/dang"

# --- A12: /etc files planted as symlinks to a host file ---------------------------------
echo canary > "$T/a12-canary"
echo canary > "$T/a12-canary2"
echo canary > "$T/a12-canary3"
mv "$ROOT/etc" "$T/etc.saved" && mkdir "$ROOT/etc" && cp "$T/etc.saved/passwd" "$T/etc.saved/group" "$ROOT/etc/"
ln -s "$T/a12-canary" "$ROOT/etc/resolv.conf"
ln -s "$T/a12-canary2" "$ROOT/etc/hostname"
ln -s "$T/a12-canary3" "$ROOT/etc/hosts"
run --hostname planted -- /bin/true > "$T/.out" 2>&1
RC=$?
t "A12: start works or is refused cleanly (exit $RC)" test "$RC" = 0 -o "$RC" = 125
for c in a12-canary a12-canary2 a12-canary3; do
	t "A12: host file $c unchanged" grep -qx canary "$T/$c"
	t "A12: host file $c still a plain file" test -f "$T/$c" -a ! -L "$T/$c"
done
t "A12: nothing left" left_nothing
rm -rf "$ROOT/etc" && mv "$T/etc.saved" "$ROOT/etc"

# --- A13: the user lookup never loads the container's NSS modules -------------------
if command -v gcc > /dev/null; then
	cat > "$T/evil.c" <<EOF
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void pwn(void)
{
	close(open("$T/pwned", O_CREAT | O_WRONLY, 0644));
}
EOF
	gcc -shared -fPIC -o "$T/libnss_evil.so.2" "$T/evil.c"
	for l in lib lib64 lib/x86_64-linux-gnu usr/lib usr/lib/x86_64-linux-gnu; do
		mkdir -p "$ROOT/$l" && cp "$T/libnss_evil.so.2" "$ROOT/$l/"
	done
	printf 'passwd: evil\ngroup: evil\nshadow: evil\n' > "$ROOT/etc/nsswitch.conf"
	t_out "A13: --user app resolved from the container's passwd" 'Uid:.1000.1000' \
		run --user app -- /bin/probe status
	t "A13: the NSS module was never loaded" test ! -e "$T/pwned" -a ! -e "$ROOT$T/pwned"
	rm -f "$ROOT/etc/nsswitch.conf"
else
	skip "A13: no gcc to build the fake NSS module"
fi

# --- A16: /proc, /sys, /dev missing from the rootfs ----------------------------------
R2=$T/a16
mkrootfs "$R2"
rmdir "$R2/proc" "$R2/sys" "$R2/dev"
"$CABIN" run --rootfs "$R2" -- /bin/probe read /proc/self/stat > "$T/.out" 2>&1
RC=$?
t "A16: missing mount points created inside or refused (exit $RC)" test "$RC" = 0 -o "$RC" = 125
t "A16: nothing left" left_nothing
rm -rf "$R2"

# --- B2: workdir through /proc/self/fd/N or a symlink out ------------------------------
echo marker > "$T/hostmarker"
b2() {
	run --workdir "/proc/self/fd/$1" -- /bin/sh -c \
		"/bin/probe cwd; /bin/probe read ../../../../../../../../../..$T/hostmarker" > "$T/.b2" 2>&1
	q_rc=$?
	cat "$T/.b2"
	[ "$q_rc" = 125 ] && return 0
	grep -q '(unreachable)' "$T/.b2" && return 1
	grep -qx marker "$T/.b2" && return 1
	head -1 "$T/.b2" | grep -q '^/'
}
for n in 3 4 5 6 7 8 9 10 11 12; do
	t "B2: --workdir /proc/self/fd/$n stays in the container" b2 $n
done
# the runc CVE-2024-21626 shape: a host directory fd open in cabin at chdir time
b2leak() {
	sh -c "exec 7<'$T'; exec '$CABIN' run --rootfs '$ROOT' --workdir /proc/self/fd/7 -- \
		/bin/sh -c '/bin/probe cwd; /bin/probe read hostmarker'" > "$T/.b2" 2>&1
	q_rc=$?
	cat "$T/.b2"
	[ "$q_rc" = 125 ] && return 0
	! grep -qx marker "$T/.b2" && ! grep -q '(unreachable)' "$T/.b2"
}
t "B2: --workdir /proc/self/fd/7 with the caller's fd 7 on a host directory" b2leak
ln -s "$T" "$ROOT/wd"
b2link() {
	run --workdir /wd -- /bin/sh -c "/bin/probe cwd; /bin/probe read hostmarker" > "$T/.b2" 2>&1
	q_rc=$?
	cat "$T/.b2"
	[ "$q_rc" = 125 ] && return 0
	! grep -qx marker "$T/.b2"
}
t "B2: --workdir through a symlink out of the rootfs" b2link
rm -f "$ROOT/wd"
t "B2: nothing left" left_nothing

# --- options get the config's checks (they are parsed as a config section) -------------
t_rc "-v onto /proc is refused like volume= (A10)" 2 run -v "$T/vsrc:/proc/x" -- /bin/true
t_out "  and says why" "/proc" run -v "$T/vsrc:/proc/x" -- /bin/true
t_rc "--memory below the config's minimum is refused" 2 run --memory 1K -- /bin/true
t_rc "a capability both added and dropped is refused" 2 run --cap-add NET_ADMIN --cap-drop NET_ADMIN -- /bin/true
t_rc "a line break cannot smuggle in another key" 2 run -e "A=1
cap_add=ALL" -- /bin/true
t "options: nothing left" left_nothing
