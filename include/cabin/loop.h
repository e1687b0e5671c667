/* SPDX-License-Identifier: MIT */
/* The daemon's one event loop: epoll over a signalfd, one CLOCK_MONOTONIC timerfd armed
 * at the earliest deadline of all containers, the control FIFO and the log pipes. */
#ifndef CABIN_LOOP_H
#define CABIN_LOOP_H

#include <stdint.h>

#include "cabin/err.h"

enum loop_kind { LOOP_SIGNAL, LOOP_TIMER, LOOP_CTL, LOOP_LOG, LOOP_SUB };

struct loop_ev {
	enum loop_kind kind;
	int idx; /* svc index (LOG) or subscriber index (SUB) */
	uint32_t events;
};

/* Block the signals the daemon handles (CHLD TERM INT HUP QUIT USR1 USR2 PWR) and take
 * them through a signalfd; ignore SIGPIPE. */
int loop_init(struct cabin_err *e);
int loop_add(int fd, uint32_t events, enum loop_kind kind, int idx, struct cabin_err *e);
void loop_del(int fd);
/* Arm the timer at an absolute CLOCK_MONOTONIC time in ms; 0 disarms. */
void loop_arm(uint64_t deadline_ms);
/* Wait (timeout_ms -1 = no timeout) and fill up to max events; returns how many. */
int loop_wait(struct loop_ev *ev, int max, int timeout_ms);
/* Next pending signal number from the signalfd, 0 when none left. */
int loop_signal(void);
void loop_timer_ack(void);
uint64_t loop_now_ms(void);
uint64_t loop_wall_ms(void);
/* epoll_wait returns so far: the idle wake-up figure of the benchmark */
extern unsigned long loop_wakeups;

#endif
