// SPDX-License-Identifier: MIT
/* Start one container: cgroup, clone into new namespaces, hand-shake with the child,
 * report a failed step through a CLOEXEC pipe. The child side (rootfs, mounts, identity,
 * capabilities, exec) lives in mount.c and here. Runs inside the daemon after start-up:
 * the parent side never allocates; every path is resolved inside the rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cabin/mount.h"
#include "cabin/net.h"
#include "cabin/seccomp.h"
#include "cabin/spawn.h"
#include "cabin/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* what the child reports when a step fails: the step and errno */
struct child_err {
	int err;
	char step[256];
};

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* ---- the child ----------------------------------------------------------------------- */

static int write_file(const char *path, const char *val, struct cabin_err *e)
{
	int r = util_write(path, val);

	return r < 0 ? err_set(e, -r, "%s", path) : 0;
}

/* sysctl= through fds (hardening issue, A11): the container's own /proc/sys, checked to
 * be procfs and reached without a symlink, then each key beneath it without a symlink
 * and without leaving procfs: a link planted in the image, or a volume, can never turn
 * a key into a host file */
static int set_sysctls(const struct conf_ctr *c, struct cabin_err *e)
{
	struct open_how dir = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	struct open_how key = { .flags = O_WRONLY | O_CLOEXEC | O_NONBLOCK,
				.resolve =
					RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV };
	struct statfs sf;
	char rel[256];
	int dfd, r = 0;

	if (!c->nsysctl)
		return 0;
	dfd = (int)syscall(SYS_openat2, AT_FDCWD, "/proc/sys", &dir, sizeof(dir));
	if (dfd < 0 || fstatfs(dfd, &sf) < 0 || sf.f_type != 0x9fa0 /* PROC_SUPER_MAGIC */) {
		if (dfd >= 0)
			close(dfd);
		return err_set(e, EPERM, "sysctl: /proc/sys is not the container's procfs");
	}
	for (int i = 0; i < c->nsysctl && r == 0; i++) {
		size_t n = snprintf(rel, sizeof(rel), "%s", c->sysctl[i].key);
		const char *v = c->sysctl[i].val;
		int fd;

		if (n >= sizeof(rel)) {
			r = err_set(e, ENAMETOOLONG, "sysctl: %s", c->sysctl[i].key);
			break;
		}
		for (char *p = rel; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = (int)syscall(SYS_openat2, dfd, rel, &key, sizeof(key));
		if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
			r = err_sys(e, "sysctl: %s", c->sysctl[i].key);
		if (fd >= 0)
			close(fd);
	}
	close(dfd);
	return r;
}

static int drop_bounding(uint64_t keep, struct cabin_err *e)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			continue; /* unknown to this kernel */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return err_sys(e, "capabilities: drop bounding %d", cap);
	}
	return 0;
}

/* after the uid change: permitted = effective = keep, inheritable and ambient empty */
static int set_caps(uint64_t keep, struct cabin_err *e)
{
	cap_value_t list[64];
	int n = 0, r = 0;
	cap_t caps;

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (keep & (1ULL << cap) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
			list[n++] = cap;
	caps = cap_init(); /* all flags clear: inheritable stays empty */
	if (!caps)
		return err_sys(e, "capabilities: cap_init");
	if (n && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
		  cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
		r = err_sys(e, "capabilities: set flags");
	else if (cap_set_proc(caps) < 0)
		r = err_sys(e, "capabilities: cap_set_proc");
	cap_free(caps);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "capabilities: clear ambient");
	return 0;
}

static int set_identity(const struct conf_ctr *c, uid_t uid, gid_t gid, const gid_t *groups,
			int ngroups, struct cabin_err *e)
{
	/* spawn_start writes "deny" to setgroups of a user namespace (so that no one in it
	 * can drop a group to get around a negative permission): no supplementary groups */
	if (!(CONFIG_USERNS && c->userns) && syscall(SYS_setgroups, ngroups, groups) < 0)
		return err_sys(e, "user: setgroups");
	/* keep the permitted set across the uid change; drop_caps() sets it after */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, "user: keepcaps");
	if (syscall(SYS_setresgid, gid, gid, gid) < 0)
		return err_sys(e, "user: setresgid %u", (unsigned)gid);
	if (syscall(SYS_setresuid, uid, uid, uid) < 0)
		return err_sys(e, "user: setresuid %u", (unsigned)uid);
	return 0;
}

