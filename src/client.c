// SPDX-License-Identifier: MIT
/* Client side of the control FIFO: every command that talks to the daemon (SPEC §5).
 * Checks usage before sending, sends one request through ctl_call() and turns the kv
 * records of listings into a table or JSON. A short-lived process: it may allocate and
 * use stdio; nothing here runs inside the daemon. */
#define _GNU_SOURCE
#include <errno.h>
#include <termios.h>
#include <sys/syscall.h>
#include <sys/statfs.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cabin/spawn.h"
#include "cabin/util.h"
#include "cabin/cli.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/err.h"
#include "cabin/mount.h"

enum { OUT_TABLE, OUT_KV, OUT_JSON, OUT_PROM };

enum {
	K_PLAIN, /* payload on stdout, or on stderr when the command fails */
	K_PS,	 /* kv records -> table */
	K_STATS,
	K_INSPECT, /* key=value lines -> one object */
	K_EVENTS,  /* stream of kv records */
	K_LOGS,	   /* raw lines */
	K_EXEC,	   /* raw lines, no timeout: the command's output as it comes */
	K_WAIT,	   /* kv records of the instances waited for: their exit status */
};

struct cmd {
	const char *name;
	const char *flags; /* boolean short flags; 'n' takes a number (logs) */
	int min, max;	   /* positional arguments; max -1: any number */
	int kind;
	bool posopts; /* options only before the first positional (exec) */
	const char *usage;
};

static const struct cmd cmds[] = {
	{ "ps", "aq", 0, -1, K_PS, false,
	  "ps [-a] [-q] [--filter KEY=VALUE]... [-o table|kv|json] [NAME...]" },
	{ "start", "", 1, -1, K_PLAIN, false, "start NAME..." },
	{ "stop", "", 1, -1, K_PLAIN, false, "stop [--no-wait] NAME..." },
	{ "restart", "", 1, -1, K_PLAIN, false, "restart [--no-wait] NAME..." },
	{ "kill", "s", 1, -1, K_PLAIN, false, "kill [-s SIGNAL | -SIGNAL] NAME... (default KILL)" },
	{ "pause", "", 1, -1, K_PLAIN, false, "pause NAME..." },
	{ "resume", "", 1, -1, K_PLAIN, false, "resume NAME... (alias: unpause)" },
	{ "wait", "", 1, -1, K_WAIT, false,
	  "wait NAME... (until each is down; prints its exit status, the last one is ours)" },
	{ "create", "", 1, -1, K_PLAIN, false, "create [--save] NAME KEY=VALUE..." },
	{ "rm", "f", 1, 1, K_PLAIN, false, "rm [-f] [--no-wait] NAME" },
	{ "exec", "it", 2, -1, K_EXEC, true,
	  "exec [-i] [-t] [-e KEY=VALUE]... [-u USER] [-w DIR] NAME CMD..." },
	{ "logs", "fnt", 1, 1, K_LOGS, false,
	  "logs [-f] [-t] [-n|--tail LINES] [--since DURATION] NAME (DURATION: 90s, 10m, 2h, 1d)" },
	{ "stats", "", 0, 1, K_STATS, false, "stats [--no-stream] [-o table|kv|json|prom] [NAME]" },
	{ "inspect", "", 1, 1, K_INSPECT, false, "inspect [-o kv|json] NAME" },
	{ "status", "", 0, 0, K_INSPECT, false, "status [-o kv|json]" },
	{ "scale", "", 2, 2, K_PLAIN, false, "scale NAME N" },
	{ "deploy", "", 1, 1, K_PLAIN, false, "deploy [--try] FILE|SETDIR" },
	{ "commit", "", 0, 1, K_PLAIN, false, "commit [SET]" },
	{ "rollback", "", 0, 1, K_PLAIN, false, "rollback [SET]" },
	{ "sets", "", 0, 0, K_INSPECT, false, "sets [-o kv|json]" },
	{ "reload", "", 0, 0, K_PLAIN, false, "reload" },
	{ "events", "", 0, 0, K_EVENTS, false, "events [-o kv|json]" },
	{ "shutdown", "", 0, 0, K_PLAIN, false, "shutdown [--no-wait]" },
	{ "poweroff", "", 0, 0, K_PLAIN, false, "poweroff" },
	{ "reboot", "", 0, 0, K_PLAIN, false, "reboot" },
	{ "halt", "", 0, 0, K_PLAIN, false, "halt" },
};

#define GLOBAL_USAGE \
	"common options: -r RUNDIR (or $CABIN_RUNDIR); $CABIN_TIMEOUT seconds (default 10)"

/* --- kv records ----------------------------------------------------------------------- */

struct rec {
	int n;
	char **k, **v;
	char *mem;
};

struct recs {
	int n, cap;
	struct rec *r;
};

/* a decimal such as "12.5" or "4096" (no strtod: it would pull musl's float
 * scanner, kilobytes, into the one binary); junk stops the scan */
static double num(const char *s)
{
	double x = 0, f = 1;
	bool neg = false, dot = false;

	if (!s)
		return 0;
	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s; s++) {
		if (*s == '.' && !dot) {
			dot = true;
		} else if (*s >= '0' && *s <= '9') {
			if (dot)
				x += (*s - '0') * (f /= 10);
			else
				x = x * 10 + (*s - '0');
		} else {
			break;
		}
	}
	return neg ? -x : x;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fdprintf(2, "cabin: out of memory\n");
		exit(EXIT_REFUSED);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* "k=v k=v" with %-escaped values; a word without '=' becomes a key with an empty
 * value */
static void rec_parse(struct rec *r, const char *line)
{
	char *p, *w, *eq;

	memset(r, 0, sizeof(*r));
	r->mem = p = xstrdup(line);
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		eq = strchr(w, '=');
		r->k = xrealloc(r->k, (r->n + 1) * sizeof(char *));
		r->v = xrealloc(r->v, (r->n + 1) * sizeof(char *));
		if (eq)
			*eq = 0;
		r->k[r->n] = w;
		r->v[r->n] = eq ? eq + 1 : w + strlen(w);
		ctl_unescape(r->v[r->n]); /* a bad escape: shown as it came */
		r->n++;
	}
}

static void rec_free(struct rec *r)
{
	free(r->k);
	free(r->v);
	free(r->mem);
}

static void recs_free(struct recs *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		rec_free(&rs->r[i]);
	free(rs->r);
	rs->n = rs->cap = 0;
	rs->r = NULL;
}

static const char *rec_get(const struct rec *r, const char *k)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->k[i], k))
			return r->v[i];
	return NULL;
}

static void recs_add(struct recs *rs, const char *line)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		rs->r = xrealloc(rs->r, rs->cap * sizeof(*rs->r));
	}
	rec_parse(&rs->r[rs->n++], line);
}

