// SPDX-License-Identifier: MIT
/* probe: the tiny static multi-call payload the integration tests run inside containers
 * to look at the container from the inside (credentials, fds, mounts, limits) and to
 * misbehave on demand (memory hog, fork bomb, signals). It must stay dependency-free:
 * no allocation, no stdio, every answer one write(2) so test output never interleaves.
 * Errors are printed as "ERR <ENAME> <what>" on stdout with exit status 1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/inotify.h>
#include <sys/io.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <linux/reboot.h>

extern char **environ;

static char buf[65536];

static void out(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (n > 0 && write(1, line, n) < 0)
		_exit(2);
}

static const char *ename(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" },
		{ EINTR, "EINTR" },
		{ EIO, "EIO" },
		{ ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" },
		{ ENOEXEC, "ENOEXEC" },
		{ EBADF, "EBADF" },
		{ ECHILD, "ECHILD" },
		{ EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ EXDEV, "EXDEV" },
		{ ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" },
		{ EINVAL, "EINVAL" },
		{ ENFILE, "ENFILE" },
		{ EMFILE, "EMFILE" },
		{ ENOTTY, "ENOTTY" },
		{ ETXTBSY, "ETXTBSY" },
		{ EFBIG, "EFBIG" },
		{ ENOSPC, "ENOSPC" },
		{ EROFS, "EROFS" },
		{ EPIPE, "EPIPE" },
		{ ENOSYS, "ENOSYS" },
		{ ELOOP, "ELOOP" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOTEMPTY, "ENOTEMPTY" },
	};
	static char num[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(num, sizeof(num), "E%d", e);
	return num;
}

static int fail(const char *what, const char *arg)
{
	out("ERR %s %s %s\n", ename(errno), what, arg ? arg : "");
	return 1;
}

static const struct {
	int sig;
	const char *name;
} sigs[] = {
	{ SIGHUP, "HUP" },   { SIGINT, "INT" },	  { SIGQUIT, "QUIT" }, { SIGILL, "ILL" },
	{ SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" }, { SIGBUS, "BUS" },   { SIGFPE, "FPE" },
	{ SIGKILL, "KILL" }, { SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
};

static int signum(const char *s)
{
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(sigs[i].name, s))
			return sigs[i].sig;
	return atoi(s);
}

/* read a whole (small) file into buf; returns length or -1 */
static ssize_t slurp(const char *path)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	if (n < 0 && len == 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[len] = 0;
	return len;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* status [PID]: the credential and signal lines of /proc/PID/status */
static int cmd_status(const char *pid)
{
	static const char *keys[] = { "Uid:",	 "Gid:",    "Groups:",	   "SigBlk:",
				      "SigIgn:", "CapInh:", "CapPrm:",	   "CapEff:",
				      "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:" };
	char path[64];
	char *line, *nl;

	snprintf(path, sizeof(path), "/proc/%s/status", pid ? pid : "self");
	if (slurp(path) < 0)
		return fail("open", path);
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				out("%s\n", line);
	}
	return 0;
}

/* fds: every open fd but the one used to list them, with its target */
static int cmd_fds(void)
{
	char ents[4096], path[300], target[256];
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dfd < 0)
		return fail("open", "/proc/self/fd");
	while ((n = syscall(SYS_getdents64, dfd, ents, sizeof(ents))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent *d = (struct dirent *)(ents + off);
			ssize_t l;

			off += d->d_reclen;
			if (d->d_name[0] == '.' || atoi(d->d_name) == dfd)
				continue;
			snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
			l = readlink(path, target, sizeof(target) - 1);
			target[l < 0 ? 0 : l] = 0;
			out("%s %s\n", d->d_name, target);
		}
	}
	close(dfd);
	return 0;
}

/* kill SIG: die by SIG. The init of a pid namespace ignores signals it sends itself,
 * so as pid 1 the fault signals are raised for real (the kernel forces those). */
