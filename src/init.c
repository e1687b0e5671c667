// SPDX-License-Identifier: MIT
/* Init mode (SPEC §10): cabin as PID 1. Before the daemon's loop: the console on fds
 * 0-2, the early mounts that are absent, Ctrl-Alt-Del as a signal, the machine's own
 * cgroup leaf, lo. Then the daemon itself (daemon.c) with the init signal table. After
 * its ordered shutdown: every process left is killed (bounded), filesystems synced and
 * unmounted, and reboot(2). PID 1 never returns and never exits; a fatal error before
 * the loop takes the emergency action of the build (Kconfig INIT_EMERGENCY). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cabin/cli.h"
#include "cabin/net.h"
#include "cabin/util.h"
#include "daemon_int.h"

#if CONFIG_INIT

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* D5: fds 0-2 on the console before anything can take them (else /dev/null) */
static void console_fds(void)
{
	bool closed = false;
	int fd;

	for (int i = 0; i < 3; i++)
		closed |= fcntl(i, F_GETFD) < 0;
	if (!closed)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) { /* no /dev yet: devtmpfs first (mount takes no fd) */
		mkdir("/dev", 0755);
		mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
		fd = open("/dev/console", O_RDWR | O_NOCTTY | O_NONBLOCK);
	}
	if (fd < 0)
		fd = open("/dev/null", O_RDWR | O_NOCTTY);
	for (int i = 0; i < 3 && fd >= 0; i++)
		if (fcntl(i, F_GETFD) < 0)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* a mount point: another device than its parent's */
