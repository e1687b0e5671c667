/* SPDX-License-Identifier: MIT */
/* cgroups v2 and v1 behind one interface. cabin's groups live under the group cabin was
 * started in (per hierarchy, from /proc/self/cgroup), or under cgroup_parent=. */
#ifndef CABIN_CGROUP_H
#define CABIN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/conf.h"
#include "cabin/err.h"

enum cgroup_ctl { CG_MEMORY, CG_CPU, CG_PIDS, CG_IO, CG_FREEZER, CG_NCTL };

struct cgroup_sys {
	int version;			/* 1 or 2 */
	/* v2: base = <unified mount>/<our group>[/<cgroup_parent>]
	 * v1: base per controller; empty string if that controller is not available */
	char base[CG_NCTL][256];
	char v2base[256];		/* v2 only */
	bool have[CG_NCTL];
};

/* Detect the hierarchy layout. mnt is normally CONFIG_DEFAULT_CGROUP_MNT, selfcg is
 * normally "/proc/self/cgroup", mountinfo "/proc/self/mountinfo"; tests pass a fake tree.
 * mode picks auto/v1/v2; parent is cgroup_parent= or NULL. */
int cgroup_init(struct cgroup_sys *s, enum conf_cgroup mode, const char *parent,
		const char *mnt, const char *selfcg, const char *mountinfo, struct cabin_err *e);

/* Create the group(s) for container `name` and write the limits of c. */
int cgroup_create(const struct cgroup_sys *s, const char *name, const struct conf_ctr *c,
		  struct cabin_err *e);
/* Move pid into the container's group(s). */
int cgroup_attach(const struct cgroup_sys *s, const char *name, pid_t pid, struct cabin_err *e);
/* v2: an O_DIRECTORY fd of the container group for clone3(CLONE_INTO_CGROUP), or -1. */
int cgroup_dirfd(const struct cgroup_sys *s, const char *name);
/* Kill every process of the group (cgroup.kill on v2, freeze + SIGKILL + thaw on v1) and
 * wait, bounded, until it is empty. */
int cgroup_kill(const struct cgroup_sys *s, const char *name, struct cabin_err *e);
/* Signal every process of the group (stop_signal to all) without waiting. */
int cgroup_signal(const struct cgroup_sys *s, const char *name, int sig, struct cabin_err *e);
/* Remove the group(s); bounded retries on EBUSY. */
int cgroup_destroy(const struct cgroup_sys *s, const char *name, struct cabin_err *e);
int cgroup_freeze(const struct cgroup_sys *s, const char *name, bool frozen, struct cabin_err *e);
bool cgroup_is_empty(const struct cgroup_sys *s, const char *name);
/* Number of OOM kills seen in the group (memory.events oom_kill / v1 oom_control). */
long cgroup_oom_kills(const struct cgroup_sys *s, const char *name);

struct cgroup_stats {
	uint64_t cpu_usec;
	uint64_t mem_bytes;
	uint64_t mem_limit;		/* 0 = none */
	uint64_t pids;
	uint64_t io_rbytes, io_wbytes;
};
int cgroup_stats(const struct cgroup_sys *s, const char *name, struct cgroup_stats *st,
		 struct cabin_err *e);

#endif
