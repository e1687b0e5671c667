// SPDX-License-Identifier: MIT
/* Health probes in the daemon's loop. One slot per svc: when the next probe is due, the
 * probe in flight (a helper pid and its output pipe, or a connecting socket) with its
 * deadline, and the output of the last one. Nothing here waits: a probe's end is a
 * reap, a readable pipe or a writable socket, and its timeout a deadline in the loop's
 * timer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cabin/health.h"
#include "cabin/loop.h"
#include "cabin/mount.h"
#include "cabin/spawn.h"
#include "daemon_int.h"

#if CONFIG_HEALTH

/* while starting, probe at least this often: a dependent waits for "healthy" */
#define STARTING_PERIOD_MS 1000
/* a helper that outlives its own timeout by this much is killed from here */
#define HELPER_GRACE_MS 1000
/* output read per event: a probe printing forever cannot hold the loop */
#define READ_PER_EVENT (64 * 1024)

static struct probe {
	bool active, paused;
	pid_t pid;	   /* exec: the helper; 0 none */
	int fd;		   /* exec: output pipe; tcp: the socket; -1 none */
	int nfd;	   /* notify: the container's socket; -1 none */
	int ffd;	   /* notify: the container's /dev/cabin-notify FIFO, held open; -1 */
	uint64_t due;	   /* next probe, 0 = none scheduled */
	uint64_t deadline; /* the one in flight gives up at */
	bool ready, beat;  /* notify: READY=1 seen; WATCHDOG=1 since the last tick */
	bool wd_used;	   /* notify: the service sends WATCHDOG=1 */
	uint16_t n, lastn;
	char out[HEALTH_OUT];  /* in flight */
	char last[HEALTH_OUT]; /* the last finished probe */
	char status[128];      /* notify: STATUS= */
	char sock[64];	       /* notify: the abstract name, '@' first */
} pr[SVC_MAX];

static int self_net = -1;
static bool inited;
static char scratch[4096];

