// SPDX-License-Identifier: MIT
/* user= lookup in the container's own /etc/passwd and /etc/group, parsed here: never
 * NSS, never getpwnam (reliability A13). Reads with a fixed buffer; a line longer than
 * the buffer is skipped whole, never truncated into a match. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cabin/spawn.h"
#include "cabin/util.h"

/* split a line at ':' into at most max fields; returns the count */
static int fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = (unsigned long)util_strtoull(s, &end, 10);
	return !*end && !errno && *out < 0xFFFFFFFFul;
}

/* The image is not trusted: /etc/passwd may be a link to /dev/zero, a FIFO, or 2 GB.
 * Only a regular file of at most PASSWD_MAX bytes is read (and no more than that even
 * if it grows meanwhile); anything else fails with EINVAL or EFBIG. */
#define PASSWD_MAX (1024 * 1024)

static int open_in(int rootfd, const char *path)
{
	int fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PASSWD_MAX) {
		int err = !S_ISREG(st.st_mode) ? EINVAL : EFBIG;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* open etc/NAME in the root; 0, or -1 and *bad set when it exists but may not be read */
static int open_db(struct util_lines *l, int rootfd, const char *rel, bool *bad)
{
	util_lines_init(l, open_in(rootfd, rel));
	if (l->fd < 0 && errno == ENOENT && rootfd == AT_FDCWD)
		l->fd = open_in(rootfd, rel - 1); /* the same with its leading '/' */
	*bad = l->fd < 0 && (errno == EINVAL || errno == EFBIG);
	l->limit = PASSWD_MAX;
	return l->fd < 0 ? -1 : 0;
}

int spawn_lookup_user_ex(int rootfd, const char *user, uid_t *uid, gid_t *gid, gid_t *groups,
			 int *ngroups, int maxgroups, char *home, size_t homesz,
			 struct cabin_err *e)
{
	static struct util_lines l; /* child-only or short-lived: no stack blow-up */
	char name[64] = "", group[64] = "";
	const char *colon = strchr(user, ':');
	unsigned long id;
	bool uid_known = false, gid_known = false, found = false, bad;
	size_t un = colon ? (size_t)(colon - user) : strlen(user);

	*ngroups = 0;
	if (home && homesz >= 2) /* "/" unless the user's passwd line says otherwise */
		strcpy(home, "/");
	if (!un || un >= sizeof(name) || (colon && strlen(colon + 1) >= sizeof(group)))
		return err_set(e, EINVAL, "user: %s: invalid", user);
	memcpy(name, user, un);
	name[un] = 0;
	if (colon)
		strcpy(group, colon + 1);
	if (parse_id(name, &id)) {
		*uid = id;
		uid_known = true;
	}
	if (colon && parse_id(group, &id)) {
		*gid = id;
		gid_known = true;
	}

	/* an unusable file is an error only when a name has to be looked up in it */
	if (open_db(&l, rootfd, "/etc/passwd" + 1, &bad) < 0 && bad && !uid_known && e)
		return err_sys(e, "user: /etc/passwd: %s",
			       errno == EFBIG ? "larger than 1 MiB" : "not a regular file");
	if (l.fd >= 0) {
		char *line, *f[7];

		while (util_lines_next(&l, &line) > 0) {
			if (fields(line, f, 7) < 7 || !parse_id(f[2], &id))
				continue;
			if (uid_known ? id != *uid : strcmp(f[0], name))
				continue;
			*uid = id;
			if (!uid_known)
				uid_known = true;
			if (!colon && parse_id(f[3], &id)) {
				*gid = id;
				gid_known = true;
			}
			if (home && f[5][0] && strlen(f[5]) < homesz)
				strcpy(home, f[5]);
			snprintf(name, sizeof(name), "%s", f[0]);
			found = true;
			break;
		}
		close(l.fd);
	}
	if (!uid_known)
		return err_set(e, ENOENT, "user: %s: not found in the container's /etc/passwd",
			       name);
	if (!gid_known && !colon)
		*gid = 0;

	/* group by name, and the supplementary groups the user is a member of */
	if (open_db(&l, rootfd, "/etc/group" + 1, &bad) < 0 && bad && colon && !gid_known && e)
		return err_sys(e, "user: /etc/group: %s",
			       errno == EFBIG ? "larger than 1 MiB" : "not a regular file");
	if (l.fd >= 0) {
		char *line, *f[4];

		while (util_lines_next(&l, &line) > 0) {
			if (fields(line, f, 4) < 4 || !parse_id(f[2], &id))
				continue;
			if (colon && !gid_known && !strcmp(f[0], group)) {
				*gid = id;
				gid_known = true;
			}
			if (!found)
				continue;
			for (char *m = f[3], *end; *m; m = end) {
				end = strchrnul(m, ',');
				if ((size_t)(end - m) == strlen(name) &&
				    !strncmp(m, name, end - m) && *ngroups < maxgroups)
					groups[(*ngroups)++] = id;
				if (*end)
					end++;
			}
		}
		close(l.fd);
	}
	if (colon && !gid_known)
		return err_set(e, ENOENT,
			       "user: %s: group %s not found in the container's /etc/group", user,
			       group);
	return 0;
}

int spawn_lookup_user(int rootfd, const char *user, uid_t *uid, gid_t *gid, struct cabin_err *e)
{
	gid_t groups[1];
	int n;

	return spawn_lookup_user_ex(rootfd, user, uid, gid, groups, &n, 0, NULL, 0, e);
}
