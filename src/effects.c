// SPDX-License-Identifier: MIT
/* What the state machine asks for (struct svc_ops): begin a start and take its exec-pipe
 * answer, signal, kill, freeze, clean up; the log pipe and OOM fds of each container;
 * the reaper. Nothing here waits: a group that will not go is the cleaner's (cgroup.c). */
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cabin/cgroup.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/loop.h"
#include "cabin/net.h"
#include "cabin/portfwd.h"
#include "cabin/portproxy.h"
#include "cabin/bootloop.h"
#include "cabin/health.h"
#include "cabin/sets.h"
#include "cabin/ladder.h"
#include "cabin/spawn.h"
#include "cabin/svc.h"
#include "cabin/util.h"
#include "daemon_int.h"

static void log_in(struct svc *s, bool drain);
static void on_log(void *ctx, uint32_t events);
static void on_exec(void *ctx, uint32_t events);

static struct spawn_opts opts(int out)
{
	struct spawn_opts o = {
		.g = cur,
		.cg = have_cg ? &cg : NULL,
		.stdio = { -1, out, out },
		.hosts_fd = -1,
	};
	return o;
}

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
	stream_event(s, extra);
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

/* in the parent between clone and go: net=bridge's veth pair (eth0 inside), and
 * health=notify's socket in the container's network namespace */
static int ctr_setup(void *ctx, pid_t pid, struct cabin_err *e)
{
	struct svc *s = ctx;
	char host[NET_IFNAME_MAX + 1];
	uint64_t t0 = loop_now_us();
	int r;

	if (s->c->net == CONF_NET_BRIDGE) {
		if (net_fd < 0 && daemon_net_up(e) < 0)
			return -e->code;
		net_host_ifname(s->name, host);
		r = net_veth_add(net_fd, cur, host, pid, s->c->ip, e);
		s->net_us = (uint32_t)(loop_now_us() - t0);
		if (r < 0)
			return r;
	}
	return health_notify_setup(s, pid, e);
}

/* published ports follow the running containers: the table is rebuilt after the events
 * of an iteration that changed the set (effects_sync_ports, from the loop) */
static bool ports_dirty;

/* does s coming or going change the nftables tables? */
static bool in_tables(const struct svc *s)
{
	return s->c && s->c->net == CONF_NET_BRIDGE && (s->c->nport || s->c->isolated || cur->nat);
}

void effects_sync_ports(void)
{
	static struct portfwd pf[PORTFWD_MAX];
	static char iso[CONFIG_MAX_CONTAINERS][IFNAMSIZ];
	struct cabin_err e = { 0 };
	int n = 0, niso = 0;

	if (!ports_dirty || net_fd < 0)
		return;
	ports_dirty = false;
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || s->c->net != CONF_NET_BRIDGE ||
		    (s->state != SVC_RUNNING && s->state != SVC_PAUSED))
			continue;
		if (s->c->isolated && niso < CONFIG_MAX_CONTAINERS)
			net_host_ifname(s->name, iso[niso++]);
		for (int j = 0; j < s->c->nport && n < PORTFWD_MAX; j++)
			pf[n++] = (struct portfwd){ .ip = s->c->ip,
						    .host = s->c->port[j].host,
						    .ctr = s->c->port[j].ctr,
						    .proto = s->c->port[j].proto };
	}
	if (portfwd_apply(cur, pf, n, iso, niso, &e) < 0)
		daemon_log("cabin: published ports: %s", e.msg);
}

void effects_ports_changed(void)
{
	ports_dirty = true;
}

static void net_release(struct svc *s)
{
	char host[NET_IFNAME_MAX + 1];

	portproxy_close(svc_idx(s));
	if (net_fd < 0 || !s->c || s->c->net != CONF_NET_BRIDGE)
		return;
	/* the namespace's end goes with the namespace, but that is torn down later and
	 * asynchronously: remove the pair now, so a restart finds the name free */
	net_host_ifname(s->name, host);
	net_link_del(net_fd, host);
	ports_dirty |= in_tables(s);
}

