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
 * capability n). 0, or -errno in e. */
int seccomp_install(uint64_t keep, struct cabin_err *e);

#endif