static void reset_signals(void)
{
	/* the kernel's struct sigaction; SIG_DFL needs no restorer */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	sigset_t none;

	/* the raw syscall: libc refuses its reserved signals (32-34 in musl), and a caller
	 * may have left those ignored too (B5) */
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void close_span(unsigned lo, unsigned hi) /* [lo, hi] */
{
	if (syscall(SYS_close_range, lo, hi, 0) < 0)
		for (unsigned fd = lo; fd <= hi && fd < 1024; fd++)
			close((int)fd);
}

/* close every fd >= 3 that is not in keep[] (-1 entries are ignored) */
static void close_others(int *keep, int n)
{
	unsigned lo = 3;

	for (int i = 1; i < n; i++) /* insertion sort: n is 6 */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		if (keep[i] < (int)lo)
			continue; /* -1, 0-2, or a duplicate */
		if ((unsigned)keep[i] > lo)
			close_span(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	close_span(lo, ~0U);
}

static void close_fds(void)
{
	/* the error pipe is CLOEXEC and must stay open until exec */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* env: PATH, HOME, HOSTNAME, TERM, then env= (which may override) */
static int build_env(const struct conf_ctr *c, const struct spawn_opts *o, const char *home,
		     const char *host, const char **envp, char *buf, size_t bufsz)
{
	size_t used = 0;
	int n = 0;
	char inst[12];
	const char *fixed[6][2] = { { "PATH", default_path },  { "HOME", home },
				    { "HOSTNAME", host },      { "TERM", "linux" },
				    { "CABIN_NAME", c->name }, { "CABIN_INSTANCE", inst } };

	snprintf(inst, sizeof(inst), "%d", c->instance ? c->instance : 1);
	for (int i = 0; i < 6; i++) {
		bool overridden = false;
		size_t kl = strlen(fixed[i][0]);

		for (int j = 0; j < c->nenv; j++)
			if (!strncmp(c->env[j], fixed[i][0], kl) && c->env[j][kl] == '=')
				overridden = true;
		if (overridden)
			continue;
		int w = snprintf(buf + used, bufsz - used, "%s=%s", fixed[i][0], fixed[i][1]);
		if (w < 0 || (size_t)w >= bufsz - used)
			return -ENAMETOOLONG;
		envp[n++] = buf + used;
		used += w + 1;
	}
	for (int j = 0; j < c->nenv; j++)
		envp[n++] = c->env[j];
	for (int j = 0; j < 3 && o->env_extra[j]; j++)
		envp[n++] = o->env_extra[j];
	envp[n] = NULL;
	return 0;
}

/* execve with a PATH search done here, inside the new root */
static int exec_cmd(const char *const *argv, const char **envp, struct cabin_err *e)
{
	const char *cmd = argv[0];
	char path[PATH_MAX];
	int saved = ENOENT;

	if (strchr(cmd, '/')) {
		execve(cmd, (char *const *)argv, (char *const *)envp);
		return err_sys(e, "exec: %s", cmd);
	}
	for (const char *p = default_path; *p;) {
		const char *end = strchrnul(p, ':');
		size_t n = snprintf(path, sizeof(path), "%.*s/%s", (int)(end - p), p, cmd);

		if (n < sizeof(path)) {
			execve(path, (char *const *)argv, (char *const *)envp);
			if (errno == EACCES)
				saved = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		p = *end ? end + 1 : end;
	}
	return err_set(e, saved, "exec: %s", cmd);
}

/* The second half of every start, and of every command run inside a running container
 * (health probes, exec): inside the container's namespaces and root, become its
 * identity (user from its own passwd, stdio, rlimits, umask, bounding set, ids, caps,
 * workdir, no_new_privs, env) and exec argv. Returns only on failure. */
static int become(const struct conf_ctr *c, const struct spawn_opts *o, const char *const *cmd,
		  struct cabin_err *e)
{
	const char *host = c->hostname ? c->hostname : c->name;
	const char *argv[CONFIG_MAX_ARGS + 1];
	const char *envp[CONFIG_MAX_ENV + 10];
	char envbuf[1024], home[256];
	gid_t groups[32];
	int ngroups = 0;
	uint64_t keep = (conf_cap_default() & ~c->cap_drop) | c->cap_add;
	uid_t uid = 0;
	gid_t gid = 0;
	int r, devnull;

	/* identity from the container's own files, now that we are inside it */
	strcpy(home, "/");
	if (c->user) {
		r = spawn_lookup_user_ex(AT_FDCWD, c->user, &uid, &gid, groups, &ngroups,
					 sizeof(groups) / sizeof(groups[0]), home, sizeof(home), e);
		if (r < 0)
			return r;
	} else {
		/* root: HOME from passwd when there is one */
		spawn_lookup_user_ex(AT_FDCWD, "0", &uid, &gid, groups, &ngroups,
				     sizeof(groups) / sizeof(groups[0]), home, sizeof(home), NULL);
		uid = 0, gid = 0;
	}

	/* stdio: given fds, else the container's own /dev/null */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3; i++) {
		int fd = o->stdio[i] >= 0 ? o->stdio[i] : devnull;

		if (fd < 0)
			return err_sys(e, "stdio: /dev/null");
		if (fd == i) {
			fcntl(fd, F_SETFD, 0);
			continue;
		}
		if (dup2(fd, i) < 0)
			return err_sys(e, "stdio: dup2");
	}

	{
		/* documented defaults, never the caller's (hardening issue): the kernel's own
		 * defaults for a fresh login, NOFILE from rlimit_nofile, no core dumps. A hard
		 * limit above the caller's needs CAP_SYS_RESOURCE over the host: in a user
		 * namespace the soft value is still set, within what the caller had */
		static const struct {
			int res;
			rlim_t soft, hard;
		} defs[] = {
			{ RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_STACK, 8 << 20, RLIM_INFINITY },
			{ RLIMIT_CORE, 0, 0 },
			{ RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_NPROC, RLIM_INFINITY, RLIM_INFINITY }, /* pids= bounds it */
			{ RLIMIT_MEMLOCK, 8 << 20, 8 << 20 },
			{ RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY },
			{ RLIMIT_MSGQUEUE, 819200, 819200 },
			{ RLIMIT_NICE, 0, 0 },
			{ RLIMIT_RTPRIO, 0, 0 },
			{ RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY },
		};
		struct rlimit nofile = { c->rlimit_nofile, c->rlimit_nofile };

		for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
			struct rlimit l = { defs[i].soft, defs[i].hard }, old;

			/* prlimit64 itself: libc's setrlimit would broadcast to every thread */
			if (syscall(SYS_prlimit64, 0, defs[i].res, &l, NULL) < 0 &&
			    syscall(SYS_prlimit64, 0, defs[i].res, NULL, &old) == 0) {
				l.rlim_max = old.rlim_max;
				if (l.rlim_cur > l.rlim_max)
					l.rlim_cur = l.rlim_max;
				syscall(SYS_prlimit64, 0, defs[i].res, &l, NULL);
			}
		}
		if (c->rlimit_nofile && syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &nofile, NULL) < 0)
			return err_sys(e, "rlimit: nofile %llu",
				       (unsigned long long)c->rlimit_nofile);
	}
	umask(c->umask);

	r = drop_bounding(keep, e);
	if (r < 0)
		return r;
	r = set_identity(c, uid, gid, groups, ngroups, e);
	if (r < 0)
		return r;
	/* a uid change clears the parent-death signal: arm it again (B8) */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* seccomp needs no_new_privs or CAP_SYS_ADMIN: without no_new_privs it goes in
	 * while we still hold every capability (as runc does), else last of all */
	if (!c->unconfined && !c->no_new_privs &&
	    (r = seccomp_install(keep, c->seccomp_allow, e)) < 0)
		return r;
	r = set_caps(keep, e);
	if (r < 0)
		return r;
	{
		const char *wd = c->workdir ? c->workdir : "/";
		char cwd[PATH_MAX];

		if (chdir(wd) < 0)
			return err_sys(e, "workdir: %s", wd);
		/* reliability B2: a workdir such as /proc/self/fd/N must not leave us outside */
		if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
			return err_set(e, EPERM, "workdir: %s: outside the container", wd);
	}
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "no_new_privs");
	if (!c->unconfined && c->no_new_privs &&
	    (r = seccomp_install(keep, c->seccomp_allow, e)) < 0)
		return r;

	if (build_env(c, o, home, host, envp, envbuf, sizeof(envbuf)) < 0)
		return err_set(e, ENAMETOOLONG, "env: too long");
	for (int i = 0; i < CONFIG_MAX_ARGS && cmd[i]; i++)
		argv[i] = cmd[i], argv[i + 1] = NULL;
	if (!cmd[0])
		return err_set(e, EINVAL, "exec: no command");
	reset_signals();
	close_fds();
	return exec_cmd(argv, envp, e);
}

