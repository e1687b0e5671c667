/* SPDX-License-Identifier: MIT */
/* The parsed configuration: fixed tables sized by Kconfig, strings in an arena owned by
 * the struct conf. A struct conf is self-contained (no pointers outside itself), so the
 * daemon keeps two static ones: the running config and the one being loaded. */
#ifndef CABIN_CONF_H
#define CABIN_CONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/err.h"
#include "generated/config.h"

#define CONF_NAME_MAX 31 /* [a-z0-9][a-z0-9_-]{0,30} */
#define CONF_INST_MAX 40 /* name + "-" + instance number */

enum conf_net { CONF_NET_BRIDGE, CONF_NET_NONE, CONF_NET_HOST };
enum conf_restart {
	CONF_RESTART_NO,
	CONF_RESTART_ALWAYS,
	CONF_RESTART_ON_FAILURE,
	CONF_RESTART_UNLESS_STOPPED,
};
enum conf_health { CONF_HEALTH_NONE, CONF_HEALTH_EXEC, CONF_HEALTH_TCP, CONF_HEALTH_HEARTBEAT };
enum conf_unhealthy { CONF_UNHEALTHY_RESTART, CONF_UNHEALTHY_NONE, CONF_UNHEALTHY_REBOOT };
enum conf_log { CONF_LOG_RING, CONF_LOG_CONSOLE, CONF_LOG_FILE, CONF_LOG_NONE };
enum conf_cgroup { CONF_CGROUP_AUTO, CONF_CGROUP_V1, CONF_CGROUP_V2 };
enum conf_boot_loop {
	CONF_BOOTLOOP_NONE,
	CONF_BOOTLOOP_STOP,
	CONF_BOOTLOOP_HALT,
	CONF_BOOTLOOP_GOOD
};

struct conf_volume {
	const char *src; /* absolute host path */
	const char *dst; /* absolute path inside the container */
	bool ro;
};

struct conf_tmpfs {
	const char *path;
	uint64_t size; /* bytes, 0 = kernel default */
};

struct conf_port {
	uint16_t host;
	uint16_t ctr;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct conf_sysctl {
	const char *key; /* dotted, e.g. net.ipv4.ip_forward */
	const char *val;
};

/* One container instance. replicas=N sections expand into N of these (name-1 .. name-N),
 * with %i expanded in port= and hostname=. */
struct conf_ctr {
	char name[CONF_INST_MAX + 1];	 /* instance name: "web-2", or "db" */
	char section[CONF_NAME_MAX + 1]; /* section name: "web" */
	int instance;			 /* 1..replicas, 0 when replicas is 1 */
	int replicas;
	const char *file; /* where the section starts, for messages */
	int line;

	/* kind=host: a plain service of the appliance (an OTA agent, sshd): no namespaces,
	 * the host's root, still its own cgroup, limits, policy, health and dependencies;
	 * only in the config files, never created or deployed at run time */
	bool host_kind;

	/* process */
	const char *rootfs;
	const char *argv[CONFIG_MAX_ARGS + 1]; /* NULL-terminated; argc 0 = image default none */
	int argc;
	const char *env[CONFIG_MAX_ENV + 1]; /* "K=V", NULL-terminated */
	int nenv;
	const char *workdir;	   /* default "/" */
	const char *user;	   /* NULL = 0:0; "uid[:gid]" or a name */
	const char *hostname;	   /* default: the instance name */
	mode_t umask;		   /* default 022 */
	uint64_t rlimit_nofile;	   /* default 1024 */
	int stop_signal;	   /* default SIGTERM */
	uint32_t stop_timeout_ms;  /* default: global stop_timeout, else 10 s */
	uint32_t start_timeout_ms; /* exec'd by then or killed; 0 = CONFIG_START_TIMEOUT_MS */

	/* filesystem */
	bool readonly;
	struct conf_volume vol[CONFIG_MAX_MOUNTS];
	int nvol;
	struct conf_tmpfs tmpfs[CONFIG_MAX_MOUNTS];
	int ntmpfs;

	/* isolation */
	enum conf_net net;
	uint64_t cap_add;	/* bit n = capability n; the set a container gets is */
	uint64_t cap_drop;	/* (conf_cap_default() & ~cap_drop) | cap_add */
	bool no_new_privs;	/* default yes */
	bool unconfined;	/* seccomp=unconfined: no filter (default: cabin's filter) */
	uint64_t seccomp_allow; /* refused syscalls let through (bits of seccomp_lookup) */
	bool userns;
	struct conf_sysctl sysctl[CONFIG_MAX_SYSCTL];
	int nsysctl;

