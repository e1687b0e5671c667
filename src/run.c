// SPDX-License-Identifier: MIT
/* `cabin run`: one container in the foreground, like `crun run`. Builds a conf_ctr from
 * a config section or from options, starts it with spawn_start(), forwards signals,
 * waits, tears everything down and exits with the container's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cabin/cgroup.h"
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
	"                 [--no-new-privs yes|no] -- CMD...\n";

static int usage_err(const char *what)
{
	if (what)
		fdprintf(2, "cabin run: %s\n", what);
	fdprintf(2, "%s", run_usage);
	return EXIT_USAGE;
}

/* defaults as the parser gives a section with only rootfs= and cmd= */
static void ctr_defaults(struct conf_ctr *c)
{
	memset(c, 0, sizeof(*c));
	/* unique, so that concurrent runs never share (or kill) a cgroup */
	snprintf(c->name, sizeof(c->name), "run-%d", (int)getpid());
	strcpy(c->section, "run");
	c->hostname = "cabin";
	c->workdir = "/";
	c->umask = 022;
	c->rlimit_nofile = 1024;
	c->stop_signal = SIGTERM;
	c->stop_timeout_ms = 10000;
	c->no_new_privs = true;
	c->pids = 256;
	/* no bridge in one-shot mode: a private network namespace with only lo */
	c->net = CONF_NET_NONE;
}

static int caps_arg(const char *list, uint64_t *mask)
{
	char buf[256];
	char *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int n;

		if (!strcasecmp(t, "ALL")) {
			*mask = ~0ULL;
			continue;
		}
		n = conf_cap_number(t);
		if (n < 0)
			return -1;
		*mask |= 1ULL << n;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct conf_ctr *c)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t sz;

		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "--readonly")) {
			c->readonly = true;
			continue;
		}
		if (!strcmp(o, "--userns")) {
			c->userns = true;
			continue;
		}
		if (o[0] != '-')
			break;
		if (!v)
			return usage_err("missing value");
		i++;
		if (!strcmp(o, "--rootfs")) {
			c->rootfs = v;
		} else if (!strcmp(o, "--memory") || !strcmp(o, "--memory-high")) {
			if (conf_parse_size(v, &sz) < 0 || !sz)
				return usage_err("bad size");
			*(o[8] ? &c->memory_high : &c->memory) = sz;
		} else if (!strcmp(o, "--pids")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (*end || !n || n > 4194304)
				return usage_err("bad --pids");
			c->pids = n;
		} else if (!strcmp(o, "--cpu")) {
			if (conf_parse_cpu(v, &c->cpu_milli) < 0)
				return usage_err("bad --cpu");
		} else if (!strcmp(o, "-v") || !strcmp(o, "--volume")) {
			static char vbuf[CONFIG_MAX_MOUNTS][512];
			char *a, *b;

			if (c->nvol == CONFIG_MAX_MOUNTS || strlen(v) >= sizeof(vbuf[0]))
				return usage_err("too many or too long -v");
			a = strcpy(vbuf[c->nvol], v);
			b = strchr(a, ':');
			if (!b || a[0] != '/' || b[1] != '/')
				return usage_err("-v HOST:CTR[:ro] with absolute paths");
			*b++ = 0;
			c->vol[c->nvol].src = a;
			c->vol[c->nvol].dst = b;
			if ((a = strchr(b, ':'))) {
				*a++ = 0;
				if (strcmp(a, "ro") && strcmp(a, "rw"))
					return usage_err("-v mode must be ro or rw");
				c->vol[c->nvol].ro = !strcmp(a, "ro");
			}
			c->nvol++;
		} else if (!strcmp(o, "--tmpfs")) {
			static char tbuf[CONFIG_MAX_MOUNTS][256];
			char *p;

			if (c->ntmpfs == CONFIG_MAX_MOUNTS || strlen(v) >= sizeof(tbuf[0]) ||
			    v[0] != '/')
				return usage_err("bad --tmpfs");
			p = strcpy(tbuf[c->ntmpfs], v);
			c->tmpfs[c->ntmpfs].path = p;
			if ((p = strchr(p, ':'))) {
				*p++ = 0;
				if (conf_parse_size(p, &c->tmpfs[c->ntmpfs].size) < 0)
					return usage_err("bad --tmpfs size");
			}
			c->ntmpfs++;
		} else if (!strcmp(o, "-e") || !strcmp(o, "--env")) {
			if (c->nenv == CONFIG_MAX_ENV || !strchr(v, '=') || v[0] == '=')
				return usage_err("bad -e K=V");
			c->env[c->nenv++] = v;
		} else if (!strcmp(o, "--hostname")) {
			c->hostname = v;
		} else if (!strcmp(o, "--name")) {
			if (strlen(v) > CONF_NAME_MAX)
				return usage_err("name too long");
			strcpy(c->name, v);
		} else if (!strcmp(o, "--user")) {
			c->user = v;
		} else if (!strcmp(o, "--workdir")) {
			if (v[0] != '/')
				return usage_err("--workdir must be absolute");
			c->workdir = v;
		} else if (!strcmp(o, "--cap-add")) {
			if (caps_arg(v, &c->cap_add) < 0)
				return usage_err("unknown capability");
		} else if (!strcmp(o, "--cap-drop")) {
			if (caps_arg(v, &c->cap_drop) < 0)
				return usage_err("unknown capability");
		} else if (!strcmp(o, "--net")) {
			if (!strcmp(v, "none"))
				c->net = CONF_NET_NONE;
			else if (!strcmp(v, "host"))
				c->net = CONF_NET_HOST;
			else
				return usage_err("--net none|host (the bridge needs the daemon)");
		} else if (!strcmp(o, "--no-new-privs")) {
			if (conf_parse_bool(v, &c->no_new_privs) < 0)
				return usage_err("--no-new-privs yes|no");
		} else {
			return usage_err("unknown option");
		}
	}
	if (!c->rootfs)
		return usage_err("--rootfs is required");
	if (i >= argc)
		return usage_err("no command");
	if (argc - i > CONFIG_MAX_ARGS)
		return usage_err("too many arguments (CONFIG_MAX_ARGS)");
	for (c->argc = 0; i < argc; i++)
		c->argv[c->argc++] = argv[i];
	c->argv[c->argc] = NULL;
	return 0;
}

