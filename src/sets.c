// SPDX-License-Identifier: MIT
/* Config sets: the trial state machine in the loop, the files by a child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cabin/bootloop.h"
#include "cabin/loop.h"
#include "cabin/persist.h"
#include "cabin/sets.h"
#include "cabin/util.h"
#include "daemon_int.h"

#define MAXFILES CONFIG_CONF_MAX_FILES

enum st { S_IDLE, S_COPY, S_TRYING, S_PASSED, S_FAILING, S_COMMIT, S_SWAP };
static const char *const st_names[] = { "none",	   "copying",	 "trying",  "passed",
					"failing", "committing", "swapping" };

static struct {
	char dir[256]; /* sets_dir; "" = off */
	enum st st;
	pid_t writer;  /* the child doing the files */
	char id[17];   /* the set on trial */
	char src[256]; /* where it was deployed from (read only) */
	char now[300]; /* the set loaded now: dir/ID or dir/current */
	char why[160]; /* why the last trial failed */
	uint64_t start, ok_since;
	uint32_t settle, timeout;
	char changed[CONFIG_MAX_CONTAINERS][CONF_INST_MAX + 1];
	int nchanged, restarts0[CONFIG_MAX_CONTAINERS];
} t;

static char names[MAXFILES][256];
static int nnames;

static bool exists(const char *name)
{
	char p[300];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", t.dir, name);
	return lstat(p, &st) == 0;
}

/* the set a link points to ("" when none) */
static void target(const char *link, char *out, size_t n)
{
	char p[300];
	ssize_t r;

	snprintf(p, sizeof(p), "%s/%s", t.dir, link);
	r = readlink(p, out, n - 1);
	out[r > 0 ? r : 0] = 0;
}

/* ---- the child's work ---------------------------------------------------------------- */

static void collect(int dfd, const char *name, unsigned char type, void *ctx)
{
	size_t l = strlen(name);

	if (name[0] == '.' || l < 6 || l > 255 || strcmp(name + l - 5, ".conf") ||
	    nnames >= MAXFILES)
		return;
	memcpy(names[nnames++], name, l + 1);
}

/* DIR's *.conf in name order into names[] */
static int list_confs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	nnames = 0;
	if (fd < 0)
		return -errno;
	util_each_entry(fd, collect, NULL);
	close(fd);
	for (int i = 1; i < nnames; i++) /* insertion sort, byte-wise */
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char tmp[256];

			memcpy(tmp, names[j], sizeof(tmp));
			memcpy(names[j], names[j - 1], sizeof(tmp));
			memcpy(names[j - 1], tmp, sizeof(tmp));
		}
	return nnames;
}

/* LINK -> DEST (a set id, or "" to remove it), by rename: atomic */
static int relink(const char *link, const char *dest)
{
	char tmp[300], p[300];

	snprintf(p, sizeof(p), "%s/%s", t.dir, link);
	if (!*dest)
		return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", t.dir, link);
	unlink(tmp);
	if (symlink(dest, tmp) < 0 || rename(tmp, p) < 0)
		return -errno;
	return 0;
}

static int do_copy(void)
{
	char tmp[300], fin[300], from[600], to[600], man[4096];
	size_t ml = 0;

	snprintf(fin, sizeof(fin), "%s/%s", t.dir, t.id);
	if (access(fin, F_OK) != 0) {
		snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", t.dir, t.id);
		persist_rm_tree(tmp);
		if (mkdir(tmp, 0700) < 0 || list_confs(t.src) < 0)
			return -errno;
		for (int i = 0; i < nnames; i++) {
			const char *one[1] = { from };

			snprintf(from, sizeof(from), "%s/%s", t.src, names[i]);
			snprintf(to, sizeof(to), "%s/%s", tmp, names[i]);
			if (persist_copy(from, to) < 0)
				return -EIO;
			ml += (size_t)snprintf(man + ml, sizeof(man) - ml, "%016llx %s\n",
					       (unsigned long long)persist_hash(one, 1), names[i]);
			if (ml >= sizeof(man))
				return -E2BIG;
		}
		if (persist_write(tmp, "MANIFEST", man, ml) < 0 || rename(tmp, fin) < 0)
			return -errno;
	}
	return relink("try", t.id);
}

static int do_fail(void)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/%s", t.dir, t.id);
	persist_write(p, "FAILED", t.why, strlen(t.why));
	return relink("try", "");
}

static int do_commit(void)
{
	char was[64];

	target("current", was, sizeof(was));
	if (*was && strcmp(was, t.id) && relink("previous", was) < 0)
		return -errno;
	if (relink("current", t.id) < 0)
		return -errno;
	return relink("try", "");
}

static int do_swap(void)
{
	char a[64], b[64];

	target("current", a, sizeof(a));
	target("previous", b, sizeof(b));
	if (!*b)
		return 0;
	if (relink("current", b) < 0 || relink("previous", a) < 0)
		return -errno;
	return 0;
}

