// SPDX-License-Identifier: MIT
/* Fuzz the seccomp filter builder (hardening issue): the input picks the capabilities a
 * container keeps, the seccomp_allow= mask and a list of syscalls (number, first
 * argument, architecture); the program seccomp_build makes is run by a small classic-BPF
 * interpreter here and every verdict is checked against the rules the filter must keep:
 * a foreign architecture or an x32 number is refused, a number past the known range gets
 * ENOSYS, a refused table entry gets EPERM unless its capability is kept or it is
 * allowed by name, clone with namespace flags needs CAP_SYS_ADMIN, socket(AF_VSOCK) is
 * refused, clone3 gets ENOSYS, anything else passes. Also: the program fits, every jump
 * lands inside it, and it ends in a return. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cabin/seccomp.h"

#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)
#define ALLOW SECCOMP_RET_ALLOW
#define EPERM_ (SECCOMP_RET_ERRNO | EPERM)
#define ENOSYS_ (SECCOMP_RET_ERRNO | ENOSYS)

static uint32_t run(const struct sock_filter *f, unsigned n, const struct seccomp_data *d)
{
	uint32_t a = 0;
	unsigned pc = 0, steps = 0;

	while (pc < n) {
		const struct sock_filter *i = &f[pc];

		if (++steps > n) /* classic BPF only jumps forward */
			abort();
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(*d))
				abort();
			memcpy(&a, (const char *)d + i->k, 4);
			pc++;
			break;
		case BPF_JMP | BPF_JA:
			pc += 1 + i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += 1 + (a == i->k ? i->jt : i->jf);
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += 1 + (a >= i->k ? i->jt : i->jf);
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += 1 + (a > i->k ? i->jt : i->jf);
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += 1 + ((a & i->k) ? i->jt : i->jf);
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			abort(); /* an instruction the builder never emits */
		}
	}
	abort(); /* fell off the end */
}

/* what the filter must answer */
static uint32_t expect(uint64_t keep, uint64_t allow, const struct seccomp_data *d)
{
	unsigned nr, cap;

#ifdef __x86_64__
	if (d->arch != AUDIT_ARCH_X86_64 || d->nr >= 0x40000000u)
		return EPERM_;
#else
	if (d->arch != AUDIT_ARCH_AARCH64)
		return EPERM_;
#endif
	if (d->nr == SYS_clone)
		return !(keep >> 21 & 1) && ((uint32_t)d->args[0] & NS_FLAGS) ? EPERM_ : ALLOW;
	if (d->nr == SYS_socket)
		return (uint32_t)d->args[0] == 40 ? EPERM_ : ALLOW;
	if (d->nr == SYS_personality) {
		uint32_t p = (uint32_t)d->args[0];

		return p == 0 || p == 8 || p == 0x20000 || p == 0xffffffff ? ALLOW : EPERM_;
	}
	if (d->nr == 435)
		return ENOSYS_;
	for (unsigned i = 0; seccomp_table(i, &nr, &cap) == 0; i++)
		if (nr == d->nr)
			return (cap != 63 && keep >> cap & 1) || (allow >> i & 1) ? ALLOW : EPERM_;
	return d->nr > 462 ? ENOSYS_ : ALLOW;
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	struct sock_filter f[SECCOMP_MAXPROG + 64];
	uint64_t keep = 0, allow = 0;
	unsigned len;

	if (n < 16)
		return 0;
	memcpy(&keep, p, 8);
	memcpy(&allow, p + 8, 8);
	p += 16;
	n -= 16;
	len = seccomp_build(keep, allow, f);
	if (!len || len > SECCOMP_MAXPROG)
		abort();
	if (BPF_CLASS(f[len - 1].code) != BPF_RET)
		abort();
	for (unsigned i = 0; i < len; i++) { /* every jump inside the program */
		if (BPF_CLASS(f[i].code) != BPF_JMP)
			continue;
		if (f[i].code == (BPF_JMP | BPF_JA) ? i + 1 + f[i].k >= len
						     : i + 1 + f[i].jt >= len || i + 1 + f[i].jf >= len)
			abort();
	}
	/* each syscall: 2 bytes of number, 1 of variant, 4 of argument */
	for (; n >= 7; p += 7, n -= 7) {
		struct seccomp_data d = { 0 };
		uint32_t arg;

		d.nr = p[0] | p[1] << 8;
		if (p[2] & 1) /* an x32 or out-of-range number */
			d.nr |= (uint32_t)(p[2] >> 1) << 24;
#ifdef __x86_64__
		d.arch = p[2] & 0x80 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
#else
		d.arch = p[2] & 0x80 ? AUDIT_ARCH_ARM : AUDIT_ARCH_AARCH64;
#endif
		memcpy(&arg, p + 3, 4);
		d.args[0] = arg;
		if (run(f, len, &d) != expect(keep, allow, &d)) {
			fprintf(stderr, "nr %u arch %x arg %x keep %llx allow %llx: got %x want %x\n",
				d.nr, d.arch, arg, (unsigned long long)keep,
				(unsigned long long)allow, run(f, len, &d), expect(keep, allow, &d));
			abort();
		}
	}
	return 0;
}
