// SPDX-License-Identifier: MIT
/* `cabin run`: one container in the foreground (placeholder until the container issue). */
#include "cabin/cli.h"
#include "cabin/err.h"

int run_main(int argc, char **argv)
{
	fdprintf(2, "cabin run: not implemented yet\n");
	return EXIT_RUN_OWN;
}
