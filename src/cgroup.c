// SPDX-License-Identifier: MIT
/* cgroups v2 and v1 behind one interface: find the hierarchies, create one group per
 * container under the group cabin was started in (or cgroup_parent=), write limits,
 * attach, kill, freeze, read OOM kills and stats. Never moves a process out of the
 * subtree it was given, never allocates (fixed buffers, open/read), never writes to a
 * truncated path, and every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cabin/cgroup.h"
#include "cabin/util.h"

#define PATHSZ 512
#define KILL_MS 2000   /* cgroup_kill: total bound */
#define RMDIR_MS 1000  /* cgroup_destroy: total bound for EBUSY retries */
#define FREEZE_MS 1000 /* cgroup_freeze: wait for the kernel to settle */
#define NAP_MS 10
#define MAXDEPTH 16    /* sub-groups a container may have made (v2 cgroupns) */
#define QUOTA_MIN 1000 /* the kernel refuses cfs quotas under 1 ms */
#define PERIOD 100000

#ifdef CABIN_TEST
void (*cgroup_test_mkdir)(const char *dir);
void (*cgroup_test_rmdir)(const char *dir);
int (*cgroup_test_write)(const char *path, const char *val);
#endif

/* v1 hierarchy names, and which ones v2 enables in subtree_control */
static const char *const v1name[CG_NCTL] = {
	[CG_MEMORY] = "memory",	  [CG_CPU] = "cpu",	    [CG_PIDS] = "pids",
	[CG_IO] = "blkio",	  [CG_FREEZER] = "freezer", [CG_CPUACCT] = "cpuacct",
	[CG_DEVICES] = "devices",
};
static const char *const v2name[CG_NCTL] = {
	[CG_MEMORY] = "memory",
	[CG_CPU] = "cpu",
	[CG_PIDS] = "pids",
	[CG_IO] = "io",
};

/* v1 device allowlist: null zero full random urandom tty console ptmx, every pts */
static const char *const devallow[] = {
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",   "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
};

/* ---- small I/O helpers -------------------------------------------------------------- */

