// SPDX-License-Identifier: MIT
/* The supervisor's state machine fed events with fake effects: restart policies,
 * backoff arithmetic, restart_reset, stop timeout, dependency order on start and stop. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cabin/svc.h"

#define EXITED(n) ((n) << 8)
#define KILLED(s) (s)

static uint64_t now = 1000;
static int spawn_fail;		/* errno to fail the next spawns with */
static char log_[1024];		/* "spawn:db spawn:web sig:web:15 kill:web ..." */
static pid_t next_pid = 100;
static bool hold_spawn; /* leave a start in SPAWNING (see settle()) */
static int ebusy;	/* op_spawn's "group still being cleaned", this many times */

static void note(const char *fmt, ...)
{
	size_t n = strlen(log_);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_ + n, sizeof(log_) - n, fmt, ap);
	va_end(ap);
}

static int f_spawn(struct svc *s, struct cabin_err *e)
{
	note("spawn:%s ", s->name);
	if (ebusy) {
		ebusy--;
		return -EBUSY;
	}
	if (spawn_fail)
		return err_set(e, spawn_fail, "pivot_root");
	s->pid = next_pid++;
	return 0;
}
static void f_signal(struct svc *s, int sig)
{
	note("sig:%s:%d ", s->name, sig);
}
static void f_kill(struct svc *s)
{
	note("kill:%s ", s->name);
}
static void f_cleanup(struct svc *s)
{
}
static void f_abort(struct svc *s)
{
	note("abort:%s ", s->name);
}
static int f_freeze(struct svc *s, bool frozen, struct cabin_err *e)
{
	note("%s:%s ", frozen ? "freeze" : "thaw", s->name);
	return 0;
}
static long oom;
static long f_oom(struct svc *s)
{
	return oom;
}
static uint64_t f_now(void)
{
	return now;
}

static const struct svc_ops ops = {
	.spawn = f_spawn, .abort = f_abort, .signal = f_signal, .kill = f_kill, .cleanup = f_cleanup,
	.freeze = f_freeze, .oom_kills = f_oom, .now_ms = f_now, .wall_ms = f_now,
};

/* The exec pipe of a real start answers later; here it answers at once (UP) after every
 * event, unless a test holds it to look at `starting` (SPAWNING) itself. */

static void settle(void)
{
	/* an UP can start a dependent anywhere in the table: again until none is left */
	for (bool again = true; again && !hold_spawn;) {
		again = false;
		for (int i = 0; i < SVC_MAX; i++)
			if (svc_tab[i].used && svc_tab[i].state == SVC_SPAWNING) {
				svc_event(&svc_tab[i], SVC_EV_UP, 0, NULL);
				again = true;
			}
	}
}
static int ev_settled(struct svc *s, enum svc_event ev, int arg, struct cabin_err *e)
{
	int r = svc_event(s, ev, arg, e);

	settle();
	return r;
}
static void timers_settled(void)
{
	svc_timers();
	settle();
}
#define svc_event ev_settled
#define svc_timers timers_settled

static struct conf_ctr ctr[4];

static struct conf_ctr *mk(int i, const char *name, enum conf_restart pol, int max)
{
	struct conf_ctr *c = &ctr[i];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->section, sizeof(c->section), "%s", name);
	c->restart = pol;
	c->restart_max = max;
	c->restart_delay_ms = 100;
	c->restart_max_delay_ms = 1000;
	c->restart_reset_ms = 10000;
	c->stop_signal = SIGTERM;
	c->stop_timeout_ms = 500;
	c->autostart = true;
	return c;
}

static int setup(void **st)
{
	memset(svc_tab, 0, sizeof(svc_tab));
	now = 1000;
	spawn_fail = 0;
	hold_spawn = false;
	ebusy = 0;
	log_[0] = 0;
	svc_setup(&ops);
	return 0;
}

static struct svc *started(struct conf_ctr *c)
{
	struct svc *s = svc_add(c);

