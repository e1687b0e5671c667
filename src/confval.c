// SPDX-License-Identifier: MIT
/* Values of the config language, shared by the parser and `cabin run` options: sizes,
 * durations, booleans, capability and signal names (our own tables: libcap is only
 * linked into spawn), ports and hostnames with %i; plus the diagnostics and the string
 * arena of struct conf. Never allocates. */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cabin/conf.h"
#include "conf_int.h"

/* ------------------------------------------------------------------------------------ */
/* Diagnostics                                                                          */

/* an error (warn false: counted in nerr) or a warning (nwarn, "warning: " in front) */
static void report(struct conf_diag *d, bool warn, const char *file, int line, const char *fmt,
		   va_list ap)
{
	char msg[512];
	int n = warn ? snprintf(msg, sizeof(msg), "warning: ") : 0;

	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (warn)
		d->nwarn++;
	else
		d->nerr++;
	if (d->report)
		d->report(d->ctx, file ? file : "?", line, msg);
}

void conf_report(struct conf_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, false, file, line, fmt, ap);
	va_end(ap);
}

void conf_warn(struct conf_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, true, file, line, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------------------ */
/* Arena                                                                                */

const char *conf_astr(struct conf *c, const char *s, size_t n)
{
	char *p;

	if (n + 1 > sizeof(c->arena) - c->arena_used)
		return NULL;
	p = c->arena + c->arena_used;
	memcpy(p, s, n);
	p[n] = 0;
	c->arena_used += n + 1;
	return p;
}

/* ------------------------------------------------------------------------------------ */
/* Value parsers (public: `cabin run` uses them for its options too)                   */

int conf_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* fixed point, not strtod: the float scanner alone is 6 KB of the binary */
int conf_parse_cpu(const char *s, uint32_t *milli)
{
	uint32_t v = 0;
	int nd = 0, nf = -1; /* digits; digits after the dot (-1: no dot yet) */

	for (; *s; s++) {
		if (*s == '.' && nf < 0) {
			nf = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || nf == 3)
			return -EINVAL;
		if (v <= 1024000)
			v = v * 10 + (*s - '0');
		nd++;
		nf += nf >= 0;
	}
	if (!nd || !nf)
		return -EINVAL;
	for (nf = nf < 0 ? 0 : nf; nf < 3; nf++)
		v = v > 1024000 ? v : v * 10;
	if (v < 10 || v > 1024000)
		return -ERANGE;
	*milli = v;
	return 0;
}

int conf_parse_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;
	int r;

	if (n && strchr("kKmMgG", s[n - 1])) {
		shift = strchr("kK", s[n - 1]) ? 10 : strchr("mM", s[n - 1]) ? 20 : 30;
		n--;
	}
	if (!n || n >= sizeof(num))
		return n ? -ERANGE : -EINVAL;
	memcpy(num, s, n);
	num[n] = 0;
	r = conf_parse_u64(num, &v);
	if (r)
		return r;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int conf_parse_duration_ms(const char *s, uint32_t *out)
{
	uint64_t total = 0;
	uint64_t v;

	if (!*s)
		return -EINVAL;
	do {
		uint64_t mul, frac = 0, den = 1;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > UINT32_MAX)
				return -ERANGE;
			v = v * 10 + (*s - '0');
		}
		if (*s == '.') { /* 0.5s, 1.25m: down to whole milliseconds */
			for (s++; *s >= '0' && *s <= '9'; s++) {
				if (den >= 1000000)
					return -EINVAL;
				frac = frac * 10 + (*s - '0');
				den *= 10;
			}
			if (den == 1)
				return -EINVAL;
		}
		if (!strncmp(s, "ms", 2))
			mul = 1, s += 2;
		else if (*s == 's')
			mul = 1000, s++;
		else if (*s == 'm')
			mul = 60 * 1000, s++;
		else if (*s == 'h')
			mul = 3600 * 1000, s++;
		else if (!*s && !total)
			mul = 1000; /* a bare number is seconds */
		else
			return -EINVAL;
		if (v > UINT32_MAX / mul)
			return -ERANGE;
		if (frac * mul % den) /* a part of a millisecond */
			return -EINVAL;
		total += v * mul + frac * mul / den;
		if (total > UINT32_MAX)
			return -ERANGE;
	} while (*s);
	*out = (uint32_t)total;
	return 0;
}

int conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------------------------ */
/* Capabilities and signals: our own tables (libcap is only linked into spawn)          */

