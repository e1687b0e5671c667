// SPDX-License-Identifier: MIT
/* The config parser: key=value files into the fixed tables of struct conf, every error
 * reported as FILE:LINE: message. Owns the syntax, the keys, their defaults and the
 * checks within a section (confcheck.c does those across sections, confval.c the
 * values). Never allocates: the daemon reparses on reload, so strings go into the
 * arena inside struct conf and scratch space is on the stack; files are read with
 * open/read/getdents64, never stdio or opendir. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "cabin/conf.h"
#include "cabin/seccomp.h"
#include "cabin/util.h"
#include "conf_int.h"

/* ------------------------------------------------------------------------------------ */
/* Keys                                                                                 */

enum { KG = 1, KC = 2, KR = 4 }; /* global, container, repeatable */

#define KEYS                                          \
	X(HOSTNAME, "hostname", KG | KC)              \
	X(STOP_TIMEOUT, "stop_timeout", KG | KC)      \
	X(LOG_SIZE, "log_size", KG | KC)              \
	X(LOG_MAX, "log_max", KG | KC)                \
	X(BRIDGE, "bridge", KG)                       \
	X(SUBNET, "subnet", KG)                       \
	X(BRIDGE_MAC, "bridge_mac", KG)               \
	X(NAT, "nat", KG)                             \
	X(DNS, "dns", KG | KR)                        \
	X(MODULE, "module", KG | KR)                  \
	X(WATCHDOG, "watchdog", KG)                   \
	X(WATCHDOG_TIMEOUT, "watchdog_timeout", KG)   \
	X(SHUTDOWN_TIMEOUT, "shutdown_timeout", KG)   \
	X(CGROUP, "cgroup", KG)                       \
	X(CGROUP_PARENT, "cgroup_parent", KG)         \
	X(ON_BOOT_LOOP, "on_boot_loop", KG)           \
	X(STATE_DIR, "state_dir", KG)                 \
	X(BOOT_LIMIT, "boot_limit", KG)               \
	X(BOOT_WINDOW, "boot_window", KG)             \
	X(GOOD_AFTER, "good_after", KG)               \
	X(SETS_DIR, "sets_dir", KG)                   \
	X(TRY_SETTLE, "try_settle", KG)               \
	X(TRY_TIMEOUT, "try_timeout", KG)             \
	X(ROOTFS, "rootfs", KC)                       \
	X(KIND, "kind", KC)                           \
	X(CMD, "cmd", KC)                             \
	X(ENV, "env", KC | KR)                        \
	X(WORKDIR, "workdir", KC)                     \
	X(USER, "user", KC)                           \
	X(UMASK, "umask", KC)                         \
	X(RLIMIT_NOFILE, "rlimit_nofile", KC)         \
	X(STOP_SIGNAL, "stop_signal", KC)             \
	X(START_TIMEOUT, "start_timeout", KC)         \
	X(READONLY, "readonly", KC)                   \
	X(VOLUME, "volume", KC | KR)                  \
	X(TMPFS, "tmpfs", KC | KR)                    \
	X(NET, "net", KC)                             \
	X(CAP_ADD, "cap_add", KC | KR)                \
	X(CAP_DROP, "cap_drop", KC | KR)              \
	X(NO_NEW_PRIVS, "no_new_privs", KC)           \
	X(SECCOMP, "seccomp", KC)                     \
	X(SECCOMP_ALLOW, "seccomp_allow", KC | KR)    \
	X(USERNS, "userns", KC)                       \
	X(SYSCTL, "sysctl", KC | KR)                  \
	X(MEMORY, "memory", KC)                       \
	X(MEMORY_HIGH, "memory_high", KC)             \
	X(CPU, "cpu", KC)                             \
	X(CPU_WEIGHT, "cpu_weight", KC)               \
	X(PIDS, "pids", KC)                           \
	X(IO_WEIGHT, "io_weight", KC)                 \
	X(IP, "ip", KC)                               \
	X(PORT, "port", KC | KR)                      \
	X(ISOLATED, "isolated", KC)                   \
	X(RESTART, "restart", KC)                     \
	X(RESTART_DELAY, "restart_delay", KC)         \
	X(RESTART_MAX_DELAY, "restart_max_delay", KC) \
	X(RESTART_RESET, "restart_reset", KC)         \
	X(DEPENDS, "depends", KC | KR)                \
	X(AUTOSTART, "autostart", KC)                 \
	X(REPLICAS, "replicas", KC)                   \
	X(HEALTH, "health", KC)                       \
	X(HEALTH_INTERVAL, "health_interval", KC)     \
	X(HEALTH_TIMEOUT, "health_timeout", KC)       \
	X(HEALTH_RETRIES, "health_retries", KC)       \
	X(HEALTH_START, "health_start", KC)           \
	X(ON_UNHEALTHY, "on_unhealthy", KC)           \
	X(CRITICAL, "critical", KC)                   \
	X(LOG, "log", KC)

#define X(id, name, fl) K_##id,
enum { KEYS NKEYS };
#undef X
/* names inline, not pointers to separate strings */
#define X(id, name, fl) { name, fl },
static const struct {
	char name[18];
	unsigned char flags;
} keys[] = { KEYS };
#undef X
/* C would silently drop the NUL of a name that fills the array exactly */
#define X(id, s, fl) +(sizeof(s) > sizeof(keys[0].name))
_Static_assert(0 KEYS == 0, "a key name is too long for keys[].name");
#undef X

static int key_find(const char *k)
{
	int i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(k, keys[i].name))
			return i;
	return -1;
}

static const char *key_suggest(const char *k)
{
	int len = strlen(k), best = 99, bi = -1, i;
	int limit = len <= 3 ? 1 : len <= 5 ? 2 : 3;

	/* keys are lower-case words; anything else is no misspelling of one */
	if (len > 24 || strspn(k, "abcdefghijklmnopqrstuvwxyz_") != (size_t)len)
		return NULL;
	for (i = 0; i < NKEYS; i++) {
		int dl = len - (int)strlen(keys[i].name), dist;

		/* the distance is at least the difference in length */
		if (dl > limit || -dl > limit)
			continue;
		dist = util_edit_distance(k, keys[i].name, limit);

		if (dist < best)
			best = dist, bi = i;
	}
	if (best > limit || best > 2 + (len > 10))
		return NULL;
	return keys[bi].name;
}

/* ------------------------------------------------------------------------------------ */
/* Parser state for one buffer (on the stack of the caller)                             */

struct pstate {
	struct conf *c;
	struct conf_diag *d;
	const char *file;
	int lineno;
	bool global_ok; /* the main file: global keys allowed before the sections */
	bool arena_reported;
	bool gave_up; /* binary file: rest ignored */
	int junk_lines;

	char line[CONFIG_CONF_LINE_MAX + 1];
	size_t len;
	bool toolong;

	int gseen[NKEYS]; /* line of the global keys seen */
	bool in_sec;
	bool sec_skip;	   /* duplicate section: checked but not added */
	bool sec_bad;	   /* unreadable [header]: checked, not added, no more noise */
	int seen[NKEYS];   /* line of the keys seen in the section */
	struct conf_ctr t; /* the section being parsed, copied per replica at its end */
};

