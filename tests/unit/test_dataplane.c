/*
 * test_dataplane.c — the data plane's desired state against a fake kernel
 * that records every call: the instances' names, MACs, addresses and
 * rules; "fib": "default"; "fib": "full" following a feed's announce,
 * replace and withdraw exactly (after a flush the fake's table is the
 * view's first path per prefix), through a random run, a session going
 * down and a feed attached to a full table; the batch bound and the
 * coalescing; inbound routes following what the gateway announces and
 * withdraws; kernel refusals counted; nothing at all without "dataplane".
 * The fake kernel is tests/unit/fake_kernel.h.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/dataplane.h"
#include "instances/gateway.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/rib/adjrib.h"
#include "muxd/rib/attrset.h"
#include "views/feed.h"
#include "tests/unit/check_run.h"
#include "tests/unit/fake_kernel.h"

static struct dataplane *dp;

/* ---- configuration, event loop, state dir ----------------------------------- */

static struct event_base *base;
static struct config *cfg;
static char dir[64];
static const char *client_addr = "192.0.2.50";

/* Upstreams a (id 1, IPv4 with both families), b (id 12, IPv4), c (id 7,
 * IPv6). */
#define UPSTREAM_A \
	"  {\"name\": \"a\", \"id\": 1, \"peer\": {\"address\": \"198.51.100.1\", \"asn\": 65010}," \
	"    \"families\": [\"ipv4-unicast\", \"ipv6-unicast\"]," \
	"   \"instance\": {\"address\": \"192.0.2.11\", \"next_hop\": \"self\"}}"
#define UPSTREAM_B \
	"  {\"name\": \"b\", \"id\": 12, \"peer\": {\"address\": \"198.51.100.2\", \"asn\": 65020}," \
	"   \"instance\": {\"address\": \"192.0.2.12\", \"next_hop\": \"self\"}}"
#define UPSTREAM_C(addr) \
	"  {\"name\": \"c\", \"id\": 7, \"peer\": {\"address\": \"2001:db8::c\", \"asn\": 65030}," \
	"    \"families\": [\"ipv6-unicast\"]," \
	"   \"instance\": {\"address\": \"" addr "\", \"next_hop\": \"self\"}}"

/* A configuration of these upstreams, client vnet on a, dataplane as
 * given ("" for none). */
static struct config *config_of(const char *upstreams, const char *dataplane)
{
	char json[4096];
	struct jsonv errs = { 0 };
	struct config *c;

	snprintf(json, sizeof json,
	    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"state_dir\": \"%s\","
	    " \"upstreams\": [%s],"
	    " \"clients\": [{\"name\": \"vnet\", \"address\": \"%s\", \"asn\": 65101,"
	    "  \"upstreams\": [\"a\"], \"prefixes\": [\"184.164.224.0/22\"],"
	    "  \"hold_down\": 0, \"min_interval\": 0}]%s%s}",
	    dir, upstreams, client_addr, *dataplane ? ", " : "", dataplane);
	c = config_load_string(json, &errs);
	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	return c;
}

static void config_with(const char *dataplane)
{
	cfg = config_of(UPSTREAM_A "," UPSTREAM_B "," UPSTREAM_C("2001:db8:1::7"), dataplane);
}

