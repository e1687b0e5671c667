// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/* The config parser: one config with every key and its parsed values, one row per
 * error with its exact FILE:LINE and message, replicas and %i, conf_scale, and
 * /etc/cabin.d ordering in a temp dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cabin/conf.h"

static struct conf c;		/* big: in .bss */
static char out[65536];		/* every diagnostic, "FILE:LINE: msg\n" */
static size_t outlen;

static void collect(void *ctx, const char *file, int line, const char *msg)
{
	int n;

	(void)ctx;
	/* the same shape as `cabin check`: no line for a whole-file problem */
	if (line > 0)
		n = snprintf(out + outlen, sizeof(out) - outlen, "%s:%d: %s\n", file, line, msg);
	else
		n = snprintf(out + outlen, sizeof(out) - outlen, "%s: %s\n", file, msg);
	if (n > 0 && (size_t)n < sizeof(out) - outlen)
		outlen += n;
}

static int parse_len(const char *text, size_t len, struct conf_diag *d)
{
	outlen = 0;
	out[0] = 0;
	*d = (struct conf_diag){ .report = collect };
	conf_init(&c);
	conf_parse_buf(&c, "t.conf", text, len, d);
	return conf_finish(&c, d);
}

static int parse(const char *text, struct conf_diag *d)
{
	return parse_len(text, strlen(text), d);
}

/* the diagnostics hold a line starting with "t.conf:LINE: " that contains frag */
static bool has_err(int line, const char *frag)
{
	char prefix[32];
	const char *p = out;

	snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!strncmp(p, prefix, strlen(prefix)) && memmem(p, n, frag, strlen(frag)))
			return true;
		p += n + (e ? 1 : 0);
	}
	return false;
}

static void expect_err_len(const char *text, size_t len, int line, const char *frag)
{
	struct conf_diag d;
	int r = parse_len(text, len, &d);

	if (r != -EINVAL || d.nerr < 1 || !has_err(line, frag)) {
		print_error("config:\n%.*s\n--- wanted t.conf:%d: ...%s...\n--- got (r=%d):\n%s",
			    (int)(len > 2000 ? 2000 : len), text, line, frag, r, out);
		fail();
	}
}

static void expect_err(const char *text, int line, const char *frag)
{
	expect_err_len(text, strlen(text), line, frag);
}

static void expect_ok(const char *text)
{
	struct conf_diag d;
	int r = parse(text, &d);

	if (r || d.nerr) {
		print_error("config:\n%s\n--- unexpected errors:\n%s", text, out);
		fail();
	}
}

/* ------------------------------------------------------------------------------------ */

static const char good[] =
	"# every key once\n"					/* 1 */
	"hostname=gateway\n"
	"bridge=br-cab\n"
	"subnet=10.77.0.1/16\n"
	"bridge_mac=02:11:22:33:44:55\n"			/* 5 */
	"nat=yes\n"
	"dns=1.1.1.1\n"
	"dns=9.9.9.9\n"
	"watchdog=/dev/watchdog0\n"
	"watchdog_timeout=1m\n"					/* 10 */
	"log_size=32K\n"
	"stop_timeout=20s\n"
	"shutdown_timeout=1m30s\n"
	"cgroup=v1\n"
	"cgroup_parent=/appliance\n"				/* 15 */
	"on_boot_loop=halt\n"
	"\n"
	"[db]\n"
	"rootfs=/var/lib/cabin/db/\n"
	"cmd=/bin/sh -c \"echo \\\"hi there\\\"; exec nc -l\"  x\n" /* 20 */
	"env=MODE=prod\n"
	"env=EMPTY=\n"
	"env=SPACED=a b=c\n"
	"workdir=/srv\n"
	"user=app:staff\n"					/* 25 */
	"hostname=database\n"
	"umask=027\n"
	"rlimit_nofile=4096\n"
	"stop_signal=SIGINT\n"
	"stop_timeout=1500ms\n"					/* 30 */
	"readonly=yes\n"
	"volume=/data/db:/var/db\n"
	"volume=/data/cfg/:/etc/app/:ro\n"
	"tmpfs=/tmp\n"
	"tmpfs=/run:16M\n"					/* 35 */
	"net=bridge\n"
	"cap_add=NET_ADMIN, sys_time\n"
	"cap_drop=cap_chown\n"
	"no_new_privs=no\n"
	"userns=yes\n"						/* 40 */
	"sysctl=net.ipv4.ip_unprivileged_port_start=0\n"
	"sysctl=kernel.shmmax=65536\n"
	"memory=128M\n"
	"memory_high=100M\n"
	"cpu=1.25\n"						/* 45 */
	"cpu_weight=200\n"
	"pids=64\n"
	"io_weight=300\n"
	"ip=10.77.5.5\n"
	"port=5432:5432\n"					/* 50 */
	"port=5432:5432/udp\n"
	"isolated=yes\n"
	"restart=on-failure:7\n"
	"restart_delay=250ms\n"
	"restart_max_delay=2m\n"				/* 55 */
	"restart_reset=30s\n"
	"autostart=no\n"
	"replicas=1\n"
	"health=exec:/bin/check --deep \"a b\"\n"
	"health_interval=15s\n"					/* 60 */
	"health_timeout=3s\n"
	"health_retries=5\n"
	"health_start=20s\n"
	"on_unhealthy=reboot\n"
	"critical=yes\n"					/* 65 */
	"log=file:/var/log/db.log\n"
	"log_size=1M\n"
	"\n"
	"[web]\n"
	"  rootfs = /var/lib/cabin/web  \n"			/* 70 */
	"cmd=/bin/httpd -f -p 80\r\n"
	"depends=db\n"
	"port=808%i:80/tcp\n"
	"hostname=web%i.lan\n"
	"replicas=3\n"						/* 75 */
	"health=tcp:80\n"
	"restart=unless-stopped\n"
	"log=none\n"
	"cap_drop=ALL\n"
	"cap_add=NET_BIND_SERVICE\n"				/* 80 */
	"\n"
	"[tool]\n"
	"rootfs=/r\n"
	"cmd=/bin/true\n"
	"net=none\n"						/* 85 */
	"health=heartbeat\n"
	"restart=always\n"
	"log=console\n"
	"on_unhealthy=none\n"
	"cap_add=ALL\n"						/* 90 */
	"cap_drop=SYS_ADMIN\n";

