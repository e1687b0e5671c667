// SPDX-License-Identifier: MIT
/* The container's filesystem: rootfs bind, /proc, /sys, /dev, volumes, tmpfs, the /etc
 * files cabin writes, pivot_root, masked and read-only paths. Runs only in the child of
 * spawn_start(), in its own mount namespace. Never follows a path out of the rootfs:
 * every path inside it is resolved with openat2(RESOLVE_IN_ROOT) and mounted through
 * /proc/self/fd/N, never re-resolved as a string. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cabin/conf.h"
#include "cabin/mount.h"

#define FDPATH_MAX 32

/* the new mount API (Linux 5.2; mount_setattr 5.12), not all in musl's headers */
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NODEV 0x4
#endif
struct cabin_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define CABIN_OPEN_TREE_CLONE 1
#define CABIN_MOVE_MOUNT_F_EMPTY_PATH 0x4
#define CABIN_MOVE_MOUNT_T_EMPTY_PATH 0x40
#define CABIN_AT_RECURSIVE 0x8000
#define CABIN_FSCONFIG_SET_STRING 1
#define CABIN_FSCONFIG_CMD_CREATE 6
#define SYS_OPEN_TREE 428
#define SYS_MOVE_MOUNT 429
#define SYS_FSOPEN 430
#define SYS_FSCONFIG 431
#define SYS_FSMOUNT 432
#define SYS_MOUNT_SETATTR 442

