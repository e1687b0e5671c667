// SPDX-License-Identifier: MIT
/* The control verbs of the daemon (ps, start, stop, inspect, logs, create, rm, deploy,
 * scale, reload, ...) and apply(), which puts a new config in force by difference. A
 * verb answers through its ctl_reply and never writes to a path taken from a request. */
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

#include "cabin/bootloop.h"
#include "cabin/cgroup.h"
#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/health.h"
#include "cabin/loop.h"
#include "cabin/net.h"
#include "cabin/portproxy.h"
#include "cabin/spawn.h"
#include "cabin/svc.h"
#include "cabin/sets.h"
#include "cabin/util.h"
#include "cabin/watchdog.h"
#include "daemon_int.h"

static void scaled_set(const char *section, int n);
static void diag_log(void *ctx, const char *file, int line, const char *msg);

/* defined by src (a request's name, a deployed file); src NULL: by nothing */
static bool from(const struct conf_ctr *c, const char *src)
{
	return src && c->file && !strcmp(c->file, src);
}

/* Put nxt in force: bind every instance to its new config, stop what is gone, restart
 * what changed, start what is new (if autostart, or `start_new`), leave the rest alone.
 * The instances defined by `runtime_src` (the request: "create", a deployed file) are
 * run-time definitions, carried over a reload; the others keep what they were. */
static void apply(bool start_new, const char *runtime_src)
{
	enum { A_NONE, A_RESTART, A_STOP, A_START } act[SVC_MAX] = { 0 };
	struct conf_diag ad = { .report = diag_log };
	struct conf *t;

	/* an address never changes under an instance, and two never share one */
	conf_keep_addresses(nxt, cur, &ad);

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
		if (s->c && conf_ctr_changed(s->c, nc) && (svc_alive(s) || s->state == SVC_BACKOFF))
			act[i] = A_RESTART;
		s->c = nc;
	}
	for (int i = 0; i < nxt->nctr; i++) {
		struct svc *s = svc_find(nxt->ctr[i].name);

		if (s && !s->remove_pending) {
			if (from(&nxt->ctr[i], runtime_src))
				runtime_def[svc_idx(s)] = true;
			continue;
		}
		s = svc_add(&nxt->ctr[i]);
		if (!s) {
			daemon_log("cabin: %s: container table full", nxt->ctr[i].name);
			continue;
		}
		/* a `logs -f` of the slot's previous owner must not get the new one's */
		stream_drop_logs(svc_idx(s));
		runtime_def[svc_idx(s)] = from(&nxt->ctr[i], runtime_src);
		if (start_new && nxt->ctr[i].autostart)
			act[svc_idx(s)] = A_START;
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
				rundir_status(s, NULL, 0, true);
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
	/* names come and go with the config: running containers see them at once */
	hosts_dirty = true;
	rundir_hosts_sync();
}

struct req {
	struct ctl_req *r;
	struct ctl_reply *rp;
};

static void diag_log(void *ctx, const char *file, int line, const char *msg)
{
	daemon_log("%s:%d: %s", file, line, msg);
}

static void diag_reply(void *ctx, const char *file, int line, const char *msg)
{
	struct ctl_reply *rp = ctx;

	if (line > 0)
		ctl_reply_line(rp, "%s:%d: %s", file, line, msg);
	else
		ctl_reply_line(rp, "%s: %s", file, msg);
	daemon_log("cabin: %s:%d: %s", file, line, msg);
}

/* "no such container: webb; did you mean web-1, web-2?" */
static void no_such_msg(const char *name, char *buf, size_t n)
{
	size_t k = snprintf(buf, n, "no such container: %s", name);
	int found = 0;

	for (int i = 0; i < SVC_MAX && k < n && found < 4; i++) {
		const struct svc *s = &svc_tab[i];
		size_t ln = strlen(name);

		if (!s->used || s->remove_pending)
			continue;
		if (strncmp(s->name, name, ln) && strncmp(name, s->name, strlen(s->name)) &&
		    util_edit_distance(s->name, name, 2) > 2)
			continue;
		k += snprintf(buf + k, n - k, "%s%s", found++ ? ", " : "; did you mean ", s->name);
	}
	if (found && k < n)
		snprintf(buf + k, n - k, "?");
}

static void no_such(struct ctl_reply *rp, const char *name)
{
	char m[200];

	no_such_msg(name, m, sizeof(m));
	ctl_reply_end(rp, EXIT_REFUSED, m);
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
			char m[200];

			no_such_msg(argv[a], m, sizeof(m));
			err_set(&e, 0, "%s", m);
			rc = -1;
		}
	}
	if (rc < 0)
		ctl_reply_end(rp, EXIT_REFUSED, e.msg);
	else
		ctl_reply_end(rp, 0, NULL);
	return rc;
}