static void perr(struct pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void perr(struct pstate *ps, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_report(ps->d, ps->file, ps->lineno, "%s", msg);
}

static const char *pstr(struct pstate *ps, const char *s, size_t n)
{
	const char *p = conf_astr(ps->c, s, n);

	if (p)
		return p;
	if (!ps->arena_reported)
		perr(ps, "config too big for the string arena (CONFIG_CONF_ARENA_KB=%d)",
		     CONFIG_CONF_ARENA_KB);
	ps->arena_reported = true;
	return "";
}

#define BAD(ps, key, v, ...) bad(ps, key, v, __VA_ARGS__)
static void bad(struct pstate *ps, const char *key, const char *v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void bad(struct pstate *ps, const char *key, const char *v, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	perr(ps, "%s=%.80s%s: %s", key, v, strlen(v) > 80 ? "..." : "", why);
}

/* ------------------------------------------------------------------------------------ */
/* Small validators                                                                     */

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > CONF_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* absolute, no empty, "." or ".." component (a canonical path leaves nothing for a
 * check like "under /proc" to miss); a trailing slash is tolerated */
static const char *path_problem(const char *p)
{
	const char *s = p;

	if (*p != '/')
		return "not an absolute path";
	while (*s) {
		const char *e;
		size_t n;

		s++;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 && e)
			return "empty path component (//)";
		if (n == 1 && s[0] == '.')
			return "'.' component in path";
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return "'..' component in path";
		s += n;
	}
	return NULL;
}

/* strip trailing slashes (not the root) into buf */
static const char *path_clean(const char *p, char *buf, size_t sz)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	if (n >= sz)
		n = sz - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

/* ------------------------------------------------------------------------------------ */
/* Defaults                                                                             */

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->bridge, "cab0");
	c->subnet_addr.s_addr = htonl(0x0a580001); /* 10.88.0.1 */
	c->subnet_prefix = 24;
	c->watchdog_timeout_s = 30;
	c->log_size = CONFIG_LOG_RING_KB * 1024;
	c->log_max = 1 << 20;
	c->stop_timeout_ms = 10000;
	c->shutdown_timeout_ms = 30000;
	c->cgroup = CONF_CGROUP_AUTO;
	c->on_boot_loop = CONF_BOOTLOOP_GOOD;
	c->boot_limit = 3;
	c->boot_window_ms = 10 * 60 * 1000;
	c->good_after_ms = 5 * 60 * 1000;
	c->try_settle_ms = 10 * 1000;
	c->try_timeout_ms = 5 * 60 * 1000;
}

static void ctr_defaults(struct pstate *ps, struct conf_ctr *t)
{
	memset(t, 0, sizeof(*t));
	t->workdir = pstr(ps, "/", 1);
	t->umask = 022;
	t->rlimit_nofile = 1024;
	t->stop_signal = SIGTERM;
	t->net = CONFIG_NET ? CONF_NET_BRIDGE : CONF_NET_NONE;
	t->no_new_privs = true;
	t->pids = 256;
	t->ip_auto = true;
	t->restart = CONF_RESTART_NO;
	t->restart_delay_ms = 100;
	t->restart_max_delay_ms = 60000;
	t->restart_reset_ms = 10000;
	t->autostart = true;
	t->replicas = 1;
	t->health_interval_ms = 30000;
	t->health_timeout_ms = 5000;
	t->health_retries = 3;
	t->on_unhealthy = CONF_UNHEALTHY_RESTART;
	t->log = CONF_LOG_RING;
}

/* ------------------------------------------------------------------------------------ */
/* Key handlers                                                                         */

/* words of cmd= / health=exec:, "..." groups (with \" and \\ inside) */
static void split_words(struct pstate *ps, const char *key, const char *v, const char **argv,
			int *argc)
{
	char w[CONFIG_CONF_LINE_MAX + 1];
	const char *s = v;
	int n = 0;

	while (*s) {
		size_t o = 0;
		bool quoted = false, any = false;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
			if (*s == '"') {
				quoted = !quoted;
				any = true;
				s++;
				continue;
			}
			if (quoted && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			w[o++] = *s++;
		}
		if (quoted) {
			bad(ps, key, v, "unterminated \"");
			return;
		}
		if (!o && !any)
			continue;
		if (n >= CONFIG_MAX_ARGS) {
			bad(ps, key, v, "too many words (CONFIG_MAX_ARGS=%d)", CONFIG_MAX_ARGS);
			return;
		}
		argv[n++] = pstr(ps, w, o);
	}
	if (!n) {
		bad(ps, key, v, "no command");
		return;
	}
	argv[n] = NULL;
	*argc = n;
}

static bool get_dur(struct pstate *ps, const char *key, const char *v, uint32_t lo, uint32_t hi,
		    uint32_t *out)
{
	uint32_t ms;
	int r = conf_parse_duration_ms(v, &ms);

	if (r == -EINVAL) {
		bad(ps, key, v, "not a duration (number with ms, s, m or h)");
		return false;
	}
	if (r || ms < lo || ms > hi) {
		bad(ps, key, v, "out of range %u ms..%u ms", lo, hi);
		return false;
	}
	*out = ms;
	return true;
}

static bool get_size(struct pstate *ps, const char *key, const char *v, uint64_t lo, uint64_t hi,
		     uint64_t *out)
{
	uint64_t sz;
	int r = conf_parse_size(v, &sz);

	if (r == -EINVAL) {
		bad(ps, key, v, "not a size (number with K, M or G)");
		return false;
	}
	if (r || sz < lo || sz > hi) {
		bad(ps, key, v, "out of range %llu..%llu bytes", (unsigned long long)lo,
		    (unsigned long long)hi);
		return false;
	}
	*out = sz;
	return true;
}

static bool get_uint(struct pstate *ps, const char *key, const char *v, uint64_t lo, uint64_t hi,
		     uint64_t *out)
{
	uint64_t n;
	int r = conf_parse_u64(v, &n);

	if (r == -EINVAL) {
		bad(ps, key, v, "not a number");
		return false;
	}
	if (r || n < lo || n > hi) {
		bad(ps, key, v, "out of range %llu..%llu", (unsigned long long)lo,
		    (unsigned long long)hi);
		return false;
	}
	*out = n;
	return true;
}

static bool get_bool(struct pstate *ps, const char *key, const char *v, bool *out)
{
	if (conf_parse_bool(v, out)) {
		bad(ps, key, v, "not a boolean (yes or no)");
		return false;
	}
	return true;
}

/* v must be one of the '|'-separated words; its index, or -1 (reported) */
static int get_enum(struct pstate *ps, const char *key, const char *v, const char *words)
{
	const char *s = words;
	int i = 0;
	size_t n = strlen(v);

	while (*s) {
		const char *e = strchr(s, '|');
		size_t wl = e ? (size_t)(e - s) : strlen(s);

		if (wl == n && !strncmp(s, v, n))
			return i;
		i++;
		s += wl + (e ? 1 : 0);
	}
	bad(ps, key, v, "want one of %s", words);
	return -1;
}

static bool ip_parse(const char *v, struct in_addr *a)
{
	return util_ip4(v, a);
}

