// SPDX-License-Identifier: MIT
/* placeholder */
#include <errno.h>
#include "cabin/conf.h"
int conf_load(struct conf *c, const char *file, const char *confdir, struct conf_diag *d)
{
	return -ENOSYS;
}
