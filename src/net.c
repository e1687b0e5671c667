// SPDX-License-Identifier: MIT
/* Bridge networking through raw rtnetlink built in caller buffers (no ip binary, no
 * libnl, no allocation). Owns the bridge, the veth pairs and the container's eth0 set-up.
 * Every request waits for its ack at most NL_WAIT_MS (the kernel answers rtnetlink
 * synchronously: in practice the ack is there when send returns). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cabin/net.h"
#include "cabin/util.h"

#define NL_WAIT_MS 1000
#define NL_BUF 1024

struct req {
	struct nlmsghdr n;
	char body[NL_BUF - sizeof(struct nlmsghdr)];
} __attribute__((aligned(NLMSG_ALIGNTO)));

void net_host_ifname(const char *ctr, char out[NET_IFNAME_MAX + 1])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	if (strlen(ctr) + 3 <= NET_IFNAME_MAX) {
		snprintf(out, NET_IFNAME_MAX + 1, "cb-%s", ctr);
		return;
	}
	for (const char *p = ctr; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(out, NET_IFNAME_MAX + 1, "cb-%.6s-%05x", ctr, h & 0xfffff);
}

/* lo up: every container's namespace, and the machine's own in init mode; plain
 * ioctls, in every build */
int net_lo_up(struct cabin_err *e)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return err_sys(e, "lo up: socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		r = err_sys(e, "lo up: get flags");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			r = err_sys(e, "lo up: set flags");
	}
	close(s);
	return r;
}

#if CONFIG_NET

/* an answer to RTM_GETLINK: a link with its statistics and per-family data runs to a
 * few KiB */
struct ans {
	struct nlmsghdr n;
	char body[8192 - sizeof(struct nlmsghdr)];
} __attribute__((aligned(NLMSG_ALIGNTO)));

static uint32_t seq;

int net_open(struct cabin_err *e)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return err_sys(e, "netlink socket");
	return fd;
}

/* ---- message building ---------------------------------------------------------------- */

static void *tail(struct nlmsghdr *n)
{
	return (char *)n + NLMSG_ALIGN(n->nlmsg_len);
}

static int put(struct nlmsghdr *n, int type, const void *data, size_t len)
{
	struct rtattr *a = tail(n);
	size_t need = NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len);

	if (need > NL_BUF)
		return -EMSGSIZE;
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = need;
	return 0;
}

static int put_str(struct nlmsghdr *n, int type, const char *s)
{
	return put(n, type, s, strlen(s) + 1);
}

static int put_u32(struct nlmsghdr *n, int type, uint32_t v)
{
	return put(n, type, &v, sizeof(v));
}

static struct rtattr *nest(struct nlmsghdr *n, int type)
{
	struct rtattr *a = tail(n);

	return put(n, type, NULL, 0) < 0 ? NULL : a;
}

static void nest_end(struct nlmsghdr *n, struct rtattr *a)
{
	a->rta_len = (char *)tail(n) - (char *)a;
}

static void *hdr(struct req *r, int type, int flags, size_t len)
{
	memset(r, 0, sizeof(r->n) + NLMSG_ALIGN(len));
	r->n.nlmsg_len = NLMSG_LENGTH(len);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(&r->n);
}

/* ---- one request, one answer ------------------------------------------------------- */

/* Send n and take its answer: the ack (0 or -errno), or with `reply` the first message
 * of the answer copied there (a GET). Bounded: NL_WAIT_MS at most. */
static int talk(int fd, struct nlmsghdr *n, struct ans *reply)
{
	static char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint32_t my = ++seq;

	n->nlmsg_seq = my;
	if (!reply)
		n->nlmsg_flags |= NLM_F_ACK;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;
		int r = poll(&p, 1, NL_WAIT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ETIMEDOUT;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != my)
				continue; /* an answer to an earlier request that timed out */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er = NLMSG_DATA(h);

				return er->error;
			}
			if (reply && h->nlmsg_len <= sizeof(*reply)) {
				memcpy(reply, h, h->nlmsg_len);
				return 0;
			}
			if (reply)
				return -EMSGSIZE;
		}
	}
}

static int ifindex(const char *name)
{
	unsigned i = if_nametoindex(name);

	return i ? (int)i : -ENODEV;
}

/* RTM_GETLINK by name: the answer in *out; -ENODEV if there is none */
static int getlink(int fd, const char *name, struct ans *out)
{
	struct req r;
	int err;

	hdr(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	if (put_str(&r.n, IFLA_IFNAME, name) < 0)
		return -EMSGSIZE;
	err = talk(fd, &r.n, out);
	return err == -ENODEV ? -ENODEV : err;
}

/* the attribute `type` of a link answer (nested: inside IFLA_LINKINFO when `in`) */
static const struct rtattr *link_attr(const struct ans *l, int in, int type)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(&l->n);
	const struct rtattr *a = IFLA_RTA(ifi);
	int len = IFLA_PAYLOAD(&l->n);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (in && a->rta_type == in) {
			const struct rtattr *b = RTA_DATA(a);
			int blen = RTA_PAYLOAD(a);

			for (; RTA_OK(b, blen); b = RTA_NEXT(b, blen))
				if (b->rta_type == type)
					return b;
			return NULL;
		}
		if (!in && a->rta_type == type)
			return a;
	}
	return NULL;
}

