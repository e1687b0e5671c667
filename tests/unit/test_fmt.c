// SPDX-License-Identifier: MIT
/* src/fmt.c, cabin's own vsnprintf (it replaces musl's in the static binary), against
 * glibc's for every conversion cabin uses and the corners of each. fmt.c is compiled in
 * here under other names, so glibc's stay the reference. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define vsnprintf cabin_vsnprintf
#define vfprintf cabin_vfprintf
#include "../../src/fmt.c"
#undef vsnprintf
#undef vfprintf

static int ours(char *b, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cabin_vsnprintf(b, n, fmt, ap);
	va_end(ap);
	return r;
}

#define SAME(...)                                                                        \
	do {                                                                             \
		char a[256], b[256];                                                     \
		int ra = snprintf(a, sizeof(a), __VA_ARGS__);                            \
		int rb = ours(b, sizeof(b), __VA_ARGS__);                                \
		assert_string_equal(b, a);                                               \
		assert_int_equal(rb, ra);                                                \
	} while (0)

static void conversions(void **state)
{
	SAME("plain text");
	SAME("%s|%5s|%-5s|%.2s|%.*s|%-*s|", "abc", "ab", "ab", "abc", 3, "abcdef", 6, "x");
	SAME("%d %d %d %i", 0, -1, INT_MAX, INT_MIN);
	SAME("%5d|%-5d|%05d|%+d|% d|%.3d|%.0d|%.0d", 42, 42, -42, 7, 7, 5, 0, 3);
	SAME("%u %lu %llu %hu %hhu", 4000000000u, ULONG_MAX, ULLONG_MAX, (unsigned short)65535,
	     (unsigned char)255);
	SAME("%ld %lld %hd %hhd", LONG_MIN, LLONG_MIN, (short)-5, (signed char)-3);
	SAME("%x %X %#x %#X %08x %016llx %llx %02x %05x %04x", 255u, 255u, 255u, 0u, 48879u,
	     0x1234abcdULL, 0ULL, 7u, 0xabcu, 0xfu);
	SAME("%o %04o %#o %#o", 8u, 0755u, 8u, 0u);
	SAME("%c%c|%3c|%-3c|", 'a', 'b', 'c', 'd');
	SAME("%zu %zd %jd %td", (size_t)12345, (ssize_t)-3, (intmax_t)-99, (ptrdiff_t)77);
	SAME("%p %p", (void *)0x1234, (void *)0xdeadbeef);
	SAME("100%% %s%%", "x");
	SAME("%02u:%02u:%02u.%03u %04d-%02d", 1u, 2u, 3u, 45u, 2026, 11);
	SAME("%0*llu %5ld %03ld", 6, 42ULL, -12L, 7L);
	SAME("%s", "");
}

static void truncation(void **state)
{
	char b[8];

	assert_int_equal(ours(b, sizeof(b), "%s", "0123456789"), 10);
	assert_string_equal(b, "0123456");
	assert_int_equal(ours(NULL, 0, "%d-%s", 12, "abc"), 6);
	assert_int_equal(ours(b, 1, "abc"), 3);
	assert_string_equal(b, "");
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(conversions),
		cmocka_unit_test(truncation),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
