/* SPDX-License-Identifier: MIT */
/* Health checks (SPEC §7), each an event in the daemon's loop with a deadline, never a
 * wait: exec: runs a probe inside the container through spawn_enter (the same
 * enter-and-become code as a start); tcp: a non-blocking connect from a socket the
 * daemon creates inside the container's network namespace (no fork); notify: the
 * sd_notify protocol on a datagram socket the daemon binds inside the container's
 * network namespace (abstract name, so nothing is mounted): READY=1, WATCHDOG=1,
 * STATUS=. Results drive svc.health; on_unhealthy acts through svc_event. */
#ifndef CABIN_HEALTH_H
#define CABIN_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/svc.h"

/* probe output kept with the last result (and the in-flight one) */
#define HEALTH_OUT 4096

/* After every state change of s: probes begin when it runs, pause with it, end when it
 * stops (the last result stays visible). */
void health_track(struct svc *s);
/* Launch what is due, time out what is late. */
void health_timers(uint64_t now);
uint64_t health_next_deadline(void);
/* A reaped child: true when it was a probe helper. */
bool health_reaped(pid_t pid, int status);
/* For dependencies: no health check, or healthy. */
bool health_ok(struct svc *s);
const char *health_name(const struct svc *s);
/* The last finished probe: its output (NUL-terminated) and status line. */
const char *health_output(const struct svc *s);
/* notify: the socket name the container gets in NOTIFY_SOCKET, "" when none */
const char *health_notify_name(const struct svc *s);
/* notify: STATUS= as the service last sent it, "" when none */
const char *health_status_text(const struct svc *s);
/* notify: bind the container's socket in its network namespace (between clone and go) */
int health_notify_setup(struct svc *s, pid_t pid, struct cabin_err *e);

#endif
