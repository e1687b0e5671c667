/* SPDX-License-Identifier: MIT */
/* Control FIFO protocol (SPEC §6), both ends. The server side never allocates, never
 * blocks on a client and never writes to a path taken from a request.
 *
 * Wire format
 *   request:  "[@TOKEN] VERB ARG...\n", one write(2) of at most PIPE_BUF bytes;
 *             arguments space-separated, %XX-escaped (ctl_escape).
 *             TOKEN = [A-Za-z0-9_-]{1,32}; the client first creates the FIFO
 *             RUNDIR/reply/TOKEN (0600) and opens it for reading.
 *   reply:    zero or more payload lines, then a last line "ok" or "err CODE message".
 *             Listings (ps, stats, inspect, events) send one record per line as
 *             space-separated key=value pairs with %-escaped values: exactly the
 *             `-o kv` output, which the client turns into a table or JSON.
 *             Streams (events, logs -f) keep writing payload lines until the client
 *             goes away.
 *   CODE is the client's exit status (1 refused/failed, 2 usage).
 */
#ifndef CABIN_CTL_H
#define CABIN_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cabin/err.h"

#define CTL_TOKEN_MAX 32
#define CTL_MAX_ARGS 64

struct ctl_req {
	char token[CTL_TOKEN_MAX + 1];	/* "" = fire-and-forget */
	int argc;			/* argv[0] is the verb */
	char *argv[CTL_MAX_ARGS + 1];	/* decoded, point into buf */
	char buf[PIPE_BUF + 1];
};

/* A reply in progress: buffered, written without blocking. */
struct ctl_reply {
	int fd;				/* -1: no reply wanted or client gone */
	size_t len;
	char buf[PIPE_BUF];
};

/* Server: create RUNDIR (0700) and RUNDIR/reply (0700), create or verify the FIFO
 * RUNDIR/ctl (0600, owned by us, a FIFO, not a symlink) and open it O_RDWR|O_NONBLOCK.
 * Returns the fd or -errno with e filled. */
int ctl_listen(const char *rundir, struct cabin_err *e);
/* Decode one request line (without '\n'). -EINVAL with e filled when malformed; the
 * token, if it could be read, is kept in r->token so the error can be answered. */
int ctl_decode(const char *line, size_t len, struct ctl_req *r, struct cabin_err *e);
/* Read what is available on the FIFO (non-blocking), split into lines, decode each and
 * call on_req; malformed or oversized lines are answered with "err 2 ..." when they
 * carry a token, dropped otherwise. Returns 0, or -errno on a read error. */
int ctl_serve(int fd, const char *rundir,
	      void (*on_req)(struct ctl_req *r, struct ctl_reply *rp, void *ctx), void *ctx);
/* Open RUNDIR/reply/TOKEN: O_WRONLY|O_NONBLOCK|O_NOFOLLOW, must be a FIFO owned by us.
 * On failure rp->fd = -1 (the request is still carried out). */
void ctl_reply_open(struct ctl_reply *rp, const char *rundir, const char *token);
/* Append a line (the '\n' is added); flushes when the buffer fills; a client that does
 * not read (EAGAIN) is dropped: fd closed, -1. */
void ctl_reply_line(struct ctl_reply *rp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append "key=value" with the value %-escaped, space-separated; ctl_reply_kv_end ends
 * the record (the line). */
void ctl_reply_kv(struct ctl_reply *rp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ctl_reply_kv_end(struct ctl_reply *rp);
/* "ok" or "err CODE msg", flush, close. */
void ctl_reply_end(struct ctl_reply *rp, int code, const char *msg);

/* %-escape s into out (spaces, %, control bytes, non-ASCII, '=' in values); returns the
 * length or -1 if out is too small. */
int ctl_escape(const char *s, char *out, size_t outsz);
/* in place; -1 on a bad escape */
int ctl_unescape(char *s);

/* Client: send argv as one request with a fresh token and stream the reply to `line`
 * callbacks; returns the exit status (0, the err CODE, 3 when the daemon is not
 * running). timeout_ms 0 = wait forever (streams). */
int ctl_call(const char *rundir, int argc, char **argv, int timeout_ms,
	     void (*line)(const char *l, void *ctx), void *ctx);

#endif
