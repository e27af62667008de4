/*
 * test_export_clients.c — client routes between the two hosts of a split
 * gateway: an instance host's gateway relaying to export_clients (the
 * VPN routes it sends: distinguisher, path id = the client's number,
 * label, LLGR_STALE when the client goes, every route again on a new
 * session), and those bytes decoded on a view host by export_clients_in
 * into its gateway (the client up with its first route, down with a
 * stale one and with the session; unknown distinguishers and clients
 * counted). The client numbers: FNV-1a, collisions refused.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instances/gateway.h"
#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_vpn.h"
#include "muxd/export_clients.h"
#include "muxd/export_clients_in.h"
#include "muxd/rib/rib_vpn.h"
#include "tests/unit/check_run.h"

static struct event_base *base;
static char dir_ih[64], dir_vh[64];
static struct config *cfg_ih, *cfg_vh;
static struct gateway *gw_ih, *gw_vh;
static struct export_clients *relay;
static struct session_negotiated vneg;  /* the export session's */
static int session_key;

/* What the relay sent, message by message. */
#define MSGS_MAX 64
static uint8_t msgs[MSGS_MAX][BGP_MAX_LEN];
static size_t msg_len[MSGS_MAX], nmsgs;

static bool capture(const uint8_t *msg, size_t len, void *arg)
{
	(void)arg;
	ck_assert_uint_lt(nmsgs, MSGS_MAX);
	ck_assert_uint_le(len, BGP_MAX_LEN);
	memcpy(msgs[nmsgs], msg, len);
	msg_len[nmsgs++] = len;
	return true;
}

static void never_fails(const char *why, void *arg)
{
	(void)arg;
	ck_abort_msg("the session failed: %s", why);
}

/* The client is at address (a range: ADDR/LEN). */
static struct config *config_at(const char *state, unsigned id, const char *client,
    const char *address, unsigned hold_down)
{
	char json[2048];
	struct jsonv errs = { 0 };
	struct config *c;

	snprintf(json, sizeof json,
	    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"state_dir\": \"%s\","
	    " \"upstreams\": ["
	    "  {\"name\": \"a\", \"id\": %u, \"peer\": {\"address\": \"127.0.114.11\", \"asn\": 65010},"
	    "   \"instance\": {\"address\": \"127.0.114.1\"}}],"
	    " \"clients\": [{\"name\": \"%s\", \"address\": \"%s\", \"asn\": 65101,"
	    "  \"upstreams\": [\"a\"], \"prefixes\": [\"184.164.224.0/22\", \"2001:db8:100::/40\"], \"max_prefixes\": 3,"
	    "  \"hold_down\": %u, \"min_interval\": 0}]}", state, id, client, address,
	    hold_down);
	c = config_load_string(json, &errs);
	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	return c;
}

static struct config *config_for(const char *state, unsigned id, const char *client,
    unsigned hold_down)
{
	return config_at(state, id, client, "127.0.114.21", hold_down);
}

/* An instance host's gateway (relaying) and a view host's, each on its
 * own configuration: upstream a's id and the client's name and hold-down
 * as given for the instance host. */
static void hosts(unsigned ih_id, const char *ih_client, unsigned hold_down)
{
	cfg_ih = config_for(dir_ih, ih_id, ih_client, hold_down);
	cfg_vh = config_for(dir_vh, 1, "vnet", hold_down);
	gw_ih = gateway_new(base, cfg_ih);
	gw_vh = gateway_new(base, cfg_vh);
	relay = export_clients_new(base, (const struct config *const *)&cfg_ih);
	gateway_set_relay(gw_ih, &export_clients_relay_ops, relay);
}

