// SPDX-License-Identifier: MIT
/* The daemon's files in RUNDIR: the lock, status/NAME, stopped.NAME, and the small-file
 * writer (temp file + rename) also used for create --save. Never follows a symlink
 * planted at the final path, never waits on the disk (no fsync). */
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

#include "cabin/cgroup.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/loop.h"
#include "cabin/spawn.h"
#include "cabin/svc.h"
#include "cabin/util.h"
#include "daemon_int.h"

/* RUNDIR/status/NAME: the last event line of each instance, for scripts that would
 * rather read a file than talk to the FIFO; removed with the instance */
void rundir_status(const struct svc *s, const char *line, size_t n, bool gone)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/status/%s", rundir, s->name) >= (int)sizeof(path))
		return;
	if (gone)
		unlink(path);
	else
		rundir_write(path, line, n, false);
}

int rundir_write(const char *path, const char *data, size_t len, bool sync)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	/* `sync`: start the write-back and move on; an fsync would wait on the disk in
	 * the loop (README: create --save is durable within the kernel's write-back) */
	if (write(fd, data, len) != (ssize_t)len ||
	    (sync && sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 && errno != ESPIPE)) {
		int r = -errno;

		close(fd);
		unlink(tmp);
		return r ? r : -EIO;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

/* unless-stopped: a manual stop is remembered across daemon restarts */
void rundir_stopped_set(const struct svc *s, bool set)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/stopped.%s", rundir, s->name);
	if (!set) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

bool rundir_stopped(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/stopped.%s", rundir, name);
	return access(path, F_OK) == 0;
}

static void unlink_it(int dfd, const char *name, unsigned char type, void *ctx)
{
	unlinkat(dfd, name, 0);
}

/* RUNDIR/status/ and RUNDIR/hosts/ exist and hold nothing of a previous daemon */
void rundir_status_init(void)
{
	static const char *const dirs[] = { "status", "hosts" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int dfd;

		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", rundir, dirs[i]);
		/* ours to create: anything planted there (a symlink to elsewhere) goes first */
		if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			unlink(path);
		mkdir(path, i ? 0755 : 0700);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			continue;
		util_each_entry(dfd, unlink_it, NULL);
		close(dfd);
	}
}

int rundir_lock(struct cabin_err *e)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(rundir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", rundir);
	snprintf(path, sizeof(path), "%s/lock", rundir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	/* A POSIX record lock, not flock(): it belongs to this process and is not
	 * inherited by a child, so a container caught between clone and exec when the
	 * daemon is SIGKILLed cannot keep the next daemon out. */
	if (fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET }) < 0) {
		int r = errno == EAGAIN || errno == EACCES
				? err_set(e, 0, "another daemon is running (%s is locked)", path)
				: err_sys(e, "lock %s", path);
		close(fd);
		return r;
	}
	return fd; /* held until exit */
}

/* ---- RUNDIR/hosts/NAME: each bridge container's /etc/hosts, bound read-only over it -- */

bool hosts_dirty = true; /* the set of names changed since the last sync */

void rundir_hosts_path(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/hosts/%s", rundir, name);
}

/* written in place (truncate, one write), never renamed: the container's bind mount
 * follows the inode, so it sees every update */
void rundir_hosts_write(const struct svc *s)
{
	static char buf[CONFIG_MAX_CONTAINERS * 80 + 128];
	const char *host = s->c->hostname ? s->c->hostname : s->name;
	char path[PATH_MAX];
	size_t n;
	int fd;

	n = snprintf(buf, sizeof(buf), "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t%s\n",
		     host);
	for (int i = 0; i < cur->nctr && n < sizeof(buf); i++) {
		const struct conf_ctr *o = &cur->ctr[i];
		char ip[INET_ADDRSTRLEN];

		if (o->net != CONF_NET_BRIDGE || !o->ip.s_addr)
			continue;
		util_ip4_str(ip, &o->ip);
		n += snprintf(buf + n, sizeof(buf) - n, "%s\t%s%s%s\n", ip, o->name,
			      strcmp(o->name, o->section) ? " " : "",
			      strcmp(o->name, o->section) ? o->section : "");
	}
	if (n >= sizeof(buf))
		return;
	rundir_hosts_path(s->name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, n) != (ssize_t)n)
		daemon_log("cabin: %s: %s", path, strerror(errno));
	close(fd);
}

/* a hosts file of a container that is gone, or has the host's network, goes */
static void hosts_stale(int dfd, const char *name, unsigned char type, void *ctx)
{
	const struct svc *s = svc_find(name);

	if (!s || !s->c || s->c->net == CONF_NET_HOST)
		unlinkat(dfd, name, 0);
}

void rundir_hosts_sync(void)
{
	char path[PATH_MAX];
	int dfd;

	hosts_dirty = false;
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_tab[i].used && svc_tab[i].c && svc_tab[i].c->net != CONF_NET_HOST)
			rundir_hosts_write(&svc_tab[i]);
	snprintf(path, sizeof(path), "%s/hosts", rundir);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	util_each_entry(dfd, hosts_stale, NULL);
	close(dfd);
}
