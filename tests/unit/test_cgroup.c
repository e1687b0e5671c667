// SPDX-License-Identifier: MIT
/* cgroup.c against fake trees (plain files standing in for cgroupfs, with a tiny fake
 * kernel in the hooks: control files on mkdir, the no-internal-process rule on
 * subtree_control, process moves) for pure v2, pure v1 and hybrid layouts; plus, as
 * root, the real thing: v1 here, and v2's kill/freeze/clone3 on the unified mount. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cabin/cgroup.h"

static char tmp[256];
static char home[512];	/* fake: the cgroup.procs file our pid is in */

/* ---- file helpers ---------------------------------------------------------------- */

static void mkf(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void mkfv(const char *content, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void mkfv(const char *content, const char *f, ...)
{
	char p[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, sizeof(p), f, ap);
	va_end(ap);
	mkf(p, content);
}

static const char *rd(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *rd(const char *f, ...)
{
	static char buf[4096];
	char p[1024];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, f);
	vsnprintf(p, sizeof(p), f, ap);
	va_end(ap);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "<missing>";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static void mkdirs(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *f, ...)
{
	char p[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, sizeof(p), f, ap);
	va_end(ap);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static bool isdir(const char *f, ...) __attribute__((format(printf, 1, 2)));
static bool isdir(const char *f, ...)
{
	char p[1024];
	struct stat st;
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, sizeof(p), f, ap);
	va_end(ap);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- the fake kernel ------------------------------------------------------------- */

static const char *const v2files[][2] = {
	{ "cgroup.procs", "" },		{ "cgroup.events", "populated 0\nfrozen 0\n" },
	{ "cgroup.freeze", "0" },	{ "cgroup.kill", "" },
	{ "cgroup.controllers", "" },	{ "cgroup.subtree_control", "" },
	{ "memory.max", "max" },	{ "memory.high", "max" },
	{ "memory.swap.max", "max" },	{ "memory.oom.group", "0" },
	{ "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n" },
	{ "memory.current", "0" },	{ "cpu.max", "max 100000" },
	{ "cpu.weight", "100" },	{ "cpu.stat", "usage_usec 0\n" },
	{ "pids.max", "max" },		{ "pids.current", "0" },
	{ "io.weight", "default 100" }, { "io.stat", "" },
};

static const char *const v1files[][3] = {
	{ "memory", "memory.limit_in_bytes", "9223372036854771712" },
	{ "memory", "memory.memsw.limit_in_bytes", "9223372036854771712" },
	{ "memory", "memory.soft_limit_in_bytes", "9223372036854771712" },
	{ "memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n" },
	{ "memory", "memory.usage_in_bytes", "0" },
	{ "cpu", "cpu.cfs_period_us", "100000" },
	{ "cpu", "cpu.cfs_quota_us", "-1" },
	{ "cpu", "cpu.shares", "1024" },
	{ "cpuacct", "cpuacct.usage", "0" },
	{ "pids", "pids.max", "max" },
	{ "pids", "pids.current", "0" },
	{ "blkio", "blkio.weight", "500" },
	{ "blkio", "blkio.throttle.io_service_bytes", "Total 0\n" },
	{ "freezer", "freezer.state", "THAWED" },
	{ "devices", "devices.allow", "" },
	{ "devices", "devices.deny", "" },
};

static bool fake_v2(const char *dir)
{
	return strstr(dir + strlen(tmp), "/v2") == dir + strlen(tmp) || strstr(dir, "/unified");
}

static void on_mkdir(const char *dir)
{
	char hier[256];
	const char *p;
	size_t n;

	if (strncmp(dir, tmp, strlen(tmp)))
		return;
	if (fake_v2(dir)) {
		char avail[512];

		/* a child may use what its parent enabled in subtree_control */
		snprintf(avail, sizeof(avail), "%s", rd("%.*s/cgroup.subtree_control",
						      (int)(strrchr(dir, '/') - dir), dir));
		for (size_t i = 0; i < sizeof(v2files) / sizeof(v2files[0]); i++)
			mkfv(v2files[i][1], "%s/%s", dir, v2files[i][0]);
		if (strcmp(avail, "<missing>"))
			mkfv(avail, "%s/cgroup.controllers", dir);
		return;
	}
	/* <tmp>/<layout>/<hierarchy>/... */
	p = strchr(dir + strlen(tmp) + 1, '/');
	assert_non_null(p);
	n = strcspn(p + 1, "/");
	snprintf(hier, sizeof(hier), "%.*s", (int)n, p + 1);
	mkfv("", "%s/cgroup.procs", dir);
	mkfv("", "%s/tasks", dir);
	for (size_t i = 0; i < sizeof(v1files) / sizeof(v1files[0]); i++) {
		char h[256];

		snprintf(h, sizeof(h), "%s", hier);
		for (char *t = strtok(h, ","); t; t = strtok(NULL, ","))
			if (!strcmp(t, v1files[i][0]))
				mkfv(v1files[i][2], "%s/%s", dir, v1files[i][1]);
	}
}

static void on_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_REG) {
			char p[1024];

			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
}

static int on_write(const char *path, const char *val)
{
	const char *base = strrchr(path, '/') + 1;
	char dir[512], p[600];

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - path), path);
	if (!strcmp(base, "cgroup.subtree_control")) {
		char cur[512];

		/* no internal processes: a group with members cannot enable controllers */
		if (rd("%s/cgroup.procs", dir)[0])
			return -EBUSY;
		if (!strstr(rd("%s/cgroup.controllers", dir), val + 1))
			return -ENOENT;
		snprintf(cur, sizeof(cur), "%s", rd("%s", path));
		if (!strstr(cur, val + 1)) {
			snprintf(p, sizeof(p), "%s%s%s", cur, cur[0] ? " " : "", val + 1);
			mkf(path, p);
		}
		return 1;
	}
	if (!strcmp(base, "cgroup.procs") && atoi(val) == getpid()) {
		if (home[0])
			mkf(home, "");
		snprintf(p, sizeof(p), "%s\n", val);
		mkf(path, p);
		snprintf(home, sizeof(home), "%s", path);
		return 1;
	}
	if (!strcmp(base, "devices.allow")) {
		snprintf(p, sizeof(p), "%s%s\n", rd("%s", path), val);
		mkf(path, p);
		return 1;
	}
	if (!strcmp(base, "cgroup.freeze")) {
		snprintf(p, sizeof(p), "populated 0\nfrozen %s\n", val);
		mkfv(p, "%s/cgroup.events", dir);
	}
	return 0;
}

static int fake_setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "/tmp/cabin-unit-cg.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	home[0] = 0;
	cgroup_test_mkdir = on_mkdir;
	cgroup_test_rmdir = on_rmdir;
	cgroup_test_write = on_write;
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[300];

	cgroup_test_mkdir = NULL;
	cgroup_test_rmdir = NULL;
	cgroup_test_write = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* a group directory as the kernel would show it */
static void fake_group(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void fake_group(const char *f, ...)
{
	char p[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(p, sizeof(p), f, ap);
	va_end(ap);
	mkdirs("%s", p);
	on_mkdir(p);
}

static const char *const v1hier[] = { "memory", "cpu,cpuacct", "pids", "blkio", "freezer",
				      "devices" };

/* v1 hierarchies under <tmp>/<lay>; our group /svc everywhere, memory /svc/mem */
static void build_v1(const char *lay, bool with_unified)
{
	char mi[4096] = "", sc[1024] = "";
	size_t n = 0;
	int id = 30;

	mkdirs("%s/%s", tmp, lay);
	for (size_t i = 0; i < sizeof(v1hier) / sizeof(v1hier[0]); i++) {
		const char *grp = strcmp(v1hier[i], "memory") ? "svc" : "svc/mem";

		fake_group("%s/%s/%s", tmp, lay, v1hier[i]);
		fake_group("%s/%s/%s/%s", tmp, lay, v1hier[i], grp);
		n += snprintf(mi + n, sizeof(mi) - n,
			      "%d 23 0:%d / %s/%s/%s rw,nosuid,nodev shared:%d - cgroup cgroup rw,%s\n",
			      id, id, tmp, lay, v1hier[i], id, v1hier[i]);
		id++;
		snprintf(sc + strlen(sc), sizeof(sc) - strlen(sc), "%zu:%s:/%s\n", 12 - i,
			 v1hier[i], grp);
	}
	n += snprintf(mi + n, sizeof(mi) - n,
		      "99 23 0:99 / %s/%s/systemd rw - cgroup cgroup rw,xattr,name=systemd\n", tmp,
		      lay);
	strcat(sc, "1:name=systemd:/svc\n");
	if (with_unified) {
		/* hybrid: a cgroup2 mount carrying only hugetlb */
		fake_group("%s/%s/unified", tmp, lay);
		mkfv("hugetlb", "%s/%s/unified/cgroup.controllers", tmp, lay);
		fake_group("%s/%s/unified/svc", tmp, lay);
		n += snprintf(mi + n, sizeof(mi) - n,
			      "98 23 0:98 / %s/%s/unified rw - cgroup2 cgroup2 rw,nsdelegate\n", tmp,
			      lay);
		strcat(sc, "0::/svc\n");
	}
	mkfv(mi, "%s/%s.mountinfo", tmp, lay);
	mkfv(sc, "%s/%s.cgroup", tmp, lay);
}

/* pure v2 at <tmp>/v2; our group /user/cabin holds our pid (so the leaf move is needed) */
static void build_v2(const char *ctls, bool occupied)
{
	char mi[1024], sc[64], pid[32];

	fake_group("%s/v2", tmp);
	mkfv("cpuset cpu io memory hugetlb pids rdma misc", "%s/v2/cgroup.controllers", tmp);
	fake_group("%s/v2/user", tmp);
	mkfv(ctls, "%s/v2/user/cgroup.controllers", tmp);
	fake_group("%s/v2/user/cabin", tmp);
	mkfv(ctls, "%s/v2/user/cabin/cgroup.controllers", tmp);
	if (occupied) {
		snprintf(pid, sizeof(pid), "%d\n", getpid());
		mkfv(pid, "%s/v2/user/cabin/cgroup.procs", tmp);
		snprintf(home, sizeof(home), "%s/v2/user/cabin/cgroup.procs", tmp);
	}
	snprintf(mi, sizeof(mi),
		 "25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
		 "31 25 0:26 / %s/v2 rw,nosuid,nodev shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
		 "40 25 0:40 / %s/v2-old/systemd rw - cgroup cgroup rw,name=systemd\n",
		 tmp, tmp);
	mkfv(mi, "%s/v2.mountinfo", tmp);
	snprintf(sc, sizeof(sc), "0::/user/cabin\n");
	mkfv(sc, "%s/v2.cgroup", tmp);
}

static int init_lay(struct cgroup_sys *s, enum conf_cgroup mode, const char *parent,
		    const char *lay, struct cabin_err *e)
{
	char mnt[300], mi[300], sc[300];

	snprintf(mnt, sizeof(mnt), "%s/%s", tmp, lay);
	snprintf(mi, sizeof(mi), "%s/%s.mountinfo", tmp, lay);
	snprintf(sc, sizeof(sc), "%s/%s.cgroup", tmp, lay);
	return cgroup_init(s, mode, parent, mnt, sc, mi, e);
}

static void ctr_limits(struct conf_ctr *c)
{
	memset(c, 0, sizeof(*c));
	c->memory = 64 << 20;
	c->memory_high = 48 << 20;
	c->cpu_milli = 500;
	c->cpu_weight = 100;
	c->pids = 64;
	c->io_weight = 5000;
}

/* ---- pure v2 --------------------------------------------------------------------- */

static void test_v2_detect_leaf(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char pid[32];

	build_v2("cpu io memory pids", true);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	assert_int_equal(s.version, 2);
	{
		char want[300];

		snprintf(want, sizeof(want), "%s/v2/user/cabin", tmp);
		assert_string_equal(s.v2base, want);
		assert_string_equal(s.base[CG_MEMORY], want);
	}
	/* the no-internal-process rule made us move into the leaf, and only us */
	assert_true(s.moved);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	assert_string_equal(rd("%s/v2/user/cabin/" CGROUP_LEAF "/cgroup.procs", tmp), pid);
	assert_string_equal(rd("%s/v2/user/cabin/cgroup.procs", tmp), "");
	assert_string_equal(rd("%s/v2/user/cabin/cgroup.subtree_control", tmp),
			    "memory cpu pids io");
	assert_true(s.have[CG_MEMORY] && s.have[CG_CPU] && s.have[CG_PIDS] && s.have[CG_IO]);
	assert_true(s.have[CG_FREEZER]);
	assert_false(s.have[CG_DEVICES]);
}

static void test_v2_no_move_when_empty(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };

	build_v2("memory pids", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	assert_false(s.moved);
	assert_false(isdir("%s/v2/user/cabin/" CGROUP_LEAF, tmp));
	assert_true(s.have[CG_MEMORY] && s.have[CG_PIDS]);
	assert_false(s.have[CG_CPU] || s.have[CG_IO]);
}

static void test_v2_create_limits(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c;
	const char *g;
	char dir[400];
	int fd;

	build_v2("cpu io memory pids", true);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	ctr_limits(&c);
	assert_int_equal(cgroup_create(&s, "web-1", &c, &e), 0);
	snprintf(dir, sizeof(dir), "%s/v2/user/cabin/web-1", tmp);
	g = dir;
	assert_string_equal(rd("%s/memory.max", g), "67108864");
	assert_string_equal(rd("%s/memory.high", g), "50331648");
	assert_string_equal(rd("%s/memory.swap.max", g), "0");
	assert_string_equal(rd("%s/memory.oom.group", g), "1");
	assert_string_equal(rd("%s/cpu.max", g), "50000 100000");
	assert_string_equal(rd("%s/cpu.weight", g), "100");
	assert_string_equal(rd("%s/pids.max", g), "64");
	assert_string_equal(rd("%s/io.weight", g), "default 5000");

	/* clone3(CLONE_INTO_CGROUP) gets the group directory */
	fd = cgroup_dirfd(&s, "web-1");
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(cgroup_attach(&s, "web-1", 999999, &e), 0);
	assert_string_equal(rd("%s/cgroup.procs", g), "999999");
	mkfv("", "%s/cgroup.procs", g);

	/* cgroup.kill is used when present; populated 0 ends the wait */
	assert_int_equal(cgroup_kill(&s, "web-1", &e), 0);
	assert_string_equal(rd("%s/cgroup.kill", g), "1");
	assert_true(cgroup_is_empty(&s, "web-1"));
	mkfv("populated 1\nfrozen 0\n", "%s/cgroup.events", g);
	assert_false(cgroup_is_empty(&s, "web-1"));
	mkfv("populated 0\nfrozen 0\n", "%s/cgroup.events", g);

	assert_int_equal(cgroup_freeze(&s, "web-1", true, &e), 0);
	assert_string_equal(rd("%s/cgroup.freeze", g), "1");
	assert_int_equal(cgroup_freeze(&s, "web-1", false, &e), 0);
	assert_string_equal(rd("%s/cgroup.freeze", g), "0");

	assert_int_equal(cgroup_oom_kills(&s, "web-1"), 0);
	mkfv("low 0\nhigh 4\nmax 9\noom 3\noom_kill 3\noom_group_kill 1\n", "%s/memory.events", g);
	assert_int_equal(cgroup_oom_kills(&s, "web-1"), 3);

	assert_int_equal(cgroup_destroy(&s, "web-1", &e), 0);
	assert_false(isdir("%s", g));
	/* destroying what is gone is fine */
	assert_int_equal(cgroup_destroy(&s, "web-1", &e), 0);
}

static void test_v2_defaults_and_min_quota(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };

	build_v2("cpu io memory pids", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	c.cpu_milli = 5;	/* 0.005 cores: the kernel's minimum quota is 1 ms */
	assert_int_equal(cgroup_create(&s, "db", &c, &e), 0);
	assert_string_equal(rd("%s/v2/user/cabin/db/cpu.max", tmp), "1000 100000");
	/* pids.max is always set; unset limits keep the kernel's values */
	assert_string_equal(rd("%s/v2/user/cabin/db/pids.max", tmp), "256");
	assert_string_equal(rd("%s/v2/user/cabin/db/memory.max", tmp), "max");
	assert_string_equal(rd("%s/v2/user/cabin/db/memory.swap.max", tmp), "max");
	assert_string_equal(rd("%s/v2/user/cabin/db/cpu.weight", tmp), "100");
	assert_string_equal(rd("%s/v2/user/cabin/db/io.weight", tmp), "default 100");
	c.cpu_milli = 2500;
	assert_int_equal(cgroup_create(&s, "db2", &c, &e), 0);
	assert_string_equal(rd("%s/v2/user/cabin/db2/cpu.max", tmp), "250000 100000");
}

static void test_v2_stats(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };
	struct cgroup_stats st;

	build_v2("cpu io memory pids", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	assert_int_equal(cgroup_create(&s, "db", &c, &e), 0);
	mkfv("usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n", "%s/v2/user/cabin/db/cpu.stat",
	     tmp);
	mkfv("4096\n", "%s/v2/user/cabin/db/memory.current", tmp);
	mkfv("8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n"
	     "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n",
	     "%s/v2/user/cabin/db/io.stat", tmp);
	mkfv("3\n", "%s/v2/user/cabin/db/pids.current", tmp);
	assert_int_equal(cgroup_stats(&s, "db", &st, &e), 0);
	assert_int_equal(st.cpu_usec, 1234);
	assert_int_equal(st.mem_bytes, 4096);
	assert_int_equal(st.mem_limit, 0);	/* "max" */
	assert_int_equal(st.pids, 3);
	assert_int_equal(st.io_rbytes, 101);
	assert_int_equal(st.io_wbytes, 202);
	mkfv("1048576\n", "%s/v2/user/cabin/db/memory.max", tmp);
	assert_int_equal(cgroup_stats(&s, "db", &st, &e), 0);
	assert_int_equal(st.mem_limit, 1048576);
	assert_int_equal(cgroup_stats(&s, "nope", &st, &e), -ENOENT);
}

static void test_v2_missing_controller(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };

	build_v2("cpu pids", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	assert_false(s.have[CG_MEMORY]);
	c.memory = 1 << 20;
	assert_int_equal(cgroup_create(&s, "db", &c, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "memory"));
	assert_false(isdir("%s/v2/user/cabin/db", tmp));
	assert_int_equal(cgroup_oom_kills(&s, "db"), -EOPNOTSUPP);
}

static void test_v2_stale_group(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };

	build_v2("cpu io memory pids", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), 0);
	/* left over from a crash: limits of the old config and a sub-group */
	fake_group("%s/v2/user/cabin/db", tmp);
	fake_group("%s/v2/user/cabin/db/inner", tmp);
	mkfv("1", "%s/v2/user/cabin/db/memory.max", tmp);
	c.memory = 2 << 20;
	assert_int_equal(cgroup_create(&s, "db", &c, &e), 0);
	assert_string_equal(rd("%s/v2/user/cabin/db/cgroup.kill", tmp), "");	/* recreated */
	assert_string_equal(rd("%s/v2/user/cabin/db/memory.max", tmp), "2097152");
	assert_false(isdir("%s/v2/user/cabin/db/inner", tmp));
}

static void test_v2_busy_with_others(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };

	/* someone else lives in our group: we move, they do not, so enabling stays EBUSY */
	build_v2("cpu io memory pids", true);
	mkfv("1\n", "%s/v2/user/cabin/cgroup.procs", tmp);
	home[0] = 0;
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v2", &e), -EBUSY);
	assert_string_equal(rd("%s/v2/user/cabin/cgroup.procs", tmp), "1\n");
}