static void init_once(void)
{
	if (inited)
		return;
	inited = true;
	for (int i = 0; i < SVC_MAX; i++)
		pr[i].fd = pr[i].nfd = pr[i].ffd = -1;
	self_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static struct probe *P(const struct svc *s)
{
	init_once();
	return &pr[svc_idx(s)];
}

/* a socket created inside the network namespace of pid (none for net=host) */
static int socket_in(const struct svc *s, int domain, int type)
{
	int pfd, fd, err;

	if (s->c->net == CONF_NET_HOST)
		return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (self_net < 0)
		return -EBADF;
	pfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (pfd < 0)
		return -errno;
	if (setns(pfd, CLONE_NEWNET) < 0) {
		err = errno;
		close(pfd);
		return -err;
	}
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = errno;
	/* back home at once; our own namespace cannot refuse us */
	if (setns(self_net, CLONE_NEWNET) < 0)
		daemon_log("cabin: health: cannot return to the daemon's network namespace: %s",
			   strerror(errno));
	close(pfd);
	return fd < 0 ? -err : fd;
}

static void cancel(struct probe *p)
{
	if (p->pid > 0)
		kill(p->pid, SIGKILL); /* its helper kills the probe's group as it dies */
	p->pid = 0;
	if (p->fd >= 0) {
		loop_del(p->fd);
		close(p->fd);
	}
	p->fd = -1;
	p->deadline = 0;
}

static void notify_close(struct probe *p)
{
	if (p->nfd >= 0) {
		loop_del(p->nfd);
		close(p->nfd);
	}
	p->nfd = -1;
	if (p->ffd >= 0) {
		loop_del(p->ffd);
		close(p->ffd);
	}
	p->ffd = -1;
}

static uint32_t period(const struct svc *s)
{
	uint32_t iv = s->c->health_interval_ms;

	return s->health == SVC_HEALTH_STARTING && iv > STARTING_PERIOD_MS ? STARTING_PERIOD_MS
									   : iv;
}

static void set_health(struct svc *s, enum svc_health h)
{
	static const char *const names[] = { "none", "starting", "healthy", "unhealthy" };
	char extra[64];

	if (s->health == h)
		return;
	s->health = h;
	snprintf(extra, sizeof(extra), "event=health health=%s", names[h]);
	stream_event(s, extra);
	if (h == SVC_HEALTH_HEALTHY)
		svc_deps_kick();
}

/* one probe's verdict */
static void result(struct svc *s, bool ok, const char *why)
{
	struct probe *p = P(s);
	uint64_t now = loop_now_ms();

	if (why) { /* the helper's own words first, ours after */
		int w = snprintf(p->out + p->n, sizeof(p->out) - p->n, "%s\n", why);

		if (w > 0)
			p->n = (uint16_t)(p->n + w < (int)sizeof(p->out) ? p->n + w
									 : (int)sizeof(p->out) - 1);
	}
	memcpy(p->last, p->out, p->n);
	p->last[p->n] = 0;
	p->lastn = p->n;
	p->n = 0;
	p->deadline = 0;
	if (!p->active)
		return;
	p->due = now + period(s);
	if (ok) {
		s->health_fails = 0;
		set_health(s, SVC_HEALTH_HEALTHY);
		p->due = now + period(s); /* the healthy period now */
		return;
	}
	/* failures inside health_start do not count while it has never been healthy */
	if (s->health == SVC_HEALTH_STARTING && now < s->started_ms + s->c->health_start_ms)
		return;
	s->health_fails++;
	if (s->health_fails < (int)s->c->health_retries || s->health == SVC_HEALTH_UNHEALTHY)
		return;
	set_health(s, SVC_HEALTH_UNHEALTHY);
	switch (s->c->on_unhealthy) {
	case CONF_UNHEALTHY_NONE:
		break;
	case CONF_UNHEALTHY_REBOOT:
		if (init_mode && !shutting) { /* an orderly reboot of the machine */
			daemon_log("cabin init: %s unhealthy, on_unhealthy=reboot: rebooting",
				   s->name);
			init_action = INIT_REBOOT;
			daemon_shutdown();
			break;
		}
		daemon_log("cabin: %s unhealthy: on_unhealthy=reboot, but cabin is not PID 1; "
			   "restarting the container instead",
			   s->name);
		/* fallthrough */
	case CONF_UNHEALTHY_RESTART:
		svc_event(s, SVC_EV_UNHEALTHY, 0, NULL);
		break;
	}
}

/* ---- exec ---------------------------------------------------------------------------- */

static void on_out(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	struct probe *p = P(s);
	size_t total = 0;

	while (p->fd >= 0 && total < READ_PER_EVENT) {
		char *dst = p->n < sizeof(p->out) - 1 ? p->out + p->n : scratch;
		size_t room = dst == scratch ? sizeof(scratch) : sizeof(p->out) - 1 - p->n;
		ssize_t r = read(p->fd, dst, room);

		if (r > 0) {
			if (dst != scratch)
				p->n = (uint16_t)(p->n + r);
			total += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EAGAIN)
			return;
		/* EOF: the verdict comes with the helper's reap */
		loop_del(p->fd);
		close(p->fd);
		p->fd = -1;
	}
}

static void launch_exec(struct svc *s, uint64_t now)
{
	struct probe *p = P(s);
	struct cabin_err e = { 0 };
	struct spawn_opts o = { .g = cur, .cg = have_cg ? &cg : NULL, .hosts_fd = -1 };
	int io[2];
	pid_t pid;

	if (pipe2(io, O_CLOEXEC) < 0) {
		result(s, false, "probe: pipe failed");
		return;
	}
	o.stdio[0] = -1;
	o.stdio[1] = o.stdio[2] = io[1];
	pid = spawn_enter(s->c, &o, s->pid, s->c->health_argv, s->c->health_timeout_ms, &e);
	close(io[1]);
	if (pid < 0) {
		close(io[0]);
		result(s, false, e.msg);
		return;
	}
	fcntl(io[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->fd = io[0];
	p->deadline = now + s->c->health_timeout_ms + HELPER_GRACE_MS;
	if (loop_add(io[0], EPOLLIN, on_out, s, NULL) < 0) {
		close(io[0]);
		p->fd = -1;
	}
}

bool health_reaped(pid_t pid, int st)
{
	char why[64];

	if (!inited || pid <= 0)
		return false;
	for (int i = 0; i < SVC_MAX; i++) {
		struct probe *p = &pr[i];
		struct svc *s = &svc_tab[i];
		int rc;

		if (p->pid != pid)
			continue;
		p->pid = 0;
		if (p->fd >= 0) /* what is already in the pipe; the rest is discarded */
			on_out(s, EPOLLIN);
		cancel(p);
		if (!s->used || !s->c)
			return true;
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (rc == 124)
			snprintf(why, sizeof(why), "probe timed out after %u ms (killed)",
				 (unsigned)s->c->health_timeout_ms);
		else if (rc)
			snprintf(why, sizeof(why), "probe exit status %d", rc);
		result(s, rc == 0, rc ? why : NULL);
		return true;
	}
	return false;
}

/* ---- tcp ----------------------------------------------------------------------------- */

static void on_tcp(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	struct probe *p = P(s);
	int err = 0;
	socklen_t len = sizeof(err);
	char why[80];

	getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	cancel(p);
	if (!err && !(events & EPOLLOUT))
		err = EIO;
	snprintf(why, sizeof(why), "tcp %u: %s", s->c->health_port,
		 err ? strerror(err) : "connected");
	result(s, !err, why);
}

static void launch_tcp(struct svc *s, uint64_t now)
{
	struct probe *p = P(s);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(s->c->health_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket_in(s, AF_INET, SOCK_STREAM);
	char why[80];

	if (fd < 0) {
		snprintf(why, sizeof(why), "tcp %u: socket: %s", s->c->health_port, strerror(-fd));
		result(s, false, why);
		return;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		snprintf(why, sizeof(why), "tcp %u: %s", s->c->health_port, strerror(errno));
		close(fd);
		result(s, false, why);
		return;
	}
	p->fd = fd;
	p->deadline = now + s->c->health_timeout_ms;
	if (loop_add(fd, EPOLLOUT, on_tcp, s, NULL) < 0) {
		close(fd);
		p->fd = -1;
		result(s, false, "tcp: event loop full");
	}
}

/* ---- notify -------------------------------------------------------------------------- */

/* READY=1, WATCHDOG=1, STATUS=...: one per line, from the socket or the FIFO */
static void notify_lines(struct svc *s, char *buf)
{
	struct probe *p = P(s);

	for (char *l = buf, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = 0;
		if (!strcmp(l, "READY=1") && !p->ready) {
			p->ready = true;
			if (p->active)
				result(s, true, "READY=1");
		} else if (!strcmp(l, "WATCHDOG=1")) {
			p->beat = p->wd_used = true;
		} else if (!strncmp(l, "STATUS=", 7)) {
			snprintf(p->status, sizeof(p->status), "%s", l + 7);
		}
	}
}

static void on_notify(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	struct probe *p = P(s);

	for (int round = 0; round < 16 && p->nfd >= 0; round++) {
		ssize_t n = recv(p->nfd, scratch, sizeof(scratch) - 1, MSG_DONTWAIT);

		if (n < 0)
			return;
		scratch[n] = 0;
		notify_lines(s, scratch);
	}
}

/* `echo WATCHDOG=1 > /dev/cabin-notify` from a shell service: bytes, not datagrams; a
 * line split across reads is rare (PIPE_BUF writes are atomic) and only loses that line */
static void on_notify_fifo(void *ctx, uint32_t events)
{
	struct svc *s = ctx;
	struct probe *p = P(s);

	for (int round = 0; round < 16 && p->ffd >= 0; round++) {
		ssize_t n = read(p->ffd, scratch, sizeof(scratch) - 1);

		if (n <= 0)
			return;
		scratch[n] = 0;
		notify_lines(s, scratch);
	}
}

/* the FIFO the child made in its /dev: opened through the container's root (no symlink
 * followed), checked to be a FIFO, read and write so it never reads as ended */
static void notify_fifo_open(struct svc *s)
{
	struct probe *p = P(s);
	struct stat st;
	int fd;

	if (p->ffd >= 0 || s->pid <= 0)
		return;
	fd = mount_open_in_pid(s->pid, "dev/cabin-notify", O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return; /* the socket still works */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    loop_add(fd, EPOLLIN, on_notify_fifo, s, NULL) < 0) {
		close(fd);
		return;
	}
	p->ffd = fd;
}

int health_notify_setup(struct svc *s, pid_t pid, struct cabin_err *e)
{
	struct probe *p = P(s);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	pid_t keep = s->pid;
	socklen_t len;
	int fd;

	notify_close(p);
	p->sock[0] = 0;
	if (s->c->health != CONF_HEALTH_HEARTBEAT)
		return 0;
	s->pid = pid; /* the child, before svc knows it */
	fd = socket_in(s, AF_UNIX, SOCK_DGRAM);
	s->pid = keep;
	if (fd < 0)
		return err_set(e, -fd, "notify socket");
	/* abstract: nothing on any filesystem, only this network namespace reaches it */
	snprintf(p->sock, sizeof(p->sock), "@cabin/%s/notify", s->name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p->sock));
	memcpy(a.sun_path, p->sock, strlen(p->sock));
	a.sun_path[0] = 0;
	if (bind(fd, (struct sockaddr *)&a, len) < 0) {
		close(fd);
		p->sock[0] = 0;
		return err_sys(e, "notify socket: bind");
	}
	p->nfd = fd;
	p->ready = p->beat = p->wd_used = false;
	p->status[0] = 0;
	return loop_add(fd, EPOLLIN, on_notify, s, e);
}

/* a notify tick: no READY=1 yet is a failure; so is no WATCHDOG=1 since the last tick,
 * once the service has sent one (WATCHDOG_USEC is the interval) */
static void tick_notify(struct svc *s)
{
	struct probe *p = P(s);
	bool beat = p->beat;

	p->beat = false;
	if (!p->ready) {
		/* a service gets health_start, else health_interval x health_retries, to say
		 * READY=1 before its silence counts (systemd's start timeout, in our keys) */
		uint64_t now = loop_now_ms(), grace = s->c->health_start_ms
							      ? s->c->health_start_ms
							      : (uint64_t)s->c->health_interval_ms *
									s->c->health_retries;

		if (now < s->started_ms + grace) {
			p->due = now + period(s);
			return;
		}
		result(s, false, "no READY=1 yet");
	} else if (!p->wd_used || beat)
		result(s, true, beat ? "WATCHDOG=1" : "READY=1");
	else
		result(s, false, "no WATCHDOG=1 within WATCHDOG_USEC");
}

/* ---- the schedule -------------------------------------------------------------------- */

void health_track(struct svc *s)
{
	struct probe *p = P(s);
	uint64_t now = loop_now_ms();

	if (!s->c || s->c->health == CONF_HEALTH_NONE) {
		cancel(p);
		notify_close(p);
		p->active = false;
		s->health = SVC_HEALTH_NONE;
		return;
	}
	switch (s->state) {
	case SVC_RUNNING:
		if (p->active && p->paused) { /* resumed: probing again after one period */
			p->paused = false;
			p->due = now + period(s);
		} else if (!p->active) {
			if (s->c->health == CONF_HEALTH_HEARTBEAT)
				notify_fifo_open(s);
			p->active = true;
			p->paused = false;
			s->health_fails = 0;
			p->n = 0;
			set_health(s, SVC_HEALTH_STARTING);
			/* notify: the first look after a period; a READY=1 comes any time (and
			 * may have come before the exec was confirmed) */
			p->due = now + (s->c->health == CONF_HEALTH_HEARTBEAT ? period(s) : 200);
			if (s->c->health == CONF_HEALTH_HEARTBEAT && p->ready)
				result(s, true, "READY=1");
		}
		break;
	case SVC_PAUSED: /* a frozen container cannot answer: no verdicts while paused */
		cancel(p);
		p->paused = true;
		p->due = 0;
		break;
	case SVC_SPAWNING:
		break; /* the notify socket was made for this start */
	default:
		cancel(p);
		if (s->state != SVC_STOPPING && s->state != SVC_KILLING)
			notify_close(p);
		p->active = p->paused = false;
		p->due = 0;
		break;
	}
}

void health_timers(uint64_t now)
{
	if (!inited)
		return;
	for (int i = 0; i < SVC_MAX; i++) {
		struct probe *p = &pr[i];
		struct svc *s = &svc_tab[i];

		if (!p->active || !s->used || !s->c)
			continue;
		if (p->deadline && p->deadline <= now) { /* late: kill it, a failure */
			char why[64];

			cancel(p);
			snprintf(why, sizeof(why), "probe timed out after %u ms",
				 (unsigned)s->c->health_timeout_ms);
			result(s, false, why);
			continue;
		}
		if (p->deadline || !p->due || p->due > now || s->state != SVC_RUNNING)
			continue;
		p->due = 0;
		switch (s->c->health) {
		case CONF_HEALTH_EXEC:
			launch_exec(s, now);
			break;
		case CONF_HEALTH_TCP:
			launch_tcp(s, now);
			break;
		case CONF_HEALTH_HEARTBEAT:
			tick_notify(s);
			break;
		default:
			break;
		}
	}
}

uint64_t health_next_deadline(void)
{
	uint64_t d = 0;

	if (!inited)
		return 0;
	for (int i = 0; i < SVC_MAX; i++) {
		const struct probe *p = &pr[i];
		uint64_t t = p->deadline ? p->deadline : p->due;

		if (p->active && t && (!d || t < d))
			d = t;
	}
	return d;
}

bool health_ok(struct svc *s)
{
	return !s->c || s->c->health == CONF_HEALTH_NONE || s->health == SVC_HEALTH_HEALTHY;
}

const char *health_name(const struct svc *s)
{
	static const char *const names[] = { "none", "starting", "healthy", "unhealthy" };

	return names[s->health];
}

const char *health_output(const struct svc *s)
{
	return P(s)->last;
}

const char *health_notify_name(const struct svc *s)
{
	return P(s)->sock;
}

const char *health_status_text(const struct svc *s)
{
	return P(s)->status;
}

#else

void health_track(struct svc *s)
{
	(void)s;
}
void health_timers(uint64_t now)
{
	(void)now;
}
uint64_t health_next_deadline(void)
{
	return 0;
}
bool health_reaped(pid_t pid, int status)
{
	(void)pid, (void)status;
	return false;
}
bool health_ok(struct svc *s)
{
	(void)s;
	return true;
}
const char *health_name(const struct svc *s)
{
	(void)s;
	return "none";
}
const char *health_output(const struct svc *s)
{
	(void)s;
	return "";
}
const char *health_notify_name(const struct svc *s)
{
	(void)s;
	return "";
}
const char *health_status_text(const struct svc *s)
{
	(void)s;
	return "";
}
int health_notify_setup(struct svc *s, pid_t pid, struct cabin_err *e)
{
	(void)s, (void)pid, (void)e;
	return 0;
}

#endif