static const char *fdpath(int fd, char *buf)
{
	snprintf(buf, FDPATH_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

/* EAGAIN: a ".." met a concurrent rename or mount anywhere on the machine (another
 * container starting), and the kernel could not prove it stayed inside; the call may
 * be retried (openat2(2)). Bounded: a machine that renames without pause gets the error. */
static int openat2_in(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve };
	long r;
	int tries = 128;

	do
		r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (r < 0 && errno == EAGAIN && --tries);
	return r < 0 ? -errno : (int)r;
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

int mount_open_in_pid(pid_t pid, const char *path, int flags)
{
	char root[32];
	int rfd, fd;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	fd = openat2_in(rfd, path, flags, IN_ROOT | RESOLVE_NO_SYMLINKS);
	close(rfd);
	return fd;
}

int mount_open_in_root(int rootfd, const char *path, bool create, bool dir)
{
	char prefix[PATH_MAX];
	size_t len = 0;
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		return openat2_in(rootfd, ".", O_PATH | O_DIRECTORY, IN_ROOT);
	fd = openat2_in(rootfd, path, O_PATH, IN_ROOT);
	if (fd != -ENOENT || !create)
		return fd;

	/* create missing components one at a time, each under a parent resolved in root */
	while (*path) {
		const char *slash = strchrnul(path, '/');
		size_t n = slash - path;
		bool last = !*slash || !slash[strspn(slash, "/")];
		int parent;

		if (len + n + 2 > sizeof(prefix))
			return -ENAMETOOLONG;
		if (n == 2 && !strncmp(path, "..", 2))
			return -EINVAL;
		parent = len ? openat2_in(rootfd, prefix, O_PATH | O_DIRECTORY, IN_ROOT)
			     : openat2_in(rootfd, ".", O_PATH | O_DIRECTORY, IN_ROOT);
		if (parent < 0)
			return parent;
		if (len)
			prefix[len++] = '/';
		memcpy(prefix + len, path, n);
		len += n;
		prefix[len] = 0;

		fd = openat2_in(rootfd, prefix, O_PATH, IN_ROOT);
		if (fd == -ENOENT) {
			char comp[NAME_MAX + 1];
			int r;

			if (n > NAME_MAX) {
				close(parent);
				return -ENAMETOOLONG;
			}
			memcpy(comp, path, n);
			comp[n] = 0;
			if (!last || dir)
				r = mkdirat(parent, comp, 0755);
			else {
				/* O_PATH parent: create through a real directory fd */
				int dfd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				r = dfd < 0 ? -1
					    : openat(dfd, comp,
						     O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
							     O_CLOEXEC,
						     0644);
				if (r >= 0) {
					close(r);
					r = 0;
				}
				if (dfd >= 0)
					close(dfd);
			}
			if (r < 0 && errno != EEXIST) {
				r = -errno;
				close(parent);
				return r;
			}
			fd = openat2_in(rootfd, prefix, O_PATH, IN_ROOT);
		}
		close(parent);
		if (fd < 0)
			return fd; /* e.g. a dangling symlink: refuse */
		if (last)
			return fd;
		close(fd);
		path = slash;
		while (*path == '/')
			path++;
	}
	return -EINVAL;
}

/* mount onto a path inside the root; src is a string (fs name) or fdpath */
static int mount_at(int rootfd, const char *path, const char *src, const char *type,
		    unsigned long flags, const char *data, bool create, bool dir,
		    struct cabin_err *e)
{
	char fp[FDPATH_MAX];
	int fd = mount_open_in_root(rootfd, path, create, dir);
	int r = 0;

	if (fd < 0)
		return err_set(e, -fd, "mount: %s", path);
	if (mount(src, fdpath(fd, fp), type, flags, data) < 0)
		r = err_sys(e, "mount: %s on %s", type ? type : src, path);
	close(fd);
	return r;
}

static int remount_at(int rootfd, const char *path, unsigned long flags, struct cabin_err *e)
{
	char fp[FDPATH_MAX];
	int fd = mount_open_in_root(rootfd, path, false, false);
	int r = 0;

	if (fd < 0)
		return err_set(e, -fd, "mount: remount %s", path);
	if (mount(NULL, fdpath(fd, fp), NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		r = err_sys(e, "mount: remount %s", path);
	close(fd);
	return r;
}

/* /proc, /sys, /dev must be plain directories of the rootfs (reliability A1, A2) */
static int check_dir(int rootfd, const char *name, struct cabin_err *e)
{
	struct stat st;

	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return err_sys(e, "rootfs: /%s", name);
		if (mkdirat(rootfd, name, 0755) < 0)
			return err_sys(e, "rootfs: mkdir /%s", name);
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		return err_set(e, ELOOP, "rootfs: /%s is a symlink", name);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "rootfs: /%s", name);
	return 0;
}

static int mk_dev(int rootfd, bool notify_fifo, struct cabin_err *e)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },		 { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },	 { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	int dfd, r;

	r = mount_at(rootfd, "dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=65536k", false, true, e);
	if (r < 0)
		return r;
	dfd = openat2_in(rootfd, "dev", O_RDONLY | O_DIRECTORY, IN_ROOT);
	if (dfd < 0)
		return err_set(e, -dfd, "dev: open");
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknodat(dfd, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) == 0)
			continue;
		/* no CAP_MKNOD (user namespace): bind the host's node instead */
		char host[32], fp[FDPATH_MAX];
		int fd;

		snprintf(host, sizeof(host), "/dev/%s", nodes[i].name);
		fd = openat(dfd, nodes[i].name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd < 0 || mount(host, fdpath(fd, fp), NULL, MS_BIND, NULL) < 0) {
			r = err_sys(e, "dev: /dev/%s", nodes[i].name);
			if (fd >= 0)
				close(fd);
			close(dfd);
			return r;
		}
		close(fd);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], dfd, links[i][0]) < 0) {
			r = err_sys(e, "dev: /dev/%s", links[i][0]);
			close(dfd);
			return r;
		}
	/* health=notify: a FIFO for shell services (`echo WATCHDOG=1 > /dev/cabin-notify`),
	 * in our own tmpfs whatever the image is; the daemon opens it through our root */
	if (mkdirat(dfd, "pts", 0755) < 0 || mkdirat(dfd, "shm", 01777) < 0 ||
	    mkdirat(dfd, "mqueue", 0755) < 0 ||
	    (notify_fifo && mknodat(dfd, "cabin-notify", S_IFIFO | 0622, 0) < 0)) {
		r = err_sys(e, "dev: mkdir");
		close(dfd);
		return r;
	}
	close(dfd);
	r = mount_at(rootfd, "dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5", false, true, e);
	if (!r)
		r = mount_at(rootfd, "dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     "mode=1777,size=65536k", false, true, e);
	if (!r)
		r = mount_at(rootfd, "dev/mqueue", "mqueue", "mqueue",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false, true, e);
	return r;
}