static void test_v2_parent(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char want[300];

	build_v2("cpu io memory pids", true);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, "/cabin.slice/ctrs", "v2", &e), 0);
	snprintf(want, sizeof(want), "%s/v2/cabin.slice/ctrs", tmp);
	assert_string_equal(s.v2base, want);
	assert_true(isdir("%s", want));
	/* controllers enabled on the way down; nobody moved */
	assert_non_null(strstr(rd("%s/v2/cgroup.subtree_control", tmp), "memory"));
	assert_non_null(strstr(rd("%s/v2/cabin.slice/cgroup.subtree_control", tmp), "pids"));
	assert_non_null(strstr(rd("%s/cgroup.subtree_control", want), "cpu"));
	assert_false(s.moved);
	assert_true(s.have[CG_MEMORY]);
	assert_int_equal(atoi(rd("%s/v2/user/cabin/cgroup.procs", tmp)), getpid());
}

/* ---- pure v1 --------------------------------------------------------------------- */

static void test_v1_detect(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char want[300];

	build_v1("v1", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	assert_int_equal(s.version, 1);
	snprintf(want, sizeof(want), "%s/v1/memory/svc/mem", tmp);
	assert_string_equal(s.base[CG_MEMORY], want);
	snprintf(want, sizeof(want), "%s/v1/cpu,cpuacct/svc", tmp);
	assert_string_equal(s.base[CG_CPU], want);
	assert_string_equal(s.base[CG_CPUACCT], want);	/* co-mounted: one directory */
	snprintf(want, sizeof(want), "%s/v1/blkio/svc", tmp);
	assert_string_equal(s.base[CG_IO], want);
	for (int i = 0; i < CG_NCTL; i++)
		assert_true(s.have[i]);
	/* forcing v2 where there is none fails */
	assert_int_equal(init_lay(&s, CONF_CGROUP_V2, NULL, "v1", &e), -ENOENT);
}

static void test_v1_create_limits(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c;
	char m[400], cpu[400], p[400];

	build_v1("v1", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	ctr_limits(&c);
	assert_int_equal(cgroup_create(&s, "web", &c, &e), 0);
	snprintf(m, sizeof(m), "%s/v1/memory/svc/mem/web", tmp);
	snprintf(cpu, sizeof(cpu), "%s/v1/cpu,cpuacct/svc/web", tmp);
	snprintf(p, sizeof(p), "%s/v1/pids/svc/web", tmp);
	assert_string_equal(rd("%s/memory.limit_in_bytes", m), "67108864");
	assert_string_equal(rd("%s/memory.memsw.limit_in_bytes", m), "67108864");
	assert_string_equal(rd("%s/memory.soft_limit_in_bytes", m), "50331648");
	assert_string_equal(rd("%s/cpu.cfs_period_us", cpu), "100000");
	assert_string_equal(rd("%s/cpu.cfs_quota_us", cpu), "50000");
	assert_string_equal(rd("%s/cpu.shares", cpu), "2597");	/* weight 100 */
	assert_string_equal(rd("%s/pids.max", p), "64");
	assert_string_equal(rd("%s/v1/blkio/svc/web/blkio.weight", tmp), "504");
	assert_true(isdir("%s/v1/freezer/svc/web", tmp));
	assert_string_equal(rd("%s/v1/devices/svc/web/devices.deny", tmp), "a");
	assert_string_equal(rd("%s/v1/devices/svc/web/devices.allow", tmp),
			    "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\n"
			    "c 5:0 rwm\nc 5:1 rwm\nc 5:2 rwm\nc 136:* rwm\n");

	assert_int_equal(cgroup_dirfd(&s, "web"), -1);

	/* attach writes the pid once per hierarchy directory (cpu,cpuacct once) */
	assert_int_equal(cgroup_attach(&s, "web", 999999, &e), 0);
	assert_string_equal(rd("%s/cgroup.procs", m), "999999");
	assert_string_equal(rd("%s/cgroup.procs", cpu), "999999");
	assert_string_equal(rd("%s/v1/freezer/svc/web/cgroup.procs", tmp), "999999");
	assert_false(cgroup_is_empty(&s, "web"));
	for (size_t i = 0; i < sizeof(v1hier) / sizeof(v1hier[0]); i++) {
		const char *g = strcmp(v1hier[i], "memory") ? "svc" : "svc/mem";

		mkfv("", "%s/v1/%s/%s/web/cgroup.procs", tmp, v1hier[i], g);
	}
	assert_true(cgroup_is_empty(&s, "web"));
	assert_int_equal(cgroup_kill(&s, "web", &e), 0);

	assert_int_equal(cgroup_freeze(&s, "web", true, &e), 0);
	assert_string_equal(rd("%s/v1/freezer/svc/web/freezer.state", tmp), "FROZEN");
	assert_int_equal(cgroup_freeze(&s, "web", false, &e), 0);
	assert_string_equal(rd("%s/v1/freezer/svc/web/freezer.state", tmp), "THAWED");

	mkfv("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "%s/memory.oom_control", m);
	assert_int_equal(cgroup_oom_kills(&s, "web"), 2);

	assert_int_equal(cgroup_destroy(&s, "web", &e), 0);
	assert_false(isdir("%s", m));
	assert_false(isdir("%s", cpu));
	assert_false(isdir("%s/v1/devices/svc/web", tmp));
}

static void test_v1_weights(void **state)
{
	static const struct { uint32_t w; const char *shares, *blkio; } t[] = {
		{ 1, "2", "10" }, { 10000, "262144", "1000" }, { 39, "998", "13" },
		{ 5000, "131059", "504" },
	};
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };

	build_v1("v1", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c.cpu_weight = t[i].w;
		c.io_weight = t[i].w;
		assert_int_equal(cgroup_create(&s, "w", &c, &e), 0);
		assert_string_equal(rd("%s/v1/cpu,cpuacct/svc/w/cpu.shares", tmp), t[i].shares);
		assert_string_equal(rd("%s/v1/blkio/svc/w/blkio.weight", tmp), t[i].blkio);
		/* unset: untouched, and pids.max defaults to 256 */
		assert_string_equal(rd("%s/v1/cpu,cpuacct/svc/w/cpu.cfs_quota_us", tmp), "-1");
		assert_string_equal(rd("%s/v1/memory/svc/mem/w/memory.limit_in_bytes", tmp),
				    "9223372036854771712");
		assert_string_equal(rd("%s/v1/pids/svc/w/pids.max", tmp), "256");
		assert_int_equal(cgroup_destroy(&s, "w", &e), 0);
	}
}

static void test_v1_stats(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };
	struct cgroup_stats st;

	build_v1("v1", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	assert_int_equal(cgroup_create(&s, "db", &c, &e), 0);
	mkfv("5000000\n", "%s/v1/cpu,cpuacct/svc/db/cpuacct.usage", tmp);
	mkfv("8192\n", "%s/v1/memory/svc/mem/db/memory.usage_in_bytes", tmp);
	mkfv("2\n", "%s/v1/pids/svc/db/pids.current", tmp);
	mkfv("8:0 Read 10\n8:0 Write 20\n8:0 Sync 5\n8:0 Async 25\n8:0 Total 30\n"
	     "8:16 Read 1\n8:16 Write 2\nTotal 33\n",
	     "%s/v1/blkio/svc/db/blkio.throttle.io_service_bytes", tmp);
	assert_int_equal(cgroup_stats(&s, "db", &st, &e), 0);
	assert_int_equal(st.cpu_usec, 5000);
	assert_int_equal(st.mem_bytes, 8192);
	assert_int_equal(st.mem_limit, 0);	/* v1 "unlimited" */
	assert_int_equal(st.pids, 2);
	assert_int_equal(st.io_rbytes, 11);
	assert_int_equal(st.io_wbytes, 22);
	mkfv("33554432\n", "%s/v1/memory/svc/mem/db/memory.limit_in_bytes", tmp);
	assert_int_equal(cgroup_stats(&s, "db", &st, &e), 0);
	assert_int_equal(st.mem_limit, 33554432);
}

static void test_v1_parent(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char want[300];

	build_v1("v1", false);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, "cabin/ctrs/", "v1", &e), 0);
	snprintf(want, sizeof(want), "%s/v1/memory/cabin/ctrs/", tmp);
	assert_string_equal(s.base[CG_MEMORY], want);
	assert_true(isdir("%s/v1/memory/cabin/ctrs", tmp));
	assert_true(isdir("%s/v1/cpu,cpuacct/cabin/ctrs", tmp));
	assert_true(isdir("%s/v1/devices/cabin/ctrs", tmp));
}

