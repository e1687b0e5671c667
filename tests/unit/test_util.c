// SPDX-License-Identifier: MIT
/* Shared helpers: IPv4 parsing against inet_pton, strstr against libc, the line
 * reader's dropping rules, small-file read and write bounds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cabin/util.h"

static void ip4(void **st)
{
	static const char *const in[] = {
		"10.88.0.1",	   "0.0.0.0",	"255.255.255.255", "1.2.3.4",
		"192.168.100.200", "256.1.1.1", "1.2.3",	   "1.2.3.4.5",
		"01.2.3.4",	   "1.2.3.04",	"1..2.3",	   ".1.2.3",
		"1.2.3.",	   "1.2.3.4 ",	" 1.2.3.4",	   "1234.1.1.1",
		"a.b.c.d",	   "",		"0x1.2.3.4",	   "1.2.3.-4",
		"00.1.1.1",	   "1.2.3.400",
	};
	struct in_addr a, b;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		int want = inet_pton(AF_INET, in[i], &b);

		a.s_addr = 0xdeadbeef;
		assert_int_equal(util_ip4(in[i], &a), want == 1);
		if (want == 1)
			assert_int_equal(a.s_addr, b.s_addr);
	}
}

static void strto(void **st)
{
	char *end;

	assert_int_equal(util_strtoull("  1234x", &end, 10), 1234);
	assert_string_equal(end, "x");
	assert_int_equal(util_strtoull("0755", NULL, 8), 0755);
	assert_true(util_strtoull("ffffffffffffffff", NULL, 16) == ~0ULL);
	assert_true(util_strtoull("18446744073709551615", NULL, 10) == ~0ULL);
	assert_int_equal(util_strtol("-42 ", &end, 10), -42);
	assert_string_equal(end, " ");
	assert_int_equal(util_strtol("+7", NULL, 10), 7);
	assert_int_equal(util_strtoull("", &end, 10), 0);
	assert_int_equal(util_strtoull("9", NULL, 8), 0); /* not an octal digit */
}

static void sstr(void **st)
{
	static const char *const h[] = { "", "a", "abc", "a - b", "xx rbytes=5", "aaab" };
	static const char *const n[] = { "", "a", "b", " - ", " rbytes=", "aab", "abcd" };

	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		for (size_t j = 0; j < sizeof(n) / sizeof(n[0]); j++)
			assert_ptr_equal(util_strstr(h[i], n[j]), strstr(h[i], n[j]));
}

