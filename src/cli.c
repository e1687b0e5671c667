// SPDX-License-Identifier: MIT
/* Where the config and the runtime directory are, for every mode: -c/-r, else
 * $CABIN_CONF/$CABIN_RUNDIR, else the Kconfig defaults. Kept out of main.c so the unit
 * tests link it. */
#include <stdlib.h>
#include <string.h>

#include "cabin/cli.h"
#include "generated/config.h"

const char *cli_conf_path(const char *opt)
{
	const char *env = getenv("CABIN_CONF");

	if (opt)
		return opt;
	return env && *env ? env : CONFIG_DEFAULT_CONF;
}

const char *cli_confdir_path(const char *conf)
{
	static char dir[4096];
	const char *slash;

	/* the default config uses the default directory; another config file FILE uses
	 * the cabin.d directory next to it, so a scratch setup is self-contained */
	if (!strcmp(conf, CONFIG_DEFAULT_CONF))
		return CONFIG_DEFAULT_CONF_DIR;
	slash = strrchr(conf, '/');
	if (!slash)
		return "cabin.d";
	if ((size_t)(slash - conf) + sizeof("/cabin.d") > sizeof(dir))
		return NULL;
	memcpy(dir, conf, slash - conf);
	strcpy(dir + (slash - conf), "/cabin.d");
	return dir;
}

const char *cli_rundir_path(const char *opt)
{
	const char *env = getenv("CABIN_RUNDIR");

	if (opt)
		return opt;
	return env && *env ? env : CONFIG_DEFAULT_RUNDIR;
}