/* --- JSON ------------------------------------------------------------------------------- */

/* the length of a valid UTF-8 sequence at s (shortest form, no surrogates), 0 if not */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	unsigned cp;

	if (s[0] > 0xf4 || !n)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* a JSON string: escapes as RFC 8259 wants; bytes that are not UTF-8 (a container's
 * output can hold anything) become U+FFFD, so a strict parser accepts every line */
static void json_str(const char *s)
{
	putchar('"');
	while (*s) {
		unsigned char c = *s;
		int n;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else if (c < 0x80)
			putchar(c);
		else if ((n = utf8_len((const unsigned char *)s))) {
			fwrite(s, 1, n, stdout);
			s += n;
			continue;
		} else
			fputs("\\ufffd", stdout);
		s++;
	}
	putchar('"');
}

/* a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?, short enough to stay exact */
static bool is_num(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!*p || (p[0] == '0' && p[1] && p[1] != '.') || strlen(p) > 15)
		return false;
	p += strspn(p, "0123456789");
	if (*p == '.' && p[1])
		p += 1 + strspn(p + 1, "0123456789");
	return !*p && p[-1] != '.';
}

/* values that are text even when they look like numbers (a hostname "1234") */
static bool text_key(const char *k)
{
	static const char *const t[] = { "name",    "hostname", "user",	       "workdir",
					 "section", "reason",	"command",     "last_log",
					 "rootfs",  "file",	"address",     "ip",
					 "version", "config",	"status_text", "health_output",
					 "id",	    "set",	NULL };

	for (int i = 0; t[i]; i++)
		if (!strcmp(k, t[i]))
			return true;
	return false;
}

/* epoch seconds: also as RFC 3339 (UTC) beside them, under KEY_rfc3339 */
static bool time_key(const char *k)
{
	return !strcmp(k, "exit_time") || !strcmp(k, "started") || !strcmp(k, "time") ||
	       !strcmp(k, "reason_time");
}

static void json_val(const char *k, const char *v)
{
	if (is_num(v) && !text_key(k))
		fputs(v, stdout);
	else
		json_str(v);
}

static void json_kv(const char *k, const char *v)
{
	json_str(k);
	putchar(':');
	json_val(k, v);
	if (time_key(k) && is_num(v)) {
		char b[48];

		printf(",\"%s_rfc3339\":\"%s\"", k,
		       util_rfc3339(b, util_strtoull(v, NULL, 10) * 1000, 0));
	}
}

static void json_rec(const struct rec *r)
{
	int i;

	putchar('{');
	for (i = 0; i < r->n; i++) {
		if (i)
			putchar(',');
		json_kv(r->k[i], r->v[i]);
	}
	putchar('}');
}

static void json_recs(const struct recs *rs)
{
	int i;

	putchar('[');
	for (i = 0; i < rs->n; i++) {
		fputs(i ? ",\n " : "\n ", stdout);
		json_rec(&rs->r[i]);
	}
	fputs(rs->n ? "\n]\n" : "]\n", stdout);
}

/* --- tables ----------------------------------------------------------------------------- */

struct col {
	const char *head;
	/* fill buf with the cell of record r */
	void (*cell)(const struct rec *r, const char *key, char *buf, size_t n);
	const char *key;
};

static void cell_str(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *v = rec_get(r, key);

	snprintf(buf, n, "%s", v && *v ? v : "-");
}

static void cell_pid(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *v = rec_get(r, key);

	snprintf(buf, n, "%s", v && *v && strcmp(v, "0") ? v : "-");
}

static void human_dur(unsigned long long s, char *buf, size_t n)
{
	if (s < 60)
		snprintf(buf, n, "%llus", s);
	else if (s < 3600)
		snprintf(buf, n, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, n, "%llud%02lluh", s / 86400, s / 3600 % 24);
}

static void cell_uptime(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *v = rec_get(r, key), *st = rec_get(r, "state");

	if (!v || !*v || (st && strcmp(st, "running") && strcmp(st, "paused") && !strcmp(v, "0")))
		snprintf(buf, n, "-");
	else
		human_dur(util_strtoull(v, NULL, 10), buf, n);
}

/* Docker's STATUS, with cabin's reasons: why did it die, at a glance */
static void cell_status(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *st = rec_get(r, "state"), *why = rec_get(r, "reason"),
		   *et = rec_get(r, "exit_time"), *rs = rec_get(r, "restarts"),
		   *next = rec_get(r, "next_ms");
	char ago[40] = "", d[32];

	if (!st)
		st = "?";
	if (!why)
		why = "";
	if (et && *et) {
		long long t = (long long)time(NULL) - (long long)util_strtoull(et, NULL, 10);

		human_dur(t < 0 ? 0 : (unsigned long long)t, d, sizeof(d));
		snprintf(ago, sizeof(ago), " %s ago", d);
	}
	if (!strcmp(st, "running") || !strcmp(st, "paused")) {
		cell_uptime(r, "uptime", d, sizeof(d));
		snprintf(buf, n, "Up %s%s", d, st[0] == 'p' ? " (paused)" : "");
	} else if (!strcmp(st, "exited") || !strcmp(st, "failed")) {
		char what[200];

		if (!strcmp(why, "stopped"))
			snprintf(what, sizeof(what), "Stopped");
		else if (!strcmp(why, "stopped:killed"))
			snprintf(what, sizeof(what), "Stopped (SIGKILL at stop_timeout)");
		else if (!strncmp(why, "exit:", 5))
			snprintf(what, sizeof(what), "Exited (%s)", why + 5);
		else if (!strncmp(why, "signal:", 7))
			snprintf(what, sizeof(what), "Exited (SIG%s)", why + 7);
		else
			snprintf(what, sizeof(what), "Exited (%s)", *why ? why : "?");
		if (st[0] == 'f' && util_strstr(why, "gave up")) /* the reason says it */
			snprintf(buf, n, "Failed: %s%s", why, ago);
		else if (st[0] == 'f')
			snprintf(buf, n, "Failed%s%s, gave up after %s restart%s%s",
				 *why ? ": " : "", why, rs ? rs : "0",
				 rs && !strcmp(rs, "1") ? "" : "s", ago);
		else
			snprintf(buf, n, "%s%s", what, ago);
	} else if (!strcmp(st, "backoff")) {
		unsigned long long ms = next ? util_strtoull(next, NULL, 10) : 0;

		snprintf(buf, n, "Restarting in %llus (%s)", (ms + 999) / 1000, why);
	} else if (!strcmp(st, "defined")) {
		snprintf(buf, n, "Created");
	} else {
		snprintf(buf, n, "%c%s", st[0] - 32, st + 1); /* Starting, Stopping, ... */
	}
}