static void setup(void)
{
	memset(&fk, 0, sizeof fk);
	snprintf(dir, sizeof dir, "/tmp/test_dataplane.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	base = event_base_new();
	dp = NULL;
	cfg = NULL;
}

static void teardown(void)
{
	char cmd[128];

	dp_free(dp);
	config_free(cfg);
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void run_loop(void)
{
	for (int i = 0; i < 64; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static void start(const char *fib)
{
	char d[160];

	snprintf(d, sizeof d, "\"dataplane\": {\"client_interface\": \"vnets0\", "
	    "\"fib\": \"%s\"}", fib);
	config_with(d);
	dp = dp_new(base, cfg, &fk_ops, NULL);
	ck_assert_ptr_nonnull(dp);
	ck_assert_uint_eq(dp_start(dp), 0);
}

static struct bgp_prefix pfx(const char *s)
{
	struct bgp_prefix p;
	ck_assert_msg(bgp_prefix_parse(s, &p), "%s", s);
	return p;
}

static const struct dp_table_stats *stats_of(const char *upstream)
{
	static struct dp_table_stats st;
	for (size_t i = 0; i < dp_tables(dp); i++) {
		dp_table_stats(dp, i, &st);
		if ((upstream == NULL && st.upstream == NULL) ||
		    (upstream && st.upstream && strcmp(st.upstream, upstream) == 0))
			return &st;
	}
	ck_abort_msg("no table for %s", upstream ? upstream : "inbound");
	return NULL;
}

/* ---- no data plane, identities, fib default ----------------------------------- */

START_TEST(absent_touches_nothing)
{
	config_with("");
	ck_assert(!cfg->dataplane.enabled);
	dp = dp_new(base, cfg, &fk_ops, NULL);
	ck_assert_ptr_null(dp);
	/* what the root calls whatever the configuration is: no-ops */
	dp_attach_feed(dp, "a", NULL);
	dp_detach_feed(dp, "a");
	dp_attach_gateway(dp, NULL);
	dp_detach_gateway(dp);
	dp_set_config(dp, cfg);
	run_loop();
	ck_assert_uint_eq(fk.calls, 0);
}
END_TEST

START_TEST(identities_and_rules)
{
	uint8_t mac[6];
	char name[16];

	start("default");
	ck_assert_uint_eq(fk.nlinks, 3);
	ck_assert(fk_has(fk.links, fk.nlinks, "mux1 vnets0 02:62:6d:78:00:01"));
	ck_assert(fk_has(fk.links, fk.nlinks, "mux12 vnets0 02:62:6d:78:00:0c"));
	ck_assert(fk_has(fk.links, fk.nlinks, "mux7 vnets0 02:62:6d:78:00:07"));
	ck_assert_uint_eq(fk.naddrs, 3);
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux1 192.0.2.11/32"));
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux12 192.0.2.12/32"));
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux7 2001:db8:1::7/128"));
	/* the inbound table's rules come first (same priority: in order) */
	ck_assert_uint_eq(fk.nrules, 8);
	ck_assert_str_eq(fk.rules[0], "- 4 20000 1000");
	ck_assert_str_eq(fk.rules[1], "- 6 20000 1000");
	ck_assert(fk_has(fk.rules, fk.nrules, "mux1 4 20001 1000"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux1 6 20001 1000"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux12 4 20012 1000"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux7 6 20007 1000"));
	/* stable: a name of at most 15 characters, the same MAC every time */
	dp_instance_ifname(999, name);
	ck_assert_str_eq(name, "mux999");
	dp_instance_mac(999, mac);
	ck_assert_uint_eq(mac[0] & 3, 2);       /* locally administered, unicast */
	ck_assert_uint_eq(mac[4] << 8 | mac[5], 999);
	ck_assert_str_eq(stats_of("b")->ifname, "mux12");
	ck_assert_uint_eq(stats_of("b")->table, 20012);
	ck_assert_uint_eq(stats_of(NULL)->table, 20000);
}
END_TEST

START_TEST(fib_default)
{
	char gw[64];

	start("default");
	ck_assert_uint_eq(fk.nroutes, 0);       /* queued until the loop runs */
	run_loop();
	ck_assert_uint_eq(fk.flushes, 1);
	/* a: IPv4 only (its address is IPv4; no IPv6 gateway), b: IPv4, c: IPv6 */
	ck_assert_uint_eq(fk.nroutes, 3);
	struct bgp_prefix any4 = pfx("0.0.0.0/0"), any6 = pfx("::/0");
	int i = fk_find(20001, &any4);
	ck_assert_int_ge(i, 0);
	ck_assert(fk.routes[i].has_gw);
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[i].gw, gw, sizeof gw), "198.51.100.1");
	ck_assert_int_ge(fk_find(20012, &any4), 0);
	i = fk_find(20007, &any6);
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(inet_ntop(AF_INET6, fk.routes[i].gw, gw, sizeof gw), "2001:db8::c");
	ck_assert_int_lt(fk_find(20001, &any6), 0);
	ck_assert_uint_eq(stats_of("a")->routes, 1);
	ck_assert_uint_eq(stats_of("a")->skipped, 1);
	ck_assert_uint_eq(stats_of("a")->pending, 0);
}
END_TEST

/* An upgrade in place: the sweep keeps what the data plane wants once it
 * is settled — fib default: each table's default route of its family. */
START_TEST(takeover_wants_defaults)
{
	struct bgp_prefix any4 = pfx("0.0.0.0/0"), any6 = pfx("::/0");
	struct bgp_prefix other = pfx("203.0.113.0/24");

	start("default");
	ck_assert(!dp_settled(dp));             /* the default routes are queued */
	run_loop();
	ck_assert(dp_settled(dp));
	ck_assert(dp_route_wanted(dp, 20001, &any4));
	ck_assert(!dp_route_wanted(dp, 20001, &any6));  /* a's address is IPv4 */
	ck_assert(!dp_route_wanted(dp, 20001, &other));
	ck_assert(dp_route_wanted(dp, 20007, &any6));
	ck_assert(!dp_route_wanted(dp, 20099, &any4));  /* no upstream's table */
	ck_assert(!dp_route_wanted(dp, 20000, &other)); /* nothing inbound */
}
END_TEST

/* ---- reload: identities follow the configuration ------------------------------- */

#define UPSTREAM_D(id, addr) \
	"  {\"name\": \"d\", \"id\": " id ", \"peer\": {\"address\": \"198.51.100.4\", \"asn\": 65040}," \
	"   \"instance\": {\"address\": \"" addr "\", \"next_hop\": \"self\"}}"
#define UPSTREAM_E \
	"  {\"name\": \"e\", \"id\": 6, \"peer\": {\"address\": \"198.51.100.5\", \"asn\": 65050}," \
	"   \"instance\": {\"address\": \"192.0.2.16\", \"next_hop\": \"self\"}}"
#define DP_DEFAULT "\"dataplane\": {\"client_interface\": \"vnets0\", \"fib\": \"default\"}"

/* The root's host check: e's address is taken. */
static bool admit_but_e(const struct config *c, size_t i, void *arg)
{
	(void)arg;
	return strcmp(c->upstreams[i].n.name, "e") != 0;
}

/* The running configuration becomes next (dp borrows it). */
static void reconfigure(struct config *next, size_t refusals)
{
	ck_assert_uint_eq(dp_reconfigure(dp, next, admit_but_e, NULL), refusals);
	dp_set_config(dp, next);
	config_free(cfg);
	cfg = next;
}

START_TEST(reload_moves_identities)
{
	struct bgp_prefix any4 = pfx("0.0.0.0/0"), any6 = pfx("::/0");

	start("default");
	run_loop();
	/* b goes, c's address changes, d (id 5) and e come; e is refused */
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_C("2001:db8:1::8") ","
	    UPSTREAM_D("5", "192.0.2.15") "," UPSTREAM_E, DP_DEFAULT), 0);
	/* c's new identity at once, the old one gone first */
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux7 2001:db8:1::8/128"));
	ck_assert(!fk_has(fk.addrs, fk.naddrs, "mux7 2001:db8:1::7/128"));
	ck_assert(fk_has(fk.links, fk.nlinks, "mux5 vnets0 02:62:6d:78:00:05"));
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux5 192.0.2.15/32"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux5 4 20005 1000"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux5 6 20005 1000"));
	ck_assert(!fk_has(fk.links, fk.nlinks, "mux6 vnets0 02:62:6d:78:00:06"));
	/* b's identity stays until its table's route is gone */
	ck_assert(fk_has(fk.links, fk.nlinks, "mux12 vnets0 02:62:6d:78:00:0c"));
	ck_assert_int_ge(fk_find(20012, &any4), 0);
	run_loop();
	ck_assert_int_lt(fk_find(20012, &any4), 0);
	ck_assert(!fk_has(fk.links, fk.nlinks, "mux12 vnets0 02:62:6d:78:00:0c"));
	ck_assert(!fk_has(fk.addrs, fk.naddrs, "mux12 192.0.2.12/32"));
	ck_assert(!fk_has(fk.rules, fk.nrules, "mux12 4 20012 1000"));
	ck_assert(!fk_has(fk.rules, fk.nrules, "mux12 6 20012 1000"));
	ck_assert_int_ge(fk_find(20005, &any4), 0);
	ck_assert_int_ge(fk_find(20007, &any6), 0);
	ck_assert_int_ge(fk_find(20001, &any4), 0);
	ck_assert_uint_eq(fk.nlinks, 3);        /* mux1, mux7, mux5 */
	ck_assert_uint_eq(fk.nrules, 8);
	ck_assert_uint_eq(fk.bad_dels, 0);
	ck_assert_uint_eq(dp_tables(dp), 4);
	ck_assert_uint_eq(stats_of("d")->table, 20005);
	ck_assert_uint_eq(stats_of("d")->routes, 1);
	ck_assert_uint_eq(stats_of("c")->routes, 1);    /* its table stayed as it was */
	/* b back: its identity and route as at start */
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_B "," UPSTREAM_C("2001:db8:1::8"),
	    DP_DEFAULT), 0);
	run_loop();
	ck_assert(fk_has(fk.links, fk.nlinks, "mux12 vnets0 02:62:6d:78:00:0c"));
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux12 192.0.2.12/32"));
	ck_assert(fk_has(fk.rules, fk.nrules, "mux12 4 20012 1000"));
	ck_assert_int_ge(fk_find(20012, &any4), 0);
	ck_assert(!fk_has(fk.links, fk.nlinks, "mux5 vnets0 02:62:6d:78:00:05"));
	ck_assert_int_lt(fk_find(20005, &any4), 0);
	ck_assert_uint_eq(stats_of("b")->routes, 1);
	ck_assert_uint_eq(fk.bad_dels, 0);
}
END_TEST

