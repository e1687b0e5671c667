// SPDX-License-Identifier: MIT
/* The config as a whole: replica instances, the checks across sections (dependencies
 * and their cycles, addresses, published ports, unique names), address assignment from
 * the subnet, and conf_scale(). Works only inside the struct conf it is given; never
 * allocates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cabin/util.h"
#include "cabin/conf.h"
#include "conf_int.h"

/* ------------------------------------------------------------------------------------ */
/* Instances                                                                            */

/* name, hostname and ports of instance i of n; errors counted in d */
void conf_inst_setup(struct conf *c, struct conf_ctr *x, int i, int n, struct conf_diag *d)
{
	char hb[128];
	const char *h;
	int k;

	x->replicas = n;
	x->instance = n > 1 ? i : 0;
	if (n > 1)
		snprintf(x->name, sizeof(x->name), "%s-%hu", x->section, (unsigned short)i);
	else
		snprintf(x->name, sizeof(x->name), "%s", x->section);
	if (x->ip_auto)
		x->ip.s_addr = 0;

	h = x->hostname_spec ? x->hostname_spec : x->name;
	if (!conf_expand_i(h, i, hb, sizeof(hb)) || !conf_hostname_ok(hb)) {
		conf_report(d, x->file, x->hostname_line ? x->hostname_line : x->line,
			    "hostname=%s: not a hostname for %s", h, x->name);
		hb[0] = 0;
	}
	x->hostname = conf_astr(c, hb, strlen(hb));
	if (!x->hostname) {
		conf_report(d, x->file, x->line,
			    "config too big for the string arena (CONFIG_CONF_ARENA_KB=%d)",
			    CONFIG_CONF_ARENA_KB);
		x->hostname = "";
	}
	for (k = 0; k < x->nport; k++) {
		const char *why = conf_port_parse(x->port_spec[k], i, &x->port[k]);

		if (why)
			conf_report(d, x->file, x->port_line[k], "port=%s: %s for %s",
				    x->port_spec[k], why, x->name);
	}
}

/* ------------------------------------------------------------------------------------ */
/* Cross-section checks                                                                 */

static int sec_index(struct conf *c, const char *section)
{
	int i;

	for (i = 0; i < c->nctr; i++)
		if (!strcmp(c->ctr[i].section, section))
			return i;
	return -1;
}

static void check_depends(struct conf *c, struct conf_diag *d)
{
	/* nodes: the first instance of each section; edges: its depends */
	int node[CONFIG_MAX_CONTAINERS], color[CONFIG_MAX_CONTAINERS];
	int stack[CONFIG_MAX_CONTAINERS], edge[CONFIG_MAX_CONTAINERS];
	int idx[CONFIG_MAX_CONTAINERS]; /* ctr index -> node */
	int nn = 0, i, j;

	for (i = 0; i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];

		if (i && !strcmp(c->ctr[i - 1].section, x->section)) {
			idx[i] = idx[i - 1];
			continue;
		}
		idx[i] = nn;
		node[nn++] = i;
		for (j = 0; j < x->ndepends; j++)
			if (sec_index(c, x->depends[j]) < 0)
				conf_report(d, x->file, x->depends_line[j],
					    "depends=%s: no container [%s]", x->depends[j],
					    x->depends[j]);
	}
	/* depth-first search; an edge to a node on the stack closes a cycle */
	memset(color, 0, sizeof(int) * nn);
	for (i = 0; i < nn; i++) {
		int sp = 0;

		if (color[i])
			continue;
		stack[sp] = i, edge[sp] = 0, sp++;
		color[i] = 1;
		while (sp) {
			int u = stack[sp - 1];
			struct conf_ctr *x = &c->ctr[node[u]];
			int e = edge[sp - 1]++, ti, v;

			if (e >= x->ndepends) {
				color[u] = 2;
				sp--;
				continue;
			}
			ti = sec_index(c, x->depends[e]);
			if (ti < 0)
				continue;
			v = idx[ti];
			if (color[v] == 0) {
				color[v] = 1;
				stack[sp] = v, edge[sp] = 0, sp++;
			} else if (color[v] == 1) {
				char msg[400];
				size_t o = 0;
				int k;

				for (k = 0; k < sp && stack[k] != v; k++)
					;
				for (; k < sp && o < sizeof(msg); k++)
					o += snprintf(msg + o, sizeof(msg) - o, "%s -> ",
						      c->ctr[node[stack[k]]].section);
				if (o < sizeof(msg))
					snprintf(msg + o, sizeof(msg) - o, "%s",
						 c->ctr[node[v]].section);
				conf_report(d, x->file, x->depends_line[e], "dependency cycle: %s",
					    msg);
			}
		}
	}
}

