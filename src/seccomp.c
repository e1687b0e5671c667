// SPDX-License-Identifier: MIT
/* The default seccomp filter: a table of refused syscalls (each with the capability
 * that would make it legitimate), turned into classic BPF at start in the child. A
 * denylist inside a known range is the same set as Docker's allowlist for every syscall
 * this table knows, and far shorter: the common syscalls (numbers below the first
 * refused one) pass after four instructions. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cabin/seccomp.h"

#if defined(__x86_64__)
#define NATIVE AUDIT_ARCH_X86_64
#define X32_BIT 0x40000000u
#define LAST_KNOWN 462	   /* mseal */
#elif defined(__aarch64__) /* a 32-bit (compat) task is refused by the arch check */
#define NATIVE AUDIT_ARCH_AARCH64
#define LAST_KNOWN 462
#elif defined(__arm__) && defined(__ARMEL__)
#define NATIVE AUDIT_ARCH_ARM
#define LAST_KNOWN 462
#endif

#ifdef NATIVE

/* capability numbers (linux/capability.h) */
enum {
	C_SYS_MODULE = 16,
	C_SYS_RAWIO = 17,
	C_SYS_PACCT = 20,
	C_SYS_ADMIN = 21,
	C_SYS_BOOT = 22,
	C_SYS_NICE = 23,
	C_SYS_TIME = 25,
	C_SYS_TTY_CONFIG = 26,
	C_SYS_PTRACE = 19,
	C_SYSLOG = 34,
	C_NONE = 63
};

/* refused: the syscall, the capability that allows it (C_NONE: never), and its name
 * for seccomp_allow= */
