/* SPDX-License-Identifier: MIT */
/* Bridge networking (SPEC §8) through rtnetlink, in fixed buffers: the bridge, a veth
 * pair per net=bridge container, the container's eth0 address and default route. With
 * CONFIG_NET off every call fails with -EOPNOTSUPP and net=bridge containers cannot
 * start. */
#ifndef CABIN_NET_H
#define CABIN_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/conf.h"
#include "cabin/err.h"

#define NET_IFNAME_MAX 15

/* Host-side veth name of a container, deterministic, at most 15 characters: "cb-" and
 * the instance name, or when that is too long its first 6 characters, '-' and a hash. */
void net_host_ifname(const char *ctr, char out[NET_IFNAME_MAX + 1]);

/* Make sure the bridge of g exists (created if missing: *created set), is a bridge, has
 * the fixed MAC and g's subnet address, accept_ra=0, and is up. A link of that name that
 * is not a bridge is an error. fd: a NETLINK_ROUTE socket from net_open(). */
int net_open(struct cabin_err *e);
/* bring lo up in the current network namespace */
int net_lo_up(struct cabin_err *e);
int net_bridge_up(int fd, const struct conf *g, bool *created, struct cabin_err *e);
int net_bridge_down(int fd, const struct conf *g);

/* The veth pair of a container: host end `host` on the bridge and up, the other end
 * named eth0 inside the network namespace of pid, with a MAC derived from ip (stable
 * across restarts). A leftover link of the same name (a crashed instance) is removed
 * first. */
int net_veth_add(int fd, const struct conf *g, const char *host, pid_t pid, struct in_addr ip,
		 struct cabin_err *e);
/* Remove a link by name; a missing one is not an error. */
int net_link_del(int fd, const char *name);

/* Inside the container (its own network namespace, still root): eth0 gets ip/prefix,
 * goes up, and the default route points at gw. */
int net_ctr_setup(struct in_addr ip, int prefix, struct in_addr gw, struct cabin_err *e);

/* Byte counters of a link (the host-side veth: rx is what the container sent). */
int net_link_stats(int fd, const char *name, uint64_t *rx, uint64_t *tx);

#endif
