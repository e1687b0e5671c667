// SPDX-License-Identifier: MIT
/* Per-container supervision: the (state, event) action table, restart policies, backoff
 * and dependency order. Owns svc_tab. Never performs an effect itself (everything goes
 * through struct svc_ops), never allocates, never blocks. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cabin/svc.h"

struct svc svc_tab[SVC_MAX];
static const struct svc_ops *ops;
static bool shutting;
static int depth; /* nesting of svc_event: dependents are kicked at depth 0 */
static bool kick;

static const char *const state_names[SVC_NSTATE] = {
	[SVC_DEFINED] = "defined",   [SVC_STARTING] = "starting", [SVC_RUNNING] = "running",
	[SVC_STOPPING] = "stopping", [SVC_EXITED] = "exited",	  [SVC_PAUSED] = "paused",
	[SVC_BACKOFF] = "backoff",   [SVC_FAILED] = "failed",	  [SVC_SPAWNING] = "starting",
	[SVC_KILLING] = "killing",
};

void svc_setup(const struct svc_ops *o)
{
	ops = o;
	shutting = false;
}

const char *svc_state_name(enum svc_state st)
{
	return st < SVC_NSTATE ? state_names[st] : "?";
}

struct svc *svc_find(const char *name)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_tab[i].used && !strcmp(svc_tab[i].name, name))
			return &svc_tab[i];
	return NULL;
}

struct svc *svc_add(const struct conf_ctr *c)
{
	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		if (s->used)
			continue;
		/* the ring is large: clear only the header, reset the ring */
		memset(s, 0, offsetof(struct svc, ring));
		ring_reset(&s->ring);
		s->used = true;
		s->c = c;
		snprintf(s->name, sizeof(s->name), "%s", c->name);
		s->log_fd = -1;
		s->file_fd = -1;
		s->oom_fd = -1;
		s->state = SVC_DEFINED;
		s->exit_status = -1;
		s->since_ms = ops ? ops->now_ms() : 0;
		return s;
	}
	return NULL;
}

void svc_free(struct svc *s)
{
	s->used = false;
	s->c = NULL;
}

bool svc_alive(const struct svc *s)
{
	return s->used &&
	       (s->state == SVC_RUNNING || s->state == SVC_PAUSED || s->state == SVC_STOPPING ||
		s->state == SVC_KILLING || s->state == SVC_SPAWNING);
}

uint32_t svc_backoff_next(uint32_t cur, uint32_t delay, uint32_t max)
{
	uint64_t n = cur ? (uint64_t)cur * 2 : delay;

	if (n < delay)
		n = delay;
	if (max && n > max)
		n = max;
	return (uint32_t)n;
}

static void set_state(struct svc *s, enum svc_state st)
{
	s->state = st;
	s->since_ms = ops->now_ms();
	if (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED)
		kick = true;
	if (ops->changed)
		ops->changed(s);
	/* a removed instance leaves the table once it is down */
	if (s->remove_pending && (st == SVC_EXITED || st == SVC_FAILED || st == SVC_DEFINED))
		svc_free(s);
}

