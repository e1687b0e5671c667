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

/* CG_CPUACCT and CG_DEVICES only matter on v1 (cpuacct may be its own hierarchy; the
 * device allowlist); on v2 CG_CPUACCT is the core cpu.stat and CG_DEVICES is false. */
enum cgroup_ctl { CG_MEMORY, CG_CPU, CG_PIDS, CG_IO, CG_FREEZER, CG_CPUACCT, CG_DEVICES, CG_NCTL };

/* v2: cabin moves itself into this leaf of its base when the no-internal-process rule
 * refuses to enable controllers; the leading '_' keeps it apart from container names. */
#define CGROUP_LEAF "_supervisor"
/* `cabin run` owns base/cabin-run.<pid>; the leftovers of a dead one are swept */
#define CGROUP_RUN_PREFIX "cabin-run."

struct cgroup_sys {
	int version; /* 1 or 2 */
	/* v2: base = <unified mount>/<our group> or <unified mount>/<cgroup_parent>, the
	 *     same string in every slot; have[] = controllers enabled for our children.
	 * v1: base per controller (co-mounted ones share a string); have[] false and base
	 *     empty when that controller has no usable hierarchy. */
	char base[CG_NCTL][256];
	char v2base[256]; /* v2 only */
	bool have[CG_NCTL];
	bool moved;	     /* v2: we moved ourselves into base/CGROUP_LEAF */
	char own[64];	     /* the instance's own group under the detected base, "" none */
	int lockfd[CG_NCTL]; /* flock()ed own group directories */
	int nlock;
};

/* Detect the hierarchy layout. mnt is normally CONFIG_DEFAULT_CGROUP_MNT, selfcg is
 * normally "/proc/self/cgroup", mountinfo "/proc/self/mountinfo"; tests pass a fake tree.
 * mode picks auto/v1/v2; parent is cgroup_parent= or NULL. */
int cgroup_init(struct cgroup_sys *s, enum conf_cgroup mode, const char *parent, const char *mnt,
		const char *selfcg, const char *mountinfo, struct cabin_err *e);

/* A container's limits, as cgroup.c takes them (it never reads a config). */
struct cgroup_limits {
	uint64_t memory, memory_high; /* bytes; 0 = none */
	uint32_t cpu_milli;	      /* cores x 1000; 0 = none */
	uint32_t cpu_weight;	      /* 1..10000; 0 = the kernel's default */
	uint32_t io_weight;	      /* 1..10000; 0 = the kernel's default */
	uint32_t pids;		      /* 0 = 256 */
};

/* Create the group(s) for container `name` and write the limits of c. A stale group of
 * the same name is killed and removed first. A memory/cpu limit whose controller is
 * missing is an error; pids and io weight are skipped silently when unavailable. */
int cgroup_create(const struct cgroup_sys *s, const char *name, const struct cgroup_limits *c,
		  struct cabin_err *e);
/* fn(path) for the cgroup.procs file of each hierarchy of the container's group (what
 * `cabin exec` writes itself into) */
void cgroup_procs_each(const struct cgroup_sys *s, const char *name,
		       void (*fn)(const char *path, void *ctx), void *ctx);
/* Move pid (0: the caller itself) into the container's group(s). */
int cgroup_attach(const struct cgroup_sys *s, const char *name, pid_t pid, struct cabin_err *e);
/* v2: an O_DIRECTORY fd of the container group for clone3(CLONE_INTO_CGROUP), or -1
 * (v1, or the open failed; errno is set). The caller closes it. */
int cgroup_dirfd(const struct cgroup_sys *s, const char *name);
/* Kill every process of the group (cgroup.kill on v2, freeze + SIGKILL + thaw on v1) and
 * wait, bounded, until it is empty. */
int cgroup_kill(const struct cgroup_sys *s, const char *name, struct cabin_err *e);
/* Signal every process of the group (stop_signal to all) without waiting. */
int cgroup_signal(const struct cgroup_sys *s, const char *name, int sig, struct cabin_err *e);
/* Remove the group(s) and any sub-groups; bounded retries on EBUSY. Missing = done. */
int cgroup_destroy(const struct cgroup_sys *s, const char *name, struct cabin_err *e);
/* Freeze or thaw and wait (bounded, 1 s) until the kernel reports it done;
 * -EOPNOTSUPP without a freezer, -ETIMEDOUT if it does not settle. */