static void set_caps(struct pstate *ps, const char *key, const char *v, uint64_t *mask)
{
	char w[64];
	const char *s = v;

	/* one or more names, separated by commas or spaces */
	while (*s) {
		size_t n = strcspn(s, ", \t");
		int cap;

		if (n == 0) {
			s++;
			continue;
		}
		if (n >= sizeof(w)) {
			bad(ps, key, v, "unknown capability");
			return;
		}
		memcpy(w, s, n);
		w[n] = 0;
		s += n;
		if (!strcasecmp(w, "ALL")) {
			*mask |= CONF_CAP_ALL;
			continue;
		}
		cap = conf_cap_number(w);
		if (cap < 0) {
			bad(ps, key, v, "unknown capability %s", w);
			continue;
		}
		*mask |= 1ULL << cap;
	}
}

static bool sysctl_allowed(const char *k)
{
	/* only namespaced sysctls: anything else would change the host */
	static const char *const ok[] = { "net.", "fs.mqueue.", "kernel.shm", "kernel.msg" };
	size_t i;

	if (!strcmp(k, "kernel.sem") || !strcmp(k, "kernel.domainname"))
		return true;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strncmp(k, ok[i], strlen(ok[i])))
			return true;
	return false;
}

static bool mount_dst_taken(struct conf_ctr *t, const char *dst)
{
	int i;

	for (i = 0; i < t->nvol; i++)
		if (!strcmp(t->vol[i].dst, dst))
			return true;
	for (i = 0; i < t->ntmpfs; i++)
		if (!strcmp(t->tmpfs[i].path, dst))
			return true;
	return false;
}

/* destination checks shared by volume= and tmpfs= (research A10) */
static bool mount_dst_ok(struct pstate *ps, const char *key, const char *v, const char *dst)
{
	const char *why = path_problem(dst);

	if (why) {
		bad(ps, key, v, "destination %s", why);
		return false;
	}
	if (!strcmp(dst, "/")) {
		bad(ps, key, v, "cannot mount over the container's /");
		return false;
	}
	if (path_under(dst, "/proc") || path_under(dst, "/sys") || path_under(dst, "/dev")) {
		bad(ps, key, v, "destination under /proc, /sys or /dev is not allowed");
		return false;
	}
	if (mount_dst_taken(&ps->t, dst)) {
		bad(ps, key, v, "a second mount on %s", dst);
		return false;
	}
	if (ps->t.nvol + ps->t.ntmpfs >= CONFIG_MAX_MOUNTS) {
		perr(ps, "too many volume=/tmpfs= (CONFIG_MAX_MOUNTS=%d)", CONFIG_MAX_MOUNTS);
		return false;
	}
	return true;
}

bool conf_volume_src_bad(const char *cs)
{
	return !strcmp(cs, "/") || path_under(CONFIG_DEFAULT_RUNDIR, cs) ||
	       path_under(cs, CONFIG_DEFAULT_RUNDIR) || !strcmp(cs, "/dev") ||
	       path_under(cs, "/dev/watchdog") || !strcmp(cs, "/dev/kmsg") ||
	       path_under(cs, "/proc") || path_under(cs, "/sys");
}

static void set_volume(struct pstate *ps, const char *key, const char *v)
{
	char src[CONFIG_CONF_LINE_MAX + 1], dst[CONFIG_CONF_LINE_MAX + 1];
	char cs[CONFIG_CONF_LINE_MAX + 1], cd[CONFIG_CONF_LINE_MAX + 1];
	const char *c1 = strchr(v, ':'), *c2, *why;
	bool ro = false;

	if (!c1) {
		bad(ps, key, v, "want HOST:CTR[:ro]");
		return;
	}
	c2 = strchr(c1 + 1, ':');
	if (c2) {
		if (!strcmp(c2 + 1, "ro"))
			ro = true;
		else if (strcmp(c2 + 1, "rw")) {
			bad(ps, key, v, "option must be ro or rw");
			return;
		}
	}
	snprintf(src, sizeof(src), "%.*s", (int)(c1 - v), v);
	snprintf(dst, sizeof(dst), "%.*s", c2 ? (int)(c2 - c1 - 1) : (int)strlen(c1 + 1), c1 + 1);
	why = path_problem(src);
	if (why) {
		bad(ps, key, v, "source %s", why);
		return;
	}
	path_clean(src, cs, sizeof(cs));
	/* a volume must never hand the container the control FIFO or the watchdog */
	if (conf_volume_src_bad(cs)) {
		bad(ps, key, v, "source %s would expose cabin's own files", cs);
		return;
	}
	path_clean(dst, cd, sizeof(cd));
	if (!mount_dst_ok(ps, key, v, cd))
		return;
	ps->t.vol[ps->t.nvol].src = pstr(ps, cs, strlen(cs));
	ps->t.vol[ps->t.nvol].dst = pstr(ps, cd, strlen(cd));
	ps->t.vol[ps->t.nvol].ro = ro;
	ps->t.nvol++;
}