static bool ip_used(struct conf *c, uint32_t a, int except)
{
	int i;

	for (i = 0; i < c->nctr; i++)
		if (i != except && c->ctr[i].net == CONF_NET_BRIDGE && c->ctr[i].ip.s_addr &&
		    ntohl(c->ctr[i].ip.s_addr) == a)
			return true;
	return false;
}

/* After a reload, a deploy or a scale: every auto-addressed bridge instance that has
 * an address under `old` keeps it (unless a fixed ip= now claims it), the others take
 * free ones; so an address never changes under a running container and two never
 * share one. Returns how many got none (subnet full; each reported). */
int conf_keep_addresses(struct conf *c, const struct conf *old, struct conf_diag *d)
{
	uint32_t br = ntohl(c->subnet_addr.s_addr);
	uint32_t mask = 0xffffffffu << (32 - c->subnet_prefix);
	uint32_t net = br & mask, bcast = net | ~mask;
	int i, bad = 0;

	for (i = 0; i < c->nctr; i++)
		if (c->ctr[i].net == CONF_NET_BRIDGE && c->ctr[i].ip_auto)
			c->ctr[i].ip.s_addr = 0;
	for (i = 0; old && i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];
		const struct conf_ctr *o = conf_find((struct conf *)old, x->name);
		uint32_t a = o ? ntohl(o->ip.s_addr) : 0;

		if (x->net != CONF_NET_BRIDGE || !x->ip_auto || !o || o->net != CONF_NET_BRIDGE ||
		    !a || (a & mask) != net || a == br || a == net || a == bcast ||
		    ip_used(c, a, i))
			continue;
		x->ip = o->ip;
	}
	for (i = 0; i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];
		uint32_t a = br, tries;

		if (x->net != CONF_NET_BRIDGE || !x->ip_auto || x->ip.s_addr)
			continue;
		for (tries = 0; tries <= ~mask; tries++) { /* the lowest free one after br */
			a = a + 1 > bcast - 1 ? net + 1 : a + 1;
			if (a != br && !ip_used(c, a, i))
				break;
		}
		if (tries > ~mask) {
			conf_report(d, x->file, x->line,
				    "no free address left in the subnet for %s", x->name);
			bad++;
			continue;
		}
		x->ip.s_addr = htonl(a);
	}
	return bad;
}

/* explicit addresses inside the subnet and unique; free ones assigned in table order
 * to instances that have none yet (an instance keeps its address across conf_scale) */