static int link_up(int fd, int idx)
{
	struct req r;
	struct ifinfomsg *ifi = hdr(&r, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_index = idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return talk(fd, &r.n, NULL);
}

static int addr_add(int fd, int idx, struct in_addr ip, int prefix)
{
	struct req r;
	struct ifaddrmsg *ifa = hdr(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (put(&r.n, IFA_LOCAL, &ip, 4) < 0 || put(&r.n, IFA_ADDRESS, &ip, 4) < 0)
		return -EMSGSIZE;
	return talk(fd, &r.n, NULL);
}

/* no router advertisements on our links: addresses are cabin's to give (best effort:
 * IPv6 may be off). /proc/sys/net is the calling process's network namespace. */
static void no_accept_ra(const char *ifname)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
	util_write(path, "0");
}

int net_link_del(int fd, const char *name)
{
	struct req r;
	struct ifinfomsg *ifi = hdr(&r, RTM_DELLINK, 0, sizeof(*ifi));
	int err;

	(void)ifi;
	if (put_str(&r.n, IFLA_IFNAME, name) < 0)
		return -EMSGSIZE;
	err = talk(fd, &r.n, NULL);
	return err == -ENODEV ? 0 : err;
}

/* ---- the bridge ---------------------------------------------------------------------- */

int net_bridge_up(int fd, const struct conf *g, bool *created, struct cabin_err *e)
{
	static struct ans l;
	struct req r;
	int err, idx;

	*created = false;
	err = getlink(fd, g->bridge, &l);
	if (err == -ENODEV) {
		struct ifinfomsg *ifi =
			hdr(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
		struct rtattr *li;

		(void)ifi;
		if (put_str(&r.n, IFLA_IFNAME, g->bridge) < 0 ||
		    put(&r.n, IFLA_ADDRESS, g->bridge_mac, 6) < 0 ||
		    !(li = nest(&r.n, IFLA_LINKINFO)) ||
		    put_str(&r.n, IFLA_INFO_KIND, "bridge") < 0)
			return err_set(e, EMSGSIZE, "bridge %s: request too large", g->bridge);
		nest_end(&r.n, li);
		err = talk(fd, &r.n, NULL);
		if (err < 0)
			return err_set(e, -err, "bridge %s: create", g->bridge);
		*created = true;
	} else if (err < 0) {
		return err_set(e, -err, "bridge %s: look-up", g->bridge);
	} else {
		const struct rtattr *k = link_attr(&l, IFLA_LINKINFO, IFLA_INFO_KIND);

		if (!k || strncmp(RTA_DATA(k), "bridge", RTA_PAYLOAD(k)))
			return err_set(e, EEXIST,
				       "bridge=%s: a link of that name exists and is not "
				       "a bridge",
				       g->bridge);
	}
	idx = ifindex(g->bridge);
	if (idx < 0)
		return err_set(e, ENODEV, "bridge %s: gone", g->bridge);
	no_accept_ra(g->bridge);
	err = addr_add(fd, idx, g->subnet_addr, g->subnet_prefix);
	if (err < 0 && err != -EEXIST)
		return err_set(e, -err, "bridge %s: address", g->bridge);
	err = link_up(fd, idx);
	if (err < 0)
		return err_set(e, -err, "bridge %s: up", g->bridge);
	return 0;
}

int net_bridge_down(int fd, const struct conf *g)
{
	return net_link_del(fd, g->bridge);
}

/* ---- a container's veth pair --------------------------------------------------------- */

static int veth_new(int fd, const char *host, int br, pid_t pid, struct in_addr ip)
{
	/* eth0's MAC follows from its address (locally administered, 02:cb:a.b.c.d): a
	 * restarted container keeps it, so no neighbour on the bridge holds a stale ARP
	 * entry for the address (tens of seconds of silence otherwise) */
	const uint8_t *a = (const uint8_t *)&ip.s_addr;
	const uint8_t mac[6] = { 0x02, 0xcb, a[0], a[1], a[2], a[3] };
	struct req r;
	struct ifinfomsg *ifi = hdr(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	struct rtattr *li, *data, *peer;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };

	(void)ifi;
	if (put_str(&r.n, IFLA_IFNAME, host) < 0 || put_u32(&r.n, IFLA_MASTER, br) < 0 ||
	    !(li = nest(&r.n, IFLA_LINKINFO)) || put_str(&r.n, IFLA_INFO_KIND, "veth") < 0 ||
	    !(data = nest(&r.n, IFLA_INFO_DATA)) || !(peer = nest(&r.n, VETH_INFO_PEER)))
		return -EMSGSIZE;
	/* the peer's ifinfomsg, then its attributes, inside VETH_INFO_PEER */
	if (NLMSG_ALIGN(r.n.nlmsg_len) + sizeof(peer_ifi) > NL_BUF)
		return -EMSGSIZE;
	memcpy(tail(&r.n), &peer_ifi, sizeof(peer_ifi));
	r.n.nlmsg_len = NLMSG_ALIGN(r.n.nlmsg_len) + NLMSG_ALIGN(sizeof(peer_ifi));
	if (put_str(&r.n, IFLA_IFNAME, "eth0") < 0 || put_u32(&r.n, IFLA_NET_NS_PID, pid) < 0 ||
	    (ip.s_addr && put(&r.n, IFLA_ADDRESS, mac, 6) < 0))
		return -EMSGSIZE;
	nest_end(&r.n, peer);
	nest_end(&r.n, data);
	nest_end(&r.n, li);
	return talk(fd, &r.n, NULL);
}

int net_veth_add(int fd, const struct conf *g, const char *host, pid_t pid, struct in_addr ip,
		 struct cabin_err *e)
{
	int br = ifindex(g->bridge), err, idx;

	if (br < 0)
		return err_set(e, ENODEV, "network: no bridge %s", g->bridge);
	err = veth_new(fd, host, br, pid, ip);
	if (err == -EEXIST) {
		/* a leftover of an earlier run whose namespace is still being torn down */
		net_link_del(fd, host);
		err = veth_new(fd, host, br, pid, ip);
	}
	if (err < 0)
		return err_set(e, -err, "network: veth %s", host);
	idx = ifindex(host);
	if (idx < 0)
		return err_set(e, ENODEV, "network: veth %s gone", host);
	no_accept_ra(host);
	err = link_up(fd, idx);
	if (err < 0) {
		net_link_del(fd, host);
		return err_set(e, -err, "network: veth %s up", host);
	}
	return 0;
}

int net_link_stats(int fd, const char *name, uint64_t *rx, uint64_t *tx)
{
	static struct ans l;
	const struct rtattr *a;
	struct rtnl_link_stats64 st;
	int err = getlink(fd, name, &l);

	*rx = *tx = 0;
	if (err < 0)
		return err;
	a = link_attr(&l, 0, IFLA_STATS64);
	if (!a || RTA_PAYLOAD(a) < sizeof(st))
		return -ENODATA;
	memcpy(&st, RTA_DATA(a), sizeof(st));
	*rx = st.rx_bytes;
	*tx = st.tx_bytes;
	return 0;
}

/* ---- inside the container ------------------------------------------------------------ */

int net_ctr_setup(struct in_addr ip, int prefix, struct in_addr gw, struct cabin_err *e)
{
	int fd = net_open(e), idx, err;
	struct req r;
	struct rtmsg *rt;

	if (fd < 0)
		return fd;
	idx = ifindex("eth0");
	if (idx < 0) {
		close(fd);
		return err_set(e, ENODEV, "network: no eth0 in the container");
	}
	err = addr_add(fd, idx, ip, prefix);
	if (err < 0) {
		close(fd);
		return err_set(e, -err, "network: eth0 address");
	}
	err = link_up(fd, idx);
	if (err < 0) {
		close(fd);
		return err_set(e, -err, "network: eth0 up");
	}
	rt = hdr(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	if (put(&r.n, RTA_GATEWAY, &gw, 4) < 0 || put_u32(&r.n, RTA_OIF, idx) < 0) {
		close(fd);
		return err_set(e, EMSGSIZE, "network: route");
	}
	err = talk(fd, &r.n, NULL);
	close(fd);
	if (err < 0)
		return err_set(e, -err, "network: default route");
	return 0;
}

#else /* !CONFIG_NET */

int net_open(struct cabin_err *e)
{
	return err_set(e, EOPNOTSUPP, "networking is not in this build (CONFIG_NET)");
}
int net_bridge_up(int fd, const struct conf *g, bool *created, struct cabin_err *e)
{
	*created = false;
	return err_set(e, EOPNOTSUPP, "networking is not in this build (CONFIG_NET)");
}
int net_bridge_down(int fd, const struct conf *g)
{
	return 0;
}
int net_veth_add(int fd, const struct conf *g, const char *host, pid_t pid, struct in_addr ip,
		 struct cabin_err *e)
{
	return err_set(e, EOPNOTSUPP, "net=bridge: networking is not in this build (CONFIG_NET)");
}
int net_link_del(int fd, const char *name)
{
	return 0;
}
int net_ctr_setup(struct in_addr ip, int prefix, struct in_addr gw, struct cabin_err *e)
{
	return err_set(e, EOPNOTSUPP, "net=bridge: networking is not in this build (CONFIG_NET)");
}
int net_link_stats(int fd, const char *name, uint64_t *rx, uint64_t *tx)
{
	*rx = *tx = 0;
	return -EOPNOTSUPP;
}

#endif