/* one child for the files; the loop goes on */
static int spawn_writer(enum st st, int (*work)(void))
{
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r = work();
		int dfd = open(t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		_exit(r < 0 ? 1 : 0);
	}
	t.writer = pid;
	t.st = st;
	return 0;
}

/* ---- the loop's side ----------------------------------------------------------------- */

const char *sets_dir_now(void)
{
	if (!t.dir[0])
		return NULL;
	if (t.st == S_TRYING || t.st == S_PASSED || t.st == S_COMMIT)
		snprintf(t.now, sizeof(t.now), "%s/%s", t.dir, t.id);
	else if (exists("current"))
		snprintf(t.now, sizeof(t.now), "%s/current", t.dir);
	else
		return NULL;
	return t.now;
}

const char *sets_start(const struct conf *c, const char *state_dir)
{
	char tr[64];

	if (c->sets_dir)
		snprintf(t.dir, sizeof(t.dir), "%s", c->sets_dir);
	else if (state_dir)
		snprintf(t.dir, sizeof(t.dir), "%s/sets", state_dir);
	if (!t.dir[0] || (mkdir(t.dir, 0700) < 0 && errno != EEXIST)) {
		t.dir[0] = 0;
		return NULL;
	}
	t.settle = c->try_settle_ms;
	t.timeout = c->try_timeout_ms;
	/* a reboot during a trial: the trial failed, current boots (before the loop: the
	 * write may block here) */
	target("try", tr, sizeof(tr));
	if (*tr) {
		snprintf(t.id, sizeof(t.id), "%.16s", tr);
		snprintf(t.why, sizeof(t.why), "a reboot during its trial");
		do_fail();
		daemon_log("cabin: config set %s: %s; marked failed, booting current", t.id, t.why);
	}
	return sets_dir_now();
}

static void fail(const char *fmt, const char *name)
{
	snprintf(t.why, sizeof(t.why), fmt, name);
	daemon_log("cabin: config set %s FAILED: %s; rolling back", t.id, t.why);
	t.st = S_FAILING; /* sets_dir_now() is current again */
	verbs_reload_set(NULL, NULL);
	if (spawn_writer(S_FAILING, do_fail) < 0)
		t.st = S_IDLE;
}

int sets_try(const char *dir, char *msg, size_t n)
{
	char p[300];
	const char *files[MAXFILES];

	if (!t.dir[0])
		return snprintf(msg, n, "no sets_dir"), -ENOTDIR;
	if (t.st != S_IDLE)
		return snprintf(msg, n, "a trial is on (%s): commit or roll it back first",
				st_names[t.st]),
		       -EBUSY;
	if (list_confs(dir) <= 0)
		return snprintf(msg, n, "%s: no *.conf", dir), -ENOENT;
	for (int i = 0; i < nnames; i++) {
		static char paths[MAXFILES][512];

		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, names[i]);
		files[i] = paths[i];
	}
	snprintf(t.id, sizeof(t.id), "%016llx", (unsigned long long)persist_hash(files, nnames));
	snprintf(p, sizeof(p), "%s/FAILED", t.id);
	if (exists(p))
		return snprintf(msg, n, "set %s failed before; not tried again", t.id), -EPERM;
	snprintf(t.src, sizeof(t.src), "%s", dir);
	if (spawn_writer(S_COPY, do_copy) < 0)
		return snprintf(msg, n, "cannot start the writer: %s", strerror(errno)), -errno;
	snprintf(msg, n, "set %s: trial starting", t.id);
	return 0;
}

/* id: the set meant ("" any): an OTA agent repeats its states after a power loss, so a
 * commit of what is current already, or a rollback of a trial that already failed,
 * is success and changes nothing */
int sets_commit(const char *id, char *msg, size_t n)
{
	char now[64];

	target("current", now, sizeof(now));
	if (*id && t.st != S_PASSED && t.st != S_TRYING && !strcmp(id, now))
		return snprintf(msg, n, "set %s is current already", id), 0;
	if (*id && (t.st == S_IDLE || strcmp(id, t.id)))
		return snprintf(msg, n, "set %s is not on trial", id), -ENOENT;
	if (t.st == S_IDLE || t.st == S_COMMIT)
		return snprintf(msg, n, "nothing to commit"), 0;
	if (t.st != S_PASSED)
		return snprintf(msg, n, "set %s is %s, not passed", t.id, st_names[t.st]), -EAGAIN;
	if (spawn_writer(S_COMMIT, do_commit) < 0)
		return snprintf(msg, n, "cannot start the writer"), -EIO;
	snprintf(msg, n, "set %s committed", t.id);
	return 0;
}

int sets_rollback(const char *id, char *msg, size_t n)
{
	char now[64], p[40];

	if ((t.st == S_TRYING || t.st == S_PASSED) && (!*id || !strcmp(id, t.id))) {
		fail("%s", "rolled back on request");
		return snprintf(msg, n, "set %s rolled back", t.id), 0;
	}
	if (t.st != S_IDLE)
		return snprintf(msg, n, "busy (%s)", st_names[t.st]), -EAGAIN;
	target("current", now, sizeof(now));
	snprintf(p, sizeof(p), "%.16s/FAILED", id);
	if (*id && strcmp(id, now)) /* not current: already failed or never here */
		return snprintf(msg, n, "set %s is not current%s", id,
				exists(p) ? " (its trial failed)" : ""),
		       0;
	if (!exists("previous"))
		return snprintf(msg, n, "nothing to roll back to"), 0;
	if (spawn_writer(S_SWAP, do_swap) < 0)
		return snprintf(msg, n, "cannot start the writer"), -EIO;
	snprintf(msg, n, "rolling back to the previous set");
	return 0;
}

