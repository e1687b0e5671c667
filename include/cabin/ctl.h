/* SPDX-License-Identifier: MIT */
/* Control FIFO protocol (SPEC §6), both ends. The server side never allocates, never
 * blocks on a client and never writes to a path taken from a request.
 *
 * Wire format
 *   request:  "[@TOKEN] VERB ARG...\n", one write(2) of at most PIPE_BUF bytes (the
 *             '\n' included); arguments separated by one or more spaces, %XX-escaped
 *             (ctl_escape); raw control bytes (NUL, tab, CR, ...) make the line
 *             malformed, an escaped %00 too. TOKEN = [A-Za-z0-9_-]{1,32}; the client
 *             first creates the FIFO RUNDIR/reply/TOKEN (0600) and opens it for
 *             reading. VERB = [a-z][a-z0-9_-]{0,15}. A line without a token is
 *             fire-and-forget: `echo "restart web" > /run/cabin/ctl`. A write(2) that
 *             does not end in '\n' is taken as a whole line once the FIFO is drained
 *             (`printf 'restart web' > ctl` works). An empty argument cannot be sent.
 *   reply:    zero or more payload lines, then a last line "ok" or "err CODE message",
 *             then the daemon closes the FIFO. The client knows the status line by the
 *             EOF that follows it (a payload line may itself read "ok").
 *             Listings send one record per line as space-separated key=value pairs,
 *             values %-escaped (ctl_reply_kv): exactly the `-o kv` output, which the
 *             client turns into a table or JSON (integers become JSON numbers).
 *             Streams (events, logs -f) keep writing payload lines until the client
 *             goes away (ctl_reply_detach).
 *   CODE is the client's exit status (1 refused/failed, 2 usage).
 *
 * Requests the client sends (options first, in this order, each its own argument;
 * the client validates usage before sending, the daemon must still check):
 *   ps [-a]                      kv: name state health pid ip restarts uptime(s)
 *                                    [reason exit_time ...]; pid 0 / ip "" when none
 *   start|stop|restart|kill|pause|resume NAME...
 *   create [--save] NAME KEY=VALUE...
 *   rm [-f] NAME
 *   exec [-i] [-t] NAME CMD...   (only the request for now)
 *   logs [-f] [-n LINES] NAME    payload: raw log lines; -f: a stream
 *   stats [NAME]                 kv: name cpu_usec (cumulative CPU time, µs) mem
 *                                    mem_limit (bytes, 0 = none) net_rx net_tx blk_r
 *                                    blk_w (bytes) pids [cpu (percent, optional)];
 *                                    the client polls once a second and computes CPU%
 *                                    from cpu_usec itself when `cpu` is absent
 *   inspect NAME                 payload: one key=value per line (config, then state)
 *   scale NAME N
 *   deploy ABSPATH               the client sends the file's absolute path: the FIFO
 *                                is root-only, so this path is the administrator's
 *                                word; the daemon only reads and parses it (never
 *                                writes, never follows it for anything else)
 *   reload | events | shutdown | poweroff | reboot | halt
 *                                events: a stream of kv records, one per change:
 *                                    time name state [health] [reason]
 */
#ifndef CABIN_CTL_H
#define CABIN_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cabin/err.h"

#define CTL_TOKEN_MAX 32
#define CTL_MAX_ARGS 64 /* verb included */
#define CTL_VERB_MAX 16
/* bytes read per ctl_serve() call, so a flood cannot starve the loop (row F7); the
 * rest stays in the FIFO and the level-triggered poll comes back */
#define CTL_SERVE_BYTES 16384

struct ctl_req {
	char token[CTL_TOKEN_MAX + 1]; /* "" = fire-and-forget */
	int argc;		       /* argv[0] is the verb */
	char *argv[CTL_MAX_ARGS + 1];  /* decoded, point into buf */
	char buf[PIPE_BUF + 1];
};

/* A reply in progress: buffered, written without blocking. */
struct ctl_reply {
	int fd; /* -1: no reply wanted or client gone */
	size_t len;
	bool inrec; /* a kv record is open (ctl_reply_kv) */
	char buf[PIPE_BUF];
};

/* Server: create RUNDIR (0700) and RUNDIR/reply (0700), create or verify the FIFO
 * RUNDIR/ctl (0600, owned by us, a FIFO, not a symlink) and open it
 * O_RDWR|O_NONBLOCK|O_CLOEXEC. An existing RUNDIR (or reply/) must be a real directory
 * owned by us and not writable by group/other (refused otherwise); read/search bits
 * for group/other are removed. Reply FIFOs over a minute old (left by clients killed
 * with SIGKILL) are removed. Returns the fd or -errno with e filled. */