static int cmd_kill(const char *s)
{
	int sig = signum(s);

	kill(getpid(), sig);
	msleep(100);
	switch (sig) {
	case SIGSEGV: /* asm: a C null store is UB the compiler may drop */
		__asm__ volatile("movl $1, 0" ::: "memory");
		break;
	case SIGFPE:
		__asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
		break;
	case SIGILL:
		__asm__ volatile("ud2");
		break;
	case SIGTRAP:
		__asm__ volatile("int3");
		break;
	}
	out("still alive after signal %d (pid %d)\n", sig, (int)getpid());
	return 99;
}

/* memhog MB: allocate and touch MB MiB, one MiB at a time */
static int cmd_memhog(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap", NULL);
		for (long o = 0; o < (1 << 20); o += 4096)
			p[o] = 1;
	}
	out("allocated %ld MB\n", mb);
	return 0;
}

/* forkbomb N: fork up to N children that wait; report how many forks succeeded, then
 * kill and reap them */
static int cmd_forkbomb(int want)
{
	static pid_t kids[4096];
	int n = 0, err = 0;

	if (want > 4096)
		want = 4096;
	while (n < want) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[n++] = p;
	}
	out("forked %d of %d%s%s\n", n, want, err ? " error " : "", err ? ename(err) : "");
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return 0;
}

static int cmd_read(const char *path)
{
	ssize_t n = slurp(path);

	if (n < 0)
		return fail("read", path);
	if (n > 0 && write(1, buf, n) < 0)
		return 2;
	return 0;
}

static int cmd_write(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail("open", path);
	if (write(fd, data, strlen(data)) < 0)
		return fail("write", path);
	if (close(fd) < 0)
		return fail("close", path);
	out("OK\n");
	return 0;
}

/* mounts: "MOUNTPOINT FSTYPE MOUNTOPTS SUPEROPTS" per line of mountinfo */
static int cmd_mounts(void)
{
	char *line, *nl;

	if (slurp("/proc/self/mountinfo") < 0)
		return fail("read", "/proc/self/mountinfo");
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		char *f[12], *sep, *p = line;
		int nf = 0;

		*nl = 0;
		while (nf < 6 && (f[nf] = strsep(&p, " ")))
			nf++;
		sep = strstr(p ? p : "", "- ");
		if (nf < 6 || !sep)
			continue;
		p = sep + 2;
		f[6] = strsep(&p, " "); /* fstype */
		f[7] = strsep(&p, " "); /* source */
		out("%s %s %s %s\n", f[4], f[6], f[5], p ? p : "");
	}
	return 0;
}

static int cmd_sigwait(long ms)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	out("ready\n");
	sig = sigtimedwait(&set, &si, &ts);
	if (sig < 0) {
		out("timeout\n");
		return 124;
	}
	out("caught %d\n", sig);
	return 0;
}

/* sys NAME: host-affecting syscalls a container must not be allowed; each is chosen so
 * that it changes nothing even if it were (wrongly) permitted */
static int cmd_sys(const char *what)
{
	long r = -1;

	/* a safety catch: these are only meant for the init of a container */
	if (getpid() != 1 && !getenv("PROBE_UNSAFE")) {
		out("probe: sys %s only runs as pid 1 of a container\n", what);
		return 3;
	}
	if (!strcmp(what, "reboot")) /* in a child pid ns this only ends its init */
		r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			    LINUX_REBOOT_CMD_POWER_OFF, NULL);
	else if (!strcmp(what, "settime")) /* NULL, NULL: permission check only */
		r = syscall(SYS_settimeofday, NULL, NULL);
	else if (!strcmp(what, "insmod")) /* bad fd: EBADF if permitted */
		r = syscall(SYS_finit_module, -1, "", 0);
	else if (!strcmp(what, "swapon"))
		r = syscall(SYS_swapon, "/nonexistent-swap", 0);
	else if (!strcmp(what, "mount"))
		r = mount("none", "/tmp", "tmpfs", 0, "size=4k");
	else if (!strcmp(what, "unshare"))
		r = unshare(CLONE_NEWNS);
	else if (!strcmp(what, "mknod"))
		r = mknod("/dev/probe-sda", S_IFBLK | 0600, makedev(8, 0));
	else if (!strcmp(what, "chown")) { /* a new file of ours, given away */
		int fd = open("/tmp/.probe-chown", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		r = fd < 0 ? -1 : fchown(fd, 1000, 1000);
		if (fd >= 0) {
			int e = errno;
			close(fd);
			unlink("/tmp/.probe-chown");
			errno = e;
		}
	} else
		errno = EINVAL;
	if (r < 0)
		return fail("sys", what);
	out("OK\n");
	return 0;
}