static void test_v1_mount_root(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char mi[1024], want[300];

	/* inside a container the memory mount shows its root as /svc */
	build_v1("v1", false);
	snprintf(mi, sizeof(mi),
		 "35 31 0:32 /svc %s/v1/memory rw - cgroup cgroup rw,memory\n"
		 "36 31 0:33 /svc %s/v1/pids rw - cgroup cgroup rw,pids\n",
		 tmp, tmp);
	mkfv(mi, "%s/v1.mountinfo", tmp);
	fake_group("%s/v1/memory/mem", tmp);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	snprintf(want, sizeof(want), "%s/v1/memory/mem", tmp);
	assert_string_equal(s.base[CG_MEMORY], want);
	snprintf(want, sizeof(want), "%s/v1/pids", tmp);
	assert_string_equal(s.base[CG_PIDS], want);
	assert_false(s.have[CG_CPU]);
	assert_false(s.have[CG_FREEZER]);
	/* cpu limits without a cpu hierarchy are refused, freezing says so */
	{
		struct conf_ctr c = { 0 };

		c.cpu_milli = 100;
		assert_int_equal(cgroup_create(&s, "x", &c, &e), -EOPNOTSUPP);
		c.cpu_milli = 0;
		assert_int_equal(cgroup_create(&s, "x", &c, &e), 0);
		assert_int_equal(cgroup_freeze(&s, "x", true, &e), -EOPNOTSUPP);
	}
}