	assert_non_null(s);
	assert_int_equal(svc_event(s, SVC_EV_START, 0, NULL), 0);
	return s;
}

static void backoff_math(void **st)
{
	uint32_t d = 0;
	const uint32_t want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
				  60000, 60000 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = svc_backoff_next(d, 100, 60000);
		assert_int_equal(d, want[i]);
	}
	assert_int_equal(svc_backoff_next(0, 5000, 1000), 1000);	/* cap wins */
	assert_int_equal(svc_backoff_next(0xf0000000u, 100, 0), 0xffffffffu & (0xf0000000ull * 2));
}

static void always_backs_off_and_resets(void **st)
{
	struct svc *s = started(mk(0, "web", CONF_RESTART_ALWAYS, 0));
	uint32_t want[] = { 100, 200, 400, 800, 1000, 1000 };

	assert_int_equal(s->state, SVC_RUNNING);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		now += 10;
		svc_event(s, SVC_EV_EXIT, EXITED(1), NULL);
		assert_int_equal(s->state, SVC_BACKOFF);
		assert_string_equal(s->reason, "exit:1");
		assert_int_equal(s->tm[SVC_TM_STATE] - now, want[i]);
		assert_int_equal(svc_next_deadline(), s->tm[SVC_TM_STATE]);
		now = s->tm[SVC_TM_STATE] - 1;
		svc_timers();
		assert_int_equal(s->state, SVC_BACKOFF);	/* not before its time */
		now++;
		svc_timers();
		assert_int_equal(s->state, SVC_RUNNING);
		assert_int_equal(s->restarts, (int)i + 1);
	}
	/* stable for restart_reset: the next failure starts again from restart_delay */
	now += 10000;
	svc_event(s, SVC_EV_EXIT, KILLED(SIGSEGV), NULL);
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_int_equal(s->tm[SVC_TM_STATE] - now, 100);
	assert_memory_equal(s->reason, "signal:", 7);
}

static void on_failure_looks_at_status(void **st)
{
	struct svc *a = started(mk(0, "a", CONF_RESTART_ON_FAILURE, 0));
	struct svc *b = started(mk(1, "b", CONF_RESTART_ON_FAILURE, 0));

	svc_event(a, SVC_EV_EXIT, EXITED(0), NULL);
	assert_int_equal(a->state, SVC_EXITED);
	assert_string_equal(a->reason, "exit:0");
	svc_event(b, SVC_EV_EXIT, EXITED(1), NULL);
	assert_int_equal(b->state, SVC_BACKOFF);
}

/* on_unhealthy=restart: stop with the stop signal, then restart as a failure under the
 * restart budget, even with restart=no; a manual stop meanwhile wins */
static void unhealthy_restarts(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_NO, 0));

	svc_event(s, SVC_EV_UNHEALTHY, 0, NULL);
	assert_int_equal(s->state, SVC_STOPPING);
	assert_string_equal(s->reason, "unhealthy");
	svc_event(s, SVC_EV_EXIT, 15, NULL);
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_string_equal(s->reason, "unhealthy");
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_RUNNING);
	assert_int_equal(s->restarts, 1);
	svc_event(s, SVC_EV_UNHEALTHY, 0, NULL);
	svc_event(s, SVC_EV_STOP, 0, NULL);
	svc_event(s, SVC_EV_EXIT, 15, NULL);
	assert_int_equal(s->state, SVC_EXITED);
	/* a paused container is never judged */
	s = started(mk(1, "b", CONF_RESTART_ALWAYS, 0));
	svc_event(s, SVC_EV_PAUSE, 0, NULL);
	svc_event(s, SVC_EV_UNHEALTHY, 0, NULL);
	assert_int_equal(s->state, SVC_PAUSED);
}