/* b's peer moves: its default route follows at once, replaced in place
 * (the table is never without one), and its identity stays. */
#define UPSTREAM_B_MOVED \
	"  {\"name\": \"b\", \"id\": 12, \"peer\": {\"address\": \"198.51.100.22\", \"asn\": 65020}," \
	"   \"instance\": {\"address\": \"192.0.2.12\", \"next_hop\": \"self\"}}"

START_TEST(reload_repoints_default)
{
	struct bgp_prefix any4 = pfx("0.0.0.0/0");
	char gw[64];
	size_t dels;

	start("default");
	run_loop();
	dels = fk.dels;
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_B_MOVED "," UPSTREAM_C("2001:db8:1::7"),
	    DP_DEFAULT), 0);
	run_loop();
	int i = fk_find(20012, &any4);
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[i].gw, gw, sizeof gw), "198.51.100.22");
	ck_assert_uint_eq(fk.dels, dels);         /* replaced, never removed */
	ck_assert(fk_has(fk.links, fk.nlinks, "mux12 vnets0 02:62:6d:78:00:0c"));
	ck_assert_uint_eq(stats_of("b")->routes, 1);
	i = fk_find(20001, &any4);                      /* a's is as it was */
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[i].gw, gw, sizeof gw), "198.51.100.1");
	ck_assert_uint_eq(fk.bad_dels, 0);
}
END_TEST

/* Removed and back before its route went: the identity never leaves, the
 * route stays. */
START_TEST(reload_back_before_routes_go)
{
	struct bgp_prefix any4 = pfx("0.0.0.0/0");

	start("default");
	run_loop();
	size_t links = fk.link_dels, sets = fk.sets;
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_C("2001:db8:1::7"), DP_DEFAULT), 0);
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_B "," UPSTREAM_C("2001:db8:1::7"),
	    DP_DEFAULT), 0);
	run_loop();
	ck_assert_uint_eq(fk.link_dels, links);
	ck_assert_uint_eq(fk.nlinks, 3);
	ck_assert_uint_eq(fk.nrules, 8);
	ck_assert_int_ge(fk_find(20012, &any4), 0);
	ck_assert_uint_eq(fk.dels, 0);
	ck_assert_uint_le(fk.sets, sets + 1);
	ck_assert_uint_eq(stats_of("b")->routes, 1);
	ck_assert_uint_eq(dp_tables(dp), 4);
}
END_TEST

