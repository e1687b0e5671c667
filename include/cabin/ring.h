/* SPDX-License-Identifier: MIT */
/* Per-container log ring: the last CONFIG_LOG_RING_KB of a container's stdout/stderr,
 * fixed size, overwritten oldest first. Positions are absolute byte counts since the
 * ring was reset, so a reader (`logs -f`) can tell what it has missed. */
#ifndef CABIN_RING_H
#define CABIN_RING_H

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

#endif
