/* SPDX-License-Identifier: MIT */
/* Start one container: clone into new namespaces, build the rootfs, drop privileges and
 * exec. The library behind `cabin run`, the daemon, and later `exec` and health checks. */
#ifndef CABIN_SPAWN_H
#define CABIN_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "cabin/cgroup.h"
#include "cabin/conf.h"
#include "cabin/err.h"

struct spawn_opts {
	const struct conf *g;	     /* global keys (hostname, dns, ...); may be NULL */
	const struct cgroup_sys *cg; /* NULL: no cgroups */
	int stdio[3];		     /* fds for the container's 0,1,2; -1 = /dev/null */
	/* Called in the parent after clone, before the child goes on: place it on the
	 * bridge, etc. Returning < 0 aborts the start. May be NULL. */
	int (*setup)(void *ctx, pid_t pid, struct cabin_err *e);
	void *setup_ctx;
	unsigned id_base; /* userns=yes: first host id of the container's range; 0 = 100000 */
	/* an O_PATH fd of a host file bound read-only over the container's /etc/hosts, or
	 * -1: opened by the caller, so a userns container needs no way into RUNDIR */
	int hosts_fd;
	/* "K=V" added to the container's environment (NOTIFY_SOCKET, WATCHDOG_USEC); the
	 * strings must outlive the clone (the child reads its copy) */
	const char *env_extra[3];
	/* spawn_enter without cg (cabin exec, in the client): the cgroup.procs files of the
	 * container's group, as the daemon named them */
	const char *join[4];
	/* spawn_enter: stdio is a pty slave (cabin exec -t): the command gets a session
	 * of its own with it as the controlling terminal */
	bool tty;
};

struct spawn {
	pid_t pid;			/* container init, as seen from the caller */
	int errfd;			/* exec pipe, non-blocking; -1 once answered */
	char cgname[CONF_INST_MAX + 1]; /* the group created for it ("" if none) */
};

/* The daemon's start, in two halves that never wait. spawn_begin creates the group,
 * clones, attaches, writes the id maps and lets the child go; sp->errfd is then the read
 * end of the CLOEXEC exec pipe, for the event loop. spawn_finish reads it: 0 exec
 * happened, -EAGAIN no answer yet, else the child's failed step in e (the child exits;
 * reap it). spawn_abort kills the child and closes the pipe. On a failure of
 * spawn_begin the child (if any) is killed, not reaped; a group that could not be
 * removed at once keeps its name in sp->cgname for the caller to clean. */
int spawn_begin(const struct conf_ctr *c, const struct spawn_opts *o, struct spawn *sp,
		struct cabin_err *e);
int spawn_finish(struct spawn *sp, struct cabin_err *e);
void spawn_abort(struct spawn *sp);

/* Run cmd inside the running container c whose init is `init` (health probes; exec): a
 * helper child joins c's cgroup and every namespace of init (pidfd setns), forks cmd
 * into them as a process group of its own, which becomes c's identity exactly as a start
 * does (user, stdio from o->stdio, rlimits, bounding set, caps, no_new_privs, workdir,
 * env) and execs. The helper waits at most timeout_ms, then kills the group; it always
 * kills what is left of the group when cmd ends, and exits with cmd's status (128+N for
 * a signal, 124 timeout, 125 could not enter, 126/127 as a shell). timeout_ms 0: no
 * timeout and no group of its own (cabin exec: the terminal's job control and ^C reach
 * cmd). The helper is non-dumpable before it enters (CVE-2019-5736 class). Returns the
 * helper's pid, a child of the caller to reap, or -errno. Never waits. */
pid_t spawn_enter(const struct conf_ctr *c, const struct spawn_opts *o, pid_t init,
		  const char *const *cmd, uint32_t timeout_ms, struct cabin_err *e);

/* Start container c in the foreground (cabin run): spawn_begin, then wait for the exec
 * pipe at most CONFIG_START_TIMEOUT_MS. On success the child has exec'd its command (or the start
 * failed and the error is in e as "<step>: <errno text>", with nothing left behind).
 * Exit codes for `cabin run`: e->code ENOENT on the command -> 127, EACCES -> 126. */
int spawn_start(const struct conf_ctr *c, const struct spawn_opts *o, struct spawn *sp,
		struct cabin_err *e);

/* Tear down what spawn_start created once the container is gone: kill what remains in
 * its cgroup and remove the group. */
int spawn_cleanup(const struct spawn_opts *o, struct spawn *sp, struct cabin_err *e);

/* Parse the container's own /etc/passwd and /etc/group (never NSS). user is "uid[:gid]"
 * or "name[:group]". rootfd is an O_PATH|O_DIRECTORY fd of the rootfs. */
int spawn_lookup_user(int rootfd, const char *user, uid_t *uid, gid_t *gid, struct cabin_err *e);
/* The same, also giving the supplementary groups (from /etc/group member lists) and the
 * home directory. Lines longer than 1 KiB are ignored, never truncated into a match. */
int spawn_lookup_user_ex(int rootfd, const char *user, uid_t *uid, gid_t *gid, gid_t *groups,
			 int *ngroups, int maxgroups, char *home, size_t homesz,
			 struct cabin_err *e);

#endif
