// SPDX-License-Identifier: MIT
/* Control FIFO: decoding (good lines and every malformed case), escapes, the listening
 * FIFO's checks in a temp rundir (row F2), ctl_serve end to end in-process with real
 * FIFOs, a reply FIFO nobody reads (E7), reply paths that are not our FIFO, and the
 * client (ctl_call, client_main) against a forked server. Runs as root or not; the
 * ownership cases need root and are skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cabin/cli.h"
#include "cabin/ctl.h"

/* --- decoding ------------------------------------------------------------------------- */

static void decode_ok(const char *line, struct ctl_req *r)
{
	struct cabin_err e = { 0 };
	int rc = ctl_decode(line, strlen(line), r, &e);

	if (rc)
		fail_msg("'%s': %s", line, e.msg);
}

static void test_decode_good(void **state)
{
	struct ctl_req r;

	decode_ok("ps", &r);
	assert_string_equal(r.token, "");
	assert_int_equal(r.argc, 1);
	assert_string_equal(r.argv[0], "ps");
	assert_null(r.argv[1]);

	decode_ok("@Ab_9-z restart   web db ", &r);
	assert_string_equal(r.token, "Ab_9-z");
	assert_int_equal(r.argc, 3);
	assert_string_equal(r.argv[0], "restart");
	assert_string_equal(r.argv[1], "web");
	assert_string_equal(r.argv[2], "db");

	decode_ok("@t create web cmd=/bin/sh%20-c%20%22echo%2525%22 env=A%3db", &r);
	assert_int_equal(r.argc, 4);
	assert_string_equal(r.argv[2], "cmd=/bin/sh -c \"echo%25\"");
	assert_string_equal(r.argv[3], "env=A=b");

	/* a token of the maximum length, UTF-8 in an argument, an escaped newline */
	decode_ok("@0123456789abcdef0123456789ABCDEF exec web echo h\xc3\xa9 a%0Ab", &r);
	assert_int_equal(strlen(r.token), CTL_TOKEN_MAX);
	assert_string_equal(r.argv[3], "h\xc3\xa9");
	assert_string_equal(r.argv[4], "a\nb");

	/* exactly CTL_MAX_ARGS words */
	{
		char line[1024];
		int i, n = snprintf(line, sizeof(line), "@x exec");

		for (i = 1; i < CTL_MAX_ARGS; i++)
			n += snprintf(line + n, sizeof(line) - n, " a%d", i);
		decode_ok(line, &r);
		assert_int_equal(r.argc, CTL_MAX_ARGS);
		assert_string_equal(r.argv[CTL_MAX_ARGS - 1], "a63");
	}
	/* the longest line that fits one PIPE_BUF write with its newline */
	{
		static char line[PIPE_BUF];

		memset(line, 'a', PIPE_BUF - 1);
		memcpy(line, "@t x ", 5);
		line[PIPE_BUF - 1] = 0;
		decode_ok(line, &r);
		assert_int_equal(strlen(r.argv[1]), PIPE_BUF - 1 - 5);
	}
}

struct bad {
	const char *line;
	size_t len;		/* 0: strlen */
	const char *token;	/* the token that must survive for the error reply */
};