	/* limits (0 = not set) */
	uint64_t memory;
	uint64_t memory_high;
	uint32_t cpu_milli;  /* cpu=0.5 -> 500 */
	uint32_t cpu_weight; /* 1..10000 */
	uint32_t pids;	     /* default 256 */
	uint32_t io_weight;  /* 1..10000 */

	/* network */
	struct in_addr ip; /* network byte order; 0 = assigned from subnet */
	struct conf_port port[CONFIG_MAX_PORTS];
	int nport;
	bool isolated;

	/* supervision */
	enum conf_restart restart;
	int restart_max;			 /* on-failure:N, 0 = unlimited */
	uint32_t restart_delay_ms;		 /* 100 */
	uint32_t restart_max_delay_ms;		 /* 60000 */
	uint32_t restart_reset_ms;		 /* 10000 */
	const char *depends[CONFIG_MAX_DEPENDS]; /* section names */
	int ndepends;
	bool autostart; /* default yes */

	/* health */
	enum conf_health health;
	const char *health_argv[CONFIG_MAX_ARGS + 1]; /* exec: */
	int health_argc;
	uint16_t health_port;	     /* tcp: */
	uint32_t health_interval_ms; /* 30000 */
	uint32_t health_timeout_ms;  /* 5000 */
	uint32_t health_retries;     /* 3 */
	uint32_t health_start_ms;    /* 0 */
	enum conf_unhealthy on_unhealthy;
	bool critical;

	/* logs */
	enum conf_log log;
	const char *log_path; /* log=file:PATH */
	uint32_t log_size;    /* bytes; default global log_size, else LOG_RING_KB */
	uint32_t log_max;     /* log=file: size at which it rotates to PATH.1 (1 MiB) */

	/* raw templates, kept so conf_scale() can expand new instances; and the lines of
	 * the keys that cross-section checks report on */
	const char *hostname_spec; /* hostname= as written (with %i), NULL = default */
	int hostname_line;
	const char *port_spec[CONFIG_MAX_PORTS]; /* port= as written */
	int port_line[CONFIG_MAX_PORTS];
	bool ip_auto; /* ip= not set: address assigned from subnet */
	int ip_line;
	int depends_line[CONFIG_MAX_DEPENDS];
};

struct conf {
	/* global keys */
	const char *hostname;
	char bridge[16];	    /* default "cab0" */
	struct in_addr subnet_addr; /* bridge address; default 10.88.0.1 */
	int subnet_prefix;	    /* default 24 */
	uint8_t bridge_mac[6];
	bool bridge_mac_set;
	bool nat;
	const char *dns[4];
	const char *module[24]; /* init mode: kernel modules loaded in this order */
	int nmodule;
	int ndns;
	const char *watchdog;	      /* NULL = none */
	uint32_t watchdog_timeout_s;  /* 30 */
	uint32_t log_size;	      /* bytes */
	uint32_t log_max;	      /* log=file: rotation size, bytes */
	uint32_t stop_timeout_ms;     /* 10000 */
	uint32_t shutdown_timeout_ms; /* 30000 */
	enum conf_cgroup cgroup;
	const char *cgroup_parent;	  /* NULL = the group cabin was started in */
	enum conf_boot_loop on_boot_loop; /* default known-good */
	const char *state_dir;		  /* persistent: boot counter, known-good config; NULL: the
					   * default ($CABIN_STATE_DIR, else CONFIG_DEFAULT_LIBDIR) */
	uint32_t boot_limit;		  /* 3 boots that never became good ... */
	uint32_t boot_window_ms;	  /* ... within 10 min trip on_boot_loop */
	uint32_t good_after_ms;		  /* 5 min all healthy: the config is good */
	const char *sets_dir;		  /* config sets; NULL: state_dir/sets */
	uint32_t try_settle_ms;		  /* a trial passes after this long healthy (10 s) */
	uint32_t try_timeout_ms;	  /* ... or fails after this long (5 min) */

	struct conf_ctr ctr[CONFIG_MAX_CONTAINERS]; /* instances of a section are adjacent */
	int nctr;
	int nfiles; /* buffers parsed; global keys only in the first */
	const char *files[CONFIG_CONF_MAX_FILES]; /* their names, in order (the boot-loop
						   * memory hashes and saves them) */

