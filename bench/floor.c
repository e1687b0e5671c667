// SPDX-License-Identifier: MIT
/* floor: the least a container start can cost. clone() a child into new pid, mount, uts,
 * ipc and net namespaces and exec the given program there: no rootfs, no pivot_root, no
 * cgroup, no id mapping. The parent waits and exits with the child's status, so bench/tm
 * times it like any other launcher. Run it only inside a mount namespace of its own
 * (bench/start.sh runs everything under unshare); it mounts nothing itself. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg)
{
	char **cmd = arg;

	execvp(cmd[0], cmd);
	perror(cmd[0]);
	return 127;
}

int main(int argc, char **argv)
{
	int st;
	pid_t p;

	if (argc < 2) {
		fprintf(stderr, "usage: floor CMD...\n");
		return 2;
	}
	p = clone(child, stack + sizeof(stack),
		  CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD,
		  argv + 1);
	if (p < 0) {
		perror("floor: clone");
		return 125;
	}
	if (waitpid(p, &st, 0) < 0) {
		perror("floor: waitpid");
		return 125;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