static void setup(void)
{
	snprintf(dir_ih, sizeof dir_ih, "/tmp/test_xclients_ih.XXXXXX");
	snprintf(dir_vh, sizeof dir_vh, "/tmp/test_xclients_vh.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_ih));
	ck_assert_ptr_nonnull(mkdtemp(dir_vh));
	base = event_base_new();
	memset(&vneg, 0, sizeof vneg);
	vneg.vpn_addpath[0] = vneg.vpn_addpath[1] = BGP_ADDPATH_BOTH;
	vneg.rx.as4 = vneg.tx.as4 = true;
	vneg.rx.addpath[AID_IPV4_VPN] = vneg.rx.addpath[AID_IPV6_VPN] = true;
	vneg.rx.max_len = vneg.tx.max_len = BGP_MAX_LEN;
	nmsgs = 0;
}

static void teardown(void)
{
	char cmd[256];

	gateway_set_relay(gw_ih, NULL, NULL);
	export_clients_free(relay);
	gateway_free(gw_ih);
	gateway_free(gw_vh);
	config_free(cfg_ih);
	config_free(cfg_vh);
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir_ih, dir_vh);
	ck_assert_int_eq(system(cmd), 0);
}

/* The client's route for prefix (AS_PATH [65101], next hop 127.0.114.21),
 * or its withdrawal, as gateway_client_update takes each prefix. */
static bool member_route(const struct client_config *cc, const char *prefix,
    bool withdraw)
{
	static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfe, 0x4d };
	static const uint8_t nh[4] = { 127, 0, 114, 21 };
	struct bgp_attrs a;
	struct bgp_prefix p;

	ck_assert(bgp_prefix_parse(prefix, &p));
	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	memcpy(a.next_hop, nh, 4);
	return gateway_source_route(gw_ih, cc, "a", &p, withdraw ? NULL : &a, nh, 4);
}

static bool client_route(const char *prefix, bool withdraw)
{
	return member_route(&cfg_ih->clients[0], prefix, withdraw);
}

/* An IPv6 route of the client: MP_REACH's next hop, global and
 * link-local (the attributes without NEXT_HOP). */
static bool client_route6(const char *prefix)
{
	static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfe, 0x4d };
	uint8_t nh[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x21, [16] = 0xfe, 0x80, [31] = 1 };
	struct bgp_attrs a;
	struct bgp_prefix p;

	ck_assert(bgp_prefix_parse(prefix, &p));
	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	return gateway_source_route(gw_ih, &cfg_ih->clients[0], "a", &p, &a, nh, sizeof nh);
}

/* What message i says: its one VPN route, and whether it is withdrawn
 * or carries LLGR_STALE. */
struct seen {
	struct bgp_vpn_prefix vp;
	bool withdrawn, stale;
	int routes;
};

static void seen_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	static const uint8_t mark[4] = { 0xFF, 0xFF, 0x00, 0x06 };
	struct seen *s = arg;

	ck_assert_uint_eq(nh_len, 4);
	ck_assert_uint_eq(nh[3], 21);
	s->vp = *vp;
	s->routes++;
	for (size_t i = 0; i + 4 <= a->communities.len; i += 4)
		s->stale |= memcmp(a->communities.p + i, mark, 4) == 0;
}

static void seen_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	struct seen *s = arg;
	s->vp = *vp;
	s->withdrawn = true;
	s->routes++;
}

static void decode(size_t i, struct bgp_update *u, uint8_t *scratch, size_t cap)
{
	struct bgp_err e;

	ck_assert_uint_lt(i, nmsgs);
	ck_assert(bgp_update_decode(msgs[i] + BGP_HEADER_LEN, msg_len[i] - BGP_HEADER_LEN,
	    &vneg.rx, scratch, cap, u, &e));
}

static struct seen message(size_t i)
{
	static const struct rib_vpn_import_ops ops = { seen_announce, seen_withdraw };
	static uint8_t scratch[16384];
	struct seen s = { 0 };
	struct bgp_update u;

	decode(i, &u, scratch, sizeof scratch);
	rib_vpn_import(&u, &vneg.rx, &ops, &s);
	ck_assert_int_eq(s.routes, 1);
	return s;
}

/* The relay's messages from index from on, to the view host. */
static void deliver(struct export_clients_in *in, size_t from)
{
	static uint8_t scratch[16384];
	struct bgp_update u;

	for (size_t i = from; i < nmsgs; i++) {
		decode(i, &u, scratch, sizeof scratch);
		export_clients_in_update(in, &u, &vneg);
	}
}

