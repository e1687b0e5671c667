/* SPDX-License-Identifier: MIT */
/* The escalation ladder for a container that keeps failing (README "Escalation"):
 * 1. restart with backoff (svc.c, the restart policy);
 * 2. on its second failure in a row, restart what it depends on (once per streak);
 * 3. critical=yes only: past its restart budget (restart_max, else CRITICAL_RESTARTS
 *    failures in a row), failed, or unhealthy with no restart coming: the watchdog is
 *    no longer fed, so the device resets;
 * 4. after boot_limit boots within boot_window that never became good, the next boot
 *    runs the last known-good configuration (bootloop.c). */
#ifndef CABIN_LADDER_H
#define CABIN_LADDER_H

#include <stdbool.h>
#include <stddef.h>

#include "cabin/svc.h"

/* after every state change of s: rung 2 */
void ladder_track(struct svc *s);
/* rung 3: may the watchdog be fed? When not, why (one line) */
bool ladder_ok(char *why, size_t n);
/* rung 4's "good": the watchdog may be fed and every container that should run runs
 * (healthy, when it has a check); one that exited 0 on its own counts as done */
bool ladder_all_good(void);

#endif
