// SPDX-License-Identifier: MIT
/* Small files that must survive a power cut (the boot counter, the known-good config,
 * config sets): written through a temporary name, fsync'd, renamed, the directory
 * fsync'd. Blocking: called at start-up before the loop, or in a child process of the
 * daemon, never in the loop itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cabin/persist.h"
#include "cabin/util.h"

static char iobuf[8192];

/* ---- files --------------------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* the config's files, names and bytes, in load order */
uint64_t persist_hash(const char *const *files, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < n; i++) {
		const char *base = strrchr(files[i], '/');
		int fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		ssize_t r;

		base = base ? base + 1 : files[i];
		h = fnv(h, base, strlen(base) + 1);
		if (fd < 0)
			continue;
		while ((r = read(fd, iobuf, sizeof(iobuf))) > 0)
			h = fnv(h, iobuf, (size_t)r);
		close(fd);
	}
	return h ? h : 1;
}

/* write path through path.tmp, fsync, rename, fsync the directory */
int persist_write(const char *dir, const char *name, const char *data, size_t len)
{
	char tmp[320], path[320];
	int fd, dfd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (r < 0)
		unlink(tmp);
	return r;
}

int persist_copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NONBLOCK), out, r = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, iobuf, sizeof(iobuf))) > 0)
		if (write(out, iobuf, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0 || fsync(out) < 0)
		r = -EIO;
	close(in);
	close(out);
	return r;
}

static void rm_entry(int dfd, const char *name, unsigned char type, void *ctx)
{
	if (type == 4 /* DT_DIR */) {
		int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

		if (sub >= 0) {
			util_each_entry(sub, rm_entry, NULL);
			close(sub);
		}
		unlinkat(dfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dfd, name, 0);
	}
}

void persist_rm_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0) {
		util_each_entry(fd, rm_entry, NULL);
		close(fd);
	}
	rmdir(path);
}