	/* arena for every string above; private to conf*.c */
	size_t arena_used;
	char arena[CONFIG_CONF_ARENA_KB * 1024];
};

/* Diagnostics: every error as "FILE:LINE: message", all of them, not only the first. */
struct conf_diag {
	int nerr;
	int nwarn; /* reported with "warning: ", never an error */
	void (*report)(void *ctx, const char *file, int line, const char *msg);
	void *ctx;
};

/* Addresses across a change of config: auto-addressed bridge instances keep the ones
 * they have in old, the others take free ones; how many got none. */
int conf_keep_addresses(struct conf *c, const struct conf *old, struct conf_diag *d);

/* A warning through d->report ("warning: ..."), counted in d->nwarn, never an error. */
void conf_warn(struct conf_diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Defaults for a config with no file. */
void conf_init(struct conf *c);
/* Parse FILE and, if confdir is not NULL and exists, confdir/ *.conf in name order.
 * Returns 0 if valid, -EINVAL with d->nerr > 0 if not (c is then unusable), another
 * -errno if FILE cannot be read at all (also reported through d). */
/* a volume source (clean, absolute, resolved) that would hand a container cabin's own
 * files (the run dir, the watchdog, /dev, /proc, /sys) */
bool conf_volume_src_bad(const char *path);
int conf_load(struct conf *c, const char *file, const char *confdir, struct conf_diag *d);
/* The same, then setdir/ *.conf (a deployed config set) when setdir is not NULL. */
int conf_load_set(struct conf *c, const char *file, const char *confdir, const char *setdir,
		  struct conf_diag *d);
/* Parse one buffer as if it were file `name` (used by load, deploy, create and fuzzing).
 * Appends its sections to c; call conf_finish() after the last one. */
int conf_parse_buf(struct conf *c, const char *name, const char *buf, size_t len,
		   struct conf_diag *d);
/* Cross-section validation: dangling depends, cycles, IP and port clashes, address
 * assignment from subnet, unique instance names, derived bridge MAC. Returns -EINVAL
 * if d has counted any error so far (parse errors included), else 0. */
int conf_finish(struct conf *c, struct conf_diag *d);

/* Change the replica count of section `section` to n in place: adds or removes
 * instances (name-1 .. name-N, or the bare name when n is 1), re-expands %i, assigns
 * addresses to new instances (existing ones keep theirs) and re-validates ports and
 * addresses. On error c is left as it was. 0, -ENOENT, -ERANGE, -ENOSPC or -EINVAL. */
int conf_scale(struct conf *c, const char *section, int n, struct conf_diag *d);

/* instance by name ("web-2", "db"), NULL if none */
struct conf_ctr *conf_find(struct conf *c, const char *name);
/* capability name ("NET_ADMIN", "cap_net_admin", case-insensitive) -> number, -1 */
int conf_cap_number(const char *name);
const char *conf_cap_name(int cap);
/* s with every %i replaced by inst into buf; false when it does not fit */
bool conf_expand_i(const char *s, int inst, char *buf, size_t sz);
/* Podman's default eleven */
uint64_t conf_cap_default(void);
/* "TERM", "SIGTERM", "sigterm", "15" -> 15; -1 if unknown */
int conf_signal_number(const char *name);
/* 15 -> "TERM" (no SIG prefix); NULL if it has no name */
const char *conf_signal_name(int sig);

/* value parsers, shared with `cabin run` options; 0 or -EINVAL/-ERANGE.
 * size: digits with an optional K, M or G (1024-based); duration: one or more
 * number+unit (ms, s, m, h) like 1m30s, a bare number is seconds; bool: yes/no
 * (also true/false, on/off, 1/0); cpu: cores with at most 3 decimals as milli-cores
 * ("0.5" -> 500), -ERANGE outside 0.01..1024. */
int conf_parse_size(const char *s, uint64_t *out);
int conf_parse_duration_ms(const char *s, uint32_t *out);
int conf_parse_bool(const char *s, bool *out);
int conf_parse_cpu(const char *s, uint32_t *milli);

/* confcopy.c: run-time changes. conf_copy: dst = the globals of src and the containers
 * keep() says yes to (all when NULL), strings moved into dst's arena (which compacts it).
 * conf_import: append a copy of c (living in src) to dst. -ENOSPC when dst is full.
 * conf_ctr_changed: must an instance restart to take c2 instead of c1? (supervision keys
 * such as restart= apply without one). */
int conf_copy(struct conf *dst, const struct conf *src,
	      bool (*keep)(const struct conf_ctr *c, void *ctx), void *ctx);
int conf_import(struct conf *dst, const struct conf *src, const struct conf_ctr *c);
bool conf_ctr_changed(const struct conf_ctr *c1, const struct conf_ctr *c2);

#endif