/* an operator's start: what it depends on may start again, even if stopped by hand
 * (the config refuses cycles, so this ends) */
static void unstop_deps(const struct svc *s)
{
	struct svc *d;

	for (int i = 0; s->c && i < s->c->ndepends; i++)
		for (int j = -1; (d = svc_dep_next(s, i, &j));) {
			if (d->manual_stop) {
				d->manual_stop = false;
				rundir_stopped_set(d, false);
			}
			unstop_deps(d);
		}
}

static int do_start(struct svc *s, void *ctx, struct cabin_err *e)
{
	rundir_stopped_set(s, false);
	unstop_deps(s);
	return svc_event(s, SVC_EV_START, 0, e);
}

static int do_stop(struct svc *s, void *ctx, struct cabin_err *e)
{
	if (s->c && s->c->restart == CONF_RESTART_UNLESS_STOPPED)
		rundir_stopped_set(s, true);
	return svc_event(s, SVC_EV_STOP, 0, e);
}

static int do_restart(struct svc *s, void *ctx, struct cabin_err *e)
{
	rundir_stopped_set(s, false);
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

	/* an address only while it exists: the container's eth0 lives with it */
	if (s->c && s->c->ip.s_addr && s->c->net == CONF_NET_BRIDGE && svc_alive(s) &&
	    s->state != SVC_SPAWNING)
		util_ip4_str(ip, &s->c->ip);
	if ((s->state == SVC_RUNNING || s->state == SVC_PAUSED) && s->started_ms)
		up = (loop_now_ms() - s->started_ms) / 1000;
	ctl_reply_kv(rp, "name", "%s", s->name);
	ctl_reply_kv(rp, "state", "%s", svc_state_name(s->state));
	ctl_reply_kv(rp, "health", "%s", health_name(s));
	ctl_reply_kv(rp, "pid", "%d", (int)s->pid);
	ctl_reply_kv(rp, "ip", "%s", ip);
	ctl_reply_kv(rp, "restarts", "%d", s->restarts);
	ctl_reply_kv(rp, "uptime", "%llu", (unsigned long long)up);
	{
		/* published ports, docker-style, while they are published */
		char ports[CONFIG_MAX_PORTS * 20] = "";
		size_t n = 0;

		for (int i = 0; ip[0] && s->c && i < s->c->nport && n < sizeof(ports); i++)
			n += snprintf(ports + n, sizeof(ports) - n, "%s%u->%u/%s", i ? "," : "",
				      s->c->port[i].host, s->c->port[i].ctr,
				      s->c->port[i].proto == IPPROTO_UDP ? "udp" : "tcp");
		ctl_reply_kv(rp, "ports", "%s", ports);
	}
	if (s->start_us) { /* how long the last start took, and its network part */
		ctl_reply_kv(rp, "start_us", "%u", s->start_us);
		ctl_reply_kv(rp, "net_us", "%u", s->net_us);
	}
	if (s->reason[0]) {
		ctl_reply_kv(rp, "reason", "%s", s->reason);
		ctl_reply_kv(rp, "exit_time", "%llu", (unsigned long long)(s->reason_ts_ms / 1000));
	}
	if (s->exit_status >= 0)
		ctl_reply_kv(rp, "exit_code", "%d", s->exit_status);
	if (s->state == SVC_BACKOFF && s->tm[SVC_TM_STATE] > loop_now_ms())
		ctl_reply_kv(rp, "next_ms", "%llu",
			     (unsigned long long)(s->tm[SVC_TM_STATE] - loop_now_ms()));
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

/* inspect: the group's directory in each hierarchy */
static void kv_cgroup(const char *procs, void *ctx)
{
	const char *sl = strrchr(procs, '/');

	inspect_line(ctx, "cgroup", "%.*s", (int)(sl ? sl - procs : (long)strlen(procs)), procs);
}

static void inspect_caps(struct ctl_reply *rp, const char *key, uint64_t set)
{
	for (int i = 0; i < 64; i++)
		if (set >> i & 1)
			inspect_line(rp, key, "%s", conf_cap_name(i) ?: "?");
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
		no_such(rp, r->argv[1]);
		return;
	}
	c = s->c;
	kv_svc(rp, s);
	if (s->c && s->c->health != CONF_HEALTH_NONE) {
		/* the last probe: failures in a row, its output (4 KiB at most), STATUS= */
		ctl_reply_kv(rp, "health_fails", "%d", s->health_fails);
		ctl_reply_kv(rp, "health_output", "%s", health_output(s));
		if (health_status_text(s)[0])
			ctl_reply_kv(rp, "status_text", "%s", health_status_text(s));
	}
	ctl_reply_kv_end(rp);
	if (s->reason[0])
		inspect_line(rp, "reason_time", "%llu.%03u",
			     (unsigned long long)(s->reason_ts_ms / 1000),
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
	inspect_line(rp, "command", "%s", cmd);
	for (int i = 0; i < c->argc; i++) /* the words as exec gets them */
		inspect_line(rp, "cmd", "%s", c->argv[i]);
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
	inspect_line(rp, "runtime", "%s", runtime_def[svc_idx(s)] ? "yes" : "no");
	/* identity and isolation */
	inspect_line(rp, "kind", "%s", c->host_kind ? "host" : "container");
	inspect_line(rp, "user", "%s", c->user ? c->user : "0:0");
	inspect_line(rp, "workdir", "%s", c->workdir ? c->workdir : "/");
	inspect_line(rp, "hostname", "%s", c->hostname ? c->hostname : c->name);
	inspect_line(rp, "readonly", "%s", c->readonly ? "yes" : "no");
	inspect_line(rp, "no_new_privs", "%s", c->no_new_privs ? "yes" : "no");
	inspect_line(rp, "seccomp", "%s", c->unconfined ? "unconfined" : "default");
	inspect_line(rp, "userns", "%s", c->userns ? "yes" : "no");
	inspect_caps(rp, "cap_add", c->cap_add);
	inspect_caps(rp, "cap_drop", c->cap_drop);
	for (int i = 0; i < c->nvol; i++)
		inspect_line(rp, "volume", "%s:%s%s", c->vol[i].src, c->vol[i].dst,
			     c->vol[i].ro ? ":ro" : "");
	for (int i = 0; i < c->ntmpfs; i++)
		inspect_line(rp, "tmpfs", "%s:%llu", c->tmpfs[i].path,
			     (unsigned long long)c->tmpfs[i].size);
	for (int i = 0; i < c->nsysctl; i++)
		inspect_line(rp, "sysctl", "%s=%s", c->sysctl[i].key, c->sysctl[i].val);
	/* network */
	{
		static const char *const net[] = { "bridge", "none", "host" };
		char ip[INET_ADDRSTRLEN] = "";

		inspect_line(rp, "net", "%s", c->net <= CONF_NET_HOST ? net[c->net] : "?");
		if (c->net == CONF_NET_BRIDGE && c->ip.s_addr)
			util_ip4_str(ip, &c->ip);
		inspect_line(rp, "address", "%s", ip); /* kept across restarts */
		inspect_line(rp, "isolated", "%s", c->isolated ? "yes" : "no");
		for (int i = 0; i < c->nport; i++)
			inspect_line(rp, "port", "%u:%u/%s", c->port[i].host, c->port[i].ctr,
				     c->port[i].proto == IPPROTO_UDP ? "udp" : "tcp");
	}
	/* health */
	{
		static const char *const h[] = { "none", "exec", "tcp", "notify" };
		static const char *const u[] = { "restart", "none", "reboot" };

		inspect_line(rp, "health_check", "%s",
			     c->health <= CONF_HEALTH_HEARTBEAT ? h[c->health] : "?");
		if (c->health != CONF_HEALTH_NONE) {
			inspect_line(rp, "health_interval", "%ums", c->health_interval_ms);
			inspect_line(rp, "health_timeout", "%ums", c->health_timeout_ms);
			inspect_line(rp, "health_retries", "%u", c->health_retries);
			inspect_line(rp, "health_start", "%ums", c->health_start_ms);
			inspect_line(rp, "on_unhealthy", "%s",
				     c->on_unhealthy <= CONF_UNHEALTHY_REBOOT ? u[c->on_unhealthy]
									      : "?");
		}
		inspect_line(rp, "critical", "%s", c->critical ? "yes" : "no");
	}
	/* limits and where they live; the start time (epoch seconds) */
	inspect_line(rp, "memory_high", "%llu", (unsigned long long)c->memory_high);
	inspect_line(rp, "cpu_weight", "%u", c->cpu_weight);
	inspect_line(rp, "io_weight", "%u", c->io_weight);
	inspect_line(rp, "nofile", "%llu", (unsigned long long)c->rlimit_nofile);
	if (c->log == CONF_LOG_FILE) {
		inspect_line(rp, "log_file", "%s", c->log_path);
		inspect_line(rp, "log_max", "%u", c->log_max);
		inspect_line(rp, "log_dropped", "%llu", (unsigned long long)s->log_dropped);
	}
	if (have_cg && s->sp.cgname[0] && svc_alive(s))
		cgroup_procs_each(&cg, s->sp.cgname, kv_cgroup, rp);
	if (s->started_ms && svc_alive(s))
		inspect_line(
			rp, "started", "%llu",
			(unsigned long long)((loop_wall_ms() - (loop_now_ms() - s->started_ms)) /
					     1000));
	ctl_reply_end(rp, 0, NULL);
}

static void v_events(struct ctl_req *r, struct ctl_reply *rp)
{
	if (stream_add(rp, SUB_EVENTS, 0, 0) < 0)
		ctl_reply_end(rp, EXIT_REFUSED, "too many streams");
}

/* logs [-f] [-n LINES] [-t] [--since EPOCH_MS] NAME: the ring's lines, their stamps
 * kept with -t (the client formats them); -f follows until the container is down */
static void v_logs(struct ctl_req *r, struct ctl_reply *rp)
{
	static const char usage[] = "usage: logs [-f] [-n LINES] [-t] [--since MS] NAME";
	struct ring_view v = { 0 };
	int lines = -1, a = 1;
	bool follow = false;
	struct svc *s;
	char buf[PIPE_BUF / 2], line[PIPE_BUF / 2];
	size_t ll = 0, n;

	for (; a < r->argc && r->argv[a][0] == '-'; a++) {
		if (!strcmp(r->argv[a], "-f") || !strcmp(r->argv[a], "--follow"))
			follow = true;
		else if (!strcmp(r->argv[a], "-t"))
			v.keep_stamp = true;
		else if (!strcmp(r->argv[a], "-n") && a + 1 < r->argc)
			lines = (int)util_strtol(r->argv[++a], NULL, 10);
		else if (!strcmp(r->argv[a], "--since") && a + 1 < r->argc)
			v.since_ms = util_strtoull(r->argv[++a], NULL, 10);
		else {
			ctl_reply_end(rp, EXIT_USAGE, usage);
			return;
		}
	}
	if (a + 1 != r->argc) {
		ctl_reply_end(rp, EXIT_USAGE, usage);
		return;
	}
	s = svc_find(r->argv[a]);
	if (!s) {
		no_such(rp, r->argv[a]);
		return;
	}
	ring_view_init(&s->ring, &v, lines < 0 ? ring_start(&s->ring) : ring_tail(&s->ring, lines));
	/* whole lines into the reply; a line longer than the buffer is cut in pieces */
	while ((n = ring_view_read(&s->ring, &v, buf, sizeof(buf))) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && ll < sizeof(line) - 1) {
				line[ll++] = buf[i];
				continue;
			}
			line[ll] = 0;
			ctl_reply_line(rp, "%s", line);
			ll = 0;
			if (buf[i] != '\n')
				line[ll++] = buf[i];
			if (rp->fd < 0)
				return;
		}
	}
	if (ll) { /* an unfinished last line */
		line[ll] = 0;
		ctl_reply_line(rp, "%s", line);
	}
	/* following a container that is down and will not restart: done, as docker's */
	if (follow &&
	    (s->state == SVC_RUNNING || s->state == SVC_PAUSED || s->state == SVC_STARTING ||
	     s->state == SVC_SPAWNING || s->state == SVC_STOPPING || s->state == SVC_KILLING ||
	     s->state == SVC_BACKOFF)) {
		if (stream_logs_add(rp, svc_idx(s), &v) < 0)
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
		{
			/* the host end's counters: what it received the container sent */
			uint64_t rx = 0, tx = 0;
			char host[NET_IFNAME_MAX + 1];

			if (net_fd >= 0 && s->c && s->c->net == CONF_NET_BRIDGE) {
				net_host_ifname(s->name, host);
				net_link_stats(net_fd, host, &tx, &rx);
			}
			ctl_reply_kv(rp, "net_rx", "%llu", (unsigned long long)rx);
			ctl_reply_kv(rp, "net_tx", "%llu", (unsigned long long)tx);
		}
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

/* kind=host runs on the host's root: only the firmware's own files may define one */
static bool host_kind_from(const struct conf *c, const char *file)
{
	for (int i = 0; i < c->nctr; i++)
		if (c->ctr[i].host_kind && c->ctr[i].file && !strcmp(c->ctr[i].file, file))
			return true;
	return false;
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
		char m[120];

		snprintf(m, sizeof(m), "%s exists already: `cabin rm %s` first, or another name",
			 name, name);
		ctl_reply_end(rp, EXIT_REFUSED, m);
		return;
	}
	if (conf_copy(nxt, cur, NULL, NULL) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	/* saved: it is defined by its file in cabin.d, as after a reload (rm removes it) */
	if (save && conf_dir)
		snprintf(path, sizeof(path), "%s/%s.conf", conf_dir, name);
	if (conf_parse_buf(nxt, save && conf_dir ? path : "create", filebuf, n, &d) < 0 || d.nerr ||
	    conf_finish(nxt, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "invalid container definition");
		return;
	}
	if (host_kind_from(nxt, "create")) {
		ctl_reply_end(rp, EXIT_REFUSED,
			      "kind=host only in the config files, never at run time");
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
		r2 = rundir_write(path, filebuf, n, true);
		if (r2 < 0) {
			ctl_reply_end(rp, EXIT_REFUSED, strerror(-r2));
			return;
		}
	}
	apply(false, save ? NULL : "create");
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
			no_such(rp, name);
			return;
		}
	}
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *t = &svc_tab[i];

		if (t->used && t->c && !keep_not_named(t->c, (void *)name) && !force &&
		    (svc_alive(t) || t->state == SVC_BACKOFF)) {
			char m[120];

			snprintf(m, sizeof(m),
				 "%s is %s: `cabin stop %s` first, or `cabin rm -f %s`", t->name,
				 svc_state_name(t->state), name, name);
			ctl_reply_end(rp, EXIT_REFUSED, m);
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
	scaled_set(name, -1);
	if (conf_copy(nxt, cur, keep_not_named, (void *)name) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full");
		return;
	}
	apply(false, NULL);
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

	if (r->argc == 3 && !strcmp(r->argv[1], "--try")) { /* a config set, on trial */
		char msg[200];
		int rc = sets_try(r->argv[2], msg, sizeof(msg));

		ctl_reply_end(rp, rc < 0 ? EXIT_REFUSED : 0, rc < 0 ? msg : NULL);
		return;
	}
	if (r->argc != 2) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: deploy [--try] FILE|DIR");
		return;
	}
	/* read only: the daemon never writes to a path taken from a request; a regular
	 * file only (a FIFO would read as empty, and deploy nothing) */
	fd = open(r->argv[1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, strerror(errno));
		return;
	}
	{
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			ctl_reply_end(rp, EXIT_REFUSED,
				      "not a regular file (a set directory goes with --try)");
			return;
		}
	}
	n = read(fd, filebuf, sizeof(filebuf) - 1);
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(filebuf) - 1) {
		ctl_reply_end(rp, EXIT_REFUSED, n < 0 ? strerror(errno) : "file too large");
		return;
	}
	filebuf[n] = 0;
	sections_of(filebuf, &secs);
	for (int i = 0; i < secs.n; i++)
		scaled_set(secs.name[i], -1); /* a deploy says the count itself */
	if (conf_copy(nxt, cur, keep_not_in, &secs) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	if (conf_parse_buf(nxt, r->argv[1], filebuf, n, &d) < 0 || d.nerr ||
	    conf_finish(nxt, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "invalid file; nothing changed");
		return;
	}
	if (host_kind_from(nxt, r->argv[1])) {
		ctl_reply_end(rp, EXIT_REFUSED,
			      "kind=host only in the config files, never deployed");
		return;
	}
	apply(true, r->argv[1]);
	ctl_reply_end(rp, 0, NULL);
}

