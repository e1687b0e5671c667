// SPDX-License-Identifier: MIT
/* The allocator of the static binary: power-of-two size classes carved from 64 KiB
 * anonymous mappings, freed blocks kept on one list per class, large blocks mapped on
 * their own. Only the client (its record tables and JSON) and libcap in a container's
 * child allocate; the daemon never does after start-up (tests/alloc proves it). musl's
 * mallocng is ~8 KB of the binary, this a few hundred bytes; a client that lives for
 * one request does not need its fragmentation control. Not built for the host test
 * builds (glibc with sanitizers keeps its own). */
#ifndef CABIN_TEST
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define NCLASS 17 /* 16 B << 0..16: up to 1 MiB a class; larger is mapped alone */
#define CHUNK (64 * 1024)

struct hdr { /* 16 bytes: blocks stay 16-byte aligned */
	size_t size;
	size_t cls;
};

static void *freelist[NCLASS];
static char *cur, *end;

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *malloc(size_t n)
{
	struct hdr *h;
	size_t cls = 0, bsz;

	if (n > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	while (cls < NCLASS && ((size_t)16 << cls) < n + sizeof(*h))
		cls++;
	if (cls == NCLASS) {
		bsz = (n + sizeof(*h) + 4095) & ~(size_t)4095;
		h = map(bsz);
	} else if (freelist[cls]) {
		h = freelist[cls];
		freelist[cls] = *(void **)(h + 1);
		bsz = (size_t)16 << cls;
	} else {
		bsz = (size_t)16 << cls;
		if ((size_t)(end - cur) < bsz) {
			size_t sz = bsz > CHUNK ? bsz : CHUNK;

			cur = map(sz);
			end = cur ? cur + sz : NULL;
		}
		h = (struct hdr *)cur;
		if (h)
			cur += bsz;
	}
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->size = bsz;
	h->cls = cls;
	return h + 1;
}

void free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	h = (struct hdr *)p - 1;
	if (h->cls == NCLASS) {
		munmap(h, h->size);
		return;
	}
	*(void **)p = freelist[h->cls];
	freelist[h->cls] = h;
}

void *calloc(size_t m, size_t n)
{
	void *p;

	if (n && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(m * n);
	if (p) /* a recycled block is not zero */
		memset(p, 0, m * n);
	return p;
}

void *realloc(void *p, size_t n)
{
	struct hdr *h;
	void *q;

	if (!p)
		return malloc(n);
	h = (struct hdr *)p - 1;
	if (n + sizeof(*h) <= h->size)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, h->size - sizeof(*h));
	free(p);
	return q;
}
#endif