static void diag_print(void *ctx, const char *file, int line, const char *msg)
{
	fdprintf(2, "%s:%d: %s\n", file, line, msg);
}

int run_main(int argc, char **argv)
{
	static struct conf_ctr opt_ctr;
	static struct cgroup_sys cg;
	const struct conf_ctr *c;
	const struct conf *g = NULL;
	struct spawn_opts o = { .stdio = { 0, 1, 2 } };
	struct cabin_err e = { 0 };
	struct spawn sp;
	sigset_t mask, old;
	int sfd, status = 0, r;
	enum conf_cgroup mode = CONF_CGROUP_AUTO;
	const char *parent = NULL;

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
		g = &run_conf;
		mode = run_conf.cgroup;
		parent = run_conf.cgroup_parent;
		if (c->net == CONF_NET_BRIDGE)
			fdprintf(2,
				 "cabin: %s: net=bridge needs the daemon; running with net=none\n",
				 c->name);
		/* one-shot mode has no bridge: cast away const for this one field */
		if (c->net == CONF_NET_BRIDGE)
			((struct conf_ctr *)c)->net = CONF_NET_NONE;
	} else {
		ctr_defaults(&opt_ctr);
		r = parse_opts(argc, argv, &opt_ctr);
		if (r)
			return r;
		c = &opt_ctr;
	}

	if (cgroup_init(&cg, mode, parent, CONFIG_DEFAULT_CGROUP_MNT, "/proc/self/cgroup",
			"/proc/self/mountinfo", &e) < 0) {
		fdprintf(2, "cabin: start-failed:cgroup: %s\n", e.msg);
		return EXIT_RUN_OWN;
	}
	o.g = g;
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
		return EXIT_RUN_OWN;
	}

	r = spawn_start(c, &o, &sp, &e);
	if (r < 0) {
		fdprintf(2, "cabin: start-failed:%s\n", e.msg);
		/* the step is "exec" ("exec: PATH: errno text") */
		bool exec_step = !strncmp(e.msg, "exec", 4) && (e.msg[4] == ':' || e.msg[4] == ' ');

		if (e.code == ENOENT && exec_step)
			return EXIT_RUN_NOTFOUND;
		if ((e.code == EACCES || e.code == ENOEXEC) && exec_step)
			return EXIT_RUN_NOEXEC;
		return EXIT_RUN_OWN;
	}

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));
		pid_t w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			break;
		if (si.ssi_signo != SIGCHLD) {
			kill(sp.pid, si.ssi_signo);
			continue;
		}
		w = waitpid(sp.pid, &status, WNOHANG);
		if (w == sp.pid)
			break;
	}
	close(sfd);

	long oom = cgroup_oom_kills(&cg, sp.cgname);
	if (spawn_cleanup(&o, &sp, &e) < 0)
		fdprintf(2, "cabin: cleanup: %s\n", e.msg);
	if (oom > 0)
		fdprintf(2, "cabin: %s: oom\n", c->name);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUN_OWN;
}
