// SPDX-License-Identifier: MIT
/* Fuzz the container's /etc/passwd and /etc/group parser (reliability A13: the files are
 * the image's, hostile by assumption). Input: "USER\n" then passwd bytes, a 0xff byte,
 * group bytes; written into a scratch root, looked up with spawn_lookup_user_ex. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cabin/spawn.h"

static char root[64];
static int rootfd = -1;

static void cleanup(void)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/group", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc", root);
	rmdir(p);
	rmdir(root);
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	int fd = openat(rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char user[64];
	const uint8_t *nl, *sep;
	gid_t groups[16];
	int ngroups = 0;
	char home[64];
	uid_t uid;
	gid_t gid;

	if (rootfd < 0) {
		strcpy(root, "/tmp/cabin-fuzz-passwd.XXXXXX");
		if (!mkdtemp(root))
			abort();
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0 || mkdirat(rootfd, "etc", 0755) < 0)
			abort();
		atexit(cleanup);
	}
	nl = memchr(data, '\n', size);
	if (!nl || (size_t)(nl - data) >= sizeof(user))
		return 0;
	memcpy(user, data, nl - data);
	user[nl - data] = 0;
	size -= (size_t)(nl - data) + 1;
	data = nl + 1;
	sep = memchr(data, 0xff, size);
	if (sep) {
		put("etc/passwd", data, sep - data);
		put("etc/group", sep + 1, size - (sep - data) - 1);
	} else {
		put("etc/passwd", data, size);
		put("etc/group", (const uint8_t *)"", 0);
	}
	if (spawn_lookup_user_ex(rootfd, user, &uid, &gid, groups, &ngroups, 16, home,
				 sizeof(home), NULL) == 0) {
		if (ngroups < 0 || ngroups > 16 || strnlen(home, sizeof(home)) == sizeof(home))
			abort();
	}
	return 0;
}
