/* SPDX-License-Identifier: MIT */
/* Published ports on 127.0.0.1 (SPEC §8): DNAT cannot take loopback traffic without
 * route_localnet=1, so the daemon listens on 127.0.0.1:HOST itself and splices each
 * connection to the container (TCP), or relays each client's datagrams through a socket
 * of its own (UDP), in its event loop. Fixed tables (CONFIG_PROXY_CONNS); never blocks.
 * Opening a container's ports is also the check that nothing on the device already
 * listens on them. */
#ifndef CABIN_PORTPROXY_H
#define CABIN_PORTPROXY_H

#include <netinet/in.h>

#include "cabin/conf.h"
#include "cabin/err.h"

/* Bind every port of c (to its address c->ip) for owner, all or none: -EADDRINUSE with a clear
 * message when the device already uses one (a listening TCP socket on any address, a
 * bound UDP socket). Opening again for the same owner first closes what it had. */
int portproxy_open(int owner, const struct conf_ctr *c, struct cabin_err *e);
/* Close owner's listeners and every connection through them. */
void portproxy_close(int owner);
/* connections refused because the table was full, since start (`cabin debug`) */
extern unsigned long portproxy_refused;

#endif
