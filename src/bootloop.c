// SPDX-License-Identifier: MIT
/* Boot-loop memory: a counter of boots that never became good, the hash of a config
 * found bad, and a saved copy of the last config that ran good. Start-up writes are
 * synchronous (nothing runs yet); later ones go to a child process (`writer`), never the
 * loop. */
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
#include <time.h>
#include <unistd.h>

#include "cabin/bootloop.h"
#include "cabin/persist.h"
#include "cabin/loop.h"
#include "cabin/util.h"
#include "daemon_int.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static struct {
	char dir[256];	     /* state_dir; "" = off */
	unsigned count;	     /* boots not yet good, this one included */
	uint64_t first_s;    /* wall time of the first of them */
	uint64_t bad;	     /* hash of a config found bad, 0 none */
	uint64_t hash, good; /* the running config's files; the saved copy's */
	uint32_t limit, window_ms, good_after_ms;
	bool fallback;	     /* running the known-good copy */
	bool tripped;	     /* the counter passed the limit this boot */
	bool saved;	     /* good reached for the running config */
	uint64_t good_since; /* monotonic ms, 0 = not good now */
	pid_t writer;	     /* the child writing, 0 none */
	const char *files[CONFIG_CONF_MAX_FILES];
	int nfiles;
	char warn[400];
} b;

static int save_boots(unsigned count, uint64_t first_s, uint64_t bad)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%u %llu %016llx\n", count,
			 (unsigned long long)first_s, (unsigned long long)bad);

	return persist_write(b.dir, "boots", line, (size_t)n);
}