/* %i in cmd, env, workdir and volume paths: the instance number (1 for a single one),
 * expanded here in the child, whose copy of everything is its own; the config keeps
 * the templates, so scale can make new instances from them */
static const struct conf_ctr *expand_instance(const struct conf_ctr *c, struct cabin_err *e)
{
	static struct conf_ctr x;
	static char pool[8192];
	size_t used = 0;
	int inst = c->instance ? c->instance : 1;
	const char **p[CONFIG_MAX_ARGS + CONFIG_MAX_ENV + 2 * CONFIG_MAX_MOUNTS + 1];
	int np = 0;

	x = *c;
	for (int i = 0; i < x.argc; i++)
		p[np++] = &x.argv[i];
	for (int i = 0; i < x.nenv; i++)
		p[np++] = &x.env[i];
	for (int i = 0; i < x.nvol; i++) {
		p[np++] = &x.vol[i].src;
		p[np++] = &x.vol[i].dst;
	}
	p[np++] = &x.workdir;
	for (int i = 0; i < np; i++) {
		if (!*p[i] || !util_strstr(*p[i], "%i"))
			continue;
		if (!conf_expand_i(*p[i], inst, pool + used, sizeof(pool) - used)) {
			err_set(e, ENAMETOOLONG, "%%i: %s: too long once expanded", *p[i]);
			return NULL;
		}
		*p[i] = pool + used;
		used += strlen(pool + used) + 1;
	}
	return &x;
}