bool sets_reaped(pid_t pid, int st)
{
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;

	if (!pid || pid != t.writer)
		return false;
	t.writer = 0;
	switch (t.st) {
	case S_COPY:
		if (!ok) {
			daemon_log("cabin: config set %s: could not be stored in %s", t.id, t.dir);
			t.st = S_IDLE;
			break;
		}
		t.st = S_TRYING;
		t.start = loop_now_ms();
		t.ok_since = 0;
		t.why[0] = 0;
		if (verbs_reload_set(t.changed, &t.nchanged) < 0) {
			fail("%s", "its files do not load");
			break;
		}
		for (int i = 0; i < t.nchanged; i++) {
			struct svc *s = svc_find(t.changed[i]);

			t.restarts0[i] = s ? s->restarts : 0;
		}
		daemon_log("cabin: config set %s on trial: %d container%s changed", t.id,
			   t.nchanged, t.nchanged == 1 ? "" : "s");
		break;
	case S_COMMIT:
		daemon_log("cabin: config set %s committed", t.id);
		t.st = S_IDLE;
		bootloop_config_changed(cur); /* the known-good copy follows, once good */
		break;
	case S_SWAP:
		t.st = S_IDLE;
		verbs_reload_set(NULL, NULL);
		daemon_log("cabin: rolled back to the previous config set");
		break;
	default:
		t.st = S_IDLE;
		break;
	}
	return true;
}

void sets_tick(uint64_t now)
{
	bool all = true;

	if (t.st != S_TRYING && t.st != S_PASSED)
		return;
	for (int i = 0; i < t.nchanged; i++) {
		struct svc *s = svc_find(t.changed[i]);

		if (!s || !s->c) {
			all = false;
			continue;
		}
		if (s->state == SVC_FAILED || s->state == SVC_BACKOFF ||
		    s->restarts > t.restarts0[i] || s->health == SVC_HEALTH_UNHEALTHY) {
			fail("%s did not run healthy", s->name);
			return;
		}
		if (s->state != SVC_RUNNING ||
		    (s->c->health != CONF_HEALTH_NONE && s->health != SVC_HEALTH_HEALTHY))
			all = false;
	}
	if (t.st == S_PASSED)
		return;
	if (!all) {
		t.ok_since = 0;
		if (now - t.start >= t.timeout)
			fail("%s", "not healthy within try_timeout");
		return;
	}
	if (!t.ok_since)
		t.ok_since = now;
	if (now - t.ok_since >= t.settle) {
		t.st = S_PASSED;
		daemon_log("cabin: config set %s passed its trial; waiting for commit", t.id);
	}
}

uint64_t sets_next_deadline(void)
{
	if (t.st != S_TRYING)
		return 0;
	return t.ok_since ? t.ok_since + t.settle : t.start + t.timeout;
}

static void one(int dfd, const char *name, unsigned char type, void *ctx)
{
	struct ctl_reply *rp = ctx;
	char now[64], prev[64], tr[64], p[300], why[160] = "";
	const char *state = "stored";
	int fd;
	ssize_t r;

	if (type != 4 /* DT_DIR */ || name[0] == '.' || strlen(name) != 16)
		return;
	target("current", now, sizeof(now));
	target("previous", prev, sizeof(prev));
	target("try", tr, sizeof(tr));
	snprintf(p, sizeof(p), "%s/%s/FAILED", t.dir, name);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		r = read(fd, why, sizeof(why) - 1);
		why[r > 0 ? r : 0] = 0;
		close(fd);
		state = "failed";
	}
	if (!strcmp(name, tr))
		state = t.st == S_PASSED ? "passed" : "trying";
	else if (!strcmp(name, now))
		state = "current";
	else if (!strcmp(name, prev))
		state = "previous";
	ctl_reply_kv(rp, "set", "%s", name);
	ctl_reply_kv(rp, "state", "%s", state);
	if (why[0])
		ctl_reply_kv(rp, "reason", "%s", why);
	ctl_reply_kv_end(rp);
}

void sets_list(struct ctl_reply *rp)
{
	int fd = t.dir[0] ? open(t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		util_each_entry(fd, one, rp);
		close(fd);
	}
}

void sets_status_kv(struct ctl_reply *rp)
{
	ctl_reply_kv(rp, "trial", "%s", st_names[t.st]);
	if (t.st != S_IDLE || t.why[0])
		ctl_reply_kv(rp, "trial_set", "%s", t.id);
	if (t.why[0])
		ctl_reply_kv(rp, "trial_failed", "%s", t.why);
}
