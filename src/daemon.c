// SPDX-License-Identifier: MIT
/* `cabin daemon`: the supervisor under another init. daemon_main() narrates start-up;
 * after daemon_startup_done() everything lives in fixed tables and the loop never
 * allocates and never waits but in epoll_wait. This file owns the shared state, the loop
 * and its signal, timer and control-FIFO handlers; the verbs are verbs.c, what the state
 * machine asks for effects.c, event and log streams stream.c, RUNDIR files rundir.c, the
 * state machine svc.c, the descriptors loop.c, the FIFO protocol ctl.c. */
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

#include "cabin/bootloop.h"
#include "cabin/cgroup.h"
#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/health.h"
#include "cabin/ladder.h"
#include "cabin/loop.h"
#include "cabin/net.h"
#include "cabin/portfwd.h"
#include "cabin/spawn.h"
#include "cabin/svc.h"
#include "cabin/sets.h"
#include "cabin/util.h"
#include "cabin/watchdog.h"
#include "daemon_int.h"

/* Test hooks: tests/alloc/count.c provides strong definitions that arm and read an
 * allocation counter; in the product these weak ones do nothing. */
__attribute__((weak)) void daemon_startup_done(void)
{
}
__attribute__((weak)) long daemon_alloc_count(void)
{
	return -1;
}

/* two configs: the running one and the one being built (reload, create, deploy, ...) */
static struct conf confs[2];
struct conf *cur = &confs[0], *nxt = &confs[1];
bool runtime_def[SVC_MAX]; /* defined by create/deploy, not by the files */
int console_fd = 2;	   /* blocking stderr, for log=console */
struct cgroup_sys cg;
bool have_cg;
const char *conf_path, *conf_dir, *rundir;
bool shutting;
bool init_mode;			/* PID 1 (init.c) */
int init_action = INIT_REBOOT;	/* what PID 1 does once everything is down */
const char *init_cgroup_parent; /* v2 init: "/" (PID 1 sits in its own leaf) */
char filebuf[CONFIG_CONF_ARENA_KB * 1024];

int net_fd = -1;
static bool bridge_ours; /* created by us (or a crashed predecessor): removed at exit */
static int ctl_fd = -1;
static bool done;
static uint64_t shutdown_deadline;

/* RUNDIR/bridge: present while the bridge is ours, so a daemon started after a crash
 * knows it may remove it at exit (a bridge the system had before is never removed) */
int daemon_net_up(struct cabin_err *e)
{
	char path[PATH_MAX];
	bool created;
	int fd, r;

	fd = net_open(e);
	if (fd < 0)
		return fd;
	r = net_bridge_up(fd, cur, &created, e);
	if (r < 0) {
		close(fd);
		daemon_log("cabin: network: %s", e->msg);
		return r;
	}
	snprintf(path, sizeof(path), "%s/bridge", rundir);
	if (created) {
		int m = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (m >= 0)
			close(m);
	}
	bridge_ours = created || access(path, F_OK) == 0;
	net_fd = fd;
	effects_ports_changed(); /* nat=, and a crashed predecessor's table replaced */
	daemon_log("cabin: bridge %s up%s", cur->bridge, created ? " (created)" : "");
	return 0;
}

static void net_down(void)
{
	char path[PATH_MAX];

	if (net_fd < 0)
		return;
	portfwd_clear();
	if (bridge_ours) {
		net_bridge_down(net_fd, cur);
		snprintf(path, sizeof(path), "%s/bridge", rundir);
		unlink(path);
	}
	close(net_fd);
	net_fd = -1;
}

/* Nothing silently ignored: keys that are parsed and validated but not acted on yet say
 * so in the log, once per start-up and reload (each goes when its feature lands). */
void daemon_warn_unbuilt(const struct conf *c)
{
	for (int i = 0; i < c->nctr; i++) {
		const struct conf_ctr *t = &c->ctr[i];

		if (t->nport && t->net != CONF_NET_BRIDGE)
			daemon_log("cabin: %s: port= needs net=bridge; nothing is published",
				   t->name);
		if (t->critical && !c->watchdog && !init_mode)
			daemon_log(
				"cabin: %s: critical=yes without watchdog=, not PID 1: a critical "
				"failure is logged, nothing resets the device",
				t->name);
	}
}

