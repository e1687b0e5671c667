/* SPDX-License-Identifier: MIT */
/* The daemon's one event loop: epoll over a signalfd, one CLOCK_MONOTONIC timerfd armed
 * at the earliest deadline of all, and any fd a module registers with a handler. A new
 * kind of descriptor (netlink, a health probe, the watchdog) needs no new case here. */
#ifndef CABIN_LOOP_H
#define CABIN_LOOP_H

#include <stdint.h>

#include "cabin/err.h"
#include "generated/config.h"

/* Called with the epoll event mask when fd is ready. */
typedef void loop_fn(void *ctx, uint32_t events);

/* Fixed table of registered fds: signalfd, timerfd, ctl, inotify, per container the log
 * pipe, the exec pipe and the OOM fd, the subscribers, the 127.0.0.1 proxy, and room
 * for what comes next. */
#if CONFIG_PORT_PROXY /* a listener per published port, two sockets per connection */
#define LOOP_PROXY_FDS (CONFIG_MAX_CONTAINERS * CONFIG_MAX_PORTS + 2 * CONFIG_PROXY_CONNS)
#else
#define LOOP_PROXY_FDS 0
#endif
#define LOOP_MAX_FDS (8 * CONFIG_MAX_CONTAINERS + CONFIG_MAX_CLIENTS + 16 + LOOP_PROXY_FDS)

/* Block the signals the daemon handles (CHLD TERM INT HUP QUIT USR1 USR2 PWR) and take
 * them through a signalfd; ignore SIGPIPE. on_signal and on_timer are the handlers of
 * the signalfd and the timerfd. */
int loop_init(loop_fn *on_signal, loop_fn *on_timer, struct cabin_err *e);
/* Register fd; fn(ctx, events) is called when it is ready. -ENOSPC when full. */
int loop_add(int fd, uint32_t events, loop_fn *fn, void *ctx, struct cabin_err *e);
/* Change the events fd waits for. */
int loop_mod(int fd, uint32_t events);
/* Unregister fd (safe in a handler: a pending event for it is not delivered). */
void loop_del(int fd);
/* Arm the timer at an absolute CLOCK_MONOTONIC time in ms; 0 disarms. */
void loop_arm(uint64_t deadline_ms);
/* One epoll_wait (timeout_ms -1 = none), then each ready handler once. Returns the
 * number of handlers called. Handlers are timed in the loop-watch build. */
int loop_dispatch(int timeout_ms);
/* Next pending signal number from the signalfd, 0 when none left. */
int loop_signal(void);
void loop_timer_ack(void);
uint64_t loop_now_ms(void);
uint64_t loop_now_us(void);
uint64_t loop_wall_ms(void);
/* epoll_wait returns so far: the idle wake-up figure of the benchmark */
extern unsigned long loop_wakeups;
/* the longest single handler so far, in microseconds (`cabin debug`) */
extern unsigned long loop_max_handler_us;

#endif
