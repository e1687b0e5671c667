// SPDX-License-Identifier: MIT
/* The daemon's streams: its own log lines, the event lines (log, status file, `events`
 * subscribers) and `logs -f` subscribers. Owns the subscriber table. Every write is one
 * non-blocking write(2): a reader that does not keep up is dropped, never waited for. */
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
#include "daemon_int.h"

#define MAX_SUBS CONFIG_MAX_CLIENTS

static struct sub {
	int fd; /* -1: free */
	enum sub_kind kind;
	int svc;	       /* SUB_LOGS: index in svc_tab */
	struct ring_view view; /* SUB_LOGS: where in the ring, and how lines are shown */
	/* SUB_WAIT */
	enum wait_until until;
	uint64_t deadline; /* 0: none */
	char name[CONF_INST_MAX + 1];
} subs[MAX_SUBS];

void stream_init(void)
{
	for (int i = 0; i < MAX_SUBS; i++)
		subs[i].fd = -1;
}

static void sub_write(int i, const char *p, size_t n);

void stream_close_all(void)
{
	for (int i = 0; i < MAX_SUBS; i++) {
		if (subs[i].fd >= 0 && subs[i].kind == SUB_WAIT && subs[i].until == WAIT_END)
			sub_write(i, "ok\n", 3); /* `shutdown`: done */
		if (subs[i].fd >= 0)
			stream_drop(i);
	}
}

/* a `logs -f` of a slot's previous owner must not get the new one's */
void stream_drop_logs(int svc)
{
	for (int i = 0; i < MAX_SUBS; i++)
		if (subs[i].fd >= 0 && subs[i].kind == SUB_LOGS && subs[i].svc == svc)
			stream_drop(i);
}

void daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long daemon_log_dropped;

void daemon_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = 0, m;

	if (init_mode) { /* on the console beside the kernel's lines: the same clock */
		struct timespec bt;

		clock_gettime(CLOCK_BOOTTIME, &bt);
		n = snprintf(buf, sizeof(buf), "[%5ld.%03ld] ", (long)bt.tv_sec,
			     bt.tv_nsec / 1000000);
	}
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - 1 - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* fd 2 is non-blocking when it is a console or a pipe (D6): a line that does not
	 * fit is dropped and counted, never waited for */
	if (write(2, buf, n) != n)
		daemon_log_dropped++;
}

void stream_drop(int i)
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
		stream_drop(i);
}

/* EPOLLERR/EPOLLHUP: the client went away */
static void on_sub(void *ctx, uint32_t events)
{
	struct sub *sb = ctx;

	if (sb->fd >= 0)
		stream_drop((int)(sb - subs));
}

int stream_add(struct ctl_reply *rp, enum sub_kind kind, int svc, uint64_t pos)
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
		subs[i] = (struct sub){ .fd = fd, .kind = kind, .svc = svc };
		subs[i].view.next = pos;
		/* EPOLLERR arrives when the client closes its end */
		if (loop_add(fd, 0, on_sub, &subs[i], &e) < 0) {
			close(fd);
			subs[i].fd = -1;
			return -EIO;
		}
		return i;
	}
	return -EBUSY;
}

static int esc(const char *s, char *out, size_t n)
{
	if (ctl_escape(s ? s : "", out, n) < 0)
		snprintf(out, n, "?");
	return 0;
}

void stream_changed(struct svc *s)
{
	stream_event(s, NULL);
}

/* one event line to the log, the status file and every `events` subscriber; extra
 * ("event=oom oom_kills=2") marks an event that is not a state change */
void stream_event(struct svc *s, const char *extra)
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
		daemon_log("cabin: %s %s", s->name, extra);
	else
		daemon_log("cabin: %s %s%s%s", s->name, svc_state_name(s->state),
			   s->reason[0] ? " " : "", s->reason);
	rundir_status(s, line, n,
		      s->remove_pending && (s->state == SVC_EXITED || s->state == SVC_FAILED ||
					    s->state == SVC_DEFINED));
	for (int i = 0; i < MAX_SUBS; i++)
		if (subs[i].fd >= 0 && subs[i].kind == SUB_EVENTS)
			sub_write(i, line, n);
}

void stream_logs(struct svc *s)
{
	char buf[1024];

	for (int i = 0; i < MAX_SUBS; i++) {
		size_t n;

		if (subs[i].fd < 0 || subs[i].kind != SUB_LOGS || subs[i].svc != svc_idx(s))
			continue;
		while (subs[i].fd >= 0 &&
		       (n = ring_view_read(&s->ring, &subs[i].view, buf, sizeof(buf))) > 0)
			sub_write(i, buf, n);
	}
}

