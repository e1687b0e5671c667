/* SPDX-License-Identifier: MIT */
/* The hardware watchdog (SPEC §7, reliability.md I1-I6): opened once (CLOEXEC, never in
 * a container), the timeout set and read back, the boot status read, fed from the main
 * loop after a complete iteration every half timeout, and only while the caller says
 * so; never magic-closed, so a crash or hang of the daemon resets the device. */
#ifndef CABIN_WATCHDOG_H
#define CABIN_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "cabin/ctl.h"

/* Open dev and set its timeout (logged through log; a device that refuses the ioctls,
 * a stand-in FIFO, is fed by writes at timeout_s / 2). A device that cannot be opened
 * yet is tried again every second. */
void watchdog_open(const char *dev, uint32_t timeout_s,
		   void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2))));
/* After a complete loop iteration: feed if due and allowed. why: what stops the feeding
 * when !allowed (kept for status, logged once). */
void watchdog_iteration(uint64_t now, bool allowed, const char *why);
/* when the loop must wake up next for it, 0 none */
uint64_t watchdog_next_deadline(void);
/* the state for `cabin status` */
void watchdog_kv(struct ctl_reply *rp);
/* feeds so far */
extern unsigned long watchdog_feeds;

#endif