/* `scale` outlives a reload: the count given at run time stays until the next scale of
 * that section, or a deploy or rm of it (README). One slot per section. */
static struct scaled {
	char section[CONF_NAME_MAX + 1]; /* "" = free */
	int n;
} scaled[CONFIG_MAX_CONTAINERS];

static void scaled_set(const char *section, int n)
{
	struct scaled *free_slot = NULL;

	for (int i = 0; i < CONFIG_MAX_CONTAINERS; i++) {
		if (!strcmp(scaled[i].section, section)) {
			scaled[i].n = n;
			if (n < 0)
				scaled[i].section[0] = 0;
			return;
		}
		if (!scaled[i].section[0] && !free_slot)
			free_slot = &scaled[i];
	}
	if (n >= 0 && free_slot) {
		snprintf(free_slot->section, sizeof(free_slot->section), "%s", section);
		free_slot->n = n;
	}
}

/* put the run-time counts back into a freshly loaded config */
static void scaled_reapply(struct conf *c)
{
	for (int i = 0; i < CONFIG_MAX_CONTAINERS; i++) {
		struct conf_diag quiet = { 0 };
		bool found = false;

		if (!scaled[i].section[0])
			continue;
		for (int j = 0; j < c->nctr && !found; j++)
			found = !strcmp(c->ctr[j].section, scaled[i].section);
		if (!found) {
			scaled[i].section[0] = 0; /* the section is gone from the files */
			continue;
		}
		if (scaled[i].n == 0) { /* scaled to 0: defined as the files say, none started */
			for (int j = 0; j < c->nctr; j++)
				if (!strcmp(c->ctr[j].section, scaled[i].section))
					c->ctr[j].autostart = false;
			continue;
		}
		if (conf_scale(c, scaled[i].section, scaled[i].n, &quiet) < 0 || quiet.nerr) {
			daemon_log(
				"cabin: reload: scale %s %d no longer fits; the file's count wins",
				scaled[i].section, scaled[i].n);
			scaled[i].section[0] = 0;
		}
	}
}