static void check_net(struct conf *c, struct conf_diag *d)
{
	uint32_t br = ntohl(c->subnet_addr.s_addr);
	uint32_t mask = 0xffffffffu << (32 - c->subnet_prefix);
	uint32_t net = br & mask, bcast = net | ~mask, next = br;
	static const char *const proto[] = { [IPPROTO_TCP] = "tcp", [IPPROTO_UDP] = "udp" };
	uint8_t used[2][65536 / 8];
	char sub[INET_ADDRSTRLEN], ab[INET_ADDRSTRLEN];
	int i, j, k;

	util_ip4_str(sub, &c->subnet_addr);
	for (i = 0; i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];
		uint32_t a = ntohl(x->ip.s_addr);

		if (x->net != CONF_NET_BRIDGE || x->ip_auto)
			continue;
		util_ip4_str(ab, &x->ip);
		if ((a & mask) != net)
			conf_report(d, x->file, x->ip_line, "ip %s is outside subnet %s/%d", ab,
				    sub, c->subnet_prefix);
		else if (a == br)
			conf_report(d, x->file, x->ip_line, "ip %s is the bridge address", ab);
		else if (a == net || a == bcast)
			conf_report(d, x->file, x->ip_line,
				    "ip %s is the %s address of subnet %s/%d", ab,
				    a == net ? "network" : "broadcast", sub, c->subnet_prefix);
		for (j = 0; j < i; j++)
			if (c->ctr[j].net == CONF_NET_BRIDGE && c->ctr[j].ip.s_addr == x->ip.s_addr)
				conf_report(d, x->file, x->ip_line,
					    "ip %s already used by %s (%s:%d)", ab, c->ctr[j].name,
					    c->ctr[j].file,
					    c->ctr[j].ip_auto ? c->ctr[j].line : c->ctr[j].ip_line);
	}
	for (i = 0; i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];
		uint32_t tries;

		if (x->net != CONF_NET_BRIDGE || !x->ip_auto || x->ip.s_addr)
			continue;
		/* the addresses following the bridge's, wrapping round the subnet */
		for (tries = 0; tries <= ~mask; tries++) {
			next = next + 1 > bcast - 1 ? net + 1 : next + 1;
			if (next != br && !ip_used(c, next, i))
				break;
		}
		if (tries > ~mask) {
			conf_report(d, x->file, x->line,
				    "no free address left in subnet %s/%d for %s", sub,
				    c->subnet_prefix, x->name);
			continue;
		}
		x->ip.s_addr = htonl(next);
	}

	/* published host ports: one owner per port and protocol */
	memset(used, 0, sizeof(used));
	for (i = 0; i < c->nctr; i++) {
		struct conf_ctr *x = &c->ctr[i];

		if (x->net != CONF_NET_BRIDGE)
			continue;
		for (k = 0; k < x->nport; k++) {
			struct conf_port *p = &x->port[k];
			int pi = p->proto == IPPROTO_UDP;
			int bit = p->host;

			if (!(used[pi][bit / 8] & (1 << (bit % 8)))) {
				used[pi][bit / 8] |= 1 << (bit % 8);
				continue;
			}
			/* find the first owner for the message */
			for (j = 0; j <= i; j++) {
				struct conf_ctr *o = &c->ctr[j];
				int m, mend = j == i ? k : o->nport;

				if (o->net != CONF_NET_BRIDGE)
					continue;
				for (m = 0; m < mend; m++)
					if (o->port[m].host == p->host &&
					    o->port[m].proto == p->proto)
						break;
				if (m < mend) {
					conf_report(
						d, x->file, x->port_line[k],
						"host port %u/%s already published by %s (%s:%d)",
						p->host, proto[p->proto], o->name, o->file,
						o->port_line[m]);
					break;
				}
			}
		}
	}
}

static void check_names(struct conf *c, struct conf_diag *d)
{
	int i, j;

	for (i = 0; i < c->nctr; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(c->ctr[i].name, c->ctr[j].name)) {
				conf_report(d, c->ctr[i].file, c->ctr[i].line,
					    "container name %s clashes with %s from [%s] (%s:%d)",
					    c->ctr[i].name, c->ctr[j].name, c->ctr[j].section,
					    c->ctr[j].file, c->ctr[j].line);
				break;
			}
}

/* a fixed, locally administered MAC derived from the bridge name and subnet, so the
 * bridge keeps its address across boots (FNV-1a) */
static void derive_mac(struct conf *c)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p = (const unsigned char *)c->bridge;
	int i;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (i = 0; i < 4; i++)
		h = (h ^ ((const unsigned char *)&c->subnet_addr)[i]) * 1099511628211ULL;
	for (i = 0; i < 6; i++)
		c->bridge_mac[i] = h >> (8 * i);
	c->bridge_mac[0] = (c->bridge_mac[0] & 0xfe) | 0x02;
}

