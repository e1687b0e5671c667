// SPDX-License-Identifier: MIT
/* Mode dispatch: init, daemon, run, check, and the client commands. Owns the command
 * line of the binary; does no work of its own beyond `check`. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/err.h"
#include "cabin/mount.h"
#include "cabin/spawn.h"
#include "cabin/util.h"

static const char usage_text[] =
	"usage: cabin <command> [args]\n"
	"\n"
	"modes:\n"
	"  init                     boot the system as PID 1\n"
	"  daemon [-c FILE] [-r DIR] supervise containers under another init\n"
	"  run [-c FILE] NAME       run one container in the foreground\n"
	"  run --rootfs DIR [opts] -- CMD...\n"
	"  check [-c FILE]          validate a config, print every error\n"
	"\n"
	"client commands (talk to the running daemon):\n"
	"  ps [-a]   start|stop|restart|kill|pause|resume NAME...   create NAME k=v...\n"
	"  rm [-f] NAME   exec NAME CMD...   logs [-f] [-n N] NAME   stats [NAME]\n"
	"  inspect NAME   scale NAME N   deploy FILE   reload   events   shutdown\n"
	"  poweroff|reboot|halt     (init mode)\n"
	"\n"
	"  --help, --version\n";

static void usage(int fd)
{
	fdprintf(fd, "%s", usage_text);
}

static void check_report(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		fdprintf(2, "%s:%d: %s\n", file, line, msg);
	else
		fdprintf(2, "%s: %s\n", file, msg);
}

/* big: lives in .bss, not on the stack */
static struct conf check_conf;

/* cmd's program in the image: absolute, or found on the image's PATH (default, or
 * env=PATH=...); 0 ok, else why not */
static const char *check_cmd(int rootfd, const struct conf_ctr *c)
{
	const char *cmd = c->argv[0],
		   *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *why = "not in the image";
	char buf[512];

	for (int i = 0; i < c->nenv; i++)
		if (!strncmp(c->env[i], "PATH=", 5))
			path = c->env[i] + 5;
	while (*path || cmd[0] == '/') {
		size_t l = strcspn(path, ":");
		struct stat st;
		int fd;

		if (cmd[0] == '/')
			snprintf(buf, sizeof(buf), "%s", cmd);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, path, cmd);
		fd = mount_open_in_root(rootfd, buf, false, false);
		if (fd >= 0) {
			bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);

			close(fd);
			if (ok)
				return NULL;
			why = "not an executable file";
		}
		if (cmd[0] == '/')
			break;
		path += l + (path[l] == ':');
	}
	return why;
}

/* what check can see on this machine, as warnings: an image built elsewhere is fine */
static void check_machine(const struct conf *cf, struct conf_diag *d)
{
	for (int i = 0; i < cf->nctr; i++) {
		const struct conf_ctr *c = &cf->ctr[i];
		int rootfd = -1;
		const char *why;

		if (i && !strcmp(cf->ctr[i - 1].section, c->section))
			continue; /* one report per section */
		for (int v = 0; v < c->nvol; v++)
			if (!util_strstr(c->vol[v].src, "%i") && access(c->vol[v].src, F_OK) < 0)
				conf_warn(d, c->file, c->line, "[%s] volume source %s: %s",
					  c->section, c->vol[v].src, strerror(errno));
		if (c->host_kind) {
			int fd = open("/", O_PATH | O_CLOEXEC);

			if (c->argc && fd >= 0 && (why = check_cmd(fd, c)))
				conf_warn(d, c->file, c->line, "[%s] cmd %s: %s", c->section,
					  c->argv[0], why);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (!c->rootfs ||
		    (rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			conf_warn(d, c->file, c->line,
				  "[%s] rootfs %s: not on this machine (%s); not checked further",
				  c->section, c->rootfs ? c->rootfs : "(none)", strerror(errno));
			continue;
		}
		if (c->argc && !util_strstr(c->argv[0], "%i") && (why = check_cmd(rootfd, c)))
			conf_warn(d, c->file, c->line, "[%s] cmd %s: %s", c->section, c->argv[0],
				  why);
		if (c->user && !(c->user[0] >= '0' && c->user[0] <= '9')) {
			struct cabin_err e = { 0 };
			uid_t u;
			gid_t g;

			if (spawn_lookup_user(rootfd, c->user, &u, &g, &e) < 0)
				conf_warn(d, c->file, c->line, "[%s] user=%s: %s", c->section,
					  c->user, e.msg);
		}
		close(rootfd);
	}
}

int check_main(int argc, char **argv)
{
	const char *file = NULL;
	struct conf_diag d = { .report = check_report };
	struct util_opt o = { 0 };
	bool quiet = false;
	int opt, r;

	while ((opt = util_getopt(&o, argc, argv, "c:qh")) != -1) {
		switch (opt) {
		case 'c':
			file = o.arg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fdprintf(1,
				 "usage: cabin check [-q] [-c FILE]\n"
				 "  validate FILE (default $CABIN_CONF, else " CONFIG_DEFAULT_CONF
				 ") and the\n  cabin.d/*.conf next to it; every error as "
				 "FILE:LINE: message on stderr\n");
			return EXIT_OK;
		default:
			fdprintf(2, "usage: cabin check [-q] [-c FILE]\n");
			return EXIT_USAGE;
		}
	}
	if (o.ind != argc) {
		fdprintf(2, "usage: cabin check [-q] [-c FILE]\n");
		return EXIT_USAGE;
	}
	file = cli_conf_path(file);
	r = conf_load(&check_conf, file, cli_confdir_path(file), &d);
	if (r < 0 || d.nerr) {
		fdprintf(2, "%s: %d error%s\n", file, d.nerr, d.nerr == 1 ? "" : "s");
		return EXIT_REFUSED;
	}
	check_machine(&check_conf, &d);
	if (!quiet)
		fdprintf(1, "%s: ok, %d container%s%s%.0d%s\n", file, check_conf.nctr,
			 check_conf.nctr == 1 ? "" : "s", d.nwarn ? ", " : "", d.nwarn,
			 d.nwarn == 1 ? " warning"
			 : d.nwarn    ? " warnings"
				      : "");
	return EXIT_OK;
}

static bool explicit_mode(int argc, char **argv)
{
	static const char *const modes[] = { "run", "daemon", "check",	   "--help",
					     "-h",  "help",   "--version", "version" };

	if (argc < 2)
		return false;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const char *cmd;

	base = base ? base + 1 : argv[0];
	/* Installed as /sbin/init, or PID 1 without an explicit mode: init mode (which puts
	 * the console on fds 0-2 itself). An explicit `run`, `daemon` or `check` wins over
	 * being PID 1 (`unshare --pid --fork cabin daemon`, the first process of a
	 * container); anything else the kernel passes (`single`, `quiet`, ...) is not a
	 * cabin mode and means init. */
	if (CONFIG_INIT && (!strcmp(base, "init") || (getpid() == 1 && !explicit_mode(argc, argv))))
		return init_main(argc, argv);
	if (CONFIG_INIT && argc > 1 && !strcmp(argv[1], "init"))
		return init_main(argc - 1, argv + 1);
	/* fds 0-2 always open: a closed one would be taken by the next open() (a client's
	 * reply FIFO, a socket) and then passed on as a container's stdio */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR | O_NOCTTY) != fd)
			break;

	if (argc < 2) {
		usage(2);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(1);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		fdprintf(1, "cabin %s\n", CABIN_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "check"))
		return check_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "daemon"))
		return daemon_main(argc - 1, argv + 1);
	return client_main(argc - 1, argv + 1);
}
