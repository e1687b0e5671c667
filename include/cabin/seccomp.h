/* SPDX-License-Identifier: MIT */
/* The default seccomp filter of every container (issue "Hardening"): classic BPF built
 * by cabin (no libseccomp), Docker's default profile in effect: the architecture first
 * (i386 and x32 entry points refused on x86_64), syscalls newer than cabin's list get
 * ENOSYS (so libc falls back), the dangerous ones EPERM unless the container holds the
 * capability that makes them legitimate, clone with namespace flags, unshare, setns and
 * the mount API only with CAP_SYS_ADMIN, socket(AF_VSOCK) refused, personality limited
 * to the harmless personas, clone3 ENOSYS (its flags cannot be inspected). */
#ifndef CABIN_SECCOMP_H
#define CABIN_SECCOMP_H

#include <stdint.h>

#include "cabin/err.h"

/* Install the filter for a process that will keep the capabilities in keep (bit n =
 * capability n), with the refused syscalls in allow (bits from seccomp_lookup) let
 * through. 0, or -errno in e. */
int seccomp_install(uint64_t keep, uint64_t allow, struct cabin_err *e);
/* The bit of a refused syscall's name for seccomp_allow=, -1 if the filter does not
 * refuse it (or there is no filter for this architecture). */
int seccomp_lookup(const char *name);

/* The program seccomp_install would load, into f (SECCOMP_MAXPROG entries); its length.
 * 0 when there is no filter for this architecture. For tests and the fuzzer. */
#define SECCOMP_MAXPROG 160
struct sock_filter;
unsigned seccomp_build(uint64_t keep, uint64_t allow, struct sock_filter *f);
/* entry i of the refused table: its number and covering capability (63: none); -1 past
 * the end */
int seccomp_table(unsigned i, unsigned *nr, unsigned *cap);

#endif
