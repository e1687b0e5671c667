// SPDX-License-Identifier: MIT
/* The 127.0.0.1 side of published ports. A TCP connection is two non-blocking sockets
 * and two pipes: splice() moves the bytes socket -> pipe -> socket in the kernel, and the
 * loop waits on each socket for exactly what the pipes need (readable while a pipe is
 * empty, writable while it holds data), level-triggered, at most PUMP_ROUNDS splices per
 * direction per event so one fast stream cannot hold the loop. A UDP client is a flow: a
 * socket connected to the container, found again by the client's address, the least
 * recently used one reused when the table is full. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cabin/loop.h"
#include "cabin/portfwd.h"
#include "cabin/portproxy.h"

unsigned long portproxy_refused;

#if CONFIG_PORT_PROXY

#define PUMP_ROUNDS 8
/* the pipes keep the kernel's 64 KiB: 256 KiB pipes measured no faster (bench/net.sh)
 * and would let 128 connections pin 64 MiB */
#define PUMP_CHUNK (64 * 1024)
#define ACCEPT_ROUNDS 16
#define UDP_ROUNDS 16

static struct lsn {
	int fd; /* -1: free */
	int owner;
	struct sockaddr_in to; /* the container's address and port */
	uint16_t host;
	uint8_t proto;
} lsn[PORTFWD_MAX];

static struct conn {
	int l;		  /* listener index, -1: free */
	int fd[2];	  /* [0] the client, [1] the container */
	int pipe[2][2];	  /* [d]: direction d, fd[d] -> fd[!d] */
	uint32_t held[2]; /* bytes in pipe d */
	uint32_t want[2]; /* the epoll interest fd[i] is registered with now */
	bool eof[2], shut[2], connected;
	struct sockaddr_in peer; /* UDP: the client */
	uint64_t used;		 /* UDP: last datagram, for reuse */
} conns[CONFIG_PROXY_CONNS];

static uint64_t tick; /* UDP recency without a clock */
static char dgram[65536];

static void conn_close(struct conn *k)
{
	for (int i = 0; i < 2; i++) {
		if (k->fd[i] >= 0) {
			loop_del(k->fd[i]);
			close(k->fd[i]);
		}
		for (int j = 0; j < 2; j++)
			if (k->pipe[i][j] >= 0)
				close(k->pipe[i][j]);
	}
	memset(k, 0, sizeof(*k));
	k->l = -1;
	k->fd[0] = k->fd[1] = -1;
	for (int i = 0; i < 2; i++)
		k->pipe[i][0] = k->pipe[i][1] = -1;
}

static struct conn *conn_new(int l)
{
	for (int i = 0; i < CONFIG_PROXY_CONNS; i++)
		if (conns[i].l < 0) {
			conns[i].l = l;
			return &conns[i];
		}
	return NULL;
}

/* ---- TCP ----------------------------------------------------------------------------- */

/* move what it can in direction d; 1 when anything moved, 0 when not, -1 on error */
static int pump(struct conn *k, int d)
{
	int src = k->fd[d], dst = k->fd[!d], moved = 0;

	for (int round = 0; round < PUMP_ROUNDS; round++) {
		ssize_t n;

		if (k->held[d]) {
			n = splice(k->pipe[d][0], NULL, dst, NULL, k->held[d],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0)
				return errno == EAGAIN ? moved : -1;
			k->held[d] -= n;
			moved = 1;
			continue;
		}
		if (k->eof[d]) {
			if (!k->shut[d]) {
				shutdown(dst, SHUT_WR);
				k->shut[d] = true;
				moved = 1;
			}
			break;
		}
		n = splice(src, NULL, k->pipe[d][1], NULL, PUMP_CHUNK,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0)
			return errno == EAGAIN ? moved : -1;
		if (n == 0)
			k->eof[d] = true;
		k->held[d] += n;
		moved = 1;
	}
	return moved;
}

/* what each socket waits for: readable while its outgoing pipe is empty, writable while
 * the pipe towards it holds data; changed only when it changes (in a bulk transfer it
 * mostly does not, and each change is a slot lookup and an epoll_ctl) */