int conf_finish(struct conf *c, struct conf_diag *d)
{
	struct conf_diag local = { 0 };

	if (!d)
		d = &local;
	check_names(c, d);
	check_depends(c, d);
	if (CONFIG_NET)
		check_net(c, d);
	if (!c->bridge_mac_set)
		derive_mac(c);
	return d->nerr ? -EINVAL : 0;
}

struct conf_ctr *conf_find(struct conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nctr; i++)
		if (!strcmp(c->ctr[i].name, name))
			return &c->ctr[i];
	return NULL;
}

int conf_scale(struct conf *c, const char *section, int n, struct conf_diag *d)
{
	struct conf_diag local = { 0 };
	struct conf_ctr first;
	size_t arena0 = c->arena_used;
	int f, cur = 0, nctr0 = c->nctr, nerr, j;

	if (!d)
		d = &local;
	nerr = d->nerr;
	f = sec_index(c, section);
	if (f < 0) {
		conf_report(d, "scale", 0, "no container [%.64s]", section);
		return -ENOENT;
	}
	while (f + cur < c->nctr && !strcmp(c->ctr[f + cur].section, section))
		cur++;
	if (n < 1 || n > CONFIG_MAX_CONTAINERS) {
		conf_report(d, c->ctr[f].file, c->ctr[f].line, "replicas=%d: out of range 1..%d", n,
			    CONFIG_MAX_CONTAINERS);
		return -ERANGE;
	}
	if (c->nctr - cur + n > CONFIG_MAX_CONTAINERS) {
		conf_report(d, c->ctr[f].file, c->ctr[f].line,
			    "too many containers (CONFIG_MAX_CONTAINERS=%d)",
			    CONFIG_MAX_CONTAINERS);
		return -ENOSPC;
	}
	if (n == cur)
		return 0;
	if (n > 1 && !c->ctr[f].ip_auto) {
		conf_report(d, c->ctr[f].file, c->ctr[f].ip_line,
			    "ip= cannot be combined with replicas=%d (one address, %d instances)",
			    n, n);
		return -EINVAL;
	}
	/* Shrinking removes instances and renames at most one; what could fail is a full
	 * arena for the renamed one's hostname, so make sure of the room first and the
	 * shrink cannot fail half-way. */
	if (n < cur && n == 1 && sizeof(c->arena) - c->arena_used < 128) {
		conf_report(d, c->ctr[f].file, c->ctr[f].line,
			    "config too big for the string arena (CONFIG_CONF_ARENA_KB=%d)",
			    CONFIG_CONF_ARENA_KB);
		return -ENOSPC;
	}
	first = c->ctr[f];
	/* move the sections behind this one, then fill or drop the instances */
	memmove(&c->ctr[f + n], &c->ctr[f + cur], (c->nctr - f - cur) * sizeof(c->ctr[0]));
	for (j = cur; j < n; j++)
		c->ctr[f + j] = first;
	c->nctr += n - cur;
	for (j = 0; j < n; j++) {
		struct conf_ctr *x = &c->ctr[f + j];

		/* existing instances keep their name and address unless the naming scheme
		 * changes (1 <-> N) */
		if (j >= cur || (cur == 1) != (n == 1)) {
			struct in_addr keep = x->ip;

			conf_inst_setup(c, x, j + 1, n, d);
			if (j < cur)
				x->ip = keep;
		} else {
			x->replicas = n;
		}
	}
	if (CONFIG_NET && d->nerr == nerr)
		check_net(c, d);
	if (d->nerr == nerr)
		check_names(c, d);
	if (d->nerr != nerr) {
		/* only growing can fail (see above): put the table back as it was */
		memmove(&c->ctr[f + cur], &c->ctr[f + n], (c->nctr - f - n) * sizeof(c->ctr[0]));
		c->nctr = nctr0;
		for (j = 0; j < cur; j++)
			c->ctr[f + j].replicas = cur;
		c->ctr[f] = first;
		c->arena_used = arena0;
		return -EINVAL;
	}
	return 0;
}