static void set_reason(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(struct svc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	s->reason_ts_ms = ops->wall_ms ? ops->wall_ms() : 0;
}

/* ---- dependencies ---------------------------------------------------------------- */

static bool up(const struct svc *d)
{
	if (d->state != SVC_RUNNING)
		return false;
	return !ops->healthy || ops->healthy((struct svc *)d);
}

struct svc *svc_dep_next(const struct svc *s, int i, int *j)
{
	while (++*j < SVC_MAX) {
		struct svc *d = &svc_tab[*j];

		if (d->used && d->c && !d->remove_pending &&
		    !strcmp(d->c->section, s->c->depends[i]))
			return d;
	}
	return NULL;
}

/* 1 ready, 0 not yet, -1 a dependency failed, -2 one is missing (name in *bad) */
static int deps(const struct svc *s, const char **bad)
{
	int ready = 1;

	if (!s->c)
		return 1;
	for (int i = 0; i < s->c->ndepends; i++) {
		const struct svc *d;
		bool found = false;

		for (int j = -1; (d = svc_dep_next(s, i, &j));) {
			found = true;
			if (d->state == SVC_FAILED) {
				*bad = s->c->depends[i];
				return -1;
			}
			if (!up(d))
				ready = 0;
		}
		if (!found) {
			*bad = s->c->depends[i];
			return -2;
		}
	}
	return ready;
}

bool svc_deps_ready(const struct svc *s)
{
	const char *bad;

	return deps(s, &bad) == 1;
}

/* start the dependencies nobody asked for yet (like compose does) */
static void want_deps(struct svc *s)
{
	struct svc *d;

	for (int i = 0; s->c && i < s->c->ndepends; i++)
		for (int j = -1; (d = svc_dep_next(s, i, &j));)
			if (!d->want_up && !d->manual_stop &&
			    (d->state == SVC_DEFINED || d->state == SVC_EXITED))
				svc_event(d, SVC_EV_START, 0, NULL);
}

/* ---- the transitions the actions share ------------------------------------------ */

static void fail_or_backoff(struct svc *s, bool failure);

static void try_start(struct svc *s)
{
	struct cabin_err e = { 0 };
	const char *bad = NULL;
	int r;

	s->tm[SVC_TM_STATE] = 0;
	if (shutting || !s->c) {
		set_state(s, SVC_EXITED);
		return;
	}
	r = deps(s, &bad);
	if (r < 0) {
		set_reason(s, "dependency: %s %s", bad, r == -1 ? "failed" : "missing");
		set_state(s, SVC_FAILED);
		return;
	}
	if (r == 0) {
		if (s->state != SVC_STARTING)
			set_state(s, SVC_STARTING);
		want_deps(s);
		return;
	}
	s->stop_signal = s->c->stop_signal ? s->c->stop_signal : SIGTERM;
	s->stop_timeout_ms = s->c->stop_timeout_ms;
	s->pid = 0;
	s->oom_base = 0;
	r = ops->spawn(s, &e);
	if (r == -EBUSY) {
		/* its group from an earlier run is still being emptied: look again soon */
		s->pid = 0;
		s->tm[SVC_TM_STATE] = ops->now_ms() + SVC_RETRY_MS;
		if (s->state != SVC_STARTING)
			set_state(s, SVC_STARTING);
		return;
	}
	if (r < 0) {
		s->pid = 0;
		set_reason(s, "start-failed:%s", e.msg[0] ? e.msg : "spawn");
		s->started_ms = 0;
		fail_or_backoff(s, true);
		return;
	}
	/* cloned; the exec pipe answers later (UP / FAIL), or the deadline does */
	s->tm[SVC_TM_STATE] = ops->now_ms() + (s->c->start_timeout_ms ? s->c->start_timeout_ms
								      : CONFIG_START_TIMEOUT_MS);
	set_state(s, SVC_SPAWNING);
}

/* a start that did not make it to exec: nothing runs, the policy decides */
static void start_failed(struct svc *s)
{
	if (ops->abort)
		ops->abort(s);
	s->pid = 0;
	s->tm[SVC_TM_STATE] = 0;
	s->started_ms = 0;
	ops->cleanup(s);
	fail_or_backoff(s, true);
}

/* An exit (or failed start) nobody asked for: apply the restart policy. */
static void fail_or_backoff(struct svc *s, bool failure)
{
	const struct conf_ctr *c = s->c;
	uint64_t now = ops->now_ms();
	bool again;

	if (!c || shutting || !s->want_up) {
		set_state(s, failure && !s->started_ms ? SVC_FAILED : SVC_EXITED);
		return;
	}
	/* stable long enough: forget the past failures */
	if (s->started_ms && now - s->started_ms >= c->restart_reset_ms) {
		s->backoff_ms = 0;
		s->fails = 0;
	}
	switch (c->restart) {
	case CONF_RESTART_ALWAYS:
	case CONF_RESTART_UNLESS_STOPPED:
		again = true;
		break;
	case CONF_RESTART_ON_FAILURE:
		again = failure;
		break;
	default:
		again = false;
	}
	again |= s->unhealthy_stop; /* on_unhealthy=restart is asked for explicitly */
	if (!again) {
		/* a start that never ran is a failure, an exit is just an exit */
		set_state(s, failure && !s->started_ms ? SVC_FAILED : SVC_EXITED);
		return;
	}
	if ((c->restart == CONF_RESTART_ON_FAILURE || s->unhealthy_stop) && c->restart_max &&
	    s->fails >= c->restart_max) {
		size_t n = strlen(s->reason);

		snprintf(s->reason + n, sizeof(s->reason) - n, " (gave up after %d restart%s)",
			 s->fails, s->fails == 1 ? "" : "s");
		set_state(s, SVC_FAILED);
		return;
	}
	s->fails++;
	s->backoff_ms =
		svc_backoff_next(s->backoff_ms, c->restart_delay_ms, c->restart_max_delay_ms);
	s->tm[SVC_TM_STATE] = now + s->backoff_ms;
	set_state(s, SVC_BACKOFF);
}

static void begin_stop(struct svc *s)
{
	if (s->state == SVC_PAUSED && ops->freeze)
		ops->freeze(s, false, NULL); /* a frozen task cannot act on the signal */
	ops->signal(s, s->stop_signal ? s->stop_signal : SIGTERM);
	s->tm[SVC_TM_STATE] = ops->now_ms() + s->stop_timeout_ms;
	s->kill_ms = 0;
	s->stop_killed = false;
	set_state(s, SVC_STOPPING);
}

static void exit_reason(struct svc *s, int status)
{
	if (ops->oom_kills && ops->oom_kills(s) > s->oom_base)
		set_reason(s, "oom");
	else if (WIFEXITED(status))
		set_reason(s, "exit:%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		const char *n = conf_signal_name(WTERMSIG(status));

		if (n)
			set_reason(s, "signal:%s", n);
		else
			set_reason(s, "signal:%d", WTERMSIG(status));
	} else
		set_reason(s, "exit:?");
}

/* ---- actions: one per (state, event) cell ---------------------------------------- */

typedef int action(struct svc *s, int arg, struct cabin_err *e);

static int a_nop(struct svc *s, int arg, struct cabin_err *e)
{
	return 0;
}

static int a_refuse(struct svc *s, int arg, struct cabin_err *e)
{
	return err_set(e, 0, "%s is %s", s->name, svc_state_name(s->state));
}

static int a_start(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = true;
	s->manual_stop = false;
	s->restart_pending = false;
	s->fails = 0;
	s->backoff_ms = 0;
	try_start(s);
	return 0;
}

static int a_start_now(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = true;
	s->manual_stop = false;
	try_start(s);
	return 0;
}

static int a_start_later(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = true;
	s->manual_stop = false;
	s->restart_pending = true;
	return 0;
}

static int a_stop_idle(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = false;
	s->manual_stop = true;
	return 0;
}

static int a_stop_cancel(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = false;
	s->manual_stop = true;
	s->tm[SVC_TM_STATE] = 0;
	set_reason(s, "stopped");
	set_state(s, SVC_EXITED);
	return 0;
}

static int a_stop(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = false;
	s->manual_stop = true;
	s->restart_pending = false;
	begin_stop(s);
	return 0;
}

static int a_stop_again(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = false;
	s->manual_stop = true;
	s->restart_pending = false;
	return 0;
}

static int a_restart_live(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = true;
	s->manual_stop = false;
	s->restart_pending = true;
	begin_stop(s);
	return 0;
}

static int a_kill(struct svc *s, int arg, struct cabin_err *e)
{
	ops->signal(s, arg ? arg : SIGKILL);
	return 0;
}

static int a_pause(struct svc *s, int arg, struct cabin_err *e)
{
	int r = ops->freeze ? ops->freeze(s, true, e) : -ENOTSUP;

	if (r < 0)
		return r;
	set_state(s, SVC_PAUSED);
	return 0;
}

static int a_resume(struct svc *s, int arg, struct cabin_err *e)
{
	int r = ops->freeze ? ops->freeze(s, false, e) : -ENOTSUP;

	if (r < 0)
		return r;
	set_state(s, SVC_RUNNING);
	return 0;
}

static int a_exit(struct svc *s, int arg, struct cabin_err *e)
{
	bool asked = s->state == SVC_STOPPING || s->state == SVC_KILLING;

	exit_reason(s, arg);
	s->exit_status = WIFEXITED(arg) ? WEXITSTATUS(arg) : 128 + WTERMSIG(arg);
	s->pid = 0;
	s->tm[SVC_TM_STATE] = 0;
	ops->cleanup(s);
	if (asked && s->unhealthy_stop) {
		/* stopped for on_unhealthy=restart: a failure, under the restart budget */
		s->unhealthy_stop = false;
		set_reason(s, "unhealthy");
		if (s->want_up && !shutting && !s->remove_pending) {
			s->restart_pending = false;
			s->unhealthy_stop = true; /* read by fail_or_backoff */
			fail_or_backoff(s, true);
			s->unhealthy_stop = false;
		} else
			set_state(s, SVC_EXITED);
		return 0;
	}
	if (asked) {
		/* a stop that needed SIGKILL at stop_timeout says so */
		if (strcmp(s->reason, "oom"))
			set_reason(s, s->stop_killed ? "stopped:killed" : "stopped");
		s->stop_killed = false;
		if (s->restart_pending && !shutting && !s->remove_pending) {
			s->restart_pending = false;
			s->fails = 0;
			s->backoff_ms = 0;
			try_start(s);
		} else
			set_state(s, SVC_EXITED);
		return 0;
	}
	fail_or_backoff(s, !(WIFEXITED(arg) && WEXITSTATUS(arg) == 0));
	return 0;
}

static int a_stop_timeout(struct svc *s, int arg, struct cabin_err *e)
{
	/* the grace time is over: kill the whole group; the reap follows. Until it does,
	 * kill again on a timer (a fork in flight, a task the freezer held) */
	ops->kill(s);
	if (s->state == SVC_STOPPING) /* the grace time of a stop ran out */
		s->stop_killed = true;
	s->kill_ms = s->state == SVC_KILLING && s->kill_ms ? s->kill_ms * 2 : SVC_RETRY_MS;
	if (s->kill_ms > 1000)
		s->kill_ms = 1000;
	s->tm[SVC_TM_STATE] = ops->now_ms() + s->kill_ms;
	if (s->state != SVC_KILLING)
		set_state(s, SVC_KILLING);
	return 0;
}

static int a_up(struct svc *s, int arg, struct cabin_err *e)
{
	s->tm[SVC_TM_STATE] = 0;
	s->oom_base = ops->oom_kills ? ops->oom_kills(s) : 0;
	/* the reason of the last exit stays visible (with its time) while it runs again */
	s->started_ms = ops->now_ms();
	set_state(s, SVC_RUNNING);
	return 0;
}

static int a_spawn_fail(struct svc *s, int arg, struct cabin_err *e)
{
	set_reason(s, "start-failed:%s", e && e->msg[0] ? e->msg : "spawn");
	start_failed(s);
	return 0;
}

static int a_spawn_died(struct svc *s, int arg, struct cabin_err *e)
{
	set_reason(s, "start-failed:start: child died before exec");
	start_failed(s);
	return 0;
}

static int a_spawn_timeout(struct svc *s, int arg, struct cabin_err *e)
{
	set_reason(s, "start-timeout");
	start_failed(s);
	return 0;
}

/* stop or restart before the exec: kill the child, wait for its reap like a stop */
static int a_spawn_stop(struct svc *s, int arg, struct cabin_err *e)
{
	s->want_up = false;
	s->manual_stop = true;
	s->restart_pending = false;
	if (ops->abort)
		ops->abort(s);
	s->tm[SVC_TM_STATE] = ops->now_ms() + SVC_RETRY_MS;
	set_state(s, SVC_KILLING);
	return 0;
}

static int a_spawn_restart(struct svc *s, int arg, struct cabin_err *e)
{
	a_spawn_stop(s, arg, e);
	s->want_up = true;
	s->manual_stop = false;
	s->restart_pending = true;
	return 0;
}

static int a_unhealthy(struct svc *s, int arg, struct cabin_err *e)
{
	s->unhealthy_stop = true;
	set_reason(s, "unhealthy");
	begin_stop(s);
	return 0;
}

static int a_backoff_over(struct svc *s, int arg, struct cabin_err *e)
{
	s->restarts++;
	try_start(s);
	return 0;
}

static int a_deps(struct svc *s, int arg, struct cabin_err *e)
{
	if (s->want_up)
		try_start(s);
	return 0;
}

/* rows: state; columns: event */
// clang-format off
static action *const table[SVC_NSTATE][SVC_NEV] = {
	/*               START          STOP           RESTART         KILL      PAUSE     RESUME    EXIT    TIMER           DEPS    UP    FAIL   UNHEALTHY */
	[SVC_DEFINED] = { a_start,      a_stop_idle,   a_start,        a_refuse, a_refuse, a_refuse, a_nop,  a_nop,          a_nop,  a_nop, a_nop, a_nop },
	[SVC_STARTING] = { a_deps,      a_stop_cancel, a_start,        a_refuse, a_refuse, a_refuse, a_nop,  a_deps,         a_deps, a_nop, a_nop, a_nop },
	[SVC_RUNNING] = { a_nop,        a_stop,        a_restart_live, a_kill,   a_pause,  a_nop,    a_exit, a_nop,          a_nop,  a_nop, a_nop, a_unhealthy },
	[SVC_STOPPING] = { a_start_later, a_stop_again, a_start_later, a_kill,   a_refuse, a_refuse, a_exit, a_stop_timeout, a_nop,  a_nop, a_nop, a_nop },
	[SVC_EXITED] = { a_start,       a_stop_idle,   a_start,        a_refuse, a_refuse, a_refuse, a_nop,  a_nop,          a_nop,  a_nop, a_nop, a_nop },
	[SVC_PAUSED] = { a_nop,         a_stop,        a_restart_live, a_kill,   a_nop,    a_resume, a_exit, a_nop,          a_nop,  a_nop, a_nop, a_nop },
	[SVC_BACKOFF] = { a_start_now,  a_stop_cancel, a_start,        a_refuse, a_refuse, a_refuse, a_nop,  a_backoff_over, a_nop,  a_nop, a_nop, a_nop },
	[SVC_FAILED] = { a_start,       a_stop_idle,   a_start,        a_refuse, a_refuse, a_refuse, a_nop,  a_nop,          a_nop,  a_nop, a_nop, a_nop },
	[SVC_SPAWNING] = { a_nop,       a_spawn_stop,  a_spawn_restart, a_kill,  a_refuse, a_refuse, a_spawn_died, a_spawn_timeout, a_nop, a_up, a_spawn_fail, a_nop },
	[SVC_KILLING] = { a_start_later, a_stop_again, a_start_later,  a_kill,   a_refuse, a_refuse, a_exit, a_stop_timeout, a_nop,  a_nop, a_nop, a_nop },
};
// clang-format on

static void kick_dependents(void)
{
	while (kick) {
		kick = false;
		for (int i = 0; i < SVC_MAX; i++) {
			struct svc *s = &svc_tab[i];

			if (s->used && s->state == SVC_STARTING)
				svc_event(s, SVC_EV_DEPS, 0, NULL);
		}
	}
}

int svc_event(struct svc *s, enum svc_event ev, int arg, struct cabin_err *e)
{
	int r;

	if (!s->used || s->state >= SVC_NSTATE || ev >= SVC_NEV)
		return err_set(e, 0, "bad event");
	depth++;
	r = table[s->state][ev](s, arg, e);
	depth--;
	/* dependents are looked at after the event, never in the middle of one */
	if (!depth) {
		depth++;
		kick_dependents();
		depth--;
	}
	return r;
}

void svc_deps_kick(void)
{
	kick = true;
	if (!depth) {
		depth++;
		kick_dependents();
		depth--;
	}
}

static const enum svc_event tm_event[SVC_NTM] = { [SVC_TM_STATE] = SVC_EV_TIMER };

void svc_timers(void)
{
	uint64_t now = ops->now_ms();

	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		for (int t = 0; t < SVC_NTM && s->used; t++)
			if (s->tm[t] && s->tm[t] <= now) {
				/* cleared first: an action that wants it again re-arms it, and
				 * one that does not can never spin the loop on a past time */
				s->tm[t] = 0;
				svc_event(s, tm_event[t], t, NULL);
			}
	}
}