/* A kernel refusal at a reload is counted, and the rest goes on. */
START_TEST(reload_refusal_counted)
{
	start("default");
	run_loop();
	fk.link_fail = EPERM;
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_B "," UPSTREAM_C("2001:db8:1::7") ","
	    UPSTREAM_D("5", "192.0.2.15"), DP_DEFAULT), 1);
	ck_assert_uint_eq(stats_of("d")->errors, 1);
	ck_assert(!fk_has(fk.rules, fk.nrules, "mux5 4 20005 1000"));
	ck_assert_uint_eq(fk.nlinks, 4);        /* the fake records the refused one */
	/* the next reload tries it again */
	fk.link_fail = 0;
	reconfigure(config_of(UPSTREAM_A "," UPSTREAM_B "," UPSTREAM_C("2001:db8:1::7") ","
	    UPSTREAM_D("5", "192.0.2.15"), DP_DEFAULT), 0);
	ck_assert(fk_has(fk.rules, fk.nrules, "mux5 4 20005 1000"));
	ck_assert(fk_has(fk.addrs, fk.naddrs, "mux5 192.0.2.15/32"));
}
END_TEST

START_TEST(refusals_counted)
{
	config_with("\"dataplane\": {\"client_interface\": \"vnets0\"}");
	dp = dp_new(base, cfg, &fk_ops, NULL);
	fk.dp = dp;
	fk.link_fail = EEXIST;
	fk.refuse_routes = true;
	/* each refused link: no address and no rule on it */
	ck_assert_uint_eq(dp_start(dp), 3);
	ck_assert_uint_eq(fk.naddrs, 0);
	ck_assert_uint_eq(fk.nrules, 2);
	ck_assert_uint_eq(stats_of("a")->errors, 1);
	run_loop();
	ck_assert_uint_eq(stats_of("a")->errors, 2);    /* + its default route */
	ck_assert_uint_eq(stats_of("c")->errors, 2);
}
END_TEST

/* A batch the kernel's socket failed: one netlink error for the batch, and
 * each of its routes the ops could not send again in its own table. */
START_TEST(lost_batch_counted)
{
	start("default");
	uint32_t table = stats_of("b")->table;
	ck_assert_uint_eq(dp_batch_errors(dp), 0);
	dp_batch_failed(dp);
	dp_route_lost(dp, table);
	dp_route_lost(dp, table);
	dp_route_lost(dp, 99);          /* not a table of the data plane */
	ck_assert_uint_eq(dp_batch_errors(dp), 1);
	ck_assert_uint_eq(stats_of("b")->errors, 2);
	ck_assert_uint_eq(stats_of("a")->errors, 0);
	ck_assert_uint_eq(stats_of(NULL)->errors, 0);
}
END_TEST

/* ---- fib full ------------------------------------------------------------------- */

static struct attrstore *store;
static struct adjrib *rib;
static struct feed *feed;

static void rib_setup(void)
{
	setup();
	store = attrstore_new();
	rib = adjrib_new(store);
	feed = feed_new(rib);
}

static void rib_teardown(void)
{
	dp_free(dp);
	dp = NULL;
	feed_free(feed);
	adjrib_free(rib);
	attrstore_free(store);
	teardown();
}

/* A set whose next hop is nh (IPv4 or IPv6 text). */
static struct attrset *set_via(const char *nh)
{
	struct bgp_attrs a;
	uint8_t b[16];
	bool v6 = strchr(nh, ':') != NULL;

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN);
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, nh, b), 1);
	return attrset_intern(store, &a, b, v6 ? 16 : 4);
}

/* The view applying one route change, as views/view.c does: the table
 * first, then the event. */
static void view_route(const char *prefix, uint32_t path_id, const char *nh)
{
	struct bgp_prefix p = pfx(prefix);
	struct feed_event ev = { .type = FEED_ROUTE };

	p.path_id = path_id;
	ev.prefix = &p;
	if ((ev.old = adjrib_get(rib, &p)) != NULL)
		attrset_get(ev.old);
	if (nh) {
		struct attrset *set = set_via(nh);
		ev.change = ev.old ? FEED_REPLACE : FEED_ANNOUNCE;
		adjrib_announce(rib, &p, set);
		ev.set = set;
		feed_publish(feed, &ev);
		attrset_put(set);
	} else if (adjrib_withdraw(rib, &p)) {
		ev.change = FEED_WITHDRAW;
		feed_publish(feed, &ev);
	}
	attrset_put(ev.old);
}

struct expect_ctx {
	uint32_t table;
	size_t n;
};

static int expect_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct expect_ctx *c = arg;
	struct bgp_prefix first, q = *p;
	struct attrset *fset;
	size_t len;
	const uint8_t *nh = attrset_next_hop(set, &len);
	char s[BGP_PREFIX_STRLEN];

	ck_assert(feed_first_path(feed, p, &first, &fset));
	if (first.path_id != p->path_id)
		return 0;
	q.path_id = 0;
	bgp_prefix_format(&q, s, sizeof s);
	int i = fk_find(c->table, &q);
	ck_assert_msg(i >= 0, "%s missing from table %u", s, c->table);
	ck_assert_msg(fk.routes[i].has_gw && memcmp(fk.routes[i].gw, nh, len) == 0,
	    "%s: wrong next hop in table %u", s, c->table);
	c->n++;
	return 0;
}