static void on_failure_gives_up(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_ON_FAILURE, 2));

	for (int i = 0; i < 2; i++) {
		svc_event(s, SVC_EV_EXIT, EXITED(3), NULL);
		assert_int_equal(s->state, SVC_BACKOFF);
		now = s->tm[SVC_TM_STATE];
		svc_timers();
		assert_int_equal(s->state, SVC_RUNNING);
	}
	svc_event(s, SVC_EV_EXIT, EXITED(3), NULL);
	assert_int_equal(s->state, SVC_FAILED);	/* never silently stopped */
	assert_non_null(strstr(s->reason, "exit:3"));
	assert_non_null(strstr(s->reason, "gave up after 2 restarts"));
	/* start resets the budget */
	svc_event(s, SVC_EV_START, 0, NULL);
	assert_int_equal(s->state, SVC_RUNNING);
	assert_int_equal(s->fails, 0);
}

static void restart_no(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_NO, 0));

	svc_event(s, SVC_EV_EXIT, EXITED(1), NULL);
	assert_int_equal(s->state, SVC_EXITED);
	assert_string_equal(s->reason, "exit:1");
	assert_int_equal(svc_next_deadline(), 0);
}

static void stop_then_kill_after_timeout(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_ALWAYS, 0));

	log_[0] = 0;
	svc_event(s, SVC_EV_STOP, 0, NULL);
	assert_int_equal(s->state, SVC_STOPPING);
	assert_string_equal(log_, "sig:a:15 ");
	now += 499;
	svc_timers();
	assert_string_equal(log_, "sig:a:15 ");
	now += 1;
	svc_timers();
	assert_string_equal(log_, "sig:a:15 kill:a ");
	svc_event(s, SVC_EV_EXIT, KILLED(SIGKILL), NULL);
	assert_int_equal(s->state, SVC_EXITED);	/* always, but asked to stop */
	assert_string_equal(s->reason, "stopped:killed");
	assert_int_equal(svc_next_deadline(), 0);
}

static void restart_from_any_state(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_NO, 0));
	pid_t p = s->pid;

	svc_event(s, SVC_EV_RESTART, 0, NULL);
	assert_int_equal(s->state, SVC_STOPPING);
	svc_event(s, SVC_EV_EXIT, KILLED(SIGTERM), NULL);
	assert_int_equal(s->state, SVC_RUNNING);
	assert_int_not_equal(s->pid, p);
	/* paused: thawed, stopped, started */
	svc_event(s, SVC_EV_PAUSE, 0, NULL);
	assert_int_equal(s->state, SVC_PAUSED);
	svc_event(s, SVC_EV_RESTART, 0, NULL);
	assert_int_equal(s->state, SVC_STOPPING);
	svc_event(s, SVC_EV_EXIT, KILLED(SIGTERM), NULL);
	assert_int_equal(s->state, SVC_RUNNING);
	/* exited, failed, backoff: straight to running */
	svc_event(s, SVC_EV_EXIT, EXITED(1), NULL);
	assert_int_equal(s->state, SVC_EXITED);
	svc_event(s, SVC_EV_RESTART, 0, NULL);
	assert_int_equal(s->state, SVC_RUNNING);
	spawn_fail = ENOENT;
	svc_event(s, SVC_EV_RESTART, 0, NULL);
	svc_event(s, SVC_EV_EXIT, KILLED(SIGTERM), NULL);
	assert_int_equal(s->state, SVC_FAILED);
	assert_memory_equal(s->reason, "start-failed:pivot_root", 23);
	spawn_fail = 0;
	svc_event(s, SVC_EV_RESTART, 0, NULL);
	assert_int_equal(s->state, SVC_RUNNING);
}