static void test_good_every_key(void **state)
{
	struct conf_ctr *x;
	struct in_addr a;

	expect_ok(good);
	assert_int_equal(c.nctr, 5);
	assert_string_equal(c.hostname, "gateway");
	assert_string_equal(c.bridge, "br-cab");
	inet_pton(AF_INET, "10.77.0.1", &a);
	assert_int_equal(c.subnet_addr.s_addr, a.s_addr);
	assert_int_equal(c.subnet_prefix, 16);
	assert_true(c.bridge_mac_set);
	assert_int_equal(c.bridge_mac[0], 0x02);
	assert_int_equal(c.bridge_mac[5], 0x55);
	assert_true(c.nat);
	assert_int_equal(c.ndns, 2);
	assert_string_equal(c.dns[1], "9.9.9.9");
	assert_string_equal(c.watchdog, "/dev/watchdog0");
	assert_int_equal(c.watchdog_timeout_s, 60);
	assert_int_equal(c.log_size, 32 * 1024);
	assert_int_equal(c.stop_timeout_ms, 20000);
	assert_int_equal(c.shutdown_timeout_ms, 90000);
	assert_int_equal(c.cgroup, CONF_CGROUP_V1);
	assert_string_equal(c.cgroup_parent, "/appliance");
	assert_int_equal(c.on_boot_loop, CONF_BOOTLOOP_HALT);

	x = conf_find(&c, "db");
	assert_non_null(x);
	assert_string_equal(x->section, "db");
	assert_int_equal(x->instance, 0);
	assert_int_equal(x->replicas, 1);
	assert_string_equal(x->file, "t.conf");
	assert_int_equal(x->line, 18);
	assert_string_equal(x->rootfs, "/var/lib/cabin/db");
	assert_int_equal(x->argc, 4);
	assert_string_equal(x->argv[0], "/bin/sh");
	assert_string_equal(x->argv[1], "-c");
	assert_string_equal(x->argv[2], "echo \"hi there\"; exec nc -l");
	assert_string_equal(x->argv[3], "x");
	assert_null(x->argv[4]);
	assert_int_equal(x->nenv, 3);
	assert_string_equal(x->env[0], "MODE=prod");
	assert_string_equal(x->env[1], "EMPTY=");
	assert_string_equal(x->env[2], "SPACED=a b=c");
	assert_null(x->env[3]);
	assert_string_equal(x->workdir, "/srv");
	assert_string_equal(x->user, "app:staff");
	assert_string_equal(x->hostname, "database");
	assert_int_equal(x->umask, 027);
	assert_int_equal(x->rlimit_nofile, 4096);
	assert_int_equal(x->stop_signal, SIGINT);
	assert_int_equal(x->stop_timeout_ms, 1500);
	assert_true(x->readonly);
	assert_int_equal(x->nvol, 2);
	assert_string_equal(x->vol[0].src, "/data/db");
	assert_string_equal(x->vol[0].dst, "/var/db");
	assert_false(x->vol[0].ro);
	assert_string_equal(x->vol[1].src, "/data/cfg");
	assert_string_equal(x->vol[1].dst, "/etc/app");
	assert_true(x->vol[1].ro);
	assert_int_equal(x->ntmpfs, 2);
	assert_string_equal(x->tmpfs[0].path, "/tmp");
	assert_int_equal(x->tmpfs[0].size, 0);
	assert_string_equal(x->tmpfs[1].path, "/run");
	assert_int_equal(x->tmpfs[1].size, 16 << 20);
	assert_int_equal(x->net, CONF_NET_BRIDGE);
	assert_int_equal(x->cap_add, (1ULL << 12) | (1ULL << 25)); /* NET_ADMIN, SYS_TIME */
	assert_int_equal(x->cap_drop, 1ULL << 0);		    /* CHOWN */
	assert_false(x->no_new_privs);
	assert_true(x->userns);
	assert_int_equal(x->nsysctl, 2);
	assert_string_equal(x->sysctl[0].key, "net.ipv4.ip_unprivileged_port_start");
	assert_string_equal(x->sysctl[0].val, "0");
	assert_string_equal(x->sysctl[1].key, "kernel.shmmax");
	assert_int_equal(x->memory, 128 << 20);
	assert_int_equal(x->memory_high, 100 << 20);
	assert_int_equal(x->cpu_milli, 1250);
	assert_int_equal(x->cpu_weight, 200);
	assert_int_equal(x->pids, 64);
	assert_int_equal(x->io_weight, 300);
	inet_pton(AF_INET, "10.77.5.5", &a);
	assert_int_equal(x->ip.s_addr, a.s_addr);
	assert_false(x->ip_auto);
	assert_int_equal(x->nport, 2);
	assert_int_equal(x->port[0].host, 5432);
	assert_int_equal(x->port[0].proto, IPPROTO_TCP);
	assert_int_equal(x->port[1].proto, IPPROTO_UDP); /* same port, other protocol: fine */
	assert_true(x->isolated);
	assert_int_equal(x->restart, CONF_RESTART_ON_FAILURE);
	assert_int_equal(x->restart_max, 7);
	assert_int_equal(x->restart_delay_ms, 250);
	assert_int_equal(x->restart_max_delay_ms, 120000);
	assert_int_equal(x->restart_reset_ms, 30000);
	assert_false(x->autostart);
	assert_int_equal(x->health, CONF_HEALTH_EXEC);
	assert_int_equal(x->health_argc, 3);
	assert_string_equal(x->health_argv[2], "a b");
	assert_null(x->health_argv[3]);
	assert_int_equal(x->health_interval_ms, 15000);
	assert_int_equal(x->health_timeout_ms, 3000);
	assert_int_equal(x->health_retries, 5);
	assert_int_equal(x->health_start_ms, 20000);
	assert_int_equal(x->on_unhealthy, CONF_UNHEALTHY_REBOOT);
	assert_true(x->critical);
	assert_int_equal(x->log, CONF_LOG_FILE);
	assert_string_equal(x->log_path, "/var/log/db.log");
	assert_int_equal(x->log_size, 1 << 20);

	/* defaults, and the global stop_timeout/log_size inherited */
	x = conf_find(&c, "web-2");
	assert_non_null(x);
	assert_string_equal(x->rootfs, "/var/lib/cabin/web");
	assert_int_equal(x->argc, 4);
	assert_string_equal(x->argv[3], "80");
	assert_string_equal(x->workdir, "/");
	assert_null(x->user);
	assert_int_equal(x->umask, 022);
	assert_int_equal(x->rlimit_nofile, 1024);
	assert_int_equal(x->stop_signal, SIGTERM);
	assert_int_equal(x->stop_timeout_ms, 20000);
	assert_int_equal(x->log_size, 32 * 1024);
	assert_true(x->no_new_privs);
	assert_false(x->userns);
	assert_false(x->readonly);
	assert_int_equal(x->pids, 256);
	assert_int_equal(x->memory, 0);
	assert_int_equal(x->restart, CONF_RESTART_UNLESS_STOPPED);
	assert_int_equal(x->restart_delay_ms, 100);
	assert_int_equal(x->restart_max_delay_ms, 60000);
	assert_int_equal(x->restart_reset_ms, 10000);
	assert_true(x->autostart);
	assert_int_equal(x->health, CONF_HEALTH_TCP);
	assert_int_equal(x->health_port, 80);
	assert_int_equal(x->health_interval_ms, 30000);
	assert_int_equal(x->health_timeout_ms, 5000);
	assert_int_equal(x->health_retries, 3);
	assert_int_equal(x->on_unhealthy, CONF_UNHEALTHY_RESTART);
	assert_false(x->critical);
	assert_int_equal(x->log, CONF_LOG_NONE);
	assert_int_equal(x->ndepends, 1);
	assert_string_equal(x->depends[0], "db");
	assert_int_equal(x->cap_drop, (1ULL << 41) - 1);
	assert_int_equal(x->cap_add, 1ULL << 10);

	x = conf_find(&c, "tool");
	assert_non_null(x);
	assert_int_equal(x->net, CONF_NET_NONE);
	assert_int_equal(x->ip.s_addr, 0);
	assert_int_equal(x->health, CONF_HEALTH_HEARTBEAT);
	assert_int_equal(x->restart, CONF_RESTART_ALWAYS);
	assert_int_equal(x->log, CONF_LOG_CONSOLE);
	assert_int_equal(x->on_unhealthy, CONF_UNHEALTHY_NONE);
	/* cap_add=ALL with cap_drop=X: everything but X */
	assert_int_equal((conf_cap_default() & ~x->cap_drop) | x->cap_add,
			 ((1ULL << 41) - 1) & ~(1ULL << 21));
	assert_null(conf_find(&c, "web"));
	assert_null(conf_find(&c, "nope"));
}