static size_t announced_vh(void)
{
	size_t n;
	ck_assert_uint_eq(gateway_upstreams(gw_vh), 1);
	gateway_upstream(gw_vh, 0, &n);
	return n;
}

/* ---- the numbers ------------------------------------------------------------- */

START_TEST(client_number_is_fnv1a)
{
	struct jsonv errs = { 0 };
	struct config *c;

	ck_assert_uint_eq(client_source_number(""), 0x811c9dc5u);
	ck_assert_uint_eq(client_source_number("a"), 0xe40c292cu);
	ck_assert_uint_eq(client_source_number("gwzx"), client_source_number("16cd"));
	c = config_load_string("{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": "
	    "[{\"name\": \"a\", \"id\": 1, \"peer\": {\"address\": \"127.0.114.11\", \"asn\": "
	    "65010}, \"instance\": {\"address\": \"127.0.114.1\"}}], \"clients\": ["
	    "{\"name\": \"gwzx\", \"address\": \"127.0.114.21\", \"asn\": 65101, \"upstreams\": [\"a\"]},"
	    "{\"name\": \"16cd\", \"address\": \"127.0.114.22\", \"asn\": 65102, \"upstreams\": [\"a\"]}]}",
	    &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_msg(strstr(errs.lines[0], "$.clients[1].name") &&
	    strstr(errs.lines[0], "$.clients[0].name"), "%s", errs.lines[0]);
	jsonv_free(&errs);

	/* a client provisioned at run time (the API) is refused the same way */
	hosts(1, "gwzx", 0);
	struct client_config cc = cfg_ih->clients[0];
	cc.name = (char *)"16cd";
	ck_assert_ptr_eq(config_client_same_number(cfg_ih, cfg_ih->client_count, "16cd"),
	    &cfg_ih->clients[0]);
	ck_assert_ptr_null(config_client_same_number(cfg_ih, cfg_ih->client_count, "gwzx"));
	config_check_new_client(&errs, "$", cfg_ih, &cc);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_msg(strstr(errs.lines[errs.count - 1], "$.name: its number") &&
	    strstr(errs.lines[errs.count - 1], "client gwzx's"), "%s", errs.lines[errs.count - 1]);
	jsonv_free(&errs);
}
END_TEST

/* ---- the instance host ---------------------------------------------------------- */

START_TEST(relay_sends_client_routes)
{
	struct export_clients_stats st;
	struct seen s;

	hosts(1, "vnet", 300);
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	gateway_client_up(gw_ih, &cfg_ih->clients[0], "a");
	ck_assert(client_route("184.164.224.0/24", false));
	ck_assert_uint_eq(nmsgs, 1);
	s = message(0);
	char rd[BGP_RD_STRLEN], pfx[BGP_PREFIX_STRLEN];
	bgp_rd_format(&s.vp.rd, rd, sizeof rd);
	bgp_prefix_format(&s.vp.p, pfx, sizeof pfx);
	ck_assert_str_eq(rd, "65000:1");
	ck_assert_str_eq(pfx, "184.164.224.0/24");
	ck_assert_uint_eq(s.vp.p.path_id, client_source_number("vnet"));
	ck_assert_uint_eq(s.vp.labels[0], BGP_VPN_LABEL(17));
	ck_assert(!s.stale && !s.withdrawn);

	/* outside the allocation: counted at the edge, never sent */
	ck_assert(client_route("10.0.0.0/24", false));
	ck_assert(client_route("184.164.224.0/25", false));
	ck_assert_uint_eq(nmsgs, 1);
	/* a withdrawal is a withdrawal */
	ck_assert(client_route("184.164.224.0/24", true));
	ck_assert_uint_eq(nmsgs, 2);
	ck_assert(message(1).withdrawn);
	/* max_prefixes 3 holds on the instance host: the 4th breaks it */
	ck_assert(client_route("184.164.224.0/24", false));
	ck_assert(client_route("184.164.225.0/24", false));
	ck_assert(client_route("184.164.226.0/24", false));
	ck_assert(!client_route("184.164.227.0/24", false));
	ck_assert(!gateway_client_allowed(gw_ih, "vnet", "a"));
	ck_assert_uint_eq(nmsgs, 5);

	/* the client goes: each route once more, stale; then forgotten */
	gateway_client_down(gw_ih, &cfg_ih->clients[0], "a");
	ck_assert_uint_eq(nmsgs, 8);
	for (size_t i = 5; i < 8; i++)
		ck_assert(message(i).stale && !message(i).withdrawn);
	export_clients_stats(relay, &st);
	ck_assert_uint_eq(st.routes, 0);
	ck_assert_uint_eq(st.sources, 0);
	ck_assert_uint_eq(st.stale_sent, 3);
	ck_assert_uint_eq(st.routes_sent, 8);
	/* a new session has nothing of it */
	export_clients_stop(relay, &session_key);
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	ck_assert_uint_eq(nmsgs, 8);
}
END_TEST

START_TEST(relay_sends_every_route_on_a_new_session)
{
	hosts(1, "vnet", 300);
	gateway_client_up(gw_ih, &cfg_ih->clients[0], "a");
	ck_assert(client_route("184.164.224.0/24", false));
	ck_assert(client_route("184.164.225.0/24", false));
	ck_assert_uint_eq(nmsgs, 0);                    /* no session yet */
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	ck_assert_uint_eq(nmsgs, 2);
	ck_assert(!message(0).stale && !message(1).stale);
	export_clients_stop(relay, &session_key);
	ck_assert(client_route("184.164.226.0/24", false));
	ck_assert_uint_eq(nmsgs, 2);                    /* kept, not sent */
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	ck_assert_uint_eq(nmsgs, 5);
	/* ROUTE-REFRESH: the family's routes again, on that session only */
	export_clients_refresh(relay, &session_key, BGP_AFI_IPV4);
	ck_assert_uint_eq(nmsgs, 8);
	export_clients_refresh(relay, &session_key, BGP_AFI_IPV6);
	export_clients_refresh(relay, &nmsgs, BGP_AFI_IPV4);
	ck_assert_uint_eq(nmsgs, 8);
}
END_TEST

/* The members of a range (NAME@ADDRESS, the range's settings) are the
 * range to the view host: its number, up while any member is. */
START_TEST(relay_takes_a_range_as_one_client)
{
	struct client_config m1, m2;

	hosts(1, "vnet", 300);
	config_free(cfg_ih);
	cfg_ih = config_at(dir_ih, 1, "r", "127.0.114.32/28", 300);
	m1 = m2 = cfg_ih->clients[0];
	m1.range_len = m2.range_len = 0;
	m1.name = (char *)"r@127.0.114.33";
	m2.name = (char *)"r@127.0.114.34";
	ck_assert(sockaddr_parse("127.0.114.33", 0, &m1.addr));
	ck_assert(sockaddr_parse("127.0.114.34", 0, &m2.addr));
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	gateway_client_up(gw_ih, &m1, "a");
	gateway_client_up(gw_ih, &m2, "a");
	ck_assert(member_route(&m1, "184.164.224.0/24", false));
	ck_assert(member_route(&m2, "184.164.225.0/24", false));
	ck_assert_uint_eq(nmsgs, 2);
	ck_assert_uint_eq(message(0).vp.p.path_id, client_source_number("r"));
	ck_assert_uint_eq(message(1).vp.p.path_id, client_source_number("r"));
	gateway_client_down(gw_ih, &m1, "a");
	ck_assert_uint_eq(nmsgs, 2);                    /* m2 is still up */
	gateway_client_down(gw_ih, &m2, "a");
	ck_assert_uint_eq(nmsgs, 4);
	ck_assert(message(2).stale && message(3).stale);
}
END_TEST

/* ---- the view host ------------------------------------------------------------- */

static const char *owner_seen;

static void owner_cb(const struct bgp_prefix *p, const uint8_t *attrs, size_t len,
    const char *owner, void *arg)
{
	(void)p;
	(void)attrs;
	(void)len;
	(void)arg;
	owner_seen = owner;
}

/* Hosts as hosts() makes them, hold-down 0, the relay on a session, the
 * client up on the instance host with one route, 184.164.224.0/24, and
 * what the relay sent delivered to the view host's export_clients_in,
 * which is returned. */
static struct export_clients_in *view_host_after_route(unsigned ih_id, const char *ih_client)
{
	struct export_clients_in *in;

	hosts(ih_id, ih_client, 0);
	in = export_clients_in_new(gw_vh, (const struct config *const *)&cfg_vh, "ih-1");
	export_clients_start(relay, &session_key, &vneg, capture, never_fails, NULL);
	gateway_client_up(gw_ih, &cfg_ih->clients[0], "a");
	ck_assert(client_route("184.164.224.0/24", false));
	deliver(in, 0);
	return in;
}

START_TEST(view_host_takes_client_routes)
{
	struct export_clients_in *in;
	struct export_clients_in_stats st;

	in = view_host_after_route(1, "vnet");  /* hold-down 0: down shows as withdrawn */
	ck_assert_uint_eq(announced_vh(), 1);
	gateway_each(gw_vh, "a", owner_cb, NULL);
	ck_assert_str_eq(owner_seen, "vnet");
	export_clients_in_stats(in, &st);
	ck_assert_uint_eq(st.routes, 1);
	ck_assert_uint_eq(st.sources_up, 1);

	/* the client leaves the instance host: stale on the wire, down here */
	size_t mark = nmsgs;
	gateway_client_down(gw_ih, &cfg_ih->clients[0], "a");
	deliver(in, mark);
	ck_assert_uint_eq(announced_vh(), 0);
	export_clients_in_stats(in, &st);
	ck_assert_uint_eq(st.sources_up, 0);

	/* back: up with its first route; then the session goes */
	mark = nmsgs;
	gateway_client_up(gw_ih, &cfg_ih->clients[0], "a");
	ck_assert(client_route("184.164.225.0/24", false));
	ck_assert(client_route6("2001:db8:100::/48"));  /* VPNv6, its next hop 48 bytes */
	deliver(in, mark);
	ck_assert_uint_eq(announced_vh(), 2);
	export_clients_in_down(in);
	ck_assert_uint_eq(announced_vh(), 0);
	export_clients_in_stats(in, &st);
	ck_assert_uint_eq(st.sources_up, 0);
	ck_assert_uint_eq(st.routes, 4);
	export_clients_in_free(in);
	event_base_loop(base, EVLOOP_NONBLOCK);         /* the deferred saves */
}
END_TEST

START_TEST(view_host_ignores_unknown_upstream_and_client)
{
	struct export_clients_in *in;
	struct export_clients_in_stats st;

	in = view_host_after_route(2, "other"); /* the view host has upstream a as id 1 */
	export_clients_in_stats(in, &st);
	ck_assert_uint_eq(st.unknown_upstream, 1);
	ck_assert_uint_eq(announced_vh(), 0);
	export_clients_in_free(in);
	teardown();
	setup();

	in = view_host_after_route(1, "other"); /* no client "other" on the view host */
	export_clients_in_stats(in, &st);
	ck_assert_uint_eq(st.unknown_client, 1);
	ck_assert_uint_eq(st.sources_up, 0);
	ck_assert_uint_eq(announced_vh(), 0);
	export_clients_in_free(in);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export_clients");
	TCase *t = tcase_create("export_clients");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, client_number_is_fnv1a);
	tcase_add_test(t, relay_sends_client_routes);
	tcase_add_test(t, relay_sends_every_route_on_a_new_session);
	tcase_add_test(t, relay_takes_a_range_as_one_client);
	tcase_add_test(t, view_host_takes_client_routes);
	tcase_add_test(t, view_host_ignores_unknown_upstream_and_client);
	suite_add_tcase(s, t);
	return check_run(s);
}