/* Everything after the parent's go. Returns only on failure. */
static int child_run(const struct conf_ctr *c, const struct spawn_opts *o, bool v2,
		     struct cabin_err *e)
{
	const char *host = c->hostname ? c->hostname : c->name;
	int r;

	c = expand_instance(c, e);
	if (!c)
		return -e->code;

	if (setsid() < 0)
		return err_sys(e, "setsid");
	if (c->host_kind) { /* the host's root as it is: only the identity */
		if (chdir("/") < 0)
			return err_sys(e, "chdir /");
		return become(c, o, c->argv, e);
	}
	/* in a new user namespace we are still the host's uid, unmapped there: become its
	 * root (host uid 100000) before creating anything */
	/* raw syscalls for the ids: libc's wrappers would broadcast to every thread
	 * (musl's __synccall, ~1 KB in the binary); we have one */
	if (CONFIG_USERNS && c->userns &&
	    (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0))
		return err_sys(e, "userns: become root");
	if (v2 && unshare(CLONE_NEWCGROUP) < 0)
		return err_sys(e, "cgroup namespace");
	if (c->net != CONF_NET_HOST && net_lo_up(e) < 0)
		return -e->code;
	/* net=bridge: the parent put eth0 in our namespace before letting us go */
	if (c->net == CONF_NET_BRIDGE && o->g && c->ip.s_addr &&
	    net_ctr_setup(c->ip, o->g->subnet_prefix, o->g->subnet_addr, e) < 0)
		return -e->code;

	r = mount_rootfs(c, o->g, o->hosts_fd, e);
	if (r < 0)
		return r;
	if (sethostname(host, strlen(host)) < 0)
		return err_sys(e, "sethostname");
	r = set_sysctls(c, e);
	if (r < 0)
		return r;
	r = mount_finish(c, e);
	if (r < 0)
		return r;
	return become(c, o, c->argv, e);
}

/* ---- entering a running container ----------------------------------------------------- */

/* The helper between the caller and a command run inside a container: joins the
 * container's cgroup and namespaces, forks the command into them as a process group of
 * its own, and waits for it at most timeout_ms; then kills the group (also when the
 * command ended first: nothing it left may hold the caller's pipe). */
