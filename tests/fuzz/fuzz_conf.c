// SPDX-License-Identifier: MIT
/* Fuzz the config parser: any bytes into conf_parse_buf + conf_finish on a static
 * struct conf, then a conf_scale of the first section when the config was valid, and
 * invariants on the result (a crash, a sanitizer report or a broken invariant is a
 * finding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cabin/conf.h"

static struct conf c;

static void in_arena(const char *s)
{
	if (s && (s < c.arena || s >= c.arena + c.arena_used))
		abort();
}

static void check(void)
{
	int i, j;

	if (c.nctr < 0 || c.nctr > CONFIG_MAX_CONTAINERS || c.arena_used > sizeof(c.arena))
		abort();
	for (i = 0; i < c.nctr; i++) {
		struct conf_ctr *x = &c.ctr[i];

		if (!x->name[0] || !x->rootfs || x->argc < 1 || x->argv[x->argc])
			abort();
		in_arena(x->rootfs);
		in_arena(x->hostname);
		for (j = 0; j < x->argc; j++)
			in_arena(x->argv[j]);
		for (j = 0; j < x->nenv; j++)
			in_arena(x->env[j]);
		for (j = 0; j < x->nport; j++)
			if (!x->port[j].host || !x->port[j].ctr)
				abort();
		if (x->net == CONF_NET_BRIDGE && !x->ip.s_addr)
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(c.ctr[j].name, x->name))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diag d = { 0 };
	char sec[CONF_NAME_MAX + 1];

	conf_init(&c);
	conf_parse_buf(&c, "fuzz.conf", (const char *)data, size, &d);
	if (conf_finish(&c, &d) || d.nerr)
		return 0;
	check();
	if (c.nctr) {
		/* scale the first section up and back down; the table stays consistent */
		memcpy(sec, c.ctr[0].section, sizeof(sec));
		d.nerr = 0;
		conf_scale(&c, sec, 1 + size % 5, &d);
		check();
		d.nerr = 0;
		conf_scale(&c, sec, 1, &d);
		check();
	}
	return 0;
}