static int scaled_get(const char *section)
{
	for (int i = 0; i < CONFIG_MAX_CONTAINERS; i++)
		if (!strcmp(scaled[i].section, section))
			return scaled[i].n;
	return -1;
}

static bool conf_find_section(const struct conf *c, const char *section)
{
	for (int i = 0; i < c->nctr; i++)
		if (!strcmp(c->ctr[i].section, section))
			return true;
	return false;
}

static void v_scale(struct ctl_req *r, struct ctl_reply *rp)
{
	struct conf_diag d = { .report = diag_reply, .ctx = rp };
	bool was_zero;
	char *end;
	long n;

	if (r->argc != 3) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: scale NAME N");
		return;
	}
	n = util_strtol(r->argv[2], &end, 10);
	if (*end || n < 0 || n > CONFIG_MAX_CONTAINERS) {
		ctl_reply_end(rp, EXIT_USAGE, "bad replica count");
		return;
	}
	if (!conf_find_section(cur, r->argv[1])) {
		no_such(rp, r->argv[1]);
		return;
	}
	was_zero = scaled_get(r->argv[1]) == 0;
	if (n == 0) {
		/* every instance stopped, the section kept (ps -a shows them), until the next
		 * scale; it outlives a reload like any scale */
		scaled_set(r->argv[1], 0);
		for (int i = 0; i < cur->nctr; i++)
			if (!strcmp(cur->ctr[i].section, r->argv[1]))
				cur->ctr[i].autostart = false;
		each(rp, 1, r->argv + 1, do_stop, NULL);
		return;
	}
	if (conf_copy(nxt, cur, NULL, NULL) < 0) {
		ctl_reply_end(rp, EXIT_REFUSED, "config arena full; reload to compact");
		return;
	}
	if (conf_scale(nxt, r->argv[1], (int)n, &d) < 0 || d.nerr) {
		ctl_reply_end(rp, EXIT_REFUSED, "cannot scale (the lines above say why)");
		return;
	}
	scaled_set(r->argv[1], (int)n);
	apply(true, NULL);
	if (was_zero) /* back from 0: all of them run again */
		each(rp, 1, r->argv + 1, do_start, NULL);
	else
		ctl_reply_end(rp, 0, NULL);
}

