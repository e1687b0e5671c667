/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the modules, so each exists once in the binary: whole small
 * files in and out, a line reader over a fixed buffer, and the two libc parsers that
 * would pull in far more than we use (strstr's two-way matcher, inet_pton). */
#ifndef CABIN_UTIL_H
#define CABIN_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Whole small file into buf, NUL-terminated. Length, or -errno; -EFBIG if it does not
 * fit (callers only read files of known small size). */
int util_read(const char *path, char *buf, size_t n);
/* Write s to an existing file (O_TRUNC, never through a final symlink) with one
 * write(2), as sysfs, cgroupfs and procfs want it. 0, or -errno (-EIO if short). */
int util_write(const char *path, const char *s);

/* Line reader over an open fd with a fixed buffer. A line longer than the buffer or
 * holding a NUL byte is dropped whole, never cut into something that parses. */
struct util_lines {
	int fd;
	size_t off, len;
	bool drop;
	size_t limit; /* read at most this many bytes in all; 0 = no limit */
	size_t total;
	char buf[4096];
};
void util_lines_init(struct util_lines *l, int fd);
/* 1 with *line set (no '\n'), 0 at the end, -errno */
int util_lines_next(struct util_lines *l, char **line);

/* Short options, as getopt(3) with a leading '+' in spec: "c:qh"; stops at the first
 * non-option or after "--"; "-qcFILE" and "-q -c FILE" both work. The option letter;
 * '?' (after a message on stderr) for an unknown option or a missing value; -1 at the
 * end, o->ind then indexes the first operand. libc's getopt prints through stdio,
 * which would be its only user. Start with struct util_opt o = { 0 }. */
struct util_opt {
	int ind, pos;
	const char *arg;
};
int util_getopt(struct util_opt *o, int argc, char *const *argv, const char *spec);

/* strstr, naive: our needles are a few bytes */
char *util_strstr(const char *hay, const char *needle);
/* dotted-quad IPv4 only, as inet_pton(AF_INET): four 0..255, no leading zeros */
bool util_ip4(const char *s, struct in_addr *a);

/* Call fn(dfd, name, d_type, ctx) for each entry of the open directory dfd but "." and
 * "..", with getdents64 into a fixed buffer (no opendir, no allocation). fn may unlink
 * the entry it is given. 0, or -errno of getdents64. */
int util_each_entry(int dfd, void (*fn)(int dfd, const char *name, unsigned char type, void *ctx),
		    void *ctx);

/* a.b.c.d of an IPv4 address (network order) into buf (16 bytes); returns buf. Not
 * inet_ntop: that carries IPv6 formatting we never print (~700 bytes). */
char *util_ip4_str(char *buf, const void *addr);
/* epoch milliseconds as RFC 3339 UTC, "2026-11-30T08:45:17.123Z" (ms: the 3 digits are
 * left out when with_ms is false); buf holds 48 bytes. No gmtime/strftime: musl's
 * pull in the locale machinery, kilobytes of the one binary. */
char *util_rfc3339(char *buf, unsigned long long ms, int with_ms);
/* x with `dec` decimals, rounded ("12.35"); no printf %f, whose float formatter is
 * 4.7 KB of the binary */
char *util_fixed(char *buf, size_t n, double x, int dec);

/* strtoull/strtol for what we parse (bases 8, 10, 16; no overflow check, no "0x"):
 * musl's versions bring its generic number scanner (~2 KB) */
/* optimal string alignment distance (a swap of two letters is one edit), for "did you
 * mean"; strings longer than UTIL_EDIT_MAX, or a distance above limit, give a number
 * above limit */
#define UTIL_EDIT_MAX 40
int util_edit_distance(const char *a, const char *b, int limit);
unsigned long long util_strtoull(const char *s, char **end, int base);
long util_strtol(const char *s, char **end, int base);

#endif
