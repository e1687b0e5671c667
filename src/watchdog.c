// SPDX-License-Identifier: MIT
/* The watchdog device: one fd, a feed every half timeout from the loop, no thread, no
 * signal handler, no magic close (reliability.md I2, I3). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cabin/loop.h"
#include "cabin/watchdog.h"

unsigned long watchdog_feeds;

#if CONFIG_WATCHDOG

#define REOPEN_MS 1000

static struct {
	const char *dev;
	int fd;
	uint32_t timeout_s;  /* as the device reports it (or as asked, for a stand-in) */
	bool hw;	     /* the ioctls work */
	bool reset_by_wdt;   /* WDIOF_CARDRESET at open */
	bool starving;	     /* not fed on purpose */
	uint64_t last, next; /* feeds (ms) */
	char why[160];
	void (*log)(const char *fmt, ...);
} w = { .fd = -1 };

static void try_open(uint64_t now)
{
	int t, flags = 0;

	w.fd = open(w.dev, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (w.fd < 0) {
		w.next = now + REOPEN_MS;
		return;
	}
	t = (int)w.timeout_s;
	if (ioctl(w.fd, WDIOC_SETTIMEOUT, &t) == 0 || ioctl(w.fd, WDIOC_GETTIMEOUT, &t) == 0) {
		/* the hardware rounds: the timeout it really has decides the feed interval */
		if (ioctl(w.fd, WDIOC_GETTIMEOUT, &t) == 0 && t > 0)
			w.timeout_s = (uint32_t)t;
		w.hw = true;
		if (ioctl(w.fd, WDIOC_GETBOOTSTATUS, &flags) == 0 && (flags & WDIOF_CARDRESET)) {
			w.reset_by_wdt = true;
			w.log("cabin: watchdog: the previous reset was caused by the watchdog");
		}
		w.log("cabin: watchdog %s: timeout %us, fed every %us", w.dev, w.timeout_s,
		      w.timeout_s / 2 ? w.timeout_s / 2 : 1);
	} else {
		w.log("cabin: watchdog %s: not a watchdog device (%s); fed by writes every %ums",
		      w.dev, strerror(errno), w.timeout_s * 500);
	}
	w.next = now; /* fed at the end of this iteration */
}

void watchdog_open(const char *dev, uint32_t timeout_s,
		   void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2))))
{
	w.dev = dev;
	w.timeout_s = timeout_s ? timeout_s : 30;
	w.log = log;
	try_open(loop_now_ms());
	if (w.fd < 0)
		w.log("cabin: watchdog %s: %s; trying again every second", dev, strerror(errno));
}

void watchdog_iteration(uint64_t now, bool allowed, const char *why)
{
	uint64_t period = (uint64_t)w.timeout_s * 500;

	if (!w.dev || now < w.next)
		return;
	if (w.fd < 0) {
		try_open(now);
		if (w.fd < 0)
			return;
	}
	if (!allowed) {
		if (!w.starving)
			w.log("cabin: watchdog: NOT FED any more: %s; the device resets within %us",
			      why ? why : "?", w.timeout_s);
		w.starving = true;
		snprintf(w.why, sizeof(w.why), "%s", why ? why : "?");
		w.next = now + period; /* looked at again, never fed while this holds */
		return;
	}
	if (w.starving)
		w.log("cabin: watchdog: fed again");
	w.starving = false;
	w.why[0] = 0;
	if (write(w.fd, "k", 1) == 1) { /* any byte but 'V': never a magic close */
		watchdog_feeds++;
		w.last = now;
	}
	w.next = now + (period ? period : 1000);
}

uint64_t watchdog_next_deadline(void)
{
	return w.dev ? w.next : 0;
}

void watchdog_kv(struct ctl_reply *rp)
{
	if (!w.dev) {
		ctl_reply_kv(rp, "watchdog", "%s", "none");
		return;
	}
	ctl_reply_kv(rp, "watchdog", "%s", w.dev);
	ctl_reply_kv(rp, "watchdog_state", "%s",
		     w.fd < 0	  ? "closed"
		     : w.starving ? "starving"
				  : "fed");
	ctl_reply_kv(rp, "watchdog_timeout", "%u", w.timeout_s);
	ctl_reply_kv(rp, "watchdog_device", "%s", w.hw ? "hardware" : "stand-in");
	ctl_reply_kv(rp, "watchdog_feeds", "%lu", watchdog_feeds);
	ctl_reply_kv(rp, "watchdog_last_feed_ms_ago", "%llu",
		     (unsigned long long)(w.last ? loop_now_ms() - w.last : 0));
	ctl_reply_kv(rp, "watchdog_reset_cause", "%s", w.reset_by_wdt ? "watchdog" : "none");
	if (w.starving)
		ctl_reply_kv(rp, "watchdog_why", "%s", w.why);
}

#else

void watchdog_open(const char *dev, uint32_t timeout_s,
		   void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2))))
{
	(void)timeout_s;
	if (dev)
		log("cabin: watchdog=%s: not built in (CONFIG_WATCHDOG=n)", dev);
}
void watchdog_iteration(uint64_t now, bool allowed, const char *why)
{
	(void)now, (void)allowed, (void)why;
}
uint64_t watchdog_next_deadline(void)
{
	return 0;
}
void watchdog_kv(struct ctl_reply *rp)
{
	ctl_reply_kv(rp, "watchdog", "%s", "none");
}

#endif