/* the running config's files become good/: good.tmp filled, then swapped in */
static int save_good(void)
{
	char tmp[300], d[320], to[400], line[40];
	int r = 0, n;

	snprintf(tmp, sizeof(tmp), "%s/good.tmp", b.dir);
	persist_rm_tree(tmp);
	snprintf(d, sizeof(d), "%s/cabin.d", tmp);
	if (mkdir(tmp, 0700) < 0 || mkdir(d, 0700) < 0)
		return -errno;
	for (int i = 0; i < b.nfiles && r == 0; i++) {
		const char *base = strrchr(b.files[i], '/');

		base = base ? base + 1 : b.files[i];
		if (i == 0)
			snprintf(to, sizeof(to), "%s/cabin.conf", tmp);
		else
			snprintf(to, sizeof(to), "%s/%s", d, base);
		r = persist_copy(b.files[i], to);
	}
	n = snprintf(line, sizeof(line), "%016llx\n", (unsigned long long)b.hash);
	if (r == 0)
		r = persist_write(tmp, "hash", line, (size_t)n);
	if (r < 0)
		return r;
	snprintf(d, sizeof(d), "%s/good", b.dir);
	if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, d, RENAME_EXCHANGE) == 0)
		persist_rm_tree(tmp); /* the old copy, swapped out */
	else if (rename(tmp, d) < 0)
		return -errno;
	{
		int dfd = open(b.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

static uint64_t read_good_hash(void)
{
	char path[320], line[40];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/good/hash", b.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = 0;
	return util_strtoull(line, NULL, 16);
}

/* ---- start-up ------------------------------------------------------------------------ */

enum boot_action bootloop_start(const struct conf *c, bool ok, char *good_file, char *good_dir,
				size_t n)
{
	/* the keys of a config with errors still hold where their own lines were valid */
	const char *env = getenv("CABIN_STATE_DIR");
	const char *dir = c->state_dir ? c->state_dir : env && *env ? env : CONFIG_DEFAULT_LIBDIR;
	enum conf_boot_loop policy = c->on_boot_loop;
	uint64_t now_s = loop_wall_ms() / 1000;
	char path[320], line[96];
	unsigned long long first = 0, bad = 0;
	unsigned count = 0;
	bool loop;
	int fd;

	b.limit = c->boot_limit;
	b.window_ms = c->boot_window_ms;
	b.good_after_ms = c->good_after_ms;
	b.nfiles = c->nfiles < CONFIG_CONF_MAX_FILES ? c->nfiles : CONFIG_CONF_MAX_FILES;
	for (int i = 0; i < b.nfiles; i++)
		b.files[i] = c->files[i];
	b.hash = persist_hash(b.files, b.nfiles);
	if (policy == CONF_BOOTLOOP_NONE)
		return BOOT_NORMAL;
	snprintf(b.dir, sizeof(b.dir), "%s", dir);
	if (mkdir(b.dir, 0700) < 0 && errno != EEXIST) {
		daemon_log("cabin: state_dir %s: %s; no boot-loop memory", b.dir, strerror(errno));
		b.dir[0] = 0;
		return BOOT_NORMAL;
	}
	snprintf(path, sizeof(path), "%s/boots", b.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		ssize_t r = read(fd, line, sizeof(line) - 1);

		if (r > 0) {
			line[r] = 0;
			char *p = line;

			/* "COUNT FIRST HEXHASH": no sscanf, which would pull in the float
			 * scanner */
			count = (unsigned)(unsigned long)util_strtoull(p, &p, 10);
			first = util_strtoull(p, &p, 10);
			bad = util_strtoull(p, &p, 16);
		}
		close(fd);
	}
	/* boots that never became good, within the window of the first of them */
	if (!count || now_s < first || (now_s - first) * 1000 > b.window_ms) {
		count = 0;
		first = now_s;
	}
	count++;
	b.count = count;
	b.first_s = first;
	b.bad = bad;
	b.good = read_good_hash();
	loop = count > b.limit;
	if (loop && b.hash != b.good)
		b.bad = b.hash; /* this config does not boot: remembered until it changes */
	if (save_boots(count, first, b.bad) < 0)
		daemon_log("cabin: %s/boots: %s", b.dir, strerror(errno));
	b.tripped = loop;
	if (loop)
		daemon_log(
			"cabin: BOOT LOOP: %u boots within %us never became good (boot_limit=%u)",
			count, b.window_ms / 1000, b.limit);

	/* a config with errors, or one found bad: the known-good copy, if there is one */
	if (!ok || (b.bad && b.hash == b.bad && b.hash != b.good) ||
	    (loop && policy == CONF_BOOTLOOP_GOOD)) {
		if (b.good && (policy == CONF_BOOTLOOP_GOOD || !ok)) {
			snprintf(good_file, n, "%s/good/cabin.conf", b.dir);
			snprintf(good_dir, n, "%s/good/cabin.d", b.dir);
			b.fallback = true;
			snprintf(b.warn, sizeof(b.warn),
				 "running the last known-good configuration (%s/good): %s", b.dir,
				 !ok ? "the config has errors" : "the config did not boot");
			daemon_log("cabin: %s", b.warn);
			return BOOT_KNOWN_GOOD;
		}
		if (ok && b.hash == b.bad && !loop && policy == CONF_BOOTLOOP_GOOD)
			daemon_log("cabin: this config did not boot before and no known-good copy "
				   "is saved; running it");
		else if (ok && policy == CONF_BOOTLOOP_GOOD)
			daemon_log("cabin: no known-good configuration saved in %s; running the "
				   "config as it is",
				   b.dir);
	}
	if (loop && (policy == CONF_BOOTLOOP_STOP || policy == CONF_BOOTLOOP_HALT)) {
		snprintf(b.warn, sizeof(b.warn),
			 "boot loop: no container started (on_boot_loop=%s)",
			 policy == CONF_BOOTLOOP_STOP ? "stop" : "halt; not PID 1, so stop");
		daemon_log("cabin: %s", b.warn);
		return BOOT_STOP;
	}
	return BOOT_NORMAL;
}

/* ---- in the loop --------------------------------------------------------------------- */

void bootloop_config_changed(const struct conf *c)
{
	b.nfiles = c->nfiles < CONFIG_CONF_MAX_FILES ? c->nfiles : CONFIG_CONF_MAX_FILES;
	for (int i = 0; i < b.nfiles; i++)
		b.files[i] = c->files[i];
	b.hash = persist_hash(b.files, b.nfiles);
	b.fallback = false;
	b.saved = false;
	b.good_since = 0;
	b.warn[0] = 0;
}

void bootloop_tick(uint64_t now, bool good)
{
	pid_t pid;

	if (!b.dir[0] || b.saved || b.writer)
		return;
	if (!good) {
		b.good_since = 0;
		return;
	}
	if (!b.good_since)
		b.good_since = now;
	if (now - b.good_since < b.good_after_ms)
		return;
	/* good: the counter cleared, the config saved (unless it is the saved one) */
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return; /* tried again at the next iteration */
	if (pid == 0) {
		int r = 0;

		if (!b.fallback && b.hash != b.good)
			r = save_good();
		/* a config found bad stays bad while the known-good runs in its place; one
		 * that runs good now is forgiven */
		if (r == 0)
			r = save_boots(0, 0, !b.fallback && b.hash == b.bad ? 0 : b.bad);
		_exit(r < 0 ? 1 : 0);
	}
	b.writer = pid;
	b.saved = true;
}

uint64_t bootloop_next_deadline(void)
{
	return b.dir[0] && !b.saved && !b.writer && b.good_since ? b.good_since + b.good_after_ms
								 : 0;
}

bool bootloop_reaped(pid_t pid, int st)
{
	if (!pid || pid != b.writer)
		return false;
	b.writer = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (!b.fallback && b.hash != b.good) {
			b.good = b.hash;
			daemon_log(
				"cabin: the configuration ran good for %ums: saved as known-good",
				b.good_after_ms);
		}
		if (!b.fallback && b.hash == b.bad)
			b.bad = 0;
		b.count = 0;
	} else {
		daemon_log("cabin: %s: saving the known-good state failed; trying again later",
			   b.dir);
		b.saved = false;
		b.good_since = 0;
	}
	return true;
}

void bootloop_kv(struct ctl_reply *rp)
{
	if (!b.dir[0]) {
		ctl_reply_kv(rp, "boot_memory", "%s", "off");
		return;
	}
	ctl_reply_kv(rp, "boot_count", "%u", b.count);
	ctl_reply_kv(rp, "boot_limit", "%u", b.limit);
	ctl_reply_kv(rp, "config_source", "%s", b.fallback ? "known-good" : "normal");
	ctl_reply_kv(rp, "known_good", "%s", b.good ? "saved" : "none");
	ctl_reply_kv(rp, "config_good", "%s",
		     b.saved && !b.writer ? "yes"
		     : b.good_since	  ? "judging"
					  : "no");
	if (b.warn[0])
		ctl_reply_kv(rp, "warning", "%s", b.warn);
}

const char *bootloop_warning(void)
{
	return b.warn[0] ? b.warn : NULL;
}

const char *bootloop_state_dir(void)
{
	return b.dir[0] ? b.dir : NULL;
}
