// SPDX-License-Identifier: MIT
/* tm: time one command from fork to reaped, on CLOCK_MONOTONIC, and print the elapsed
 * microseconds. With -u the child first unshares its mount namespace and detaches
 * /sys/fs/cgroup/unified (crun 1.8 refuses this hybrid layout, research/peer-bench.md),
 * which costs a few microseconds and changes nothing outside that child.
 * Exit status: the command's, so a failed run is noticed. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	int st, u = argc > 1 && !strcmp(argv[1], "-u");
	char **cmd = argv + 1 + u;
	pid_t p;

	if (!*cmd) {
		fprintf(stderr, "usage: tm [-u] CMD...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	p = fork();
	if (p == 0) {
		if (u && (unshare(CLONE_NEWNS) < 0 ||
			  mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			  umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0)) {
			perror("tm: unshare/umount");
			_exit(125);
		}
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0) {
		perror("tm");
		return 125;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld\n", (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