static void test_defaults(void **state)
{
	struct in_addr a;

	expect_ok("[a]\nrootfs=/r\ncmd=x\n");
	assert_null(c.hostname);
	assert_string_equal(c.bridge, "cab0");
	inet_pton(AF_INET, "10.88.0.1", &a);
	assert_int_equal(c.subnet_addr.s_addr, a.s_addr);
	assert_int_equal(c.subnet_prefix, 24);
	assert_false(c.bridge_mac_set);
	assert_int_equal(c.bridge_mac[0] & 3, 2); /* derived: local, unicast */
	assert_false(c.nat);
	assert_null(c.watchdog);
	assert_int_equal(c.watchdog_timeout_s, 30);
	assert_int_equal(c.log_size, CONFIG_LOG_RING_KB * 1024);
	assert_int_equal(c.stop_timeout_ms, 10000);
	assert_int_equal(c.shutdown_timeout_ms, 30000);
	assert_int_equal(c.cgroup, CONF_CGROUP_AUTO);
	assert_int_equal(c.ctr[0].stop_timeout_ms, 10000);
	assert_string_equal(c.ctr[0].hostname, "a");
	assert_string_equal(c.ctr[0].name, "a");
	inet_pton(AF_INET, "10.88.0.2", &a);
	assert_int_equal(c.ctr[0].ip.s_addr, a.s_addr);
	assert_true(c.ctr[0].ip_auto);
}

static void test_syntax(void **state)
{
	struct conf_ctr *x;

	expect_ok("# comment\n"
		  "   # indented comment\n"
		  "\n"
		  "\t\n"
		  "[ spaced ]\n"
		  "rootfs = /r\n"
		  "\tcmd\t=\t/bin/echo   a\t\"\"  \"#not a comment\"\n"
		  "env=COLOR=#fff\n"
		  "health=none\n"
		  "restart=on-failure\n"
		  "[d2]\nrootfs=/r\ncmd=x\ndepends=spaced\nreplicas=2\n"
		  "[d3]\nrootfs=/r\ncmd=x\ndepends=d2\n");
	x = conf_find(&c, "spaced");
	assert_non_null(x);
	assert_int_equal(x->argc, 4);
	assert_string_equal(x->argv[1], "a");
	assert_string_equal(x->argv[2], ""); /* "" is an empty word */
	assert_string_equal(x->argv[3], "#not a comment");
	assert_string_equal(x->env[0], "COLOR=#fff");
	assert_int_equal(x->health, CONF_HEALTH_NONE);
	assert_int_equal(x->restart, CONF_RESTART_ON_FAILURE);
	assert_int_equal(x->restart_max, 0);
	assert_non_null(conf_find(&c, "d2-2"));
	/* a cycle through a replicated section names sections, not instances */
	expect_err("[a]\nrootfs=/r\ncmd=x\nreplicas=2\ndepends=b\n"
		   "[b]\nrootfs=/r\ncmd=x\ndepends=a\n",
		   9, "dependency cycle: a -> b -> a");
}

/* ------------------------------------------------------------------------------------ */
/* one row per error                                                                    */

#define B "[a]\nrootfs=/r\ncmd=/bin/x\n" /* lines 1-3: a valid section */

