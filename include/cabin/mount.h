/* SPDX-License-Identifier: MIT */
/* The container's filesystem, built in the child of spawn_start(). */
#ifndef CABIN_MOUNT_H
#define CABIN_MOUNT_H

#include "cabin/conf.h"
#include "cabin/err.h"

/* In a fresh mount namespace: private propagation, the rootfs bound on itself, /proc,
 * /sys, /dev, volumes, tmpfs, /etc/{hostname,hosts,resolv.conf}, pivot_root, old root
 * detached, read-only root if asked. Every path inside the rootfs is resolved in it. */
/* hosts_fd: an O_PATH fd of a host file to bind read-only over /etc/hosts (the daemon's,
 * kept up to date), or -1 */
int mount_rootfs(const struct conf_ctr *c, const struct conf *g, int hosts_fd, struct cabin_err *e);
/* After sysctls are written: masked and read-only paths of /proc and /sys. */
int mount_finish(const struct conf_ctr *c, struct cabin_err *e);
/* Open path (relative, or absolute meaning relative to rootfd) inside rootfd, never
 * leaving it: symlinks are resolved as if rootfd were "/". With create, missing
 * directories are made (0755) and a missing last component is made a directory
 * (dir=true) or an empty file. Returns an O_PATH fd or -errno. */
int mount_open_in_root(int rootfd, const char *path, bool create, bool dir);
/* path in the root of a running process (its /proc/PID/root: a container's), resolved
 * in it with no symlink followed and never leaving it; flags as open(2) (O_CLOEXEC
 * added). The fd, or -errno. */
int mount_open_in_pid(pid_t pid, const char *path, int flags);

#endif