static void set_tmpfs(struct pstate *ps, const char *key, const char *v)
{
	char p[CONFIG_CONF_LINE_MAX + 1], cp[CONFIG_CONF_LINE_MAX + 1];
	const char *colon = strchr(v, ':');
	uint64_t size = 0;

	snprintf(p, sizeof(p), "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
	if (colon && (conf_parse_size(colon + 1, &size) || size < 4096 || size > (1ULL << 40))) {
		bad(ps, key, v, "size must be 4K..1024G (number with K, M or G)");
		return;
	}
	path_clean(p, cp, sizeof(cp));
	if (!mount_dst_ok(ps, key, v, cp))
		return;
	ps->t.tmpfs[ps->t.ntmpfs].path = pstr(ps, cp, strlen(cp));
	ps->t.tmpfs[ps->t.ntmpfs].size = size;
	ps->t.ntmpfs++;
}

static bool user_part_ok(const char *s, size_t n)
{
	size_t i;
	bool digits = true;

	if (n < 1 || n > 32)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = false;
	if (digits) /* a number below 2^32 - 1: (uid_t)-1 means "unchanged" to the kernel */
		return n <= 10 && util_strtoull(s, NULL, 10) < 0xFFFFFFFFull;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

static void set_ctr(struct pstate *ps, int k, const char *key, const char *v)
{
	struct conf_ctr *t = &ps->t;
	uint64_t u;
	uint32_t ms;
	bool b;
	int e, i;

	switch (k) {
	case K_ROOTFS: {
		const char *why = path_problem(v);
		char buf[CONFIG_CONF_LINE_MAX + 1];

		if (why)
			bad(ps, key, v, "%s", why);
		else if (!strcmp(v, "/"))
			bad(ps, key, v, "the host's / cannot be a container rootfs");
		else
			t->rootfs = pstr(ps, buf, strlen(path_clean(v, buf, sizeof(buf))));
		break;
	}
	case K_CMD:
		split_words(ps, key, v, t->argv, &t->argc);
		break;
	case K_ENV: {
		const char *eq = strchr(v, '=');
		size_t n = eq ? (size_t)(eq - v) : 0;

		for (i = 0; i < (int)n; i++)
			if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
			      v[i] == '_' || (i && v[i] >= '0' && v[i] <= '9')))
				break;
		if (!eq || !n || i != (int)n) {
			bad(ps, key, v, "want NAME=VALUE");
			break;
		}
		for (i = 0; i < t->nenv; i++)
			if (!strncmp(t->env[i], v, n + 1))
				break;
		if (i < t->nenv) {
			bad(ps, key, v, "%.*s set twice", (int)n, v);
			break;
		}
		if (t->nenv >= CONFIG_MAX_ENV) {
			perr(ps, "too many env= (CONFIG_MAX_ENV=%d)", CONFIG_MAX_ENV);
			break;
		}
		t->env[t->nenv++] = pstr(ps, v, strlen(v));
		t->env[t->nenv] = NULL;
		break;
	}
	case K_WORKDIR: {
		const char *why = path_problem(v);
		char buf[CONFIG_CONF_LINE_MAX + 1];

		if (why)
			bad(ps, key, v, "%s", why);
		else
			t->workdir = pstr(ps, buf, strlen(path_clean(v, buf, sizeof(buf))));
		break;
	}
	case K_USER: {
		const char *colon = strchr(v, ':');
		size_t n1 = colon ? (size_t)(colon - v) : strlen(v);

		if (!user_part_ok(v, n1) || (colon && !user_part_ok(colon + 1, strlen(colon + 1))))
			bad(ps, key, v, "want UID[:GID] or NAME[:GROUP]");
		else
			t->user = pstr(ps, v, strlen(v));
		break;
	}
	case K_HOSTNAME: {
		char buf[128];

		if (!conf_expand_i(v, 1, buf, sizeof(buf)) || !conf_hostname_ok(buf))
			bad(ps, key, v,
			    "not a hostname (letters, digits, '-', '.', %%i; at most 63)");
		else {
			t->hostname_spec = pstr(ps, v, strlen(v));
			t->hostname_line = ps->lineno;
		}
		break;
	}
	case K_UMASK:
		if (!*v || strspn(v, "01234567") != strlen(v) || strlen(v) > 4 ||
		    (unsigned long)util_strtoull(v, NULL, 8) > 0777)
			bad(ps, key, v, "want an octal mask 000..777");
		else
			t->umask = (unsigned long)util_strtoull(v, NULL, 8);
		break;
	case K_RLIMIT_NOFILE:
		if (get_uint(ps, key, v, 16, 1 << 20, &u))
			t->rlimit_nofile = u;
		break;
	case K_STOP_SIGNAL:
		e = conf_signal_number(v);
		if (e < 0)
			bad(ps, key, v, "unknown signal");
		else
			t->stop_signal = e;
		break;
	case K_STOP_TIMEOUT:
		if (get_dur(ps, key, v, 0, 3600 * 1000, &ms))
			t->stop_timeout_ms = ms;
		break;
	case K_START_TIMEOUT:
		if (get_dur(ps, key, v, 100, 3600 * 1000, &ms))
			t->start_timeout_ms = ms;
		break;
	case K_READONLY:
		get_bool(ps, key, v, &t->readonly);
		break;
	case K_VOLUME:
		set_volume(ps, key, v);
		break;
	case K_TMPFS:
		set_tmpfs(ps, key, v);
		break;
	case K_KIND:
		e = get_enum(ps, key, v, "container|host");
		if (e >= 0)
			t->host_kind = e == 1;
		break;
	case K_NET:
		e = get_enum(ps, key, v, "bridge|none|host");
		if (e == CONF_NET_BRIDGE && !CONFIG_NET)
			bad(ps, key, v, "bridge networking is not built in (CONFIG_NET=n)");
		else if (e >= 0)
			t->net = e;
		break;
	case K_CAP_ADD:
		set_caps(ps, key, v, &t->cap_add);
		break;
	case K_CAP_DROP:
		set_caps(ps, key, v, &t->cap_drop);
		break;
	case K_NO_NEW_PRIVS:
		get_bool(ps, key, v, &t->no_new_privs);
		break;
	case K_SECCOMP:
		e = get_enum(ps, key, v, "default|unconfined");
		if (e >= 0)
			t->unconfined = e == 1;
		break;
	case K_SECCOMP_ALLOW: { /* names the default filter refuses, comma-separated */
		char nm[40];

		for (const char *p = v; *p;) {
			size_t l = strcspn(p, ",");
			int bit;

			snprintf(nm, sizeof(nm), "%.*s",
				 (int)(l < sizeof(nm) - 1 ? l : sizeof(nm) - 1), p);
			bit = l < sizeof(nm) ? seccomp_lookup(nm) : -1;
			if (bit < 0) {
				bad(ps, key, v,
				    "not a syscall the default filter refuses (README: Seccomp)");
				break;
			}
			t->seccomp_allow |= 1ULL << bit;
			p += l + (p[l] == ',');
		}
		break;
	}
	case K_USERNS:
		if (get_bool(ps, key, v, &b)) {
			if (b && !CONFIG_USERNS)
				bad(ps, key, v,
				    "user namespaces are not built in (CONFIG_USERNS=n)");
			else
				t->userns = b;
		}
		break;
	case K_SYSCTL: {
		const char *eq = strchr(v, '=');
		char sk[128];
		size_t n = eq ? (size_t)(eq - v) : 0;

		if (!eq || !n || n >= sizeof(sk) || !eq[1]) {
			bad(ps, key, v, "want KEY=VALUE");
			break;
		}
		memcpy(sk, v, n);
		sk[n] = 0;
		if (strspn(sk,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			    n ||
		    util_strstr(sk, "..") || sk[0] == '.' || sk[n - 1] == '.') {
			bad(ps, key, v, "bad sysctl name %s", sk);
			break;
		}
		if (!sysctl_allowed(sk)) {
			bad(ps, key, v,
			    "%s is not namespaced (allowed: net.*, kernel.shm*, "
			    "kernel.msg*, kernel.sem, fs.mqueue.*)",
			    sk);
			break;
		}
		if (t->nsysctl >= CONFIG_MAX_SYSCTL) {
			perr(ps, "too many sysctl= (CONFIG_MAX_SYSCTL=%d)", CONFIG_MAX_SYSCTL);
			break;
		}
		t->sysctl[t->nsysctl].key = pstr(ps, sk, n);
		t->sysctl[t->nsysctl].val = pstr(ps, eq + 1, strlen(eq + 1));
		t->nsysctl++;
		break;
	}
	case K_MEMORY:
		get_size(ps, key, v, 1 << 20, 1ULL << 50, &t->memory);
		break;
	case K_MEMORY_HIGH:
		get_size(ps, key, v, 1 << 20, 1ULL << 50, &t->memory_high);
		break;
	case K_CPU: {
		uint32_t m;
		int r = conf_parse_cpu(v, &m);

		if (r == -EINVAL)
			bad(ps, key, v, "want cores, e.g. 0.5 or 2 (at most 3 decimals)");
		else if (r)
			bad(ps, key, v, "out of range 0.01..1024");
		else
			t->cpu_milli = m;
		break;
	}
	case K_CPU_WEIGHT:
		if (get_uint(ps, key, v, 1, 10000, &u))
			t->cpu_weight = u;
		break;
	case K_PIDS:
		if (get_uint(ps, key, v, 1, 4194304, &u))
			t->pids = u;
		break;
	case K_IO_WEIGHT:
		if (get_uint(ps, key, v, 1, 10000, &u))
			t->io_weight = u;
		break;
	case K_IP:
		if (!ip_parse(v, &t->ip) || !t->ip.s_addr)
			bad(ps, key, v, "not an IPv4 address");
		else {
			t->ip_auto = false;
			t->ip_line = ps->lineno;
		}
		break;
	case K_PORT: {
		struct conf_port p;
		const char *why = conf_port_parse(v, 1, &p);

		if (why) {
			bad(ps, key, v, "%s", why);
			break;
		}
		if (t->nport >= CONFIG_MAX_PORTS) {
			perr(ps, "too many port= (CONFIG_MAX_PORTS=%d)", CONFIG_MAX_PORTS);
			break;
		}
		t->port_spec[t->nport] = pstr(ps, v, strlen(v));
		t->port_line[t->nport] = ps->lineno;
		t->port[t->nport++] = p;
		break;
	}
	case K_ISOLATED:
		get_bool(ps, key, v, &t->isolated);
		break;
	case K_RESTART:
		if (!strncmp(v, "on-failure:", 11)) {
			e = conf_parse_u64(v + 11, &u);
			if (e || u > 1000000) {
				bad(ps, key, v, "want on-failure:N with N 0..1000000");
				break;
			}
			t->restart = CONF_RESTART_ON_FAILURE;
			t->restart_max = u;
			break;
		}
		e = get_enum(ps, key, v, "no|always|on-failure|unless-stopped");
		if (e >= 0) {
			t->restart = e;
			t->restart_max = 0;
		}
		break;
	case K_RESTART_DELAY:
		get_dur(ps, key, v, 1, 3600 * 1000, &t->restart_delay_ms);
		break;
	case K_RESTART_MAX_DELAY:
		get_dur(ps, key, v, 1, 24 * 3600 * 1000, &t->restart_max_delay_ms);
		break;
	case K_RESTART_RESET:
		get_dur(ps, key, v, 0, 24 * 3600 * 1000, &t->restart_reset_ms);
		break;
	case K_DEPENDS:
		if (!name_ok(v)) {
			bad(ps, key, v, "not a container name");
			break;
		}
		for (i = 0; i < t->ndepends; i++)
			if (!strcmp(t->depends[i], v))
				break;
		if (i < t->ndepends) {
			bad(ps, key, v, "listed twice");
			break;
		}
		if (t->ndepends >= CONFIG_MAX_DEPENDS) {
			perr(ps, "too many depends= (CONFIG_MAX_DEPENDS=%d)", CONFIG_MAX_DEPENDS);
			break;
		}
		t->depends_line[t->ndepends] = ps->lineno;
		t->depends[t->ndepends++] = pstr(ps, v, strlen(v));
		break;
	case K_AUTOSTART:
		get_bool(ps, key, v, &t->autostart);
		break;
	case K_REPLICAS:
		if (get_uint(ps, key, v, 1, CONFIG_MAX_CONTAINERS, &u))
			t->replicas = u;
		break;
	case K_HEALTH:
		if (!CONFIG_HEALTH) {
			bad(ps, key, v, "health checks are not built in (CONFIG_HEALTH=n)");
		} else if (!strncmp(v, "exec:", 5)) {
			t->health = CONF_HEALTH_EXEC;
			split_words(ps, key, v + 5, t->health_argv, &t->health_argc);
		} else if (!strncmp(v, "tcp:", 4)) {
			if (get_uint(ps, key, v + 4, 1, 65535, &u)) {
				t->health = CONF_HEALTH_TCP;
				t->health_port = u;
			}
		} else if (!strcmp(v, "notify") || !strcmp(v, "heartbeat")) {
			t->health = CONF_HEALTH_HEARTBEAT;
		} else if (!strcmp(v, "none")) {
			t->health = CONF_HEALTH_NONE;
		} else {
			bad(ps, key, v, "want exec:CMD, tcp:PORT, notify or none");
		}
		break;
	case K_HEALTH_INTERVAL:
		get_dur(ps, key, v, 100, 24 * 3600 * 1000, &t->health_interval_ms);
		break;
	case K_HEALTH_TIMEOUT:
		get_dur(ps, key, v, 10, 3600 * 1000, &t->health_timeout_ms);
		break;
	case K_HEALTH_RETRIES:
		if (get_uint(ps, key, v, 1, 1000, &u))
			t->health_retries = u;
		break;
	case K_HEALTH_START:
		get_dur(ps, key, v, 0, 24 * 3600 * 1000, &t->health_start_ms);
		break;
	case K_ON_UNHEALTHY:
		e = get_enum(ps, key, v, "restart|none|reboot");
		if (e >= 0)
			t->on_unhealthy = e;
		break;
	case K_CRITICAL:
		get_bool(ps, key, v, &t->critical);
		break;
	case K_LOG:
		if (!strncmp(v, "file:", 5)) {
			const char *why = path_problem(v + 5);

			if (why) {
				bad(ps, key, v, "%s", why);
				break;
			}
			t->log = CONF_LOG_FILE;
			t->log_path = pstr(ps, v + 5, strlen(v + 5));
			break;
		}
		e = get_enum(ps, key, v, "ring|console|file:PATH|none");
		if (e == 2) /* the literal "file:PATH" */
			bad(ps, key, v, "give the log file's path");
		else if (e >= 0)
			t->log = e;
		break;
	case K_LOG_SIZE:
		if (get_size(ps, key, v, 1024, 1 << 30, &u))
			t->log_size = u;
		break;
	case K_LOG_MAX:
		if (get_size(ps, key, v, 4096, 1u << 31, &u))
			t->log_max = u;
		break;
	}
}

static void set_global(struct pstate *ps, int k, const char *key, const char *v)
{
	struct conf *c = ps->c;
	uint64_t u;
	uint32_t ms;
	int e;

	switch (k) {
	case K_HOSTNAME:
		if (!conf_hostname_ok(v))
			bad(ps, key, v, "not a hostname (letters, digits, '-', '.'; at most 63)");
		else
			c->hostname = pstr(ps, v, strlen(v));
		break;
	case K_BRIDGE:
		if (!*v || strlen(v) > 15 || !strcmp(v, ".") || !strcmp(v, "..") ||
		    strspn(v,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			    strlen(v))
			bad(ps, key, v, "not an interface name (at most 15 of a-z A-Z 0-9 _ . -)");
		else
			strcpy(c->bridge, v);
		break;
	case K_SUBNET: {
		char a[32];
		const char *slash = strchr(v, '/');
		struct in_addr ia;
		uint32_t h, mask;

		if (!slash || (size_t)(slash - v) >= sizeof(a) ||
		    get_uint(ps, key, slash + 1, 8, 30, &u) == false) {
			if (!slash)
				bad(ps, key, v, "want ADDRESS/PREFIX, e.g. 10.88.0.1/24");
			break;
		}
		snprintf(a, sizeof(a), "%.*s", (int)(slash - v), v);
		if (!ip_parse(a, &ia)) {
			bad(ps, key, v, "not an IPv4 address");
			break;
		}
		h = ntohl(ia.s_addr);
		mask = 0xffffffffu << (32 - u);
		if ((h & ~mask) == 0 || (h & ~mask) == ~mask) {
			bad(ps, key, v,
			    "the bridge address cannot be the network or broadcast "
			    "address");
			break;
		}
		c->subnet_addr = ia;
		c->subnet_prefix = u;
		break;
	}
	case K_BRIDGE_MAC: {
		/* by hand: sscanf would pull in 9 KB of libc's scanner */
		uint8_t m[6];
		int i;

		for (i = 0; i < 17; i++) {
			int h = v[i] | 0x20, d = h >= 'a' && h <= 'f' ? h - 'a' + 10 : v[i] - '0';

			if (i % 3 == 2 ? v[i] != ':' : d < 0 || d > 15)
				break;
			if (i % 3 == 0)
				m[i / 3] = d << 4;
			else if (i % 3 == 1)
				m[i / 3] |= d;
		}
		if (i < 17 || v[17]) {
			bad(ps, key, v, "want a MAC address xx:xx:xx:xx:xx:xx");
			break;
		}
		if (m[0] & 1) {
			bad(ps, key, v, "a multicast address cannot be a bridge address");
			break;
		}
		memcpy(c->bridge_mac, m, 6);
		c->bridge_mac_set = true;
		break;
	}
	case K_NAT:
		get_bool(ps, key, v, &c->nat);
		break;
	case K_DNS: {
		struct in_addr ia;

		if (!ip_parse(v, &ia))
			bad(ps, key, v, "not an IPv4 address");
		else if (c->ndns >= (int)ARRAY_SIZE(c->dns))
			perr(ps, "too many dns= (at most %d)", (int)ARRAY_SIZE(c->dns));
		else
			c->dns[c->ndns++] = pstr(ps, v, strlen(v));
		break;
	}
	case K_MODULE: {
		const char *why = path_problem(v);

		if (why)
			bad(ps, key, v, "%s", why);
		else if (c->nmodule >= (int)ARRAY_SIZE(c->module))
			perr(ps, "too many module= (at most %d)", (int)ARRAY_SIZE(c->module));
		else
			c->module[c->nmodule++] = pstr(ps, v, strlen(v));
		break;
	}
	case K_WATCHDOG: {
		const char *why = path_problem(v);

		if (!CONFIG_WATCHDOG)
			bad(ps, key, v, "watchdog support is not built in (CONFIG_WATCHDOG=n)");
		else if (why)
			bad(ps, key, v, "%s", why);
		else
			c->watchdog = pstr(ps, v, strlen(v));
		break;
	}
	case K_WATCHDOG_TIMEOUT:
		if (get_dur(ps, key, v, 1000, 3600 * 1000, &ms)) {
			if (ms % 1000)
				bad(ps, key, v, "the watchdog counts whole seconds");
			else
				c->watchdog_timeout_s = ms / 1000;
		}
		break;
	case K_LOG_SIZE:
		if (get_size(ps, key, v, 1024, 1 << 30, &u))
			c->log_size = u;
		break;
	case K_LOG_MAX:
		if (get_size(ps, key, v, 4096, 1u << 31, &u))
			c->log_max = u;
		break;
	case K_STOP_TIMEOUT:
		get_dur(ps, key, v, 0, 3600 * 1000, &c->stop_timeout_ms);
		break;
	case K_SHUTDOWN_TIMEOUT:
		get_dur(ps, key, v, 1000, 3600 * 1000, &c->shutdown_timeout_ms);
		break;
	case K_CGROUP:
		e = get_enum(ps, key, v, "auto|v1|v2");
		if (e >= 0)
			c->cgroup = e;
		break;
	case K_CGROUP_PARENT: {
		const char *why = path_problem(v);

		if (why)
			bad(ps, key, v, "%s", why);
		else
			c->cgroup_parent = pstr(ps, v, strlen(v));
		break;
	}
	case K_ON_BOOT_LOOP:
		e = get_enum(ps, key, v, "none|stop|halt|known-good");
		if (e >= 0)
			c->on_boot_loop = e;
		break;
	case K_STATE_DIR: {
		const char *why = path_problem(v);

		if (why)
			bad(ps, key, v, "%s", why);
		else
			c->state_dir = pstr(ps, v, strlen(v));
		break;
	}
	case K_BOOT_LIMIT:
		if (get_uint(ps, key, v, 1, 1000, &u))
			c->boot_limit = (uint32_t)u;
		break;
	case K_BOOT_WINDOW:
		get_dur(ps, key, v, 1000, 24u * 3600 * 1000, &c->boot_window_ms);
		break;
	case K_GOOD_AFTER:
		get_dur(ps, key, v, 100, 24u * 3600 * 1000, &c->good_after_ms);
		break;
	case K_SETS_DIR: {
		const char *why = path_problem(v);

		if (why)
			bad(ps, key, v, "%s", why);
		else
			c->sets_dir = pstr(ps, v, strlen(v));
		break;
	}
	case K_TRY_SETTLE:
		get_dur(ps, key, v, 0, 24u * 3600 * 1000, &c->try_settle_ms);
		break;
	case K_TRY_TIMEOUT:
		get_dur(ps, key, v, 1000, 24u * 3600 * 1000, &c->try_timeout_ms);
		break;
	}
}

static void sec_end(struct pstate *ps)
{
	struct conf *c = ps->c;
	struct conf_ctr *t = &ps->t;
	int i, save;

	if (!ps->in_sec)
		return;
	ps->in_sec = false;
	if (ps->sec_bad)
		return; /* a broken [header]: its keys were checked, nothing more to say */
	save = ps->lineno;
	ps->lineno = t->line;
	if (t->host_kind) {
		/* the host's root and network; nothing of a container's filesystem */
		ps->lineno = ps->seen[K_KIND];
		if (t->rootfs)
			perr(ps, "kind=host runs on the host's /: no rootfs=");
		if (ps->seen[K_NET] && t->net != CONF_NET_HOST)
			perr(ps, "kind=host shares the host's network: no net=");
		if (t->nvol || t->ntmpfs || t->readonly || t->userns || t->nsysctl)
			perr(ps, "kind=host has no volume=, tmpfs=, readonly=, userns= or sysctl=");
		t->rootfs = "/";
		t->net = CONF_NET_HOST;
		ps->lineno = t->line;
	}
	if (!t->rootfs)
		perr(ps, "[%s]: missing rootfs=", t->section);
	if (!t->argc)
		perr(ps, "[%s]: missing cmd=", t->section);
	ps->lineno = save;

	if (!ps->seen[K_STOP_TIMEOUT])
		t->stop_timeout_ms = c->stop_timeout_ms;
	if (!ps->seen[K_LOG_SIZE])
		t->log_size = c->log_size;
	if (!ps->seen[K_LOG_MAX])
		t->log_max = c->log_max;

	/* checks between keys of one section, reported at the later key */
	if (t->memory && t->memory_high && t->memory_high > t->memory) {
		ps->lineno = ps->seen[K_MEMORY_HIGH];
		perr(ps, "memory_high= is above memory=");
	}
	if (t->restart_delay_ms > t->restart_max_delay_ms) {
		ps->lineno = ps->seen[K_RESTART_DELAY] > ps->seen[K_RESTART_MAX_DELAY]
				     ? ps->seen[K_RESTART_DELAY]
				     : ps->seen[K_RESTART_MAX_DELAY];
		perr(ps, "restart_delay= is above restart_max_delay=");
	}
	if (t->net != CONF_NET_BRIDGE) {
		if (!t->ip_auto) {
			ps->lineno = t->ip_line;
			perr(ps, "ip= needs net=bridge");
		}
		if (t->nport) {
			ps->lineno = t->port_line[0];
			perr(ps, "port= needs net=bridge");
		}
		if (t->isolated) {
			ps->lineno = ps->seen[K_ISOLATED];
			perr(ps, "isolated= needs net=bridge");
		}
	}
	if (t->net == CONF_NET_HOST)
		for (i = 0; i < t->nsysctl; i++)
			if (!strncmp(t->sysctl[i].key, "net.", 4)) {
				ps->lineno = ps->seen[K_SYSCTL];
				perr(ps, "sysctl %s with net=host would change the host",
				     t->sysctl[i].key);
			}
	if (!t->ip_auto && t->replicas > 1) {
		ps->lineno = t->ip_line;
		perr(ps, "ip= cannot be combined with replicas=%d (one address, %d instances)",
		     t->replicas, t->replicas);
	}
	/* Docker's rules, normalised so that (default & ~drop) | add is the set:
	 * cap_drop=ALL + cap_add=X gives X; cap_add=ALL + cap_drop=X gives all but X;
	 * one named capability in both is a mistake */
	if (t->cap_add == CONF_CAP_ALL && t->cap_drop != CONF_CAP_ALL) {
		t->cap_add &= ~t->cap_drop;
	} else if ((t->cap_add & t->cap_drop) && t->cap_drop != CONF_CAP_ALL) {
		ps->lineno = ps->seen[K_CAP_DROP] > ps->seen[K_CAP_ADD] ? ps->seen[K_CAP_DROP]
									: ps->seen[K_CAP_ADD];
		perr(ps, "capability %s both added and dropped",
		     conf_cap_name(__builtin_ctzll(t->cap_add & t->cap_drop)));
	}
	ps->lineno = save;

	if (ps->sec_skip)
		return;
	if (c->nctr + t->replicas > CONFIG_MAX_CONTAINERS) {
		conf_report(ps->d, ps->file, ps->seen[K_REPLICAS] ? ps->seen[K_REPLICAS] : t->line,
			    "too many containers (CONFIG_MAX_CONTAINERS=%d)",
			    CONFIG_MAX_CONTAINERS);
		return;
	}
	for (i = 1; i <= t->replicas; i++) {
		c->ctr[c->nctr] = *t;
		conf_inst_setup(c, &c->ctr[c->nctr], i, t->replicas, ps->d);
		c->nctr++;
	}
}

static void sec_begin(struct pstate *ps, const char *name, bool bad_header)
{
	struct conf *c = ps->c;
	int i;

	sec_end(ps);
	ps->in_sec = true;
	ps->sec_skip = bad_header;
	ps->sec_bad = bad_header;
	memset(ps->seen, 0, sizeof(ps->seen));
	ctr_defaults(ps, &ps->t);
	snprintf(ps->t.section, sizeof(ps->t.section), "%s", name);
	ps->t.file = ps->file;
	ps->t.line = ps->lineno;
	if (bad_header)
		return;
	if (!name_ok(name))
		perr(ps, "invalid container name '%.64s' (want [a-z0-9][a-z0-9_-]{0,30})", name);
	for (i = 0; i < c->nctr; i++)
		if (!strcmp(c->ctr[i].section, ps->t.section)) {
			perr(ps, "duplicate container [%s] (first at %s:%d)", ps->t.section,
			     c->ctr[i].file, c->ctr[i].line);
			ps->sec_skip = true;
			break;
		}
}

/* ------------------------------------------------------------------------------------ */
/* Lines                                                                                */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* " # ..." after a value is part of it (env=COLOR=#fff needs the #): say so, since it
 * looks like a comment; inside cmd's double quotes it is plain text */
static void warn_hash(struct pstate *ps, const char *key, const char *v)
{
	bool q = false;

	for (const char *p = v; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == '#' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			conf_warn(ps->d, ps->file, ps->lineno,
				  "%s=: '#' after the value is part of it, not a comment "
				  "(comments go on their own line)",
				  key);
			return;
		}
	}
}

static void parse_line(struct pstate *ps, char *s)
{
	char *eq, *key, *v;
	int k;

	s = trim(s);
	if (!*s || *s == '#')
		return;
	if (*s == '[') {
		char *e = strchr(s, ']');

		if (!e || e[1]) {
			perr(ps, "bad section header (want [name])");
			/* keep the keys that follow out of the previous section */
			sec_begin(ps, "", true);
			return;
		}
		*e = 0;
		sec_begin(ps, trim(s + 1), false);
		return;
	}
	eq = strchr(s, '=');
	if (!eq) {
		perr(ps, "expected key=value or [name]");
		return;
	}
	*eq = 0;
	key = trim(s);
	v = trim(eq + 1);
	if (!*key) {
		perr(ps, "missing key before '='");
		return;
	}
	warn_hash(ps, key, v);
	k = key_find(key);
	if (k < 0) {
		const char *sug = key_suggest(key);

		if (sug)
			perr(ps, "unknown key '%.64s' (did you mean '%s'?)", key, sug);
		else
			perr(ps, "unknown key '%.64s'", key);
		return;
	}
	if (ps->in_sec && !(keys[k].flags & KC)) {
		perr(ps, "global key '%s' inside [%s]: global keys go before the first section",
		     key, ps->t.section);
		return;
	}
	if (!ps->in_sec && !(keys[k].flags & KG)) {
		perr(ps, "container key '%s' outside a [name] section", key);
		return;
	}
	if (!ps->in_sec && !ps->global_ok) {
		perr(ps, "global key '%s' is only allowed in the main config file", key);
		return;
	}
	if (!(keys[k].flags & KR)) {
		int *seen = ps->in_sec ? ps->seen : ps->gseen;

		if (seen[k]) {
			perr(ps, "duplicate key '%s' (first at line %d)", key, seen[k]);
			return;
		}
		seen[k] = ps->lineno;
	} else if (ps->in_sec && !ps->seen[k]) {
		ps->seen[k] = ps->lineno;
	}
	if (!*v) {
		perr(ps, "%s= needs a value", key);
		return;
	}
	if (ps->in_sec)
		set_ctr(ps, k, key, v);
	else
		set_global(ps, k, key, v);
}

static void end_line(struct pstate *ps)
{
	size_t i;

	ps->lineno++;
	if (ps->gave_up)
		goto out;
	if (ps->toolong) {
		perr(ps, "line too long (CONFIG_CONF_LINE_MAX=%d)", CONFIG_CONF_LINE_MAX);
		goto out;
	}
	for (i = 0; i < ps->len; i++) {
		unsigned char ch = ps->line[i];

		if ((ch < 0x20 && ch != '\t' && !(ch == '\r' && i == ps->len - 1)) || ch == 0x7f)
			break;
	}
	if (i < ps->len) {
		perr(ps, "binary junk in line (byte 0x%02x)", (unsigned char)ps->line[i]);
		if (++ps->junk_lines >= 8) {
			perr(ps, "too much binary junk, ignoring the rest of the file");
			ps->gave_up = true;
		}
		goto out;
	}
	ps->line[ps->len] = 0;
	parse_line(ps, ps->line);
out:
	ps->len = 0;
	ps->toolong = false;
}

static void feed(struct pstate *ps, const char *buf, size_t len)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		size_t room = CONFIG_CONF_LINE_MAX - ps->len;

		if (n > room) {
			ps->toolong = true;
			memcpy(ps->line + ps->len, buf, room);
			ps->len += room;
		} else {
			memcpy(ps->line + ps->len, buf, n);
			ps->len += n;
		}
		if (!nl)
			return;
		end_line(ps);
		buf += n + 1;
		len -= n + 1;
	}
}