static bool is_mount(const char *path)
{
	char parent[64];
	struct stat a, b;
	const char *slash = strrchr(path, '/');

	snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* D7: only what is absent; a failure is said, not fatal */
static void mnt(const char *src, const char *dst, const char *type, unsigned long fl,
		const char *data)
{
	if (is_mount(dst))
		return;
	mkdir(dst, 0755);
	if (mount(src, dst, type, fl, data) < 0)
		daemon_log("cabin init: mount %s on %s: %s", type, dst, strerror(errno));
}

static bool have_fs(const char *name)
{
	char buf[2048];
	int fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	for (char *p = buf; (p = util_strstr(p, name)); p++)
		if (p > buf && p[-1] == '\t' && (p[strlen(name)] == '\n' || !p[strlen(name)]))
			return true;
	return false;
}

/* cgroup v2 where the kernel has it, else one v1 hierarchy per enabled controller */
static void cgroups(void)
{
	const char *root = CONFIG_DEFAULT_CGROUP_MNT;
	char buf[2048], path[128];
	struct statfs sf;
	int fd;
	ssize_t n;

	if (!is_mount(root) && have_fs("cgroup2"))
		mnt("cgroup2", root, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate");
	if (statfs(root, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		/* the machine's own leaf, on a unified hierarchy only: the root group holds no
		 * process of ours, so every controller can be given to the containers' groups
		 * below it (never on a v1 or hybrid layout, whose tmpfs at the mount point is
		 * no cgroup at all) */
		snprintf(path, sizeof(path), "%s/init", root);
		if (mkdir(path, 0755) == 0 || errno == EEXIST) {
			snprintf(path, sizeof(path), "%s/init/cgroup.procs", root);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				if (write(fd, "0", 1) == 1)
					init_cgroup_parent = "/";
				close(fd);
			}
		}
		return;
	}
	if (is_mount(root))
		return; /* a v1 or hybrid layout is there already */
	mnt("cgroup", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755");
	fd = open("/proc/cgroups", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	for (char *l = n > 0 ? (buf[n] = 0, buf) : NULL, *nl; l && *l; l = nl) {
		char *tab, *last;

		nl = strchr(l, '\n');
		if (nl)
			*nl++ = 0;
		/* "name hierarchy num_cgroups enabled", tab-separated (no sscanf: it would
		 * bring the float scanner) */
		tab = strchr(l, '\t');
		last = strrchr(l, '\t');
		if (*l == '#' || !tab || tab - l > 31 || !last || last[1] != '1')
			continue;
		*tab = 0;
		snprintf(path, sizeof(path), "%s/%.31s", root, l);
		mnt("cgroup", path, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, l);
	}
}

/* An initramfs root ("rootfs") can never be left by pivot_root, which every container
 * start needs: put a bind of it on top of it and make that PID 1's root (what
 * switch_root does with a new root), so each container's namespace has a real mount
 * to pivot away from. A root filesystem booted from a disk needs nothing. */
static void leave_rootfs(void)
{
	char buf[256];
	int fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0 || (buf[n] = 0, !util_strstr(buf, " / rootfs ")))
		return;
	if ((mkdir("/.root", 0700) < 0 && errno != EEXIST) ||
	    mount("/", "/.root", NULL, MS_BIND | MS_REC, NULL) < 0 || chdir("/.root") < 0 ||
	    mount("/.root", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		daemon_log("cabin init: the initramfs root stays ours (%s): containers cannot "
			   "pivot_root",
			   strerror(errno));
}

static void early(void)
{
	struct cabin_err e = { 0 };

	console_fds();
	/* /proc first: whether / is the initramfs is read there */
	mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	leave_rootfs();
	mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
	mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	cgroups();
	/* D8: Ctrl-Alt-Del becomes SIGINT to us, not an instant reset */
	reboot(RB_DISABLE_CAD);
	if (net_lo_up(&e) < 0)
		daemon_log("cabin init: %s", e.msg);
}

/* reap every child for at most ms; true when none is left */
static bool reap_for(long ms)
{
	for (long t = 0; t <= ms; t += 10) {
		pid_t p;

		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* after the daemon's ordered shutdown: what is left, the filesystems, the machine */
static void __attribute__((noreturn)) final(int action)
{
	static char mounts[16384];
	int fd, cmd = action == INIT_HALT	? RB_HALT_SYSTEM
		      : action == INIT_POWEROFF ? RB_POWER_OFF
						: RB_AUTOBOOT;
	ssize_t n;

	daemon_log("cabin init: killing what is left");
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	if (!reap_for(2000)) {
		kill(-1, SIGKILL);
		reap_for(1000);
	}
	sync();
	/* every mount but / lazily detached, innermost first; / read-only */
	fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, mounts, sizeof(mounts) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		mounts[n] = 0;
		for (char *end = mounts + n; end > mounts;) {
			char *l = end - 1, *target, *sp;

			while (l > mounts && l[-1] != '\n')
				l--;
			end = l;
			target = strchr(l, ' ');
			if (!target)
				continue;
			target++;
			sp = strchr(target, ' ');
			if (!sp)
				continue;
			*sp = 0;
			if (strcmp(target, "/"))
				umount2(target, MNT_DETACH);
		}
	}
	mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
	sync();
	daemon_log("cabin init: %s", cmd == RB_AUTOBOOT	   ? "reboot"
				     : cmd == RB_POWER_OFF ? "poweroff"
							   : "halt");
	reboot(cmd);
	/* in a pid namespace the kernel has ended us by now; elsewhere reboot(2) does not
	 * return. If it did: never exit */
	for (;;)
		pause();
}

/* a fatal error before the loop: the build's emergency action, never an exit */
static void __attribute__((noreturn)) emergency(void)
{
	daemon_log("cabin init: cannot start; emergency action: %s", CONFIG_INIT_EMERGENCY);
	sync();
	if (!strcmp(CONFIG_INIT_EMERGENCY, "shell")) {
		char *const argv[] = { "/bin/sh", NULL };

		execv("/bin/sh", argv);
		daemon_log("cabin init: exec /bin/sh: %s", strerror(errno));
	}
	if (!strcmp(CONFIG_INIT_EMERGENCY, "halt"))
		reboot(RB_HALT_SYSTEM);
	sleep_ms(10000); /* readable on the console, then reboot */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/* module=: the kernel modules the containers need (veth, bridge, nf_tables, a watchdog
 * driver), loaded in the order given, before anything starts; one already there is
 * fine, one that fails is said and skipped */
void init_modules(const struct conf *c)
{
	for (int i = 0; i < c->nmodule; i++) {
		int fd = open(c->module[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			daemon_log("cabin init: module %s: %s", c->module[i], strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

int init_main(int argc, char **argv)
{
	int r;

	if (getpid() != 1) {
		fdprintf(2, "cabin init: not PID 1 (use `cabin daemon` under another init)\n");
		return EXIT_REFUSED;
	}
	init_mode = true;
	early();
	daemon_log("cabin init: started");
	r = daemon_body(argc, argv);
	if (r != EXIT_OK)
		emergency();
	final(init_action);
}

#else

void init_modules(const struct conf *c)
{
	(void)c;
}

int init_main(int argc, char **argv)
{
	fdprintf(2, "cabin init: not built in (CONFIG_INIT=n)\n");
	return EXIT_REFUSED;
}

#endif