/* Reload: parse everything into the spare config; a config with any error is rejected
 * whole and the running one stays. Containers defined at run time (create without
 * --save, deploy) are carried over unless the files now define the same name. */
/* the firmware's files, the config set of the moment, apply; the names it starts or
 * restarts into changed (when asked) */
static int reload_with(struct ctl_reply *rp, char (*changed)[CONF_INST_MAX + 1], int *nchanged)
{
	struct conf_diag d = { .report = rp ? diag_reply : diag_log, .ctx = rp };
	int r, n = 0;

	r = conf_load_set(nxt, conf_path, conf_dir, sets_dir_now(), &d);
	if (r == 0 && !d.nerr && sets_dir_now())
		for (int i = 0; i < nxt->nctr; i++) /* a set is deployed: never a host service */
			if (nxt->ctr[i].host_kind &&
			    !strncmp(nxt->ctr[i].file, sets_dir_now(), strlen(sets_dir_now()))) {
				daemon_log("cabin: %s: kind=host in a config set refused",
					   nxt->ctr[i].file);
				d.nerr++;
			}
	if (r < 0 || d.nerr) {
		daemon_log("cabin: reload rejected, %d error%s; keeping the running config", d.nerr,
			   d.nerr == 1 ? "" : "s");
		return -EINVAL;
	}
	scaled_reapply(nxt);
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || !runtime_def[i] || conf_find(nxt, s->name))
			continue;
		if (conf_import(nxt, cur, s->c) < 0)
			daemon_log("cabin: reload: %s: no room, dropped", s->name);
	}
	for (int i = 0; changed && i < nxt->nctr && n < CONFIG_MAX_CONTAINERS; i++) {
		const struct conf_ctr *o = conf_find(cur, nxt->ctr[i].name);

		if (!o || conf_ctr_changed(o, &nxt->ctr[i]))
			snprintf(changed[n++], CONF_INST_MAX + 1, "%s", nxt->ctr[i].name);
	}
	if (nchanged)
		*nchanged = n;
	apply(true, NULL);
	/* apply() cleared the flag for what the files define now */
	daemon_log("cabin: reloaded %s", conf_path);
	daemon_warn_unbuilt(cur);
	return 0;
}