/* After a flush the fake's table is exactly the view's first paths. */
static void assert_table_is_view(uint32_t table, const char *upstream)
{
	struct feed_cursor cur;
	struct expect_ctx c = { table, 0 };

	feed_cursor_init(&cur, 0);
	while (!feed_cursor_done(&cur))
		feed_cursor_next(feed, &cur, 1000, expect_cb, &c);
	ck_assert_uint_eq(fk_count(table), c.n);
	ck_assert_uint_eq(stats_of(upstream)->routes, c.n);
	ck_assert_uint_eq(stats_of(upstream)->pending, 0);
	ck_assert_uint_eq(fk.bad_dels, 0);
}

START_TEST(fib_full_follows_feed)
{
	char gw[64];

	start("full");
	run_loop();
	ck_assert_uint_eq(fk.nroutes, 0);       /* no default route with fib full */
	dp_attach_feed(dp, "a", feed);
	view_route("203.0.113.0/24", 5, "198.51.100.5");
	view_route("203.0.113.0/24", 2, "198.51.100.2");        /* a better path */
	view_route("203.0.113.0/24", 9, "198.51.100.9");        /* a worse one */
	view_route("2001:db8:f::/48", 1, "2001:db8::1");
	run_loop();
	assert_table_is_view(20001, "a");
	struct bgp_prefix p = pfx("203.0.113.0/24");
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[fk_find(20001, &p)].gw, gw, sizeof gw),
	    "198.51.100.2");
	size_t sets = fk.sets;
	view_route("203.0.113.0/24", 9, NULL);                  /* behind: nothing */
	view_route("203.0.113.0/24", 5, "198.51.100.55");       /* behind: nothing */
	run_loop();
	ck_assert_uint_eq(fk.sets, sets);
	view_route("203.0.113.0/24", 2, "198.51.100.22");       /* the first: replaced */
	run_loop();
	assert_table_is_view(20001, "a");
	view_route("203.0.113.0/24", 2, NULL);                  /* the next one takes over */
	run_loop();
	assert_table_is_view(20001, "a");
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[fk_find(20001, &p)].gw, gw, sizeof gw),
	    "198.51.100.55");
	view_route("203.0.113.0/24", 5, NULL);
	view_route("2001:db8:f::/48", 1, NULL);
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	assert_table_is_view(20001, "a");
	ck_assert_uint_eq(fk_count(20012), 0);  /* other tables untouched */
}
END_TEST

/* fib full: the first path of each prefix of the view, held; settled once
 * the walk is done and every change sent. */
START_TEST(takeover_wants_view)
{
	struct bgp_prefix p = pfx("203.0.113.0/24"), q = pfx("198.51.100.0/24");
	struct bgp_prefix r = pfx("192.0.2.128/25");

	start("full");
	view_route("203.0.113.0/24", 2, "198.51.100.2");
	view_route("192.0.2.128/25", 1, "2001:db8::1");         /* not held */
	dp_attach_feed(dp, "a", feed);
	ck_assert(!dp_settled(dp));             /* the walk is to come */
	run_loop();
	ck_assert(dp_settled(dp));
	ck_assert(dp_route_wanted(dp, 20001, &p));
	ck_assert(!dp_route_wanted(dp, 20001, &q));
	ck_assert(!dp_route_wanted(dp, 20001, &r));
	ck_assert(!dp_route_wanted(dp, 20012, &p));     /* b follows no feed */
	view_route("203.0.113.0/24", 2, NULL);
	ck_assert(!dp_settled(dp));
	run_loop();
	ck_assert(dp_settled(dp));
	ck_assert(!dp_route_wanted(dp, 20001, &p));
}
END_TEST

/* An IPv4 route whose first path has an IPv6 next hop stays out of the
 * table, and what the table held for the prefix goes. */
START_TEST(fib_full_next_hop_of_other_family)
{
	start("full");
	dp_attach_feed(dp, "a", feed);
	view_route("203.0.113.0/24", 5, "198.51.100.5");
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 1);
	view_route("203.0.113.0/24", 2, "2001:db8::2");         /* first, unusable */
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	ck_assert_uint_eq(stats_of("a")->skipped, 1);
	view_route("203.0.113.0/24", 2, "2001:db8::3");         /* replaced: still */
	view_route("203.0.113.0/24", 2, NULL);                  /* the next one */
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 1);
	view_route("203.0.113.0/24", 1, "2001:db8::1");         /* unusable again */
	view_route("198.18.0.0/15", 1, "2001:db8::1");          /* never held */
	run_loop();
	view_route("198.18.0.0/15", 1, NULL);
	view_route("203.0.113.0/24", 1, NULL);
	view_route("203.0.113.0/24", 5, NULL);
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	ck_assert_uint_eq(stats_of("a")->routes, 0);
	ck_assert_uint_eq(fk.bad_dels, 0);
}
END_TEST

/* A random run over few prefixes and path ids, flushed at random points. */
START_TEST(fib_full_random)
{
	char prefix[32], nh[32];
	unsigned seed = 13;

	start("full");
	dp_attach_feed(dp, "b", feed);
	run_loop();
	for (int i = 0; i < 20000; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		snprintf(prefix, sizeof prefix, "10.%u.0.0/16", r % 40);
		snprintf(nh, sizeof nh, "198.51.100.%u", (r >> 8) % 5 + 1);
		view_route(prefix, (r >> 12) % 4 + 1, (r >> 16) % 3 ? nh : NULL);
		if ((r >> 20) % 50 == 0)
			run_loop();
		if (i % 1000 == 999) {
			run_loop();
			assert_table_is_view(20012, "b");
		}
	}
	ck_assert_uint_gt(fk.dels, 0);
	ck_assert_uint_gt(stats_of("b")->coalesced, 0);
}
END_TEST

