// SPDX-License-Identifier: MIT
/* `cabin daemon`: the supervisor under another init. main() narrates start-up; after
 * daemon_startup_done() everything lives in fixed tables (two struct conf, svc_tab,
 * subscribers) and the loop never allocates, never blocks on a client or a pipe, and
 * never writes to a path taken from a request. Verb handlers live here; the state
 * machine is svc.c, the descriptors loop.c, the FIFO protocol ctl.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cabin/cgroup.h"
#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/loop.h"
#include "cabin/spawn.h"
#include "cabin/svc.h"
#include "cabin/util.h"

/* Test hooks: tests/alloc/count.c provides strong definitions that arm and read an
 * allocation counter; in the product these weak ones do nothing. */
__attribute__((weak)) void daemon_startup_done(void)
{
}
__attribute__((weak)) long daemon_alloc_count(void)
{
	return -1;
}

#define MAX_SUBS CONFIG_MAX_CLIENTS

/* two configs: the running one and the one being built (reload, create, deploy, ...) */
static struct conf confs[2];
static struct conf *cur = &confs[0], *nxt = &confs[1];
static bool runtime_def[SVC_MAX];
static int console_fd = 2;
/* blocking stderr, for log=console */ /* defined by create/deploy, not by the files */

static struct cgroup_sys cg;
static bool have_cg;
static const char *conf_path, *conf_dir, *rundir;
static int ctl_fd = -1;
static bool shutting, done;
static uint64_t shutdown_deadline;
static char filebuf[CONFIG_CONF_ARENA_KB * 1024];

enum sub_kind { SUB_EVENTS, SUB_LOGS };
static struct sub {
	int fd; /* -1: free */
	enum sub_kind kind;
	int svc;      /* SUB_LOGS: index in svc_tab */
	uint64_t pos; /* SUB_LOGS: ring position sent so far */
} subs[MAX_SUBS];

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(2, buf, n);
}

/* ---- subscribers (events, logs -f) ------------------------------------------------ */

static void sub_drop(int i)
{
	loop_del(subs[i].fd);
	close(subs[i].fd);
	subs[i].fd = -1;
}

/* one non-blocking write per line: a slow reader is dropped, never waited for */
static void sub_write(int i, const char *p, size_t n)
{
	ssize_t w;

	if (subs[i].fd < 0)
		return;
	w = write(subs[i].fd, p, n);
	if (w != (ssize_t)n)
		sub_drop(i);
}

/* EPOLLERR/EPOLLHUP: the client went away */
static void on_sub(void *ctx, uint32_t events)
{
	struct sub *sb = ctx;

	if (sb->fd >= 0)
		sub_drop((int)(sb - subs));
}

static int sub_add(struct ctl_reply *rp, enum sub_kind kind, int svc, uint64_t pos)
{
	struct cabin_err e;
	int fd;

	for (int i = 0; i < MAX_SUBS; i++) {
		if (subs[i].fd >= 0)
			continue;
		/* ctl flushes what the reply holds so far and hands the fd over */
		fd = ctl_reply_detach(rp);
		if (fd < 0)
			return -EPIPE;
		subs[i] = (struct sub){ .fd = fd, .kind = kind, .svc = svc, .pos = pos };
		/* EPOLLERR arrives when the client closes its end */
		if (loop_add(fd, 0, on_sub, &subs[i], &e) < 0) {
			close(fd);
			subs[i].fd = -1;
			return -EIO;
		}
		return 0;
	}
	return -EBUSY;
}

static int esc(const char *s, char *out, size_t n)
{
	if (ctl_escape(s ? s : "", out, n) < 0)
		snprintf(out, n, "?");
	return 0;
}

static int write_file(const char *path, const char *data, size_t len, bool sync);

/* RUNDIR/status/NAME: the last event line of each instance, for scripts that would
 * rather read a file than talk to the FIFO; removed with the instance */
static void status_file(const struct svc *s, const char *line, size_t n, bool gone)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/status/%s", rundir, s->name) >= (int)sizeof(path))
		return;
	if (gone)
		unlink(path);
	else
		write_file(path, line, n, false);
}

static void emit(struct svc *s, const char *extra);

static void on_changed(struct svc *s)
{
	emit(s, NULL);
}

/* one event line to the log, the status file and every `events` subscriber; extra
 * ("event=oom oom_kills=2") marks an event that is not a state change */
static void emit(struct svc *s, const char *extra)
{
	char line[640], reason[400];
	uint64_t wall = loop_wall_ms();
	int n;

	reason[0] = 0;
	if (s->reason[0]) {
		memcpy(reason, " reason=", 8);
		esc(s->reason, reason + 8, sizeof(reason) - 8);
	}
	n = snprintf(line, sizeof(line),
		     "time=%llu.%03u mono=%llu name=%s state=%s pid=%d restarts=%d%s%s%s\n",
		     (unsigned long long)(wall / 1000), (unsigned)(wall % 1000),
		     (unsigned long long)loop_now_ms(), s->name, svc_state_name(s->state),
		     (int)s->pid, s->restarts, reason, extra ? " " : "", extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	if (extra)
		logmsg("cabin: %s %s", s->name, extra);
	else
		logmsg("cabin: %s %s%s%s", s->name, svc_state_name(s->state),
		       s->reason[0] ? " " : "", s->reason);
	status_file(s, line, n,
		    s->remove_pending && (s->state == SVC_EXITED || s->state == SVC_FAILED ||
					  s->state == SVC_DEFINED));
	for (int i = 0; i < MAX_SUBS; i++)
		if (subs[i].fd >= 0 && subs[i].kind == SUB_EVENTS)
			sub_write(i, line, n);
}

/* ---- the effects the state machine asks for --------------------------------------- */

static int idx(const struct svc *s)
{
	return (int)(s - svc_tab);
}

static struct spawn_opts opts(int out)
{
	struct spawn_opts o = {
		.g = cur,
		.cg = have_cg ? &cg : NULL,
		.stdio = { -1, out, out },
	};
	return o;
}

static void log_in(struct svc *s, bool drain);
static void on_log(void *ctx, uint32_t events);
static void on_exec(void *ctx, uint32_t events);

/* log=file: a regular file only, opened without ever waiting (a FIFO with no reader, a
 * tty, a hung mount's device would block the loop in open() or in the container) */
static int open_log_file(const char *path, struct cabin_err *e)
{
	struct stat st;
	int fd =
		open(path,
		     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
		     0640);

	if (fd < 0 && errno == ENXIO) /* a FIFO nobody reads */
		return err_set(e, EINVAL, "log file %s: not a regular file", path);
	if (fd < 0)
		return err_sys(e, "log file %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, EINVAL, "log file %s: not a regular file", path);
	}
	fcntl(fd, F_SETFL, O_APPEND);
	return fd;
}

/* An OOM kill inside a container that goes on running (a worker the kernel picked, not
 * the init) is an event too, not only an exit reason: the group's OOM notification fd
 * sits in the loop for the life of the container. */
static void on_oom(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	char extra[48];
	long n;

	if (s->oom_fd < 0)
		return;
	cgroup_oom_drain(&cg, s->oom_fd);
	n = cgroup_oom_kills(&cg, s->sp.cgname);
	if (n <= s->oom_seen)
		return;
	s->oom_seen = n;
	snprintf(extra, sizeof(extra), "event=oom oom_kills=%ld", n - s->oom_base);
	emit(s, extra);
}

static void oom_watch(struct svc *s)
{
	uint32_t ev;
	int fd;

	if (!have_cg || !s->sp.cgname[0])
		return;
	fd = cgroup_oom_fd(&cg, s->sp.cgname, &ev, NULL);
	if (fd < 0)
		return;
	if (loop_add(fd, ev, on_oom, s, NULL) < 0) {
		close(fd);
		return;
	}
	s->oom_fd = fd;
	s->oom_seen = 0;
}

static void oom_unwatch(struct svc *s)
{
	if (s->oom_fd < 0)
		return;
	loop_del(s->oom_fd);
	close(s->oom_fd);
	s->oom_fd = -1;
}

static int op_spawn(struct svc *s, struct cabin_err *e)
{
	struct spawn_opts o;
	int p[2] = { -1, -1 }, out = -1, r;

	/* never attach to a group that may still hold a frozen or dying task */
	if (have_cg && cgroup_gc_pending(s->name))
		return -EBUSY;
	switch (s->c->log) {
	case CONF_LOG_RING:
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, "log pipe");
		/* our end never blocks; the container's end does, which throttles a flood
		 * in the container instead of in the daemon */
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		out = p[1];
		break;
	case CONF_LOG_CONSOLE:
		out = console_fd;
		break;
	case CONF_LOG_FILE:
		out = open_log_file(s->c->log_path, e);
		if (out < 0)
			return out;
		break;
	default:
		break;
	}
	o = opts(out);
	/* userns=yes: each slot its own 65536 host ids, so two containers never share */
	o.id_base = 100000 + 65536u * (unsigned)idx(s);
	r = spawn_begin(s->c, &o, &s->sp, e);
	if (out >= 0 && out != console_fd) /* the child has its copy */
		close(out);
	if (r < 0) {
		if (p[0] >= 0)
			close(p[0]);
		if (have_cg && s->sp.cgname[0])
			cgroup_gc_add(&cg, s->sp.cgname, loop_now_ms());
		s->sp.cgname[0] = 0;
		return r == -EBUSY ? -EIO : r; /* EBUSY means "group busy" to svc.c only */
	}
	s->pid = s->sp.pid;
	if (loop_add(s->sp.errfd, EPOLLIN, on_exec, s, e) < 0) {
		spawn_abort(&s->sp);
		if (p[0] >= 0)
			close(p[0]);
		return -EIO;
	}
	if (p[0] >= 0) {
		s->log_fd = p[0];
		if (loop_add(p[0], EPOLLIN, on_log, s, NULL) < 0) {
			close(p[0]);
			s->log_fd = -1;
		}
	}
	oom_watch(s);
	return 0;
}