static int fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n) {
		buf[0] = 0;
		return -ENAMETOOLONG;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = { 0, NAP_MS * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int writef(const char *path, const char *val)
{
#ifdef CABIN_TEST
	if (cgroup_test_write) {
		int h = cgroup_test_write(path, val);

		if (h < 0)
			return h;
		if (h > 0)
			return 0;
	}
#endif
	return util_write(path, val);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool isdir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int mkd(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -errno;
#ifdef CABIN_TEST
	if (cgroup_test_mkdir)
		cgroup_test_mkdir(path);
#endif
	return 0;
}

static int rmd(const char *path)
{
#ifdef CABIN_TEST
	if (cgroup_test_rmdir)
		cgroup_test_rmdir(path);
#endif
	return rmdir(path) < 0 ? -errno : 0;
}

/* "key value" on a line of its own; the first match wins */
static bool kv(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			char *end;

			errno = 0;
			*v = util_strtoull(p + kl + 1, &end, 10);
			return errno == 0 && end != p + kl + 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* is tok one of the words of list (separated by any of seps)? */
static bool has_word(const char *list, const char *tok, const char *seps)
{
	size_t tl = strlen(tok);
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, seps);

		if (n == tl && !strncmp(p, tok, tl))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

static int lines_open(struct util_lines *l, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	util_lines_init(l, fd);
	return fd < 0 ? -errno : 0;
}

static void lines_close(struct util_lines *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* ---- groups and processes ----------------------------------------------------------- */

/* v1: the first controller slot of each distinct hierarchy directory, so co-mounted
 * controllers (cpu,cpuacct) are created, attached and removed once. */
static bool first_of(const struct cgroup_sys *s, int i)
{
	if (!s->have[i] || !s->base[i][0])
		return false;
	for (int j = 0; j < i; j++)
		if (s->have[j] && !strcmp(s->base[j], s->base[i]))
			return false;
	return true;
}

/* <base of ctl>/<name>[/<file>] */
static int gpath(char *buf, const struct cgroup_sys *s, int ctl, const char *name, const char *file)
{
	const char *base = s->version == 2 ? s->v2base : s->base[ctl];

	if (file)
		return fmt(buf, PATHSZ, "%s/%s/%s", base, name, file);
	return fmt(buf, PATHSZ, "%s/%s", base, name);
}

static int check_name(const char *name, struct cabin_err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 63 || name[0] == '.' || name[0] == '_' || name[0] == '-')
		return err_set(e, EINVAL, "bad cgroup name \"%s\"", name ? name : "");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return err_set(e, EINVAL, "bad cgroup name \"%s\"", name);
	}
	return 0;
}

struct getdents_ent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Call fn on each sub-group directory of dir (one level). -errno on failure. */
static int each_subdir(const char *dir, int (*fn)(const char *sub, void *arg), void *arg)
{
	char buf[1024] __attribute__((aligned(8)));
	char sub[PATHSZ];
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct getdents_ent *d = (struct getdents_ent *)(buf + off);

			off += d->reclen;
			if ((d->type != 4 /* DT_DIR */ && d->type != 0 /* unknown */) ||
			    !strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if (fmt(sub, sizeof(sub), "%s/%s", dir, d->name) < 0) {
				r = -ENAMETOOLONG;
				goto out;
			}
			if (d->type == 0 && !isdir(sub))
				continue;
			r = fn(sub, arg);
			if (r < 0)
				goto out;
		}
	}
out:
	close(fd);
	return r;
}

struct walk {
	int depth;
	int sig; /* 0: only count */
	int count;
};

/* Count (and signal) every process in dir/cgroup.procs and in its sub-groups. */
static int walk_pids(const char *dir, void *arg)
{
	struct walk *w = arg;
	char path[PATHSZ], *line;
	struct util_lines l;
	int r;

	if (fmt(path, sizeof(path), "%s/cgroup.procs", dir) < 0)
		return -ENAMETOOLONG;
	r = lines_open(&l, path);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	while ((r = util_lines_next(&l, &line)) > 0) {
		long pid = util_strtol(line, NULL, 10);

		if (pid <= 0)
			continue;
		w->count++;
		if (w->sig)
			kill((pid_t)pid, w->sig); /* ESRCH: it just left */
	}
	lines_close(&l);
	if (r < 0)
		return r;
	if (w->depth >= MAXDEPTH)
		return 0;
	w->depth++;
	r = each_subdir(dir, walk_pids, w);
	w->depth--;
	return r == -ENOENT ? 0 : r;
}

/* processes in the container (signalled with sig when sig != 0), or -errno */
static int procs(const struct cgroup_sys *s, const char *name, int sig, bool all)
{
	struct walk w = { 0, sig, 0 };
	char dir[PATHSZ];
	int r;

	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (gpath(dir, s, i, name, NULL) < 0)
			return -ENAMETOOLONG;
		r = walk_pids(dir, &w);
		if (r < 0)
			return r;
		/* on v1 every process is in every hierarchy: one listing is enough to signal */
		if (!all)
			break;
	}
	return w.count;
}

struct rm {
	uint64_t deadline;
	int depth;
};

/* Remove dir and its sub-groups, deepest first; EBUSY retried until the deadline. Depth
 * is bounded: a container must not be able to overflow our stack with nested groups. */
static int rm_tree(const char *dir, void *arg)
{
	struct rm *rm = arg;
	int r;

	if (rm->depth > MAXDEPTH)
		return -ELOOP;
	rm->depth++;
	r = each_subdir(dir, rm_tree, rm);
	rm->depth--;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (;;) {
		r = rmd(dir);
		if (r == 0 || r == -ENOENT)
			return 0;
		if (r != -EBUSY || now_ms() >= rm->deadline)
			return r;
		nap();
	}
}

/* ---- detection ---------------------------------------------------------------------- */

struct mnt {
	char dir[256];	/* mount point */
	char root[256]; /* root of the mount within its hierarchy */
	char path[256]; /* our group, from /proc/self/cgroup */
	bool found;	/* mount seen */
	int rank;	/* 2: at mnt, 1: under mnt, 0: elsewhere */
	bool inproc;	/* path seen */
};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static int unescape(char *dst, size_t n, const char *src)
{
	size_t j = 0;

	for (size_t i = 0; src[i]; i++) {
		char c = src[i];

		if (c == '\\' && src[i + 1] >= '0' && src[i + 1] <= '3' && src[i + 2] >= '0' &&
		    src[i + 2] <= '7' && src[i + 3] >= '0' && src[i + 3] <= '7') {
			c = (char)((src[i + 1] - '0') << 6 | (src[i + 2] - '0') << 3 |
				   (src[i + 3] - '0'));
			i += 3;
		}
		if (j + 1 >= n)
			return -ENAMETOOLONG;
		dst[j++] = c;
	}
	dst[j] = 0;
	return 0;
}

static bool path_under(const char *p, const char *top)
{
	size_t n = strlen(top);

	while (n > 1 && top[n - 1] == '/')
		n--;
	return !strncmp(p, top, n) && (p[n] == 0 || p[n] == '/' || (n == 1 && top[0] == '/'));
}

/* Keep the better of two mounts of one hierarchy: exactly at mnt, else the first under
 * mnt, else the first. */
static int take_mount(struct mnt *m, const char *dir, const char *root, const char *mnt)
{
	char d[256];
	int rank;

	if (unescape(d, sizeof(d), dir) < 0)
		return -ENAMETOOLONG;
	rank = !strcmp(d, mnt) ? 2 : path_under(d, mnt) ? 1 : 0;
	if (m->found && m->rank >= rank)
		return 0;
	memcpy(m->dir, d, sizeof(d));
	if (unescape(m->root, sizeof(m->root), root) < 0)
		return -ENAMETOOLONG;
	m->found = true;
	m->rank = rank;
	return 0;
}

/* Read mountinfo: v1 hierarchies into m[ctl], the cgroup2 mount into *v2. Fields:
 * id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
static int scan_mounts(const char *mountinfo, const char *mnt, struct mnt *m, struct mnt *v2,
		       struct cabin_err *e)
{
	struct util_lines l;
	char *line;
	int r;

	r = lines_open(&l, mountinfo);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", mountinfo);
	while ((r = util_lines_next(&l, &line)) > 0) {
		char *f[5], *sep, *fstype, *opts, *save = NULL;
		int nf = 0;

		sep = util_strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		for (char *t = strtok_r(line, " ", &save); t && nf < 5;
		     t = strtok_r(NULL, " ", &save))
			f[nf++] = t;
		if (nf < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		if (!fstype || !strtok_r(NULL, " ", &save)) /* source */
			continue;
		opts = strtok_r(NULL, " ", &save);
		if (!opts)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			r = take_mount(v2, f[4], f[3], mnt);
		} else if (!strcmp(fstype, "cgroup")) {
			for (int i = 0; i < CG_NCTL && r >= 0; i++)
				if (has_word(opts, v1name[i], ","))
					r = take_mount(&m[i], f[4], f[3], mnt);
		}
		if (r < 0) {
			lines_close(&l);
			return err_set(e, -r, "cgroup: mount point too long in %s", mountinfo);
		}
	}
	lines_close(&l);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", mountinfo);
	return 0;
}

/* /proc/self/cgroup: "N:ctl,ctl:/path" (v1), "0::/path" (v2) */
static int scan_self(const char *selfcg, struct mnt *m, struct mnt *v2, struct cabin_err *e)
{
	struct util_lines l;
	char *line;
	int r;

	r = lines_open(&l, selfcg);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", selfcg);
	while ((r = util_lines_next(&l, &line)) > 0) {
		char *c1 = strchr(line, ':'), *c2, *path;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c2 = 0;
		path = c2 + 1;
		if (c1[1] == 0) {
			if (fmt(v2->path, sizeof(v2->path), "%s", path) < 0)
				goto toolong;
			v2->inproc = true;
			continue;
		}
		for (int i = 0; i < CG_NCTL; i++) {
			if (!has_word(c1 + 1, v1name[i], ","))
				continue;
			if (fmt(m[i].path, sizeof(m[i].path), "%s", path) < 0)
				goto toolong;
			m[i].inproc = true;
		}
	}
	lines_close(&l);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", selfcg);
	return 0;
toolong:
	lines_close(&l);
	return err_set(e, ENAMETOOLONG, "cgroup: group path too long in %s", selfcg);
}

/* "a/b", "/a/b/" and "/" (the root: init mode on v2) are fine; "..", "a/../b", "" are
 * not */
static int check_parent(const char *p, struct cabin_err *e)
{
	const char *c = p;

	while (*c == '/')
		c++;
	if (!*c && strcmp(p, "/"))
		return err_set(e, EINVAL, "cgroup_parent \"%s\": empty", p);
	while (*c) {
		size_t n = strcspn(c, "/");

		if ((n == 2 && c[0] == '.' && c[1] == '.') || (n == 1 && c[0] == '.'))
			return err_set(e, EINVAL,
				       "cgroup_parent \"%s\": \".\" and \"..\" not allowed", p);
		c += n;
		while (*c == '/')
			c++;
	}
	return 0;
}