int verbs_reload_set(char (*changed)[CONF_INST_MAX + 1], int *nchanged)
{
	return reload_with(NULL, changed, nchanged);
}

int verbs_reload(struct ctl_reply *rp)
{
	int r = reload_with(rp, NULL, NULL);

	if (r == 0)
		bootloop_config_changed(cur); /* judged (and saved when good) from now */
	return r;
}

static void v_reload(struct ctl_req *r, struct ctl_reply *rp)
{
	if (verbs_reload(rp) < 0)
		ctl_reply_end(rp, EXIT_REFUSED, "invalid config; nothing changed");
	else
		ctl_reply_end(rp, 0, NULL);
}

static void v_shutdown(struct ctl_req *r, struct ctl_reply *rp)
{
	/* -w: the answer comes when the daemon is done (every container down in order) */
	if (r->argc > 1 && !strcmp(r->argv[1], "-w") && stream_wait_add(rp, "", WAIT_END, 0) == 0) {
		daemon_shutdown();
		return;
	}
	ctl_reply_end(rp, 0, NULL);
	daemon_shutdown();
}

/* wait [--up|--gone] [--bounded] NAME: the answer comes when every instance of NAME is
 * down (its exit status), up, or gone; --bounded ends it at the longest stop_timeout
 * of them plus a margin (stop, restart and rm -f wait this way) */
