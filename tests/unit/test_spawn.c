// SPDX-License-Identifier: MIT
/* Unit tests of the container library's pure parts: the passwd/group parser (never
 * NSS, bounded lines, hostile files) and in-root path resolution (symlinks that point
 * out of the rootfs stay inside it). No privileges needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cabin/mount.h"
#include "cabin/spawn.h"

static char root[64];
static int rootfd = -1;

static void put(const char *rel, const char *text)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	char p[128];

	strcpy(root, "/tmp/cabin-unit-spawn.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			  "# a comment line\n"
			  "broken line without colons\n"
			  "app:x:1000:1000:app:/home/app:/bin/sh\n"
			  "web:x:33:33::/var/www:/bin/false\n"
			  "neg:x:-1:5:::/bin/sh\n");
	put("etc/group", "root:x:0:\nstaff:x:50:app,web\nwww:x:33:\nvideo:x:44:app\n");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

struct who {
	uid_t uid;
	gid_t gid;
	gid_t groups[8];
	int ngroups;
	char home[64];
	struct cabin_err e;
};

static int look(const char *user, struct who *w)
{
	memset(w, 0, sizeof(*w));
	return spawn_lookup_user_ex(rootfd, user, &w->uid, &w->gid, w->groups, &w->ngroups, 8,
				    w->home, sizeof(w->home), &w->e);
}

static void test_user_by_name(void **state)
{
	struct who w;

	assert_int_equal(look("app", &w), 0);
	assert_int_equal(w.uid, 1000);
	assert_int_equal(w.gid, 1000);
	assert_string_equal(w.home, "/home/app");
	/* supplementary groups from the member lists */
	assert_int_equal(w.ngroups, 2);
	assert_int_equal(w.groups[0], 50);
	assert_int_equal(w.groups[1], 44);
}

static void test_user_numeric(void **state)
{
	struct who w;

	/* a known uid takes its passwd gid */
	assert_int_equal(look("33", &w), 0);
	assert_int_equal(w.uid, 33);
	assert_int_equal(w.gid, 33);
	/* an unknown uid runs with gid 0 and no groups */
	assert_int_equal(look("4242", &w), 0);
	assert_int_equal(w.uid, 4242);
	assert_int_equal(w.gid, 0);
	assert_int_equal(w.ngroups, 0);
	/* uid:gid, both numeric, no lookup needed */
	assert_int_equal(look("4242:77", &w), 0);
	assert_int_equal(w.uid, 4242);
	assert_int_equal(w.gid, 77);
}

static void test_user_group_names(void **state)
{
	struct who w;

	assert_int_equal(look("app:staff", &w), 0);
	assert_int_equal(w.uid, 1000);
	assert_int_equal(w.gid, 50);
	assert_int_equal(look("1000:www", &w), 0);
	assert_int_equal(w.gid, 33);
}

static void test_user_missing(void **state)
{
	struct who w;

	assert_int_equal(look("nobody-here", &w), -ENOENT);
	assert_non_null(strstr(w.e.msg, "not found"));
	assert_int_equal(look("app:nogroup", &w), -ENOENT);
	assert_non_null(strstr(w.e.msg, "group"));
	/* a malformed entry never matches: "neg" has uid -1 */
	assert_int_equal(look("neg", &w), -ENOENT);
	assert_int_equal(look("", &w), -EINVAL);
	assert_int_equal(look(":5", &w), -EINVAL);
}

static void test_user_long_lines(void **state)
{
	/* a line longer than the reader's buffer is skipped whole: its tail must not be
	 * read as a line of its own that matches */
	static char big[20000];
	struct who w;

	memset(big, 'A', sizeof(big));
	strcpy(big + sizeof(big) - 40, "\nevil:x:0:0::/:/bin/sh\n");
	memcpy(big + 10000, "\0", 1);	/* a NUL inside the junk */
	big[sizeof(big) - 1] = 0;
	{
		char p[256];
		int fd;

		snprintf(p, sizeof(p), "%s/etc/passwd", root);
		fd = open(p, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		/* "longuser" + 16000 bytes of junk on one line, then a real entry */
		assert_true(write(fd, "longuser:x:7:7::/:/bin/sh", 25) == 25);
		assert_true(write(fd, big, 16000) == 16000);
		assert_true(write(fd, "\nreal:x:8:8::/:/bin/sh\n", 23) == 23);
		close(fd);
	}
	assert_int_equal(look("longuser", &w), -ENOENT);
	assert_int_equal(look("real", &w), 0);
	assert_int_equal(w.uid, 8);
	/* restore */
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
}

static void test_user_hostile_files(void **state)
{
	char p[256];
	struct who w;

	/* /etc/passwd as a FIFO with no writer: must not hang (O_NONBLOCK), and is refused
	 * as not a regular file */
	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	unlink(p);
	assert_int_equal(mkfifo(p, 0644), 0);
	alarm(5);
	assert_int_equal(look("app", &w), -EINVAL);
	/* numeric still works without any usable passwd */
	assert_int_equal(look("1000:1000", &w), 0);
	alarm(0);
	/* a directory */
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(look("app", &w), -EINVAL);
	rmdir(p);
	/* a link to /dev/zero (would spin for ever in the line reader) */
	assert_int_equal(symlink("/dev/zero", p), 0);
	alarm(5);
	assert_int_equal(look("app", &w), -EINVAL);
	alarm(0);
	unlink(p);
	/* 2 GB (sparse): refused by its size before a byte is read */
	{
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, 2LL << 30), 0);
		close(fd);
	}
	assert_int_equal(look("app", &w), -EFBIG);
	unlink(p);
	/* missing */
	assert_int_equal(look("app", &w), -ENOENT);
	put("etc/passwd", "app:x:1000:1000:app:/home/app:/bin/sh\n");
}