/* The base directory of one hierarchy: mount + our path (the mount's own root cut off
 * when our path lies inside it), or mount + parent. */
static int make_base(char *out, const struct mnt *m, const char *parent)
{
	const char *rel = m->path;
	size_t rl = strlen(m->root);
	int r;

	if (parent) {
		while (*parent == '/')
			parent++;
		return fmt(out, 256, "%s/%s", m->dir, parent);
	}
	if (rl > 1 && !strncmp(rel, m->root, rl) && (rel[rl] == 0 || rel[rl] == '/'))
		rel += rl;
	while (*rel == '/')
		rel++;
	r = *rel ? fmt(out, 256, "%s/%s", m->dir, rel) : fmt(out, 256, "%s", m->dir);
	if (r == 0) {
		/* a cabin that moved itself into the leaf earlier (re-init, restart in the
		 * same group) still has the group above it as its base */
		char *leaf = strrchr(out, '/');

		if (leaf && !strcmp(leaf + 1, CGROUP_LEAF))
			*leaf = 0;
	}
	return r;
}

/* v2: enable every wanted controller dir offers to its children; best effort */
static void enable_all(const char *dir)
{
	char path[PATHSZ], av[256];

	if (fmt(path, sizeof(path), "%s/cgroup.controllers", dir) < 0 ||
	    util_read(path, av, sizeof(av)) < 0 ||
	    fmt(path, sizeof(path), "%s/cgroup.subtree_control", dir) < 0)
		return;
	for (int i = 0; i < CG_NCTL; i++) {
		char tok[16];

		if (v2name[i] && has_word(av, v2name[i], " \n")) {
			snprintf(tok, sizeof(tok), "+%s", v2name[i]);
			writef(path, tok);
		}
	}
}

/* mkdir -p of base below the mount point top (which exists); on v2 also enable the
 * controllers at each level on the way down (cgroup_parent= outside our subtree). */
static int mkdir_under(const char *top, const char *base, bool v2, struct cabin_err *e)
{
	size_t len = strlen(base), prev = strlen(top);
	char p[256];

	memcpy(p, base, len + 1);
	for (size_t i = prev + 1; i <= len; i++) {
		int r;

		if (base[i] != '/' && base[i] != 0)
			continue;
		if (v2) {
			p[prev] = 0;
			enable_all(p);
			p[prev] = base[prev];
		}
		p[i] = 0;
		if (!isdir(p) && (r = mkd(p)) < 0 && r != -EEXIST)
			return err_set(e, -r, "cgroup: unable to create %s", p);
		p[i] = base[i];
		prev = i;
	}
	return 0;
}