static const struct col ps_cols[] = {
	{ "NAME", cell_str, "name" },	  { "STATUS", cell_status, NULL },
	{ "HEALTH", cell_str, "health" }, { "PID", cell_pid, "pid" },
	{ "IP", cell_str, "ip" },	  { "RESTARTS", cell_str, "restarts" },
	{ "PORTS", cell_str, "ports" },	  { NULL, NULL, NULL },
};

static void human_bytes(const char *v, char *buf, size_t n)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double x;
	int u = 0;

	if (!v || !*v) {
		snprintf(buf, n, "-");
		return;
	}
	x = num(v);
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	{
		char f[32];

		snprintf(buf, n, "%s%s", util_fixed(f, sizeof(f), x, u ? 1 : 0), unit[u]);
	}
}

/* 0, or the "max" of cgroup v1 (a page-rounded 2^63): no limit */
static bool limited(const char *v)
{
	double x = v ? num(v) : 0;

	return x > 0 && x < 1152921504606846976.0;
}

static void cell_pair(const struct rec *r, const char *a, const char *b, char *buf, size_t n)
{
	char x[32], y[32];
	const char *bv = rec_get(r, b);

	human_bytes(rec_get(r, a), x, sizeof(x));
	if (bv && !strcmp(b, "mem_limit") && !limited(bv))
		bv = NULL;
	human_bytes(bv, y, sizeof(y));
	snprintf(buf, n, "%s / %s", x, y);
}

static void cell_mem(const struct rec *r, const char *key, char *buf, size_t n)
{
	cell_pair(r, "mem", "mem_limit", buf, n);
}

static void cell_net(const struct rec *r, const char *key, char *buf, size_t n)
{
	cell_pair(r, "net_rx", "net_tx", buf, n);
}

static void cell_blk(const struct rec *r, const char *key, char *buf, size_t n)
{
	cell_pair(r, "blk_r", "blk_w", buf, n);
}

static void cell_pct(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *v = rec_get(r, key);

	char f[32];

	if (v && *v)
		snprintf(buf, n, "%s%%", util_fixed(f, sizeof(f), num(v), 2));
	else
		snprintf(buf, n, "-");
}

static void cell_mempct(const struct rec *r, const char *key, char *buf, size_t n)
{
	const char *m = rec_get(r, "mem"), *l = rec_get(r, "mem_limit");
	double lim = limited(l) ? num(l) : 0;

	char f[32];

	if (m && lim > 0)
		snprintf(buf, n, "%s%%", util_fixed(f, sizeof(f), num(m) * 100 / lim, 2));
	else
		snprintf(buf, n, "-");
}

static const struct col stats_cols[] = {
	{ "NAME", cell_str, "name" },	 { "CPU%", cell_pct, "cpu" },
	{ "MEM/LIMIT", cell_mem, NULL }, { "MEM%", cell_mempct, NULL },
	{ "NET RX/TX", cell_net, NULL }, { "BLOCK R/W", cell_blk, NULL },
	{ "PIDS", cell_str, "pids" },	 { NULL, NULL, NULL },
};

static void table(const struct col *cols, const struct recs *rs)
{
	int ncol, c, i, *w;
	char ***cell;

	for (ncol = 0; cols[ncol].head; ncol++)
		;
	w = xrealloc(NULL, ncol * sizeof(int));
	cell = xrealloc(NULL, (rs->n ? rs->n : 1) * sizeof(char **));
	for (c = 0; c < ncol; c++)
		w[c] = strlen(cols[c].head);
	for (i = 0; i < rs->n; i++) {
		cell[i] = xrealloc(NULL, ncol * sizeof(char *));
		for (c = 0; c < ncol; c++) {
			char buf[256];

			cols[c].cell(&rs->r[i], cols[c].key, buf, sizeof(buf));
			cell[i][c] = xstrdup(buf);
			if ((int)strlen(buf) > w[c])
				w[c] = strlen(buf);
		}
	}
	for (c = 0; c < ncol; c++)
		printf("%-*s%s", c < ncol - 1 ? w[c] : 0, cols[c].head, c < ncol - 1 ? "  " : "\n");
	for (i = 0; i < rs->n; i++) {
		for (c = 0; c < ncol; c++) {
			printf("%-*s%s", c < ncol - 1 ? w[c] : 0, cell[i][c],
			       c < ncol - 1 ? "  " : "\n");
			free(cell[i][c]);
		}
		free(cell[i]);
	}
	free(cell);
	free(w);
}

/* --- output of a call ----------------------------------------------------------------- */

struct out {
	const struct cmd *cmd;
	int fmt;
	bool stamps; /* logs -t: each line's 13-digit epoch ms stamp, shown as RFC 3339 */
	struct recs rs;
	char **plain;
	int nplain;
};

static void on_line(const char *l, void *ctx)
{
	struct out *o = ctx;

	switch (o->cmd->kind) {
	case K_PS:
	case K_STATS:
		recs_add(&o->rs, l);
		return;
	case K_INSPECT:
		if (o->fmt == OUT_JSON)
			recs_add(&o->rs, l);
		else
			puts(l);
		return;
	case K_EVENTS:
		if (o->fmt == OUT_JSON) {
			struct rec r;

			rec_parse(&r, l);
			json_rec(&r);
			putchar('\n');
			rec_free(&r);
		} else {
			puts(l);
		}
		fflush(stdout);
		return;
	case K_LOGS:
		if (o->stamps && strspn(l, "0123456789") == 13 && l[13] == ' ') {
			char b[48];

			printf("%s %s\n", util_rfc3339(b, util_strtoull(l, NULL, 10), 1), l + 14);
		} else {
			puts(l);
		}
		fflush(stdout);
		return;
	case K_EXEC:
		puts(l);
		fflush(stdout);
		return;
	case K_WAIT:
		recs_add(&o->rs, l);
		return;
	default:
		/* kept: on stdout when the command succeeds, on stderr with the error (a
		 * rejected reload sends the config's errors this way) */
		o->plain = xrealloc(o->plain, (o->nplain + 1) * sizeof(char *));
		o->plain[o->nplain++] = xstrdup(l);
	}
}

static int timeout_ms(void)
{
	const char *t = getenv("CABIN_TIMEOUT");
	double s;

	/* seconds, fractions allowed; 0 waits forever */
	if (!t || !*t || strspn(t, "0123456789.") != strlen(t))
		return 10000;
	s = num(t);
	return s > 86400 ? 0 : (int)(s * 1000);
}

/* keys that repeat in inspect: always arrays, never duplicate keys */
static const char *const array_key_list[] = { "cmd",	  "env",    "depends", "volume",
					      "tmpfs",	  "sysctl", "port",    "cap_add",
					      "cap_drop", "cgroup", "procs",   NULL };