/* A destination, once resolved in the root, must not lie on a kernel filesystem (proc,
 * sysfs, devpts, mqueue, cgroupfs, ...) or on the container's /dev or /dev/shm,
 * whatever the config string said: an image link /data -> /proc makes "/data/sys"
 * /proc/sys (hardening issue, A10). */
static int dest_ok(int rootfd, int dfd, const char *what, const char *dst, struct cabin_err *e)
{
	static const unsigned long kernel_fs[] = {
		0x9fa0 /* proc */,	     0x62656572 /* sysfs */,   0x1cd1 /* devpts */,
		0x19800202 /* mqueue */,     0x27e0eb /* cgroup */,    0x63677270 /* cgroup2 */,
		0x73636673 /* securityfs */, 0x64626720 /* debugfs */, 0x74726163 /* tracefs */,
		0xcafe4a11 /* bpf */,	     0x6e736673 /* nsfs */,
	};
	static const char *const devs[] = { "dev", "dev/shm" };
	struct statfs sf;
	struct stat st, d;

	if (fstatfs(dfd, &sf) < 0 || fstat(dfd, &st) < 0)
		return err_sys(e, "%s: %s", what, dst);
	for (size_t i = 0; i < sizeof(kernel_fs) / sizeof(kernel_fs[0]); i++)
		if ((unsigned long)sf.f_type == kernel_fs[i])
			return err_set(e, EPERM, "%s: %s resolves onto a kernel filesystem", what,
				       dst);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		int fd = mount_open_in_root(rootfd, devs[i], false, true);
		bool same = fd >= 0 && fstat(fd, &d) == 0 && d.st_dev == st.st_dev;

		if (fd >= 0)
			close(fd);
		if (same)
			return err_set(e, EPERM, "%s: %s resolves into the container's /%s", what,
				       dst, devs[i]);
	}
	return 0;
}

static int mk_volume(int rootfd, const struct conf_volume *v, struct cabin_err *e)
{
	char fs[FDPATH_MAX], fd_[FDPATH_MAX];
	struct stat st;
	int sfd, dfd, tfd, r = 0;

	/* the source is the host's (config is trusted); the destination is the image's */
	sfd = open(v->src, O_PATH | O_CLOEXEC);
	if (sfd < 0)
		return err_sys(e, "volume: %s", v->src);
	if (fstat(sfd, &st) < 0) {
		r = err_sys(e, "volume: %s", v->src);
		goto out;
	}
	{
		/* the source as the kernel resolved it: /var/run is /run (hardening issue) */
		char real[PATH_MAX];
		ssize_t n = readlink(fdpath(sfd, fs), real, sizeof(real) - 1);

		if (n > 0 && (real[n] = 0, conf_volume_src_bad(real))) {
			r = err_set(e, EPERM, "volume: %s is %s: cabin's own files", v->src, real);
			goto out;
		}
	}
	dfd = mount_open_in_root(rootfd, v->dst, true, S_ISDIR(st.st_mode));
	if (dfd < 0) {
		r = err_set(e, -dfd, "volume: %s on %s", v->src, v->dst);
		goto out;
	}
	if ((r = dest_ok(rootfd, dfd, "volume", v->dst, e)) < 0) {
		close(dfd);
		goto out;
	}
	/* through fds from start to end (hardening issue, A6): a detached copy of the
	 * source, its attributes set while nobody else can see it, then attached to the
	 * destination fd; nothing is looked up by path again */
	tfd = (int)syscall(SYS_OPEN_TREE, sfd, "",
			   CABIN_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH | CABIN_AT_RECURSIVE);
	if (tfd >= 0) {
		struct cabin_mount_attr a = {
			.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				    (v->ro ? MOUNT_ATTR_RDONLY : 0),
		};

		if (syscall(SYS_MOUNT_SETATTR, tfd, "", AT_EMPTY_PATH | CABIN_AT_RECURSIVE, &a,
			    sizeof(a)) < 0 ||
		    syscall(SYS_MOVE_MOUNT, tfd, "", dfd, "",
			    CABIN_MOVE_MOUNT_F_EMPTY_PATH | CABIN_MOVE_MOUNT_T_EMPTY_PATH) < 0)
			r = err_sys(e, "volume: %s on %s", v->src, v->dst);
		close(tfd);
		close(dfd);
		goto out;
	}
	/* a kernel without the new mount API: bind through the fds, then the remount
	 * finds the new mount by path (the race this closes on newer kernels) */
	if (mount(fdpath(sfd, fs), fdpath(dfd, fd_), NULL, MS_BIND | MS_REC, NULL) < 0)
		r = err_sys(e, "volume: %s on %s", v->src, v->dst);
	close(dfd);
	if (!r)
		r = remount_at(rootfd, v->dst, MS_NOSUID | MS_NODEV | (v->ro ? MS_RDONLY : 0), e);
out:
	close(sfd);
	return r;
}

