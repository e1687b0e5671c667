/* SPDX-License-Identifier: MIT */
/* The supervisor's per-container state machine (SPEC §7): a table of small actions
 * indexed by (state, event), restart policies, backoff and dependency order. Every side
 * effect (spawn, signal, freeze, clock, event stream) goes through struct svc_ops, so the
 * unit tests feed events to the real table with fake effects. */
#ifndef CABIN_SVC_H
#define CABIN_SVC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/conf.h"
#include "cabin/err.h"
#include "cabin/ring.h"
#include "cabin/spawn.h"

/* a start that found its group still being cleaned looks again after this long */
#define SVC_RETRY_MS 20

/* a removed instance may still be stopping while its replacement starts */
#define SVC_MAX (2 * CONFIG_MAX_CONTAINERS)

enum svc_state {
	SVC_DEFINED,
	SVC_STARTING, /* wants to run, waiting for its dependencies */
	SVC_RUNNING,
	SVC_STOPPING,
	SVC_EXITED,
	SVC_PAUSED,
	SVC_BACKOFF,  /* waiting to restart */
	SVC_FAILED,   /* gave up; reason says why */
	SVC_SPAWNING, /* cloned, waiting for its exec (shown as "starting") */
	SVC_KILLING,  /* stop_timeout passed: the group was killed, waiting for the reap */
	SVC_NSTATE
};

enum svc_event {
	SVC_EV_START,
	SVC_EV_STOP,
	SVC_EV_RESTART,
	SVC_EV_KILL,
	SVC_EV_PAUSE,
	SVC_EV_RESUME,
	SVC_EV_EXIT,	  /* the container init was reaped */
	SVC_EV_TIMER,	  /* its deadline passed */
	SVC_EV_DEPS,	  /* a dependency changed state: look again */
	SVC_EV_UP,	  /* the exec pipe closed: the command runs */
	SVC_EV_FAIL,	  /* the child reported a failed step (message in e) */
	SVC_EV_UNHEALTHY, /* on_unhealthy=restart: stop it, then restart it as a failure */
	SVC_NEV
};

/* SVC_TM_STATE: the wait of the current state (start deadline, stop timeout, re-kill,
 * backoff, group retry), delivered as SVC_EV_TIMER; the state says which it is. Health
 * probes and watchdog keep-alives get slots of their own beside it. */
enum svc_timer { SVC_TM_STATE, SVC_NTM };

struct svc {
	bool used;
	char name[CONF_INST_MAX + 1];
	const struct conf_ctr *c; /* in the running config; NULL once removed */
	enum svc_state state;

	bool want_up;	      /* the operator (or autostart) wants it running */
	bool manual_stop;     /* stopped by `stop`: unless-stopped stays down */
	bool restart_pending; /* start again once the stop completes */
	bool remove_pending;  /* free the slot once it is down */
	bool unhealthy_stop;  /* stopping because it is unhealthy: restart as a failure */
	bool stop_killed;     /* the stop needed SIGKILL at stop_timeout */
	bool log_mid;	      /* the ring's last line has no newline yet */
	bool log_up;	      /* a "started" mark is in the log: the exit gets one too */

	/* health (health.c keeps the probe; this is what everything else reads) */
	enum svc_health {
		SVC_HEALTH_NONE,
		SVC_HEALTH_STARTING,
		SVC_HEALTH_HEALTHY,
		SVC_HEALTH_UNHEALTHY
	} health;
	int health_fails; /* consecutive failed probes */

	pid_t pid; /* container init, 0 when none */
	struct spawn sp;
	int log_fd;	      /* read end of the stdout/stderr pipe, -1 */
	int file_fd;	      /* log=file: the file the daemon writes, -1 */
	uint64_t file_size;   /* its size, for the rotation at log_max */
	uint64_t log_dropped; /* log=file: bytes the file refused (full disk, I/O error) */
	int oom_fd;	      /* the group's OOM notification (daemon), -1 */
	long oom_seen;	      /* OOM kills already reported as events */
	int stop_signal;      /* copied at start: a removed config is gone */
	uint32_t stop_timeout_ms;