void daemon_shutdown(void)
{
	if (shutting)
		return;
	shutting = true;
	daemon_log("cabin: shutting down");
	shutdown_deadline = loop_now_ms() + (cur->shutdown_timeout_ms ?: 30000);
	svc_shutdown_begin();
	if (!svc_shutdown_step())
		done = true;
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
		daemon_log("cabin: control FIFO: %s", e.msg);
		return;
	}
	loop_del(ctl_fd);
	close(ctl_fd);
	ctl_fd = fd;
	if (loop_add(ctl_fd, EPOLLIN, on_ctl, NULL, &e) < 0)
		daemon_log("cabin: control FIFO: %s", e.msg);
	else
		daemon_log("cabin: control FIFO recreated");
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
			daemon_log("cabin: inotify: %s; a removed FIFO needs SIGHUP",
				   strerror(errno));
			return;
		}
	}
	inotify_add_watch(inotify_fd, rundir,
			  IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
}

static void on_ctl(void *ctx, uint32_t events)
{
	ctl_serve(ctl_fd, rundir, verbs_serve, NULL);
}

static void on_signal(void *ctx, uint32_t events)
{
	int sig;

	while ((sig = loop_signal()) > 0) {
		switch (sig) {
		case SIGCHLD:
			effects_reap();
			break;
		case SIGTERM: /* init (SPEC §10, busybox init's table): TERM and INT reboot, */
		case SIGINT:  /* USR1 halts, USR2 and PWR power off */
		case SIGQUIT:
		case SIGUSR1:
		case SIGUSR2:
		case SIGPWR:
			if (!init_mode) {
				if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
					daemon_shutdown();
				break;
			}
			if (sig == SIGQUIT)
				break;
			init_action = sig == SIGUSR1			? INIT_HALT
				      : sig == SIGUSR2 || sig == SIGPWR ? INIT_POWEROFF
									: INIT_REBOOT;
			daemon_shutdown();
			break;
		case SIGHUP: {
			struct ctl_reply none = { .fd = -1 };

			ctl_check();
			if (!shutting)
				verbs_reload(&none);
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
	health_timers(loop_now_ms());
	if (have_cg)
		gc_next = cgroup_gc_step(&cg, loop_now_ms(), effects_gc_warn);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static void run(void)
{
	bool forced = false;

	while (!done) {
		/* the loop sleeps until the earliest deadline of all: state timers, the
		 * cleaner, health probes, the watchdog's feed, the end of good_after */
		uint64_t dl = earliest(earliest(svc_next_deadline(), gc_next),
				       earliest(health_next_deadline(), watchdog_next_deadline()));

		dl = earliest(earliest(dl, bootloop_next_deadline()), sets_next_deadline());
		dl = earliest(dl, stream_next_deadline());

		if (shutting)
			dl = earliest(dl, shutdown_deadline);
		loop_arm(dl);
		loop_dispatch(-1);
		effects_sync_ports();
		stream_wait_tick(loop_now_ms());
		if (have_cg) /* a group added to the cleaner by a handler: its next retry */
			gc_next = cgroup_gc_step(&cg, loop_now_ms(), effects_gc_warn);
		{
			/* a complete iteration: the watchdog is fed here and only here (I2),
			 * and only while every critical container is within its budget */
			char why[160];
			bool ok = ladder_ok(why, sizeof(why));

			watchdog_iteration(loop_now_ms(), ok, why);
			/* rung 3 without a watchdog: as PID 1, an orderly reboot */
			if (!ok && init_mode && !cur->watchdog && !shutting) {
				daemon_log("cabin init: %s; no watchdog=: rebooting", why);
				init_action = INIT_REBOOT;
				daemon_shutdown();
			}
			bootloop_tick(loop_now_ms(), ok && ladder_all_good());
			sets_tick(loop_now_ms());
		}
		if (shutting) {
			if (!svc_shutdown_step())
				done = true;
			else if (!forced && loop_now_ms() >= shutdown_deadline) {
				forced = true;
				effects_kill_all();
				/* last bound: the reaps of what was just killed */
				shutdown_deadline = loop_now_ms() + 5000;
			} else if (forced && loop_now_ms() >= shutdown_deadline) {
				daemon_log("cabin: containers did not go away; exiting anyway");
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
	while ((next = cgroup_gc_step(&cg, loop_now_ms(), effects_gc_warn)) &&
	       loop_now_ms() < end) {
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

static enum boot_action boot;

int daemon_main(int argc, char **argv)
{
	return daemon_body(argc, argv);
}

/* the daemon, and the loop of init mode (init.c calls it with init_mode set) */
int daemon_body(int argc, char **argv)
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
			if (init_mode)
				break;
			usage(1);
			return EXIT_OK;
		default:
			if (init_mode) /* the kernel's leftovers (single, quiet, ...) */
				break;
			usage(2);
			return EXIT_USAGE;
		}
	}
	if (o.ind != argc && !init_mode) {
		usage(2);
		return EXIT_USAGE;
	}
	conf_path = cli_conf_path(copt);
	conf_dir = cli_confdir_path(conf_path);
	rundir = cli_rundir_path(ropt);
	stream_init();

	stderr_nonblock();

	/* 1. one daemon per RUNDIR */
	if (rundir_lock(&e) < 0)
		goto fail;

	/* 2. adopt orphans, survive the OOM killer (children reset to 0 in spawn) */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		daemon_log("cabin: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) != 5)
			daemon_log("cabin: oom_score_adj: %s", strerror(errno));
		close(fd);
	}

	/* 3. the config: any error and we do not start, unless a known-good copy is saved;
	 *    this boot is counted, and a boot loop runs the known-good copy (bootloop.c) */
	{
		static char good_file[300], good_dir[300];
		bool ok = conf_load(cur, conf_path, conf_dir, &d) >= 0 && !d.nerr;

		boot = bootloop_start(cur, ok, good_file, good_dir, sizeof(good_file));
		if (boot == BOOT_KNOWN_GOOD) {
			struct conf_diag gd = { .report = report_stderr };

			if (conf_load(cur, good_file, good_dir, &gd) < 0 || gd.nerr) {
				fdprintf(2, "cabin: the known-good copy %s has errors too\n",
					 good_file);
				return EXIT_REFUSED;
			}
		} else if (!ok) {
			fdprintf(2, "cabin: %s: %d error%s, not starting\n", conf_path, d.nerr,
				 d.nerr == 1 ? "" : "s");
			return EXIT_REFUSED;
		}
		/* the current config set, beside the firmware's files (a trial a reboot
		 * interrupted is marked failed first) */
		{
			const char *setdir = sets_start(cur, bootloop_state_dir());

			if (setdir && boot == BOOT_NORMAL) {
				struct conf_diag sd = { .report = report_stderr };

				if (conf_load_set(cur, conf_path, conf_dir, setdir, &sd) < 0 ||
				    sd.nerr) {
					daemon_log("cabin: the current config set %s has errors; "
						   "running without it",
						   setdir);
					conf_load(cur, conf_path, conf_dir, NULL);
				} else {
					bootloop_config_changed(cur);
				}
			}
		}
	}

	/* 4. signals, epoll, timer; cgroups; the control FIFO */
	if (loop_init(on_signal, on_timer, &e) < 0)
		goto fail;
	if (init_mode) { /* the machine's own name and modules, once the config says them */
		if (cur->hostname && sethostname(cur->hostname, strlen(cur->hostname)) < 0)
			daemon_log("cabin init: hostname: %s", strerror(errno));
		init_modules(cur);
	} else if (cur->nmodule) {
		daemon_log(
			"cabin: module=: loaded only in init mode; the init in charge loads them");
	}
	if (cgroup_init(&cg, cur->cgroup,
			cur->cgroup_parent ? cur->cgroup_parent : init_cgroup_parent,
			CONFIG_DEFAULT_CGROUP_MNT, "/proc/self/cgroup", "/proc/self/mountinfo",
			&e) < 0) {
		daemon_log("cabin: cgroups unavailable, running without: %s", e.msg);
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
	if (cur->watchdog) /* opened once, before any container: the fd is CLOEXEC */
		watchdog_open(cur->watchdog, cur->watchdog_timeout_s, daemon_log);

	/* 5. the table: one slot per instance; leftovers of a crashed daemon go first */
	svc_setup(&effects_ops);
	rundir_status_init();
	for (int i = 0; i < cur->nctr; i++)
		if (!svc_add(&cur->ctr[i]))
			break;

	/* from now on: no allocation */
	daemon_startup_done();
	daemon_log("cabin: daemon up, %d container%s", cur->nctr, cur->nctr == 1 ? "" : "s");
	daemon_warn_unbuilt(cur);

	/* 6. autostart, in dependency order (svc.c holds a dependent in `starting`
	 *    until what it depends on runs) */
	for (int i = 0; i < SVC_MAX && boot != BOOT_STOP; i++) {
		struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || !s->c->autostart)
			continue;
		if (s->c->restart == CONF_RESTART_UNLESS_STOPPED && rundir_stopped(s->name)) {
			s->manual_stop = true;
			continue;
		}
		svc_event(s, SVC_EV_START, 0, NULL);
	}

	/* 7. serve until shutdown */
	run();

	final_sweep();
	net_down();
	stream_close_all();
	daemon_log("cabin: daemon stopped");
	return EXIT_OK;
fail:
	err_print(&e);
	if (have_cg)
		cgroup_disown(&cg);
	return EXIT_REFUSED;
}