static const struct {
	const char *text;
	int line;
	const char *frag;
} bad_rows[] = {
	/* keys */
	{ B "memroy=1M\n", 4, "unknown key 'memroy' (did you mean 'memory'?)" },
	{ B "helth=tcp:80\n", 4, "(did you mean 'health'?)" },
	{ B "cpus=1\n", 4, "(did you mean 'cpu'?)" },
	{ B "frobnicate=1\n", 4, "unknown key 'frobnicate'" },
	{ B "pids=1\npids=2\n", 5, "duplicate key 'pids' (first at line 4)" },
	{ "nat=yes\nnat=no\n", 2, "duplicate key 'nat' (first at line 1)" },
	{ "rootfs=/x\n" B, 1, "container key 'rootfs' outside a [name] section" },
	{ B "bridge=br0\n", 4, "global key 'bridge' inside [a]" },
	{ B "justtext\n", 4, "expected key=value or [name]" },
	{ B "pids=\n", 4, "pids= needs a value" },
	{ B "[b\n", 4, "bad section header" },
	{ B "[b] x\n", 4, "bad section header" },
	/* values */
	{ B "memory=12X\n", 4, "memory=12X: not a size (number with K, M or G)" },
	{ B "memory=1K\n", 4, "memory=1K: out of range" },
	{ B "memory=99999999999999999999G\n", 4, "out of range" },
	{ B "memory=64M\nmemory_high=65M\n", 5, "memory_high= is above memory=" },
	{ B "restart_delay=5x\n", 4, "restart_delay=5x: not a duration" },
	{ B "health_interval=1ms\n", 4, "health_interval=1ms: out of range" },
	{ B "restart_delay=2m\nrestart_max_delay=1m\n", 5, "restart_delay= is above" },
	{ B "readonly=maybe\n", 4, "readonly=maybe: not a boolean (yes or no)" },
	{ B "net=wifi\n", 4, "net=wifi: want one of bridge|none|host" },
	{ B "pids=0\n", 4, "pids=0: out of range 1..4194304" },
	{ B "pids=lots\n", 4, "pids=lots: not a number" },
	{ B "cpu=0.0001\n", 4, "cpu=0.0001: want cores" },
	{ B "cpu=2000\n", 4, "cpu=2000: out of range 0.01..1024" },
	{ B "cpu=.\n", 4, "want cores" },
	{ B "cpu_weight=0\n", 4, "cpu_weight=0: out of range 1..10000" },
	{ B "io_weight=10001\n", 4, "out of range 1..10000" },
	{ B "umask=999\n", 4, "umask=999: want an octal mask" },
	{ B "rlimit_nofile=1\n", 4, "rlimit_nofile=1: out of range" },
	{ B "stop_signal=FOO\n", 4, "stop_signal=FOO: unknown signal" },
	{ B "stop_timeout=2h\n", 4, "stop_timeout=2h: out of range" },
	{ B "restart=sometimes\n", 4, "restart=sometimes: want one of" },
	{ B "restart=on-failure:x\n", 4, "want on-failure:N" },
	{ B "replicas=0\n", 4, "replicas=0: out of range 1.." },
	{ B "health=ping\n", 4, "want exec:CMD, tcp:PORT, notify or none" },
	{ B "health=tcp:0\n", 4, "out of range 1..65535" },
	{ B "health=exec:\n", 4, "no command" },
	{ B "health_retries=0\n", 4, "out of range 1..1000" },
	{ B "on_unhealthy=panic\n", 4, "want one of restart|none|reboot" },
	{ B "log=syslog\n", 4, "want one of ring|console|file:PATH|none" },
	{ B "log=file:log.txt\n", 4, "not an absolute path" },
	{ B "log_size=10\n", 4, "log_size=10: out of range" },
	{ B "cap_add=FLY\n", 4, "unknown capability FLY" },
	{ B "cap_add=NET_ADMIN\ncap_drop=NET_ADMIN\n", 5, "NET_ADMIN both added and dropped" },
	{ B "sysctl=kernel.hostname=x\n", 4, "kernel.hostname is not namespaced" },
	{ B "sysctl=net..x=1\n", 4, "bad sysctl name" },
	{ B "sysctl=net.x\n", 4, "want KEY=VALUE" },
	{ B "net=host\nsysctl=net.ipv4.ip_forward=1\n", 5, "with net=host would change the host" },
	{ B "env=1X=2\n", 4, "env=1X=2: want NAME=VALUE" },
	{ B "env=NOVALUE\n", 4, "want NAME=VALUE" },
	{ B "env=A=1\nenv=A=2\n", 5, "A set twice" },
	{ B "user=ro ot\n", 4, "want UID[:GID] or NAME[:GROUP]" },
	{ B "user=4294967295\n", 4, "want UID[:GID] or NAME[:GROUP]" },
	{ B "user=0:4294967295\n", 4, "want UID[:GID] or NAME[:GROUP]" },
	{ B "workdir=srv\n", 4, "workdir=srv: not an absolute path" },
	{ B "hostname=-bad\n", 4, "not a hostname" },
	{ "hostname=a b\n", 1, "not a hostname" },
	{ B "cmd=/bin/y\n", 4, "duplicate key 'cmd' (first at line 3)" },
	{ B "=5\n", 4, "missing key before '='" },
	{ B "depends=Bad\n", 4, "not a container name" },
	{ B "depends=a\ndepends=a\n", 5, "listed twice" },
	/* names and sections */
	{ "[Web]\nrootfs=/r\ncmd=x\n", 1, "invalid container name 'Web'" },
	{ "[-web]\nrootfs=/r\ncmd=x\n", 1, "invalid container name" },
	{ "[abcdefghijabcdefghijabcdefghijab]\nrootfs=/r\ncmd=x\n", 1, "invalid container name" },
	{ B "[a]\nrootfs=/r\ncmd=/x\n", 4, "duplicate container [a] (first at t.conf:1)" },
	{ "[a]\ncmd=/x\n", 1, "[a]: missing rootfs=" },
	{ "[a]\nrootfs=/r\n", 1, "[a]: missing cmd=" },
	{ "[a]\nrootfs=/\ncmd=x\n", 2, "cannot be a container rootfs" },
	{ "[a]\nrootfs=/r/../etc\ncmd=x\n", 2, "'..' component in path" },
	{ "[a]\nrootfs=/r\ncmd=\"unterminated\n", 3, "unterminated \"" },
	/* dependencies */
	{ B "depends=ghost\n", 4, "depends=ghost: no container [ghost]" },
	{ B "depends=a\n", 4, "dependency cycle: a -> a" },
	{ "[a]\nrootfs=/r\ncmd=/x\ndepends=b\n[b]\nrootfs=/r\ncmd=/x\ndepends=c\n"
	  "[c]\nrootfs=/r\ncmd=/x\ndepends=a\n",
	  12, "dependency cycle: a -> b -> c -> a" },
	/* network */
	{ B "ip=10.88.0.5\n[b]\nrootfs=/r\ncmd=/x\nip=10.88.0.5\n", 8,
	  "ip 10.88.0.5 already used by a (t.conf:4)" },
	{ B "ip=10.99.0.2\n", 4, "ip 10.99.0.2 is outside subnet 10.88.0.1/24" },
	{ B "ip=10.88.0.1\n", 4, "is the bridge address" },
	{ B "ip=10.88.0.255\n", 4, "is the broadcast address" },
	{ B "ip=10.88.0.0\n", 4, "is the network address" },
	{ B "ip=10.88.0.300\n", 4, "not an IPv4 address" },
	{ B "net=none\nip=10.88.0.7\n", 5, "ip= needs net=bridge" },
	{ B "port=8080:80\n[b]\nrootfs=/r\ncmd=/x\nport=8080:81/tcp\n", 8,
	  "host port 8080/tcp already published by a (t.conf:4)" },
	{ B "port=53:53/udp\nport=53:5353/udp\n", 5, "host port 53/udp already published by a" },
	{ B "port=80\n", 4, "want HOST:CTR" },
	{ B "port=80:80/sctp\n", 4, "protocol must be tcp or udp" },
	{ B "port=0:80\n", 4, "host port out of range" },
	{ B "port=80:70000\n", 4, "container port out of range" },
	{ B "net=host\nport=80:80\n", 5, "port= needs net=bridge" },
	{ B "ip=10.88.0.9\nreplicas=2\n", 4, "ip= cannot be combined with replicas=2" },
	{ "[web]\nrootfs=/r\ncmd=/x\nreplicas=2\n[web-1]\nrootfs=/r\ncmd=/x\n", 5,
	  "container name web-1 clashes with web-1 from [web] (t.conf:1)" },
	{ "[web]\nrootfs=/r\ncmd=/x\nport=6553%i:80\nreplicas=6\n", 4,
	  "host port out of range 1..65535 for web-6" },
	{ "subnet=10.0.0.1/31\n", 1, "subnet=31: out of range 8..30" },
	{ "subnet=10.0.0.1\n", 1, "want ADDRESS/PREFIX" },
	{ "subnet=10.0.0.0/24\n", 1, "cannot be the network or broadcast" },
	{ "subnet=10.0.0.1/30\n[a]\nrootfs=/r\ncmd=x\n[b]\nrootfs=/r\ncmd=x\n", 5,
	  "no free address left in subnet 10.0.0.1/30 for b" },
	{ "bridge=averyveryverylongname\n", 1, "not an interface name" },
	{ "bridge_mac=01:00:5e:00:00:01\n", 1, "multicast" },
	{ "bridge_mac=02:00:00:00:00\n", 1, "want a MAC address" },
	{ "bridge_mac=02:00:00:00:00:0g\n", 1, "want a MAC address" },
	{ "bridge_mac=02:00:00:00:00:001\n", 1, "want a MAC address" },
	{ "bridge_mac=02-00-00-00-00-01\n", 1, "want a MAC address" },
	{ "bridge_mac=2:0:0:0:0:1\n", 1, "want a MAC address" },
	{ "dns=1.1.1.1\ndns=1.1.1.2\ndns=1.1.1.3\ndns=1.1.1.4\ndns=1.1.1.5\n", 5,
	  "too many dns= (at most 4)" },
	{ "dns=one.one\n", 1, "not an IPv4 address" },
	{ "watchdog=dev/watchdog\n", 1, "not an absolute path" },
	{ "watchdog_timeout=1500ms\n", 1, "whole seconds" },
	{ "cgroup=v3\n", 1, "want one of auto|v1|v2" },
	{ "cgroup_parent=../x\n", 1, "not an absolute path" },
	{ "on_boot_loop=explode\n", 1, "want one of none|stop|halt" },
	/* filesystem (research reliability.md A10: no volume onto /proc, /sys, /dev) */
	{ B "volume=/a:/proc/sys/kernel\n", 4, "destination under /proc, /sys or /dev" },
	{ B "volume=/a:/sys\n", 4, "destination under /proc, /sys or /dev" },
	{ B "volume=/a:/dev/mem:ro\n", 4, "destination under /proc, /sys or /dev" },
	{ B "volume=/a://proc\n", 4, "empty path component" },
	{ B "volume=/a:/x/../proc\n", 4, "'..' component" },
	{ B "volume=/a/./b:/x\n", 4, "'.' component" },
	{ B "volume=a:/x\n", 4, "source not an absolute path" },
	{ B "volume=/a:x\n", 4, "destination not an absolute path" },
	{ B "volume=/a\n", 4, "want HOST:CTR[:ro]" },
	{ B "volume=/a:/b:rx\n", 4, "option must be ro or rw" },
	{ B "volume=/a:/\n", 4, "cannot mount over the container's /" },
	{ B "volume=/run:/x\n", 4, "would expose cabin's own files" },
	{ B "volume=/dev:/x\n", 4, "would expose cabin's own files" },
	{ B "volume=/:/x\n", 4, "would expose cabin's own files" },
	{ B "volume=/a:/x\ntmpfs=/x\n", 5, "a second mount on /x" },
	{ B "tmpfs=/dev/shm\n", 4, "destination under /proc, /sys or /dev" },
	{ B "tmpfs=/tmp:1\n", 4, "size must be 4K..1024G" },
	/* bytes */
	{ B "env=A=\x01\n", 4, "binary junk in line (byte 0x01)" },
	{ B "env=A=\x7f\n", 4, "binary junk in line (byte 0x7f)" },
	{ B "env=A=b\rc\n", 4, "binary junk in line (byte 0x0d)" },
};

