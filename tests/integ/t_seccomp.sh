#!/bin/sh
# The default seccomp filter (hardening issue, C2/C3), seen from inside: Seccomp: 2; what
# Docker's default profile refuses is refused (keyctl, add_key, io_uring_setup,
# socket(AF_VSOCK), unshare of a user namespace, the x32 and i386 entry points, odd
# personalities; clone3 says ENOSYS so libc falls back to clone); the busybox userland
# still works; a capability given back re-allows what it covers; seccomp=unconfined
# has no filter; health probes get it too (they go through the same code).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runlib.sh"
cg_enter
mkrootfs "$ROOT"
snap
run -- /bin/probe status > "$T/st" 2>&1
t "Seccomp: 2 (a filter)" file_has "$T/st" '^Seccomp:.2$'
for c in keyctl addkey iouring vsock newuser x32 int80 personality; do
	t_out "$c refused (EPERM)" "ERR EPERM scall" run -- /bin/probe scall $c
done
t_out "clone3: ENOSYS (libc falls back to clone)" "ERR ENOSYS scall" run -- /bin/probe scall clone3
t_out "busybox unshare -r: refused" "Operation not permitted" run -- /bin/unshare -r /bin/true
t_out "getpid passes" "^OK" run -- /bin/probe scall getpid
t_out "the busybox userland works (sh, ls, sort, wget -h)" "ok-all" run -- /bin/sh -c 'ls / > /dev/null && echo b a | tr " " "\n" | sort | head -1 | grep -q a && wget --help 2>&1 | grep -q Usage && sed -n 1p /etc/passwd > /dev/null && echo ok-all'
t_out "a fork, exec and pipes: fine" "^3$" run -- /bin/sh -c 'seq 1 3 | wc -l'
t_out "CAP_SYS_ADMIN given back: unshare of a mount namespace allowed" "^OK" run --cap-add SYS_ADMIN -- /bin/probe sys unshare
t_out "without it: refused" "ERR EPERM" run -- /bin/probe sys unshare
t_out "no_new_privs=no: the filter still goes in (before the capabilities drop)" '^Seccomp:.2$' \
	run --no-new-privs no -- /bin/probe status
run --seccomp unconfined -- /bin/probe status > "$T/st" 2>&1
t "seccomp=unconfined: Seccomp: 0" file_has "$T/st" '^Seccomp:.0$'
t_out "  keyctl reaches the kernel" "OK|ERR E(NOKEY|ACCES)" run --seccomp unconfined -- /bin/probe scall keyctl
t_out "seccomp_allow=keyctl: that one reaches the kernel" "OK|ERR E(NOKEY|ACCES)" run --seccomp-allow keyctl -- /bin/probe scall keyctl
t_out "  add_key is still refused" "ERR EPERM" run --seccomp-allow keyctl -- /bin/probe scall addkey
t_out "seccomp_allow=nosuch: an error naming the key" "seccomp_allow=nosuch: not a syscall the default filter refuses" run --seccomp-allow nosuch -- /bin/true
t "nothing left behind" left_nothing