/* udpecho PORT: answer every datagram with "echo:" and what came, for ever.
 * udpask IP PORT MSG: send MSG, print the answer (2 s at most). */
static int cmd_udpecho(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char b[512];

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("bind", NULL);
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, b + 5, sizeof(b) - 5, 0, (struct sockaddr *)&from, &fl);

		if (n < 0)
			continue;
		memcpy(b, "echo:", 5);
		sendto(fd, b, n + 5, 0, (struct sockaddr *)&from, fl);
	}
}

static int cmd_udpask(const char *ip, int port, const char *m)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 2, 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char b[512];
	ssize_t n;

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return fail("socket", ip);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, m, strlen(m), 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("sendto", ip);
	n = recv(fd, b, sizeof(b) - 1, 0);
	if (n < 0)
		return fail("recv", ip);
	b[n] = 0;
	out("%s\n", b);
	return 0;
}

/* conns IP PORT N: open N TCP connections at once, and only when all are open send an
 * HTTP request on each; prints how many got an answer and how many were closed without
 * one (20 s at most in all). */
static int cmd_conns(const char *ip, int port, int n)
{
	static struct pollfd p[1024];
	static int st[1024]; /* 0 connecting, 1 asked, 2 answered, 3 closed, 4 done */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	time_t end = time(NULL) + 20;
	int answered = 0, closed = 0, open_ = 0;

	if (n < 1 || n > 1024 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return fail("args", ip);
	for (int i = 0; i < n; i++) {
		p[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (p[i].fd < 0)
			return fail("socket", ip);
		if (connect(p[i].fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
			st[i] = 3;
		p[i].events = POLLOUT;
	}
	while (time(NULL) < end) { /* all connected (or failed) */
		int waiting = 0;

		for (int i = 0; i < n; i++)
			if (st[i] == 0 && p[i].events == POLLOUT)
				waiting++;
		if (!waiting)
			break;
		poll(p, n, 200);
		for (int i = 0; i < n; i++) {
			int err = 0;
			socklen_t l = sizeof(err);

			if (st[i] || p[i].events != POLLOUT || !p[i].revents)
				continue;
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
			if (err)
				st[i] = 3;
			p[i].events = POLLIN;
		}
	}
	for (int i = 0; i < n; i++) {
		if (st[i] == 0 && send(p[i].fd, req, sizeof(req) - 1, MSG_NOSIGNAL) > 0)
			st[i] = 1, open_++;
		else if (st[i] == 0)
			st[i] = 3;
		p[i].events = POLLIN;
	}
	while (open_ && time(NULL) < end) {
		poll(p, n, 200);
		for (int i = 0; i < n; i++) {
			ssize_t r;

			if ((st[i] != 1 && st[i] != 2) || !p[i].revents)
				continue;
			r = read(p[i].fd, buf, sizeof(buf));
			if (r > 0) {
				st[i] = 2;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			st[i] = st[i] == 2 ? 4 : 3;
			open_--;
		}
	}
	for (int i = 0; i < n; i++) {
		answered += st[i] == 2 || st[i] == 4;
		closed += st[i] == 3;
	}
	out("answered=%d closed=%d\n", answered, closed);
	return 0;
}

/* scall WHAT: one system call the seccomp filter must refuse, or let through; prints
 * "OK" or "ERR <ENAME> scall" (keyctl, addkey, iouring, vsock, newuser, x32, int80,
 * clone3, personality, getpid) */
static int cmd_scall(const char *w)
{
	long r = -1;

	errno = 0;
	if (!strcmp(w, "keyctl"))
		r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
	else if (!strcmp(w, "addkey"))
		r = syscall(SYS_add_key, "user", "probe", "x", 1, -3);
	else if (!strcmp(w, "iouring")) {
		char params[120] = { 0 };

		r = syscall(425, 1, params);
	} else if (!strcmp(w, "vsock"))
		r = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
	else if (!strcmp(w, "newuser"))
		r = syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */);
	else if (!strcmp(w, "x32"))
		r = syscall(39 | 0x40000000); /* getpid through the x32 ABI */
	else if (!strcmp(w, "int80")) { /* getpid (20) through the i386 entry point */
		long ret;

		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		if (ret < 0 && ret > -4096) {
			errno = (int)-ret;
			r = -1;
		} else
			r = 0;
	} else if (!strcmp(w, "clone3"))
		r = syscall(435, NULL, 0);
	else if (!strcmp(w, "personality"))
		r = syscall(SYS_personality, 0x0008000 /* ADDR_NO_RANDOMIZE... READ_IMPLIES_EXEC: 0x400000 */ | 0x400000);
	else if (!strcmp(w, "getpid"))
		r = syscall(SYS_getpid);
	else
		errno = EINVAL;
	if (r < 0)
		return fail("scall", NULL);
	out("OK\n");
	return 0;
}

/* outb PORT VALUE: one byte to an x86 I/O port (the boot test's isa-debug-exit) */
static int cmd_outb(const char *port, const char *val)
{
	unsigned long p = strtoul(port, NULL, 0), v = strtoul(val, NULL, 0);

	if (ioperm(p, 1, 1) < 0)
		return fail("ioperm", port);
	outb((unsigned char)v, (unsigned short)p);
	return 0;
}

/* notify MSG: send MSG to $NOTIFY_SOCKET (sd_notify; '@' = abstract) */
static int cmd_notify(const char *m)
{
	const char *ns = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t l = ns ? strlen(ns) : 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (!ns || l >= sizeof(a.sun_path) || fd < 0)
		return fail("notify", ns ? ns : "no NOTIFY_SOCKET");
	memcpy(a.sun_path, ns, l);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = 0;
	if (sendto(fd, m, strlen(m), 0, (struct sockaddr *)&a,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + l)) < 0)
		return fail("sendto", ns);
	return 0;
}

/* tcpserve PORT: one process, a backlog of 1024, answering each connection's first
 * bytes with "hello-from-probe" and closing: a server that is not the bottleneck when
 * hundreds of clients connect at once (busybox httpd listens with a backlog of 9). */
static int cmd_tcpserve(int port)
{
	static struct pollfd p[1024];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	const char ans[] = "HTTP/1.0 200 OK\r\n\r\nhello-from-probe\n";
	int one = 1, n = 1;

	p[0].fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(p[0].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p[0].fd < 0 || bind(p[0].fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(p[0].fd, 1024) < 0)
		return fail("listen", NULL);
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, n, -1) < 0)
			continue;
		for (int i = n - 1; i > 0; i--) {
			if (!p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) > 0)
				write(p[i].fd, ans, sizeof(ans) - 1);
			close(p[i].fd);
			p[i] = p[--n];
		}
		if ((p[0].revents & POLLIN) && n < 1024) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				p[n].fd = c;
				p[n].events = POLLIN;
				p[n++].revents = 0;
			}
		}
	}
}