/* Thousands of prefixes changing while the queue drains a batch a pass
 * (no pass at all for 6,000 changes, then one every 300, in turns):
 * changes of sent prefixes queued again, the index grown, rebuilt and
 * compacted on the way; at each check the table is the view. */
START_TEST(queue_drains_random)
{
	char prefix[32], nh[32];
	unsigned seed = 29;

	start("full");
	dp_attach_feed(dp, "b", feed);
	run_loop();
	for (int i = 0; i < 60000; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", r % 20, (r >> 5) % 250);
		snprintf(nh, sizeof nh, "198.51.100.%u", (r >> 13) % 5 + 1);
		view_route(prefix, 1, (r >> 16) % 4 ? nh : NULL);
		if (i % 300 == 299 && (i / 6000) % 2)
			event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		if (i % 20000 == 19999) {
			run_loop();
			assert_table_is_view(20012, "b");
		}
	}
	ck_assert_uint_gt(fk.flushes, 50);
	ck_assert_uint_gt(stats_of("b")->coalesced, 0);
}
END_TEST

/* Session down: the withdrawals come with the table still full. */
START_TEST(fib_full_clearing)
{
	start("full");
	dp_attach_feed(dp, "a", feed);
	view_route("203.0.113.0/24", 1, "198.51.100.1");
	view_route("203.0.113.0/24", 2, "198.51.100.2");
	view_route("198.18.0.0/15", 3, "198.51.100.3");
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 2);
	const char *pf[] = { "203.0.113.0/24", "203.0.113.0/24", "198.18.0.0/15" };
	uint32_t ids[] = { 2, 1, 3 };   /* any order */
	for (size_t i = 0; i < 3; i++) {
		struct bgp_prefix p = pfx(pf[i]);
		p.path_id = ids[i];
		struct feed_event ev = { .type = FEED_ROUTE, .change = FEED_WITHDRAW,
			.prefix = &p, .clearing = true };
		feed_publish(feed, &ev);
		if (i == 0)
			dp_flush(dp);   /* a batch may go in between */
	}
	adjrib_clear(rib);
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	ck_assert_uint_eq(fk.bad_dels, 0);
	ck_assert_uint_eq(stats_of("a")->routes, 0);
}
END_TEST

/* Nothing goes to the ops inside the call that queues (a full table
 * withdrawn at once must not hold the loop); then DP_BATCH_MAX changes a
 * loop pass; a prefix changed again while queued is one change. */
START_TEST(batch_bound_and_coalescing)
{
	char prefix[32];
	enum { K = 3 * DP_BATCH_MAX + 10 };

	start("full");
	run_loop();
	dp_attach_feed(dp, "a", feed);
	run_loop();
	for (unsigned i = 0; i < K; i++) {
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", i >> 8, i & 255);
		view_route(prefix, 1, "198.51.100.1");
	}
	ck_assert_uint_eq(fk.flushes, 0);
	ck_assert_uint_eq(stats_of("a")->pending, K);
	/* one pass, one batch */
	event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	ck_assert_uint_eq(fk.flushes, 1);
	ck_assert_uint_eq(fk.sets, DP_BATCH_MAX);
	ck_assert_uint_eq(stats_of("a")->pending, K - DP_BATCH_MAX);
	/* a change of a prefix already sent is queued again, behind the rest */
	view_route("10.0.0.0/24", 1, "198.51.100.2");
	ck_assert_uint_eq(stats_of("a")->pending, K - DP_BATCH_MAX + 1);
	run_loop();
	ck_assert_uint_eq(fk.flushes, 4);
	ck_assert_uint_eq(fk.sets, K + 1);
	ck_assert_uint_eq(stats_of("a")->pending, 0);
	assert_table_is_view(20001, "a");

	/* withdrawn all at once: nothing sent in the call, all of it after */
	for (unsigned i = 0; i < K; i++) {
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", i >> 8, i & 255);
		view_route(prefix, 1, NULL);
	}
	ck_assert_uint_eq(fk.flushes, 4);
	ck_assert_uint_eq(fk.dels, 0);
	run_loop();
	ck_assert_uint_eq(fk.dels, K);
	ck_assert_uint_eq(fk.bad_dels, 0);
	assert_table_is_view(20001, "a");

	size_t sets = fk.sets, dels = fk.dels;
	for (unsigned i = 0; i < 100; i++) {
		snprintf(prefix, sizeof prefix, "198.51.100.%u", i % 7 + 1);
		view_route("192.0.2.0/24", 1, prefix);
	}
	ck_assert_uint_eq(stats_of("a")->pending, 1);
	ck_assert_uint_eq(stats_of("a")->coalesced, 99);
	/* announced and withdrawn within one batch: nothing to send */
	view_route("198.18.0.0/15", 1, "198.51.100.1");
	view_route("198.18.0.0/15", 1, NULL);
	run_loop();
	ck_assert_uint_eq(fk.sets, sets + 1);
	ck_assert_uint_eq(fk.dels, dels);
	assert_table_is_view(20001, "a");
}
END_TEST

/* A feed attached to a view that holds routes: walked in chunks, with
 * changes before and behind the cursor on the way. */
