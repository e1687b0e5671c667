/* SPDX-License-Identifier: MIT */
/* Private to conf.c, confval.c and confcheck.c: the config module split along its
 * concerns (syntax, values, whole-config checks). Nothing else includes this. */
#ifndef CABIN_CONF_INT_H
#define CABIN_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cabin/conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* capabilities 0 .. CAP_CHECKPOINT_RESTORE (40) */
#define CONF_NCAPS 41
#define CONF_CAP_ALL ((1ULL << CONF_NCAPS) - 1)

/* count an error in d and hand "FILE:LINE: msg" to its report hook */
void conf_report(struct conf_diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* copy s[0..n) into c's arena, NUL-terminated; NULL when the arena is full */
const char *conf_astr(struct conf *c, const char *s, size_t n);

int conf_parse_u64(const char *s, uint64_t *out);
bool conf_hostname_ok(const char *s);
/* "HOST:CTR[/tcp|/udp]" after %i expansion into *p; NULL or why not */
const char *conf_port_parse(const char *spec, int inst, struct conf_port *p);

/* name, hostname and ports of instance i of n (confcheck.c) */
void conf_inst_setup(struct conf *c, struct conf_ctr *x, int i, int n, struct conf_diag *d);

#endif