static void v_wait(struct ctl_req *r, struct ctl_reply *rp)
{
	enum wait_until until = WAIT_DOWN;
	bool bounded = false, any = false;
	uint32_t longest = 0;
	const char *name = NULL;

	for (int a = 1; a < r->argc; a++) {
		if (!strcmp(r->argv[a], "--up"))
			until = WAIT_UP;
		else if (!strcmp(r->argv[a], "--gone"))
			until = WAIT_GONE;
		else if (!strcmp(r->argv[a], "--bounded"))
			bounded = true;
		else if (!name && r->argv[a][0] != '-')
			name = r->argv[a];
		else {
			ctl_reply_end(rp, EXIT_USAGE, "usage: wait NAME");
			return;
		}
	}
	if (!name) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: wait NAME");
		return;
	}
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used || (strcmp(s->name, name) && (!s->c || strcmp(s->c->section, name))))
			continue;
		any = true;
		if (s->stop_timeout_ms > longest)
			longest = s->stop_timeout_ms;
		if (s->c && s->c->stop_timeout_ms > longest)
			longest = s->c->stop_timeout_ms;
	}
	if (!any && until != WAIT_GONE) {
		no_such(rp, name);
		return;
	}
	/* the margin: the kill after stop_timeout, the reap, the cleanup; a restart's
	 * start on top */
	if (stream_wait_add(rp, name, until,
			    bounded ? loop_now_ms() + longest + 5000 +
					      (until == WAIT_UP ? CONFIG_START_TIMEOUT_MS : 0)
				    : 0) < 0)
		ctl_reply_end(rp, EXIT_REFUSED, "too many clients waiting");
}

static void v_debug(struct ctl_req *r, struct ctl_reply *rp)
{
	ctl_reply_kv(rp, "allocs", "%ld", daemon_alloc_count());
	ctl_reply_kv(rp, "wakeups", "%lu", loop_wakeups);
	ctl_reply_kv(rp, "max_handler_us", "%lu", loop_max_handler_us);
	ctl_reply_kv(rp, "proxy_refused", "%lu", portproxy_refused);
	ctl_reply_kv_end(rp);
	ctl_reply_end(rp, 0, NULL);
}

static void kv_procs(const char *path, void *ctx)
{
	ctl_reply_kv(ctx, "procs", "%s", path);
}

/* `exec NAME`: what the client needs to enter the container itself (the FIFO cannot
 * pass fds): the init's pid, the group's cgroup.procs files, and the identity fields
 * the start's second half applies */