static void ps_begin(struct pstate *ps, struct conf *c, const char *name, struct conf_diag *d)
{
	memset(ps, 0, offsetof(struct pstate, t));
	ps->c = c;
	ps->d = d;
	ps->file = conf_astr(c, name, strlen(name));
	if (!ps->file) {
		ps->file = "?";
		perr(ps, "config too big for the string arena (CONFIG_CONF_ARENA_KB=%d)",
		     CONFIG_CONF_ARENA_KB);
		ps->arena_reported = true;
	}
	ps->global_ok = c->nfiles == 0;
	if (c->nfiles < CONFIG_CONF_MAX_FILES)
		c->files[c->nfiles] = ps->file;
	c->nfiles++;
}

static void ps_end(struct pstate *ps)
{
	if (ps->len || ps->toolong)
		end_line(ps);
	sec_end(ps);
}

int conf_parse_buf(struct conf *c, const char *name, const char *buf, size_t len,
		   struct conf_diag *d)
{
	struct conf_diag local = { 0 };
	struct pstate ps;
	int nerr;

	if (!d)
		d = &local;
	nerr = d->nerr;
	ps_begin(&ps, c, name, d);
	feed(&ps, buf, len);
	ps_end(&ps);
	return d->nerr != nerr ? -EINVAL : 0;
}