static void test_bad_rows(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++)
		expect_err(bad_rows[i].text, bad_rows[i].line, bad_rows[i].frag);
}

/* every error is reported, not only the first, and the parse goes on after each */
static void test_all_errors(void **state)
{
	struct conf_diag d;

	assert_int_equal(parse("nat=maybe\n"			/* 1 */
			       "[a]\n"
			       "rootfs=/r\n"
			       "cmd=/x\n"
			       "pids=0\n"			/* 5 */
			       "memroy=1M\n"
			       "[b]\n"
			       "rootfs=/r\n"
			       "cmd=/x\n"
			       "depends=nothere\n",		/* 10 */
			       &d),
			 -EINVAL);
	assert_int_equal(d.nerr, 4);
	assert_true(has_err(1, "nat=maybe"));
	assert_true(has_err(5, "pids=0"));
	assert_true(has_err(6, "memroy"));
	assert_true(has_err(10, "nothere"));
}

static void test_bytes(void **state)
{
	static const char nul[] = B "env=A=b\0c\n";
	char line[CONFIG_CONF_LINE_MAX + 64];
	char text[sizeof(line) + 64];
	char junk[200];
	int i;

	expect_err_len(nul, sizeof(nul) - 1, 4, "binary junk in line (byte 0x00)");

	/* a line of exactly CONF_LINE_MAX is fine, one byte more is not */
	memset(line, 'x', sizeof(line));
	snprintf(text, sizeof(text), B "env=A=%.*s\n", CONFIG_CONF_LINE_MAX - 6, line);
	expect_ok(text);
	snprintf(text, sizeof(text), B "env=A=%.*s\nbogus\n", CONFIG_CONF_LINE_MAX - 5, line);
	expect_err(text, 4, "line too long (CONFIG_CONF_LINE_MAX=" );
	assert_true(has_err(5, "expected key=value")); /* and the next line is line 5 */
	/* also as the last line without a newline */
	snprintf(text, sizeof(text), B "env=A=%.*s", CONFIG_CONF_LINE_MAX, line);
	expect_err(text, 4, "line too long");

	/* a binary file: a few lines of junk reported, then it gives up */
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = i % 7 ? (char)((i * 37) & 0x1f) : '\n';
	expect_err_len(junk, sizeof(junk), 2, "binary junk");
	assert_true(strstr(out, "too much binary junk, ignoring the rest of the file") != NULL);

	/* CRLF line ends are tolerated */
	expect_ok("[a]\r\nrootfs=/r\r\ncmd=/x\r\n");
}

/* more of anything than the build allows: the message names the Kconfig option */
static void test_limits(void **state)
{
	static char text[65536];
	size_t o;
	int i;

#define START() (o = (size_t)snprintf(text, sizeof(text), B))
#define ADD(...) (o += (size_t)snprintf(text + o, sizeof(text) - o, __VA_ARGS__))
	START();
	for (i = 0; i <= CONFIG_MAX_ENV; i++)
		ADD("env=E%d=1\n", i);
	expect_err(text, 4 + CONFIG_MAX_ENV, "too many env= (CONFIG_MAX_ENV=");

	START();
	for (i = 0; i <= CONFIG_MAX_MOUNTS; i++)
		ADD(i % 2 ? "tmpfs=/t%d\n" : "volume=/h:/v%d\n", i);
	expect_err(text, 4 + CONFIG_MAX_MOUNTS, "too many volume=/tmpfs= (CONFIG_MAX_MOUNTS=");

	START();
	for (i = 0; i <= CONFIG_MAX_PORTS; i++)
		ADD("port=%d:80\n", 1000 + i);
	expect_err(text, 4 + CONFIG_MAX_PORTS, "too many port= (CONFIG_MAX_PORTS=");

	START();
	for (i = 0; i <= CONFIG_MAX_SYSCTL; i++)
		ADD("sysctl=net.core.x%d=1\n", i);
	expect_err(text, 4 + CONFIG_MAX_SYSCTL, "too many sysctl= (CONFIG_MAX_SYSCTL=");

	o = (size_t)snprintf(text, sizeof(text), "[a]\nrootfs=/r\ncmd=/x\n");
	for (i = 0; i <= CONFIG_MAX_DEPENDS; i++)
		ADD("depends=d%d\n", i);
	for (i = 0; i < CONFIG_MAX_DEPENDS; i++)
		ADD("[d%d]\nrootfs=/r\ncmd=/x\n", i);
	expect_err(text, 4 + CONFIG_MAX_DEPENDS, "too many depends= (CONFIG_MAX_DEPENDS=");

	START();
	ADD("health=exec:");
	for (i = 0; i <= CONFIG_MAX_ARGS; i++)
		ADD(" w%d", i);
	ADD("\n");
	expect_err(text, 4, "too many words (CONFIG_MAX_ARGS=");

	/* containers: sections, and replicas that would overflow the table */
	o = 0;
	for (i = 0; i <= CONFIG_MAX_CONTAINERS; i++)
		ADD("[c%d]\nrootfs=/r\ncmd=/x\nnet=none\n", i);
	expect_err(text, 4 * CONFIG_MAX_CONTAINERS + 1,
		   "too many containers (CONFIG_MAX_CONTAINERS=");
	o = 0;
	ADD("[a]\nrootfs=/r\ncmd=/x\nnet=none\nreplicas=%d\n", CONFIG_MAX_CONTAINERS);
	ADD("[b]\nrootfs=/r\ncmd=/x\nnet=none\nreplicas=2\n");
	expect_err(text, 10, "too many containers (CONFIG_MAX_CONTAINERS=");
#undef START
#undef ADD
}

/* ------------------------------------------------------------------------------------ */

static const char *ip_of(const char *name)
{
	static char buf[INET_ADDRSTRLEN];
	struct conf_ctr *x = conf_find(&c, name);

	if (!x)
		return "none";
	inet_ntop(AF_INET, &x->ip, buf, sizeof(buf));
	return buf;
}