static bool array_key(const char *k)
{
	for (int i = 0; array_key_list[i]; i++)
		if (!strcmp(k, array_key_list[i]))
			return true;
	return false;
}

static void inspect_json(const struct recs *rs)
{
	struct rec all = { 0 };
	int i, j, n = 0;

	/* every key=value line merged into one object, in order */
	for (i = 0; i < rs->n; i++) {
		for (j = 0; j < rs->r[i].n; j++) {
			all.k = xrealloc(all.k, (all.n + 1) * sizeof(char *));
			all.v = xrealloc(all.v, (all.n + 1) * sizeof(char *));
			all.k[all.n] = rs->r[i].k[j];
			all.v[all.n++] = rs->r[i].v[j];
		}
	}
	putchar('{');
	for (i = 0; i < all.n; i++) {
		bool first = true;

		if (!array_key(all.k[i])) {
			fputs(n++ ? "," : "", stdout);
			json_kv(all.k[i], all.v[i]);
			continue;
		}
		for (j = 0; j < i; j++) /* this array went out at its first key */
			if (!strcmp(all.k[j], all.k[i]))
				break;
		if (j < i)
			continue;
		fputs(n++ ? "," : "", stdout);
		json_str(all.k[i]);
		fputs(":[", stdout);
		for (j = i; j < all.n; j++) {
			if (strcmp(all.k[j], all.k[i]))
				continue;
			fputs(first ? "" : ",", stdout);
			json_str(all.v[j]);
			first = false;
		}
		putchar(']');
	}
	/* a container's arrays appear even when empty: one shape for a parser */
	for (i = 0; rec_get(&all, "section") && array_key_list[i]; i++)
		if (strcmp(array_key_list[i], "procs") && !rec_get(&all, array_key_list[i])) {
			fputs(n++ ? "," : "", stdout);
			json_str(array_key_list[i]);
			fputs(":[]", stdout);
		}
	putchar('}');
	putchar('\n');
	free(all.k);
	free(all.v);
}

/* stats: CPU% from two samples of cumulative cpu_usec, unless the daemon sent `cpu` */
struct sample {
	char *name;
	double usec;
};

static struct sample *prev;
static int nprev;
static long long prev_t;

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void stats_cpu(struct recs *rs, char (*pct)[32])
{
	long long t = mono_us();
	struct sample *cur = xrealloc(NULL, (rs->n ? rs->n : 1) * sizeof(*cur));
	int i, j;

	for (i = 0; i < rs->n; i++) {
		const char *name = rec_get(&rs->r[i], "name"), *u = rec_get(&rs->r[i], "cpu_usec");

		cur[i].name = xstrdup(name ? name : "");
		cur[i].usec = u ? num(u) : -1;
		pct[i][0] = 0;
		if (rec_get(&rs->r[i], "cpu") || !u || !prev_t || t <= prev_t)
			continue;
		for (j = 0; j < nprev; j++)
			if (!strcmp(prev[j].name, cur[i].name) && prev[j].usec >= 0 &&
			    cur[i].usec >= prev[j].usec)
				util_fixed(pct[i], 32,
					   (cur[i].usec - prev[j].usec) * 100.0 / (t - prev_t), 2);
	}
	for (j = 0; j < nprev; j++)
		free(prev[j].name);
	free(prev);
	prev = cur;
	nprev = rs->n;
	prev_t = t;
}

/* the record with a computed `cpu` appended, as a kv line */
static void stats_kv(const struct rec *r, const char *pct)
{
	char esc[3 * PIPE_BUF];
	int i;

	for (i = 0; i < r->n; i++) {
		if (ctl_escape(r->v[i], esc, sizeof(esc)) < 0)
			esc[0] = 0;
		printf("%s%s=%s", i ? " " : "", r->k[i], esc);
	}
	if (*pct)
		printf("%scpu=%s", r->n ? " " : "", pct);
	putchar('\n');
}

/* --- Prometheus text exposition (node_exporter's textfile collector) ------------------ */

static void prom_label(const char *v)
{
	putchar('"');
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			printf("\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", stdout);
		else
			putchar(*v);
	}
	putchar('"');
}

static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* one family: a sample per record that has key (scaled by div) */
static void prom_metric(const struct recs *rs, const char *name, const char *type, const char *help,
			const char *key, double div)
{
	bool any = false;

	for (int i = 0; i < rs->n; i++) {
		const char *v = rec_get(&rs->r[i], key), *n = rec_get(&rs->r[i], "name");

		if (!v || !*v || !n || !is_num(v))
			continue;
		if (!any)
			prom_family(name, type, help);
		any = true;
		printf("%s{name=", name);
		prom_label(n);
		if (div == 1)
			printf("} %s\n", v);
		else {
			char f[48];

			printf("} %s\n", util_fixed(f, sizeof(f), num(v) / div, 6));
		}
	}
}

/* a state set: 1 for the state a container is in, 0 for the others */
static void prom_states(const struct recs *ps, const char *name, const char *help, const char *key,
			const char *const *states)
{
	prom_family(name, "gauge", help);
	for (int i = 0; i < ps->n; i++) {
		const char *v = rec_get(&ps->r[i], key), *n = rec_get(&ps->r[i], "name");

		for (int j = 0; n && states[j]; j++) {
			printf("%s{name=", name);
			prom_label(n);
			printf(",%s=\"%s\"} %d\n", key, states[j], v && !strcmp(v, states[j]));
		}
	}
}

static void ps_line(const char *l, void *ctx)
{
	recs_add(ctx, l);
}