static void start_failure_backs_off(void **st)
{
	struct svc *s;

	spawn_fail = EACCES;
	s = started(mk(0, "a", CONF_RESTART_ALWAYS, 0));
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_memory_equal(s->reason, "start-failed:", 13);
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_int_equal(s->backoff_ms, 200);
	spawn_fail = 0;
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_RUNNING);
	/* stop during backoff cancels it */
	svc_event(s, SVC_EV_EXIT, EXITED(1), NULL);
	svc_event(s, SVC_EV_STOP, 0, NULL);
	assert_int_equal(s->state, SVC_EXITED);
	assert_int_equal(svc_next_deadline(), 0);
}

static void pause_resume_kill_refusals(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_NO, 0));
	struct cabin_err e = { 0 };

	/* resume of a running container: a no-op, like a second pause */
	assert_int_equal(svc_event(s, SVC_EV_RESUME, 0, &e), 0);
	assert_int_equal(s->state, SVC_RUNNING);
	assert_int_equal(svc_event(s, SVC_EV_PAUSE, 0, &e), 0);
	assert_int_equal(s->state, SVC_PAUSED);
	assert_int_equal(svc_event(s, SVC_EV_RESUME, 0, &e), 0);
	assert_int_equal(s->state, SVC_RUNNING);
	log_[0] = 0;
	assert_int_equal(svc_event(s, SVC_EV_KILL, SIGUSR1, &e), 0);
	assert_string_equal(log_, "sig:a:10 ");
	svc_event(s, SVC_EV_EXIT, EXITED(0), NULL);
	assert_int_equal(svc_event(s, SVC_EV_PAUSE, 0, &e), -EINVAL);
	assert_string_equal(e.msg, "a is exited");
	assert_int_equal(svc_event(s, SVC_EV_KILL, 9, &e), -EINVAL);
}

static void stop_paused_thaws_first(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_ALWAYS, 0));

	svc_event(s, SVC_EV_PAUSE, 0, NULL);
	log_[0] = 0;
	svc_event(s, SVC_EV_STOP, 0, NULL);
	/* a frozen task cannot act on its stop signal */
	assert_string_equal(log_, "thaw:a sig:a:15 ");
	assert_int_equal(s->state, SVC_STOPPING);
	/* start while stopping: runs again once the stop completes */
	svc_event(s, SVC_EV_START, 0, NULL);
	assert_int_equal(s->state, SVC_STOPPING);
	svc_event(s, SVC_EV_EXIT, KILLED(SIGTERM), NULL);
	assert_int_equal(s->state, SVC_RUNNING);
}

static void oom_is_the_reason(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_NO, 0));

	oom = 1;
	svc_event(s, SVC_EV_EXIT, KILLED(SIGKILL), NULL);
	oom = 0;
	assert_int_equal(s->state, SVC_EXITED);
	assert_string_equal(s->reason, "oom");
	assert_true(s->reason_ts_ms > 0);
}

static void dependency_order(void **st)
{
	struct conf_ctr *db = mk(0, "db", CONF_RESTART_ALWAYS, 0);
	struct conf_ctr *web = mk(1, "web", CONF_RESTART_ALWAYS, 0);
	struct conf_ctr *lb = mk(2, "lb", CONF_RESTART_ALWAYS, 0);
	struct svc *sdb, *sweb, *slb;

	web->depends[web->ndepends++] = "db";
	lb->depends[lb->ndepends++] = "web";
	slb = svc_add(lb);
	sweb = svc_add(web);
	sdb = svc_add(db);
	/* starting the top starts its dependencies first */
	svc_event(slb, SVC_EV_START, 0, NULL);
	assert_string_equal(log_, "spawn:db spawn:web spawn:lb ");
	assert_int_equal(sdb->state, SVC_RUNNING);
	assert_int_equal(sweb->state, SVC_RUNNING);
	assert_int_equal(slb->state, SVC_RUNNING);

	/* shutdown: reverse order, one layer at a time */
	log_[0] = 0;
	svc_shutdown_begin();
	assert_int_equal(svc_shutdown_step(), 3);
	assert_string_equal(log_, "sig:lb:15 ");
	svc_event(slb, SVC_EV_EXIT, EXITED(0), NULL);
	assert_int_equal(slb->state, SVC_EXITED);	/* no restart while shutting down */
	svc_shutdown_step();
	assert_string_equal(log_, "sig:lb:15 sig:web:15 ");
	svc_event(sweb, SVC_EV_EXIT, EXITED(0), NULL);
	svc_shutdown_step();
	assert_string_equal(log_, "sig:lb:15 sig:web:15 sig:db:15 ");
	svc_event(sdb, SVC_EV_EXIT, EXITED(0), NULL);
	assert_int_equal(svc_shutdown_step(), 0);
}