uint64_t svc_next_deadline(void)
{
	uint64_t d = 0;

	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *s = &svc_tab[i];

		for (int t = 0; t < SVC_NTM && s->used; t++)
			if (s->tm[t] && (!d || s->tm[t] < d))
				d = s->tm[t];
	}
	return d;
}

/* ---- shutdown -------------------------------------------------------------------- */

void svc_shutdown_begin(void)
{
	shutting = true;
	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		if (!s->used)
			continue;
		s->want_up = false;
		s->restart_pending = false;
		if (s->state == SVC_STARTING || s->state == SVC_BACKOFF) {
			s->tm[SVC_TM_STATE] = 0;
			set_reason(s, "stopped");
			set_state(s, SVC_EXITED);
		}
	}
}

/* does anything still alive depend on s? */
static bool has_live_dependent(const struct svc *s)
{
	if (!s->c)
		return false;
	for (int i = 0; i < SVC_MAX; i++) {
		const struct svc *t = &svc_tab[i];

		if (t == s || !svc_alive(t) || !t->c)
			continue;
		for (int j = 0; j < t->c->ndepends; j++)
			if (!strcmp(t->c->depends[j], s->c->section))
				return true;
	}
	return false;
}

int svc_shutdown_step(void)
{
	int alive = 0;

	for (int i = 0; i < SVC_MAX; i++) {
		struct svc *s = &svc_tab[i];

		if (!svc_alive(s))
			continue;
		alive++;
		if (s->state != SVC_STOPPING && s->state != SVC_KILLING && !has_live_dependent(s))
			svc_event(s, SVC_EV_STOP, 0, NULL);
	}
	return alive;
}