static void interest(struct conn *k)
{
	for (int i = 0; i < 2; i++) {
		uint32_t ev = 0;

		if (!k->eof[i] && !k->held[i])
			ev |= EPOLLIN;
		if (k->held[!i])
			ev |= EPOLLOUT;
		if (ev != k->want[i] && loop_mod(k->fd[i], ev) == 0)
			k->want[i] = ev;
	}
}

static void on_stream(void *ctx, uint32_t events)
{
	struct conn *k = ctx;
	int a, b;

	if (k->l < 0)
		return;
	if (!k->connected) { /* the container's side answered the connect */
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(k->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
		if (err || !(events & EPOLLOUT)) {
			conn_close(k);
			return;
		}
		k->connected = true;
	}
	a = pump(k, 0);
	b = pump(k, 1);
	if (a < 0 || b < 0 || (k->shut[0] && k->shut[1]) ||
	    ((events & (EPOLLERR | EPOLLHUP)) && !a && !b)) {
		conn_close(k);
		return;
	}
	interest(k);
}

static void on_accept(void *ctx, uint32_t events)
{
	struct lsn *L = ctx;
	int l = (int)(L - lsn);

	(void)events;
	for (int round = 0; round < ACCEPT_ROUNDS && L->fd >= 0; round++) {
		int c = accept4(L->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), u, one = 1,
		    syn = 2;
		struct conn *k;

		if (c < 0)
			return;
		k = conn_new(l);
		if (!k) { /* full: the client sees its connection closed, never a hang */
			portproxy_refused++;
			close(c);
			continue;
		}
		k->fd[0] = c;
		u = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		k->fd[1] = u;
		if (u < 0 || pipe2(k->pipe[0], O_NONBLOCK | O_CLOEXEC) < 0 ||
		    pipe2(k->pipe[1], O_NONBLOCK | O_CLOEXEC) < 0) {
			portproxy_refused++;
			conn_close(k);
			continue;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* a container that never answers: given up after ~7 s, not the default ~2 min */
		setsockopt(u, IPPROTO_TCP, TCP_SYNCNT, &syn, sizeof(syn));
		if ((connect(u, (struct sockaddr *)&L->to, sizeof(L->to)) < 0 &&
		     errno != EINPROGRESS) ||
		    loop_add(c, 0, on_stream, k, NULL) < 0 ||
		    loop_add(u, EPOLLOUT, on_stream, k, NULL) < 0) {
			conn_close(k);
			continue;
		}
		k->want[0] = 0;
		k->want[1] = EPOLLOUT;
	}
}

/* ---- UDP ----------------------------------------------------------------------------- */

/* an answer from the container: back to the client, from the published address */
static void on_flow(void *ctx, uint32_t events)
{
	struct conn *k = ctx;

	(void)events;
	for (int round = 0; round < UDP_ROUNDS && k->l >= 0; round++) {
		ssize_t n = recv(k->fd[1], dgram, sizeof(dgram), MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN)
				conn_close(k); /* ICMP unreachable: the next datagram retries */
			return;
		}
		k->used = ++tick;
		sendto(lsn[k->l].fd, dgram, n, MSG_DONTWAIT, (struct sockaddr *)&k->peer,
		       sizeof(k->peer));
	}
}

static struct conn *flow_find(int l, const struct sockaddr_in *peer)
{
	struct conn *lru = NULL, *k;
	int u;

	for (int i = 0; i < CONFIG_PROXY_CONNS; i++) {
		k = &conns[i];
		if (k->l == l && k->fd[0] < 0 && k->peer.sin_port == peer->sin_port &&
		    k->peer.sin_addr.s_addr == peer->sin_addr.s_addr)
			return k;
		if (k->l >= 0 && k->fd[0] < 0 && (!lru || k->used < lru->used))
			lru = k;
	}
	k = conn_new(l);
	if (!k && lru) { /* full: the flow that has been quiet longest makes room */
		portproxy_refused++;
		conn_close(lru);
		k = conn_new(l);
	}
	if (!k)
		return NULL;
	k->peer = *peer;
	u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	k->fd[1] = u;
	if (u < 0 || connect(u, (struct sockaddr *)&lsn[l].to, sizeof(lsn[l].to)) < 0 ||
	    loop_add(u, EPOLLIN, on_flow, k, NULL) < 0) {
		conn_close(k);
		return NULL;
	}
	return k;
}

static void on_dgram(void *ctx, uint32_t events)
{
	struct lsn *L = ctx;
	int l = (int)(L - lsn);

	(void)events;
	for (int round = 0; round < UDP_ROUNDS && L->fd >= 0; round++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(L->fd, dgram, sizeof(dgram), MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &plen);
		struct conn *k;

		if (n < 0)
			return;
		k = flow_find(l, &peer);
		if (!k)
			continue;
		k->used = ++tick;
		send(k->fd[1], dgram, n, MSG_DONTWAIT);
	}
}

/* ---- listeners ----------------------------------------------------------------------- */

static const char *pname(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Is HOST in use on the device? A listening TCP socket on any address (a probe bound to
 * the wildcard with SO_REUSEADDR fails only on those, not on connections in TIME_WAIT),
 * any bound UDP socket. */
static bool in_use(int proto, uint16_t port)
{
	int t = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, one = 1, fd, r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	fd = socket(AF_INET, t | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (t == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r < 0 && errno == EADDRINUSE;
}

static int lsn_open(struct lsn *L, struct cabin_err *e)
{
	int t = L->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(L->host),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (in_use(L->proto, L->host))
		return err_set(e, EADDRINUSE, "port %u/%s is already in use on the device", L->host,
			       pname(L->proto));
	L->fd = socket(AF_INET, t | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (L->fd < 0)
		return err_sys(e, "port %u/%s: socket", L->host, pname(L->proto));
	if (t == SOCK_STREAM)
		setsockopt(L->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(L->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return err_sys(e, "port %u/%s: bind 127.0.0.1", L->host, pname(L->proto));
	if (t == SOCK_STREAM && listen(L->fd, 128) < 0)
		return err_sys(e, "port %u/%s: listen", L->host, pname(L->proto));
	return loop_add(L->fd, EPOLLIN, t == SOCK_STREAM ? on_accept : on_dgram, L, e);
}

static void lsn_close(int l)
{
	for (int i = 0; i < CONFIG_PROXY_CONNS; i++)
		if (conns[i].l == l)
			conn_close(&conns[i]);
	if (lsn[l].fd >= 0) {
		loop_del(lsn[l].fd);
		close(lsn[l].fd);
	}
	lsn[l].fd = -1;
	lsn[l].owner = -1;
}

static void init_once(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (int i = 0; i < PORTFWD_MAX; i++)
		lsn[i].fd = lsn[i].owner = -1;
	for (int i = 0; i < CONFIG_PROXY_CONNS; i++) { /* all -1: nothing to close yet */
		conns[i].l = -1;
		conns[i].fd[0] = conns[i].fd[1] = -1;
		for (int j = 0; j < 2; j++)
			conns[i].pipe[j][0] = conns[i].pipe[j][1] = -1;
	}
}

void portproxy_close(int owner)
{
	init_once();
	for (int l = 0; l < PORTFWD_MAX; l++)
		if (lsn[l].owner == owner)
			lsn_close(l);
}

int portproxy_open(int owner, const struct conf_ctr *c, struct cabin_err *e)
{
	portproxy_close(owner);
	for (int j = 0, l = 0; j < c->nport; j++) {
		struct lsn *L;

		while (l < PORTFWD_MAX && lsn[l].owner >= 0)
			l++;
		if (l == PORTFWD_MAX) {
			portproxy_close(owner);
			return err_set(e, ENOSPC, "published ports: table full");
		}
		L = &lsn[l];
		L->owner = owner;
		L->host = c->port[j].host;
		L->proto = c->port[j].proto;
		L->to = (struct sockaddr_in){ .sin_family = AF_INET,
					      .sin_port = htons(c->port[j].ctr),
					      .sin_addr = c->ip };
		if (lsn_open(L, e) < 0) {
			portproxy_close(owner);
			return -e->code;
		}
	}
	return 0;
}

#else

int portproxy_open(int owner, const struct conf_ctr *c, struct cabin_err *e)
{
	(void)owner, (void)c, (void)e;
	return 0;
}

void portproxy_close(int owner)
{
	(void)owner;
}

#endif