static void test_replicas(void **state)
{
	struct conf_ctr *x;

	expect_ok("[db]\nrootfs=/r\ncmd=/x\nip=10.88.0.3\n"
		  "[web]\nrootfs=/r\ncmd=/x\nport=808%i:80\nport=900%i:9%i/udp\n"
		  "hostname=w%i-host\nreplicas=3\ndepends=db\n"
		  "[tail]\nrootfs=/r\ncmd=/x\n");
	assert_int_equal(c.nctr, 5);
	assert_string_equal(c.ctr[1].name, "web-1");
	assert_string_equal(c.ctr[3].name, "web-3");
	assert_string_equal(c.ctr[4].name, "tail");
	x = conf_find(&c, "web-2");
	assert_non_null(x);
	assert_string_equal(x->section, "web");
	assert_int_equal(x->instance, 2);
	assert_int_equal(x->replicas, 3);
	assert_string_equal(x->hostname, "w2-host");
	assert_int_equal(x->port[0].host, 8082);
	assert_int_equal(x->port[0].ctr, 80);
	assert_int_equal(x->port[1].host, 9002);
	assert_int_equal(x->port[1].proto, IPPROTO_UDP);
	assert_int_equal(x->port[1].ctr, 92);
	assert_string_equal(x->port_spec[0], "808%i:80");
	/* addresses in instance order after the bridge, skipping the fixed one */
	assert_string_equal(ip_of("db"), "10.88.0.3");
	assert_string_equal(ip_of("web-1"), "10.88.0.2");
	assert_string_equal(ip_of("web-2"), "10.88.0.4");
	assert_string_equal(ip_of("web-3"), "10.88.0.5");
	assert_string_equal(ip_of("tail"), "10.88.0.6");
}

static void test_replica_udp_clash(void **state)
{
	/* a host port without %i in a replicated section clashes with itself */
	expect_err("[web]\nrootfs=/r\ncmd=/x\nport=9000:9%i/udp\nreplicas=2\n", 4,
		   "host port 9000/udp already published by web-1");
}

static void test_scale(void **state)
{
	struct conf_diag d = { .report = collect };
	size_t arena;

	expect_ok("[web]\nrootfs=/r\ncmd=/x\nport=808%i:80\nhostname=h%i\n"
		  "[db]\nrootfs=/r\ncmd=/x\nport=8083:5432\n"
		  "[other]\nrootfs=/r\ncmd=/x\nreplicas=2\n");
	assert_int_equal(c.nctr, 4);
	assert_string_equal(c.ctr[0].name, "web");
	assert_string_equal(ip_of("web"), "10.88.0.2");
	assert_string_equal(ip_of("db"), "10.88.0.3");
	assert_string_equal(ip_of("other-2"), "10.88.0.5");

	/* 1 -> 2: web becomes web-1 (keeps its address), web-2 is new */
	assert_int_equal(conf_scale(&c, "web", 2, &d), 0);
	assert_int_equal(c.nctr, 5);
	assert_string_equal(c.ctr[0].name, "web-1");
	assert_string_equal(c.ctr[1].name, "web-2");
	assert_string_equal(c.ctr[2].name, "db");
	assert_string_equal(ip_of("web-1"), "10.88.0.2");
	assert_string_equal(ip_of("db"), "10.88.0.3");
	assert_string_equal(ip_of("web-2"), "10.88.0.6");
	assert_string_equal(conf_find(&c, "web-2")->hostname, "h2");
	assert_int_equal(conf_find(&c, "web-2")->port[0].host, 8082);
	assert_int_equal(conf_find(&c, "web-1")->replicas, 2);

	/* 2 -> 3 would publish 8083, which db has: refused, nothing changed */
	arena = c.arena_used;
	outlen = 0;
	assert_int_equal(conf_scale(&c, "web", 3, &d), -EINVAL);
	/* table order: web-3 would sit before db, so db's port= is the second owner */
	assert_true(has_err(9, "host port 8083/tcp already published by web-3 (t.conf:4)"));
	assert_int_equal(c.nctr, 5);
	assert_int_equal(c.arena_used, arena);
	assert_string_equal(c.ctr[1].name, "web-2");
	assert_string_equal(c.ctr[2].name, "db");
	assert_int_equal(c.ctr[0].replicas, 2);
	assert_null(conf_find(&c, "web-3"));

	/* shrink to 1: back to the bare name, same address */
	assert_int_equal(conf_scale(&c, "other", 1, &d), 0);
	assert_int_equal(c.nctr, 4);
	assert_string_equal(c.ctr[3].name, "other");
	assert_string_equal(ip_of("other"), "10.88.0.4");
	assert_int_equal(c.ctr[3].instance, 0);

	/* grow 'other' at the end of the table */
	assert_int_equal(conf_scale(&c, "other", 4, &d), 0);
	assert_int_equal(c.nctr, 7);
	assert_string_equal(c.ctr[6].name, "other-4");
	assert_string_equal(ip_of("other-1"), "10.88.0.4");
	assert_string_equal(ip_of("other-2"), "10.88.0.5");
	assert_string_equal(ip_of("other-4"), "10.88.0.8");

	assert_int_equal(conf_scale(&c, "web", 1, &d), 0);
	assert_string_equal(c.ctr[0].name, "web");
	assert_string_equal(c.ctr[0].hostname, "h1");

	/* errors */
	assert_int_equal(conf_scale(&c, "nope", 2, &d), -ENOENT);
	assert_int_equal(conf_scale(&c, "web", 0, &d), -ERANGE);
	assert_int_equal(conf_scale(&c, "web", CONFIG_MAX_CONTAINERS, &d), -ENOSPC);
	assert_int_equal(c.nctr, 6);
}

static void test_scale_fixed_ip(void **state)
{
	struct conf_diag d = { .report = collect };

	expect_ok("[db]\nrootfs=/r\ncmd=/x\nip=10.88.0.9\n");
	assert_int_equal(conf_scale(&c, "db", 2, &d), -EINVAL);
	assert_true(has_err(4, "ip= cannot be combined with replicas=2"));
	assert_int_equal(c.nctr, 1);
}

/* ------------------------------------------------------------------------------------ */

static char tmp[64];

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int load(const char *main, const char *dir)
{
	struct conf_diag d = { .report = collect };
	char mp[128], dp[128];

	snprintf(mp, sizeof(mp), "%s/%s", tmp, main);
	snprintf(dp, sizeof(dp), "%s/%s", tmp, dir);
	outlen = 0;
	out[0] = 0;
	return conf_load(&c, mp, dp, &d);
}