static int prom_out(const char *rundir, const struct recs *rs)
{
	static const char *const st[] = { "defined", "starting", "running", "stopping", "exited",
					  "paused",  "backoff",	 "failed",  "killing",	NULL };
	static const char *const he[] = { "none", "starting", "healthy", "unhealthy", NULL };
	char *req[2] = { "ps", "-a" };
	struct recs ps = { 0 };
	int rc = ctl_call(rundir, 2, req, timeout_ms(), ps_line, &ps);

	if (rc)
		return rc;
	prom_metric(rs, "cabin_cpu_seconds_total", "counter",
		    "CPU time used by the container's cgroup.", "cpu_usec", 1e6);
	prom_metric(rs, "cabin_memory_bytes", "gauge", "Memory charged to the container's cgroup.",
		    "mem", 1);
	prom_metric(rs, "cabin_memory_limit_bytes", "gauge",
		    "The container's memory limit (absent: none).", "mem_limit", 1);
	prom_metric(rs, "cabin_pids", "gauge", "Tasks in the container's cgroup.", "pids", 1);
	prom_metric(rs, "cabin_network_receive_bytes_total", "counter",
		    "Bytes received on the container's eth0.", "net_rx", 1);
	prom_metric(rs, "cabin_network_transmit_bytes_total", "counter",
		    "Bytes sent on the container's eth0.", "net_tx", 1);
	prom_metric(rs, "cabin_block_read_bytes_total", "counter", "Bytes read from block devices.",
		    "blk_r", 1);
	prom_metric(rs, "cabin_block_write_bytes_total", "counter",
		    "Bytes written to block devices.", "blk_w", 1);
	prom_states(&ps, "cabin_container_state", "The container's state (1 for the current one).",
		    "state", st);
	prom_states(&ps, "cabin_container_health",
		    "The container's health (1 for the current one).", "health", he);
	prom_metric(&ps, "cabin_container_restarts_total", "counter",
		    "Automatic restarts of the container.", "restarts", 1);
	prom_metric(&ps, "cabin_container_exit_code", "gauge",
		    "Exit status of the container's last run (128+N for signal N).", "exit_code",
		    1);
	recs_free(&ps);
	return EXIT_OK;
}

static int stats_run(const char *rundir, int argc, char **argv, struct out *o, bool stream)
{
	bool tty = isatty(1), need_cpu;
	int rc, i, round = 0;

	for (;;) {
		char(*pct)[32];

		recs_free(&o->rs);
		rc = ctl_call(rundir, argc, argv, timeout_ms(), on_line, o);
		if (rc)
			return rc;
		pct = xrealloc(NULL, (o->rs.n ? o->rs.n : 1) * sizeof(*pct));
		stats_cpu(&o->rs, pct);
		need_cpu = false;
		for (i = 0; i < o->rs.n; i++) {
			if (!rec_get(&o->rs.r[i], "cpu") && rec_get(&o->rs.r[i], "cpu_usec") &&
			    !pct[i][0])
				need_cpu = true;
		}
		/* the first sample has no CPU% yet: take a second one shortly after */
		if (need_cpu && round++ == 0 && o->fmt != OUT_PROM) {
			free(pct);
			usleep(stream ? 1000000 : 500000);
			continue;
		}
		for (i = 0; i < o->rs.n; i++) {
			struct rec *r = &o->rs.r[i];

			if (pct[i][0]) {
				r->k = xrealloc(r->k, (r->n + 1) * sizeof(char *));
				r->v = xrealloc(r->v, (r->n + 1) * sizeof(char *));
				r->k[r->n] = "cpu";
				r->v[r->n++] = pct[i];
			}
		}
		if (stream && tty && o->fmt == OUT_TABLE)
			fputs("\033[H\033[2J", stdout);
		if (o->fmt == OUT_PROM) {
			rc = prom_out(rundir, &o->rs);
		} else if (o->fmt == OUT_TABLE)
			table(stats_cols, &o->rs);
		else if (o->fmt == OUT_JSON)
			json_recs(&o->rs);
		else
			for (i = 0; i < o->rs.n; i++)
				stats_kv(&o->rs.r[i], "");
		if (stream && o->fmt != OUT_JSON && !tty)
			putchar('\n');
		fflush(stdout);
		/* the cpu values point into pct: drop them before it goes */
		for (i = 0; i < o->rs.n; i++) {
			struct rec *r = &o->rs.r[i];

			if (r->n && !strcmp(r->k[r->n - 1], "cpu") && r->v[r->n - 1] == pct[i])
				r->n--;
		}
		free(pct);
		if (!stream)
			return rc;
		usleep(1000000);
	}
}

/* --- command line ------------------------------------------------------------------------ */

static int usage_err(const struct cmd *c, const char *fmt, const char *arg)
{
	if (fmt) {
		fdprintf(2, "cabin %s: ", c ? c->name : "");
		fdprintf(2, fmt, arg);
		fdprintf(2, "\n");
	}
	if (c)
		fdprintf(2, "usage: cabin %s\n%s\n", c->usage, GLOBAL_USAGE);
	else
		fdprintf(2, "usage: cabin <command> [args]; cabin --help lists them\n");
	return EXIT_USAGE;
}

static bool number(const char *s, long max)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = util_strtol(s, &end, 10);
	return !*end && !errno && v >= 0 && v <= max;
}

static void exec_line(const char *l, void *ctx)
{
	recs_add(ctx, l);
}

/* exec -t: a pty of the container's own devpts, opened through its root (resolved in
 * it, no symlink followed, checked to be devpts), the slave taken from the master with
 * TIOCGPTPEER (no path lookup in the container at all); the slave becomes the command's
 * stdio. The master, returned, stays here. */