/* ---- hybrid ---------------------------------------------------------------------- */

static void test_hybrid(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char want[300];

	build_v1("hy", true);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "hy", &e), 0);
	assert_int_equal(s.version, 1);
	snprintf(want, sizeof(want), "%s/hy/pids/svc", tmp);
	assert_string_equal(s.base[CG_PIDS], want);
	assert_int_equal(init_lay(&s, CONF_CGROUP_V1, NULL, "hy", &e), 0);
	assert_int_equal(s.version, 1);
	/* forced v2: the unified mount, no controllers, still a place for groups */
	assert_int_equal(init_lay(&s, CONF_CGROUP_V2, NULL, "hy", &e), 0);
	assert_int_equal(s.version, 2);
	snprintf(want, sizeof(want), "%s/hy/unified/svc", tmp);
	assert_string_equal(s.v2base, want);
	assert_false(s.have[CG_MEMORY] || s.have[CG_PIDS] || s.have[CG_CPU]);
}

/* ---- bad input ------------------------------------------------------------------- */

static void test_bad_parent_and_names(void **state)
{
	static const char *const parents[] = { "..", "/..", "a/../b", "a/..", "./a", "/" };
	static const char *const names[] = { "", ".", "..", "../x", "a/b", CGROUP_LEAF,
					     ".hidden", "-x", "a b",
					     "0123456789012345678901234567890123456789012345678901234567890123" };
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	struct conf_ctr c = { 0 };

	build_v1("v1", false);
	for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		e.msg[0] = 0;
		assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, parents[i], "v1", &e), -EINVAL);
		assert_non_null(strstr(e.msg, "cgroup_parent"));
	}
	assert_false(isdir("%s/v1/b", tmp));
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(cgroup_create(&s, names[i], &c, &e), -EINVAL);
		assert_int_equal(cgroup_attach(&s, names[i], 1, &e), -EINVAL);
		assert_int_equal(cgroup_destroy(&s, names[i], &e), -EINVAL);
		assert_int_equal(cgroup_kill(&s, names[i], &e), -EINVAL);
	}
	assert_false(isdir("%s/v1/memory/svc/x", tmp));
}