/* ------------------------------------------------------------------------------------ */
/* Files                                                                                */

/* every directory above path: owned by root (or us), and not writable by others
 * unless sticky and root's (/tmp); the first one that fails is reported */
static void trust_chain(const char *path, const char *name, struct conf_diag *d)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) || dir[0] != '/')
		return;
	while ((slash = strrchr(dir, '/'))) {
		if (slash == dir)
			slash[1] = 0; /* "/" itself, last */
		else
			*slash = 0;
		if (stat(dir, &st) == 0 &&
		    ((st.st_uid != 0 && st.st_uid != geteuid()) ||
		     ((st.st_mode & 022) && !((st.st_mode & S_ISVTX) && st.st_uid == 0)))) {
			conf_report(d, name, 0,
				    "directory %s is writable by others or not root's; refusing "
				    "the config in it (chown root %s; chmod go-w %s)",
				    dir, dir, dir);
			return;
		}
		if (slash == dir)
			return;
	}
}

/* the path as given (a link in a writable directory is as bad as the file) and the
 * path the kernel resolved */
static void trust_dirs(int fd, const char *name, struct conf_diag *d)
{
	char fp[32], real[PATH_MAX];
	ssize_t n;

	trust_chain(name, name, d);
	snprintf(fp, sizeof(fp), "/proc/self/fd/%d", fd);
	n = readlink(fp, real, sizeof(real) - 1);
	if (n > 0 && (real[n] = 0, strcmp(real, name)))
		trust_chain(real, name, d);
}