/* write etc/NAME atomically: a temp file renamed over whatever is there, so a planted
 * symlink or hard link is replaced, never followed (reliability A12) */
static void put_etc(int etcfd, const char *name, const char *text)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), ".cabin-%s.tmp", name);
	unlinkat(etcfd, tmp, 0);
	fd = openat(etcfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return; /* read-only image: keep its own files */
	if (write(fd, text, strlen(text)) < 0 || renameat(etcfd, tmp, etcfd, name) < 0)
		unlinkat(etcfd, tmp, 0);
	close(fd);
}

static void mk_etc(int rootfd, const struct conf_ctr *c, const struct conf *g, bool hosts_bound)
{
	const char *host = c->hostname ? c->hostname : c->name;
	char buf[512];
	int efd = openat2_in(rootfd, "etc", O_RDONLY | O_DIRECTORY, IN_ROOT);
	size_t n = 0;

	if (efd < 0)
		return;
	snprintf(buf, sizeof(buf), "%s\n", host);
	put_etc(efd, "hostname", buf);
	/* under the daemon, /etc/hosts is its file with every container's name, bound over
	 * the image's: never rename over that one (a rename over a file another container
	 * has bound detaches the bind in its namespace) */
	snprintf(buf, sizeof(buf), "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t%s\n", host);
	if (!hosts_bound)
		put_etc(efd, "hosts", buf);
	if (g && g->ndns) {
		for (int i = 0; i < g->ndns && n < sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - n, "nameserver %s\n", g->dns[i]);
		if (n < sizeof(buf))
			put_etc(efd, "resolv.conf", buf);
	}
	close(efd);
}

/* the daemon's hosts file over etc/hosts, read-only: names of containers that come
 * later show up without a restart. */
static int mk_hosts(int rootfd, int sfd, bool readonly, struct cabin_err *e)
{
	int dfd, r = 0;

	/* an image where /etc/hosts cannot be made (read-only, or owned by the host's root
	 * under userns=yes) keeps what it has: names are a convenience, not a reason to
	 * refuse the start */
	dfd = mount_open_in_root(rootfd, "etc/hosts", !readonly, false);
	if (dfd < 0)
		return 0;
	/* sfd is a detached mount (open_tree in the daemon): attach it on the image's file */
	if (syscall(SYS_move_mount, sfd, "", dfd, "", 0x4 /* F_EMPTY_PATH */ | 0x40 /* T_ */) < 0)
		r = err_sys(e, "hosts: attach");
	close(dfd);
	if (!r)
		r = remount_at(rootfd, "etc/hosts", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			       e);
	return r;
}

