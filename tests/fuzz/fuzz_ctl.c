// SPDX-License-Identifier: MIT
/* Fuzz the control protocol: ctl_decode on arbitrary bytes (with the invariants a
 * decoded request must hold), the escape round trip, and ctl_serve's line splitting
 * over a real pipe (first byte 0xff). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabin/ctl.h"

static int calls;

static void on_req(struct ctl_req *r, struct ctl_reply *rp, void *ctx)
{
	if (r->argc < 1 || !r->argv[0] || r->argv[r->argc])
		abort();
	calls++;
	ctl_reply_end(rp, 0, NULL);
}

static void check_req(const struct ctl_req *r)
{
	int i;

	if (r->argc < 1 || r->argc > CTL_MAX_ARGS || r->argv[r->argc])
		abort();
	if (r->token[0] && !ctl_token_ok(r->token, strlen(r->token)))
		abort();
	for (i = 0; i < r->argc; i++)
		if (r->argv[i] < r->buf || r->argv[i] >= r->buf + sizeof(r->buf))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_req r;
	static char s[PIPE_BUF + 1], esc[3 * PIPE_BUF + 1];
	struct cabin_err e;
	size_t n;

	if (size && data[0] == 0xff) {
		int p[2];

		/* the serve loop: a pipe stands in for the FIFO; replies go nowhere */
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
			return 0;
		if (size > 1 && write(p[1], data + 1, size - 1) < 0)
			abort();
		int i;

		/* a call reads about CTL_SERVE_BYTES at most: 4096 bytes need one */
		for (i = 0; i < 128; i++)
			if (ctl_serve(p[0], "/nonexistent-cabin-fuzz", on_req, NULL) < 0)
				abort();
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (ctl_decode((const char *)data, size, &r, &e) == 0)
		check_req(&r);
	/* escape round trip of the input as a C string */
	n = size < PIPE_BUF ? size : PIPE_BUF;
	memcpy(s, data, n);
	s[n] = 0;
	if (ctl_escape(s, esc, sizeof(esc)) < 0)
		abort();
	if (strchr(esc, ' ') || ctl_unescape(esc) != (int)strlen(s) || strcmp(esc, s))
		abort();
	return 0;
}