static int enter_run(const struct conf_ctr *c, const struct spawn_opts *o, pid_t init,
		     const char *const *cmd, uint32_t timeout_ms)
{
	struct cabin_err ce = { 0 };
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC, pfd, st = 0;
	uint64_t end;
	sigset_t chld;
	pid_t b;

	if (c->net != CONF_NET_HOST)
		flags |= CLONE_NEWNET;
	if (CONFIG_USERNS && c->userns)
		flags |= CLONE_NEWUSER;
	if (o->cg && o->cg->version == 2)
		flags |= CLONE_NEWCGROUP;
	if (!o->cg) { /* exec: the container's cgroup namespace, when it has its own */
		char p[48];
		struct stat a, b2;

		snprintf(p, sizeof(p), "/proc/%d/ns/cgroup", (int)init);
		if (stat(p, &a) == 0 && stat("/proc/self/ns/cgroup", &b2) == 0 &&
		    a.st_ino != b2.st_ino)
			flags |= CLONE_NEWCGROUP;
	}
	if (c->host_kind)
		flags = 0;
	/* nothing in the container may open us through /proc/PID/exe or /proc/PID/mem
	 * while we are cabin, before the exec (CVE-2019-5736 class) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* the container's group first: our own write, while we still see the host's tree */
	if (o->cg && cgroup_attach(o->cg, c->name, 0, &ce) < 0)
		goto fail;
	for (int i = 0; !o->cg && i < 4 && o->join[i]; i++) {
		int jfd = open(o->join[i], O_WRONLY | O_CLOEXEC);

		if (jfd < 0 || write(jfd, "0", 1) != 1) {
			err_sys(&ce, "enter: %s", o->join[i]);
			if (jfd >= 0)
				close(jfd);
			goto fail;
		}
		close(jfd);
	}
	if (!timeout_ms) { /* exec: ^C and ^\ are for the command, we report its status */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	if (flags) {
		pfd = (int)syscall(SYS_pidfd_open, init, 0);
		if (pfd < 0 || setns(pfd, flags) < 0) {
			err_sys(&ce, "enter: container init %d", (int)init);
			goto fail;
		}
		close(pfd);
	} else if (chdir("/") < 0) {
		err_sys(&ce, "enter: chdir /");
		goto fail;
	}
	b = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (b < 0) {
		err_sys(&ce, "enter: clone");
		goto fail;
	}
	if (b == 0) {
		if (timeout_ms)
			setpgid(0, 0);	 /* a probe: a group to kill at its timeout */
		signal(SIGINT, SIG_DFL); /* ignored above for the waiter, not for the command */
		signal(SIGQUIT, SIG_DFL);
		if (o->tty && (setsid() < 0 || ioctl(o->stdio[0], TIOCSCTTY, 0) < 0)) {
			fdprintf(2, "cabin: exec -t: controlling terminal: %s\n", strerror(errno));
			_exit(126);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		become(c, o, cmd, &ce);
		fdprintf(2, "cabin: %s\n", ce.msg);
		_exit(ce.code == ENOENT ? 127 : 126);
	}
	for (int i = 0; i < 3; i++)
		if (o->stdio[i] >= 0)
			close(o->stdio[i]);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	{
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		end = (uint64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
	}
	if (!timeout_ms) { /* exec: as long as it takes */
		while (waitpid(b, &st, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	for (;;) {
		struct timespec now, ts;
		uint64_t t;

		if (waitpid(b, &st, WNOHANG) == b)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		t = (uint64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		if (t >= end) {
			kill(-b, SIGKILL);
			kill(b, SIGKILL);
			waitpid(b, &st, 0);
			kill(-b, SIGKILL);
			return 124;
		}
		ts.tv_sec = (end - t) / 1000;
		ts.tv_nsec = (long)((end - t) % 1000) * 1000000;
		sigtimedwait(&chld, NULL, &ts);
	}
	kill(-b, SIGKILL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
fail:
	fdprintf(o->stdio[2] >= 0 ? o->stdio[2] : 2, "cabin: %s\n", ce.msg);
	return 125;
}

pid_t spawn_enter(const struct conf_ctr *c, const struct spawn_opts *o, pid_t init,
		  const char *const *cmd, uint32_t timeout_ms, struct cabin_err *e)
{
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid < 0)
		return err_sys(e, "clone");
	if (pid == 0) {
		struct cabin_err ce = { 0 };
		int keep[3] = { o->stdio[0], o->stdio[1], o->stdio[2] };

		close_others(keep, 3);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		write_file("/proc/self/oom_score_adj", "0", &ce);
		_exit(enter_run(c, o, init, cmd, timeout_ms));
	}
	return pid;
}

/* ---- the parent ---------------------------------------------------------------------- */

static int write_idmaps(pid_t pid, unsigned id_base, struct cabin_err *e)
{
	char path[64], map[48];

	/* userns=yes: container root is host uid/gid id_base, 65536 ids (README) */
	snprintf(map, sizeof(map), "0 %u 65536\n", id_base ? id_base : 100000);

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny", e) < 0)
		return -e->code;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (write_file(path, map, e) < 0)
		return -e->code;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (write_file(path, map, e) < 0)
		return -e->code;
	return 0;
}

static void child_fail(int fd, const struct cabin_err *ce)
{
	struct child_err ch = { .err = ce->code ? ce->code : EINVAL };

	snprintf(ch.step, sizeof(ch.step), "%s", ce->msg);
	if (write(fd, &ch, sizeof(ch)) < 0)
		_exit(125);
	_exit(127);
}

/* 0 bytes on the exec pipe: exec happened (it was CLOEXEC); a struct child_err: the step
 * that failed; -EAGAIN: not yet. Closes the pipe once it has an answer. */
int spawn_finish(struct spawn *sp, struct cabin_err *e)
{
	struct child_err ch;
	ssize_t n;

	if (sp->errfd < 0)
		return err_set(e, EINVAL, "start: no exec pipe");
	do
		n = read(sp->errfd, &ch, sizeof(ch));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return -EAGAIN;
	close(sp->errfd);
	sp->errfd = -1;
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof(ch)) {
		ch.step[sizeof(ch.step) - 1] = 0;
		if (e) {
			memcpy(e->msg, ch.step, sizeof(e->msg));
			e->msg[sizeof(e->msg) - 1] = 0;
			e->code = ch.err;
		}
		return ch.err > 0 ? -ch.err : -EIO;
	}
	return err_set(e, EIO, "start: child died before exec");
}

void spawn_abort(struct spawn *sp)
{
	if (sp->pid > 0)
		kill(sp->pid, SIGKILL);
	if (sp->errfd >= 0)
		close(sp->errfd);
	sp->errfd = -1;
}

int spawn_begin(const struct conf_ctr *c, const struct spawn_opts *o, struct spawn *sp,
		struct cabin_err *e)
{
	bool v2 = o->cg && o->cg->version == 2;
	int go[2], ep[2], r = 0;
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	pid_t pid;

	sp->pid = -1;
	sp->errfd = -1;
	sp->cgname[0] = 0;
	if (c->net != CONF_NET_HOST)
		flags |= CLONE_NEWNET;
	if (CONFIG_USERNS && c->userns)
		flags |= CLONE_NEWUSER;
	if (c->host_kind) /* a service of the appliance: no namespace of its own */
		flags = 0;

	if (o->cg) {
		const struct cgroup_limits lim = {
			.memory = c->memory,
			.memory_high = c->memory_high,
			.cpu_milli = c->cpu_milli,
			.cpu_weight = c->cpu_weight,
			.io_weight = c->io_weight,
			.pids = c->pids,
		};

		r = cgroup_create(o->cg, c->name, &lim, e);
		if (r < 0)
			return r;
		snprintf(sp->cgname, sizeof(sp->cgname), "%s", c->name);
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		r = err_sys(e, "pipe");
		goto out_cgroup;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		r = err_sys(e, "pipe");
		goto out_go;
	}

	/* fork-like clone: no shared memory, the child runs on a copy of our stack */
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		r = err_sys(e, "clone");
		goto out_ep;
	}
	if (pid == 0) {
		struct cabin_err ce = { 0 };
		char b;

		/* Before anything can stop us: every descriptor of the parent goes except
		 * our pipes and stdio. A child frozen or hung before its exec must not hold
		 * a client's reply FIFO, the control FIFO, another container's pipe or the
		 * instance's cgroup locks (CLOEXEC only helps once exec happens). */
		{
			int keep[6] = { go[0],	     ep[1],	  o->stdio[0],
					o->stdio[1], o->stdio[2], o->hosts_fd };

			close_others(keep, 6);
		}
		/* die with whoever started us (cabin run, the daemon): never an unsupervised
		 * container (B8). Armed before the go byte, so a parent that died earlier
		 * shows as EOF on the pipe. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/* Into our group, by our own write ("0": ourselves; getpid() is 1 in our new
		 * pid namespace), only now that every inherited fd is closed: a group frozen
		 * from outside catches us holding nothing of the parent's. And the v1 write,
		 * which waits for an RCU grace period (~15 ms), is ours, not the daemon's. */
		if (o->cg && cgroup_attach(o->cg, sp->cgname, 0, &ce) < 0)
			child_fail(ep[1], &ce);
		/* wait until the parent wrote the id maps and set up the network */
		if (read(go[0], &b, 1) != 1)
			_exit(125);
		close(go[0]);
		/* The daemon runs at -1000; the container starts from 0 (B6). Written by the
		 * child itself through /proc/self while it still sees the host's /proc, never
		 * through the container's (A11); /proc/self is right even when /proc belongs
		 * to another pid namespace (`unshare --pid --fork cabin run`). */
		if (write_file("/proc/self/oom_score_adj", "0", &ce) < 0)
			child_fail(ep[1], &ce);
		child_run(c, o, v2, &ce);
		child_fail(ep[1], &ce);
	}
	close(go[0]);
	close(ep[1]);
	go[0] = ep[1] = -1;
	sp->pid = pid;

	if ((flags & CLONE_NEWUSER) && (r = write_idmaps(pid, o->id_base, e)) < 0) {
		char self[16];
		ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);

		/* /proc/PID names our child only if /proc is our pid namespace's */
		if (n <= 0 || (self[n] = 0, (int)util_strtol(self, NULL, 10) != getpid()))
			r = err_set(e, EINVAL,
				    "userns: /proc belongs to another pid namespace (mount one for "
				    "this namespace, e.g. unshare --mount-proc)");
		goto out_child;
	}
	if (o->setup && (r = o->setup(o->setup_ctx, pid, e)) < 0)
		goto out_child;
	if (write(go[1], "g", 1) != 1) {
		r = err_sys(e, "start");
		goto out_child;
	}
	close(go[1]);
	/* the answer comes later, as an event: never wait for it here */
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	sp->errfd = ep[0];
	return 0;

out_child:
	/* killed, not waited for: the caller reaps it (SIGCHLD) like any child */
	kill(pid, SIGKILL);
out_ep:
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
out_go:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
out_cgroup:
	/* one attempt; a group still busy keeps its name in sp->cgname for the caller */
	if (o->cg && sp->cgname[0] && cgroup_kill_nowait(o->cg, sp->cgname) == 0 &&
	    cgroup_remove_nowait(o->cg, sp->cgname) == 0)
		sp->cgname[0] = 0;
	return r;
}

int spawn_start(const struct conf_ctr *c, const struct spawn_opts *o, struct spawn *sp,
		struct cabin_err *e)
{
	struct pollfd pfd;
	pid_t pid;
	int r;

	r = spawn_begin(c, o, sp, e);
	if (r < 0) {
		if (sp->pid > 0)
			while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
				;
		goto out_cgroup;
	}
	/* the foreground tool may wait, but never for ever: the start deadline */
	pfd = (struct pollfd){ .fd = sp->errfd, .events = POLLIN };
	for (;;) {
		r = poll(&pfd, 1, CONFIG_START_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (r == 0)
		r = err_set(e, ETIMEDOUT, "start-timeout: no exec within %d ms",
			    CONFIG_START_TIMEOUT_MS);
	else {
		r = spawn_finish(sp, e);
		if (r == -EAGAIN)
			r = err_set(e, EIO, "start: exec pipe");
	}
	if (r == 0)
		return 0;
	pid = sp->pid;
	spawn_abort(sp);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sp->pid = -1;
out_cgroup:
	if (o->cg && sp->cgname[0]) {
		cgroup_kill(o->cg, sp->cgname, NULL);
		cgroup_destroy(o->cg, sp->cgname, NULL);
		sp->cgname[0] = 0;
	}
	return r;
}

int spawn_cleanup(const struct spawn_opts *o, struct spawn *sp, struct cabin_err *e)
{
	int r = 0;

	if (o->cg && sp->cgname[0]) {
		r = cgroup_kill(o->cg, sp->cgname, e);
		if (r == 0)
			r = cgroup_destroy(o->cg, sp->cgname, e);
		if (r == 0)
			sp->cgname[0] = 0;
	}
	return r;
}
