// SPDX-License-Identifier: MIT
/* Log ring: wrap-around, tails by lines, readers that fell behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cabin/ring.h"

static struct ring r;

static void simple(void **st)
{
	char out[64];
	uint64_t pos = 0;

	ring_reset(&r);
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), 0);
	ring_write(&r, "a\nbb\nccc\n", 9);
	assert_int_equal(ring_start(&r), 0);
	assert_int_equal(ring_tail(&r, 1), 5);
	assert_int_equal(ring_tail(&r, 2), 2);
	assert_int_equal(ring_tail(&r, 3), 0);
	assert_int_equal(ring_tail(&r, 10), 0);
	assert_int_equal(ring_tail(&r, 0), 9);
	pos = ring_tail(&r, 2);
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), 7);
	assert_memory_equal(out, "bb\nccc\n", 7);
	assert_int_equal(pos, 9);
	/* a partial last line counts as a line */
	ring_write(&r, "dd", 2);
	assert_int_equal(ring_tail(&r, 1), 9);
}

static void wraps(void **st)
{
	char line[32], out[RING_SIZE + 16];
	uint64_t pos = 0;
	int i, n;
	size_t got;

	ring_reset(&r);
	/* 3x the ring in numbered lines */
	for (i = 0; r.head < 3 * (uint64_t)RING_SIZE; i++) {
		n = snprintf(line, sizeof(line), "line %06d\n", i);
		ring_write(&r, line, n);
	}
	assert_int_equal(ring_start(&r), r.head - RING_SIZE);
	/* a reader left at 0 is moved to the oldest byte held */
	got = ring_read(&r, &pos, out, sizeof(out));
	assert_int_equal(got, RING_SIZE);
	assert_int_equal(pos, r.head);
	/* the last 3 lines are intact across the wrap point */
	pos = ring_tail(&r, 3);
	got = ring_read(&r, &pos, out, sizeof(out));
	assert_int_equal(got, 36);
	out[got] = 0;
	snprintf(line, sizeof(line), "line %06d\n", i - 3);
	assert_memory_equal(out, line, 12);
	snprintf(line, sizeof(line), "line %06d\n", i - 1);
	assert_memory_equal(out + 24, line, 12);
	/* small reads in pieces cross the wrap */
	pos = ring_start(&r);
	for (got = 0; ring_read(&r, &pos, out, 7) > 0;)
		got += 7;
	assert_true(got >= RING_SIZE);
}

static void huge_write_keeps_tail(void **st)
{
	static char big[RING_SIZE * 2 + 5];
	char out[8];
	uint64_t pos;

	ring_reset(&r);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 26;
	ring_write(&r, big, sizeof(big));
	assert_int_equal(r.head, sizeof(big));
	pos = r.head - 5;
	assert_int_equal(ring_read(&r, &pos, out, 5), 5);
	assert_memory_equal(out, big + sizeof(big) - 5, 5);
	pos = ring_start(&r);
	assert_int_equal(ring_read(&r, &pos, out, 3), 3);
	assert_memory_equal(out, big + sizeof(big) - RING_SIZE, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple),
		cmocka_unit_test(wraps),
		cmocka_unit_test(huge_write_keeps_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