static void test_decode_bad(void **state)
{
	static char big[PIPE_BUF + 100], many[1024];
	static const char junk[] = "\xff\xfe\x01\x80garbage\x1b[2J";
	struct bad cases[] = {
		{ "", 0, "" },
		{ "   ", 0, "" },
		{ "@", 0, "" },
		{ "@ ps", 0, "" },
		{ "@abc", 0, "abc" },			/* no verb */
		{ "@abc   ", 0, "abc" },
		{ "@0123456789abcdef0123456789ABCDEFx ps", 0, "" },	/* 33 */
		{ "@bad!tok ps", 0, "" },
		{ "@bad/../tok ps", 0, "" },
		{ "@tok\x01 ps", 0, "" },
		{ "@ok PS", 0, "ok" },
		{ "@ok 9ps", 0, "ok" },
		{ "@ok -ps", 0, "ok" },
		{ "@ok abcdefghijklmnopq", 0, "ok" },	/* verb of 17 */
		{ "@ok p%73", 0, "ok" },		/* escaped verb is fine... */
		{ "@ok ps\tx", 0, "ok" },
		{ "@ok ps\rx", 0, "ok" },
		{ "@ok ps\r", 0, "ok" },
		{ "@ok ps x\x7f", 0, "ok" },
		{ "@ok ps\0x", 8, "ok" },
		{ "@ok ps %", 0, "ok" },
		{ "@ok ps %4", 0, "ok" },
		{ "@ok ps %G0", 0, "ok" },
		{ "@ok ps %0g", 0, "ok" },
		{ "@ok ps a%00b", 0, "ok" },
		{ "@ok ps %20%", 0, "ok" },
		{ junk, sizeof(junk) - 1, "" },
		{ "\x01\x02\x03", 0, "" },
		{ "garbage garbage", 0, "" },		/* decodes; the daemon says unknown verb */
		{ big, PIPE_BUF, "big" },
		{ big, PIPE_BUF + 50, "big" },
		{ many, 0, "m" },
	};
	size_t i;
	int n, k;

	memset(big, 'x', sizeof(big));
	memcpy(big, "@big ps ", 8);
	n = snprintf(many, sizeof(many), "@m exec");
	for (k = 0; k < CTL_MAX_ARGS; k++)
		n += snprintf(many + n, sizeof(many) - n, " a");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cabin_err e = { 0 };
		struct ctl_req r;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].line);
		int rc = ctl_decode(cases[i].line, len, &r, &e);

		if (!strcmp(cases[i].line, "@ok p%73") || !strcmp(cases[i].line, "garbage garbage")) {
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != -EINVAL)
			fail_msg("case %zu '%.40s' decoded (rc %d)", i, cases[i].line, rc);
		assert_true(e.msg[0] != 0);
		if (strcmp(r.token, cases[i].token))
			fail_msg("case %zu: token '%s', want '%s'", i, r.token, cases[i].token);
	}
}

static void test_escape_roundtrip(void **state)
{
	static const char *strs[] = { "plain", "two words", "100%", "%41", "a=b c=d",
				      "tab\there", "nl\nx", "\x7f\x80\xff", "h\xc3\xa9", "" };
	char s[256], out[1024], tiny[4];
	size_t i;
	int n;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		n = ctl_escape(strs[i], out, sizeof(out));
		assert_true(n >= 0);
		assert_int_equal((size_t)n, strlen(out));
		assert_null(strchr(out, ' '));
		assert_int_equal(ctl_unescape(out), strlen(strs[i]));
		assert_string_equal(out, strs[i]);
	}
	/* every byte 1..255 */
	for (i = 0; i < 255; i++)
		s[i] = i + 1;
	s[255] = 0;
	n = ctl_escape(s, out, sizeof(out));
	assert_true(n > 255);
	for (i = 0; out[i]; i++)
		assert_true((unsigned char)out[i] > ' ' && (unsigned char)out[i] < 0x7f);
	assert_int_equal(ctl_unescape(out), 255);
	assert_memory_equal(out, s, 256);
	/* too small, exactly fitting */
	assert_int_equal(ctl_escape("a b", tiny, sizeof(tiny)), -1);
	assert_int_equal(ctl_escape("abc", tiny, sizeof(tiny)), 3);
	assert_int_equal(ctl_escape("abcd", tiny, sizeof(tiny)), -1);
	strcpy(s, "a%zz");
	assert_int_equal(ctl_unescape(s), -1);
}

/* --- the listening FIFO ------------------------------------------------------------------ */

static char top[PATH_MAX], run[PATH_MAX + 16], path[PATH_MAX + 64];

static int setup_dir(void **state)
{
	snprintf(top, sizeof(top), "/tmp/cabin-test_ctl.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(run, sizeof(run), "%s/run", top);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", run, rel);
	return path;
}

static int listen_ok(void)
{
	struct cabin_err e = { 0 };
	int fd = ctl_listen(run, &e);

	if (fd < 0)
		fail_msg("ctl_listen: %s", e.msg);
	return fd;
}

static void listen_refused(const char *why)
{
	struct cabin_err e = { 0 };
	int fd = ctl_listen(run, &e);

	if (fd >= 0)
		fail_msg("ctl_listen accepted %s", why);
	assert_true(strstr(e.msg, "refusing") || strstr(e.msg, "unable"));
}