static void dependency_waits_and_fails(void **st)
{
	struct conf_ctr *db = mk(0, "db", CONF_RESTART_NO, 0);
	struct conf_ctr *web = mk(1, "web", CONF_RESTART_ALWAYS, 0);
	struct svc *sdb, *sweb;

	web->depends[web->ndepends++] = "db";
	sdb = svc_add(db);
	sweb = svc_add(web);
	spawn_fail = EIO;
	svc_event(sweb, SVC_EV_START, 0, NULL);
	/* db failed to start (restart=no): web cannot start and says why */
	assert_int_equal(sdb->state, SVC_FAILED);
	assert_int_equal(sweb->state, SVC_FAILED);
	assert_string_equal(sweb->reason, "dependency: db failed");
	spawn_fail = 0;
	/* db stopped by hand: web waits in `starting` until db runs */
	sdb->manual_stop = true;
	sdb->state = SVC_EXITED;
	svc_event(sweb, SVC_EV_START, 0, NULL);
	assert_int_equal(sweb->state, SVC_STARTING);
	assert_int_equal(sweb->pid, 0);
	svc_event(sdb, SVC_EV_START, 0, NULL);
	assert_int_equal(sdb->state, SVC_RUNNING);
	assert_int_equal(sweb->state, SVC_RUNNING);
}

static void removed_instance_frees_slot(void **st)
{
	struct svc *s = started(mk(0, "a", CONF_RESTART_ALWAYS, 0));

	s->remove_pending = true;
	s->c = NULL;
	svc_event(s, SVC_EV_STOP, 0, NULL);
	assert_true(s->used);
	svc_event(s, SVC_EV_EXIT, EXITED(0), NULL);
	assert_false(s->used);
	assert_null(svc_find("a"));
}

/* the start in two halves: `starting` until the exec pipe answers, with a deadline */
static void spawn_halves(void **st)
{
	struct svc *s;
	struct cabin_err e = { 0 };

	hold_spawn = true;
	s = started(mk(0, "db", CONF_RESTART_ON_FAILURE, 0));
	assert_int_equal(s->state, SVC_SPAWNING);
	assert_string_equal(svc_state_name(s->state), "starting");
	assert_true(svc_alive(s));
	assert_int_equal(s->tm[SVC_TM_STATE], now + CONFIG_START_TIMEOUT_MS);
	/* the child reports a failed step: start-failed with that step, backoff */
	snprintf(e.msg, sizeof(e.msg), "mount: /data: Permission denied");
	svc_event(s, SVC_EV_FAIL, 0, &e);
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_string_equal(s->reason, "start-failed:mount: /data: Permission denied");
	assert_int_equal(s->pid, 0);
	assert_non_null(strstr(log_, "abort:db"));
	/* the next try never reaches exec: start-timeout at the deadline */
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_SPAWNING);
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_BACKOFF);
	assert_string_equal(s->reason, "start-timeout");
	/* the exec answered: running */
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	svc_event(s, SVC_EV_UP, 0, NULL);
	assert_int_equal(s->state, SVC_RUNNING);
	assert_int_equal(s->tm[SVC_TM_STATE], 0);
}