static void test_truncation(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char longp[400], sc[600];

	build_v1("v1", false);
	memset(longp, 'a', 250);
	longp[250] = 0;
	/* the base would not fit: refused, nothing created */
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, longp, "v1", &e), -ENAMETOOLONG);
	assert_false(isdir("%s/v1/memory/%.200s", tmp, longp));
	/* our own group path too long for the buffers */
	memset(longp, 'b', 300);
	longp[300] = 0;
	snprintf(sc, sizeof(sc), "4:memory:/%s\n", longp);
	mkfv(sc, "%s/v1.cgroup", tmp);
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, NULL, "v1", &e), -ENAMETOOLONG);
	/* a cgroup_parent that fits alone but not under the mount point */
	memset(longp, 'e', 255);
	longp[255] = 0;
	assert_int_equal(init_lay(&s, CONF_CGROUP_AUTO, longp, "v1", &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "too long"));
}

static void test_missing_files(void **state)
{
	struct cgroup_sys s;
	struct cabin_err e = { 0 };
	char p[300];

	assert_int_equal(cgroup_init(&s, CONF_CGROUP_AUTO, NULL, "/sys/fs/cgroup",
				     "/nonexistent/cgroup", "/proc/self/mountinfo", &e),
			 -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/cgroup"));
	snprintf(p, sizeof(p), "%s/none", tmp);
	assert_int_equal(cgroup_init(&s, CONF_CGROUP_AUTO, NULL, "/sys/fs/cgroup",
				     "/proc/self/cgroup", p, &e),
			 -ENOENT);
	/* no cgroup mounts at all */
	mkfv("25 30 0:22 / /sys rw - sysfs sysfs rw\n", "%s/empty.mountinfo", tmp);
	mkfv("0::/\n", "%s/empty.cgroup", tmp);
	assert_true(init_lay(&s, CONF_CGROUP_AUTO, NULL, "empty", &e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_detect_leaf, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_no_move_when_empty, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_defaults_and_min_quota, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_controller, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stale_group, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_busy_with_others, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_parent, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_detect, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_create_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_weights, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_parent, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_mount_root, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_hybrid, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_bad_parent_and_names, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_truncation, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
