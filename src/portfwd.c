// SPDX-License-Identifier: MIT
/* Published ports and masquerade: cabin's own nftables table, rebuilt whole in one atomic
 * nfnetlink batch on every change (add table; delete it; add it again with its chains
 * and rules), so there is never a rule to find and delete one by one, and a daemon that
 * starts after a crash simply replaces what the old one left. Fixed buffers; the answer
 * is awaited at most PF_WAIT_MS. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cabin/portfwd.h"
#include "cabin/util.h"

#if CONFIG_NET

/* from linux/netfilter.h, which cannot be included beside musl's netinet/in.h */
#define NFPROTO_IPV4 2
#define NFPROTO_BRIDGE 7
#define NF_BR_FORWARD 2
#define NF_DROP 0
#define NF_INET_PRE_ROUTING 0
#define NF_INET_LOCAL_OUT 3
#define NF_INET_POST_ROUTING 4

#define PF_WAIT_MS 1000
#define TABLE "cabin"
/* two rules per port (prerouting, output) of at most ~300 bytes, and the rest */
#define BATCH_SIZE (PORTFWD_MAX * 2 * 320 + 4096)

static char batch[BATCH_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
static size_t blen;
static uint32_t bseq;

/* ---- building ------------------------------------------------------------------------ */

static struct nlmsghdr *msg(int type, int flags, int family, uint16_t res_id)
{
	struct nlmsghdr *n = (void *)(batch + blen);
	struct nfgenmsg *g;

	if (blen + NLMSG_SPACE(sizeof(*g)) > sizeof(batch))
		return NULL;
	memset(n, 0, NLMSG_SPACE(sizeof(*g)));
	n->nlmsg_len = NLMSG_LENGTH(sizeof(*g));
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++bseq;
	g = NLMSG_DATA(n);
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return n;
}

/* the message being built is always the last one: its length grows with each attribute */
static struct nlmsghdr *cur;
static int overflow;

static void *attr(int type, const void *data, size_t len)
{
	struct nlattr *a = (void *)((char *)cur + NLMSG_ALIGN(cur->nlmsg_len));
	size_t need = NLA_ALIGN(NLA_HDRLEN + len);

	if ((char *)a + need > batch + sizeof(batch)) {
		overflow = 1;
		return NULL;
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, need - NLA_HDRLEN - len);
	cur->nlmsg_len = NLMSG_ALIGN(cur->nlmsg_len) + need;
	return a;
}

static void attr_str(int type, const char *s)
{
	attr(type, s, strlen(s) + 1);
}

static void attr_be32(int type, uint32_t v)
{
	v = htonl(v);
	attr(type, &v, 4);
}

static struct nlattr *nest(int type)
{
	return attr(type | NLA_F_NESTED, NULL, 0);
}

static void end(struct nlattr *a)
{
	if (a)
		a->nla_len = (char *)cur + cur->nlmsg_len - (char *)a;
}

static int family = NFPROTO_IPV4; /* of the messages being built */

static void begin_msg(int type, int flags)
{
	cur = msg((NFNL_SUBSYS_NFTABLES << 8) | type, flags, family, 0);
	if (!cur)
		overflow = 1;
}

static void close_msg(void)
{
	if (cur)
		blen += NLMSG_ALIGN(cur->nlmsg_len);
}

/* ---- expressions --------------------------------------------------------------------- */

static struct nlattr *expr_begin(const char *name, struct nlattr **data)
{
	struct nlattr *e = nest(NFTA_LIST_ELEM);

	attr_str(NFTA_EXPR_NAME, name);
	*data = nest(NFTA_EXPR_DATA);
	return e;
}

static void expr_end(struct nlattr *e, struct nlattr *data)
{
	end(data);
	end(e);
}

static void e_meta(int key, int reg)
{
	struct nlattr *d, *e = expr_begin("meta", &d);

	attr_be32(NFTA_META_KEY, key);
	attr_be32(NFTA_META_DREG, reg);
	expr_end(e, d);
}

static void e_payload(int base, int off, int len, int reg)
{
	struct nlattr *d, *e = expr_begin("payload", &d);

	attr_be32(NFTA_PAYLOAD_DREG, reg);
	attr_be32(NFTA_PAYLOAD_BASE, base);
	attr_be32(NFTA_PAYLOAD_OFFSET, off);
	attr_be32(NFTA_PAYLOAD_LEN, len);
	expr_end(e, d);
}

static void e_cmp(int op, int reg, const void *v, size_t len)
{
	struct nlattr *d, *e = expr_begin("cmp", &d), *data;

	attr_be32(NFTA_CMP_SREG, reg);
	attr_be32(NFTA_CMP_OP, op);
	data = nest(NFTA_CMP_DATA);
	attr(NFTA_DATA_VALUE, v, len);
	end(data);
	expr_end(e, d);
}

static void e_bitwise(int reg, const void *mask, const void * xor, size_t len)
{
	struct nlattr *d, *e = expr_begin("bitwise", &d), *m;

	attr_be32(NFTA_BITWISE_SREG, reg);
	attr_be32(NFTA_BITWISE_DREG, reg);
	attr_be32(NFTA_BITWISE_LEN, len);
	m = nest(NFTA_BITWISE_MASK);
	attr(NFTA_DATA_VALUE, mask, len);
	end(m);
	m = nest(NFTA_BITWISE_XOR);
	attr(NFTA_DATA_VALUE, xor, len);
	end(m);
	expr_end(e, d);
}

static void e_imm(int reg, const void *v, size_t len)
{
	struct nlattr *d, *e = expr_begin("immediate", &d), *data;

	attr_be32(NFTA_IMMEDIATE_DREG, reg);
	data = nest(NFTA_IMMEDIATE_DATA);
	attr(NFTA_DATA_VALUE, v, len);
	end(data);
	expr_end(e, d);
}

/* fib daddr type local */
static void m_local_daddr(void)
{
	struct nlattr *d, *e = expr_begin("fib", &d);
	uint32_t local = RTN_LOCAL;

	attr_be32(NFTA_FIB_DREG, NFT_REG_1);
	attr_be32(NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	attr_be32(NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_end(e, d);
	e_cmp(NFT_CMP_EQ, NFT_REG_1, &local, 4);
}

/* ip saddr/daddr (offset 12/16) in net/prefix, or not in it */
static void m_ip_in(int off, struct in_addr net, int prefix, bool in)
{
	uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0, zero = 0;
	uint32_t want = net.s_addr & mask;

	e_payload(NFT_PAYLOAD_NETWORK_HEADER, off, 4, NFT_REG_1);
	e_bitwise(NFT_REG_1, &mask, &zero, 4);
	e_cmp(in ? NFT_CMP_EQ : NFT_CMP_NEQ, NFT_REG_1, &want, 4);
}

static void m_oifname(const char *name, bool eq)
{
	char n[IFNAMSIZ] = { 0 };

	snprintf(n, sizeof(n), "%s", name);
	e_meta(NFT_META_OIFNAME, NFT_REG_1);
	e_cmp(eq ? NFT_CMP_EQ : NFT_CMP_NEQ, NFT_REG_1, n, sizeof(n));
}

static void rule_begin(const char *chain, struct nlattr **exprs)
{
	begin_msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	if (!cur)
		return;
	attr_str(NFTA_RULE_TABLE, TABLE);
	attr_str(NFTA_RULE_CHAIN, chain);
	*exprs = nest(NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct nlattr *exprs)
{
	end(exprs);
	close_msg();
}

static void chain_typed(const char *name, int hook, int prio, const char *type);

static void chain(const char *name, int hook, int prio)
{
	chain_typed(name, hook, prio, "nat");
}

static void chain_typed(const char *name, int hook, int prio, const char *type)
{
	struct nlattr *h;

	begin_msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (!cur)
		return;
	attr_str(NFTA_CHAIN_TABLE, TABLE);
	attr_str(NFTA_CHAIN_NAME, name);
	h = nest(NFTA_CHAIN_HOOK);
	attr_be32(NFTA_HOOK_HOOKNUM, hook);
	attr_be32(NFTA_HOOK_PRIORITY, (uint32_t)prio);
	end(h);
	attr_str(NFTA_CHAIN_TYPE, type);
	close_msg();
}

static void table(int type)
{
	begin_msg(type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
	if (!cur)
		return;
	attr_str(NFTA_TABLE_NAME, TABLE);
	close_msg();
}

/* one DNAT rule of port p in chain ch; from the device itself (output) not for loopback */
static void dnat_rule(const char *ch, const struct portfwd *p, bool output)
{
	struct nlattr *x, *d, *e;
	uint16_t dport = htons(p->host), cport = htons(p->ctr);
	struct in_addr lo = { htonl(0x7f000000) };

	rule_begin(ch, &x);
	if (!cur)
		return;
	e_meta(NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(NFT_CMP_EQ, NFT_REG_1, &p->proto, 1);
	e_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	e_cmp(NFT_CMP_EQ, NFT_REG_1, &dport, 2);
	m_local_daddr();
	if (output)
		m_ip_in(16, lo, 8, false);
	e_imm(NFT_REG_1, &p->ip, 4);
	e_imm(NFT_REG_2, &cport, 2);
	e = expr_begin("nat", &d);
	attr_be32(NFTA_NAT_TYPE, NFT_NAT_DNAT);
	attr_be32(NFTA_NAT_FAMILY, NFPROTO_IPV4);
	attr_be32(NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	attr_be32(NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	expr_end(e, d);
	rule_end(x);
}

static void masq_rule(const struct conf *g, bool hairpin)
{
	struct nlattr *x, *d, *e;

	rule_begin("post", &x);
	if (!cur)
		return;
	m_ip_in(12, g->subnet_addr, g->subnet_prefix, true);
	if (hairpin) {
		/* a container to a published port, back onto the bridge: ct status dnat */
		uint32_t dnat = IPS_DST_NAT, zero = 0;

		e = expr_begin("ct", &d);
		attr_be32(NFTA_CT_KEY, NFT_CT_STATUS);
		attr_be32(NFTA_CT_DREG, NFT_REG_1);
		expr_end(e, d);
		e_bitwise(NFT_REG_1, &dnat, &zero, 4);
		e_cmp(NFT_CMP_NEQ, NFT_REG_1, &zero, 4);
		m_oifname(g->bridge, true);
	} else {
		m_oifname(g->bridge, false); /* egress: anywhere but the bridge */
	}
	e = expr_begin("masq", &d);
	expr_end(e, d);
	rule_end(x);
}

/* bridge family: frames between two cabin ports, one of them an isolated container's,
 * are dropped (iifname/oifname; "cb-" as a prefix match on the other side) */
static void isolate_rule(const char *ifname, bool in)
{
	struct nlattr *x, *d, *e;
	char n[IFNAMSIZ] = { 0 };
	uint32_t drop = htonl(NF_DROP);

	snprintf(n, sizeof(n), "%s", ifname);
	rule_begin("fwd", &x);
	if (!cur)
		return;
	e_meta(in ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
	e_cmp(NFT_CMP_EQ, NFT_REG_1, n, sizeof(n));
	e_meta(in ? NFT_META_OIFNAME : NFT_META_IIFNAME, NFT_REG_1);
	e_cmp(NFT_CMP_EQ, NFT_REG_1, "cb-", 3);
	/* verdict: immediate into the verdict register */
	{
		struct nlattr *data, *v;

		e = expr_begin("immediate", &d);
		attr_be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
		data = nest(NFTA_IMMEDIATE_DATA);
		v = nest(NFTA_DATA_VERDICT);
		attr(NFTA_VERDICT_CODE, &drop, 4);
		end(v);
		end(data);
		expr_end(e, d);
	}
	rule_end(x);
}

/* ---- sending ------------------------------------------------------------------------- */

static int send_batch(uint32_t last)
{
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), r = -ETIMEDOUT;

	if (fd < 0)
		return -errno;
	if (sendto(fd, batch, blen, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* an error of any message comes as NLMSG_ERROR with its seq; the last one is
	 * acked when all went through */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;
		int pr = poll(&p, 1, PF_WAIT_MS);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			continue;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *er = NLMSG_DATA(h);

			if (er->error) {
				close(fd);
				return er->error;
			}
			if (h->nlmsg_seq == last) {
				close(fd);
				return 0;
			}
		}
	}
	close(fd);
	return r;
}

static int run(const struct conf *g, const struct portfwd *p, int n, bool keep,
	       char (*iso)[IFNAMSIZ], int niso)
{
	struct nlmsghdr *b;
	uint32_t last;

	blen = 0;
	overflow = 0;
	b = msg(NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	blen += NLMSG_ALIGN(b->nlmsg_len);
	/* the bridge family's table: isolated=yes containers */
	family = NFPROTO_BRIDGE;
	table(NFT_MSG_NEWTABLE);
	table(NFT_MSG_DELTABLE);
	if (niso) {
		table(NFT_MSG_NEWTABLE);
		chain_typed("fwd", NF_BR_FORWARD, 0, "filter");
		for (int i = 0; i < niso; i++) {
			isolate_rule(iso[i], true);
			isolate_rule(iso[i], false);
		}
	}
	family = NFPROTO_IPV4;
	/* add (so the delete cannot fail on a missing table), delete, and build anew */
	table(NFT_MSG_NEWTABLE);
	table(NFT_MSG_DELTABLE);
	if (keep) {
		table(NFT_MSG_NEWTABLE);
		chain("pre", NF_INET_PRE_ROUTING, -100);
		chain("out", NF_INET_LOCAL_OUT, -100);
		chain("post", NF_INET_POST_ROUTING, 100);
		for (int i = 0; i < n; i++) {
			dnat_rule("pre", &p[i], false);
			dnat_rule("out", &p[i], true);
		}
		masq_rule(g, true);
		if (g->nat)
			masq_rule(g, false);
	}
	if (overflow || !cur)
		return -ENOSPC;
	cur->nlmsg_flags |= NLM_F_ACK;
	last = cur->nlmsg_seq;
	b = msg(NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	if (!b)
		return -ENOSPC;
	blen += NLMSG_ALIGN(b->nlmsg_len);
	return send_batch(last);
}

int portfwd_apply(const struct conf *g, const struct portfwd *p, int n, char (*iso)[IFNAMSIZ],
		  int niso, struct cabin_err *e)
{
	bool keep = n > 0 || g->nat;
	int r;

	if (keep) {
		char v[4] = "";

		/* published ports from the LAN and nat egress are routed: forwarding on */
		if (util_read("/proc/sys/net/ipv4/ip_forward", v, sizeof(v)) >= 0 && v[0] == '0' &&
		    util_write("/proc/sys/net/ipv4/ip_forward", "1") == 0)
			fdprintf(2, "cabin: net.ipv4.ip_forward set to 1 (published ports, nat)\n");
	}
	r = run(g, p, n, keep, iso, niso);
	if (r < 0)
		return err_set(e, -r, "nftables: table %s", TABLE);
	return 0;
}

void portfwd_clear(void)
{
	run(NULL, NULL, 0, false, NULL, 0); /* g is not looked at without keep */
}

#else

int portfwd_apply(const struct conf *g, const struct portfwd *p, int n, char (*iso)[IFNAMSIZ],
		  int niso, struct cabin_err *e)
{
	return n || niso ? err_set(e, EOPNOTSUPP, "port=: networking is not in this build") : 0;
}

void portfwd_clear(void)
{
}

#endif