static const struct deny {
	unsigned short nr;
	unsigned char cap;
	const char *name;
} deny[] = {
#ifdef SYS_syslog
	{ SYS_syslog, C_SYSLOG, "syslog" },
#endif
#ifdef SYS_uselib
	{ SYS_uselib, C_NONE, "uselib" },
#endif
#ifdef SYS_ustat
	{ SYS_ustat, C_NONE, "ustat" },
#endif
#ifdef SYS_sysfs
	{ SYS_sysfs, C_NONE, "sysfs" },
#endif
	{ SYS_vhangup, C_SYS_TTY_CONFIG, "vhangup" },
#ifdef SYS_modify_ldt
	{ SYS_modify_ldt, C_NONE, "modify_ldt" },
#endif
	{ SYS_pivot_root, C_SYS_ADMIN, "pivot_root" },
#ifdef SYS__sysctl
	{ SYS__sysctl, C_NONE, "_sysctl" },
#endif
	{ SYS_acct, C_SYS_PACCT, "acct" },
	{ SYS_settimeofday, C_SYS_TIME, "settimeofday" },
	{ SYS_mount, C_SYS_ADMIN, "mount" },
	{ SYS_umount2, C_SYS_ADMIN, "umount2" },
	{ SYS_swapon, C_SYS_ADMIN, "swapon" },
	{ SYS_swapoff, C_SYS_ADMIN, "swapoff" },
	{ SYS_reboot, C_SYS_BOOT, "reboot" },
#ifdef SYS_iopl
	{ SYS_iopl, C_SYS_RAWIO, "iopl" },
	{ SYS_ioperm, C_SYS_RAWIO, "ioperm" },
#endif
#ifdef SYS_create_module
	{ SYS_create_module, C_NONE, "create_module" },
#endif
	{ SYS_init_module, C_SYS_MODULE, "init_module" },
	{ SYS_delete_module, C_SYS_MODULE, "delete_module" },
#ifdef SYS_get_kernel_syms
	{ SYS_get_kernel_syms, C_NONE, "get_kernel_syms" },
	{ SYS_query_module, C_NONE, "query_module" },
#endif
	{ SYS_quotactl, C_SYS_ADMIN, "quotactl" },
#ifdef SYS_nfsservctl
	{ SYS_nfsservctl, C_NONE, "nfsservctl" },
#endif
	{ SYS_lookup_dcookie, C_SYS_ADMIN, "lookup_dcookie" },
	{ SYS_clock_settime, C_SYS_TIME, "clock_settime" },
#ifdef SYS_vserver
	{ SYS_vserver, C_NONE, "vserver" },
#endif
	{ SYS_mbind, C_SYS_NICE, "mbind" },
	{ SYS_set_mempolicy, C_SYS_NICE, "set_mempolicy" },
	{ SYS_get_mempolicy, C_SYS_NICE, "get_mempolicy" },
	{ SYS_kexec_load, C_SYS_BOOT, "kexec_load" },
	{ SYS_add_key, C_NONE, "add_key" },
	{ SYS_request_key, C_NONE, "request_key" },
	{ SYS_keyctl, C_NONE, "keyctl" },
	{ SYS_migrate_pages, C_SYS_NICE, "migrate_pages" },
	{ SYS_unshare, C_SYS_ADMIN, "unshare" },
	{ SYS_move_pages, C_SYS_NICE, "move_pages" },
	{ SYS_perf_event_open, C_SYS_ADMIN, "perf_event_open" },
	{ SYS_name_to_handle_at, C_SYS_ADMIN, "name_to_handle_at" },
	{ SYS_open_by_handle_at, C_SYS_ADMIN, "open_by_handle_at" },
	{ SYS_clock_adjtime, C_SYS_TIME, "clock_adjtime" },
	{ SYS_setns, C_SYS_ADMIN, "setns" },
	{ SYS_process_vm_readv, C_SYS_PTRACE, "process_vm_readv" },
	{ SYS_process_vm_writev, C_SYS_PTRACE, "process_vm_writev" },
	{ SYS_kcmp, C_SYS_PTRACE, "kcmp" },
	{ SYS_finit_module, C_SYS_MODULE, "finit_module" },
#ifdef SYS_kexec_file_load
	{ SYS_kexec_file_load, C_SYS_BOOT, "kexec_file_load" },
#endif
	{ SYS_bpf, C_SYS_ADMIN, "bpf" },
	{ SYS_userfaultfd, C_SYS_PTRACE, "userfaultfd" },
	{ 425 /* io_uring_setup */, C_NONE, "io_uring_setup" },
	{ 426 /* io_uring_enter */, C_NONE, "io_uring_enter" },
	{ 427 /* io_uring_register */, C_NONE, "io_uring_register" },
	{ 428 /* open_tree */, C_SYS_ADMIN, "open_tree" },
	{ 429 /* move_mount */, C_SYS_ADMIN, "move_mount" },
	{ 430 /* fsopen */, C_SYS_ADMIN, "fsopen" },
	{ 431 /* fsconfig */, C_SYS_ADMIN, "fsconfig" },
	{ 432 /* fsmount */, C_SYS_ADMIN, "fsmount" },
	{ 433 /* fspick */, C_SYS_ADMIN, "fspick" },
	{ 442 /* mount_setattr */, C_SYS_ADMIN, "mount_setattr" },
	{ 450 /* set_mempolicy_home_node */, C_SYS_NICE, "set_mempolicy_home_node" },
};

#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define EPERM_ SECCOMP_RET_ERRNO | EPERM
#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define ARG0 offsetof(struct seccomp_data, args[0]) /* low 32 bits (little endian) */

/* d[lo..hi) sorted: up to 4 numbers compared in a row (each a JEQ to the EPERM, jt
 * 0xff until patched), then a JA to the ALLOW (k 0xffff until patched); more: a JGE on
 * the middle one splits them. Returns the next free index. */
static unsigned tree(struct sock_filter *f, unsigned n, const unsigned short *d, unsigned lo,
		     unsigned hi)
{
	unsigned mid, at;

	if (hi - lo <= 4) {
		for (unsigned i = lo; i < hi; i++)
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, d[i], 0xff,
							      0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0xffff, 0, 0);
		return n;
	}
	mid = (lo + hi) / 2;
	at = n++;
	n = tree(f, n, d, lo, mid);
	f[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, d[mid], n - at - 1, 0);
	return tree(f, n, d, mid, hi);
}

int seccomp_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (!strcmp(deny[i].name, name))
			return (int)i;
	return -1;
}

/* refused unless the capability that covers it is kept, or seccomp_allow= names it */
static bool refused(size_t i, uint64_t keep, uint64_t allow)
{
	return !(deny[i].cap != C_NONE && keep >> deny[i].cap & 1) && !(allow >> i & 1);
}