/* a file with the given bytes, opened for reading */
static int with(const char *data, size_t len)
{
	char path[] = "/tmp/cabin-test-util-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void lines(void **st)
{
	static char big[10000];
	static struct util_lines l;
	char *line;
	int fd;

	/* a NUL inside a line and an overlong line are dropped whole; the last line may
	 * lack its newline */
	memset(big, 'x', sizeof(big));
	memcpy(big, "one\nt\0o\n", 8);
	big[8 + 5000] = '\n';
	memcpy(big + 8 + 5001, "three\nfour", 10);
	fd = with(big, 8 + 5001 + 10);
	util_lines_init(&l, fd);
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_string_equal(line, "one");
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_string_equal(line, "three");
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_string_equal(line, "four");
	assert_int_equal(util_lines_next(&l, &line), 0);
	close(fd);

	/* an overlong last line without a newline, and a NUL in the last line */
	fd = with(big + 8, 5000);
	util_lines_init(&l, fd);
	assert_int_equal(util_lines_next(&l, &line), 0);
	close(fd);
	fd = with("a\nb\0c", 5);
	util_lines_init(&l, fd);
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_string_equal(line, "a");
	assert_int_equal(util_lines_next(&l, &line), 0);
	close(fd);

	/* the longest line held is the buffer less its NUL and the newline */
	memset(big, 'y', sizeof(l.buf) - 2);
	big[sizeof(l.buf) - 2] = '\n';
	memset(big + sizeof(l.buf) - 1, 'z', sizeof(l.buf) - 1);
	big[2 * sizeof(l.buf) - 2] = '\n';
	memcpy(big + 2 * sizeof(l.buf) - 1, "end\n", 4);
	fd = with(big, 2 * sizeof(l.buf) + 3);
	util_lines_init(&l, fd);
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_int_equal(strlen(line), sizeof(l.buf) - 2);
	assert_int_equal(util_lines_next(&l, &line), 1);
	assert_string_equal(line, "end");
	close(fd);
}

static void readwrite(void **st)
{
	char dir[] = "/tmp/cabin-test-util-XXXXXX", path[64], link[64], buf[8];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	assert_int_equal(util_write(path, "x"), -ENOENT); /* never creates */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(util_write(path, "1234567"), 0);
	assert_int_equal(util_read(path, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(util_write(path, "12"), 0); /* truncates */
	assert_int_equal(util_read(path, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "12");
	assert_int_equal(util_write(path, "12345678"), 0);
	assert_int_equal(util_read(path, buf, sizeof(buf)), -EFBIG);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(util_write(link, "x"), -ELOOP); /* never through a symlink */
	assert_int_equal(util_read(dir, buf, sizeof(buf)), -EISDIR);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

static void opts(void **st)
{
	char *a1[] = { "check", "-q", "-c", "F", "x", "-h", NULL };
	char *a2[] = { "check", "-qcF", "--", "-h", NULL };
	char *a3[] = { "check", "-c", NULL };
	char *a4[] = { "check", "-qx", "-", NULL };
	struct util_opt o = { 0 };

	assert_int_equal(util_getopt(&o, 6, a1, "c:qh"), 'q');
	assert_int_equal(util_getopt(&o, 6, a1, "c:qh"), 'c');
	assert_string_equal(o.arg, "F");
	assert_int_equal(util_getopt(&o, 6, a1, "c:qh"), -1); /* stops at "x" */
	assert_int_equal(o.ind, 4);

	o = (struct util_opt){ 0 };
	assert_int_equal(util_getopt(&o, 4, a2, "c:qh"), 'q');
	assert_int_equal(util_getopt(&o, 4, a2, "c:qh"), 'c');
	assert_string_equal(o.arg, "F");
	assert_int_equal(util_getopt(&o, 4, a2, "c:qh"), -1); /* "--" ends, is skipped */
	assert_int_equal(o.ind, 3);

	o = (struct util_opt){ 0 };
	assert_int_equal(util_getopt(&o, 2, a3, "c:qh"), '?'); /* value missing */

	o = (struct util_opt){ 0 };
	assert_int_equal(util_getopt(&o, 3, a4, "c:qh"), 'q');
	assert_int_equal(util_getopt(&o, 3, a4, "c:qh"), '?'); /* unknown */
	assert_int_equal(util_getopt(&o, 3, a4, "c:qh"), -1);  /* "-" is an operand */
	assert_int_equal(o.ind, 2);
	o = (struct util_opt){ 0 };
	assert_int_equal(util_getopt(&o, 2, (char *[]){ "x", "-:", NULL }, "c:qh"), '?');
}

/* the early stop above the limit must never change a distance at or below it */
static int full_osa(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), d[48][48];

	for (int i = 0; i <= la; i++)
		for (int j = 0; j <= lb; j++) {
			int v = i > j ? i : j;

			if (i && j) {
				v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
				if (d[i - 1][j] + 1 < v)
					v = d[i - 1][j] + 1;
				if (d[i][j - 1] + 1 < v)
					v = d[i][j - 1] + 1;
				if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
				    d[i - 2][j - 2] + 1 < v)
					v = d[i - 2][j - 2] + 1;
			} else
				v = i + j;
			d[i][j] = v;
		}
	return d[la][lb];
}

static void edit(void **st)
{
	static const char *w[] = { "", "a", "ab", "ba", "restart", "restrat", "rstart",
				    "restarts", "memory", "memroy_max", "web-1", "webb", "db",
				    "health_interval", "heath_intervall", "xyzzy" };
	unsigned int seed = 1;

	assert_int_equal(util_edit_distance("restrat", "restart", 3), 1); /* a swap is one */
	assert_int_equal(util_edit_distance("webb", "web-1", 2), 2);
	assert_true(util_edit_distance("xyzzy", "restart", 2) > 2);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++)
			for (int lim = 0; lim <= 4; lim++) {
				int f = full_osa(w[i], w[j]), e = util_edit_distance(w[i], w[j], lim);

				if (f <= lim)
					assert_int_equal(e, f);
				else
					assert_true(e > lim);
			}
	/* random short words over a small alphabet: many near misses */
	for (int n = 0; n < 20000; n++) {
		char a[12], b[12];
		int la = 1 + (rand_r(&seed) % 10), lb = 1 + (rand_r(&seed) % 10), lim = rand_r(&seed) % 5;

		for (int k = 0; k < la; k++)
			a[k] = "abc"[rand_r(&seed) % 3];
		for (int k = 0; k < lb; k++)
			b[k] = "abc"[rand_r(&seed) % 3];
		a[la] = b[lb] = 0;
		int f = full_osa(a, b), e = util_edit_distance(a, b, lim);

		if (f <= lim)
			assert_int_equal(e, f);
		else
			assert_true(e > lim);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip4),	     cmocka_unit_test(sstr), cmocka_unit_test(lines),
		cmocka_unit_test(strto),
		cmocka_unit_test(readwrite), cmocka_unit_test(opts), cmocka_unit_test(edit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
