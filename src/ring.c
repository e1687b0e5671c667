// SPDX-License-Identifier: MIT
/* Per-container log rings. Owns the byte ring and its arithmetic only: it never reads a
 * pipe, never allocates and never blocks; a flood simply overwrites the oldest bytes. */
#include <string.h>

#include "cabin/ring.h"

void ring_reset(struct ring *r)
{
	r->head = 0;
}

void ring_write(struct ring *r, const char *p, size_t n)
{
	size_t off, first;

	if (n > RING_SIZE) { /* only the last RING_SIZE bytes can survive */
		p += n - RING_SIZE;
		r->head += n - RING_SIZE;
		n = RING_SIZE;
	}
	off = r->head % RING_SIZE;
	first = RING_SIZE - off < n ? RING_SIZE - off : n;
	memcpy(r->buf + off, p, first);
	memcpy(r->buf, p + first, n - first);
	r->head += n;
}

uint64_t ring_start(const struct ring *r)
{
	return r->head > RING_SIZE ? r->head - RING_SIZE : 0;
}

static char at(const struct ring *r, uint64_t pos)
{
	return r->buf[pos % RING_SIZE];
}

uint64_t ring_tail(const struct ring *r, int lines)
{
	uint64_t start = ring_start(r), pos = r->head;

	if (lines <= 0)
		return r->head;
	/* a final newline ends the last line, it does not start an empty one */
	if (pos > start && at(r, pos - 1) == '\n')
		pos--;
	while (pos > start) {
		if (at(r, pos - 1) == '\n' && --lines == 0)
			return pos;
		pos--;
	}
	return start;
}

size_t ring_read(const struct ring *r, uint64_t *from, char *out, size_t n)
{
	uint64_t start = ring_start(r);
	size_t got = 0;

	if (*from < start)
		*from = start;
	while (got < n && *from < r->head) {
		size_t off = *from % RING_SIZE;
		size_t chunk = RING_SIZE - off;

		if (chunk > n - got)
			chunk = n - got;
		if (chunk > r->head - *from)
			chunk = r->head - *from;
		memcpy(out + got, r->buf + off, chunk);
		got += chunk;
		*from += chunk;
	}
	return got;
}
