/* SPDX-License-Identifier: MIT */
/* Published ports and NAT (SPEC §8) in one nftables table of cabin's own ("ip cabin"),
 * spoken over nfnetlink in fixed buffers: no nft or iptables binary on the device. */
#ifndef CABIN_PORTFWD_H
#define CABIN_PORTFWD_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "cabin/conf.h"
#include "cabin/err.h"

struct portfwd {
	struct in_addr ip; /* the container's address */
	uint16_t host, ctr;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
};

#define PORTFWD_MAX (CONFIG_MAX_CONTAINERS * CONFIG_MAX_PORTS)

/* Replace the whole table in one atomic batch: for every entry, traffic to any local
 * address of the device (not 127.0.0.0/8) on that port, from outside or from the device
 * itself, is DNATed to the container (a LAN client's source address is kept); a
 * container reaching a published port (hairpin) is masqueraded so the answer comes back
 * the same way; with g->nat, the subnet gets egress through masquerade. n = 0 and no
 * nat removes the table. Sets ip_forward when anything is published or nat is on.
 * iso: the host-side veths of isolated=yes containers; a second table, "bridge cabin",
 * drops what they would exchange with any other container port on the bridge. */
int portfwd_apply(const struct conf *g, const struct portfwd *p, int n, char (*iso)[IFNAMSIZ],
		  int niso, struct cabin_err *e);
/* Remove the table (exit). */
void portfwd_clear(void);

#endif
