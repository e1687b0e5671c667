// SPDX-License-Identifier: MIT
/* Client side of the control FIFO: every command that talks to the daemon. */
#include "cabin/cli.h"
#include "cabin/err.h"

int client_main(int argc, char **argv)
{
	fdprintf(2, "cabin: unknown command '%s'\nusage: cabin <command> [args]; cabin --help lists them\n",
		 argv[0]);
	return EXIT_USAGE;
}