START_TEST(fib_full_walk)
{
	char prefix[32];

	start("full");
	run_loop();
	for (unsigned i = 0; i < 3 * DP_WALK_CHUNK; i++) {
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", i >> 8, i & 255);
		view_route(prefix, 1 + i % 2, "198.51.100.1");
	}
	dp_attach_feed(dp, "a", feed);
	event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);   /* one chunk */
	ck_assert_uint_gt(fk.sets, 0);
	ck_assert_uint_lt(fk.sets, 3 * DP_WALK_CHUNK);
	/* even i: path id 1, odd i: path id 2 */
	view_route("10.0.2.0/24", 1, NULL);             /* behind the cursor */
	view_route("10.0.4.0/24", 1, "198.51.100.9");   /* behind: replaced */
	view_route("10.0.5.0/24", 1, "198.51.100.9");   /* behind: a better path */
	view_route("10.40.0.0/24", 1, NULL);            /* ahead */
	view_route("10.40.1.0/24", 1, "198.51.100.9");  /* ahead: a better path */
	view_route("10.99.0.0/24", 1, "198.51.100.9");  /* ahead, new */
	run_loop();
	assert_table_is_view(20001, "a");
	/* 10.0.2.0/24 and 10.40.0.0/24 gone, 10.99.0.0/24 new */
	ck_assert_uint_eq(fk_count(20001), 3 * DP_WALK_CHUNK - 1);
}
END_TEST

/* A feed detached from a table (its upstream removed or restarted by a
 * reload) takes the table's routes with it: only those installed, even
 * while the walk of the feed is half-way, each once. */
START_TEST(fib_full_detach_empties_table)
{
	char prefix[32];

	start("full");
	run_loop();
	dp_attach_feed(dp, "a", feed);
	view_route("203.0.113.0/24", 1, "198.51.100.1");
	view_route("203.0.113.0/24", 2, "198.51.100.2");
	view_route("192.0.2.0/24", 1, "2001:db8::1");   /* skipped: not installed */
	view_route("2001:db8:f::/48", 1, "2001:db8::1");
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 2);
	view_route("198.18.0.0/24", 1, "198.51.100.1"); /* queued, not yet sent */
	dp_detach_feed(dp, "a");
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	ck_assert_uint_eq(stats_of("a")->routes, 0);
	ck_assert_uint_eq(stats_of("a")->pending, 0);
	ck_assert_uint_eq(fk.bad_dels, 0);

	/* attached again to a view of many routes, detached mid-walk */
	for (unsigned i = 0; i < 3 * DP_WALK_CHUNK; i++) {
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", i >> 8, i & 255);
		view_route(prefix, 1, "198.51.100.1");
	}
	dp_attach_feed(dp, "a", feed);
	event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);   /* one chunk */
	ck_assert_uint_gt(fk_count(20001), 0);
	ck_assert_uint_lt(fk_count(20001), 3 * DP_WALK_CHUNK);
	view_route("10.99.0.0/24", 1, "198.51.100.9");  /* ahead of the walk */
	dp_detach_feed(dp, "a");
	run_loop();
	ck_assert_uint_eq(fk_count(20001), 0);
	ck_assert_uint_eq(stats_of("a")->routes, 0);
	ck_assert_uint_eq(fk.bad_dels, 0);
}
END_TEST

/* The removals go a batch a loop pass, and a feed attached again (a
 * reload restarting the upstream) is walked only after them: the table
 * ends as the view, nothing removed that the walk put back. */
START_TEST(fib_full_detach_in_batches_then_attach)
{
	char prefix[32];
	unsigned n = 3 * DP_WALK_CHUNK;

	start("full");
	run_loop();
	dp_attach_feed(dp, "a", feed);
	for (unsigned i = 0; i < n; i++) {
		snprintf(prefix, sizeof prefix, "10.%u.%u.0/24", i >> 8, i & 255);
		view_route(prefix, 1, "198.51.100.1");
	}
	run_loop();
	ck_assert_uint_eq(fk_count(20001), n);
	size_t dels = fk.dels;
	dp_detach_feed(dp, "a");
	ck_assert_uint_eq(fk.dels, dels);               /* nothing sent inline */
	event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	ck_assert_uint_eq(fk.dels - dels, DP_BATCH_MAX); /* one batch a pass */
	dp_attach_feed(dp, "a", feed);
	view_route("10.0.0.0/24", 1, "198.51.100.7");   /* live, while removing */
	view_route("10.99.0.0/24", 1, "198.51.100.7");
	run_loop();
	ck_assert_uint_eq(fk.bad_dels, 0);
	assert_table_is_view(20001, "a");
	ck_assert_uint_eq(fk_count(20001), n + 1);
}
END_TEST

/* ---- inbound ---------------------------------------------------------------------- */

static struct session_negotiated neg;

/* An UPDATE from client vnet on a's instance: one IPv4 prefix, or its
 * withdrawal; comm: a standard community (0: none). */
static void client_update(struct gateway *gw, const char *prefix, uint32_t comm,
    bool withdraw)
{
	static uint8_t msg[4096], attrs[512], scratch[16384];
	static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfe, 0x4d };
	struct wbuf aw = wbuf_make(attrs, sizeof attrs), w = wbuf_make(msg, sizeof msg);
	uint8_t c[4] = { comm >> 24, comm >> 16, comm >> 8, comm };
	struct bgp_attrs a;
	struct bgp_prefix p = pfx(prefix);
	struct bgp_packer pk;
	struct bgp_update u;
	struct bgp_err e;
	uint16_t afi;

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.next_hop[0] = 192;
	if (comm) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
		a.communities = (struct bgp_bytes){ c, 4 };
	}
	bgp_attrs_encode(&aw, &a, &neg.rx);
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
		.withdraw = withdraw, .attrs = withdraw ? NULL : attrs,
		.attrs_len = withdraw ? 0 : aw.len, .max_len = BGP_MAX_LEN };
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	ck_assert(bgp_packer_add(&pk, &p));
	size_t len = bgp_packer_finish(&pk);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &e));
	ck_assert(gateway_client_update(gw, &cfg->clients[0], "a", &u, &neg, &afi));
}