static void op_abort(struct svc *s)
{
	loop_del(s->sp.errfd);
	spawn_abort(&s->sp);
}

/* the exec pipe answered (or the child died): UP or FAIL */
static void on_exec(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	struct cabin_err e = { 0 };
	int fd = s->sp.errfd, r;

	if (fd < 0 || s->state != SVC_SPAWNING)
		return;
	r = spawn_finish(&s->sp, &e);
	if (r == -EAGAIN)
		return;
	loop_del(fd);
	svc_event(s, r == 0 ? SVC_EV_UP : SVC_EV_FAIL, 0, &e);
}

/* `kill -s` and the stop signal go to the container's init only, as Docker does; the
 * whole group is killed at stop_timeout */
static void op_signal(struct svc *s, int sig)
{
	if (s->pid > 0)
		kill(s->pid, sig);
}

static void op_kill(struct svc *s)
{
	if (s->pid > 0)
		kill(s->pid, SIGKILL);
	if (have_cg && s->sp.cgname[0])
		cgroup_kill_nowait(&cg, s->sp.cgname);
}

static void op_cleanup(struct svc *s)
{
	uint64_t from;
	size_t n;

	oom_unwatch(s);
	/* the group goes on timers, never with a wait here (a task stuck in the freezer,
	 * a process pinned in it); a start of the same name waits until it is gone */
	if (have_cg && s->sp.cgname[0] && cgroup_gc_add(&cg, s->sp.cgname, loop_now_ms()) < 0)
		logmsg("cabin: %s: cleanup table full; group left", s->name);
	s->sp.cgname[0] = 0;
	if (s->sp.errfd >= 0)
		op_abort(s);
	if (s->log_fd >= 0)
		log_in(s, true);
	/* keep the last lines with the exit reason */
	from = ring_tail(&s->ring, 3);
	n = ring_read(&s->ring, &from, s->last_log, sizeof(s->last_log) - 1);
	s->last_log[n] = 0;
}

static int op_freeze(struct svc *s, bool frozen, struct cabin_err *e)
{
	if (!have_cg || !s->sp.cgname[0])
		return err_set(e, ENOTSUP, "%s: no cgroup", s->name);
	return cgroup_freeze_nowait(&cg, s->sp.cgname, frozen, e);
}

static long op_oom(struct svc *s)
{
	if (!have_cg || !s->sp.cgname[0])
		return 0;
	return cgroup_oom_kills(&cg, s->sp.cgname);
}

static const struct svc_ops daemon_ops = {
	.spawn = op_spawn,
	.abort = op_abort,
	.signal = op_signal,
	.kill = op_kill,
	.cleanup = op_cleanup,
	.freeze = op_freeze,
	.oom_kills = op_oom,
	.changed = on_changed,
	.now_ms = loop_now_ms,
	.wall_ms = loop_wall_ms,
};

/* ---- log pipes ------------------------------------------------------------------- */

static void log_fanout(struct svc *s)
{
	char buf[1024];

	for (int i = 0; i < MAX_SUBS; i++) {
		size_t n;

		if (subs[i].fd < 0 || subs[i].kind != SUB_LOGS || subs[i].svc != idx(s))
			continue;
		while (subs[i].fd >= 0 &&
		       (n = ring_read(&s->ring, &subs[i].pos, buf, sizeof(buf))) > 0)
			sub_write(i, buf, n);
	}
}

static void on_log(void *ctx, uint32_t events)
{
	struct svc *s = ctx;

	if (s->log_fd >= 0)
		log_in(s, false);
}

/* Bounded work per wake-up: a flooding container gets at most 64 KiB per iteration,
 * the rest waits in its pipe (level-triggered epoll brings us back). */
