// SPDX-License-Identifier: MIT
/* Control FIFO (SPEC §6): the daemon's listening FIFO, request decoding and
 * non-blocking replies, plus ctl_call() for the client. The server half runs in the
 * daemon: it never allocates, never blocks on a client and never opens a path taken
 * from a request (a token is checked to [A-Za-z0-9_-] and only names a FIFO in
 * RUNDIR/reply, which is verified before and after opening). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cabin/util.h"
#include "cabin/cli.h"
#include "cabin/ctl.h"

static const char hex[] = "0123456789ABCDEF";

bool ctl_token_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > CTL_TOKEN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool must_escape(unsigned char c)
{
	return c <= ' ' || c == '%' || c >= 0x7f;
}

int ctl_escape(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = *s;

		if (must_escape(c)) {
			if (o + 3 >= outsz)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = c;
		}
	}
	if (o >= outsz)
		return -1;
	out[o] = 0;
	return o;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ctl_unescape(char *s)
{
	char *o = s, *start = s;

	while (*s) {
		if (*s == '%') {
			int h, l;

			h = hexval(s[1]);
			if (h < 0)
				return -1;
			l = hexval(s[2]);
			if (l < 0)
				return -1;
			*o++ = h << 4 | l;
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return o - start;
}

/* --- decoding --------------------------------------------------------------------- */

