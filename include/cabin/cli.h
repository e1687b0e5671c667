/* SPDX-License-Identifier: MIT */
/* Entry points of the modes, dispatched from main.c. Each returns the process exit
 * status. */
#ifndef CABIN_CLI_H
#define CABIN_CLI_H

/* Exit codes (SPEC §5; 125-127 as `cabin run`, like a shell / crun) */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	EXIT_NODAEMON = 3,
	EXIT_RUN_OWN = 125,
	EXIT_RUN_NOEXEC = 126,
	EXIT_RUN_NOTFOUND = 127,
};

/* config and runtime dir: -c/-r, else $CABIN_CONF/$CABIN_RUNDIR, else Kconfig default */
const char *cli_conf_path(const char *opt);
const char *cli_confdir_path(const char *conf);
const char *cli_rundir_path(const char *opt);

int check_main(int argc, char **argv);	/* main.c */
int run_main(int argc, char **argv);	/* run.c */
int daemon_main(int argc, char **argv); /* daemon.c */
int init_main(int argc, char **argv);	/* init.c */
int client_main(int argc, char **argv); /* client.c: every other command */

#endif
