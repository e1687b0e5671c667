// SPDX-License-Identifier: MIT
/* Copying and comparing configs for run-time changes: a container's strings moved into
 * another config's arena (compacting it), and the test whether an instance must restart
 * to take a new definition. Every string of struct conf_ctr is listed once, in
 * ctr_strs(); tests/unit/test_conf.c fails if a pointer escapes the copy. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cabin/conf.h"

#define MAX_STRS                                                                               \
	(6 + 2 * CONFIG_MAX_ARGS + CONFIG_MAX_PORTS + CONFIG_MAX_ENV + 3 * CONFIG_MAX_MOUNTS + \
	 2 * CONFIG_MAX_SYSCTL + CONFIG_MAX_DEPENDS + 8)

/* every string pointer of a container, in a fixed order */
static int ctr_strs(struct conf_ctr *c, const char **out[], int max)
{
	int n = 0;
#define P(x)                             \
	do {                             \
		if (n < max)             \
			out[n++] = &(x); \
	} while (0)
	P(c->file);
	P(c->rootfs);
	for (int i = 0; i < c->argc; i++)
		P(c->argv[i]);
	for (int i = 0; i < c->nenv; i++)
		P(c->env[i]);
	P(c->workdir);
	P(c->user);
	P(c->hostname);
	for (int i = 0; i < c->nvol; i++) {
		P(c->vol[i].src);
		P(c->vol[i].dst);
	}
	for (int i = 0; i < c->ntmpfs; i++)
		P(c->tmpfs[i].path);
	for (int i = 0; i < c->nsysctl; i++) {
		P(c->sysctl[i].key);
		P(c->sysctl[i].val);
	}
	for (int i = 0; i < c->ndepends; i++)
		P(c->depends[i]);
	for (int i = 0; i < c->health_argc; i++)
		P(c->health_argv[i]);
	P(c->log_path);
	P(c->hostname_spec);
	for (int i = 0; i < c->nport; i++)
		P(c->port_spec[i]);
#undef P
	return n;
}

/* copy a string into dst's arena; literals (defaults) are kept as they are */
static int arena_put(struct conf *dst, const struct conf *src, const char **p)
{
	size_t n;

	if (!*p || *p < src->arena || *p >= src->arena + sizeof(src->arena))
		return 0;
	n = strlen(*p) + 1;
	if (dst->arena_used + n > sizeof(dst->arena))
		return -ENOSPC;
	memcpy(dst->arena + dst->arena_used, *p, n);
	*p = dst->arena + dst->arena_used;
	dst->arena_used += n;
	return 0;
}

/* append a copy of container c (living in src) to dst */
int conf_import(struct conf *dst, const struct conf *src, const struct conf_ctr *c)
{
	const char **strs[MAX_STRS];
	struct conf_ctr *d;
	int n;

	if (dst->nctr >= CONFIG_MAX_CONTAINERS)
		return -ENOSPC;
	d = &dst->ctr[dst->nctr];
	memcpy(d, c, sizeof(*d));
	n = ctr_strs(d, strs, MAX_STRS);
	for (int i = 0; i < n; i++)
		if (arena_put(dst, src, strs[i]) < 0)
			return -ENOSPC;
	dst->nctr++;
	return 0;
}

/* dst = the globals of src and the containers for which keep() is true */
int conf_copy(struct conf *dst, const struct conf *src,
	      bool (*keep)(const struct conf_ctr *c, void *ctx), void *ctx)
{
	memcpy(dst, src, offsetof(struct conf, ctr));
	dst->nctr = 0;
	dst->arena_used = 0;
	if (arena_put(dst, src, &dst->hostname) < 0 || arena_put(dst, src, &dst->watchdog) < 0 ||
	    arena_put(dst, src, &dst->cgroup_parent) < 0)
		return -ENOSPC;
	for (int i = 0; i < dst->ndns; i++)
		if (arena_put(dst, src, &dst->dns[i]) < 0)
			return -ENOSPC;
	for (int i = 0; i < src->nctr; i++)
		if ((!keep || keep(&src->ctr[i], ctx)) && conf_import(dst, src, &src->ctr[i]) < 0)
			return -ENOSPC;
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Does the instance need a restart to take c2? Supervision keys (restart policy,
 * delays, autostart, health) apply without one; everything the process was started
 * with does not. */
bool conf_ctr_changed(const struct conf_ctr *c1, const struct conf_ctr *c2)
{
	static struct conf_ctr a, b; /* big: not on the stack */
	const char **sa[MAX_STRS], **sb[MAX_STRS];
	int na, nb;

	memcpy(&a, c1, sizeof(a));
	memcpy(&b, c2, sizeof(b));
	na = ctr_strs(&a, sa, MAX_STRS);
	nb = ctr_strs(&b, sb, MAX_STRS);
	if (na != nb)
		return true;
	for (int i = 0; i < na; i++) {
		if (i == 0) /* file: where it was written does not matter */
			continue;
		if (!str_eq(*sa[i], *sb[i]))
			return true;
		*sa[i] = *sb[i] = NULL;
	}
	a.file = b.file = NULL;
	a.line = b.line = 0;
	/* where keys were written, and how an address was chosen, is not config */
	a.hostname_line = b.hostname_line = 0;
	a.ip_line = b.ip_line = 0;
	a.ip_auto = b.ip_auto;
	memset(a.port_line, 0, sizeof(a.port_line));
	memset(b.port_line, 0, sizeof(b.port_line));
	memset(a.depends_line, 0, sizeof(a.depends_line));
	memset(b.depends_line, 0, sizeof(b.depends_line));
	a.restart = b.restart;
	a.restart_max = b.restart_max;
	a.restart_delay_ms = b.restart_delay_ms;
	a.restart_max_delay_ms = b.restart_max_delay_ms;
	a.restart_reset_ms = b.restart_reset_ms;
	a.autostart = b.autostart;
	a.critical = b.critical;
	/* how many siblings an instance has is not its own config: a scale leaves the
	 * running ones alone */
	a.replicas = b.replicas;
	a.on_unhealthy = b.on_unhealthy;
	return memcmp(&a, &b, sizeof(a)) != 0;
}