static void inbound_is(const char *prefix, const char *via)
{
	struct bgp_prefix p = pfx(prefix);
	int i = fk_find(20000, &p);
	char gw[64];

	if (via == NULL) {
		ck_assert_msg(i < 0, "%s still routed", prefix);
		return;
	}
	ck_assert_msg(i >= 0, "%s not routed", prefix);
	ck_assert_str_eq(inet_ntop(AF_INET, fk.routes[i].gw, gw, sizeof gw), via);
	ck_assert_str_eq(fk.routes[i].oif, "vnets0");
	ck_assert(fk.routes[i].onlink);
}

START_TEST(inbound_follows_gateway)
{
	struct gateway *gw;

	start("default");
	memset(&neg, 0, sizeof neg);
	neg.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	neg.family_count = 1;
	neg.as4 = neg.rx.as4 = neg.tx.as4 = true;
	neg.rx.ebgp = neg.tx.ebgp = true;
	neg.rx.max_len = neg.tx.max_len = BGP_MAX_LEN;
	gw = gateway_new(base, cfg);
	gateway_client_up(gw, &cfg->clients[0], "a");
	client_update(gw, "184.164.224.0/24", 0, false);        /* announced before */
	dp_attach_gateway(dp, gw);
	client_update(gw, "184.164.225.0/24", 0, false);
	client_update(gw, "184.164.226.0/24", 65000u << 16 | 12, false);  /* to b */
	client_update(gw, "10.0.0.0/24", 0, false);     /* outside: never announced */
	run_loop();
	inbound_is("184.164.224.0/24", "192.0.2.50");
	inbound_is("184.164.225.0/24", "192.0.2.50");
	inbound_is("184.164.226.0/24", "192.0.2.50");
	inbound_is("10.0.0.0/24", NULL);
	ck_assert_uint_eq(fk_count(20000), 3);
	ck_assert_uint_eq(stats_of(NULL)->routes, 3);

	/* withdrawn (min_interval 0: at once) */
	client_update(gw, "184.164.225.0/24", 0, true);
	run_loop();
	inbound_is("184.164.225.0/24", NULL);
	/* the client's address changes (a reload): its routes follow */
	struct config *old = cfg;
	client_addr = "192.0.2.51";
	config_with("\"dataplane\": {\"client_interface\": \"vnets0\"}");
	client_addr = "192.0.2.50";
	dp_set_config(dp, cfg);
	gateway_configure(gw, cfg);
	config_free(old);
	run_loop();
	inbound_is("184.164.224.0/24", "192.0.2.51");
	inbound_is("184.164.226.0/24", "192.0.2.51");
	/* b removed by a reload: the route only b was sent goes */
	struct config *next = config_of(UPSTREAM_A "," UPSTREAM_C("2001:db8:1::7"), DP_DEFAULT);
	gateway_configure(gw, next);
	reconfigure(next, 0);
	dp_attach_gateway(dp, gw);
	run_loop();
	inbound_is("184.164.226.0/24", NULL);
	inbound_is("184.164.224.0/24", "192.0.2.50");
	/* the client goes: its routes stay until hold-down (0 s) ends */
	gateway_client_down(gw, &cfg->clients[0], "a");
	ck_assert_uint_eq(fk_count(20000), 1);
	for (int i = 0; i < 200 && fk_count(20000) > 0; i++) {
		usleep(5000);
		run_loop();
	}
	ck_assert_uint_eq(fk_count(20000), 0);
	ck_assert_uint_eq(stats_of(NULL)->routes, 0);
	ck_assert_uint_eq(fk.bad_dels, 0);
	dp_detach_gateway(dp);
	gateway_free(gw);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dataplane");
	TCase *tc = tcase_create("plan");
	TCase *tf = tcase_create("fib");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* each a fraction of a second, but seconds on a machine loaded by
	 * parallel builds and tests: more than Check's default 4 s */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, absent_touches_nothing);
	tcase_add_test(tc, identities_and_rules);
	tcase_add_test(tc, fib_default);
	tcase_add_test(tc, takeover_wants_defaults);
	tcase_add_test(tc, refusals_counted);
	tcase_add_test(tc, reload_moves_identities);
	tcase_add_test(tc, reload_repoints_default);
	tcase_add_test(tc, reload_back_before_routes_go);
	tcase_add_test(tc, reload_refusal_counted);
	tcase_add_test(tc, lost_batch_counted);
	tcase_add_test(tc, inbound_follows_gateway);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, rib_setup, rib_teardown);
	/* random runs of thousands of changes: minutes under ASan on a
	 * shared 2-core machine, not Check's default 4 s */
	tcase_set_timeout(tf, 120);
	tcase_add_test(tf, fib_full_follows_feed);
	tcase_add_test(tf, takeover_wants_view);
	tcase_add_test(tf, fib_full_next_hop_of_other_family);
	tcase_add_test(tf, fib_full_random);
	tcase_add_test(tf, queue_drains_random);
	tcase_add_test(tf, fib_full_clearing);
	tcase_add_test(tf, batch_bound_and_coalescing);
	tcase_add_test(tf, fib_full_walk);
	tcase_add_test(tf, fib_full_detach_empties_table);
	tcase_add_test(tf, fib_full_detach_in_batches_then_attach);
	suite_add_tcase(s, tf);
	return check_run(s);
}
