// SPDX-License-Identifier: MIT
/* `cabin run`: one container in the foreground, like `crun run`. Builds a conf_ctr from
 * a config section or from options, starts it with spawn_start(), forwards signals,
 * waits, tears everything down and exits with the container's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cabin/cgroup.h"
#include "cabin/loop.h"
#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/spawn.h"

static struct conf run_conf; /* big: .bss */

static const char run_usage[] =
	"usage: cabin run [-c FILE] NAME\n"
	"       cabin run --rootfs DIR [--memory SIZE] [--memory-high SIZE] [--pids N]\n"
	"                 [--cpu CORES] [-v HOST:CTR[:ro]] [--tmpfs PATH[:SIZE]] [-e K=V]\n"
	"                 [--hostname H] [--name N] [--readonly] [--user U] [--workdir D]\n"
	"                 [--cap-add C] [--cap-drop C] [--net none|host] [--userns]\n"
	"                 [--no-new-privs yes|no] [--seccomp default|unconfined]\n"
	"                 [--seccomp-allow SYSCALL,...] -- CMD...\n";

static int usage_err(const char *what)
{
	if (what)
		fdprintf(2, "cabin run: %s\n", what);
	fdprintf(2, "%s", run_usage);
	return EXIT_USAGE;
}

/* --- options -> a config section ------------------------------------------------------
 * `cabin run --rootfs DIR [opts] -- CMD` is written as the config section it stands for
 * and parsed by conf_parse_buf(), so options and config files share one set of checks
 * (a volume onto /proc, a bad capability, a size out of range: the same error). */

struct sec {
	char buf[CONFIG_CONF_LINE_MAX * 8];
	size_t len;
	bool bad;
};

static void add(struct sec *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sec *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, sizeof(b->buf) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->buf) - b->len)
		b->bad = true;
	else
		b->len += n;
}

/* one cmd= word, quoted so that blanks, quotes and backslashes survive */
static void add_word(struct sec *b, const char *w)
{
	add(b, " \"");
	for (; *w; w++)
		add(b, "%s%c", *w == '"' || *w == '\\' ? "\\" : "", *w);
	add(b, "\"");
}

static const struct {
	const char *opt, *key;
	bool flag; /* takes no value: key=yes */
} opts[] = {
	{ "--rootfs", "rootfs", false },
	{ "--memory", "memory", false },
	{ "--memory-high", "memory_high", false },
	{ "--pids", "pids", false },
	{ "--cpu", "cpu", false },
	{ "-v", "volume", false },
	{ "--volume", "volume", false },
	{ "--tmpfs", "tmpfs", false },
	{ "-e", "env", false },
	{ "--env", "env", false },
	{ "--hostname", "hostname", false },
	{ "--user", "user", false },
	{ "--workdir", "workdir", false },
	{ "--cap-add", "cap_add", false },
	{ "--cap-drop", "cap_drop", false },
	{ "--net", "net", false },
	{ "--no-new-privs", "no_new_privs", false },
	{ "--seccomp", "seccomp", false },
	{ "--seccomp-allow", "seccomp_allow", false },
	{ "--readonly", "readonly", true },
	{ "--userns", "userns", true },
};