static bool verb_ok(const char *v)
{
	size_t i;

	if (!(*v >= 'a' && *v <= 'z'))
		return false;
	for (i = 1; v[i]; i++) {
		char c = v[i];

		if (i >= CTL_VERB_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int ctl_decode(const char *line, size_t len, struct ctl_req *r, struct cabin_err *e)
{
	size_t i = 0, n;
	char *p;

	r->token[0] = 0;
	r->argc = 0;
	r->argv[0] = NULL;
	r->buf[0] = 0;
	/* the token first, so that whatever is wrong with the rest can be answered */
	if (len && line[0] == '@') {
		for (n = 1; n < len && line[n] != ' '; n++)
			;
		if (!ctl_token_ok(line + 1, n - 1))
			return err_set(e, 0, "bad token (want @[A-Za-z0-9_-]{1,%d})",
				       CTL_TOKEN_MAX);
		memcpy(r->token, line + 1, n - 1);
		r->token[n - 1] = 0;
		i = n;
	}
	/* the client writes the line and its '\n' in one write(2) of at most PIPE_BUF */
	if (len >= PIPE_BUF)
		return err_set(e, 0, "request longer than %d bytes", PIPE_BUF - 1);
	for (n = i; n < len; n++) {
		unsigned char c = line[n];

		if (c < ' ' || c == 0x7f)
			return err_set(e, 0, "control byte 0x%02x in request", c);
	}
	memcpy(r->buf, line + i, len - i);
	r->buf[len - i] = 0;
	for (p = r->buf; *p;) {
		int dl;

		if (*p == ' ') {
			*p++ = 0;
			continue;
		}
		if (r->argc == CTL_MAX_ARGS)
			return err_set(e, 0, "too many arguments (at most %d)", CTL_MAX_ARGS - 1);
		r->argv[r->argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		dl = ctl_unescape(r->argv[r->argc - 1]);
		if (dl < 0)
			return err_set(e, 0, "bad %%-escape in argument %d", r->argc - 1);
		if ((size_t)dl != strlen(r->argv[r->argc - 1]))
			return err_set(e, 0, "NUL byte in argument %d", r->argc - 1);
	}
	r->argv[r->argc] = NULL;
	if (!r->argc)
		return err_set(e, 0, "empty request");
	if (!verb_ok(r->argv[0]))
		return err_set(e, 0, "bad verb (want [a-z][a-z0-9_-]{0,%d})", CTL_VERB_MAX - 1);
	return 0;
}

/* --- replies ------------------------------------------------------------------------ */

void ctl_reply_init(struct ctl_reply *rp, int fd)
{
	rp->fd = fd;
	rp->len = 0;
	rp->inrec = false;
}

static void drop(struct ctl_reply *rp)
{
	if (rp->fd >= 0)
		close(rp->fd);
	rp->fd = -1;
	rp->len = 0;
	rp->inrec = false;
}

int ctl_reply_flush(struct ctl_reply *rp)
{
	ssize_t n;

	if (rp->fd < 0)
		return -EPIPE;
	if (!rp->len)
		return 0;
	/* at most PIPE_BUF bytes on an O_NONBLOCK pipe: all of it or EAGAIN, never a
	 * part, never a wait */
	do
		n = write(rp->fd, rp->buf, rp->len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)rp->len) {
		int err = n < 0 ? errno : EIO;

		drop(rp);
		return -err;
	}
	rp->len = 0;
	return 0;
}

static void put(struct ctl_reply *rp, const char *s, size_t n)
{
	while (n && rp->fd >= 0) {
		size_t k = sizeof(rp->buf) - rp->len;

		if (k > n)
			k = n;
		memcpy(rp->buf + rp->len, s, k);
		rp->len += k;
		s += k;
		n -= k;
		if (rp->len == sizeof(rp->buf))
			ctl_reply_flush(rp);
	}
}

void ctl_reply_line(struct ctl_reply *rp, const char *fmt, ...)
{
	char tmp[PIPE_BUF];
	va_list ap;
	int n;

	if (rp->fd < 0)
		return;
	if (rp->inrec)
		ctl_reply_kv_end(rp);
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(tmp) - 2)
		n = sizeof(tmp) - 2;
	tmp[n++] = '\n';
	put(rp, tmp, n);
}

void ctl_reply_kv(struct ctl_reply *rp, const char *key, const char *fmt, ...)
{
	char tmp[PIPE_BUF], esc[3];
	const char *p;
	va_list ap;
	int n;

	if (rp->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (rp->inrec)
		put(rp, " ", 1);
	rp->inrec = true;
	put(rp, key, strlen(key));
	put(rp, "=", 1);
	for (p = tmp; *p; p++) {
		unsigned char c = *p;

		if (must_escape(c)) {
			esc[0] = '%';
			esc[1] = hex[c >> 4];
			esc[2] = hex[c & 15];
			put(rp, esc, 3);
		} else {
			put(rp, p, 1);
		}
	}
}

void ctl_reply_kv_end(struct ctl_reply *rp)
{
	if (rp->fd < 0 || !rp->inrec)
		return;
	rp->inrec = false;
	put(rp, "\n", 1);
}

void ctl_reply_end(struct ctl_reply *rp, int code, const char *msg)
{
	char m[256];
	size_t i;

	if (rp->fd < 0)
		return;
	if (code == 0) {
		ctl_reply_line(rp, "ok");
	} else {
		for (i = 0; msg && msg[i] && i < sizeof(m) - 1; i++)
			m[i] = (unsigned char)msg[i] < ' ' || msg[i] == 0x7f ? ' ' : msg[i];
		m[i] = 0;
		/* a -errno by mistake still reads as "failed" to the client */
		ctl_reply_line(rp, "err %d %s", code > 0 && code < 126 ? code : 1,
			       i ? m : "failed");
	}
	ctl_reply_flush(rp);
	drop(rp);
}

int ctl_reply_detach(struct ctl_reply *rp)
{
	int fd;

	if (rp->inrec)
		ctl_reply_kv_end(rp);
	if (ctl_reply_flush(rp) < 0)
		return -1;
	fd = rp->fd;
	rp->fd = -1;
	rp->len = 0;
	return fd;
}

/* the FIFO must be ours and private: a FIFO (never a symlink or a file someone
 * planted), owned by our euid, no access for group or other */
static bool fifo_ours(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & 077);
}

void ctl_reply_open(struct ctl_reply *rp, const char *rundir, const char *token)
{
	struct stat lst, st;
	char path[PATH_MAX];
	int fd, n;

	ctl_reply_init(rp, -1);
	if (!token || !ctl_token_ok(token, strlen(token)))
		return;
	n = snprintf(path, sizeof(path), "%s/reply/%s", rundir, token);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	/* lstat first so that nothing but our FIFO is ever opened (opening a device
	 * can have effects), fstat after to close the race */
	if (lstat(path, &lst) < 0 || !fifo_ours(&lst))
		return;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return; /* ENXIO: the client has gone */
	if (fstat(fd, &st) < 0 || !fifo_ours(&st) || st.st_dev != lst.st_dev ||
	    st.st_ino != lst.st_ino) {
		close(fd);
		return;
	}
	rp->fd = fd;
}

/* --- the listening FIFO --------------------------------------------------------------- */

/* mkdir or check a private directory: ours, a directory, not a symlink, not writable
 * by anyone else (someone may already have planted things in it); stray group/other
 * read or search bits (an old mkdir -p) are removed. Returns an O_PATH-less dir fd. */
static int private_dir(int at, const char *path, const char *show, struct cabin_err *e)
{
	struct stat st;
	int fd;

	if (mkdirat(at, path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "unable to create %s", show);
	fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return err_set(e, ENOTDIR, "refusing %s: not a directory", show);
		return err_sys(e, "unable to open %s", show);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, "unable to stat %s", show);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		err_set(e, EPERM, "refusing %s: owned by uid %u, not by us", show,
			(unsigned)st.st_uid);
		goto fail;
	}
	if (st.st_mode & 022) {
		err_set(e, EPERM, "refusing %s: mode %04o is writable by others", show,
			(unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		err_sys(e, "unable to chmod %s", show);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -e->code;
}

static char inbuf[2 * PIPE_BUF]; /* .bss, not .data */

/* the partial line of the listening FIFO between reads (and between calls when a
 * batch ends in the middle of the data) */
static struct {
	int fd;
	size_t len;
	bool skip; /* dropping the rest of an oversized line */
	char *buf;
} in = { .fd = -1, .buf = inbuf };

/* remove reply FIFOs that clients killed with SIGKILL left behind; a minute old at
 * least, so that a client racing with our start keeps its own */
static void sweep(int rfd)
{
	char buf[2048];
	long n, off;

	while ((n = syscall(SYS_getdents64, rfd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			/* struct linux_dirent64: ino, off, reclen, type, name */
			unsigned short reclen;
			const char *name = buf + off + 19;
			struct stat st;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			if (!ctl_token_ok(name, strlen(name)))
				continue;
			if (fstatat(rfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISFIFO(st.st_mode))
				continue;
			if (st.st_mtime < time(NULL) - 60)
				unlinkat(rfd, name, 0);
		}
	}
}

int ctl_listen(const char *rundir, struct cabin_err *e)
{
	struct stat lst, st;
	int dfd, rfd, fd;
	char show[PATH_MAX];

	dfd = private_dir(AT_FDCWD, rundir, rundir, e);
	if (dfd < 0)
		return dfd;
	snprintf(show, sizeof(show), "%s/reply", rundir);
	rfd = private_dir(dfd, "reply", show, e);
	if (rfd < 0) {
		close(dfd);
		return rfd;
	}
	sweep(rfd);
	close(rfd);
	snprintf(show, sizeof(show), "%s/ctl", rundir);
	if (mkfifoat(dfd, "ctl", 0600) < 0 && errno != EEXIST) {
		fd = err_sys(e, "unable to create %s", show);
		goto out;
	}
	/* existing or just made: it must be our own private FIFO (row F2) */
	if (fstatat(dfd, "ctl", &lst, AT_SYMLINK_NOFOLLOW) < 0) {
		fd = err_sys(e, "unable to stat %s", show);
		goto out;
	}
	if (!S_ISFIFO(lst.st_mode)) {
		fd = err_set(e, EPERM, "refusing %s: not a FIFO (%s)", show,
			     S_ISLNK(lst.st_mode)   ? "a symlink"
			     : S_ISREG(lst.st_mode) ? "a regular file"
						    : "some other file");
		goto out;
	}
	if (lst.st_uid != geteuid() || (lst.st_mode & 07777) != 0600) {
		fd = err_set(e, EPERM,
			     "refusing %s: FIFO owned by uid %u with mode %04o, want ours and 0600",
			     show, (unsigned)lst.st_uid, (unsigned)(lst.st_mode & 07777));
		goto out;
	}
	/* O_RDWR: we are a writer too, so the FIFO never reads EOF (row F3) */
	fd = openat(dfd, "ctl", O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fd = err_sys(e, "unable to open %s", show);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_dev != lst.st_dev ||
	    st.st_ino != lst.st_ino) {
		close(fd);
		fd = err_set(e, EPERM, "refusing %s: replaced while opening", show);
		goto out;
	}
	in.fd = fd;
	in.len = 0;
	in.skip = false;
out:
	close(dfd);
	return fd;
}

/* --- serving ------------------------------------------------------------------------ */

typedef void (*ctl_handler)(struct ctl_req *r, struct ctl_reply *rp, void *ctx);

static void handle(const char *line, size_t len, const char *rundir, ctl_handler on_req, void *ctx)
{
	struct ctl_reply rp;
	struct cabin_err e;
	struct ctl_req r;

	if (!len)
		return;
	if (ctl_decode(line, len, &r, &e) < 0) {
		if (r.token[0]) {
			ctl_reply_open(&rp, rundir, r.token);
			ctl_reply_end(&rp, EXIT_USAGE, e.msg);
		}
		return;
	}
	ctl_reply_open(&rp, rundir, r.token);
	on_req(&r, &rp, ctx);
	if (rp.fd >= 0)
		ctl_reply_end(&rp, EXIT_REFUSED, "no reply");
}

/* handle every complete line in the buffer, keep the partial one */
static void scan(const char *rundir, ctl_handler on_req, void *ctx)
{
	char *p = in.buf, *end = in.buf + in.len, *nl;
	size_t rest;

	while ((nl = memchr(p, '\n', end - p))) {
		if (in.skip)
			in.skip = false; /* the tail of an oversized line ends here */
		else
			handle(p, nl - p, rundir, on_req, ctx);
		p = nl + 1;
	}
	rest = end - p;
	if (in.skip) {
		rest = 0;
	} else if (rest >= PIPE_BUF) {
		/* no '\n' within PIPE_BUF: answer from what we have (the token is at the
		 * start), then drop up to the next newline; never wait for it */
		handle(p, rest, rundir, on_req, ctx);
		in.skip = true;
		rest = 0;
	}
	memmove(in.buf, p, rest);
	in.len = rest;
}

/* drained: every client's write(2) is in whole, so what is left is a write that did
 * not end in '\n' (printf 'stop web' > ctl): a line of its own */
static void drained(const char *rundir, ctl_handler on_req, void *ctx)
{
	if (in.len && !in.skip)
		handle(in.buf, in.len, rundir, on_req, ctx);
	in.len = 0;
	in.skip = false;
}

int ctl_serve(int fd, const char *rundir, ctl_handler on_req, void *ctx)
{
	size_t done = 0;
	ssize_t r;
	int avail;

	if (in.fd != fd) {
		in.fd = fd;
		in.len = 0;
		in.skip = false;
	}
	/* bounded work per call (row F7): what is left stays in the FIFO, where the
	 * level-triggered poll sees it; never in our buffer, where it would not */
	while (done < CTL_SERVE_BYTES) {
		r = read(fd, in.buf + in.len, sizeof(inbuf) - in.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			return -errno;
		if (r <= 0) {
			drained(rundir, on_req, ctx);
			return 0;
		}
		in.len += r;
		done += r;
		scan(rundir, on_req, ctx);
	}
	if (ioctl(fd, FIONREAD, &avail) == 0 && avail == 0)
		drained(rundir, on_req, ctx);
	return 0;
}

/* --- client ------------------------------------------------------------------------- */

/* the reply FIFO to remove if a signal ends the client */
static char reply_path[PATH_MAX];

static void call_signal(int sig)
{
	if (reply_path[0])
		unlink(reply_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline)
{
	long long d;

	if (deadline < 0)
		return -1;
	d = deadline - now_ms();
	return d < 0 ? 0 : d > 1000000 ? 1000000 : (int)d;
}

static void make_token(char *tok, size_t n)
{
	unsigned char rnd[12];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* no entropy yet (early boot): unique is enough, secrecy is not needed since
		 * the reply directory is root-only */
		unsigned long long x = (unsigned long long)now_ms() * 2654435761u ^ getpid();

		for (i = 0; i < sizeof(rnd); i++, x = x * 6364136223846793005ULL + 1)
			rnd[i] = x >> 56;
	}
	for (i = 0; i < sizeof(rnd) && 2 * i + 2 < n; i++) {
		tok[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		tok[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	tok[2 * i] = 0;
}

static bool is_status(const char *l)
{
	return !strcmp(l, "ok") || !strncmp(l, "err ", 4);
}

static int status_of(const char *l)
{
	char *end;
	long code;

	if (!strcmp(l, "ok"))
		return EXIT_OK;
	code = util_strtol(l + 4, &end, 10);
	if (end == l + 4 || code < 1 || code > 125)
		code = EXIT_REFUSED;
	while (*end == ' ')
		end++;
	fdprintf(2, "cabin: %s\n", *end ? end : "failed");
	return code;
}

struct rstate {
	void (*line)(const char *l, void *ctx);
	void *ctx;
	char held[PIPE_BUF]; /* the last line if it looks like a status: it is one
			      * only if EOF follows it */
	bool have_held;
};

static void got_line(struct rstate *s, char *l)
{
	if (s->have_held) {
		s->line(s->held, s->ctx);
		s->have_held = false;
	}
	if (is_status(l) && strlen(l) < sizeof(s->held)) {
		strcpy(s->held, l);
		s->have_held = true;
	} else {
		s->line(l, s->ctx);
	}
}

static int read_reply(int fd, int timeout_ms, struct rstate *s)
{
	static char buf[1 << 16];
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	char *p, *nl;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&pfd, 1, left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fdprintf(2, "cabin: poll: %s\n", strerror(errno));
			return EXIT_REFUSED;
		}
		if (r == 0) {
			fdprintf(2, "cabin: no reply from the daemon within %d s\n",
				 (timeout_ms + 999) / 1000);
			return EXIT_REFUSED;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			fdprintf(2, "cabin: reading the reply: %s\n", strerror(errno));
			return EXIT_REFUSED;
		}
		if (n == 0)
			break;
		if (timeout_ms > 0)
			deadline = now_ms() + timeout_ms;
		len += n;
		buf[len] = 0;
		for (p = buf; (nl = memchr(p, '\n', buf + len - p)); p = nl + 1) {
			*nl = 0;
			got_line(s, p);
		}
		len = buf + len - p;
		memmove(buf, p, len);
		if (len == sizeof(buf) - 1) { /* a giant line: pass it on in pieces */
			buf[len] = 0;
			got_line(s, buf);
			len = 0;
		}
	}
	if (len) {
		buf[len] = 0;
		got_line(s, buf);
	}
	if (!s->have_held) {
		fdprintf(2, "cabin: the daemon ended the reply without a status\n");
		return EXIT_REFUSED;
	}
	return status_of(s->held);
}

int ctl_call(const char *rundir, int argc, char **argv, int timeout_ms,
	     void (*line)(const char *l, void *ctx), void *ctx)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	static struct rstate st;
	struct sigaction sa = { .sa_handler = call_signal }, old[4];
	struct pollfd pfd = { .events = POLLOUT };
	char req[PIPE_BUF + 1], token[CTL_TOKEN_MAX + 1], path[PATH_MAX];
	long long deadline;
	int i, n, rfd = -1, wfd = -1, rc;
	size_t len;
	struct stat sb;
	ssize_t w;

	make_token(token, 25);
	len = snprintf(req, sizeof(req), "@%s", token);
	for (i = 0; i < argc; i++) {
		if (!argv[i][0]) {
			fdprintf(2, "cabin: an empty argument cannot be sent to the daemon\n");
			return EXIT_USAGE;
		}
		req[len++] = ' ';
		n = ctl_escape(argv[i], req + len, sizeof(req) - len);
		if (n < 0)
			goto toolong;
		len += n;
	}
	if (len + 1 > PIPE_BUF)
		goto toolong;
	req[len++] = '\n';

	n = snprintf(path, sizeof(path), "%s/reply/%s", rundir, token);
	if (n < 0 || (size_t)n >= sizeof(path) || strlen(rundir) + 5 >= sizeof(path)) {
		fdprintf(2, "cabin: runtime directory path too long\n");
		return EXIT_USAGE;
	}
	strcpy(reply_path, path);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);

	rc = EXIT_REFUSED;
	if (mkfifo(reply_path, 0600) < 0) {
		if (errno == ENOENT) {
			fdprintf(2, "cabin: daemon not running (no %s/reply)\n", rundir);
			rc = EXIT_NODAEMON;
		} else {
			fdprintf(2, "cabin: unable to create %s: %s\n", reply_path,
				 strerror(errno));
		}
		reply_path[0] = 0;
		goto out;
	}
	rfd = open(reply_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rfd < 0) {
		fdprintf(2, "cabin: unable to open %s: %s\n", reply_path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ctl", rundir);
	/* non-blocking: with no reader the open fails with ENXIO instead of hanging */
	wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (wfd < 0) {
		if (errno == ENXIO || errno == ENOENT) {
			fdprintf(2, "cabin: daemon not running\n");
			rc = EXIT_NODAEMON;
		} else {
			fdprintf(2, "cabin: unable to open %s: %s\n", path, strerror(errno));
		}
		goto out;
	}
	if (fstat(wfd, &sb) < 0 || !S_ISFIFO(sb.st_mode)) {
		fdprintf(2, "cabin: %s is not a FIFO\n", path);
		goto out;
	}
	/* one write(2) of at most PIPE_BUF bytes: atomic, never interleaved with another
	 * client's; a full FIFO (a busy daemon) is waited for, within the timeout */
	deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	pfd.fd = wfd;
	for (;;) {
		w = write(wfd, req, len);
		if (w == (ssize_t)len)
			break;
		if (w >= 0 || (errno != EAGAIN && errno != EINTR)) {
			fdprintf(2, "cabin: writing %s: %s\n", path,
				 w < 0 ? strerror(errno) : "short write");
			if (w < 0 && errno == EPIPE)
				rc = EXIT_NODAEMON;
			goto out;
		}
		if (errno == EAGAIN && poll(&pfd, 1, left_ms(deadline)) == 0) {
			fdprintf(2, "cabin: the daemon is not reading its control FIFO\n");
			goto out;
		}
	}
	close(wfd);
	wfd = -1;

	memset(&st, 0, sizeof(st));
	st.line = line;
	st.ctx = ctx;
	rc = read_reply(rfd, timeout_ms, &st);
out:
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	if (reply_path[0])
		unlink(reply_path);
	reply_path[0] = 0;
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	return rc;
toolong:
	fdprintf(2, "cabin: request longer than %d bytes\n", PIPE_BUF - 1);
	return EXIT_USAGE;
}