int cgroup_freeze(const struct cgroup_sys *s, const char *name, bool frozen, struct cabin_err *e);
/* true if no process is left in the group or its sub-groups (or it does not exist) */
bool cgroup_is_empty(const struct cgroup_sys *s, const char *name);
/* Number of OOM kills seen in the group (memory.events oom_kill / v1 oom_control), or
 * -errno when it cannot be read (no memory controller: -EOPNOTSUPP). */
long cgroup_oom_kills(const struct cgroup_sys *s, const char *name);
/* An fd that wakes up on OOM events of the group, for epoll; *events gets the mask to
 * wait for: EPOLLIN on v1 (an eventfd registered on memory.oom_control), EPOLLPRI on v2
 * (memory.events, which the kernel marks on every change). On wake-up call
 * cgroup_oom_drain() and then cgroup_oom_kills(). The caller closes it (before or after
 * the group is gone). -errno if there is no memory controller. */
int cgroup_oom_fd(const struct cgroup_sys *s, const char *name, uint32_t *events,
		  struct cabin_err *e);
void cgroup_oom_drain(const struct cgroup_sys *s, int fd);

/* The instance's own group: create base/group in every hierarchy, take an exclusive
 * flock on it (a second instance on the same subtree is refused with EBUSY and a clear
 * message), and make it the base of every container group from now on. The lock fds are
 * CLOEXEC, and a spawned child closes every inherited fd right after clone. */
int cgroup_own(struct cgroup_sys *s, const char *group, struct cabin_err *e);
/* Remove the own group if empty and drop the locks (clean exit). */
void cgroup_disown(struct cgroup_sys *s);
/* Beside our own group: remove the empty leftovers of dead instances whose group name
 * starts with prefix (a SIGKILLed `cabin run`), skipping those whose lock is held. */
void cgroup_sweep(const struct cgroup_sys *s, const char *prefix);

/* Never waiting, for the daemon's loop. kill: thaw, then cgroup.kill (v2) or one SIGKILL
 * sweep (v1): 0 when empty afterwards, -EAGAIN when processes remain (come back on a
 * timer). remove: one rmdir pass, deepest first: 0, or -EBUSY/-errno. freeze: write the
 * wanted state and return; the kernel settles on its own. */
int cgroup_kill_nowait(const struct cgroup_sys *s, const char *name);
int cgroup_remove_nowait(const struct cgroup_sys *s, const char *name);
int cgroup_freeze_nowait(const struct cgroup_sys *s, const char *name, bool frozen,
			 struct cabin_err *e);

/* Groups being emptied and removed on timers (a fixed table). add: one attempt at once;
 * 0 gone, 1 pending, -errno. step: retries what is due (10 ms doubling to 1 s) and
 * returns the next deadline (0 = nothing pending); warn is called once for a group that
 * resists for 2 s. stale: add every group found under the own group (a crashed
 * instance's leftovers). A group still pending is never re-created. */
int cgroup_gc_add(const struct cgroup_sys *s, const char *name, uint64_t now);
bool cgroup_gc_pending(const char *name);
uint64_t cgroup_gc_step(const struct cgroup_sys *s, uint64_t now,
			void (*warn)(const char *name, int err, uint64_t ms));
void cgroup_gc_stale(const struct cgroup_sys *s, uint64_t now);

struct cgroup_stats {
	uint64_t cpu_usec;
	uint64_t mem_bytes;
	uint64_t mem_limit; /* 0 = none */
	uint64_t pids;
	uint64_t io_rbytes, io_wbytes;
};
/* Fields the kernel does not offer stay 0; an error only if the group is missing. */
int cgroup_stats(const struct cgroup_sys *s, const char *name, struct cgroup_stats *st,
		 struct cabin_err *e);

#ifdef CABIN_TEST
/* Unit tests stand in for the kernel on a fake tree of plain files: mkdir is called after
 * each group mkdir (create the control files), rmdir before each rmdir (remove them),
 * write before each control-file write (return <0 to fail with it, >0 when it handled
 * the write itself, 0 to let the plain write happen). NULL = real cgroupfs. */
extern void (*cgroup_test_mkdir)(const char *dir);
extern void (*cgroup_test_rmdir)(const char *dir);
extern int (*cgroup_test_write)(const char *path, const char *val);
#endif

#endif