int ctl_listen(const char *rundir, struct cabin_err *e);
/* Decode one request line (without '\n'). -EINVAL with e filled when malformed; the
 * token, if it could be read, is kept in r->token so the error can be answered. */
int ctl_decode(const char *line, size_t len, struct ctl_req *r, struct cabin_err *e);
/* Read what is available on the FIFO (non-blocking), split into lines, decode each and
 * call on_req with the reply already opened (fd -1 for fire-and-forget); malformed or
 * oversized lines are answered with "err 2 ..." when they carry a token, dropped
 * otherwise. Reads at most about CTL_SERVE_BYTES per call and handles every complete line
 * read, so nothing waits in our buffer unseen by poll. on_req must end
 * (ctl_reply_end) or detach the reply; one it leaves open is ended with
 * "err 1 no reply". Keeps the partial line of one FIFO in static storage (one
 * listening FIFO per process). The process must ignore SIGPIPE. Returns 0, or -errno
 * on a read error. */
int ctl_serve(int fd, const char *rundir,
	      void (*on_req)(struct ctl_req *r, struct ctl_reply *rp, void *ctx), void *ctx);
/* Open RUNDIR/reply/TOKEN: O_WRONLY|O_NONBLOCK|O_NOFOLLOW, must be a FIFO owned by us
 * (lstat before, fstat after, same inode), mode 0600 or stricter. On failure (also
 * ENXIO: client gone) rp->fd = -1 (the request is still carried out). */
void ctl_reply_open(struct ctl_reply *rp, const char *rundir, const char *token);
/* Start a reply on an fd kept from ctl_reply_detach (or -1). */
void ctl_reply_init(struct ctl_reply *rp, int fd);
/* Append a line (the '\n' is added); flushes when the buffer fills; a client that does
 * not read (EAGAIN) or has gone (EPIPE) is dropped: fd closed, -1. */
void ctl_reply_line(struct ctl_reply *rp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append "key=value" with the value %-escaped, space-separated; ctl_reply_kv_end ends
 * the record (the line). */
void ctl_reply_kv(struct ctl_reply *rp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ctl_reply_kv_end(struct ctl_reply *rp);
/* Write what is buffered now: one write(2) of at most PIPE_BUF bytes, so all or
 * nothing. 0, or -errno after dropping the client. */
int ctl_reply_flush(struct ctl_reply *rp);
/* "ok" (code 0) or "err CODE msg", flush, close. Control bytes in msg become spaces. */
void ctl_reply_end(struct ctl_reply *rp, int code, const char *msg);
/* For streams (events, logs -f): flush and hand the fd over to the caller, who keeps
 * it (O_NONBLOCK, O_CLOEXEC), writes later through ctl_reply_init + ctl_reply_line +
 * ctl_reply_flush, drops the client when rp->fd turns -1 (it may also poll the fd:
 * EPOLLERR means the reader has gone) and closes it itself. Returns the fd, or -1
 * if the client is already gone. rp->fd is -1 afterwards. */
int ctl_reply_detach(struct ctl_reply *rp);

/* %-escape s into out (NUL-terminated): space, %, control bytes and bytes >= 0x80
 * become %XX; returns the length or -1 if out is too small. */
int ctl_escape(const char *s, char *out, size_t outsz);
/* in place; returns the decoded length (a %00 shows as a NUL before it), -1 on a bad
 * escape */
int ctl_unescape(char *s);
/* [A-Za-z0-9_-]{1,CTL_TOKEN_MAX} */
bool ctl_token_ok(const char *s, size_t len);

/* Client: send argv as one request with a fresh token and stream the reply to `line`
 * callbacks; returns the exit status (0, the err CODE, 2 when the request is too long,
 * 3 when the daemon is not running), errors already printed on stderr. timeout_ms is
 * how long the daemon may stay silent; 0 = wait forever (streams). Removes the reply
 * FIFO always, also on SIGINT/SIGTERM/SIGHUP/SIGPIPE (then dies of that signal). */
int ctl_call(const char *rundir, int argc, char **argv, int timeout_ms,
	     void (*line)(const char *l, void *ctx), void *ctx);

#endif
