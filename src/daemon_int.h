/* SPDX-License-Identifier: MIT */
/* Inside the daemon: the state its files share (daemon.c owns it) and the functions they
 * call across. Not a public interface: nothing outside the daemon's files includes it. */
#ifndef CABIN_DAEMON_INT_H
#define CABIN_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cabin/cgroup.h"
#include "cabin/conf.h"
#include "cabin/ctl.h"
#include "cabin/svc.h"

/* daemon.c: the running config and the one being built, cgroups, paths, the state */
extern struct conf *cur, *nxt;
extern bool runtime_def[SVC_MAX];
extern int console_fd;
extern struct cgroup_sys cg;
extern bool have_cg;
extern const char *conf_path, *conf_dir, *rundir;
extern bool shutting;
extern int net_fd; /* NETLINK_ROUTE, -1 while the bridge is not up */
extern char filebuf[CONFIG_CONF_ARENA_KB * 1024];
void daemon_shutdown(void);
/* init mode (init.c): set before daemon_body; the action once everything is down */
enum { INIT_REBOOT, INIT_HALT, INIT_POWEROFF };
extern bool init_mode;
extern int init_action;
extern const char *init_cgroup_parent;
int daemon_body(int argc, char **argv);
void init_modules(const struct conf *c); /* init.c: module= */
void daemon_warn_unbuilt(const struct conf *c);
/* the bridge, on the first net=bridge start: netlink socket, bridge up, ownership */
int daemon_net_up(struct cabin_err *e);
/* test hooks (tests/alloc/count.c): allocations counted from startup_done on */
void daemon_startup_done(void);
long daemon_alloc_count(void);

/* stream.c */
enum sub_kind { SUB_EVENTS, SUB_LOGS, SUB_WAIT };
/* what a SUB_WAIT waits for: every instance down (exited, failed, backing off), every
 * instance up (running; a failure ends it too), the name gone, or the daemon's end */
enum wait_until { WAIT_DOWN, WAIT_UP, WAIT_GONE, WAIT_END };
void daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern unsigned long daemon_log_dropped; /* lines the console or log pipe refused */
void stream_init(void);
void stream_close_all(void);
/* the subscriber's slot, or -errno */
int stream_add(struct ctl_reply *rp, enum sub_kind kind, int svc, uint64_t pos);
void stream_drop(int i);
void stream_drop_logs(int svc);
void stream_changed(struct svc *s);
void stream_event(struct svc *s, const char *extra);
void stream_logs(struct svc *s);
/* `logs -f`: follow svc's ring from where the view stands */
int stream_logs_add(struct ctl_reply *rp, int svc, const struct ring_view *v);
/* a client waiting on NAME (an instance or a section) until `until`, deadline_ms 0 =
 * none; ended with one kv line per instance and a status, from stream_wait_tick */
int stream_wait_add(struct ctl_reply *rp, const char *name, enum wait_until until,
		    uint64_t deadline_ms);
void stream_wait_tick(uint64_t now);
uint64_t stream_next_deadline(void);

/* rundir.c */
int rundir_lock(struct cabin_err *e);
int rundir_write(const char *path, const char *data, size_t len, bool sync);
void rundir_status(const struct svc *s, const char *line, size_t n, bool gone);
void rundir_status_init(void);
void rundir_stopped_set(const struct svc *s, bool set);
bool rundir_stopped(const char *name);
void rundir_hosts_path(const char *name, char *out, size_t n);
void rundir_hosts_sync(void); /* every container's hosts file, after a change */
void rundir_hosts_write(const struct svc *s);
extern bool hosts_dirty;

/* effects.c */
extern const struct svc_ops effects_ops;
void effects_reap(void);
void effects_kill_all(void);
void effects_gc_warn(const char *name, int err, uint64_t ms);
void effects_sync_ports(void);	  /* rebuild the published ports if the set changed */
void effects_ports_changed(void); /* e.g. nat= toggled by a reload */

/* verbs.c */
void verbs_serve(struct ctl_req *r, struct ctl_reply *rp, void *ctx);
int verbs_reload(struct ctl_reply *rp);
/* reload with the config set of the moment (sets.c); changed: what it (re)starts */
int verbs_reload_set(char (*changed)[CONF_INST_MAX + 1], int *nchanged);

#endif