int stream_logs_add(struct ctl_reply *rp, int svc, const struct ring_view *v)
{
	int i = stream_add(rp, SUB_LOGS, svc, v->next);

	if (i < 0)
		return i;
	subs[i].view = *v;
	return 0;
}

/* ---- waits: `cabin wait`, and stop/restart/rm/shutdown until done ------------------- */

int stream_wait_add(struct ctl_reply *rp, const char *name, enum wait_until until,
		    uint64_t deadline_ms)
{
	int i = stream_add(rp, SUB_WAIT, -1, 0);

	if (i < 0)
		return i;
	subs[i].until = until;
	subs[i].deadline = deadline_ms;
	snprintf(subs[i].name, sizeof(subs[i].name), "%s", name);
	return 0;
}

static bool wait_match(const struct svc *s, const char *name)
{
	return s->used && (!strcmp(s->name, name) || (s->c && !strcmp(s->c->section, name)));
}

static bool is_down(const struct svc *s)
{
	return s->state == SVC_EXITED || s->state == SVC_FAILED || s->state == SVC_DEFINED ||
	       s->state == SVC_BACKOFF;
}

/* done? -1 not yet, else the exit status to report (0 ok) */
static int wait_done(const struct sub *w)
{
	int n = 0, rc = 0;

	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!wait_match(s, w->name))
			continue;
		n++;
		switch (w->until) {
		case WAIT_DOWN:
			if (!is_down(s))
				return -1;
			rc = s->exit_status > 0 ? s->exit_status : 0;
			break;
		case WAIT_UP:
			if (s->state == SVC_RUNNING || s->state == SVC_PAUSED)
				break;
			if (!is_down(s))
				return -1;
			rc = 1;
			break;
		default:
			return -1;
		}
	}
	if (w->until == WAIT_GONE)
		return n ? -1 : 0;
	return w->until == WAIT_END ? -1 : rc;
}

static void wait_end(int i, int rc, const char *why)
{
	char line[400];
	int n;

	for (int j = 0; j < SVC_MAX && subs[i].until != WAIT_GONE; j++) {
		const struct svc *s = &svc_tab[j];
		char reason[300];

		if (!wait_match(s, subs[i].name))
			continue;
		esc(s->reason, reason, sizeof(reason));
		n = snprintf(line, sizeof(line), "name=%s state=%s exit=%d reason=%s\n", s->name,
			     svc_state_name(s->state), s->exit_status, reason);
		if (n > 0 && (size_t)n < sizeof(line))
			sub_write(i, line, n);
	}
	if (why)
		n = snprintf(line, sizeof(line), "err %d %s: %s\n", rc, subs[i].name, why);
	else
		n = snprintf(line, sizeof(line), "ok\n");
	sub_write(i, line, n);
	if (subs[i].fd >= 0)
		stream_drop(i);
}

/* after every loop iteration: a wait whose condition holds, or whose deadline passed,
 * gets its answer */
void stream_wait_tick(uint64_t now)
{
	for (int i = 0; i < MAX_SUBS; i++) {
		int rc;

		if (subs[i].fd >= 0 && subs[i].kind == SUB_LOGS) {
			/* `logs -f` of a container that is down for good ends, as docker's */
			struct svc *s = &svc_tab[subs[i].svc];

			if (s->used && s->state != SVC_EXITED && s->state != SVC_FAILED &&
			    s->state != SVC_DEFINED)
				continue;
			if (s->used)
				stream_logs(s);
			sub_write(i, "ok\n", 3);
			if (subs[i].fd >= 0)
				stream_drop(i);
			continue;
		}
		if (subs[i].fd < 0 || subs[i].kind != SUB_WAIT)
			continue;
		rc = wait_done(&subs[i]);
		if (rc == 0 || (rc > 0 && subs[i].until == WAIT_DOWN))
			wait_end(i, 0, NULL);
		else if (rc > 0)
			wait_end(i, EXIT_REFUSED, "did not come up");
		else if (subs[i].deadline && now >= subs[i].deadline)
			wait_end(i, EXIT_REFUSED, "still not done at the deadline");
	}
}

uint64_t stream_next_deadline(void)
{
	uint64_t dl = 0;

	for (int i = 0; i < MAX_SUBS; i++)
		if (subs[i].fd >= 0 && subs[i].kind == SUB_WAIT && subs[i].deadline &&
		    (!dl || subs[i].deadline < dl))
			dl = subs[i].deadline;
	return dl;
}