	/* Timer slots, each an absolute CLOCK_MONOTONIC time (0 = off); the daemon arms one
	 * timerfd for the earliest of all. A slot that passes delivers its event. */
	uint64_t tm[SVC_NTM];
	uint32_t kill_ms;    /* killing: the current re-kill interval */
	uint64_t started_ms; /* monotonic, last successful start */
	uint64_t since_ms;   /* monotonic, last state change */
	uint64_t spawn_us;   /* monotonic, when the last start began */
	uint32_t start_us;   /* the last start: clone to exec confirmed */
	uint32_t net_us;     /* of which the daemon's part of net=bridge (the veth pair) */
	uint32_t backoff_ms; /* last delay used, 0 = reset */
	int fails;	     /* consecutive failures (on-failure:N) */
	int restarts;	     /* automatic restarts */
	int exit_status;     /* the last run: its exit code, 128+N for signal N; -1 none */
	long oom_base;	     /* oom kills of the group at start */

	char reason[192];      /* exit:N signal:NAME oom stopped dependency ... */
	uint64_t reason_ts_ms; /* realtime */
	char last_log[256];    /* last lines of output at the last exit */

	struct ring ring;
};

/* Effects; the daemon provides the real ones, tests fakes. */
struct svc_ops {
	/* begin a start: sets s->pid; the answer comes as UP or FAIL (or EXIT). -EBUSY:
	 * the group of that name is still being cleaned, try again shortly */
	int (*spawn)(struct svc *s, struct cabin_err *e);
	void (*abort)(struct svc *s); /* SIGKILL a child that has not exec'd, drop its pipe */
	void (*signal)(struct svc *s, int sig); /* the container's init only */
	void (*kill)(struct svc *s);		/* SIGKILL the whole group, no wait */
	void (*cleanup)(struct svc *s);		/* after the init was reaped: group to gc */
	int (*freeze)(struct svc *s, bool frozen, struct cabin_err *e);
	long (*oom_kills)(struct svc *s);
	bool (*healthy)(struct svc *s); /* health hook for dependencies; may be NULL */
	void (*changed)(struct svc *s); /* state or reason changed: events, status */
	uint64_t (*now_ms)(void);	/* CLOCK_MONOTONIC */
	uint64_t (*wall_ms)(void);	/* CLOCK_REALTIME, for reasons */
};

extern struct svc svc_tab[SVC_MAX];

static inline int svc_idx(const struct svc *s)
{
	return (int)(s - svc_tab);
}

void svc_setup(const struct svc_ops *ops);
const char *svc_state_name(enum svc_state st);

struct svc *svc_find(const char *name);
/* a free slot bound to c, state defined */
struct svc *svc_add(const struct conf_ctr *c);
void svc_free(struct svc *s);

/* Feed one event. arg: the wait status for EXIT, the signal for KILL. 0 or -errno with
 * e filled (e.g. pause of a container that is not running). */
int svc_event(struct svc *s, enum svc_event ev, int arg, struct cabin_err *e);
/* Deliver the event of every timer slot that passed (SVC_TM_STATE: SVC_EV_TIMER). */
void svc_timers(void);
/* Something a dependency waits for changed outside an event (a container became
 * healthy): look at the waiting dependents again. */
void svc_deps_kick(void);
/* Earliest deadline of all, 0 if none: the daemon arms one timerfd with it. */
uint64_t svc_next_deadline(void);

/* Next backoff delay after `cur` (0 = first): delay, doubling, capped at max. */
uint32_t svc_backoff_next(uint32_t cur, uint32_t delay, uint32_t max);
/* True when every dependency of s is running (and healthy). */
bool svc_deps_ready(const struct svc *s);
/* The instances of s's i-th dependency section (depends[i]), removals excepted: start
 * with *j = -1, the next one after svc_tab[*j], NULL at the end. */
struct svc *svc_dep_next(const struct svc *s, int i, int *j);

/* Shutdown: no more restarts; stop whatever has no live dependents, in reverse
 * dependency order as they go down. Returns the number of containers still alive. */
void svc_shutdown_begin(void);
int svc_shutdown_step(void);
bool svc_alive(const struct svc *s);

#endif
