// SPDX-License-Identifier: MIT
/* Test-only: linked into build/cabin-alloc with -Wl,--wrap for every allocator entry
 * point, both the public ones (malloc, calloc, realloc, aligned_alloc, posix_memalign)
 * and musl's internal ones (__libc_malloc, __libc_calloc, __libc_realloc, used by
 * e.g. the time zone code and locales), so allocations made by libc on our behalf are
 * counted too. Counting starts when the daemon calls daemon_startup_done(); each one
 * after that is reported on stderr with its caller and counted for `debug`. */
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

static int armed;
static long count;

void daemon_startup_done(void)
{
	armed = 1;
}

long daemon_alloc_count(void)
{
	return count;
}

static void hit(const char *fn, size_t n, void *caller)
{
	char buf[128];
	int len;

	if (!armed)
		return;
	count++;
	len = snprintf(buf, sizeof(buf), "cabin-alloc: %s(%zu) after start-up, caller %p\n", fn,
		       n, caller);
	if (len > 0)
		(void)!write(2, buf, (size_t)len);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__real___libc_malloc(size_t n);
void *__real___libc_calloc(size_t m, size_t n);
void *__real___libc_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	hit("malloc", n, __builtin_return_address(0));
	return __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
	hit("calloc", m * n, __builtin_return_address(0));
	return __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	hit("realloc", n, __builtin_return_address(0));
	return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
	hit("aligned_alloc", n, __builtin_return_address(0));
	return __real_aligned_alloc(a, n);
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
	hit("posix_memalign", n, __builtin_return_address(0));
	return __real_posix_memalign(p, a, n);
}

void *__wrap___libc_malloc(size_t n)
{
	hit("__libc_malloc", n, __builtin_return_address(0));
	return __real___libc_malloc(n);
}

void *__wrap___libc_calloc(size_t m, size_t n)
{
	hit("__libc_calloc", m * n, __builtin_return_address(0));
	return __real___libc_calloc(m, n);
}

void *__wrap___libc_realloc(void *p, size_t n)
{
	hit("__libc_realloc", n, __builtin_return_address(0));
	return __real___libc_realloc(p, n);
}