static void v_exec(struct ctl_req *r, struct ctl_reply *rp)
{
	struct svc *s = r->argc == 2 ? svc_find(r->argv[1]) : NULL;
	const struct conf_ctr *c;

	if (r->argc != 2) {
		ctl_reply_end(rp, EXIT_USAGE, "usage: exec NAME");
		return;
	}
	if (!s || !s->c) {
		no_such(rp, r->argv[1]);
		return;
	}
	if (s->state != SVC_RUNNING || s->pid <= 0) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s is %s: nothing to exec into", s->name,
			 svc_state_name(s->state));
		ctl_reply_end(rp, EXIT_REFUSED, msg);
		return;
	}
	c = s->c;
	ctl_reply_kv(rp, "pid", "%d", (int)s->pid);
	if (have_cg && s->sp.cgname[0])
		cgroup_procs_each(&cg, s->sp.cgname, kv_procs, rp);
	ctl_reply_kv(rp, "name", "%s", c->name);
	ctl_reply_kv(rp, "instance", "%d", c->instance);
	ctl_reply_kv(rp, "hostname", "%s", c->hostname ? c->hostname : c->name);
	if (c->user)
		ctl_reply_kv(rp, "user", "%s", c->user);
	if (c->workdir)
		ctl_reply_kv(rp, "workdir", "%s", c->workdir);
	for (int i = 0; i < c->nenv; i++)
		ctl_reply_kv(rp, "env", "%s", c->env[i]);
	ctl_reply_kv(rp, "cap_add", "%llx", (unsigned long long)c->cap_add);
	ctl_reply_kv(rp, "cap_drop", "%llx", (unsigned long long)c->cap_drop);
	ctl_reply_kv(rp, "nnp", "%d", c->no_new_privs);
	ctl_reply_kv(rp, "unconfined", "%d", c->unconfined);
	ctl_reply_kv(rp, "seccomp_allow", "%llx", (unsigned long long)c->seccomp_allow);
	ctl_reply_kv(rp, "userns", "%d", c->userns);
	ctl_reply_kv(rp, "net", "%d", (int)c->net);
	ctl_reply_kv(rp, "host", "%d", c->host_kind);
	ctl_reply_kv(rp, "nofile", "%llu", (unsigned long long)c->rlimit_nofile);
	ctl_reply_kv(rp, "umask", "%o", (unsigned)c->umask);
	ctl_reply_kv_end(rp);
	ctl_reply_end(rp, 0, NULL);
}

/* the daemon as a whole: version, containers, the watchdog */
static void v_status(struct ctl_req *r, struct ctl_reply *rp)
{
	int n = 0, up = 0;

	for (int i = 0; i < SVC_MAX; i++)
		if (svc_tab[i].used) {
			n++;
			up += svc_tab[i].state == SVC_RUNNING;
		}
	ctl_reply_kv(rp, "version", "%s", CABIN_VERSION);
	ctl_reply_kv(rp, "pid", "%d", (int)getpid());
	ctl_reply_kv(rp, "mode", "%s", init_mode ? "init" : "daemon");
	ctl_reply_kv(rp, "config", "%s", conf_path);
	ctl_reply_kv(rp, "containers", "%d", n);
	ctl_reply_kv(rp, "running", "%d", up);
	ctl_reply_kv(rp, "log_dropped", "%lu", daemon_log_dropped);
	watchdog_kv(rp);
	bootloop_kv(rp);
	sets_status_kv(rp);
	ctl_reply_kv_end(rp);
	ctl_reply_end(rp, 0, NULL);
}

void verbs_serve(struct ctl_req *r, struct ctl_reply *rp, void *ctx)
{
	const char *v = r->argc ? r->argv[0] : "";

	if (shutting && strcmp(v, "ps") && strcmp(v, "debug") && strcmp(v, "events") &&
	    strcmp(v, "status") && strcmp(v, "wait")) {
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
	else if (!strcmp(v, "status"))
		v_status(r, rp);
	else if (!strcmp(v, "commit") || !strcmp(v, "rollback")) {
		char msg[200];
		const char *id = r->argc > 1 ? r->argv[1] : "";
		int rc = !strcmp(v, "commit") ? sets_commit(id, msg, sizeof(msg))
					      : sets_rollback(id, msg, sizeof(msg));

		if (rc < 0)
			ctl_reply_end(rp, EXIT_REFUSED, msg);
		else {
			ctl_reply_line(rp, "%s", msg);
			ctl_reply_end(rp, 0, NULL);
		}
	} else if (!strcmp(v, "sets")) {
		sets_list(rp);
		ctl_reply_end(rp, 0, NULL);
	} else if (!strcmp(v, "exec"))
		v_exec(r, rp);
	else if (!strcmp(v, "wait"))
		v_wait(r, rp);
	else if (!strcmp(v, "poweroff") || !strcmp(v, "reboot") || !strcmp(v, "halt")) {
		if (!init_mode) {
			ctl_reply_end(rp, EXIT_REFUSED, "not in init mode; use `cabin shutdown`");
			return;
		}
		init_action = !strcmp(v, "halt")       ? INIT_HALT
			      : !strcmp(v, "poweroff") ? INIT_POWEROFF
						       : INIT_REBOOT;
		ctl_reply_end(rp, 0, NULL);
		daemon_shutdown();
	} else
		ctl_reply_end(rp, EXIT_USAGE, "unknown command");
}
