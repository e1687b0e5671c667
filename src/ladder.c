// SPDX-License-Identifier: MIT
/* Rungs 2 and 3 of the escalation ladder; rung 1 is svc.c's restart policy and rung 4
 * bootloop.c. Reads the svc table, acts only through svc_event and the answer it gives
 * the watchdog. */
#include <stdio.h>
#include <string.h>

#include "cabin/ladder.h"
#include "daemon_int.h"

/* rung 2 fires when the failure streak reaches this */
#define DEPS_AT 2

void ladder_track(struct svc *s)
{
	char extra[96];
	struct svc *d;
	int n = 0;

	if (s->state != SVC_BACKOFF || s->fails != DEPS_AT || !s->c || !s->c->ndepends)
		return;
	for (int i = 0; i < s->c->ndepends; i++)
		for (int j = -1; (d = svc_dep_next(s, i, &j));)
			if (d->state == SVC_RUNNING || d->state == SVC_PAUSED) {
				svc_event(d, SVC_EV_RESTART, 0, NULL);
				n++;
			}
	if (!n)
		return;
	snprintf(extra, sizeof(extra), "event=escalate rung=dependencies restarted=%d", n);
	stream_event(s, extra);
}

static int budget(const struct conf_ctr *c)
{
	return c->restart_max ? c->restart_max : CONFIG_CRITICAL_RESTARTS;
}

bool ladder_ok(char *why, size_t n)
{
	if (shutting) /* fed through an orderly shutdown, up to its deadline */
		return true;
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];
		const struct conf_ctr *c = s->c;

		if (!s->used || !c || !c->critical || s->remove_pending)
			continue;
		if (s->manual_stop && !s->want_up)
			continue; /* the operator stopped it */
		switch (s->state) {
		case SVC_FAILED:
			snprintf(why, n, "critical %s failed (%s)", s->name, s->reason);
			return false;
		case SVC_RUNNING:
		case SVC_PAUSED:
			if (s->health == SVC_HEALTH_UNHEALTHY) {
				snprintf(why, n, "critical %s is unhealthy", s->name);
				return false;
			}
			break;
		case SVC_EXITED:
		case SVC_DEFINED:
			if (!c->autostart && !s->want_up)
				break;
			snprintf(why, n, "critical %s is not running (%s)", s->name,
				 s->reason[0] ? s->reason : "never started");
			return false;
		default: /* on its way up or down: within its budget? */
			if (s->fails > budget(c)) {
				snprintf(why, n, "critical %s failed %d times in a row (budget %d)",
					 s->name, s->fails, budget(c));
				return false;
			}
			break;
		}
	}
	return true;
}

bool ladder_all_good(void)
{
	char why[8];

	if (shutting || !ladder_ok(why, sizeof(why)))
		return false;
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		if (!s->used || !s->c || !s->want_up)
			continue;
		if (s->state == SVC_EXITED && !strcmp(s->reason, "exit:0"))
			continue;
		if (s->state != SVC_RUNNING ||
		    (s->c->health != CONF_HEALTH_NONE && s->health != SVC_HEALTH_HEALTHY))
			return false;
	}
	return true;
}