static void log_in(struct svc *s, bool drain)
{
	char buf[4096];
	int rounds = drain ? 256 : 16;
	ssize_t n = 0;

	while (rounds-- > 0) {
		n = read(s->log_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		ring_write(&s->ring, buf, n);
	}
	log_fanout(s);
	if (n == 0 || drain || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_del(s->log_fd);
		close(s->log_fd);
		s->log_fd = -1;
	}
}

/* ---- config tables --------------------------------------------------------------- */

/* every string pointer of a container, in a fixed order */
static int ctr_strs(struct conf_ctr *c, const char **out[], int max)
{
	int n = 0;
#define P(x)                             \
	do {                             \
		if (n < max)             \
			out[n++] = &(x); \
	} while (0)
	P(c->file);
	P(c->rootfs);
	for (int i = 0; i < c->argc; i++)
		P(c->argv[i]);
	for (int i = 0; i < c->nenv; i++)
		P(c->env[i]);
	P(c->workdir);
	P(c->user);
	P(c->hostname);
	for (int i = 0; i < c->nvol; i++) {
		P(c->vol[i].src);
		P(c->vol[i].dst);
	}
	for (int i = 0; i < c->ntmpfs; i++)
		P(c->tmpfs[i].path);
	for (int i = 0; i < c->nsysctl; i++) {
		P(c->sysctl[i].key);
		P(c->sysctl[i].val);
	}
	for (int i = 0; i < c->ndepends; i++)
		P(c->depends[i]);
	for (int i = 0; i < c->health_argc; i++)
		P(c->health_argv[i]);
	P(c->log_path);
	P(c->hostname_spec);
	for (int i = 0; i < c->nport; i++)
		P(c->port_spec[i]);
#undef P
	return n;
}

#define MAX_STRS                                                                               \
	(6 + 2 * CONFIG_MAX_ARGS + CONFIG_MAX_PORTS + CONFIG_MAX_ENV + 3 * CONFIG_MAX_MOUNTS + \
	 2 * CONFIG_MAX_SYSCTL + CONFIG_MAX_DEPENDS + 8)

/* copy a string into dst's arena; literals (defaults) are kept as they are */
static int arena_put(struct conf *dst, const struct conf *src, const char **p)
{
	size_t n;

	if (!*p || *p < src->arena || *p >= src->arena + sizeof(src->arena))
		return 0;
	n = strlen(*p) + 1;
	if (dst->arena_used + n > sizeof(dst->arena))
		return -ENOSPC;
	memcpy(dst->arena + dst->arena_used, *p, n);
	*p = dst->arena + dst->arena_used;
	dst->arena_used += n;
	return 0;
}

/* append a copy of container c (living in src) to dst */
static int ctr_import(struct conf *dst, const struct conf *src, const struct conf_ctr *c)
{
	const char **strs[MAX_STRS];
	struct conf_ctr *d;
	int n;

	if (dst->nctr >= CONFIG_MAX_CONTAINERS)
		return -ENOSPC;
	d = &dst->ctr[dst->nctr];
	memcpy(d, c, sizeof(*d));
	n = ctr_strs(d, strs, MAX_STRS);
	for (int i = 0; i < n; i++)
		if (arena_put(dst, src, strs[i]) < 0)
			return -ENOSPC;
	dst->nctr++;
	return 0;
}

/* dst = the globals of src and the containers for which keep() is true */
static int conf_copy(struct conf *dst, const struct conf *src,
		     bool (*keep)(const struct conf_ctr *c, void *ctx), void *ctx)
{
	memcpy(dst, src, offsetof(struct conf, ctr));
	dst->nctr = 0;
	dst->arena_used = 0;
	if (arena_put(dst, src, &dst->hostname) < 0 || arena_put(dst, src, &dst->watchdog) < 0 ||
	    arena_put(dst, src, &dst->cgroup_parent) < 0)
		return -ENOSPC;
	for (int i = 0; i < dst->ndns; i++)
		if (arena_put(dst, src, &dst->dns[i]) < 0)
			return -ENOSPC;
	for (int i = 0; i < src->nctr; i++)
		if ((!keep || keep(&src->ctr[i], ctx)) && ctr_import(dst, src, &src->ctr[i]) < 0)
			return -ENOSPC;
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Does the instance need a restart to take c2? Supervision keys (restart policy,
 * delays, autostart, health) apply without one; everything the process was started
 * with does not. */
static bool ctr_changed(const struct conf_ctr *c1, const struct conf_ctr *c2)
{
	static struct conf_ctr a, b; /* big: not on the stack */
	const char **sa[MAX_STRS], **sb[MAX_STRS];
	int na, nb;

	memcpy(&a, c1, sizeof(a));
	memcpy(&b, c2, sizeof(b));
	na = ctr_strs(&a, sa, MAX_STRS);
	nb = ctr_strs(&b, sb, MAX_STRS);
	if (na != nb)
		return true;
	for (int i = 0; i < na; i++) {
		if (i == 0) /* file: where it was written does not matter */
			continue;
		if (!str_eq(*sa[i], *sb[i]))
			return true;
		*sa[i] = *sb[i] = NULL;
	}
	a.file = b.file = NULL;
	a.line = b.line = 0;
	/* where keys were written, and how an address was chosen, is not config */
	a.hostname_line = b.hostname_line = 0;
	a.ip_line = b.ip_line = 0;
	a.ip_auto = b.ip_auto;
	memset(a.port_line, 0, sizeof(a.port_line));
	memset(b.port_line, 0, sizeof(b.port_line));
	memset(a.depends_line, 0, sizeof(a.depends_line));
	memset(b.depends_line, 0, sizeof(b.depends_line));
	a.restart = b.restart;
	a.restart_max = b.restart_max;
	a.restart_delay_ms = b.restart_delay_ms;
	a.restart_max_delay_ms = b.restart_max_delay_ms;
	a.restart_reset_ms = b.restart_reset_ms;
	a.autostart = b.autostart;
	a.critical = b.critical;
	a.on_unhealthy = b.on_unhealthy;
	return memcmp(&a, &b, sizeof(a)) != 0;
}

/* Put nxt in force: bind every instance to its new config, stop what is gone, restart
 * what changed, start what is new (if autostart, or `start_new`), leave the rest alone. */
static void apply(bool start_new, bool mark_runtime)
{
	enum { A_NONE, A_RESTART, A_STOP, A_START } act[SVC_MAX] = { 0 };
	struct conf *t;

	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];
		const struct conf_ctr *nc;

		if (!s->used)
			continue;
		nc = conf_find(nxt, s->name);
		if (s->remove_pending) {
			/* removed earlier and still stopping, defined again now: it keeps its
			 * slot (and cgroup name) and starts again once the stop completes */
			if (nc) {
				s->remove_pending = false;
				s->c = nc;
				if (nc->autostart || s->want_up)
					act[i] = A_START;
			}
			continue;
		}
		if (!nc) {
			s->c = NULL;
			s->remove_pending = true;
			runtime_def[i] = false;
			act[i] = A_STOP;
			continue;
		}
		if (s->c && ctr_changed(s->c, nc) && (svc_alive(s) || s->state == SVC_BACKOFF))
			act[i] = A_RESTART;
		s->c = nc;
	}
	for (int i = 0; i < nxt->nctr; i++) {
		struct svc *s = svc_find(nxt->ctr[i].name);

		if (s && !s->remove_pending) {
			if (mark_runtime)
				runtime_def[idx(s)] = true;
			continue;
		}
		s = svc_add(&nxt->ctr[i]);
		if (!s) {
			logmsg("cabin: %s: container table full", nxt->ctr[i].name);
			continue;
		}
		/* a `logs -f` of the slot's previous owner must not get the new one's */
		for (int j = 0; j < MAX_SUBS; j++)
			if (subs[j].fd >= 0 && subs[j].kind == SUB_LOGS && subs[j].svc == idx(s))
				sub_drop(j);
		runtime_def[idx(s)] = mark_runtime;
		if (start_new && nxt->ctr[i].autostart)
			act[idx(s)] = A_START;
	}
	t = cur;
	cur = nxt;
	nxt = t;
	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		if (!s->used)
			continue;
		switch (act[i]) {
		case A_STOP:
			if (svc_alive(s)) {
				svc_event(s, SVC_EV_STOP, 0, NULL);
			} else {
				status_file(s, NULL, 0, true);
				svc_free(s);
			}
			break;
		case A_RESTART:
			svc_event(s, SVC_EV_RESTART, 0, NULL);
			break;
		case A_START:
			svc_event(s, SVC_EV_START, 0, NULL);
			break;
		default:
			break;
		}
	}
}