static int pty_open(pid_t init, struct spawn_opts *o)
{
	struct statfs sf;
	int ptm = mount_open_in_pid(init, "dev/pts/ptmx", O_RDWR | O_NOCTTY), pts, unlock = 0;

	if (ptm < 0 || fstatfs(ptm, &sf) < 0 || sf.f_type != 0x1cd1 /* DEVPTS_SUPER_MAGIC */) {
		fdprintf(2, "cabin exec -t: the container's /dev/pts/ptmx: %s\n",
			 ptm < 0 ? strerror(-ptm) : "not on devpts");
		if (ptm >= 0)
			close(ptm);
		return -1;
	}
	if (ioctl(ptm, TIOCSPTLCK, &unlock) < 0 ||
	    (pts = ioctl(ptm, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
		fdprintf(2, "cabin exec -t: pty: %s\n", strerror(errno));
		close(ptm);
		return -1;
	}
	o->stdio[0] = o->stdio[1] = o->stdio[2] = pts;
	o->tty = true;
	return ptm;
}

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	winch = 1;
}

/* our terminal in raw mode (restored after), its size on the pty and again at each
 * SIGWINCH; bytes both ways until the command's side closes (EIO) */
static void pty_relay(int ptm, bool in, pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0); /* its end ends the relay too */
	struct termios saved, raw;
	bool is_tty = isatty(0) && tcgetattr(0, &saved) == 0;
	struct winsize ws;
	char buf[4096];

	if (is_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	signal(SIGWINCH, on_winch);
	winch = 1;
	for (;;) {
		struct pollfd p[3] = { { .fd = ptm, .events = POLLIN },
				       { .fd = in ? 0 : -1, .events = POLLIN },
				       { .fd = pfd, .events = POLLIN } };
		ssize_t n;

		if (winch) {
			winch = 0;
			if (ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0)
				ioctl(ptm, TIOCSWINSZ, &ws);
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents) { /* the command is gone: what it wrote last, then done (a
				     * background process holding the pty does not keep us) */
			fcntl(ptm, F_SETFL, O_NONBLOCK);
			while ((n = read(ptm, buf, sizeof(buf))) > 0)
				if (write(1, buf, (size_t)n) < 0)
					break;
			break;
		}
		if (p[0].revents) {
			n = read(ptm, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR))
				break; /* EIO: every slave descriptor is closed */
			if (n > 0 && write(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n > 0 && write(ptm, buf, (size_t)n) < 0)
				break;
			if (n == 0) { /* our stdin ended: end of file for the command */
				in = false;
				if (write(ptm, "\004", 1) < 0)
					break;
			}
		}
	}
	if (is_tty)
		tcsetattr(0, TCSANOW, &saved);
	if (pfd >= 0)
		close(pfd);
	close(ptm);
}

/* `cabin exec`: done here, as runc and crun do (the FIFO cannot pass fds): the daemon
 * names the container's init and group, spawn_enter joins them and every namespace, and
 * the command becomes the container's identity through the start's own code; its exit
 * status is ours (127 not found, 126 not executable). */
static int exec_run(const char *rundir, bool in, bool tty, int npos, char **pos, int nxenv,
		    const char **xenv, const char *xuser, const char *xdir)
{
	static struct conf_ctr c;
	static const char *cmd[CONFIG_MAX_ARGS + 1];
	struct spawn_opts o = { .hosts_fd = -1, .stdio = { in ? 0 : -1, 1, 2 } };
	struct cabin_err e = { 0 };
	struct recs rs = { 0 };
	char *req[2] = { "exec", pos[0] };
	const struct rec *r;
	int rc, nj = 0, st, ptm = -1;
	pid_t pid, init;

	if (npos - 1 > CONFIG_MAX_ARGS) {
		fdprintf(2, "cabin exec: at most %d words\n", CONFIG_MAX_ARGS);
		return EXIT_USAGE;
	}
	rc = ctl_call(rundir, 2, req, timeout_ms(), exec_line, &rs);
	if (rc || rs.n < 1)
		return rc ? rc : EXIT_REFUSED;
	r = &rs.r[0];
	init = (pid_t)util_strtol(rec_get(r, "pid") ? rec_get(r, "pid") : "0", NULL, 10);
	snprintf(c.name, sizeof(c.name), "%s", rec_get(r, "name") ? rec_get(r, "name") : pos[0]);
	c.hostname = rec_get(r, "hostname");
	c.user = rec_get(r, "user");
	c.workdir = rec_get(r, "workdir");
	for (int i = 0; i < r->n; i++) {
		if (!strcmp(r->k[i], "env") && c.nenv < CONFIG_MAX_ENV)
			c.env[c.nenv++] = r->v[i];
		else if (!strcmp(r->k[i], "procs") && nj < 4)
			o.join[nj++] = r->v[i];
	}
	/* -e adds (a later K= wins in the command's getenv: it comes first), -u, -w replace */
	for (int i = 0; i < nxenv; i++) {
		size_t kl = strcspn(xenv[i], "=") + 1;
		int j;

		for (j = 0; j < c.nenv && strncmp(c.env[j], xenv[i], kl); j++)
			;
		if (j < c.nenv)
			c.env[j] = xenv[i];
		else if (c.nenv < CONFIG_MAX_ENV)
			c.env[c.nenv++] = xenv[i];
	}
	if (xuser)
		c.user = xuser;
	if (xdir)
		c.workdir = xdir;
#define U(k, b) util_strtoull(rec_get(r, k) ? rec_get(r, k) : "0", NULL, b)
	c.cap_add = U("cap_add", 16);
	c.cap_drop = U("cap_drop", 16);
	c.no_new_privs = U("nnp", 10);
	c.unconfined = U("unconfined", 10);
	c.seccomp_allow = U("seccomp_allow", 16);
	c.userns = U("userns", 10);
	c.net = (enum conf_net)U("net", 10);
	c.host_kind = U("host", 10);
	c.instance = (int)U("instance", 10);
	c.rlimit_nofile = U("nofile", 10);
	c.umask = (mode_t)U("umask", 8);
#undef U
	for (int i = 1; i < npos; i++)
		cmd[i - 1] = pos[i];
	cmd[npos - 1] = NULL;
	if (tty) {
		ptm = pty_open(init, &o);
		if (ptm < 0)
			return EXIT_REFUSED;
	}
	pid = spawn_enter(&c, &o, init, cmd, 0, &e);
	if (tty)
		close(o.stdio[0]); /* the child has the slave; EIO on the master when it ends */
	if (pid < 0) {
		err_print(&e);
		return EXIT_REFUSED;
	}
	/* ^C and ^\ are for the command: we wait for its status */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (tty)
		pty_relay(ptm, in, pid);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_REFUSED;
	recs_free(&rs);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void wait_line(const char *l, void *ctx)
{
	recs_add(ctx, l);
}

/* after stop, restart, rm: until each name is down, up or gone; the daemon bounds the
 * wait by the longest stop_timeout plus a margin and says why it gave up */
/* ps NAME... and --filter KEY=VALUE: a record stays when it matches one of the names (an
 * instance, or a section: web matches web-1) and every filter */
static bool ps_keep(const struct rec *r, int nname, char **names, int nfilt, char **filt)
{
	const char *name = rec_get(r, "name");
	bool ok = !nname;

	if (!name)
		return false;
	for (int i = 0; i < nname && !ok; i++) {
		size_t l = strlen(names[i]);

		ok = !strcmp(name, names[i]) ||
		     (!strncmp(name, names[i], l) && name[l] == '-' && name[l + 1] &&
		      strspn(name + l + 1, "0123456789") == strlen(name + l + 1));
	}
	for (int i = 0; i < nfilt && ok; i++) {
		const char *eq = strchr(filt[i], '='), *v;
		char k[64];

		snprintf(k, sizeof(k), "%.*s", (int)(eq - filt[i]), filt[i]);
		v = rec_get(r, k);
		ok = v && !strcmp(v, eq + 1);
	}
	return ok;
}

static void ps_out(struct out *o, int nname, char **names, int nfilt, char **filt, bool quiet)
{
	int k = 0;

	for (int i = 0; i < o->rs.n; i++) {
		if (ps_keep(&o->rs.r[i], nname, names, nfilt, filt))
			o->rs.r[k++] = o->rs.r[i];
		else
			rec_free(&o->rs.r[i]);
	}
	o->rs.n = k;
	if (quiet)
		for (int i = 0; i < k; i++)
			puts(rec_get(&o->rs.r[i], "name"));
	else if (o->fmt == OUT_TABLE)
		table(ps_cols, &o->rs);
	else if (o->fmt == OUT_JSON)
		json_recs(&o->rs);
	else
		for (int i = 0; i < k; i++)
			stats_kv(&o->rs.r[i], "");
}

static int wait_for(const char *rundir, const char *until, int npos, char **pos, bool print)
{
	int rc = 0;

	for (int i = 0; i < npos; i++) {
		char *req[4];
		struct recs rs = { 0 };
		int r, n = 0;

		req[n++] = "wait";
		if (until)
			req[n++] = (char *)until;
		if (!print) /* `cabin wait` waits as long as it takes */
			req[n++] = "--bounded";
		req[n++] = pos[i];
		r = ctl_call(rundir, n, req, 0, wait_line, &rs);
		for (int j = 0; j < rs.n; j++) {
			const char *x = rec_get(&rs.r[j], "exit");
			const char *who = rec_get(&rs.r[j], "name");
			const char *why = rec_get(&rs.r[j], "reason");

			if (print && x) {
				printf("%s\n", x);
				if (!r)
					r = x[0] == '-' ? 0 : (int)util_strtol(x, NULL, 10);
			} else if (r && who) { /* what it came to */
				fdprintf(2, "cabin: %s is %s%s%s\n", who,
					 rec_get(&rs.r[j], "state"), why && *why ? ": " : "",
					 why ? why : "");
			}
		}
		recs_free(&rs);
		if (r)
			rc = r;
	}
	fflush(stdout);
	return rc;
}

int client_main(int argc, char **argv)
{
	const char *rundir = NULL, *fmt = NULL, *lines = NULL, *sig = NULL, *since = NULL, *arg;
	char since_ms[24];
	const struct cmd *c = NULL;
	bool fl[128] = { false }, save = false, nostream = false, optsdone = false, try_ = false,
	     nowait = false;
	char **pos, **wire, absfile[PATH_MAX];
	int npos = 0, nw = 0, i, rc, nfilt = 0, nxenv = 0;
	char *filt[8];
	const char *xenv[8], *xuser = NULL, *xdir = NULL; /* exec -e, -u, -w */
	struct out o = { 0 };
	size_t k;

	/* global options may also come before the command: cabin -r DIR ps */
	while (argc > 0 && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-r") && argc > 1) {
			rundir = argv[1];
		} else if (!strcmp(argv[0], "-o") && argc > 1) {
			fmt = argv[1];
		} else {
			return usage_err(NULL, NULL, NULL);
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return usage_err(NULL, NULL, NULL);
	if (!strcmp(argv[0], "unpause")) /* docker's word */
		argv[0] = "resume";
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(cmds[k].name, argv[0]))
			c = &cmds[k];
	if (!c) {
		fdprintf(2, "cabin: unknown command '%s'\n", argv[0]);
		return usage_err(NULL, NULL, NULL);
	}
	/* positionals are packed into argv itself: never ahead of the scan */
	pos = argv + 1;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (optsdone || arg[0] != '-' || !arg[1] || (c->posopts && npos)) {
			pos[npos++] = (char *)arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			optsdone = true;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fdprintf(1, "usage: cabin %s\n%s\n", c->usage, GLOBAL_USAGE);
			return EXIT_OK;
		} else if (!strcmp(arg, "-r") || !strcmp(arg, "-o") || !strcmp(arg, "-n") ||
			   !strcmp(arg, "-s")) {
			if (i + 1 >= argc)
				return usage_err(c, "option %s needs a value", arg);
			if ((arg[1] == 'n' || arg[1] == 's') && !strchr(c->flags, arg[1]))
				return usage_err(c, "unknown option %s", arg);
			if (arg[1] == 'r')
				rundir = argv[++i];
			else if (arg[1] == 'o')
				fmt = argv[++i];
			else if (arg[1] == 's')
				sig = argv[++i];
			else
				lines = argv[++i];
		} else if (c->kind == K_EXEC &&
			   (!strcmp(arg, "-e") || !strcmp(arg, "-u") || !strcmp(arg, "-w"))) {
			if (i + 1 >= argc)
				return usage_err(c, "option %s needs a value", arg);
			if (arg[1] == 'e' && (!strchr(argv[i + 1], '=') || argv[i + 1][0] == '='))
				return usage_err(c, "-e wants KEY=VALUE, not '%s'", argv[i + 1]);
			if (arg[1] == 'e' && nxenv == (int)(sizeof(xenv) / sizeof(xenv[0])))
				return usage_err(c, "at most 8 -e options (%s is the ninth)",
						 argv[i + 1]);
			if (arg[1] == 'e')
				xenv[nxenv++] = argv[i + 1];
			else if (arg[1] == 'u')
				xuser = argv[i + 1];
			else if (arg[1] == 'w')
				xdir = argv[i + 1];
			i++;
		} else if (arg[1] == 'o' && arg[2]) {
			fmt = arg + 2; /* -ojson */
		} else if (!strcmp(arg, "--save") && !strcmp(c->name, "create")) {
			save = true;
		} else if (!strcmp(arg, "--try") && !strcmp(c->name, "deploy")) {
			try_ = true;
		} else if ((!strcmp(arg, "--tail") || !strcmp(arg, "--since")) &&
			   c->kind == K_LOGS) {
			if (i + 1 >= argc)
				return usage_err(c, "option %s needs a value", arg);
			if (arg[2] == 't')
				lines = argv[++i];
			else
				since = argv[++i];
		} else if ((!strcmp(arg, "--filter") || !strncmp(arg, "--filter=", 9)) &&
			   c->kind == K_PS) {
			const char *f = arg[8] ? arg + 9 : i + 1 < argc ? argv[++i] : "";
			const char *eq = strchr(f, '=');

			if (!eq || eq == f || eq - f > 60 || nfilt == 8)
				return usage_err(c, "--filter wants KEY=VALUE, not '%s'", f);
			filt[nfilt++] = (char *)f;
		} else if (!strcmp(arg, "--no-stream") && c->kind == K_STATS) {
			nostream = true;
		} else if (!strcmp(arg, "--no-wait") &&
			   (!strcmp(c->name, "stop") || !strcmp(c->name, "restart") ||
			    !strcmp(c->name, "rm") || !strcmp(c->name, "shutdown"))) {
			nowait = true;
		} else if (!strcmp(c->name, "kill") && !sig && conf_signal_number(arg + 1) > 0) {
			sig = arg + 1; /* kill -HUP, kill -9 */
		} else if (arg[1] != '-') {
			for (k = 1; arg[k]; k++) {
				unsigned char f = arg[k];

				if (f == 'n' || f == 's' || !strchr(c->flags, f) || f >= 128) {
					char o1[3] = { '-', arg[k], 0 };

					return usage_err(c, "unknown option %s", o1);
				}
				fl[f] = true;
			}
		} else {
			return usage_err(c, "unknown option %s", arg);
		}
	}
	if (npos < c->min || (c->max >= 0 && npos > c->max))
		return usage_err(c, npos < c->min ? "missing arguments%s" : "too many arguments%s",
				 "");
	for (i = 0; i < npos; i++)
		if (!pos[i][0])
			return usage_err(c, "empty argument%s", "");

	/* output format: listings only */
	o.cmd = c;
	o.fmt = OUT_TABLE;
	if (fmt) {
		if (c->kind != K_PS && c->kind != K_STATS && c->kind != K_INSPECT &&
		    c->kind != K_EVENTS)
			return usage_err(c, "-o applies to listings only%s", "");
		if (!strcmp(fmt, "kv"))
			o.fmt = OUT_KV;
		else if (!strcmp(fmt, "json"))
			o.fmt = OUT_JSON;
		else if (!strcmp(fmt, "table"))
			o.fmt = OUT_TABLE;
		else if (!strcmp(fmt, "prom") && c->kind == K_STATS)
			o.fmt = OUT_PROM; /* a snapshot: --no-stream implied */
		else
			return usage_err(c, "unknown output format '%s' (table, kv, json)", fmt);
	}
	if (lines && !number(lines, 1000000000))
		return usage_err(c, "-n wants a number of lines, not '%s'", lines);
	if (since) { /* a duration back from now; the daemon compares it with each stamp */
		char *end;
		unsigned long long v = util_strtoull(since, &end, 10), mul;
		struct timespec now;

		mul = !strcmp(end, "ms")	   ? 1
		      : !strcmp(end, "s") || !*end ? 1000
		      : !strcmp(end, "m")	   ? 60000
		      : !strcmp(end, "h")	   ? 3600000
		      : !strcmp(end, "d")	   ? 86400000
						   : 0;
		if (end == since || !mul)
			return usage_err(c, "--since wants a duration (90s, 10m, 2h, 1d), not '%s'",
					 since);
		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(since_ms, sizeof(since_ms), "%llu",
			 (unsigned long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 - v * mul);
	}
	o.stamps = c->kind == K_LOGS && fl['t'];
	if (!strcmp(c->name, "scale") && !number(pos[1], 100000))
		return usage_err(c, "N must be a number, not '%s'", pos[1]);
	if (!strcmp(c->name, "create"))
		for (i = 1; i < npos; i++)
			if (!strchr(pos[i], '=') || pos[i][0] == '=')
				return usage_err(c, "'%s' is not KEY=VALUE", pos[i]);
	if (!strcmp(c->name, "deploy")) {
		/* the FIFO is root-only, so the daemon may read a path from it: send it
		 * absolute, since the daemon's working directory is not ours */
		char cwd[PATH_MAX];

		if (access(pos[0], R_OK) < 0) {
			fdprintf(2, "cabin deploy: %s: %s\n", pos[0], strerror(errno));
			return EXIT_REFUSED;
		}
		if (pos[0][0] != '/') { /* getcwd + the name; no realpath (~1.4 KB) */
			if (!getcwd(cwd, sizeof(cwd)) ||
			    (size_t)snprintf(absfile, sizeof(absfile), "%s/%s", cwd, pos[0]) >=
				    sizeof(absfile)) {
				fdprintf(2, "cabin deploy: %s: path too long\n", pos[0]);
				return EXIT_REFUSED;
			}
			pos[0] = absfile;
		}
	}

	/* the request: verb, options in a fixed order, positionals */
	wire = xrealloc(NULL, (npos + 16) * sizeof(char *));
	wire[nw++] = (char *)c->name;
	if (save)
		wire[nw++] = "--save";
	if (try_)
		wire[nw++] = "--try";
	if (fl['a'] || (c->kind == K_PS && (npos || nfilt))) /* named: whatever its state */
		wire[nw++] = "-a";
	if (fl['f'])
		wire[nw++] = "-f";
	if (fl['i'])
		wire[nw++] = "-i";
	if (fl['t'])
		wire[nw++] = "-t";
	if (lines) {
		wire[nw++] = "-n";
		wire[nw++] = (char *)lines;
	}
	if (since) {
		wire[nw++] = "--since";
		wire[nw++] = since_ms;
	}
	if (!strcmp(c->name, "shutdown") && !nowait)
		wire[nw++] = "-w";
	if (sig) {
		if (conf_signal_number(sig) <= 0)
			return usage_err(c, "unknown signal '%s'", sig);
		wire[nw++] = "-s";
		wire[nw++] = (char *)sig;
	}
	for (i = 0; i < npos && c->kind != K_PS; i++) /* ps filters here */
		wire[nw++] = pos[i];

	rundir = cli_rundir_path(rundir);
	if (c->kind == K_EXEC) {
		rc = exec_run(rundir, fl['i'], fl['t'], npos, pos, nxenv, xenv, xuser, xdir);
		free(wire);
		return rc;
	}
	if (c->kind == K_WAIT) {
		rc = wait_for(rundir, NULL, npos, pos, true);
	} else if (c->kind == K_STATS) {
		rc = stats_run(rundir, nw, wire, &o, !nostream && o.fmt != OUT_PROM);
	} else {
		bool stream = c->kind == K_EVENTS || c->kind == K_EXEC ||
			      (c->kind == K_LOGS && fl['f']) ||
			      (!strcmp(c->name, "shutdown") && !nowait);

		rc = ctl_call(rundir, nw, wire, stream ? 0 : timeout_ms(), on_line, &o);
		if (!rc && c->kind == K_PS)
			ps_out(&o, npos, pos, nfilt, filt, fl['q']);
		if (!rc && c->kind == K_INSPECT && o.fmt == OUT_JSON) {
			if (!strcmp(c->name, "sets")) /* one record per set: a list */
				json_recs(&o.rs);
			else
				inspect_json(&o.rs);
		}
		fflush(stdout);
		for (i = 0; i < o.nplain; i++) {
			size_t n = strlen(o.plain[i]);

			o.plain[i][n] = '\n'; /* over the NUL: one write per line */
			if (write(rc ? 2 : 1, o.plain[i], n + 1) < 0)
				break;
		}
		for (i = 0; i < o.nplain; i++)
			free(o.plain[i]);
		free(o.plain);
		/* stop, restart and rm wait until done, like docker's; --no-wait does not */
		if (!rc && !nowait && !strcmp(c->name, "stop"))
			rc = wait_for(rundir, NULL, npos, pos, false);
		else if (!rc && !nowait && !strcmp(c->name, "restart"))
			rc = wait_for(rundir, "--up", npos, pos, false);
		else if (!rc && !nowait && !strcmp(c->name, "rm"))
			rc = wait_for(rundir, "--gone", npos, pos, false);
	}
	fflush(stdout);
	recs_free(&o.rs);
	free(wire);
	return rc;
}
