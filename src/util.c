// SPDX-License-Identifier: MIT
/* Small shared helpers: file in/out, a line reader, strstr, IPv4 parsing. Used by the
 * daemon's modules, so nothing here allocates or blocks on anything but a regular or
 * kernel file, and every descriptor is O_CLOEXEC and closed before returning. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cabin/err.h"
#include "cabin/util.h"

int util_read(const char *path, char *buf, size_t n)
{
	size_t len = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		/* once full, one more byte tells "exactly fits" from "too big" */
		char c;
		size_t want = len == n - 1 ? 1 : n - 1 - len;
		ssize_t r = read(fd, len == n - 1 ? &c : buf + len, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		else if (r > 0 && len == n - 1)
			err = -EFBIG;
		if (r <= 0 || len == n - 1)
			break;
		len += r;
	}
	close(fd);
	buf[len] = 0;
	return err ? err : (int)len;
}

int util_write(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t r;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		r = write(fd, s, len);
	while (r < 0 && errno == EINTR);
	r = r < 0 ? -errno : (size_t)r != len ? -EIO : 0;
	close(fd);
	return r;
}

void util_lines_init(struct util_lines *l, int fd)
{
	l->fd = fd;
	l->off = l->len = 0;
	l->drop = false;
	l->limit = l->total = 0;
}

int util_lines_next(struct util_lines *l, char **line)
{
	for (;;) {
		char *s = l->buf + l->off, *nl = memchr(s, '\n', l->len - l->off);
		ssize_t r;

		if (nl) {
			*nl = 0;
			l->off = nl + 1 - l->buf;
			/* strlen short of the line: it held a NUL */
			if (l->drop || (size_t)(nl - s) != strlen(s)) {
				l->drop = false;
				continue;
			}
			*line = s;
			return 1;
		}
		if (l->off) {
			memmove(l->buf, s, l->len - l->off);
			l->len -= l->off;
			l->off = 0;
		}
		if (l->len == sizeof(l->buf) - 1) {
			l->drop = true;
			l->len = 0;
		}
		{
			size_t want = sizeof(l->buf) - 1 - l->len;

			if (l->limit && want > l->limit - l->total)
				want = l->limit - l->total;
			r = want ? read(l->fd, l->buf + l->len, want) : 0;
		}
		if (r > 0)
			l->total += r;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			/* a last line without '\n' */
			l->buf[l->len] = 0;
			if (!l->len || l->drop || l->len != strlen(l->buf))
				return 0;
			*line = l->buf;
			l->off = l->len = 0;
			return 1;
		}
		l->len += r;
	}
}

int util_getopt(struct util_opt *o, int argc, char *const *argv, const char *spec)
{
	const char *a, *p;
	int c;

	if (!o->ind)
		o->ind = 1;
	if (!o->pos) {
		if (o->ind >= argc || argv[o->ind][0] != '-' || !argv[o->ind][1])
			return -1;
		if (!strcmp(argv[o->ind], "--")) {
			o->ind++;
			return -1;
		}
		o->pos = 1;
	}
	a = argv[o->ind];
	c = a[o->pos++];
	p = c == ':' ? NULL : strchr(spec, c);
	if (!a[o->pos]) {
		o->ind++;
		o->pos = 0;
	}
	if (!p) {
		fdprintf(2, "cabin: unknown option -%c\n", c);
		return '?';
	}
	if (p[1] != ':')
		return c;
	if (o->pos) {
		o->arg = a + o->pos; /* -cFILE */
		o->ind++;
		o->pos = 0;
	} else if (o->ind < argc) {
		o->arg = argv[o->ind++];
	} else {
		fdprintf(2, "cabin: option -%c needs a value\n", c);
		return '?';
	}
	return c;
}

char *util_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

bool util_ip4(const char *s, struct in_addr *a)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned n = 0;
		int d = 0;

		while (d < 3 && s[d] >= '0' && s[d] <= '9')
			n = n * 10 + (s[d++] - '0');
		if (!d || (d > 1 && s[0] == '0') || n > 255 || s[d] != (i < 3 ? '.' : 0))
			return false;
		v = v << 8 | n;
		s += d + 1;
	}
	a->s_addr = htonl(v);
	return true;
}

int util_each_entry(int dfd, void (*fn)(int dfd, const char *name, unsigned char type, void *ctx),
		    void *ctx)
{
	struct ent {
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	};
	char buf[4096] __attribute__((aligned(8)));
	long n;

	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct ent *de = (const void *)(buf + off);

			off += de->reclen;
			if (strcmp(de->name, ".") && strcmp(de->name, ".."))
				fn(dfd, de->name, de->type, ctx);
		}
	return n < 0 ? -errno : 0;
}

char *util_ip4_str(char *buf, const void *addr)
{
	const unsigned char *b = addr;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

unsigned long long util_strtoull(const char *s, char **end, int base)
{
	unsigned long long v = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'z' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'Z' ? *s - 'A' + 10
						 : 99;

		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

long util_strtol(const char *s, char **end, int base)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '-')
		return -(long)util_strtoull(s + 1, end, base);
	return (long)util_strtoull(s + (*s == '+'), end, base);
}

char *util_rfc3339(char *buf, unsigned long long ms, int with_ms)
{
	unsigned long long sec = ms / 1000;
	long long days = (long long)(sec / 86400), era, doe, yoe, doy, mp, y, m, d;
	unsigned tod = (unsigned)(sec % 86400);

	/* the civil date of a day count from 1970-01-01, in 400-year eras of 146097 days
	 * whose years start on March 1st (the leap day comes last) */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (with_ms)
		snprintf(buf, 48, "%04d-%02d-%02dT%02u:%02u:%02u.%03uZ", (int)y, (int)m, (int)d,
			 tod / 3600 % 24, tod / 60 % 60, tod % 60, (unsigned)(ms % 1000));
	else
		snprintf(buf, 48, "%04d-%02d-%02dT%02u:%02u:%02uZ", (int)y, (int)m, (int)d,
			 tod / 3600 % 24, tod / 60 % 60, tod % 60);
	return buf;
}

char *util_fixed(char *buf, size_t n, double x, int dec)
{
	unsigned long long scale = 1, v;
	bool neg = x < 0;

	for (int i = 0; i < dec; i++)
		scale *= 10;
	if (neg)
		x = -x;
	v = (unsigned long long)(x * (double)scale + 0.5);
	if (dec)
		snprintf(buf, n, "%s%llu.%0*llu", neg ? "-" : "", v / scale, dec, v % scale);
	else
		snprintf(buf, n, "%s%llu", neg ? "-" : "", v);
	return buf;
}

/* optimal string alignment distance: a swap of two letters counts as one edit; once a
 * whole row is above limit the answer is too (a row's minimum never decreases), so it
 * stops there: a config full of unknown keys costs a few rows per key, not la * lb */
int util_edit_distance(const char *a, const char *b, int limit)
{
	int la = strlen(a), lb = strlen(b);
	int r0[UTIL_EDIT_MAX + 2], r1[UTIL_EDIT_MAX + 2], r2[UTIL_EDIT_MAX + 2];
	int *pp = r0, *p = r1, *cur = r2, *t;
	int i, j;

	if (la > UTIL_EDIT_MAX || lb > UTIL_EDIT_MAX)
		return 99;
	for (j = 0; j <= lb; j++)
		p[j] = j;
	for (i = 1; i <= la; i++) {
		int low = cur[0] = i;

		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = p[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < low)
				low = v;
		}
		if (low > limit)
			return low;
		t = pp, pp = p, p = cur, cur = t;
	}
	return p[lb];
}