/* freezewatch DIR NAME: (run on the host side by a test) wait until the cgroup DIR/NAME
 * appears and freeze it at once through freezer.state: catches a container between its
 * group's mkdir and its exec, which a shell loop cannot do reliably. Gives up after 10 s. */
static int cmd_freezewatch(const char *dir, const char *name)
{
	char path[4096], ev[4096] __attribute__((aligned(8)));
	int in = inotify_init1(IN_CLOEXEC);
	time_t end = time(NULL) + 10;

	if (in < 0 || inotify_add_watch(in, dir, IN_CREATE) < 0)
		return fail("inotify", dir);
	snprintf(path, sizeof(path), "%s/%s/freezer.state", dir, name);
	out("WATCHING\n");
	while (time(NULL) < end) {
		ssize_t n = read(in, ev, sizeof(ev));

		for (ssize_t off = 0; n > 0 && off < n;) {
			const struct inotify_event *e = (const void *)(ev + off);

			off += sizeof(*e) + e->len;
			if (!e->len || strcmp(e->name, name))
				continue;
			for (int i = 0; i < 100000; i++) {
				int fd = open(path, O_WRONLY | O_CLOEXEC);

				if (fd >= 0) {
					if (write(fd, "FROZEN", 6) != 6)
						return fail("write", path);
					close(fd);
					out("FROZEN\n");
					return 0;
				}
			}
			return fail("open", path);
		}
	}
	return fail("timeout", dir);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : NULL;
	struct utsname u;
	char cwd[4096];

	if (!strcmp(c, "status"))
		return cmd_status(a);
	if (!strcmp(c, "udpecho") && a)
		return cmd_udpecho(atoi(a));
	if (!strcmp(c, "udpask") && a && argc > 4)
		return cmd_udpask(a, atoi(argv[3]), argv[4]);
	if (!strcmp(c, "swap") && a && argc > 3) { /* exchange two paths for ever (A6) */
		for (;;)
			syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, argv[3], 2 /* EXCHANGE */);
	}
	if (!strcmp(c, "loop") && a) { /* N getppid() calls: the seccomp bench */
		for (long i = strtol(a, NULL, 10); i > 0; i--)
			syscall(SYS_getppid);
		return 0;
	}
	if (!strcmp(c, "scall") && a)
		return cmd_scall(a);
	if (!strcmp(c, "outb") && a && argc > 3)
		return cmd_outb(a, argv[3]);
	if (!strcmp(c, "notify") && a)
		return cmd_notify(a);
	if (!strcmp(c, "tcpserve") && a)
		return cmd_tcpserve(atoi(a));
	if (!strcmp(c, "conns") && a && argc > 4)
		return cmd_conns(a, atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(c, "freezewatch") && a && argc > 3)
		return cmd_freezewatch(a, argv[3]);
	if (!strcmp(c, "fds"))
		return cmd_fds();
	if (!strcmp(c, "exit") && a)
		return atoi(a);
	if (!strcmp(c, "kill") && a)
		return cmd_kill(a);
	if (!strcmp(c, "memhog") && a)
		return cmd_memhog(atol(a));
	if (!strcmp(c, "forkbomb") && a)
		return cmd_forkbomb(atoi(a));
	if (!strcmp(c, "read") && a)
		return cmd_read(a);
	if (!strcmp(c, "write") && a)
		return cmd_write(a, argc > 3 ? argv[3] : "probe\n");
	if (!strcmp(c, "mounts"))
		return cmd_mounts();
	if (!strcmp(c, "pid")) {
		out("%d %d\n", (int)getpid(), (int)getppid());
		return 0;
	}
	if (!strcmp(c, "hostname")) {
		uname(&u);
		out("%s\n", u.nodename);
		return 0;
	}
	if (!strcmp(c, "env")) {
		for (char **e = environ; *e; e++)
			out("%s\n", *e);
		return 0;
	}
	if (!strcmp(c, "args")) {
		for (int i = 2; i < argc; i++)
			out("[%s]\n", argv[i]);
		return 0;
	}
	if (!strcmp(c, "cwd")) {
		if (!getcwd(cwd, sizeof(cwd)))
			return fail("getcwd", NULL);
		out("%s\n", cwd);
		return 0;
	}
	if (!strcmp(c, "umask")) {
		mode_t m = umask(0);
		out("%04o\n", (unsigned)m);
		return 0;
	}
	if (!strcmp(c, "sleep") && a) {
		msleep(atol(a));
		return 0;
	}
	if (!strcmp(c, "sigwait"))
		return cmd_sigwait(a ? atol(a) : 60000);
	if (!strcmp(c, "sys") && a)
		return cmd_sys(a);
	if (!strcmp(c, "umount") && a)
		return umount2(a, MNT_DETACH) < 0 ? fail("umount", a) : (out("OK\n"), 0);
	out("usage: probe status [PID] | fds | exit N | kill SIG | memhog MB | forkbomb N |\n"
	    "  read PATH | write PATH [DATA] | mounts | pid | hostname | env | args ... |\n"
	    "  cwd | umask | sleep MS | sigwait [MS] | umount PATH |\n"
	    "  sys reboot|settime|insmod|swapon|mount|unshare|mknod|chown\n");
	return 2;
}