/* --- in-root resolution --------------------------------------------------------------- */

static void real_of(int fd, char *out, size_t n)
{
	char lp[64];
	ssize_t r;

	snprintf(lp, sizeof(lp), "/proc/self/fd/%d", fd);
	r = readlink(lp, out, n - 1);
	assert_true(r > 0);
	out[r] = 0;
}

static bool inside(int fd)
{
	char path[512];

	real_of(fd, path, sizeof(path));
	return !strncmp(path, root, strlen(root));
}

static void test_resolve_symlinks_stay_inside(void **state)
{
	char p[256], q[512];
	int fd;

	/* absolute link to /etc: resolves to ROOT/etc, never the host's /etc */
	snprintf(p, sizeof(p), "%s/abs", root);
	assert_int_equal(symlink("/etc", p), 0);
	fd = mount_open_in_root(rootfd, "/abs/passwd", false, false);
	assert_true(fd >= 0);
	assert_true(inside(fd));
	real_of(fd, q, sizeof(q));
	assert_non_null(strstr(q, "/etc/passwd"));
	close(fd);

	/* relative link climbing out: clamped at the root */
	snprintf(p, sizeof(p), "%s/up", root);
	assert_int_equal(symlink("../../../../../../etc", p), 0);
	fd = mount_open_in_root(rootfd, "up/passwd", false, false);
	assert_true(fd >= 0);
	assert_true(inside(fd));
	close(fd);

	/* ".." in the path itself is clamped too */
	fd = mount_open_in_root(rootfd, "/../../etc", false, false);
	assert_true(fd >= 0);
	assert_true(inside(fd));
	close(fd);

	/* magic links are refused */
	snprintf(p, sizeof(p), "%s/magic", root);
	assert_int_equal(symlink("/proc/self/root", p), 0);
	fd = mount_open_in_root(rootfd, "/magic/etc", false, false);
	if (fd >= 0) {
		/* resolved as a plain path inside the root: ROOT/proc/self/root does not exist */
		assert_true(inside(fd));
		close(fd);
	}
}

static void test_resolve_create(void **state)
{
	char p[256];
	struct stat st;
	int fd;

	/* missing directories are created inside, through an absolute symlink (a dangling
	 * one is refused: see below) */
	snprintf(p, sizeof(p), "%s/srv", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/data", root);
	assert_int_equal(symlink("/srv", p), 0);
	fd = mount_open_in_root(rootfd, "/data/a/b", true, true);
	assert_true(fd >= 0);
	assert_true(inside(fd));
	close(fd);
	snprintf(p, sizeof(p), "%s/srv/a/b", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_not_equal(stat("/srv/a/b", &st), 0);

	/* a missing last component as a file */
	fd = mount_open_in_root(rootfd, "/srv/file", true, false);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/srv/file", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* a dangling symlink is refused, never created through */
	snprintf(p, sizeof(p), "%s/dangle", root);
	assert_int_equal(symlink("/nonexistent/x", p), 0);
	fd = mount_open_in_root(rootfd, "/dangle", true, true);
	assert_true(fd < 0);
	snprintf(p, sizeof(p), "%s/nonexistent", root);
	assert_int_not_equal(stat(p, &st), 0);

	/* ".." as a component while creating */
	assert_true(mount_open_in_root(rootfd, "/new/../x", true, true) < 0 ||
		    stat("/x", &st) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_by_name),
		cmocka_unit_test(test_user_numeric),
		cmocka_unit_test(test_user_group_names),
		cmocka_unit_test(test_user_missing),
		cmocka_unit_test(test_user_long_lines),
		cmocka_unit_test(test_user_hostile_files),
		cmocka_unit_test(test_resolve_symlinks_stay_inside),
		cmocka_unit_test(test_resolve_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
