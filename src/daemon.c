// SPDX-License-Identifier: MIT
/* `cabin daemon` and init mode (placeholder until the supervisor issue). */
#include "cabin/cli.h"
#include "cabin/err.h"

int daemon_main(int argc, char **argv)
{
	fdprintf(2, "cabin daemon: not implemented yet\n");
	return EXIT_REFUSED;
}

int init_main(int argc, char **argv)
{
	fdprintf(2, "cabin init: not implemented yet\n");
	return EXIT_REFUSED;
}
