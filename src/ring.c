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

void ring_put(struct ring *r, bool *mid, uint64_t wall_ms, const char *p, size_t n)
{
	char st[RING_STAMP + 1];

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;

		if (!*mid) {
			uint64_t t = wall_ms;

			for (int i = RING_STAMP - 2; i >= 0; i--, t /= 10)
				st[i] = (char)('0' + t % 10);
			st[RING_STAMP - 1] = ' ';
			ring_write(r, st, RING_STAMP);
		}
		ring_write(r, p, len);
		*mid = !nl;
		p += len;
		n -= len;
	}
}

static bool at_bol(const struct ring *r, uint64_t pos)
{
	return pos == 0 || (pos > ring_start(r) && at(r, pos - 1) == '\n');
}

void ring_view_init(const struct ring *r, struct ring_view *v, uint64_t pos)
{
	uint64_t since = v->since_ms;
	bool keep = v->keep_stamp;

	memset(v, 0, sizeof(*v));
	v->since_ms = since;
	v->keep_stamp = keep;
	v->next = pos;
	v->pre = at_bol(r, pos) ? 0 : -1;
}

size_t ring_view_read(const struct ring *r, struct ring_view *v, char *out, size_t n)
{
	char raw[2048];
	size_t o = 0;

	if (n > sizeof(raw))
		n = sizeof(raw);
	while (o == 0) {
		uint64_t from = v->next;
		size_t got = ring_read(r, &from, raw, n);

		if (!got)
			break;
		if (from - got != v->next) /* overwritten while we were away: resync */
			ring_view_init(r, v, from - got);
		v->next = from;
		for (size_t i = 0; i < got; i++) {
			char c = raw[i];

			if (!c && v->pre < 0)
				continue; /* NUL bytes: the replies are text lines */
			if (v->pre < 0) { /* a line we came in the middle of: its text, no stamp */
				if (c == '\n')
					v->pre = 0;
				if (!v->since_ms)
					out[o++] = c;
				continue;
			}
			if (v->pre < RING_STAMP) {
				v->stamp[v->pre++] = c;
				if (v->pre < RING_STAMP)
					continue;
				if (v->since_ms) {
					uint64_t t = 0;

					for (int k = 0; k < RING_STAMP - 1; k++)
						t = t * 10 + (uint64_t)(v->stamp[k] - '0');
					v->drop = t < v->since_ms;
				}
				if (v->keep_stamp && !v->drop) {
					/* one byte out per byte in: out has room */
					memcpy(out + o, v->stamp, RING_STAMP);
					o += RING_STAMP;
				}
				continue;
			}
			if (!v->drop && c)
				out[o++] = c;
			if (c == '\n')
				v->pre = 0;
		}
	}
	return o;
}