static void test_listen_fresh(void **state)
{
	struct stat st;
	int fd = listen_ok(), fl;

	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at("reply"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(at("ctl"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	fl = fcntl(fd, F_GETFL);
	assert_int_equal(fl & O_ACCMODE, O_RDWR);
	assert_true(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	/* again, over our own FIFO: accepted (daemon restart) */
	close(listen_ok());
	/* stale reply FIFOs (a client killed by SIGKILL) are swept, fresh ones kept */
	{
		struct timespec old[2] = { { 0, UTIME_OMIT }, { 1000, 0 } };

		assert_int_equal(mkfifo(at("reply/stale"), 0600), 0);
		assert_int_equal(mkfifo(at("reply/fresh"), 0600), 0);
		assert_int_equal(utimensat(AT_FDCWD, at("reply/stale"), old, 0), 0);
		close(listen_ok());
		assert_int_equal(access(at("reply/stale"), F_OK), -1);
		assert_int_equal(access(at("reply/fresh"), F_OK), 0);
		unlink(at("reply/fresh"));
	}
	/* a 0755 rundir of ours (an old mkdir -p) is tightened, not refused */
	chmod(run, 0755);
	close(listen_ok());
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

static void test_listen_refuses(void **state)
{
	struct stat st;
	char target[PATH_MAX + 16];
	int fd;

	/* a regular file where the FIFO goes */
	mkdir(run, 0700);
	mkdir(at("reply"), 0700);
	fd = open(at("ctl"), O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	listen_refused("a regular file");
	assert_int_equal(stat(at("ctl"), &st), 0);
	assert_int_equal(st.st_size, 4);
	unlink(at("ctl"));

	/* a symlink to a file elsewhere (CVE pattern: /etc/passwd) */
	snprintf(target, sizeof(target), "%s/target", top);
	fd = open(target, O_WRONLY | O_CREAT, 0644);
	close(fd);
	assert_int_equal(symlink(target, at("ctl")), 0);
	listen_refused("a symlink");
	assert_int_equal(stat(target, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	unlink(at("ctl"));
	/* a symlink to a FIFO */
	unlink(target);
	assert_int_equal(mkfifo(target, 0600), 0);
	assert_int_equal(symlink(target, at("ctl")), 0);
	listen_refused("a symlink to a FIFO");
	unlink(at("ctl"));

	/* a FIFO anybody may write */
	assert_int_equal(mkfifo(at("ctl"), 0600), 0);
	chmod(at("ctl"), 0666);
	listen_refused("a FIFO with mode 0666");
	unlink(at("ctl"));

	/* someone else's FIFO */
	if (geteuid() == 0) {
		assert_int_equal(mkfifo(at("ctl"), 0600), 0);
		assert_int_equal(chown(at("ctl"), 1000, 1000), 0);
		listen_refused("a FIFO owned by uid 1000");
		unlink(at("ctl"));
	}

	/* a world-writable rundir: someone may have planted things in it */
	chmod(run, 0777);
	listen_refused("a rundir with mode 0777");
	chmod(run, 0770);
	listen_refused("a rundir with mode 0770");
	chmod(run, 0700);

	/* reply/ a symlink, reply/ a file */
	rmdir(at("reply"));
	assert_int_equal(symlink(top, at("reply")), 0);
	listen_refused("a symlinked reply dir");
	unlink(at("reply"));
	fd = open(at("reply"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	listen_refused("a reply file");
	unlink(at("reply"));

	/* someone else's rundir */
	if (geteuid() == 0) {
		assert_int_equal(chown(run, 1000, 1000), 0);
		listen_refused("a rundir owned by uid 1000");
		assert_int_equal(chown(run, 0, 0), 0);
	}

	/* the rundir itself a symlink to a private dir */
	snprintf(target, sizeof(target), "%s/elsewhere", top);
	mkdir(target, 0700);
	rename(run, target);
	rmdir(target);
	mkdir(target, 0700);
	assert_int_equal(symlink(target, run), 0);
	listen_refused("a symlinked rundir");
	unlink(run);
	close(listen_ok());
}

/* --- serving -------------------------------------------------------------------------- */

struct seen {
	int n;
	int total;		/* every call, beyond the 128 recorded */
	char verb[128][32];
	char args[128][256];
	char token[128][CTL_TOKEN_MAX + 1];
	int fd[128];		/* rp->fd when on_req was called */
	int fd_after[128];	/* rp->fd after on_req wrote its reply */
	size_t flood;		/* bytes to write for verb "flood" */
};

static void on_req(struct ctl_req *r, struct ctl_reply *rp, void *ctx)
{
	struct seen *s = ctx;
	int i = s->n < 128 ? s->n++ : 127;
	size_t n = 0;
	int k;

	s->total++;
	snprintf(s->verb[i], sizeof(s->verb[i]), "%s", r->argv[0]);
	s->args[i][0] = 0;
	for (k = 1; k < r->argc; k++)
		n += snprintf(s->args[i] + n, n < 256 ? 256 - n : 0, "%s%s", k > 1 ? "|" : "",
			      r->argv[k]);
	strcpy(s->token[i], r->token);
	s->fd[i] = rp->fd;
	if (!strcmp(r->argv[0], "echo")) {
		for (k = 1; k < r->argc; k++)
			ctl_reply_kv(rp, "arg", "%s", r->argv[k]);
		ctl_reply_kv_end(rp);
		ctl_reply_line(rp, "ok");	/* a payload line that reads "ok" */
		ctl_reply_end(rp, 0, NULL);
	} else if (!strcmp(r->argv[0], "fail")) {
		ctl_reply_end(rp, 5, "boom\nbang");
	} else if (!strcmp(r->argv[0], "neg")) {
		ctl_reply_end(rp, -ENOENT, "no such thing");	/* a -errno by mistake */
	} else if (!strcmp(r->argv[0], "forget")) {
		/* leaves the reply open: ctl_serve must end it */
	} else if (!strcmp(r->argv[0], "flood")) {
		char line[100];
		size_t done;

		memset(line, 'y', sizeof(line) - 1);
		line[sizeof(line) - 1] = 0;
		for (done = 0; done < s->flood; done += sizeof(line))
			ctl_reply_line(rp, "%s", line);
		s->fd_after[i] = rp->fd;
		ctl_reply_end(rp, 0, NULL);
	} else {
		ctl_reply_end(rp, 0, NULL);
	}
}

static int open_ctl_writer(void)
{
	int fd = open(at("ctl"), O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void put(int fd, const char *s, size_t n)
{
	assert_int_equal(write(fd, s, n), (ssize_t)n);
}

static int mkreply(const char *token)
{
	char rel[64];
	int fd;

	snprintf(rel, sizeof(rel), "reply/%s", token);
	assert_int_equal(mkfifo(at(rel), 0600), 0);
	fd = open(at(rel), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void slurp(int fd, char *buf, size_t n)
{
	ssize_t r, len = 0;

	while ((r = read(fd, buf + len, n - 1 - len)) > 0)
		len += r;
	buf[len] = 0;
}

/* serve as the daemon's loop would: while poll says there is something */
static void serve_all(int lfd, struct seen *s)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int calls = 0;

	while (poll(&p, 1, 0) == 1 && calls++ < 100)
		assert_int_equal(ctl_serve(lfd, run, on_req, s), 0);
}

static void test_serve(void **state)
{
	static struct seen s;
	static char buf[PIPE_BUF * 4];
	int lfd = listen_ok(), w = open_ctl_writer();
	int r1 = mkreply("t1"), r2 = mkreply("t2"), r3 = mkreply("t3"), r4 = mkreply("t4");
	int r5 = mkreply("t5"), r6 = mkreply("t6");

	memset(&s, 0, sizeof(s));
	put(w, "@t1 echo a%20b c\n", 17);
	put(w, "restart web\n", 12);		/* fire-and-forget */
	put(w, "\n\n", 2);			/* empty lines: ignored */
	put(w, "@t2 fail\n", 9);
	put(w, "@t3 BAD\n", 8);			/* malformed: answered, not handled */
	put(w, "\x01\x02junk\n", 7);		/* malformed, no token: dropped */
	put(w, "@t4 forget\n", 11);
	put(w, "@t6 neg\n", 8);
	put(w, "stop db", 7);			/* no newline: a line once drained */
	assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);

	assert_int_equal(s.n, 6);
	assert_string_equal(s.verb[0], "echo");
	assert_string_equal(s.args[0], "a b|c");
	assert_string_equal(s.token[0], "t1");
	assert_true(s.fd[0] >= 0);
	assert_string_equal(s.verb[1], "restart");
	assert_string_equal(s.args[1], "web");
	assert_string_equal(s.token[1], "");
	assert_int_equal(s.fd[1], -1);
	assert_string_equal(s.verb[2], "fail");
	assert_string_equal(s.verb[3], "forget");
	assert_string_equal(s.verb[4], "neg");
	assert_string_equal(s.verb[5], "stop");
	assert_string_equal(s.args[5], "db");

	slurp(r1, buf, sizeof(buf));
	assert_string_equal(buf, "arg=a%20b arg=c\nok\nok\n");
	slurp(r2, buf, sizeof(buf));
	assert_string_equal(buf, "err 5 boom bang\n");
	slurp(r3, buf, sizeof(buf));
	assert_true(!strncmp(buf, "err 2 bad verb", 14));
	slurp(r4, buf, sizeof(buf));
	assert_string_equal(buf, "err 1 no reply\n");
	slurp(r6, buf, sizeof(buf));
	assert_string_equal(buf, "err 1 no such thing\n");
	close(r6);

	/* oversized lines, with and without a newline in the same read, then a good
	 * request: the first is answered, the junk dropped, the last served */
	s.n = 0;
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "@t5 ps ", 7);
	buf[PIPE_BUF + 10] = '\n';
	put(w, buf, PIPE_BUF + 11);
	memcpy(buf, "@t5 ps ", 7);
	put(w, buf, PIPE_BUF * 3);		/* no newline for 3 pages... */
	put(w, "tail\n@t5 echo after\n", 20);	/* ...the tail ends it */
	serve_all(lfd, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.verb[0], "echo");
	assert_string_equal(s.args[0], "after");
	/* the reply FIFO carries: the error for the first, the error for the second,
	 * then the echo; each reply closed the FIFO, data stays until read */
	slurp(r5, buf, sizeof(buf));
	assert_non_null(strstr(buf, "err 2 request longer than"));
	assert_non_null(strstr(strstr(buf, "err 2 request longer than") + 1,
			       "err 2 request longer than"));
	assert_non_null(strstr(buf, "arg=after\nok\nok\n"));

	/* a call's work is bounded; the rest waits in the FIFO, where poll sees it, and
	 * never in the server's buffer, where it would not (a flood then a last
	 * request: the last one must not wait for more data to arrive) */
	{
		static char flood[50000];
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int i, calls = 0;

		for (i = 0; i + 5 <= (int)sizeof(flood); i += 5)
			memcpy(flood + i, "noop\n", 5);
		s.total = 0;
		put(w, flood, sizeof(flood));
		put(w, "last\n", 5);
		while (poll(&p, 1, 0) == 1 && calls < 100) {
			assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);
			calls++;
		}
		assert_true(calls >= 2);
		assert_int_equal(s.total, sizeof(flood) / 5 + 1);
	}
	/* nothing left, and no EOF from a closed writer: the daemon holds one */
	close(w);
	s.n = 0;
	assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);
	assert_int_equal(s.n, 0);
	{
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		assert_int_equal(poll(&p, 1, 0), 0);	/* no POLLHUP busy loop (F3) */
	}
	close(r1);
	close(r2);
	close(r3);
	close(r4);
	close(r5);
	close(lfd);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void test_serve_slow_client(void **state)
{
	static struct seen s;
	static char buf[PIPE_BUF];
	int lfd = listen_ok(), w = open_ctl_writer();
	int r = mkreply("slow"), r2 = mkreply("next");
	long long t0;

	memset(&s, 0, sizeof(s));
	s.flood = 256 * 1024;		/* far past the 64 KiB of a pipe */
	put(w, "@slow flood\n@next echo x\n", 25);
	t0 = ms_now();
	assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);
	assert_true(ms_now() - t0 < 1000);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.fd_after[0], -1);	/* dropped */
	slurp(r2, buf, sizeof(buf));		/* the next client is served */
	assert_string_equal(buf, "arg=x\nok\nok\n");
	/* the slow one got whole PIPE_BUF chunks and no status line */
	slurp(r, buf, sizeof(buf));
	assert_int_equal(strlen(buf), PIPE_BUF - 1);
	close(r);
	close(r2);
	close(w);
	close(lfd);
}

static void test_reply_not_ours(void **state)
{
	static struct seen s;
	char target[PATH_MAX + 16], buf[256];
	struct stat st;
	int lfd = listen_ok(), w = open_ctl_writer(), tfd, fd;

	memset(&s, 0, sizeof(s));
	/* a symlink to a FIFO someone reads: never followed */
	snprintf(target, sizeof(target), "%s/victim", top);
	assert_int_equal(mkfifo(target, 0600), 0);
	tfd = open(target, O_RDONLY | O_NONBLOCK);
	assert_int_equal(symlink(target, at("reply/sym")), 0);
	/* a regular file: never written */
	fd = open(at("reply/file"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	/* a FIFO others may read */
	assert_int_equal(mkfifo(at("reply/loose"), 0600), 0);
	chmod(at("reply/loose"), 0644);
	fd = open(at("reply/loose"), O_RDONLY | O_NONBLOCK);
	put(w, "@sym echo a\n@file echo b\n@loose echo c\n@missing echo d\n", 50);
	assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);
	/* carried out all the same, without a reply */
	assert_int_equal(s.n, 4);
	assert_int_equal(s.fd[0], -1);
	assert_int_equal(s.fd[1], -1);
	assert_int_equal(s.fd[2], -1);
	assert_int_equal(s.fd[3], -1);
	/* no data (EOF or EAGAIN): nothing was written through them */
	assert_true(read(tfd, buf, sizeof(buf)) <= 0);
	assert_true(read(fd, buf, sizeof(buf)) <= 0);
	assert_int_equal(stat(at("reply/file"), &st), 0);
	assert_int_equal(st.st_size, 0);
	if (geteuid() == 0) {
		int o;

		assert_int_equal(mkfifo(at("reply/other"), 0600), 0);
		assert_int_equal(chown(at("reply/other"), 1000, 1000), 0);
		o = open(at("reply/other"), O_RDONLY | O_NONBLOCK);
		put(w, "@other echo e\n", 14);
		assert_int_equal(ctl_serve(lfd, run, on_req, &s), 0);
		assert_int_equal(s.n, 5);
		assert_int_equal(s.fd[4], -1);
		close(o);
	}
	close(fd);
	close(tfd);
	close(w);
	close(lfd);
}

/* --- the client against a forked server ------------------------------------------------ */

static void on_srv(struct ctl_req *r, struct ctl_reply *rp, void *ctx)
{
	if (!strcmp(r->argv[0], "ps")) {
		ctl_reply_kv(rp, "name", "web-1");
		ctl_reply_kv(rp, "state", "running");
		ctl_reply_kv(rp, "health", "healthy");
		ctl_reply_kv(rp, "pid", "812");
		ctl_reply_kv(rp, "ip", "10.88.0.3");
		ctl_reply_kv(rp, "restarts", "2");
		ctl_reply_kv(rp, "uptime", "3600");
		ctl_reply_kv(rp, "reason", "exit:1 \"x\"");
		ctl_reply_kv_end(rp);
		ctl_reply_kv(rp, "name", "db");
		ctl_reply_kv(rp, "state", "failed");
		ctl_reply_kv(rp, "health", "none");
		ctl_reply_kv(rp, "pid", "0");
		ctl_reply_kv(rp, "ip", "%s", "");
		ctl_reply_kv(rp, "restarts", "5");
		ctl_reply_kv(rp, "uptime", "0");
		ctl_reply_kv_end(rp);
		ctl_reply_end(rp, 0, NULL);
	} else if (!strcmp(r->argv[0], "stats")) {
		static unsigned long long usec;

		usec += 250000;		/* a quarter of a CPU second per sample */
		ctl_reply_kv(rp, "name", "web-1");
		ctl_reply_kv(rp, "cpu_usec", "%llu", usec);
		ctl_reply_kv(rp, "mem", "10485760");
		ctl_reply_kv(rp, "mem_limit", "33554432");
		ctl_reply_kv(rp, "net_rx", "1536");
		ctl_reply_kv(rp, "net_tx", "0");
		ctl_reply_kv(rp, "blk_r", "0");
		ctl_reply_kv(rp, "blk_w", "4096");
		ctl_reply_kv(rp, "pids", "3");
		ctl_reply_kv_end(rp);
		ctl_reply_kv(rp, "name", "db");
		ctl_reply_kv(rp, "cpu", "1.5");
		ctl_reply_kv(rp, "mem", "100");
		ctl_reply_kv(rp, "mem_limit", "9223372036854771712");	/* v1 "max" */
		ctl_reply_kv_end(rp);
		ctl_reply_end(rp, 0, NULL);
	} else if (!strcmp(r->argv[0], "reload")) {
		ctl_reply_line(rp, "cabin.conf:3: unknown key 'memroy' (did you mean 'memory'?)");
		ctl_reply_end(rp, 1, "config rejected, 1 error");
	} else if (!strcmp(r->argv[0], "scale")) {
		ctl_reply_line(rp, "web-3 created");
		ctl_reply_end(rp, 0, NULL);
	} else if (!strcmp(r->argv[0], "silent")) {
		int fd = ctl_reply_detach(rp);	/* kept open, never written */

		(void)fd;
	} else if (!strcmp(r->argv[0], "quit")) {
		ctl_reply_end(rp, 0, NULL);
		_exit(0);
	} else {
		on_req(r, rp, ctx);
	}
}

static pid_t server(void)
{
	int lfd = listen_ok();
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		static struct seen s;
		long long end = ms_now() + 20000;
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		while (ms_now() < end) {
			if (poll(&p, 1, 100) > 0)
				ctl_serve(lfd, run, on_srv, &s);
		}
		_exit(1);
	}
	close(lfd);
	return pid;
}

static void server_quit(pid_t pid)
{
	char *quit[] = { "quit" };
	int st;

	ctl_call(run, 1, quit, 2000, NULL, NULL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

struct lines {
	int n;
	char l[16][256];
};

static void collect(const char *l, void *ctx)
{
	struct lines *c = ctx;

	if (c->n < 16)
		snprintf(c->l[c->n++], 256, "%s", l);
}

static bool reply_dir_empty(void)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "[ -z \"$(ls -A '%s')\" ]", at("reply"));
	return system(cmd) == 0;
}

static void test_call(void **state)
{
	char *echo[] = { "echo", "a b", "100%", "h\xc3\xa9" };
	char *fail[] = { "fail" };
	char *silent[] = { "silent" };
	char *empty[] = { "echo", "" };
	char big[PIPE_BUF], *toolong[] = { "echo", big };
	struct lines c = { 0 };
	pid_t pid = server();
	long long t0;

	assert_int_equal(ctl_call(run, 4, echo, 5000, collect, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.l[0], "arg=a%20b arg=100%25 arg=h%C3%A9");
	assert_string_equal(c.l[1], "ok");	/* payload, not the status */
	assert_int_equal(ctl_call(run, 1, fail, 5000, collect, &c), 5);
	t0 = ms_now();
	assert_int_equal(ctl_call(run, 1, silent, 300, collect, &c), EXIT_REFUSED);
	assert_true(ms_now() - t0 >= 250 && ms_now() - t0 < 3000);
	assert_int_equal(ctl_call(run, 2, empty, 5000, collect, &c), EXIT_USAGE);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(ctl_call(run, 2, toolong, 5000, collect, &c), EXIT_USAGE);
	assert_true(reply_dir_empty());
	server_quit(pid);
	/* nobody reads the FIFO now: "daemon not running" */
	assert_int_equal(ctl_call(run, 1, fail, 5000, collect, &c), EXIT_NODAEMON);
	assert_true(reply_dir_empty());
}

/* run client_main with stdout in a file; returns the exit status */
static int client_out(char *out, size_t n, int argc, ...)
{
	char *argv[16], file[PATH_MAX + 16];
	int saved, fd, rc, i;
	va_list ap;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	snprintf(file, sizeof(file), "%s/out", top);
	fflush(stdout);
	saved = dup(1);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	rc = client_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	slurp(fd, out, n);
	close(fd);
	return rc;
}

static void test_client(void **state)
{
	static char out[8192];
	pid_t pid = server();

	assert_int_equal(client_out(out, sizeof(out), 3, "-r", run, "ps"), 0);
	assert_string_equal(out,
			    "NAME   STATUS                            HEALTH   PID  IP         "
			    "RESTARTS  PORTS\n"
			    "web-1  Up 1h00m                          healthy  812  10.88.0.3  2         -\n"
			    "db     Failed, gave up after 5 restarts  none     -    -          5         "
			    "-\n");
	assert_int_equal(client_out(out, sizeof(out), 5, "ps", "-a", "-r", run, "-okv"), 0);
	assert_non_null(strstr(out, "name=web-1 state=running"));
	assert_int_equal(client_out(out, sizeof(out), 5, "ps", "-a", "-r", run, "-oxml"),
			 EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 5, "ps", "-a", "-r", run, "-o"),
			 EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 6, "ps", "-a", "-r", run, "-o", "kv"), 0);
	assert_non_null(strstr(out, "name=web-1 state=running"));
	assert_non_null(strstr(out, "reason=exit:1%20\"x\"\n"));
	assert_int_equal(client_out(out, sizeof(out), 5, "ps", "-r", run, "-o", "json"), 0);
	assert_non_null(strstr(out, "[\n {\"name\":\"web-1\",\"state\":\"running\","
				    "\"health\":\"healthy\",\"pid\":812,"));
	assert_non_null(strstr(out, "\"reason\":\"exit:1 \\\"x\\\"\"},\n"));
	assert_non_null(strstr(out, "\"ip\":\"\""));
	assert_int_equal(client_out(out, sizeof(out), 4, "-r", run, "stats", "--no-stream"), 0);
	fprintf(stderr, "%s", out);
	assert_true(!strncmp(out, "NAME   CPU%    MEM/LIMIT          MEM%    NET RX/TX    "
				  "BLOCK R/W    PIDS\n", 73));
	/* CPU% from two samples 0.5 s apart with 0.25 s of CPU between them */
	assert_non_null(strstr(out, "\nweb-1  "));
	assert_non_null(strstr(out, "%  10.0MiB / 32.0MiB  31.25%  1.5KiB / 0B  0B / 4.0KiB  3\n"));
	assert_non_null(strstr(out, "\ndb     1.50%   100B / -"));
	{
		double pct = atof(out + 73 + 7);

		if (pct < 25 || pct > 51)
			fail_msg("CPU%% %.2f, want about 50", pct);
	}
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "stats", "--no-stream",
				    "-ojson"), 0);
	assert_non_null(strstr(out, "\"pids\":3,\"cpu\":")); /* a number */
	assert_null(strstr(out, "\"cpu\":\""));
	assert_int_equal(client_out(out, sizeof(out), 4, "-r", run, "start", "web"), 0);
	/* a plain command's payload: stdout on success, stderr with an error */
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "scale", "web", "3"), 0);
	assert_string_equal(out, "web-3 created\n");
	assert_int_equal(client_out(out, sizeof(out), 3, "-r", run, "reload"), 1);
	assert_string_equal(out, "");
	assert_int_equal(client_out(out, sizeof(out), 4, "-r", run, "fail", "web"), EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 3, "-r", run, "start"), EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "scale", "web", "x"),
			 EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "create", "web", "novalue"),
			 EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "logs", "-n", "web"),
			 EXIT_USAGE);
	assert_int_equal(client_out(out, sizeof(out), 5, "-r", run, "reload", "-o", "json"),
			 EXIT_USAGE);
	server_quit(pid);
	assert_int_equal(client_out(out, sizeof(out), 3, "-r", run, "ps"), EXIT_NODAEMON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_escape_roundtrip),
		cmocka_unit_test_setup_teardown(test_listen_fresh, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_listen_refuses, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_serve, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_serve_slow_client, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_reply_not_ours, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_call, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_client, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