/* the child dies before exec, and a stop comes while starting */
static void spawn_died_and_stopped(void **st)
{
	struct svc *s;

	hold_spawn = true;
	s = started(mk(0, "db", CONF_RESTART_NO, 0));
	svc_event(s, SVC_EV_EXIT, KILLED(SIGKILL), NULL);
	assert_int_equal(s->state, SVC_FAILED);
	assert_string_equal(s->reason, "start-failed:start: child died before exec");
	svc_event(s, SVC_EV_START, 0, NULL);
	assert_int_equal(s->state, SVC_SPAWNING);
	log_[0] = 0;
	svc_event(s, SVC_EV_STOP, 0, NULL);
	assert_int_equal(s->state, SVC_KILLING);
	assert_non_null(strstr(log_, "abort:db"));
	/* re-killed on a timer until the reap comes */
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_non_null(strstr(log_, "kill:db"));
	assert_int_equal(s->state, SVC_KILLING);
	svc_event(s, SVC_EV_EXIT, KILLED(SIGKILL), NULL);
	assert_int_equal(s->state, SVC_EXITED);
	assert_string_equal(s->reason, "stopped");
}

/* a group still being cleaned: `starting`, retried shortly, never a failure */
static void spawn_waits_for_group(void **st)
{
	struct svc *s;

	ebusy = 2;
	s = started(mk(0, "db", CONF_RESTART_NO, 0));
	assert_int_equal(s->state, SVC_STARTING);
	assert_int_equal(s->tm[SVC_TM_STATE], now + SVC_RETRY_MS);
	now += SVC_RETRY_MS;
	svc_timers();
	assert_int_equal(s->state, SVC_STARTING);
	now += SVC_RETRY_MS;
	svc_timers();
	assert_int_equal(s->state, SVC_RUNNING);
	assert_string_equal(log_, "spawn:db spawn:db spawn:db ");
}

/* stop_timeout: SIGKILL the group, `killing`, again on a timer, done at the reap */
static void killing_until_reaped(void **st)
{
	struct svc *s = started(mk(0, "db", CONF_RESTART_NO, 0));

	svc_event(s, SVC_EV_STOP, 0, NULL);
	now = s->tm[SVC_TM_STATE];
	svc_timers();
	assert_int_equal(s->state, SVC_KILLING);
	assert_string_equal(svc_state_name(s->state), "killing");
	now = s->tm[SVC_TM_STATE];
	log_[0] = 0;
	svc_timers();
	assert_string_equal(log_, "kill:db ");
	svc_event(s, SVC_EV_EXIT, KILLED(SIGKILL), NULL);
	assert_int_equal(s->state, SVC_EXITED);
	assert_string_equal(s->reason, "stopped:killed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(backoff_math, setup),
		cmocka_unit_test_setup(always_backs_off_and_resets, setup),
		cmocka_unit_test_setup(on_failure_looks_at_status, setup),
		cmocka_unit_test_setup(on_failure_gives_up, setup),
		cmocka_unit_test_setup(unhealthy_restarts, setup),
		cmocka_unit_test_setup(restart_no, setup),
		cmocka_unit_test_setup(stop_then_kill_after_timeout, setup),
		cmocka_unit_test_setup(restart_from_any_state, setup),
		cmocka_unit_test_setup(start_failure_backs_off, setup),
		cmocka_unit_test_setup(pause_resume_kill_refusals, setup),
		cmocka_unit_test_setup(stop_paused_thaws_first, setup),
		cmocka_unit_test_setup(oom_is_the_reason, setup),
		cmocka_unit_test_setup(dependency_order, setup),
		cmocka_unit_test_setup(dependency_waits_and_fails, setup),
		cmocka_unit_test_setup(removed_instance_frees_slot, setup),
		cmocka_unit_test_setup(spawn_halves, setup),
		cmocka_unit_test_setup(spawn_died_and_stopped, setup),
		cmocka_unit_test_setup(spawn_waits_for_group, setup),
		cmocka_unit_test_setup(killing_until_reaped, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