/* Move ourselves into base/CGROUP_LEAF (v2, no-internal-process rule). */
static int to_leaf(struct cgroup_sys *s, struct cabin_err *e)
{
	char leaf[PATHSZ], procs_path[PATHSZ], pid[24];
	int r;

	if (fmt(leaf, sizeof(leaf), "%s/" CGROUP_LEAF, s->v2base) < 0 ||
	    fmt(procs_path, sizeof(procs_path), "%s/cgroup.procs", leaf) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long: %s", s->v2base);
	r = mkd(leaf);
	if (r < 0 && r != -EEXIST)
		return err_set(e, -r, "cgroup: unable to create %s", leaf);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	r = writef(procs_path, pid);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to move cabin into %s", leaf);
	s->moved = true;
	return 0;
}

static int init_v2(struct cgroup_sys *s, struct mnt *v2, const char *parent, struct cabin_err *e)
{
	char path[PATHSZ], av[256], on[256];
	int r;

	if (make_base(s->v2base, v2, parent) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: base path too long under %s", v2->dir);
	if (parent) {
		r = mkdir_under(v2->dir, s->v2base, true, e);
		if (r < 0)
			return r;
	} else if (!isdir(s->v2base)) {
		return err_set(e, ENOENT, "cgroup: our group %s does not exist", s->v2base);
	}
	if (fmt(path, sizeof(path), "%s/cgroup.controllers", s->v2base) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long: %s", s->v2base);
	r = util_read(path, av, sizeof(av));
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", path);
	if (fmt(path, sizeof(path), "%s/cgroup.subtree_control", s->v2base) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long: %s", s->v2base);
	for (int i = 0; i < CG_NCTL; i++) {
		char tok[16];

		if (!v2name[i] || !has_word(av, v2name[i], " \n"))
			continue;
		snprintf(tok, sizeof(tok), "+%s", v2name[i]);
		r = writef(path, tok);
		/* processes in base: only we may move, and only when base is our own group */
		if (r == -EBUSY && !parent && !s->moved) {
			r = to_leaf(s, e);
			if (r < 0)
				return r;
			r = writef(path, tok);
		}
		if (r == -EBUSY)
			return err_set(e, EBUSY,
				       "cgroup: cannot enable %s in %s: other processes in it",
				       v2name[i], s->v2base);
		/* anything else: that controller stays off and limits on it will fail */
	}
	r = util_read(path, on, sizeof(on));
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to read %s", path);
	for (int i = 0; i < CG_NCTL; i++) {
		memcpy(s->base[i], s->v2base, sizeof(s->base[i]));
		s->have[i] = v2name[i] && has_word(on, v2name[i], " \n");
	}
	s->have[CG_FREEZER] = true; /* core files, checked where used */
	s->have[CG_CPUACCT] = true;
	s->have[CG_DEVICES] = false;
	s->version = 2;
	return 0;
}

static int init_v1(struct cgroup_sys *s, struct mnt *m, const char *parent, struct cabin_err *e)
{
	bool any = false;

	for (int i = 0; i < CG_NCTL; i++) {
		if (!m[i].found || (!parent && !m[i].inproc))
			continue;
		if (make_base(s->base[i], &m[i], parent) < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: base path too long under %s",
				       m[i].dir);
		if (parent) {
			int r = mkdir_under(m[i].dir, s->base[i], false, e);

			if (r < 0)
				return r;
		}
		/* our group may be invisible (another mount namespace's view): skip it */
		if (!isdir(s->base[i])) {
			s->base[i][0] = 0;
			continue;
		}
		s->have[i] = true;
		any = true;
	}
	if (!any)
		return err_set(e, ENOENT, "cgroup: no usable v1 hierarchy");
	s->version = 1;
	return 0;
}

int cgroup_init(struct cgroup_sys *s, enum conf_cgroup mode, const char *parent, const char *mnt,
		const char *selfcg, const char *mountinfo, struct cabin_err *e)
{
	struct mnt m[CG_NCTL], v2;
	int v1score = 0, v2score = 0, r;
	bool use2;

	memset(s, 0, sizeof(*s));
	memset(m, 0, sizeof(m));
	memset(&v2, 0, sizeof(v2));
	if (parent && !*parent)
		parent = NULL;
	if (parent && (r = check_parent(parent, e)) < 0)
		return r;
	r = scan_mounts(mountinfo, mnt, m, &v2, e);
	if (r < 0)
		return r;
	r = scan_self(selfcg, m, &v2, e);
	if (r < 0)
		return r;

	/* score both sides on the controllers that carry limits; hybrid systems (v1
	 * controllers, a cgroup2 mount with hugetlb or nothing) end up on v1 */
	if (v2.found) {
		char p[PATHSZ], av[256];

		if (fmt(p, sizeof(p), "%s/cgroup.controllers", v2.dir) == 0 &&
		    util_read(p, av, sizeof(av)) >= 0)
			for (int i = 0; i < CG_NCTL; i++)
				if (v2name[i] && has_word(av, v2name[i], " \n"))
					v2score++;
	}
	for (int i = 0; i < CG_NCTL; i++)
		if (v2name[i] && m[i].found)
			v1score++;
	if (mode == CONF_CGROUP_V2)
		use2 = true;
	else if (mode == CONF_CGROUP_V1)
		use2 = false;
	else if (v2score > 0 && v2score >= v1score)
		use2 = true;
	else if (v1score > 0)
		use2 = false;
	else
		use2 = v2.found; /* no controllers anywhere: v2 still kills and freezes */

	if (use2) {
		if (!v2.found)
			return err_set(e, ENOENT, "cgroup: no cgroup2 mount found in %s",
				       mountinfo);
		if (!parent && !v2.inproc)
			return err_set(e, ENOENT, "cgroup: no v2 entry in %s", selfcg);
		return init_v2(s, &v2, parent, e);
	}
	if (v1score == 0 && !m[CG_FREEZER].found)
		return err_set(e, ENOENT, "cgroup: no v1 hierarchy found in %s", mountinfo);
	return init_v1(s, m, parent, e);
}

/* ---- limits ------------------------------------------------------------------------- */

/* write val to the container's file; with OPT in ctl a missing file is not an error */
#define OPT 0x100
static int put(const struct cgroup_sys *s, int ctl, const char *name, const char *file,
	       const char *val, struct cabin_err *e)
{
	char path[PATHSZ];
	int r;

	if (gpath(path, s, ctl & ~OPT, name, file) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s/%s", name, file);
	r = writef(path, val);
	if (r == -ENOENT && (ctl & OPT))
		return 0;
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to write \"%s\" to %s", val, path);
	return 0;
}

/* the same with a number: not variadic, most limits are one */
static int putu(const struct cgroup_sys *s, int ctl, const char *name, const char *file, uint64_t v,
		struct cabin_err *e)
{
	char val[24];

	snprintf(val, sizeof(val), "%" PRIu64, v);
	return put(s, ctl, name, file, val, e);
}

static bool has_file(const struct cgroup_sys *s, int ctl, const char *name, const char *file)
{
	char path[PATHSZ];

	return gpath(path, s, ctl, name, file) == 0 && exists(path);
}

static uint32_t quota_us(uint32_t milli)
{
	uint64_t q = (uint64_t)milli * (PERIOD / 1000);

	return q < QUOTA_MIN ? QUOTA_MIN : q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

/* cpu.weight 1..10000 <-> cpu.shares 2..262144, the linear map runc and crun use */
static uint64_t weight_to_shares(uint32_t w)
{
	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	return 2 + ((uint64_t)(w - 1) * 262142) / 9999;
}

/* io weight 1..10000 -> v1 blkio.weight 10..1000 */
static uint32_t weight_to_blkio(uint32_t w)
{
	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	return 10 + ((w - 1) * 990) / 9999;
}

static int need(const struct cgroup_sys *s, int ctl, const char *what, struct cabin_err *e)
{
	if (s->have[ctl])
		return 0;
	return err_set(e, EOPNOTSUPP, "cgroup: %s= needs the %s controller, not available here",
		       what, s->version == 2 ? v2name[ctl] : v1name[ctl]);
}

static int limits_v2(const struct cgroup_sys *s, const char *name, const struct cgroup_limits *c,
		     struct cabin_err *e)
{
	uint32_t pids = c->pids ? c->pids : 256;
	char val[32];
	int r = 0;

	if ((c->memory || c->memory_high) && (r = need(s, CG_MEMORY, "memory", e)) < 0)
		return r;
	if ((c->cpu_milli || c->cpu_weight) && (r = need(s, CG_CPU, "cpu", e)) < 0)
		return r;
	if (s->have[CG_MEMORY]) {
		if (c->memory_high)
			r = putu(s, CG_MEMORY, name, "memory.high", c->memory_high, e);
		if (!r && c->memory)
			r = putu(s, CG_MEMORY, name, "memory.max", c->memory, e);
		/* no escape into swap, and the whole container dies together on OOM */
		if (!r && c->memory)
			r = put(s, CG_MEMORY | OPT, name, "memory.swap.max", "0", e);
		if (!r)
			r = put(s, CG_MEMORY | OPT, name, "memory.oom.group", "1", e);
	}
	if (!r && c->cpu_milli) {
		snprintf(val, sizeof(val), "%" PRIu32 " %d", quota_us(c->cpu_milli), PERIOD);
		r = put(s, CG_CPU, name, "cpu.max", val, e);
	}
	if (!r && c->cpu_weight)
		r = putu(s, CG_CPU, name, "cpu.weight", c->cpu_weight, e);
	if (!r && s->have[CG_PIDS])
		r = putu(s, CG_PIDS, name, "pids.max", pids, e);
	/* io.weight exists only with an io scheduler that weighs (iocost, bfq) */
	if (!r && c->io_weight && s->have[CG_IO]) {
		snprintf(val, sizeof(val), "default %" PRIu32, c->io_weight);
		if (has_file(s, CG_IO, name, "io.weight"))
			r = put(s, CG_IO, name, "io.weight", val, e);
		else
			r = putu(s, CG_IO | OPT, name, "io.bfq.weight",
				 c->io_weight / 10 ? c->io_weight / 10 : 1, e);
	}
	return r;
}

static int limits_v1(const struct cgroup_sys *s, const char *name, const struct cgroup_limits *c,
		     struct cabin_err *e)
{
	uint32_t pids = c->pids ? c->pids : 256;
	int r = 0;

	if ((c->memory || c->memory_high) && (r = need(s, CG_MEMORY, "memory", e)) < 0)
		return r;
	if ((c->cpu_milli || c->cpu_weight) && (r = need(s, CG_CPU, "cpu", e)) < 0)
		return r;
	if (c->memory) {
		bool sw = has_file(s, CG_MEMORY, name, "memory.memsw.limit_in_bytes");

		r = putu(s, CG_MEMORY, name, "memory.limit_in_bytes", c->memory, e);
		/* a reused group may hold a smaller memsw: memsw must stay >= the limit */
		if (r == -EINVAL && sw) {
			r = putu(s, CG_MEMORY, name, "memory.memsw.limit_in_bytes", c->memory, e);
			if (!r)
				r = putu(s, CG_MEMORY, name, "memory.limit_in_bytes", c->memory, e);
		}
		if (!r && sw)
			r = putu(s, CG_MEMORY, name, "memory.memsw.limit_in_bytes", c->memory, e);
		/* without swap accounting the best we can do against swapping past the
		 * limit is to tell reclaim not to swap this group */
		if (!r && !sw)
			r = put(s, CG_MEMORY | OPT, name, "memory.swappiness", "0", e);
	}
	if (!r && c->memory_high)
		r = putu(s, CG_MEMORY, name, "memory.soft_limit_in_bytes", c->memory_high, e);
	if (!r && c->cpu_milli) {
		r = putu(s, CG_CPU, name, "cpu.cfs_period_us", PERIOD, e);
		if (!r)
			r = putu(s, CG_CPU, name, "cpu.cfs_quota_us", quota_us(c->cpu_milli), e);
	}
	if (!r && c->cpu_weight)
		r = putu(s, CG_CPU, name, "cpu.shares", weight_to_shares(c->cpu_weight), e);
	if (!r && s->have[CG_PIDS])
		r = putu(s, CG_PIDS, name, "pids.max", pids, e);
	if (!r && c->io_weight && s->have[CG_IO]) {
		if (has_file(s, CG_IO, name, "blkio.weight"))
			r = putu(s, CG_IO, name, "blkio.weight", weight_to_blkio(c->io_weight), e);
		else
			r = putu(s, CG_IO | OPT, name, "blkio.bfq.weight",
				 weight_to_blkio(c->io_weight), e);
	}
	if (!r && s->have[CG_DEVICES]) {
		r = put(s, CG_DEVICES, name, "devices.deny", "a", e);
		for (size_t i = 0; !r && i < sizeof(devallow) / sizeof(devallow[0]); i++)
			r = put(s, CG_DEVICES, name, "devices.allow", devallow[i], e);
	}
	return r;
}

/* One pass of "kill everything in the group", no wait; a frozen task cannot die, so the
 * group is thawed first (a write, effective at once). v2 before 5.14 has no cgroup.kill:
 * one sweep, like v1; the caller comes back for what forked meanwhile. */
static void kill_v2(const struct cgroup_sys *s, const char *name)
{
	char path[PATHSZ];

	if (gpath(path, s, 0, name, "cgroup.freeze") == 0 && exists(path))
		writef(path, "0");
	if (gpath(path, s, 0, name, "cgroup.kill") < 0 || writef(path, "1") < 0)
		procs(s, name, SIGKILL, true);
}

static void kill_v1(const struct cgroup_sys *s, const char *name)
{
	char path[PATHSZ];

	if (s->have[CG_FREEZER] && gpath(path, s, CG_FREEZER, name, "freezer.state") == 0)
		writef(path, "THAWED");
	procs(s, name, SIGKILL, true);
}

/* what differs between the two versions, behind one table */
static const struct cg_ops {
	int (*limits)(const struct cgroup_sys *s, const char *name, const struct cgroup_limits *l,
		      struct cabin_err *e);
	void (*kill)(const struct cgroup_sys *s, const char *name);
	int freeze_ctl; /* the controller slot of the freezer file */
	const char *freeze_file, *frozen, *thawed;
} v1_ops = { limits_v1, kill_v1, CG_FREEZER, "freezer.state", "FROZEN", "THAWED" },
  v2_ops = { limits_v2, kill_v2, 0, "cgroup.freeze", "1", "0" };

static const struct cg_ops *ops_of(const struct cgroup_sys *s)
{
	return s->version == 2 ? &v2_ops : &v1_ops;
}

int cgroup_create(const struct cgroup_sys *s, const char *name, const struct cgroup_limits *c,
		  struct cabin_err *e)
{
	struct cabin_err e2;
	char dir[PATHSZ];
	bool stale = false;
	int r;

	r = check_name(name, e);
	if (r < 0)
		return r;
	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		/* the longest file we write must fit too */
		if (gpath(dir, s, i, name, "memory.memsw.limit_in_bytes") < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
		if (gpath(dir, s, i, name, NULL) == 0 && isdir(dir))
			stale = true;
	}
	/* A group left from an earlier instance: nothing of it may survive into this one,
	 * and no process is ever attached to a group that may be frozen. One attempt, no
	 * wait: a group that does not go away at once is the caller's to retry later. */
	if (stale && (cgroup_kill_nowait(s, name) < 0 || cgroup_remove_nowait(s, name) < 0))
		return err_set(e, EBUSY, "cgroup: a group %s is still there, being cleaned", name);
	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		gpath(dir, s, i, name, NULL);
		r = mkd(dir);
		if (r < 0 && r != -EEXIST) {
			err_set(e, -r, "cgroup: unable to create %s", dir);
			goto undo;
		}
	}
	r = ops_of(s)->limits(s, name, c, e);
	if (r < 0)
		goto undo;
	return 0;
undo:
	cgroup_destroy(s, name, &e2);
	return r;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

void cgroup_procs_each(const struct cgroup_sys *s, const char *name,
		       void (*fn)(const char *path, void *ctx), void *ctx)
{
	char path[PATHSZ];

	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (gpath(path, s, i, name, "cgroup.procs") == 0)
			fn(path, ctx);
	}
}

int cgroup_attach(const struct cgroup_sys *s, const char *name, pid_t pid, struct cabin_err *e)
{
	char path[PATHSZ], val[24];
	int r;

	if (check_name(name, e) < 0)
		return -EINVAL;
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (gpath(path, s, i, name, "cgroup.procs") < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
		r = writef(path, val);
		if (r < 0)
			return err_set(e, -r, "cgroup: unable to move %d into %s", (int)pid, path);
	}
	return 0;
}

int cgroup_dirfd(const struct cgroup_sys *s, const char *name)
{
	char path[PATHSZ];

	if (s->version != 2 || check_name(name, NULL) < 0 || gpath(path, s, 0, name, NULL) < 0) {
		errno = EINVAL;
		return -1;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cgroup_signal(const struct cgroup_sys *s, const char *name, int sig, struct cabin_err *e)
{
	int r;

	if (check_name(name, e) < 0)
		return -EINVAL;
	r = procs(s, name, sig, false);
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to signal the processes of %s", name);
	return 0;
}

bool cgroup_is_empty(const struct cgroup_sys *s, const char *name)
{
	if (check_name(name, NULL) < 0)
		return true;
	if (s->version == 2) {
		char path[PATHSZ], buf[256];
		uint64_t v;

		if (gpath(path, s, 0, name, "cgroup.events") == 0 &&
		    util_read(path, buf, sizeof(buf)) >= 0 && kv(buf, "populated", &v))
			return v == 0;
	}
	return procs(s, name, 0, true) <= 0;
}

/* freezer state: v2 write cgroup.freeze, v1 freezer.state; wait < deadline when asked */
static int set_frozen(const struct cgroup_sys *s, const char *name, bool frozen, uint64_t deadline,
		      struct cabin_err *e)
{
	const struct cg_ops *o = ops_of(s);
	char path[PATHSZ], buf[256];
	int ctl = o->freeze_ctl;
	const char *file = o->freeze_file;
	const char *val = frozen ? o->frozen : o->thawed;
	int r;

	if (s->version == 1 && !s->have[CG_FREEZER])
		return err_set(e, EOPNOTSUPP, "cgroup: no freezer hierarchy");
	if (gpath(path, s, ctl, name, file) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
	r = writef(path, val);
	if (r == -ENOENT) {
		char dir[PATHSZ];

		if (gpath(dir, s, ctl, name, NULL) == 0 && isdir(dir))
			r = -EOPNOTSUPP; /* v2 before 5.2 */
	}
	if (r < 0)
		return err_set(e, -r, "cgroup: unable to write %s to %s", val, path);
	if (!deadline)
		return 0; /* the caller does not wait: the kernel settles on its own */
	if (s->version == 2 && gpath(path, s, ctl, name, "cgroup.events") < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
	for (;;) {
		uint64_t v = 0;

		r = util_read(path, buf, sizeof(buf));
		if (r < 0)
			return err_set(e, -r, "cgroup: unable to read %s", path);
		if (s->version == 2 ? kv(buf, "frozen", &v) && v == frozen
				    : !strncmp(buf, val, strlen(val)))
			return 0;
		if (now_ms() >= deadline)
			return err_set(e, ETIMEDOUT, "cgroup: %s did not become %s", name, val);
		nap();
	}
}

int cgroup_freeze(const struct cgroup_sys *s, const char *name, bool frozen, struct cabin_err *e)
{
	if (check_name(name, e) < 0)
		return -EINVAL;
	return set_frozen(s, name, frozen, now_ms() + FREEZE_MS, e);
}

int cgroup_kill(const struct cgroup_sys *s, const char *name, struct cabin_err *e)
{
	uint64_t deadline = now_ms() + KILL_MS;
	bool usekill = false, freezer;
	int r;

	if (check_name(name, e) < 0)
		return -EINVAL;
	if (s->version == 2) {
		char path[PATHSZ];

		if (gpath(path, s, 0, name, "cgroup.kill") < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
		r = writef(path, "1");
		if (r == 0)
			usekill = true;
		else if (r != -ENOENT)
			return err_set(e, -r, "cgroup: unable to write 1 to %s", path);
		freezer = has_file(s, 0, name, "cgroup.freeze");
	} else {
		freezer = s->have[CG_FREEZER];
	}
	for (;;) {
		if (cgroup_is_empty(s, name))
			return 0;
		if (now_ms() >= deadline)
			break;
		if (!usekill) {
			struct cabin_err e2;
			uint64_t fd = now_ms() + 100;

			/* frozen, nobody can fork while we list and kill; a task stuck in
			 * FREEZING is killed anyway */
			if (freezer)
				set_frozen(s, name, true, fd < deadline ? fd : deadline, &e2);
			procs(s, name, SIGKILL, true);
			if (freezer)
				set_frozen(s, name, false, now_ms() + 100, &e2);
		}
		nap();
	}
	return err_set(e, EBUSY, "cgroup: processes of %s still alive after %d ms", name, KILL_MS);
}

int cgroup_destroy(const struct cgroup_sys *s, const char *name, struct cabin_err *e)
{
	struct rm rm = { now_ms() + RMDIR_MS, 0 };
	char dir[PATHSZ];
	int r, ret = 0;

	if (check_name(name, e) < 0)
		return -EINVAL;
	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (gpath(dir, s, i, name, NULL) < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
		r = rm_tree(dir, &rm);
		if (r < 0 && !ret)
			ret = err_set(e, -r, "cgroup: unable to remove %s", dir);
	}
	return ret;
}

long cgroup_oom_kills(const struct cgroup_sys *s, const char *name)
{
	char path[PATHSZ], buf[512];
	uint64_t v;
	int r;

	if (check_name(name, NULL) < 0)
		return -EINVAL;
	if (!s->have[CG_MEMORY])
		return -EOPNOTSUPP;
	if (gpath(path, s, CG_MEMORY, name,
		  s->version == 2 ? "memory.events" : "memory.oom_control") < 0)
		return -ENAMETOOLONG;
	r = util_read(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (!kv(buf, "oom_kill", &v))
		return -EOPNOTSUPP;
	return (long)v;
}

int cgroup_oom_fd(const struct cgroup_sys *s, const char *name, uint32_t *events,
		  struct cabin_err *e)
{
	char path[PATHSZ], ctl[PATHSZ], val[32];
	int efd, ofd, r;

	r = check_name(name, e);
	if (r < 0)
		return r;
	if (!s->have[CG_MEMORY])
		return err_set(e, EOPNOTSUPP, "cgroup: no memory controller for OOM events");
	if (gpath(path, s, CG_MEMORY, name,
		  s->version == 2 ? "memory.events" : "memory.oom_control") < 0 ||
	    gpath(ctl, s, CG_MEMORY, name, "cgroup.event_control") < 0)
		return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
	ofd = open(path, O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return err_sys(e, "cgroup: unable to open %s", path);
	if (s->version == 2) {
		/* kernfs reports a change until the file's first read: read it once, so
		 * the fd starts quiet (found by test_real_v2_limits in the qemu boot) */
		*events = EPOLLPRI;
		cgroup_oom_drain(s, ofd);
		return ofd;
	}
	/* v1: "<eventfd> <fd of memory.oom_control>" registers the notification; the
	 * kernel drops it when the eventfd is closed or the group removed */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		r = err_sys(e, "cgroup: eventfd");
		close(ofd);
		return r;
	}
	snprintf(val, sizeof(val), "%d %d", efd, ofd);
	r = writef(ctl, val);
	close(ofd);
	if (r < 0) {
		close(efd);
		return err_set(e, -r, "cgroup: unable to register OOM events in %s", ctl);
	}
	*events = EPOLLIN;
	return efd;
}

void cgroup_oom_drain(const struct cgroup_sys *s, int fd)
{
	char buf[512];

	/* v2: reading the file acknowledges the change; v1: read the eventfd counter */
	if (s->version == 2)
		while (pread(fd, buf, sizeof(buf), 0) < 0 && errno == EINTR)
			;
	else
		while (read(fd, buf, 8) < 0 && errno == EINTR)
			;
}

static bool read_u64(const struct cgroup_sys *s, int ctl, const char *name, const char *file,
		     uint64_t *v)
{
	char path[PATHSZ], buf[64], *end;

	if (!s->have[ctl] || gpath(path, s, ctl, name, file) < 0 ||
	    util_read(path, buf, sizeof(buf)) <= 0)
		return false;
	errno = 0;
	*v = util_strtoull(buf, &end, 10);
	return errno == 0 && end != buf;
}

/* sum per-device I/O bytes: v2 "MAJ:MIN rbytes=N wbytes=N ...", v1 "MAJ:MIN Read N" */
static void io_bytes(const char *path, bool v2, struct cgroup_stats *st)
{
	struct util_lines l;
	char *line;

	if (lines_open(&l, path) < 0)
		return;
	while (util_lines_next(&l, &line) > 0) {
		char *p;

		if (v2) {
			if ((p = util_strstr(line, " rbytes=")))
				st->io_rbytes += util_strtoull(p + 8, NULL, 10);
			if ((p = util_strstr(line, " wbytes=")))
				st->io_wbytes += util_strtoull(p + 8, NULL, 10);
		} else if (strchr(line, ':')) {
			if ((p = util_strstr(line, " Read ")))
				st->io_rbytes += util_strtoull(p + 6, NULL, 10);
			else if ((p = util_strstr(line, " Write ")))
				st->io_wbytes += util_strtoull(p + 7, NULL, 10);
		}
	}
	lines_close(&l);
}

int cgroup_stats(const struct cgroup_sys *s, const char *name, struct cgroup_stats *st,
		 struct cabin_err *e)
{
	char path[PATHSZ], buf[1024];
	uint64_t v;
	int r;

	memset(st, 0, sizeof(*st));
	r = check_name(name, e);
	if (r < 0)
		return r;
	if (s->version == 2) {
		if (gpath(path, s, 0, name, NULL) < 0)
			return err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", name);
		if (!isdir(path))
			return err_set(e, ENOENT, "cgroup: no group %s", path);
		gpath(path, s, 0, name, "cpu.stat");
		if (util_read(path, buf, sizeof(buf)) >= 0 && kv(buf, "usage_usec", &v))
			st->cpu_usec = v;
		read_u64(s, CG_MEMORY, name, "memory.current", &st->mem_bytes);
		read_u64(s, CG_MEMORY, name, "memory.max", &st->mem_limit); /* "max": 0 */
		read_u64(s, CG_PIDS, name, "pids.current", &st->pids);
		if (s->have[CG_IO] && gpath(path, s, CG_IO, name, "io.stat") == 0)
			io_bytes(path, true, st);
		return 0;
	}
	bool any = false;

	for (int i = 0; i < CG_NCTL; i++)
		if (first_of(s, i) && gpath(path, s, i, name, NULL) == 0 && isdir(path))
			any = true;
	if (!any)
		return err_set(e, ENOENT, "cgroup: no group %s", name);
	if (read_u64(s, CG_CPUACCT, name, "cpuacct.usage", &v))
		st->cpu_usec = v / 1000;
	read_u64(s, CG_MEMORY, name, "memory.usage_in_bytes", &st->mem_bytes);
	/* v1 says "unlimited" with a huge page-rounded number */
	if (read_u64(s, CG_MEMORY, name, "memory.limit_in_bytes", &v) && v < (1ULL << 62))
		st->mem_limit = v;
	read_u64(s, CG_PIDS, name, "pids.current", &st->pids);
	if (s->have[CG_IO] && gpath(path, s, CG_IO, name, "blkio.throttle.io_service_bytes") == 0)
		io_bytes(path, false, st);
	return 0;
}

/* ---- without waiting: what the daemon's loop uses ------------------------------------ */

int cgroup_freeze_nowait(const struct cgroup_sys *s, const char *name, bool frozen,
			 struct cabin_err *e)
{
	if (check_name(name, e) < 0)
		return -EINVAL;
	return set_frozen(s, name, frozen, 0, e);
}

int cgroup_kill_nowait(const struct cgroup_sys *s, const char *name)
{
	if (check_name(name, NULL) < 0)
		return -EINVAL;
	if (cgroup_is_empty(s, name))
		return 0;
	ops_of(s)->kill(s, name);
	return cgroup_is_empty(s, name) ? 0 : -EAGAIN;
}

int cgroup_remove_nowait(const struct cgroup_sys *s, const char *name)
{
	struct rm rm = { 0, 0 }; /* deadline 0: no retry */
	char dir[PATHSZ];
	int r, ret = 0;

	if (check_name(name, NULL) < 0)
		return -EINVAL;
	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (gpath(dir, s, i, name, NULL) < 0)
			return -ENAMETOOLONG;
		r = rm_tree(dir, &rm);
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

/* ---- the instance's own group -------------------------------------------------------- */

static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* base[i] (and every slot sharing that hierarchy) := base[i]/group */
static int descend(struct cgroup_sys *s, int i, const char *group)
{
	char old[256], nb[256];

	memcpy(old, s->base[i], sizeof(old));
	if (fmt(nb, sizeof(nb), "%s/%s", old, group) < 0)
		return -ENAMETOOLONG;
	for (int j = 0; j < CG_NCTL; j++)
		if (!strcmp(s->base[j], old))
			memcpy(s->base[j], nb, sizeof(nb));
	if (s->version == 2)
		memcpy(s->v2base, nb, sizeof(nb));
	return 0;
}

static void close_locks(struct cgroup_sys *s)
{
	for (int i = 0; i < s->nlock; i++)
		close(s->lockfd[i]);
	s->nlock = 0;
}

int cgroup_own(struct cgroup_sys *s, const char *group, struct cabin_err *e)
{
	char dir[CG_NCTL][PATHSZ];
	bool made[CG_NCTL] = { false }, use[CG_NCTL] = { false };
	int r = 0;

	if (check_name(group, e) < 0)
		return -EINVAL;
	s->nlock = 0;
	/* every hierarchy created and locked first; on any failure all of it is undone
	 * (only what we created is removed: an empty group of a live owner stays) */
	for (int i = 0; i < CG_NCTL && !r; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		use[i] = true;
		if (gpath(dir[i], s, i, group, NULL) < 0) {
			r = err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", group);
			break;
		}
		r = mkd(dir[i]);
		made[i] = r == 0;
		if (r < 0 && r != -EEXIST) {
			r = err_set(e, -r, "cgroup: unable to create %s", dir[i]);
			break;
		}
		if (s->version == 2)
			enable_all(dir[i]);
		r = lock_dir(dir[i]);
		if (r == -EBUSY) {
			r = err_set(e, EBUSY,
				    "cgroup: %s belongs to another running cabin (same cgroup "
				    "subtree); stop it, or give this one another cgroup_parent=",
				    dir[i]);
			break;
		}
		if (r < 0) {
			r = err_set(e, -r, "cgroup: unable to lock %s", dir[i]);
			break;
		}
		s->lockfd[s->nlock++] = r;
		r = 0;
	}
	for (int i = 0; i < CG_NCTL && !r; i++)
		if (use[i] && descend(s, i, group) < 0)
			r = err_set(e, ENAMETOOLONG, "cgroup: path too long for %s", dir[i]);
	if (r < 0) {
		close_locks(s);
		for (int i = 0; i < CG_NCTL; i++)
			if (made[i])
				rmd(dir[i]);
		return r;
	}
	snprintf(s->own, sizeof(s->own), "%s", group);
	return 0;
}

/* the group above our own one, for hierarchy i */
static int parent_of(const struct cgroup_sys *s, int i, char *out)
{
	const char *base = s->version == 2 ? s->v2base : s->base[i];
	const char *sl = strrchr(base, '/');

	if (!s->own[0] || !sl)
		return -EINVAL;
	return fmt(out, PATHSZ, "%.*s", (int)(sl - base), base);
}

void cgroup_disown(struct cgroup_sys *s)
{
	char dir[PATHSZ];

	for (int i = 0; s->own[0] && i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		if (fmt(dir, sizeof(dir), "%s", s->version == 2 ? s->v2base : s->base[i]) == 0)
			rmd(dir); /* only when empty: a group that will not go stays visible */
	}
	close_locks(s);
}

struct sweep {
	const char *prefix;
};

static int sweep_one(const char *dir, void *arg)
{
	const struct sweep *sw = arg;
	const char *leaf = strrchr(dir, '/');
	struct rm rm = { 0, 0 };
	int fd;

	if (!leaf || strncmp(leaf + 1, sw->prefix, strlen(sw->prefix)))
		return 0;
	fd = lock_dir(dir); /* held: its `cabin run` still lives */
	if (fd < 0)
		return 0;
	rm_tree(dir, &rm); /* empty groups only; one attempt */
	close(fd);
	return 0;
}

void cgroup_sweep(const struct cgroup_sys *s, const char *prefix)
{
	struct sweep sw = { prefix };
	char dir[PATHSZ];

	for (int i = 0; i < CG_NCTL; i++) {
		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		/* beside our own group: its parent once we own one, else the base itself */
		if (s->own[0] ? parent_of(s, i, dir) == 0
			      : fmt(dir, sizeof(dir), "%s",
				    s->version == 2 ? s->v2base : s->base[i]) == 0)
			each_subdir(dir, sweep_one, &sw);
	}
}

/* ---- groups being cleaned -------------------------------------------------------------- */

#define GC_MAX (4 * CONFIG_MAX_CONTAINERS + 8)
#define GC_FIRST_MS 10
#define GC_MAX_MS 1000
#define GC_WARN_MS 2000

static struct gc {
	bool used, warned;
	char name[64];
	uint64_t since, next;
	uint32_t delay;
} gc[GC_MAX];

static int gc_try(const struct cgroup_sys *s, struct gc *g)
{
	int r = cgroup_kill_nowait(s, g->name);

	if (r == 0)
		r = cgroup_remove_nowait(s, g->name);
	return r;
}

int cgroup_gc_add(const struct cgroup_sys *s, const char *name, uint64_t now)
{
	struct gc *g = NULL;

	if (check_name(name, NULL) < 0)
		return -EINVAL;
	for (int i = 0; i < GC_MAX; i++) {
		if (gc[i].used && !strcmp(gc[i].name, name))
			return 1; /* already on it */
		if (!gc[i].used && !g)
			g = &gc[i];
	}
	if (!g)
		return -ENOSPC;
	*g = (struct gc){ .used = true, .since = now, .delay = GC_FIRST_MS };
	snprintf(g->name, sizeof(g->name), "%s", name);
	if (gc_try(s, g) == 0) {
		g->used = false;
		return 0;
	}
	g->next = now + g->delay;
	return 1;
}

bool cgroup_gc_pending(const char *name)
{
	for (int i = 0; i < GC_MAX; i++)
		if (gc[i].used && !strcmp(gc[i].name, name))
			return true;
	return false;
}

uint64_t cgroup_gc_step(const struct cgroup_sys *s, uint64_t now,
			void (*warn)(const char *name, int err, uint64_t ms))
{
	uint64_t next = 0;

	for (int i = 0; i < GC_MAX; i++) {
		struct gc *g = &gc[i];
		int r;

		if (!g->used)
			continue;
		if (g->next <= now) {
			r = gc_try(s, g);
			if (r == 0 || r == -ENOENT) {
				g->used = false;
				continue;
			}
			if (!g->warned && now - g->since >= GC_WARN_MS && warn) {
				g->warned = true;
				warn(g->name, -r, now - g->since);
			}
			g->delay = g->delay * 2 > GC_MAX_MS ? GC_MAX_MS : g->delay * 2;
			g->next = now + g->delay;
		}
		if (!next || g->next < next)
			next = g->next;
	}
	return next;
}

struct stale {
	const struct cgroup_sys *s;
	uint64_t now;
};

static void stale_one(int dfd, const char *name, unsigned char type, void *ctx)
{
	const struct stale *st = ctx;

	if (type == 4 /* DT_DIR */ && name[0] != '.')
		cgroup_gc_add(st->s, name, st->now);
}

void cgroup_gc_stale(const struct cgroup_sys *s, uint64_t now)
{
	struct stale st = { s, now };

	for (int i = 0; i < CG_NCTL; i++) {
		int fd;

		if (s->version == 2 ? i > 0 : !first_of(s, i))
			continue;
		fd = open(s->version == 2 ? s->v2base : s->base[i],
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		util_each_entry(fd, stale_one, &st);
		close(fd);
	}
}