/* numbered by the kernel's own constants, so a typo cannot shift the table */
static const char *const cap_names[CONF_NCAPS] = {
	[CAP_CHOWN] = "CHOWN",
	[CAP_DAC_OVERRIDE] = "DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "DAC_READ_SEARCH",
	[CAP_FOWNER] = "FOWNER",
	[CAP_FSETID] = "FSETID",
	[CAP_KILL] = "KILL",
	[CAP_SETGID] = "SETGID",
	[CAP_SETUID] = "SETUID",
	[CAP_SETPCAP] = "SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "NET_BROADCAST",
	[CAP_NET_ADMIN] = "NET_ADMIN",
	[CAP_NET_RAW] = "NET_RAW",
	[CAP_IPC_LOCK] = "IPC_LOCK",
	[CAP_IPC_OWNER] = "IPC_OWNER",
	[CAP_SYS_MODULE] = "SYS_MODULE",
	[CAP_SYS_RAWIO] = "SYS_RAWIO",
	[CAP_SYS_CHROOT] = "SYS_CHROOT",
	[CAP_SYS_PTRACE] = "SYS_PTRACE",
	[CAP_SYS_PACCT] = "SYS_PACCT",
	[CAP_SYS_ADMIN] = "SYS_ADMIN",
	[CAP_SYS_BOOT] = "SYS_BOOT",
	[CAP_SYS_NICE] = "SYS_NICE",
	[CAP_SYS_RESOURCE] = "SYS_RESOURCE",
	[CAP_SYS_TIME] = "SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "SYS_TTY_CONFIG",
	[CAP_MKNOD] = "MKNOD",
	[CAP_LEASE] = "LEASE",
	[CAP_AUDIT_WRITE] = "AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "AUDIT_CONTROL",
	[CAP_SETFCAP] = "SETFCAP",
	[CAP_MAC_OVERRIDE] = "MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "MAC_ADMIN",
	[CAP_SYSLOG] = "SYSLOG",
	[CAP_WAKE_ALARM] = "WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "AUDIT_READ",
	[CAP_PERFMON] = "PERFMON",
	[CAP_BPF] = "BPF",
	[CAP_CHECKPOINT_RESTORE] = "CHECKPOINT_RESTORE",
};
_Static_assert(CAP_CHECKPOINT_RESTORE == CONF_NCAPS - 1, "CONF_NCAPS");

int conf_cap_number(const char *name)
{
	size_t i;

	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	for (i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (!strcasecmp(name, cap_names[i]))
			return (int)i;
	return -1;
}

const char *conf_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

uint64_t conf_cap_default(void)
{
	/* Podman's default eleven (containers.conf default_capabilities) */
	static const char *const dflt[] = {
		"CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",	      "NET_BIND_SERVICE",
		"SETFCAP", "SETGID",	   "SETPCAP", "SETUID", "SYS_CHROOT",
	};
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dflt); i++)
		m |= 1ULL << conf_cap_number(dflt[i]);
	return m;
}

/* indexed by number, names inline: a third of a table of {number, pointer} + strings */
static const char signals[32][7] = {
	[SIGHUP] = "HUP",	[SIGINT] = "INT",   [SIGQUIT] = "QUIT",	  [SIGILL] = "ILL",
	[SIGTRAP] = "TRAP",	[SIGABRT] = "ABRT", [SIGBUS] = "BUS",	  [SIGFPE] = "FPE",
	[SIGKILL] = "KILL",	[SIGUSR1] = "USR1", [SIGSEGV] = "SEGV",	  [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",	[SIGALRM] = "ALRM", [SIGTERM] = "TERM",	  [SIGCHLD] = "CHLD",
	[SIGCONT] = "CONT",	[SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",	  [SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",	[SIGURG] = "URG",   [SIGXCPU] = "XCPU",	  [SIGXFSZ] = "XFSZ",
	[SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO",
	[SIGPWR] = "PWR",	[SIGSYS] = "SYS",
};

int conf_signal_number(const char *name)
{
	uint64_t v;
	size_t i;

	if (!conf_parse_u64(name, &v))
		return v >= 1 && v <= 64 ? (int)v : -1;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (i = 1; i < ARRAY_SIZE(signals); i++)
		if (signals[i][0] && !strcasecmp(name, signals[i]))
			return i;
	return -1;
}

const char *conf_signal_name(int sig)
{
	return sig > 0 && sig < (int)ARRAY_SIZE(signals) && signals[sig][0] ? signals[sig] : NULL;
}

bool conf_hostname_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63 || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

/* s with every "%i" replaced by the instance number; false if it does not fit */
bool conf_expand_i(const char *s, int inst, char *buf, size_t sz)
{
	size_t o = 0;

	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'i') {
			int n = snprintf(buf + o, sz - o, "%d", inst);

			if (n < 0 || (size_t)n >= sz - o)
				return false;
			o += n;
			s++;
			continue;
		}
		if (o + 1 >= sz)
			return false;
		buf[o++] = *s;
	}
	buf[o] = 0;
	return true;
}

/* "HOST:CTR[/tcp|/udp]" after %i expansion; NULL or why not */
const char *conf_port_parse(const char *spec, int inst, struct conf_port *p)
{
	char buf[64], *colon, *slash;
	uint64_t h, ct;

	if (!conf_expand_i(spec, inst, buf, sizeof(buf)))
		return "too long";
	p->proto = IPPROTO_TCP;
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		if (!strcmp(slash, "udp"))
			p->proto = IPPROTO_UDP;
		else if (strcmp(slash, "tcp"))
			return "protocol must be tcp or udp";
	}
	colon = strchr(buf, ':');
	if (!colon)
		return "want HOST:CTR[/tcp|/udp]";
	*colon++ = 0;
	if (conf_parse_u64(buf, &h) || conf_parse_u64(colon, &ct))
		return "want HOST:CTR[/tcp|/udp] with numeric ports";
	if (h < 1 || h > 65535)
		return "host port out of range 1..65535";
	if (ct < 1 || ct > 65535)
		return "container port out of range 1..65535";
	p->host = h;
	p->ctr = ct;
	return NULL;
}
