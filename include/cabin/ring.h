/* SPDX-License-Identifier: MIT */
/* Per-container log ring: the last CONFIG_LOG_RING_KB of a container's stdout/stderr,
 * fixed size, overwritten oldest first. Positions are absolute byte counts since the
 * ring was reset, so a reader (`logs -f`) can tell what it has missed. */
#ifndef CABIN_RING_H
#define CABIN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generated/config.h"

#define RING_SIZE (CONFIG_LOG_RING_KB * 1024)

struct ring {
	uint64_t head; /* bytes ever written; data is [head - RING_SIZE, head) */
	char buf[RING_SIZE];
};

void ring_reset(struct ring *r);
void ring_write(struct ring *r, const char *p, size_t n);
/* oldest position still held */
uint64_t ring_start(const struct ring *r);
/* position of the first byte of the last `lines` lines (a trailing partial line counts
 * as one); ring_start() if the ring holds fewer */
uint64_t ring_tail(const struct ring *r, int lines);
/* copy up to n bytes from position `from` (clamped to ring_start()); returns bytes
 * copied, *from advanced */
size_t ring_read(const struct ring *r, uint64_t *from, char *out, size_t n);

/* Stamped lines: every line in a container's ring starts with RING_STAMP bytes, its
 * arrival time as 13 digits of epoch milliseconds and a space. ring_put inserts them
 * (*mid: the last byte written was not a newline); a ring_view reads them back. */
#define RING_STAMP 14
void ring_put(struct ring *r, bool *mid, uint64_t wall_ms, const char *p, size_t n);

struct ring_view {
	uint64_t next; /* the position the state below belongs to */
	int pre;       /* stamp bytes of the current line seen; -1: skip to the next line */
	char stamp[RING_STAMP];
	bool keep_stamp;   /* pass stamps on (`logs -t`: the client formats them) */
	bool drop;	   /* the current line is older than since_ms */
	uint64_t since_ms; /* 0: every line */
};

/* Start a view at pos: at a line start, or inside a line (the rest of it is shown
 * without a stamp, and left out when since_ms filters). */
void ring_view_init(const struct ring *r, struct ring_view *v, uint64_t pos);
/* Like ring_read from v->next, with the stamps taken out (or kept) and lines before
 * since_ms dropped; at most n bytes out (n <= 2048). 0: nothing more for now. */
size_t ring_view_read(const struct ring *r, struct ring_view *v, char *out, size_t n);

#endif