/* ---- small files in RUNDIR and CONF_DIR ------------------------------------------ */

static int write_file(const char *path, const char *data, size_t len, bool sync)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	/* `sync`: start the write-back and move on; an fsync would wait on the disk in
	 * the loop (README: create --save is durable within the kernel's write-back) */
	if (write(fd, data, len) != (ssize_t)len ||
	    (sync && sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 && errno != ESPIPE)) {
		int r = -errno;

		close(fd);
		unlink(tmp);
		return r ? r : -EIO;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

/* unless-stopped: a manual stop is remembered across daemon restarts */
static void stopped_mark(const struct svc *s, bool set)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/stopped.%s", rundir, s->name);
	if (!set) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

static bool stopped_marked(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/stopped.%s", rundir, name);
	return access(path, F_OK) == 0;
}

/* RUNDIR/status/ exists and holds nothing of a previous daemon */
static void status_init(void)
{
	struct ent {
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	};
	char path[PATH_MAX], buf[4096];
	long n;
	int dfd;

	snprintf(path, sizeof(path), "%s/status", rundir);
	mkdir(path, 0700);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct ent *de = (const void *)(buf + off);

			if (de->name[0] != '.')
				unlinkat(dfd, de->name, 0);
			off += de->reclen;
		}
	close(dfd);
}

/* cgroup_gc_step's report of a group that will not go away (a process pinned in it) */
static void gc_warn(const char *name, int err, uint64_t ms)
{
	logmsg("cabin: group %s: not removed after %llu ms (%s); retrying", name,
	       (unsigned long long)ms, strerror(err));
}

/* ---- verbs ----------------------------------------------------------------------- */

struct req {
	struct ctl_req *r;
	struct ctl_reply *rp;
};

static void diag_reply(void *ctx, const char *file, int line, const char *msg)
{
	struct ctl_reply *rp = ctx;

	if (line > 0)
		ctl_reply_line(rp, "%s:%d: %s", file, line, msg);
	else
		ctl_reply_line(rp, "%s: %s", file, msg);
	logmsg("cabin: %s:%d: %s", file, line, msg);
}

/* names: an instance ("web-2") or a section ("web": all its instances) */
static int each(struct ctl_reply *rp, int argc, char **argv,
		int (*fn)(struct svc *s, void *ctx, struct cabin_err *e), void *ctx)
{
	struct cabin_err e = { 0 };
	int rc = 0;

	if (argc < 1) {
		ctl_reply_end(rp, EXIT_USAGE, "missing container name");
		return -EINVAL;
	}
	for (int a = 0; a < argc; a++) {
		struct svc *s = svc_find(argv[a]);
		bool found = false;

		if (s && !s->remove_pending) {
			found = true;
			if (fn(s, ctx, &e) < 0)
				rc = -1;
		} else {
			for (int i = 0; i < SVC_MAX; i++) {
				s = &svc_tab[i];
				if (!s->used || !s->c || s->remove_pending ||
				    strcmp(s->c->section, argv[a]))
					continue;
				found = true;
				if (fn(s, ctx, &e) < 0)
					rc = -1;
			}
		}
		if (!found) {
			err_set(&e, 0, "no such container: %s", argv[a]);
			rc = -1;
		}
	}
	if (rc < 0)
		ctl_reply_end(rp, EXIT_REFUSED, e.msg);
	else
		ctl_reply_end(rp, 0, NULL);
	return rc;
}

static int do_start(struct svc *s, void *ctx, struct cabin_err *e)
{
	stopped_mark(s, false);
	return svc_event(s, SVC_EV_START, 0, e);
}

static int do_stop(struct svc *s, void *ctx, struct cabin_err *e)
{
	if (s->c && s->c->restart == CONF_RESTART_UNLESS_STOPPED)
		stopped_mark(s, true);
	return svc_event(s, SVC_EV_STOP, 0, e);
}

static int do_restart(struct svc *s, void *ctx, struct cabin_err *e)
{
	stopped_mark(s, false);
	return svc_event(s, SVC_EV_RESTART, 0, e);
}

static int do_kill(struct svc *s, void *ctx, struct cabin_err *e)
{
	return svc_event(s, SVC_EV_KILL, *(int *)ctx, e);
}

static int do_pause(struct svc *s, void *ctx, struct cabin_err *e)
{
	return svc_event(s, SVC_EV_PAUSE, 0, e);
}

static int do_resume(struct svc *s, void *ctx, struct cabin_err *e)
{
	return svc_event(s, SVC_EV_RESUME, 0, e);
}

static void kv_svc(struct ctl_reply *rp, const struct svc *s)
{
	char ip[INET_ADDRSTRLEN] = "";
	uint64_t up = 0;

	if (s->c && s->c->ip.s_addr && s->c->net == CONF_NET_BRIDGE)
		inet_ntop(AF_INET, &s->c->ip, ip, sizeof(ip));
	if ((s->state == SVC_RUNNING || s->state == SVC_PAUSED) && s->started_ms)
		up = (loop_now_ms() - s->started_ms) / 1000;
	ctl_reply_kv(rp, "name", "%s", s->name);
	ctl_reply_kv(rp, "state", "%s", svc_state_name(s->state));
	ctl_reply_kv(rp, "health", "%s", "none");
	ctl_reply_kv(rp, "pid", "%d", (int)s->pid);
	ctl_reply_kv(rp, "ip", "%s", ip);
	ctl_reply_kv(rp, "restarts", "%d", s->restarts);
	ctl_reply_kv(rp, "uptime", "%llu", (unsigned long long)up);
	if (s->reason[0]) {
		ctl_reply_kv(rp, "reason", "%s", s->reason);
		ctl_reply_kv(rp, "exit_time", "%llu", (unsigned long long)(s->reason_ts_ms / 1000));
	}
}

static void v_ps(struct ctl_req *r, struct ctl_reply *rp)
{
	bool all = false;

	for (int i = 1; i < r->argc; i++) {
		if (!strcmp(r->argv[i], "-a") || !strcmp(r->argv[i], "--all"))
			all = true;
		else {
			ctl_reply_end(rp, EXIT_USAGE, "usage: ps [-a]");
			return;
		}
	}
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used)
			continue;
		/* without -a: what runs or tries to, and what failed (never hidden) */
		if (!all && (s->state == SVC_DEFINED || s->state == SVC_EXITED))
			continue;
		kv_svc(rp, s);
		ctl_reply_kv_end(rp);
	}
	ctl_reply_end(rp, 0, NULL);
}

static void v_kill(struct ctl_req *r, struct ctl_reply *rp)
{
	int sig = SIGKILL, a = 1;

	if (a < r->argc && !strcmp(r->argv[a], "-s") && a + 1 < r->argc) {
		sig = conf_signal_number(r->argv[a + 1]);
		a += 2;
	} else if (a < r->argc && r->argv[a][0] == '-' && r->argv[a][1]) {
		sig = conf_signal_number(r->argv[a] + 1);
		a++;
	}
	if (sig <= 0) {
		ctl_reply_end(rp, EXIT_USAGE, "unknown signal");
		return;
	}
	each(rp, r->argc - a, r->argv + a, do_kill, &sig);
}