unsigned seccomp_build(uint64_t keep, uint64_t allow, struct sock_filter *f)
{
	bool admin = keep >> C_SYS_ADMIN & 1;
	unsigned short d[sizeof(deny) / sizeof(deny[0])];
	unsigned n = 0, first = LAST_KNOWN, deny_at, allow_at, nd = 0;

#define EMIT(x) (f[n++] = (struct sock_filter)x)
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (deny[i].nr < first && refused(i, keep, allow))
			first = deny[i].nr;
	/* 0: the architecture: another entry point (i386's int 0x80) is refused */
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE, 1, 0));
	EMIT(RET(EPERM_));
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR));
#ifdef X32_BIT
	EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1)); /* x32 */
	EMIT(RET(EPERM_));
#endif
	/* arguments: clone's namespace flags, socket(AF_VSOCK), personality */
	if (!admin) {
		EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4));
		EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0));
		EMIT(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1));
		EMIT(RET(EPERM_));
		EMIT(RET(SECCOMP_RET_ALLOW));
	}
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 4));
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 40 /* AF_VSOCK */, 0, 1));
	EMIT(RET(EPERM_));
	EMIT(RET(SECCOMP_RET_ALLOW));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0, 7));
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0, 4, 0));	     /* PER_LINUX */
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 3, 0));	     /* UNAME26 */
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 2, 0));    /* PER_LINUX32 */
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 1, 0)); /* query */
	EMIT(RET(EPERM_));
	EMIT(RET(SECCOMP_RET_ALLOW));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 435 /* clone3 */, 0, 1));
	EMIT(RET(SECCOMP_RET_ERRNO | ENOSYS)); /* libc falls back to clone, which we see */
	/* the fast path: below the first refused number everything passes */
	EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first, 1, 0));
	EMIT(RET(SECCOMP_RET_ALLOW));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, LAST_KNOWN, 0, 1));
	EMIT(RET(SECCOMP_RET_ERRNO | ENOSYS)); /* newer than this list */
	deny_at = n;
	/* the refused ones, sorted, as a search tree: a few compares for any number */
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (refused(i, keep, allow))
			d[nd++] = deny[i].nr;
	for (unsigned i = 1; i < nd; i++)
		for (unsigned j = i; j > 0 && d[j - 1] > d[j]; j--) {
			unsigned short x = d[j];

			d[j] = d[j - 1];
			d[j - 1] = x;
		}
	n = tree(f, n, d, 0, nd);
	allow_at = n;
	EMIT(RET(SECCOMP_RET_ALLOW));
	EMIT(RET(EPERM_));
	for (unsigned i = deny_at; i < allow_at; i++) { /* the leaves' exits */
		if (BPF_CLASS(f[i].code) == BPF_JMP && BPF_OP(f[i].code) == BPF_JEQ &&
		    f[i].jt == 0xff)
			f[i].jt = (unsigned char)(allow_at + 1 - i - 1);
		if (f[i].code == (BPF_JMP | BPF_JA) && f[i].k == 0xffff)
			f[i].k = allow_at - i - 1;
	}
#undef EMIT
	return n;
}

int seccomp_install(uint64_t keep, uint64_t allow, struct cabin_err *e)
{
	struct sock_filter f[SECCOMP_MAXPROG];
	struct sock_fprog prog = { .filter = f };

	prog.len = (unsigned short)seccomp_build(keep, allow, f);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return err_sys(e, "seccomp filter");
	return 0;
}

/* for the fuzzer: the table as it is built in */
int seccomp_table(unsigned i, unsigned *nr, unsigned *cap)
{
	if (i >= sizeof(deny) / sizeof(deny[0]))
		return -1;
	*nr = deny[i].nr;
	*cap = deny[i].cap;
	return 0;
}

_Static_assert(sizeof(deny) / sizeof(deny[0]) <= 64, "seccomp_allow is a 64-bit mask");

#else

int seccomp_lookup(const char *name)
{
	(void)name;
	return -1;
}

unsigned seccomp_build(uint64_t keep, uint64_t allow, struct sock_filter *f)
{
	(void)keep;
	(void)allow;
	(void)f;
	return 0;
}

int seccomp_table(unsigned i, unsigned *nr, unsigned *cap)
{
	(void)i;
	(void)nr;
	(void)cap;
	return -1;
}

int seccomp_install(uint64_t keep, uint64_t allow, struct cabin_err *e)
{
	(void)keep;
	(void)allow;
	return err_set(e, ENOTSUP, "seccomp: no filter for this architecture (seccomp=unconfined)");
}

#endif
