// SPDX-License-Identifier: MIT
/* epoll over a signalfd, one monotonic timerfd and a fixed table of registered fds, each
 * with its handler. Owns those descriptors and the table; never sleeps except in
 * epoll_wait, so an idle daemon with no deadlines never wakes up. Times every handler:
 * the longest one is visible in `debug`, and CABIN_LOOP_WATCH_MS aborts past a bound. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cabin/util.h"
#include "cabin/loop.h"

static int epfd = -1, sigfd = -1, tmfd = -1;
static uint64_t armed;
unsigned long loop_wakeups, loop_max_handler_us;
static unsigned long watch_us; /* 0: off */

/* slot i: the fd it serves (-1 free) and a generation bumped on every delete, so an
 * event already fetched for a deleted fd is recognised and dropped */
static struct slot {
	int fd;
	uint32_t gen;
	loop_fn *fn;
	void *ctx;
} slots[LOOP_MAX_FDS];

static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR };

int loop_init(loop_fn *on_signal, loop_fn *on_timer, struct cabin_err *e)
{
	const char *w = getenv("CABIN_LOOP_WATCH_MS");
	sigset_t set;

	for (int i = 0; i < LOOP_MAX_FDS; i++)
		slots[i].fd = -1;
	if (w && *w)
		watch_us = (unsigned long)util_strtoull(w, NULL, 10) * 1000;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_sys(e, "sigprocmask");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return err_sys(e, "epoll_create1");
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return err_sys(e, "signalfd");
	tmfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tmfd < 0)
		return err_sys(e, "timerfd_create");
	if (loop_add(sigfd, EPOLLIN, on_signal, NULL, e) < 0 ||
	    loop_add(tmfd, EPOLLIN, on_timer, NULL, e) < 0)
		return -e->code;
	return 0;
}

int loop_add(int fd, uint32_t events, loop_fn *fn, void *ctx, struct cabin_err *e)
{
	struct epoll_event ev = { .events = events };

	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		struct slot *s = &slots[i];

		if (s->fd >= 0)
			continue;
		ev.data.u64 = (uint64_t)s->gen << 32 | (uint32_t)i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return err_sys(e, "epoll_ctl add");
		s->fd = fd;
		s->fn = fn;
		s->ctx = ctx;
		return 0;
	}
	return err_set(e, ENOSPC, "event loop: all %d fd slots in use", LOOP_MAX_FDS);
}

void loop_del(int fd)
{
	if (fd < 0)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		if (slots[i].fd == fd) {
			slots[i].fd = -1;
			slots[i].gen++;
			break;
		}
}

int loop_mod(int fd, uint32_t events)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		if (slots[i].fd == fd) {
			struct epoll_event ev = { .events = events,
						  .data.u64 = (uint64_t)slots[i].gen << 32 |
							      (uint32_t)i };

			return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
		}
	return -ENOENT;
}

void loop_arm(uint64_t deadline_ms)
{
	struct itimerspec its = { 0 };

	if (deadline_ms == armed)
		return;
	armed = deadline_ms;
	if (deadline_ms) {
		its.it_value.tv_sec = deadline_ms / 1000;
		its.it_value.tv_nsec = (deadline_ms % 1000) * 1000000;
	}
	timerfd_settime(tmfd, deadline_ms ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

void loop_timer_ack(void)
{
	uint64_t n;

	while (read(tmfd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	armed = 0;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int loop_dispatch(int timeout_ms)
{
	struct epoll_event ev[32];
	int n, called = 0;

	n = epoll_wait(epfd, ev, 32, timeout_ms);
	loop_wakeups++;
	for (int i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)ev[i].data.u64, gen = ev[i].data.u64 >> 32;
		struct slot *s;
		uint64_t t0, dt;

		if (idx >= LOOP_MAX_FDS)
			continue;
		s = &slots[idx];
		if (s->fd < 0 || s->gen != gen)
			continue; /* deleted by an earlier handler of this batch */
		t0 = loop_now_us();
		s->fn(s->ctx, ev[i].events);
		called++;
		dt = loop_now_us() - t0;
		if (dt > loop_max_handler_us)
			loop_max_handler_us = dt;
		if (watch_us && dt > watch_us) {
			fdprintf(2, "cabin: loop watch: a handler ran %lu us (bound %lu us)\n",
				 (unsigned long)dt, watch_us);
			abort();
		}
	}
	return called;
}

int loop_signal(void)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

static uint64_t ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t loop_now_ms(void)
{
	return ms(CLOCK_MONOTONIC);
}

uint64_t loop_wall_ms(void)
{
	return ms(CLOCK_REALTIME);
}