static void inspect_line(struct ctl_reply *rp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void inspect_line(struct ctl_reply *rp, const char *key, const char *fmt, ...)
{
	char val[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	ctl_reply_kv(rp, key, "%s", val);
	ctl_reply_kv_end(rp);
}

static const char *restart_name(const struct conf_ctr *c)
{
	static const char *const n[] = { "no", "always", "on-failure", "unless-stopped" };

	return c->restart <= CONF_RESTART_UNLESS_STOPPED ? n[c->restart] : "?";
}

static void v_inspect(struct ctl_req *r, struct ctl_reply *rp)
{
	const struct svc *s;
	const struct conf_ctr *c;
	char cmd[1024];
	size_t n = 0;

	if (r->argc != 2) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: inspect NAME");
		return;
	}
	s = svc_find(r->argv[1]);
	if (!s) {
		ctl_reply_end(rp, EXIT_REFUSED, "no such container");
		return;
	}
	c = s->c;
	kv_svc(rp, s);
	ctl_reply_kv_end(rp);
	inspect_line(rp, "reason_time", "%llu.%03u", (unsigned long long)(s->reason_ts_ms / 1000),
		     (unsigned)(s->reason_ts_ms % 1000));
	inspect_line(rp, "last_log", "%s", s->last_log);
	if (!c) {
		ctl_reply_end(rp, 0, NULL);
		return;
	}
	inspect_line(rp, "section", "%s", c->section);
	inspect_line(rp, "file", "%s:%d", c->file ? c->file : "-", c->line);
	inspect_line(rp, "rootfs", "%s", c->rootfs ? c->rootfs : "");
	cmd[0] = 0;
	for (int i = 0; i < c->argc && n < sizeof(cmd); i++)
		n += snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "", c->argv[i]);
	inspect_line(rp, "cmd", "%s", cmd);
	for (int i = 0; i < c->nenv; i++)
		inspect_line(rp, "env", "%s", c->env[i]);
	for (int i = 0; i < c->ndepends; i++)
		inspect_line(rp, "depends", "%s", c->depends[i]);
	inspect_line(rp, "restart", "%s%s%.0d", restart_name(c), c->restart_max ? ":" : "",
		     c->restart_max);
	inspect_line(rp, "restart_delay", "%ums", c->restart_delay_ms);
	inspect_line(rp, "restart_max_delay", "%ums", c->restart_max_delay_ms);
	inspect_line(rp, "restart_reset", "%ums", c->restart_reset_ms);
	inspect_line(rp, "stop_signal", "%s", conf_signal_name(c->stop_signal) ?: "?");
	inspect_line(rp, "stop_timeout", "%ums", c->stop_timeout_ms);
	inspect_line(rp, "memory", "%llu", (unsigned long long)c->memory);
	inspect_line(rp, "pids", "%u", c->pids);
	inspect_line(rp, "cpu", "%u.%03u", c->cpu_milli / 1000, c->cpu_milli % 1000);
	inspect_line(rp, "replicas", "%d", c->replicas);
	inspect_line(rp, "autostart", "%s", c->autostart ? "yes" : "no");
	inspect_line(rp, "backoff", "%ums", s->backoff_ms);
	inspect_line(rp, "fails", "%d", s->fails);
	inspect_line(rp, "runtime", "%s", runtime_def[idx(s)] ? "yes" : "no");
	ctl_reply_end(rp, 0, NULL);
}

static void v_events(struct ctl_req *r, struct ctl_reply *rp)
{
	if (sub_add(rp, SUB_EVENTS, 0, 0) < 0)
		ctl_reply_end(rp, EXIT_REFUSED, "too many streams");
}

static void v_logs(struct ctl_req *r, struct ctl_reply *rp)
{
	int lines = -1, a = 1;
	bool follow = false;
	struct svc *s;
	uint64_t pos;
	char buf[PIPE_BUF / 2];

	for (; a < r->argc && r->argv[a][0] == '-'; a++) {
		if (!strcmp(r->argv[a], "-f") || !strcmp(r->argv[a], "--follow"))
			follow = true;
		else if (!strcmp(r->argv[a], "-n") && a + 1 < r->argc)
			lines = atoi(r->argv[++a]);
		else {
			ctl_reply_end(rp, EXIT_USAGE, "usage: logs [-f] [-n LINES] NAME");
			return;
		}
	}
	if (a + 1 != r->argc) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: logs [-f] [-n LINES] NAME");
		return;
	}
	s = svc_find(r->argv[a]);
	if (!s) {
		ctl_reply_end(rp, EXIT_REFUSED, "no such container");
		return;
	}
	pos = lines < 0 ? ring_start(&s->ring) : ring_tail(&s->ring, lines);
	/* whole lines into the reply; a line longer than the buffer is cut */
	for (;;) {
		uint64_t p = pos;
		size_t n = ring_read(&s->ring, &p, buf, sizeof(buf) - 1);
		char *nl;

		if (!n)
			break;
		buf[n] = 0;
		nl = memchr(buf, '\n', n);
		if (nl) {
			*nl = 0;
			pos += nl - buf + 1;
		} else
			pos = p;
		ctl_reply_line(rp, "%s", buf);
		if (rp->fd < 0)
			return;
	}
	if (follow) {
		if (sub_add(rp, SUB_LOGS, idx(s), pos) < 0)
			ctl_reply_end(rp, EXIT_REFUSED, "too many streams");
		return;
	}
	ctl_reply_end(rp, 0, NULL);
}

static void v_stats(struct ctl_req *r, struct ctl_reply *rp)
{
	const char *only = NULL;

	for (int i = 1; i < r->argc; i++)
		if (r->argv[i][0] != '-')
			only = r->argv[i];
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];
		struct cgroup_stats st = { 0 };
		struct cabin_err e;

		if (!svc_alive(s))
			continue;
		if (only && strcmp(s->name, only) && (!s->c || strcmp(s->c->section, only)))
			continue;
		if (have_cg && s->sp.cgname[0])
			cgroup_stats(&cg, s->sp.cgname, &st, &e);
		ctl_reply_kv(rp, "name", "%s", s->name);
		ctl_reply_kv(rp, "cpu_usec", "%llu", (unsigned long long)st.cpu_usec);
		ctl_reply_kv(rp, "mem", "%llu", (unsigned long long)st.mem_bytes);
		ctl_reply_kv(rp, "mem_limit", "%llu", (unsigned long long)st.mem_limit);
		ctl_reply_kv(rp, "pids", "%llu", (unsigned long long)st.pids);
		ctl_reply_kv(rp, "net_rx", "0");
		ctl_reply_kv(rp, "net_tx", "0");
		ctl_reply_kv(rp, "blk_r", "%llu", (unsigned long long)st.io_rbytes);
		ctl_reply_kv(rp, "blk_w", "%llu", (unsigned long long)st.io_wbytes);
		ctl_reply_kv_end(rp);
	}
	ctl_reply_end(rp, 0, NULL);
}

/* keep() helpers for conf_copy */
static bool keep_not_named(const struct conf_ctr *c, void *ctx)
{
	return strcmp(c->name, ctx) && strcmp(c->section, ctx);
}

struct secs {
	int n;
	char name[CONFIG_MAX_CONTAINERS][CONF_NAME_MAX + 1];
};