static int parse_fd(struct conf *c, int fd, const char *name, struct conf_diag *d)
{
	struct pstate ps;
	struct stat st;
	char buf[4096];
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		conf_report(d, name, 0, "cannot stat: %s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_report(d, name, 0, "not a regular file");
		return -EINVAL;
	}
	/* like sshd's StrictModes: a config anyone else can write, or replace through a
	 * directory on its way, is a config anyone can own us with */
	if (st.st_mode & 022)
		conf_report(d, name, 0, "is group- or world-writable; refusing it (chmod go-w %s)",
			    name);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		conf_report(d, name, 0, "is owned by uid %u; refusing it (chown root %s)",
			    (unsigned)st.st_uid, name);
	trust_dirs(fd, name, d);
	ps_begin(&ps, c, name, d);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conf_report(d, name, 0, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		feed(&ps, buf, n);
	}
	ps_end(&ps);
	return 0;
}

struct dirent64_k {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int load_dir(struct conf *c, const char *dir, struct conf_diag *d)
{
	char names[CONFIG_CONF_MAX_FILES][256];
	char path[4096 + 256];
	char buf[4096];
	int order[CONFIG_CONF_MAX_FILES];
	int n = 0, i, j, fd;
	bool overflow = false;
	struct stat st;
	long got;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		conf_report(d, dir, 0, "cannot open directory: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 022))
		conf_report(d, dir, 0, "is group- or world-writable; refusing it (chmod go-w %s)",
			    dir);
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		long off = 0;

		while (off < got) {
			struct dirent64_k *de = (struct dirent64_k *)(buf + off);
			size_t l = strlen(de->d_name);

			off += de->d_reclen;
			if (de->d_name[0] == '.' || l < 6 || l > 255 ||
			    strcmp(de->d_name + l - 5, ".conf"))
				continue;
			/* the main file counts as one of CONF_MAX_FILES */
			if (n >= CONFIG_CONF_MAX_FILES - 1) {
				overflow = true;
				continue;
			}
			memcpy(names[n], de->d_name, l + 1);
			order[n] = n;
			n++;
		}
	}
	if (got < 0)
		conf_report(d, dir, 0, "cannot read directory: %s", strerror(errno));
	if (overflow)
		conf_report(d, dir, 0, "too many *.conf files (CONFIG_CONF_MAX_FILES=%d)",
			    CONFIG_CONF_MAX_FILES);
	/* name order, byte-wise like LC_ALL=C ls: insertion sort of at most a few dozen */
	for (i = 1; i < n; i++) {
		int x = order[i];

		for (j = i; j > 0 && strcmp(names[order[j - 1]], names[x]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
	for (i = 0; i < n; i++) {
		int ffd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[order[i]]);
		ffd = openat(fd, names[order[i]], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (ffd < 0) {
			conf_report(d, path, 0, "cannot open: %s", strerror(errno));
			continue;
		}
		parse_fd(c, ffd, path, d);
		close(ffd);
	}
	close(fd);
	return 0;
}

int conf_load(struct conf *c, const char *file, const char *confdir, struct conf_diag *d)
{
	return conf_load_set(c, file, confdir, NULL, d);
}

int conf_load_set(struct conf *c, const char *file, const char *confdir, const char *setdir,
		  struct conf_diag *d)
{
	struct conf_diag local = { 0 };
	int fd, r;

	if (!d)
		d = &local;
	conf_init(c);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		conf_report(d, file, 0, "cannot open: %s", strerror(errno));
		return r;
	}
	r = parse_fd(c, fd, file, d);
	close(fd);
	if (r < 0)
		return r;
	if (confdir)
		load_dir(c, confdir, d);
	if (setdir) /* a deployed config set: its sections beside the firmware's */
		load_dir(c, setdir, d);
	return conf_finish(c, d);
}