static int opts_section(int argc, char **argv, struct sec *b)
{
	const char *name = NULL;
	bool hostname = false, net = false;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i], *v;
		size_t k;

		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "--name")) {
			if (++i == argc)
				return usage_err("--name needs a value");
			name = argv[i];
			continue;
		}
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (!strcmp(o, opts[k].opt))
				break;
		if (k == sizeof(opts) / sizeof(opts[0]))
			return usage_err("unknown option");
		if (opts[k].flag) {
			add(b, "%s=yes\n", opts[k].key);
			continue;
		}
		if (++i == argc)
			return usage_err("missing value");
		v = argv[i];
		/* a line break would smuggle another key into the section */
		if (strpbrk(v, "\r\n"))
			return usage_err("a value may not contain a line break");
		hostname |= !strcmp(opts[k].key, "hostname");
		net |= !strcmp(opts[k].key, "net");
		add(b, "%s=%s\n", opts[k].key, v);
	}
	if (i >= argc)
		return usage_err("no command");
	/* one-shot defaults: a private network with only lo (no bridge without the
	 * daemon), hostname "cabin" */
	if (!net)
		add(b, "net=none\n");
	if (!hostname)
		add(b, "hostname=cabin\n");
	add(b, "cmd=");
	for (; i < argc; i++) {
		if (strpbrk(argv[i], "\r\n"))
			return usage_err("a command word may not contain a line break");
		add_word(b, argv[i]);
	}
	add(b, "\n");
	if (b->bad)
		return usage_err("options too long");
	/* the section header goes first; unique by default, so that concurrent runs never
	 * share (or kill) a cgroup */
	{
		char head[64];
		int n = name ? snprintf(head, sizeof(head), "[%s]\n", name)
			     : snprintf(head, sizeof(head), "[run-%d]\n", (int)getpid());

		if (n < 0 || (size_t)n >= sizeof(head) || b->len + n >= sizeof(b->buf))
			return usage_err("bad --name");
		memmove(b->buf + n, b->buf, b->len);
		memcpy(b->buf, head, n);
		b->len += n;
	}
	return 0;
}

static void diag_print(void *ctx, const char *file, int line, const char *msg)
{
	fdprintf(2, "%s:%d: %s\n", file, line, msg);
}

/* an option error: the line number of a made-up section means nothing to the user */
static void opt_diag(void *ctx, const char *file, int line, const char *msg)
{
	fdprintf(2, "cabin run: %s\n", msg);
}