static bool keep_not_in(const struct conf_ctr *c, void *ctx)
{
	const struct secs *s = ctx;

	for (int i = 0; i < s->n; i++)
		if (!strcmp(c->section, s->name[i]))
			return false;
	return true;
}

static void v_create(struct ctl_req *r, struct ctl_reply *rp)
{
	struct conf_diag d = { .report = diag_reply, .ctx = rp };
	char path[PATH_MAX];
	const char *name = NULL;
	bool save = false;
	size_t n = 0;
	int a;

	for (a = 1; a < r->argc; a++) {
		const char *v = r->argv[a];

		if (!strcmp(v, "--save")) {
			save = true;
			continue;
		}
		if (!name && !strchr(v, '=')) {
			name = v;
			n = snprintf(filebuf, sizeof(filebuf), "[%s]\n", v);
			continue;
		}
		if (!name || !strchr(v, '=') || strchr(v, '\n') || v[0] == '[') {
			ctl_reply_end(rp, EXIT_USAGE, "usage: create NAME key=value... [--save]");
			return;
		}
		n += snprintf(filebuf + n, sizeof(filebuf) - n, "%s\n", v);
		if (n >= sizeof(filebuf)) {
			ctl_reply_end(rp, EXIT_USAGE, "too long");
			return;
		}
	}
	if (!name || strchr(name, '[') || strchr(name, ']') || strchr(name, '\n')) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: create NAME key=value... [--save]");
		return;
	}
	if (svc_find(name) || conf_find(cur, name)) {
		ctl_reply_end(rp, EXIT_REFUSED, "a container of that name exists");
		return;
	}
	if (conf_copy(nxt, cur, NULL, NULL) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	if (conf_parse_buf(nxt, "create", filebuf, n, &d) < 0 || d.nerr ||
	    conf_finish(nxt, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "invalid container definition");
		return;
	}
	if (save) {
		int r2;

		if (!conf_dir) {
			ctl_reply_end(rp, EXIT_REFUSED, "no config directory");
			return;
		}
		mkdir(conf_dir, 0755);
		snprintf(path, sizeof(path), "%s/%s.conf", conf_dir, name);
		r2 = write_file(path, filebuf, n, true);
		if (r2 < 0) {
			ctl_reply_end(rp, EXIT_REFUSED, strerror(-r2));
			return;
		}
	}
	apply(false, !save);
	ctl_reply_end(rp, 0, NULL);
}

static void v_rm(struct ctl_req *r, struct ctl_reply *rp)
{
	bool force = false;
	const char *name = NULL;
	struct svc *s;
	char path[PATH_MAX];

	for (int a = 1; a < r->argc; a++) {
		if (!strcmp(r->argv[a], "-f") || !strcmp(r->argv[a], "--force"))
			force = true;
		else if (!name)
			name = r->argv[a];
		else {
			ctl_reply_end(rp, EXIT_USAGE, "usage: rm [-f] NAME");
			return;
		}
	}
	if (!name) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: rm [-f] NAME");
		return;
	}
	s = svc_find(name);
	if (!s && !conf_find(cur, name)) {
		/* a section name removes every instance */
		bool any = false;

		for (int i = 0; i < cur->nctr; i++)
			any |= !strcmp(cur->ctr[i].section, name);
		if (!any) {
			ctl_reply_end(rp, EXIT_REFUSED, "no such container");
			return;
		}
	}
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *t = &svc_tab[i];

		if (t->used && t->c && !keep_not_named(t->c, (void *)name) && !force &&
		    (svc_alive(t) || t->state == SVC_BACKOFF)) {
			ctl_reply_end(rp, EXIT_REFUSED, "container is running (stop it, or rm -f)");
			return;
		}
	}
	/* a container saved by create --save goes with its file */
	for (int i = 0; i < cur->nctr; i++) {
		const struct conf_ctr *c = &cur->ctr[i];

		if (keep_not_named(c, (void *)name) || !c->file || !conf_dir)
			continue;
		snprintf(path, sizeof(path), "%s/%s.conf", conf_dir, c->section);
		if (!strcmp(c->file, path))
			unlink(path);
	}
	if (conf_copy(nxt, cur, keep_not_named, (void *)name) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full");
		return;
	}
	apply(false, false);
	ctl_reply_end(rp, 0, NULL);
}

/* the section names a file defines: "[name]" at the start of a line */
static void sections_of(const char *buf, struct secs *s)
{
	const char *p = buf;

	s->n = 0;
	while (*p) {
		const char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if (*p == '[' && s->n < CONFIG_MAX_CONTAINERS) {
			const char *q = memchr(p, ']', e - p);

			if (q && q - p - 1 <= CONF_NAME_MAX) {
				memcpy(s->name[s->n], p + 1, q - p - 1);
				s->name[s->n][q - p - 1] = 0;
				s->n++;
			}
		}
		p = *e ? e + 1 : e;
	}
}

static void v_deploy(struct ctl_req *r, struct ctl_reply *rp)
{
	struct conf_diag d = { .report = diag_reply, .ctx = rp };
	static struct secs secs;
	ssize_t n;
	int fd;

	if (r->argc != 2) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: deploy FILE");
		return;
	}
	/* read only: the daemon never writes to a path taken from a request */
	fd = open(r->argv[1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, strerror(errno));
		return;
	}
	n = read(fd, filebuf, sizeof(filebuf) - 1);
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(filebuf) - 1) {
		ctl_reply_end(rp, EXIT_REFUSED, n < 0 ? strerror(errno) : "file too large");
		return;
	}
	filebuf[n] = 0;
	sections_of(filebuf, &secs);
	if (conf_copy(nxt, cur, keep_not_in, &secs) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	if (conf_parse_buf(nxt, r->argv[1], filebuf, n, &d) < 0 || d.nerr ||
	    conf_finish(nxt, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "invalid file; nothing changed");
		return;
	}
	apply(true, true);
	ctl_reply_end(rp, 0, NULL);
}

static void v_scale(struct ctl_req *r, struct ctl_reply *rp)
{
	struct conf_diag d = { .report = diag_reply, .ctx = rp };
	char *end;
	long n;

	if (r->argc != 3) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: scale NAME N");
		return;
	}
	n = strtol(r->argv[2], &end, 10);
	if (*end || n < 0 || n > CONFIG_MAX_CONTAINERS) {
		ctl_reply_end(rp, EXIT_USAGE, "bad replica count");
		return;
	}
	if (conf_copy(nxt, cur, NULL, NULL) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	if (conf_scale(nxt, r->argv[1], (int)n, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "cannot scale");
		return;
	}
	apply(true, false);
	ctl_reply_end(rp, 0, NULL);
}

/* Reload: parse everything into the spare config; a config with any error is rejected
 * whole and the running one stays. Containers defined at run time (create without
 * --save, deploy) are carried over unless the files now define the same name. */
static int reload(struct ctl_reply *rp)
{
	struct conf_diag d = { .report = diag_reply, .ctx = rp };
	int r;

	r = conf_load(nxt, conf_path, conf_dir, &d);
	if (r < 0 || d.nerr) {
		logmsg("cabin: reload rejected, %d error%s; keeping the running config", d.nerr,
		       d.nerr == 1 ? "" : "s");
		return -EINVAL;
	}
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || !runtime_def[i] || conf_find(nxt, s->name))
			continue;
		if (ctr_import(nxt, cur, s->c) < 0)
			logmsg("cabin: reload: %s: no room, dropped", s->name);
	}
	apply(true, false);
	/* apply() cleared the flag for what the files define now */
	logmsg("cabin: reloaded %s", conf_path);
	return 0;
}

