// SPDX-License-Identifier: MIT
/* epoll over a signalfd, one monotonic timerfd, the control FIFO and the log pipes. Owns
 * those descriptors and nothing else: it dispatches nothing itself and never sleeps
 * except in epoll_wait, so an idle daemon with no deadlines never wakes up. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cabin/loop.h"

static int epfd = -1, sigfd = -1, tmfd = -1;
static uint64_t armed;
unsigned long loop_wakeups;

static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR };

int loop_init(struct cabin_err *e)
{
	sigset_t set;

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
	if (loop_add(sigfd, EPOLLIN, LOOP_SIGNAL, 0, e) < 0 ||
	    loop_add(tmfd, EPOLLIN, LOOP_TIMER, 0, e) < 0)
		return -e->code;
	return 0;
}

int loop_add(int fd, uint32_t events, enum loop_kind kind, int idx, struct cabin_err *e)
{
	struct epoll_event ev = { .events = events };

	ev.data.u64 = (uint64_t)kind << 32 | (uint32_t)idx;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return err_sys(e, "epoll_ctl add");
	return 0;
}

void loop_del(int fd)
{
	if (fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
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

int loop_wait(struct loop_ev *out, int max, int timeout_ms)
{
	struct epoll_event ev[32];
	int n;

	if (max > 32)
		max = 32;
	n = epoll_wait(epfd, ev, max, timeout_ms);
	loop_wakeups++;
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		out[i].kind = ev[i].data.u64 >> 32;
		out[i].idx = (int)(uint32_t)ev[i].data.u64;
		out[i].events = ev[i].events;
	}
	return n;
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