int mount_rootfs(const struct conf_ctr *c, const struct conf *g, int hosts_fd, struct cabin_err *e)
{
	unsigned long rootflags = MS_NOSUID | MS_NODEV | (c->readonly ? MS_RDONLY : 0);
	char fp[FDPATH_MAX];
	int rootfd, r;

	umask(0);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, "mount: make / private");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "rootfs: %s", c->rootfs);
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "rootfs: %s", c->rootfs);

	if ((r = check_dir(rootfd, "proc", e)) < 0 || (r = check_dir(rootfd, "sys", e)) < 0 ||
	    (r = check_dir(rootfd, "dev", e)) < 0)
		goto out;
	r = mount_at(rootfd, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false,
		     true, e);
	if (r < 0)
		goto out;
	r = mount_at(rootfd, "sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL, false, true, e);
	if (r < 0)
		goto out;
	r = mk_dev(rootfd, c->health == CONF_HEALTH_HEARTBEAT, e);
	if (r < 0)
		goto out;
	for (int i = 0; i < c->nvol; i++)
		if ((r = mk_volume(rootfd, &c->vol[i], e)) < 0)
			goto out;
	for (int i = 0; i < c->ntmpfs; i++) {
		char data[64] = "mode=1777";

		if (c->tmpfs[i].size)
			snprintf(data, sizeof(data), "mode=1777,size=%llu",
				 (unsigned long long)c->tmpfs[i].size);
		int tfd = mount_open_in_root(rootfd, c->tmpfs[i].path, true, true);

		if (tfd < 0) {
			r = err_set(e, -tfd, "tmpfs: %s", c->tmpfs[i].path);
			goto out;
		}
		r = dest_ok(rootfd, tfd, "tmpfs", c->tmpfs[i].path, e);
		if (r == 0 &&
		    mount("tmpfs", fdpath(tfd, fp), "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
			r = err_sys(e, "tmpfs: %s", c->tmpfs[i].path);
		close(tfd);
		if (r < 0)
			goto out;
	}
	/* a read-only container never writes into its image: it keeps its own files */
	if (!c->readonly)
		mk_etc(rootfd, c, g, hosts_fd >= 0);
	if (hosts_fd >= 0 && (r = mk_hosts(rootfd, hosts_fd, c->readonly, e)) < 0)
		goto out;

	/* nosuid,nodev (reliability A14, A15) and read-only on the rootfs bind itself */
	if (mount(NULL, fdpath(rootfd, fp), NULL, MS_BIND | MS_REMOUNT | rootflags, NULL) < 0) {
		r = err_sys(e, "rootfs: remount");
		goto out;
	}
	if (fchdir(rootfd) < 0) {
		r = err_sys(e, "rootfs: chdir");
		goto out;
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		r = err_sys(e, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		r = err_sys(e, "pivot_root: detach old root");
		goto out;
	}
	if (chdir("/") < 0)
		r = err_sys(e, "chdir /");
out:
	close(rootfd);
	return r;
}

int mount_finish(const struct conf_ctr *c, struct cabin_err *e)
{
	/* OCI/moby masked and read-only paths (research/reliability.md §2) */
	static const char *const masked[] = {
		"/proc/acpi",	     "/proc/asound",  "/proc/interrupts",
		"/proc/kcore",	     "/proc/keys",    "/proc/latency_stats",
		"/proc/sched_debug", "/proc/scsi",    "/proc/timer_list",
		"/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap",
	};
	static const char *const rdonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};
	char fp[FDPATH_MAX], np[FDPATH_MAX];
	struct stat st;
	int rootfd, nullfd, r = 0;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "mask: open /");
	/* mask with our own /dev/null, verified to be the null device (reliability A3) */
	nullfd = openat2_in(rootfd, "dev/null", O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (nullfd < 0 || fstat(nullfd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(1, 3)) {
		r = err_set(e, nullfd < 0 ? -nullfd : EPERM,
			    "mask: /dev/null is not the null device");
		goto out;
	}
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		int fd = openat2_in(rootfd, masked[i] + 1, O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);

		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = err_set(e, fd < 0 ? -fd : errno, "mask: %s", masked[i]);
			goto out;
		}
		if (S_ISDIR(st.st_mode))
			r = mount("tmpfs", fdpath(fd, fp), "tmpfs",
				  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "nr_blocks=1,nr_inodes=1,mode=0");
		else
			r = mount(fdpath(nullfd, np), fdpath(fd, fp), NULL, MS_BIND, NULL);
		close(fd);
		if (r < 0) {
			r = err_sys(e, "mask: %s", masked[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(rdonly) / sizeof(rdonly[0]); i++) {
		r = mount_at(rootfd, rdonly[i], rdonly[i], NULL, MS_BIND | MS_REC, NULL, false,
			     false, e);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0)
			goto out;
		r = remount_at(rootfd, rdonly[i], MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, e);
		if (r < 0)
			goto out;
	}
out:
	if (nullfd >= 0)
		close(nullfd);
	close(rootfd);
	return r;
}