static void v_reload(struct ctl_req *r, struct ctl_reply *rp)
{
	if (reload(rp) < 0)
		ctl_reply_end(rp, EXIT_REFUSED, "invalid config; nothing changed");
	else
		ctl_reply_end(rp, 0, NULL);
}

static void begin_shutdown(void)
{
	if (shutting)
		return;
	shutting = true;
	logmsg("cabin: shutting down");
	shutdown_deadline = loop_now_ms() + (cur->shutdown_timeout_ms ?: 30000);
	svc_shutdown_begin();
	if (!svc_shutdown_step())
		done = true;
}

static void v_shutdown(struct ctl_req *r, struct ctl_reply *rp)
{
	ctl_reply_end(rp, 0, NULL);
	begin_shutdown();
}

static void v_debug(struct ctl_req *r, struct ctl_reply *rp)
{
	ctl_reply_kv(rp, "allocs", "%ld", daemon_alloc_count());
	ctl_reply_kv(rp, "wakeups", "%lu", loop_wakeups);
	ctl_reply_kv(rp, "max_handler_us", "%lu", loop_max_handler_us);
	ctl_reply_kv_end(rp);
	ctl_reply_end(rp, 0, NULL);
}

static void on_req(struct ctl_req *r, struct ctl_reply *rp, void *ctx)
{
	const char *v = r->argc ? r->argv[0] : "";

	if (shutting && strcmp(v, "ps") && strcmp(v, "debug") && strcmp(v, "events")) {
		ctl_reply_end(rp, EXIT_REFUSED, "shutting down");
		return;
	}
	if (!strcmp(v, "ps"))
		v_ps(r, rp);
	else if (!strcmp(v, "start"))
		each(rp, r->argc - 1, r->argv + 1, do_start, NULL);
	else if (!strcmp(v, "stop"))
		each(rp, r->argc - 1, r->argv + 1, do_stop, NULL);
	else if (!strcmp(v, "restart"))
		each(rp, r->argc - 1, r->argv + 1, do_restart, NULL);
	else if (!strcmp(v, "pause"))
		each(rp, r->argc - 1, r->argv + 1, do_pause, NULL);
	else if (!strcmp(v, "resume"))
		each(rp, r->argc - 1, r->argv + 1, do_resume, NULL);
	else if (!strcmp(v, "kill"))
		v_kill(r, rp);
	else if (!strcmp(v, "inspect"))
		v_inspect(r, rp);
	else if (!strcmp(v, "events"))
		v_events(r, rp);
	else if (!strcmp(v, "logs"))
		v_logs(r, rp);
	else if (!strcmp(v, "stats"))
		v_stats(r, rp);
	else if (!strcmp(v, "create"))
		v_create(r, rp);
	else if (!strcmp(v, "rm"))
		v_rm(r, rp);
	else if (!strcmp(v, "deploy"))
		v_deploy(r, rp);
	else if (!strcmp(v, "scale"))
		v_scale(r, rp);
	else if (!strcmp(v, "reload"))
		v_reload(r, rp);
	else if (!strcmp(v, "shutdown"))
		v_shutdown(r, rp);
	else if (!strcmp(v, "debug"))
		v_debug(r, rp);
	else if (!strcmp(v, "exec"))
		ctl_reply_end(rp, EXIT_REFUSED, "exec: not supported by this daemon yet");
	else if (!strcmp(v, "poweroff") || !strcmp(v, "reboot") || !strcmp(v, "halt"))
		ctl_reply_end(rp, EXIT_REFUSED, "not in init mode; use `cabin shutdown`");
	else
		ctl_reply_end(rp, EXIT_USAGE, "unknown command");
}

/* ---- the loop -------------------------------------------------------------------- */

static void reap(void)
{
	int st;
	pid_t pid;

	/* SIGCHLD coalesces: reap everything; orphans we adopted as subreaper, and children
	 * of starts already given up, are reaped silently */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < SVC_MAX; i++) {
			struct svc *s = &svc_tab[i];

			if (!s->used || s->pid != pid)
				continue;
			/* a child that failed a step wrote why before it exited: read that
			 * first, so the reason is the step and not "died before exec" */
			if (s->state == SVC_SPAWNING && s->sp.errfd >= 0)
				on_exec(s, EPOLLIN);
			if (s->used && s->pid == pid)
				svc_event(s, SVC_EV_EXIT, st, NULL);
			break;
		}
	}
}

static int inotify_fd = -1;
static void on_ctl(void *ctx, uint32_t events);
static void watch_rundir(void);

/* Row F9: the FIFO was removed or replaced (rm -rf of RUNDIR by a careless script):
 * noticed through inotify (and on SIGHUP), a new one is made at once. */