int run_main(int argc, char **argv)
{
	static struct cgroup_sys cg;
	struct spawn_opts o = { .stdio = { 0, 1, 2 }, .g = &run_conf, .hosts_fd = -1 };
	struct cabin_err e = { 0 };
	struct conf_ctr *c;
	struct spawn sp;
	sigset_t mask, old;
	int sfd, status = 0, r;
	long long kill_at = 0; /* CLOCK_MONOTONIC ms: the group is killed then */
	bool stopping = false;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fdprintf(1, "%s", run_usage);
		return EXIT_OK;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-c") || (argv[1][0] != '-'))) {
		/* a section of the config */
		const char *file = NULL, *name;
		struct conf_diag d = { .report = diag_print };

		if (!strcmp(argv[1], "-c")) {
			if (argc != 4)
				return usage_err(NULL);
			file = argv[2];
			name = argv[3];
		} else {
			if (argc != 2)
				return usage_err(NULL);
			name = argv[1];
		}
		file = cli_conf_path(file);
		if (conf_load(&run_conf, file, cli_confdir_path(file), &d) < 0) {
			fdprintf(2, "cabin: %s: invalid config\n", file);
			return EXIT_RUN_OWN;
		}
		c = conf_find(&run_conf, name);
		if (!c) {
			fdprintf(2, "cabin: no container %s in %s\n", name, file);
			return EXIT_RUN_OWN;
		}
	} else {
		static struct sec b;
		struct conf_diag d = { .report = opt_diag };

		r = opts_section(argc, argv, &b);
		if (r)
			return r;
		conf_init(&run_conf);
		if (conf_parse_buf(&run_conf, "cabin run", b.buf, b.len, &d) < 0 ||
		    conf_finish(&run_conf, &d) < 0 || d.nerr || run_conf.nctr != 1)
			return usage_err(NULL);
		c = &run_conf.ctr[0];
	}
	/* one-shot mode has no bridge: our own parsed copy runs with net=none */
	if (c->net == CONF_NET_BRIDGE) {
		fdprintf(2, "cabin: %s: net=bridge needs the daemon; running with net=none\n",
			 c->name);
		c->net = CONF_NET_NONE;
	}

	if (cgroup_init(&cg, run_conf.cgroup, run_conf.cgroup_parent, CONFIG_DEFAULT_CGROUP_MNT,
			"/proc/self/cgroup", "/proc/self/mountinfo", &e) < 0) {
		fdprintf(2, "cabin: start-failed:cgroup: %s\n", e.msg);
		return EXIT_RUN_OWN;
	}
	{
		/* a group of our own beside any daemon's, locked while we live; what dead
		 * `cabin run`s left beside it goes first */
		char own[32];

		snprintf(own, sizeof(own), CGROUP_RUN_PREFIX "%d", (int)getpid());
		cgroup_sweep(&cg, CGROUP_RUN_PREFIX);
		if (cgroup_own(&cg, own, &e) < 0) {
			fdprintf(2, "cabin: start-failed:cgroup: %s\n", e.msg);
			return EXIT_RUN_OWN;
		}
	}
	o.cg = &cg;

	/* signals arrive through a signalfd; the child resets its mask before exec */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fdprintf(2, "cabin: start-failed:signalfd: %s\n", strerror(errno));
		cgroup_disown(&cg);
		return EXIT_RUN_OWN;
	}

	r = spawn_start(c, &o, &sp, &e);
	if (r < 0) {
		cgroup_disown(&cg);
		fdprintf(2, "cabin: start-failed:%s\n", e.msg);
		/* the step is "exec" ("exec: PATH: errno text") */
		bool exec_step = !strncmp(e.msg, "exec", 4) && (e.msg[4] == ':' || e.msg[4] == ' ');

		if (e.code == ENOENT && exec_step)
			return EXIT_RUN_NOTFOUND;
		if ((e.code == EACCES || e.code == ENOEXEC) && exec_step)
			return EXIT_RUN_NOEXEC;
		return EXIT_RUN_OWN;
	}

	/* TERM or INT (timeout(1), ^C, an init's stop): the container's stop signal, then
	 * after stop_timeout the whole group is killed, as the daemon's stop does; a second
	 * one kills at once */
	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		ssize_t n;
		pid_t w;

		if (kill_at) {
			long long now = (long long)loop_now_ms();

			if (now >= kill_at || poll(&pfd, 1, (int)(kill_at - now)) == 0) {
				fdprintf(
					2,
					"cabin: %s: still running after stop_timeout; killing it\n",
					c->name);
				kill(sp.pid, SIGKILL);
				cgroup_kill_nowait(&cg, sp.cgname);
				kill_at = 0;
				continue;
			}
		}
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			break;
		if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && stopping) {
			kill(sp.pid, SIGKILL);
			cgroup_kill_nowait(&cg, sp.cgname);
			continue;
		}
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			stopping = true;
			kill(sp.pid, si.ssi_signo == SIGTERM && c->stop_signal ? c->stop_signal
									       : (int)si.ssi_signo);
			kill_at = (long long)loop_now_ms() +
				  (c->stop_timeout_ms ? c->stop_timeout_ms : 10000);
			continue;
		}
		if (si.ssi_signo != SIGCHLD) {
			kill(sp.pid, si.ssi_signo);
			continue;
		}
		/* reap everything: as PID 1 of a namespace (`unshare --pid --fork cabin run`)
		 * orphans are ours too, as tini does */
		bool ended = false;
		int st;

		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == sp.pid) {
				status = st;
				ended = true;
			}
		if (ended)
			break;
	}
	close(sfd);

	long oom = cgroup_oom_kills(&cg, sp.cgname);
	if (spawn_cleanup(&o, &sp, &e) < 0)
		fdprintf(2, "cabin: cleanup: %s\n", e.msg);
	cgroup_disown(&cg);
	if (oom > 0)
		fdprintf(2, "cabin: %s: oom\n", c->name);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUN_OWN;
}