static void test_confdir(void **state)
{
	char p[512];

	snprintf(tmp, sizeof(tmp), "/tmp/cabin-test-conf.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/cabin.d", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
#define F(name) (snprintf(p, sizeof(p), "%s/%s", tmp, name), p)
	put(F("cabin.conf"), "bridge=cab9\n[main]\nrootfs=/r\ncmd=/x\n", 0644);
	put(F("cabin.d/b.conf"), "[b1]\nrootfs=/r\ncmd=/x\n[b2]\nrootfs=/r\ncmd=/x\n", 0644);
	put(F("cabin.d/a.conf"), "[a]\nrootfs=/r\ncmd=/x\ndepends=b2\n", 0644);
	put(F("cabin.d/10-z.conf"), "[z]\nrootfs=/r\ncmd=/x\n", 0644);
	put(F("cabin.d/B.conf"), "[upper]\nrootfs=/r\ncmd=/x\n", 0644);
	put(F("cabin.d/notes.txt"), "not a config\n", 0644);
	put(F("cabin.d/.hidden.conf"), "garbage\n", 0644);
	put(F("cabin.d/x.conf.bak"), "garbage\n", 0644);

	assert_int_equal(load("cabin.conf", "cabin.d"), 0);
	assert_string_equal(out, "");
	assert_int_equal(c.nctr, 6);
	/* main file first, then byte-wise name order: 10-z, B, a, b */
	assert_string_equal(c.ctr[0].name, "main");
	assert_string_equal(c.ctr[1].name, "z");
	assert_string_equal(c.ctr[2].name, "upper");
	assert_string_equal(c.ctr[3].name, "a");
	assert_string_equal(c.ctr[4].name, "b1");
	assert_string_equal(c.ctr[5].name, "b2");
	assert_string_equal(c.bridge, "cab9");
	snprintf(p, sizeof(p), "%s/cabin.d/b.conf", tmp);
	assert_string_equal(c.ctr[5].file, p);
	assert_int_equal(c.ctr[5].line, 4);

	/* missing directory: fine */
	assert_int_equal(load("cabin.conf", "nope.d"), 0);
	assert_int_equal(c.nctr, 1);

	/* a duplicate across files names both places; global keys only in the main file */
	put(F("cabin.d/c.conf"), "nat=yes\n[main]\nrootfs=/r\ncmd=/x\n", 0644);
	assert_int_equal(load("cabin.conf", "cabin.d"), -EINVAL);
	snprintf(p, sizeof(p), "%s/cabin.d/c.conf:1: global key 'nat' is only allowed in the main",
		 tmp);
	assert_non_null(strstr(out, p));
	snprintf(p, sizeof(p), "%s/cabin.d/c.conf:2: duplicate container [main] (first at %s/cabin.conf:2)",
		 tmp, tmp);
	assert_non_null(strstr(out, p));
	unlink(F("cabin.d/c.conf"));

	/* group- or world-writable files and directory: refused, like sshd */
	assert_int_equal(chmod(F("cabin.d/a.conf"), 0664), 0);
	assert_int_equal(load("cabin.conf", "cabin.d"), -EINVAL);
	snprintf(p, sizeof(p), "%s/cabin.d/a.conf: is group- or world-writable", tmp);
	assert_non_null(strstr(out, p));
	assert_int_equal(chmod(F("cabin.d/a.conf"), 0644), 0);
	assert_int_equal(chmod(F("cabin.conf"), 0646), 0);
	assert_int_equal(load("cabin.conf", "cabin.d"), -EINVAL);
	snprintf(p, sizeof(p), "%s/cabin.conf: is group- or world-writable", tmp);
	assert_non_null(strstr(out, p));
	assert_int_equal(chmod(F("cabin.conf"), 0644), 0);
	assert_int_equal(chmod(F("cabin.d"), 0777), 0);
	assert_int_equal(load("cabin.conf", "cabin.d"), -EINVAL);
	assert_non_null(strstr(out, "cabin.d: is group- or world-writable"));
	assert_int_equal(chmod(F("cabin.d"), 0755), 0);

	/* too many files */
	{
		int i;

		for (i = 0; i < CONFIG_CONF_MAX_FILES; i++) {
			char n[64];

			snprintf(n, sizeof(n), "cabin.d/m%03d.conf", i);
			put(F(n), "", 0644);
		}
		assert_int_equal(load("cabin.conf", "cabin.d"), -EINVAL);
		assert_non_null(strstr(out, "too many *.conf files (CONFIG_CONF_MAX_FILES="));
		for (i = 0; i < CONFIG_CONF_MAX_FILES; i++) {
			char n[64];

			snprintf(n, sizeof(n), "cabin.d/m%03d.conf", i);
			unlink(F(n));
		}
	}

	/* unreadable main file */
	assert_int_equal(load("missing.conf", "cabin.d"), -ENOENT);
	assert_non_null(strstr(out, "missing.conf: cannot open"));

	unlink(F("cabin.conf"));
	unlink(F("cabin.d/a.conf"));
	unlink(F("cabin.d/b.conf"));
	unlink(F("cabin.d/B.conf"));
	unlink(F("cabin.d/10-z.conf"));
	unlink(F("cabin.d/notes.txt"));
	unlink(F("cabin.d/.hidden.conf"));
	unlink(F("cabin.d/x.conf.bak"));
	rmdir(F("cabin.d"));
	rmdir(tmp);
#undef F
}

/* ------------------------------------------------------------------------------------ */

static void test_values(void **state)
{
	uint64_t sz;
	uint32_t ms;
	bool b;

	assert_int_equal(conf_parse_size("0", &sz), 0);
	assert_int_equal(sz, 0);
	assert_int_equal(conf_parse_size("512", &sz), 0);
	assert_int_equal(sz, 512);
	assert_int_equal(conf_parse_size("4k", &sz), 0);
	assert_int_equal(sz, 4096);
	assert_int_equal(conf_parse_size("128M", &sz), 0);
	assert_int_equal(sz, 128ULL << 20);
	assert_int_equal(conf_parse_size("2G", &sz), 0);
	assert_int_equal(sz, 2ULL << 30);
	assert_int_equal(conf_parse_size("", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("M", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("1.5G", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("-1", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("12T", &sz), -EINVAL);
	assert_int_equal(conf_parse_size("17179869184G", &sz), -ERANGE);

	assert_int_equal(conf_parse_duration_ms("100ms", &ms), 0);
	assert_int_equal(ms, 100);
	assert_int_equal(conf_parse_duration_ms("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(conf_parse_duration_ms("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(conf_parse_duration_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(conf_parse_duration_ms("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(conf_parse_duration_ms("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(conf_parse_duration_ms("0s", &ms), 0);
	assert_int_equal(ms, 0);
	/* fractions, down to whole milliseconds */
	assert_int_equal(conf_parse_duration_ms("0.5s", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(conf_parse_duration_ms("1.25m", &ms), 0);
	assert_int_equal(ms, 75000);
	assert_int_equal(conf_parse_duration_ms("2.5", &ms), 0);
	assert_int_equal(ms, 2500);
	assert_int_equal(conf_parse_duration_ms("0.0005s", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("1.5ms", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("1.s", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("s", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("10x", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("1m30", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("-1s", &ms), -EINVAL);
	assert_int_equal(conf_parse_duration_ms("2000h", &ms), -ERANGE);
	assert_int_equal(conf_parse_duration_ms("99999999999999999999ms", &ms), -ERANGE);

	assert_int_equal(conf_parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(conf_parse_bool("no", &b), 0);
	assert_false(b);
	assert_int_equal(conf_parse_bool("True", &b), 0);
	assert_true(b);
	assert_int_equal(conf_parse_bool("0", &b), 0);
	assert_false(b);
	assert_int_equal(conf_parse_bool("y", &b), -EINVAL);
	assert_int_equal(conf_parse_bool("", &b), -EINVAL);

	assert_int_equal(conf_parse_cpu("0.5", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(conf_parse_cpu(".25", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(conf_parse_cpu("2", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(conf_parse_cpu("1.125", &ms), 0);
	assert_int_equal(ms, 1125);
	assert_int_equal(conf_parse_cpu("0.01", &ms), 0);
	assert_int_equal(ms, 10);
	assert_int_equal(conf_parse_cpu("1024", &ms), 0);
	assert_int_equal(ms, 1024000);
	assert_int_equal(conf_parse_cpu("", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu(".", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("1.", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("1.2.3", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("0.0005", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("-1", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("1e3", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu(" 1", &ms), -EINVAL);
	assert_int_equal(conf_parse_cpu("0.009", &ms), -ERANGE);
	assert_int_equal(conf_parse_cpu("0", &ms), -ERANGE);
	assert_int_equal(conf_parse_cpu("1024.001", &ms), -ERANGE);
	assert_int_equal(conf_parse_cpu("99999999999999999999999", &ms), -ERANGE);

	expect_ok("bridge_mac=0A:bC:De:f0:12:34\n[a]\nrootfs=/r\ncmd=x\n");
	assert_true(c.bridge_mac_set);
	assert_memory_equal(c.bridge_mac, "\x0a\xbc\xde\xf0\x12\x34", 6);
}

static void test_caps_signals(void **state)
{
	uint64_t m = conf_cap_default();
	int i;

	assert_int_equal(__builtin_popcountll(m), 11);
	assert_int_equal(conf_cap_number("CHOWN"), 0);
	assert_int_equal(conf_cap_number("cap_net_admin"), 12);
	assert_int_equal(conf_cap_number("Sys_Admin"), 21);
	assert_int_equal(conf_cap_number("CHECKPOINT_RESTORE"), 40);
	assert_int_equal(conf_cap_number("NOPE"), -1);
	assert_int_equal(conf_cap_number(""), -1);
	assert_string_equal(conf_cap_name(10), "NET_BIND_SERVICE");
	assert_null(conf_cap_name(41));
	assert_null(conf_cap_name(-1));
	/* Podman's eleven */
	assert_true(m & (1ULL << conf_cap_number("SYS_CHROOT")));
	assert_true(m & (1ULL << conf_cap_number("SETFCAP")));
	assert_true(m & (1ULL << conf_cap_number("NET_BIND_SERVICE")));
	assert_false(m & (1ULL << conf_cap_number("NET_RAW")));
	assert_false(m & (1ULL << conf_cap_number("SYS_ADMIN")));
	assert_false(m & (1ULL << conf_cap_number("MKNOD")));
	/* our table agrees with libcap's names for the same numbers */
	for (i = 0; i < 41; i++) {
		char *lc = cap_to_name(i);
		char want[64];

		assert_non_null(lc);
		snprintf(want, sizeof(want), "cap_%s", conf_cap_name(i));
		assert_int_equal(strcasecmp(lc, want), 0);
		assert_int_equal(conf_cap_number(lc), i);
		cap_free(lc);
	}

	assert_int_equal(conf_signal_number("TERM"), SIGTERM);
	assert_int_equal(conf_signal_number("SIGKILL"), SIGKILL);
	assert_int_equal(conf_signal_number("sigusr1"), SIGUSR1);
	assert_int_equal(conf_signal_number("15"), 15);
	assert_int_equal(conf_signal_number("0"), -1);
	assert_int_equal(conf_signal_number("65"), -1);
	assert_int_equal(conf_signal_number("BOGUS"), -1);
	assert_string_equal(conf_signal_name(SIGTERM), "TERM");
	assert_string_equal(conf_signal_name(SIGWINCH), "WINCH");
	assert_null(conf_signal_name(0));
	assert_null(conf_signal_name(-1));
	assert_null(conf_signal_name(32));
	assert_null(conf_signal_name(SIGRTMIN));
	for (int sig = 1, named = 0; sig < 32; sig++) {
		const char *n = conf_signal_name(sig);

		if (n)
			assert_int_equal(conf_signal_number(n), sig);
		named += !!n;
		if (sig == 31)
			assert_int_equal(named, 30); /* all but STKFLT */
	}
}

/* NULL diag is allowed; the parse still fails */
static void test_null_diag(void **state)
{
	conf_init(&c);
	assert_int_equal(conf_parse_buf(&c, "x", "bogus\n", 6, NULL), -EINVAL);
	conf_init(&c);
	assert_int_equal(conf_parse_buf(&c, "x", "[a]\nrootfs=/r\ncmd=x\n", 20, NULL), 0);
	assert_int_equal(conf_finish(&c, NULL), 0);
}

/* the arena is finite: a config that does not fit is an error, not an overflow */
static void test_arena_full(void **state)
{
	static char text[CONFIG_CONF_ARENA_KB * 1024 * 2];
	size_t o = 0;
	int i;

	o += snprintf(text + o, sizeof(text) - o, "[a]\nrootfs=/r\ncmd=/x\n");
	for (i = 0; o + 1100 < sizeof(text); i++) {
		o += snprintf(text + o, sizeof(text) - o, "[s%d]\nrootfs=/r\ncmd=", i);
		memset(text + o, 'x', 900);
		o += 900;
		o += snprintf(text + o, sizeof(text) - o, "\nnet=none\n");
	}
	outlen = 0;
	{
		struct conf_diag d = { .report = collect };

		conf_init(&c);
		assert_int_equal(conf_parse_buf(&c, "t.conf", text, o, &d), -EINVAL);
		assert_non_null(strstr(out, "config too big for the string arena (CONFIG_CONF_ARENA_KB="));
		assert_true(c.arena_used <= sizeof(c.arena));
	}
}

/* conf_copy must move every string of a container into the copy's arena: a pointer left
 * into the source (a string key added to struct conf_ctr but not to ctr_strs()) fails
 * here. Every key is set, the copy is made, and then every pointer-sized word of the
 * copied containers and globals is checked against the source arena. */
static struct conf copy;

static void no_word_points_into(const void *obj, size_t n, const struct conf *src)
{
	const char *lo = src->arena, *hi = src->arena + sizeof(src->arena);

	for (size_t off = 0; off + sizeof(void *) <= n; off += sizeof(void *)) {
		const char *p;

		memcpy(&p, (const char *)obj + off, sizeof(p));
		if (p >= lo && p < hi)
			fail_msg("word at offset %zu points into the source arena", off);
	}
}

static void test_copy_moves_every_string(void **state)
{
	struct conf_diag d;
	char text[8192];
	FILE *f = fopen("tests/fuzz/corpus/conf/every-key.conf", "r");
	size_t n;

	if (!f)
		skip();
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	assert_int_equal(parse(text, &d), 0);
	assert_int_equal(d.nerr, 0);
	assert_true(c.nctr >= 5);
	assert_int_equal(conf_copy(&copy, &c, NULL, NULL), 0);
	assert_int_equal(copy.nctr, c.nctr);
	no_word_points_into(&copy, offsetof(struct conf, ctr), &c);
	for (int i = 0; i < copy.nctr; i++) {
		no_word_points_into(&copy.ctr[i], sizeof(copy.ctr[i]), &c);
		assert_false(conf_ctr_changed(&c.ctr[i], &copy.ctr[i]));
	}
	/* and a change of any string is a change that needs a restart */
	copy.ctr[0].workdir = "/elsewhere";
	assert_true(conf_ctr_changed(&c.ctr[0], &copy.ctr[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_every_key),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_replicas),
		cmocka_unit_test(test_replica_udp_clash),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_scale_fixed_ip),
		cmocka_unit_test(test_confdir),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_caps_signals),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_arena_full),
		cmocka_unit_test(test_copy_moves_every_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