static void ctl_check(void)
{
	char path[PATH_MAX];
	struct stat a, b;
	struct cabin_err e = { 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/ctl", rundir);
	if (fstat(ctl_fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return;
	if (mkdir(rundir, 0700) == 0)
		watch_rundir(); /* the whole run dir went: watch the new one */
	fd = ctl_listen(rundir, &e);
	if (fd < 0) {
		logmsg("cabin: control FIFO: %s", e.msg);
		return;
	}
	loop_del(ctl_fd);
	close(ctl_fd);
	ctl_fd = fd;
	if (loop_add(ctl_fd, EPOLLIN, on_ctl, NULL, &e) < 0)
		logmsg("cabin: control FIFO: %s", e.msg);
	else
		logmsg("cabin: control FIFO recreated");
}

static void on_inotify(void *ctx, uint32_t events)
{
	char buf[1024] __attribute__((aligned(8)));

	while (read(inotify_fd, buf, sizeof(buf)) > 0)
		;
	ctl_check();
}

static void watch_rundir(void)
{
	if (inotify_fd < 0) {
		inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (inotify_fd < 0 || loop_add(inotify_fd, EPOLLIN, on_inotify, NULL, NULL) < 0) {
			logmsg("cabin: inotify: %s; a removed FIFO needs SIGHUP", strerror(errno));
			return;
		}
	}
	inotify_add_watch(inotify_fd, rundir,
			  IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
}

static void on_ctl(void *ctx, uint32_t events)
{
	ctl_serve(ctl_fd, rundir, on_req, NULL);
}

static void on_signal(void *ctx, uint32_t events)
{
	int sig;

	while ((sig = loop_signal()) > 0) {
		switch (sig) {
		case SIGCHLD:
			reap();
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			begin_shutdown();
			break;
		case SIGHUP: {
			struct ctl_reply none = { .fd = -1 };

			ctl_check();
			if (!shutting)
				reload(&none);
			break;
		}
		default:
			break;
		}
	}
}

static uint64_t gc_next;

static void on_timer(void *ctx, uint32_t events)
{
	loop_timer_ack();
	svc_timers();
	if (have_cg)
		gc_next = cgroup_gc_step(&cg, loop_now_ms(), gc_warn);
}

/* one pass over every group, no wait: the reaps and the cleaner do the rest */
static void force_down(void)
{
	logmsg("cabin: shutdown timeout; killing what remains");
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_alive(&svc_tab[i]))
			op_kill(&svc_tab[i]);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static void run(void)
{
	bool forced = false;

	while (!done) {
		uint64_t dl = earliest(svc_next_deadline(), gc_next);

		if (shutting)
			dl = earliest(dl, shutdown_deadline);
		loop_arm(dl);
		loop_dispatch(-1);
		if (have_cg) /* a group added to the cleaner by a handler: its next retry */
			gc_next = cgroup_gc_step(&cg, loop_now_ms(), gc_warn);
		if (shutting) {
			if (!svc_shutdown_step())
				done = true;
			else if (!forced && loop_now_ms() >= shutdown_deadline) {
				forced = true;
				force_down();
				/* last bound: the reaps of what was just killed */
				shutdown_deadline = loop_now_ms() + 5000;
			} else if (forced && loop_now_ms() >= shutdown_deadline) {
				logmsg("cabin: containers did not go away; exiting anyway");
				done = true;
			}
		}
	}
}

/* At exit: the groups still being cleaned get a last, bounded chance (the daemon is
 * leaving; nothing else waits on it), then our own group goes if it is empty. */
static void final_sweep(void)
{
	uint64_t end = loop_now_ms() + 2000, next;

	if (!have_cg)
		return;
	while ((next = cgroup_gc_step(&cg, loop_now_ms(), gc_warn)) && loop_now_ms() < end) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	cgroup_disown(&cg);
}

/* ---- start-up -------------------------------------------------------------------- */

static void report_stderr(void *ctx, const char *file, int line, const char *msg)
{
	if (line > 0)
		fdprintf(2, "%s:%d: %s\n", file, line, msg);
	else
		fdprintf(2, "%s: %s\n", file, msg);
}

static int lock_rundir(struct cabin_err *e)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(rundir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", rundir);
	snprintf(path, sizeof(path), "%s/lock", rundir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	/* A POSIX record lock, not flock(): it belongs to this process and is not
	 * inherited by a child, so a container caught between clone and exec when the
	 * daemon is SIGKILLed cannot keep the next daemon out. */
	if (fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET }) < 0) {
		int r = errno == EAGAIN || errno == EACCES
				? err_set(e, 0, "another daemon is running (%s is locked)", path)
				: err_sys(e, "lock %s", path);
		close(fd);
		return r;
	}
	return fd; /* held until exit */
}

/* Rows D6/E7: our own log lines must never block the loop on a pipe or a terminal
 * nobody reads. Re-open fd 2 as a new, non-blocking open file description (so the
 * shell or supervisor that gave it to us keeps its own flags) and drop what does not
 * fit. The original, blocking one stays for containers with log=console. */

static void stderr_nonblock(void)
{
	struct stat st;
	int fd;

	if (fstat(2, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return;
	console_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (console_fd < 0) {
		console_fd = 2;
		return;
	}
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, 2); /* fd 2 itself is not close-on-exec; spawn gives containers their own */
	close(fd);
}

static void usage(int fd)
{
	fdprintf(fd, "usage: cabin daemon [-c FILE] [-r RUNDIR]\n");
}

int daemon_main(int argc, char **argv)
{
	struct conf_diag d = { .report = report_stderr };
	struct cabin_err e = { 0 };
	const char *copt = NULL, *ropt = NULL;
	struct util_opt o = { 0 };
	int opt, fd;

	while ((opt = util_getopt(&o, argc, argv, "c:r:h")) != -1) {
		switch (opt) {
		case 'c':
			copt = o.arg;
			break;
		case 'r':
			ropt = o.arg;
			break;
		case 'h':
			usage(1);
			return EXIT_OK;
		default:
			usage(2);
			return EXIT_USAGE;
		}
	}
	if (o.ind != argc) {
		usage(2);
		return EXIT_USAGE;
	}
	conf_path = cli_conf_path(copt);
	conf_dir = cli_confdir_path(conf_path);
	rundir = cli_rundir_path(ropt);
	for (int i = 0; i < MAX_SUBS; i++)
		subs[i].fd = -1;

	stderr_nonblock();

	/* 1. one daemon per RUNDIR */
	if (lock_rundir(&e) < 0)
		goto fail;

	/* 2. adopt orphans, survive the OOM killer (children reset to 0 in spawn) */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		logmsg("cabin: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) != 5)
			logmsg("cabin: oom_score_adj: %s", strerror(errno));
		close(fd);
	}

	/* 3. the config: any error and we do not start */
	if (conf_load(cur, conf_path, conf_dir, &d) < 0 || d.nerr) {
		fdprintf(2, "cabin: %s: %d error%s, not starting\n", conf_path, d.nerr,
			 d.nerr == 1 ? "" : "s");
		return EXIT_REFUSED;
	}

	/* 4. signals, epoll, timer; cgroups; the control FIFO */
	if (loop_init(on_signal, on_timer, &e) < 0)
		goto fail;
	if (cgroup_init(&cg, cur->cgroup, cur->cgroup_parent, CONFIG_DEFAULT_CGROUP_MNT,
			"/proc/self/cgroup", "/proc/self/mountinfo", &e) < 0) {
		logmsg("cabin: cgroups unavailable, running without: %s", e.msg);
	} else {
		/* our own group, exclusively: a second instance on this subtree is refused */
		if (cgroup_own(&cg, CONFIG_CGROUP_NAME, &e) < 0)
			goto fail;
		have_cg = true;
		/* beside it, what SIGKILLed `cabin run`s left; inside it, what a crashed
		 * daemon left: thawed, emptied and removed on timers, never waited for */
		cgroup_sweep(&cg, CGROUP_RUN_PREFIX);
		cgroup_gc_stale(&cg, loop_now_ms());
	}
	ctl_fd = ctl_listen(rundir, &e);
	if (ctl_fd < 0)
		goto fail;
	if (loop_add(ctl_fd, EPOLLIN, on_ctl, NULL, &e) < 0)
		goto fail;
	watch_rundir();

	/* 5. the table: one slot per instance; leftovers of a crashed daemon go first */
	svc_setup(&daemon_ops);
	status_init();
	for (int i = 0; i < cur->nctr; i++)
		if (!svc_add(&cur->ctr[i]))
			break;

	/* from now on: no allocation */
	daemon_startup_done();
	logmsg("cabin: daemon up, %d container%s", cur->nctr, cur->nctr == 1 ? "" : "s");

	/* 6. autostart, in dependency order (svc.c holds a dependent in `starting`
	 *    until what it depends on runs) */
	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || !s->c->autostart)
			continue;
		if (s->c->restart == CONF_RESTART_UNLESS_STOPPED && stopped_marked(s->name)) {
			s->manual_stop = true;
			continue;
		}
		svc_event(s, SVC_EV_START, 0, NULL);
	}

	/* 7. serve until shutdown */
	run();

	final_sweep();
	for (int i = 0; i < MAX_SUBS; i++)
		if (subs[i].fd >= 0)
			sub_drop(i);
	logmsg("cabin: daemon stopped");
	return EXIT_OK;
fail:
	err_print(&e);
	if (have_cg)
		cgroup_disown(&cg);
	return EXIT_REFUSED;
}

int init_main(int argc, char **argv)
{
	fdprintf(2, "cabin init: not implemented yet (use `cabin daemon` under another init)\n");
	return EXIT_REFUSED;
}