static int op_spawn(struct svc *s, struct cabin_err *e)
{
	struct spawn_opts o;
	int p[2] = { -1, -1 }, out = -1, r;

	/* never attach to a group that may still hold a frozen or dying task */
	if (have_cg && cgroup_gc_pending(s->name))
		return -EBUSY;
	/* 127.0.0.1:HOST, and the check that nothing on the device uses HOST already (a
	 * DNAT rule would silently take its traffic from the LAN) */
	if (s->c->net == CONF_NET_BRIDGE && s->c->nport && portproxy_open(svc_idx(s), s->c, e) < 0)
		return -e->code;
	switch (s->c->log) {
	case CONF_LOG_FILE:
		/* through us: the file is capped at log_max with one rotated copy, a full disk
		 * is counted and reported, and `logs` works from the ring as well */
		if (s->file_fd < 0) {
			struct stat st;

			s->file_fd = open_log_file(s->c->log_path, e);
			if (s->file_fd < 0) {
				s->file_fd = -1;
				return -e->code;
			}
			s->file_size = fstat(s->file_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
		}
		/* fall through */
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
	default:
		break;
	}
	o = opts(out);
	o.setup = ctr_setup;
	o.setup_ctx = s;
	if (s->c->health == CONF_HEALTH_HEARTBEAT) {
		/* sd_notify: the socket ctr_setup binds, and the keep-alive interval */
		static char nsock[96], wdusec[48];

		snprintf(nsock, sizeof(nsock), "NOTIFY_SOCKET=@cabin/%s/notify", s->name);
		snprintf(wdusec, sizeof(wdusec), "WATCHDOG_USEC=%llu",
			 (unsigned long long)s->c->health_interval_ms * 1000);
		o.env_extra[0] = nsock;
		o.env_extra[1] = wdusec;
		if (!s->c->host_kind) /* the FIFO in its /dev (kind=host: the socket only) */
			o.env_extra[2] = "CABIN_NOTIFY=/dev/cabin-notify";
	}
	if (s->c->net != CONF_NET_HOST) {
		/* the daemon's hosts file, bound over /etc/hosts: names of containers that
		 * come later show up without a restart */
		char hosts[PATH_MAX];

		if (hosts_dirty) /* the set of names changed: every file */
			rundir_hosts_sync();
		else
			rundir_hosts_write(s);
		rundir_hosts_path(s->name, hosts, sizeof(hosts));
		/* a detached bind of it (open_tree): the child attaches it in its own mount
		 * namespace with move_mount, with no way into RUNDIR needed (userns) */
		o.hosts_fd = syscall(SYS_open_tree, AT_FDCWD, hosts,
				     1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
	}
	/* userns=yes: each slot its own 65536 host ids, so two containers never share */
	o.id_base = 100000 + 65536u * (unsigned)svc_idx(s);
	s->spawn_us = loop_now_us();
	s->net_us = 0;
	r = spawn_begin(s->c, &o, &s->sp, e);
	if (o.hosts_fd >= 0) /* the child has its copy */
		close(o.hosts_fd);
	if (out >= 0 && out != console_fd) /* the child has its copy */
		close(out);
	if (r < 0) {
		net_release(s);
		if (p[0] >= 0)
			close(p[0]);
		if (s->file_fd >= 0) {
			close(s->file_fd);
			s->file_fd = -1;
		}
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
	if (r == 0)
		s->start_us = (uint32_t)(loop_now_us() - s->spawn_us);
	svc_event(s, r == 0 ? SVC_EV_UP : SVC_EV_FAIL, 0, &e);
	ports_dirty |= r == 0 && in_tables(s);
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
	size_t n;

	oom_unwatch(s);
	net_release(s);
	/* the group goes on timers, never with a wait here (a task stuck in the freezer,
	 * a process pinned in it); a start of the same name waits until it is gone */
	if (have_cg && s->sp.cgname[0] && cgroup_gc_add(&cg, s->sp.cgname, loop_now_ms()) < 0)
		daemon_log("cabin: %s: cleanup table full; group left", s->name);
	s->sp.cgname[0] = 0;
	if (s->sp.errfd >= 0)
		op_abort(s);
	if (s->log_fd >= 0)
		log_in(s, true);
	if (s->file_fd >= 0) { /* reopened at the next start: a rotation by others is seen */
		close(s->file_fd);
		s->file_fd = -1;
	}
	/* keep the last lines with the exit reason */
	{
		struct ring_view v = { 0 };

		ring_view_init(&s->ring, &v, ring_tail(&s->ring, 3));
		n = ring_view_read(&s->ring, &v, s->last_log, sizeof(s->last_log) - 1);
		s->last_log[n] = 0;
	}
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

/* a line of cabin's own in the container's log: its starts, exits and failed starts,
 * so `logs` tells the story of restarts */
static void log_mark(struct svc *s)
{
	char m[300];
	int n = 0;

	if (s->c && s->c->log != CONF_LOG_RING)
		return;
	if (s->state == SVC_RUNNING && !s->log_up) {
		s->log_up = true;
		n = s->restarts
			    ? snprintf(m, sizeof(m), "--- started, restart %d ---\n", s->restarts)
			    : snprintf(m, sizeof(m), "--- started ---\n");
	} else if (s->log_up && s->state != SVC_RUNNING && s->state != SVC_PAUSED &&
		   s->state != SVC_STOPPING && s->state != SVC_KILLING) { /* or into a restart */
		s->log_up = false;
		n = snprintf(m, sizeof(m), "--- exited: %s ---\n", s->reason);
	} else if ((s->state == SVC_FAILED || s->state == SVC_BACKOFF) &&
		   !strncmp(s->reason, "start", 5)) { /* start-failed:..., start-timeout */
		n = snprintf(m, sizeof(m), "--- %s ---\n", s->reason);
	}
	if (n <= 0)
		return;
	if (s->log_mid) /* the container's unfinished line ends here */
		ring_put(&s->ring, &s->log_mid, loop_wall_ms(), "\n", 1);
	ring_put(&s->ring, &s->log_mid, loop_wall_ms(), m,
		 n < (int)sizeof(m) ? (size_t)n : sizeof(m) - 1);
	stream_logs(s);
}

/* every state change: the event stream, and the probes follow the state */
static void effects_changed(struct svc *s)
{
	log_mark(s);
	stream_changed(s);
	health_track(s);
	ladder_track(s);
}

const struct svc_ops effects_ops = {
	.spawn = op_spawn,
	.abort = op_abort,
	.signal = op_signal,
	.kill = op_kill,
	.cleanup = op_cleanup,
	.freeze = op_freeze,
	.oom_kills = op_oom,
	.healthy = health_ok,
	.changed = effects_changed,
	.now_ms = loop_now_ms,
	.wall_ms = loop_wall_ms,
};

static void on_log(void *ctx, uint32_t events)
{
	struct svc *s = ctx;

	if (s->log_fd >= 0)
		log_in(s, false);
}

/* log=file: append; at log_max the file becomes PATH.1 (one copy kept, the older one
 * gone) and a new one starts; a rotation that fails is said and tried again only after
 * another log_max (never a rename per write); what the disk refuses is counted, said
 * the first time, and the next write tries again */
static void log_file(struct svc *s, const char *p, size_t n)
{
	ssize_t w;

	if (s->c && s->file_size + n > s->c->log_max && s->file_size) {
		char old[PATH_MAX];
		struct cabin_err e = { 0 };
		int fd = -1;

		snprintf(old, sizeof(old), "%s.1", s->c->log_path);
		if (rename(s->c->log_path, old) < 0 || (fd = open_log_file(s->c->log_path, &e)) < 0)
			daemon_log("cabin: %s: log file %s: rotate: %s", s->name, s->c->log_path,
				   fd < 0 && e.msg[0] ? e.msg : strerror(errno));
		if (fd >= 0) {
			close(s->file_fd);
			s->file_fd = fd;
		}
		s->file_size = 0;
	}
	w = write(s->file_fd, p, n);
	if (w > 0)
		s->file_size += (uint64_t)w;
	if (w == (ssize_t)n)
		return;
	if (!s->log_dropped)
		daemon_log("cabin: %s: log file %s: %s; dropping output (counted in inspect)",
			   s->name, s->c ? s->c->log_path : "?",
			   w < 0 ? strerror(errno) : "short write");
	s->log_dropped += n - (w > 0 ? (size_t)w : 0);
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
		ring_put(&s->ring, &s->log_mid, loop_wall_ms(), buf, n);
		if (s->file_fd >= 0)
			log_file(s, buf, (size_t)n);
	}
	stream_logs(s);
	if (n == 0 || drain || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_del(s->log_fd);
		close(s->log_fd);
		s->log_fd = -1;
	}
}

/* cgroup_gc_step's report of a group that will not go away (a process pinned in it) */
void effects_gc_warn(const char *name, int err, uint64_t ms)
{
	daemon_log("cabin: group %s: not removed after %llu ms (%s); retrying", name,
		   (unsigned long long)ms, strerror(err));
}

void effects_reap(void)
{
	int st;
	pid_t pid;

	/* SIGCHLD coalesces: reap everything; orphans we adopted as subreaper, and children
	 * of starts already given up, are reaped silently */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (health_reaped(pid, st) || bootloop_reaped(pid, st) || sets_reaped(pid, st))
			continue;
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

/* one pass over every group, no wait: the reaps and the cleaner do the rest */
void effects_kill_all(void)
{
	daemon_log("cabin: shutdown timeout; killing what remains");
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_alive(&svc_tab[i]))
			op_kill(&svc_tab[i]);
}
