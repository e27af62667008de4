/*
 * test_export_gr.c — Graceful Restart of the session between a view host
 * and an instance host (docs/scaleout.md), in the parts that need no
 * sockets:
 *
 *   the instance host's views: the view host's capability mapped onto
 *   the views (VPN families to unicast, the restart time bounded); a
 *   view whose session is lost as a restart keeps its paths as stale and
 *   publishes nothing, and at each family's End-of-RIB of the next
 *   session its subscribers get exactly the differences (the changed
 *   path replaced, the new one announced, the gone one withdrawn, the
 *   same one nothing); the other family stays stale until its own
 *   End-of-RIB; no new session within the restart time: the stale paths
 *   go; without Graceful Restart, or lost as no restart, cleared at once;
 *
 *   the view host's End-of-RIB gate (export_gate.h): a view is whole for
 *   a family once its upstream's End-of-RIB came, when its session is up
 *   without the family, or when it went down after being up — never
 *   between its session up and its End-of-RIB, nor while it has not come
 *   up yet (but at a first start, when no instance host keeps its paths).
 */
#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/export_gate.h"
#include "muxd/export_recv.h"
#include "views/view.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static struct event_base *base;
static struct view *view;
static struct session_negotiated neg;   /* the views' side, as export_recv's */

static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xf2 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static void gone(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
}

static const struct view_ops ops = { .gone = gone };

/* A view of an upstream with families count of (ipv4, ipv6), and the
 * views' negotiated with the view host's Graceful Restart: IPv4 and IPv6
 * VPN listed with F, restart time secs. */
static void make_view(uint8_t count, uint16_t secs)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL, NULL };
	struct session_negotiated x;

	base = event_base_new();
	memset(&nc, 0, sizeof nc);
	nc.name = "isp-g";
	ck_assert(sockaddr_parse("127.0.85.201", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.hold_time = 90;
	nc.connect_retry = 30;
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.families[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	nc.family_count = count;
	view = view_new(base, &nc, &local, VIEW_UPSTREAM, &ops, NULL); /* never started */
	memset(&neg, 0, sizeof neg);
	neg.families[0] = nc.families[0];
	neg.families[1] = nc.families[1];
	neg.family_count = 2;
	neg.as4 = neg.rx.as4 = neg.tx.as4 = true;
	neg.rx.addpath[AID_IPV4_UNICAST] = neg.rx.addpath[AID_IPV6_UNICAST] = true;
	neg.rx.max_len = neg.tx.max_len = BGP_MAX_LEN;
	memset(&x, 0, sizeof x);
	x.gr = x.gr_notification = true;
	x.gr_restart_time = secs;
	x.gr_flags = BGP_GR_NOTIFICATION;
	x.gr_fam[0] = (struct bgp_gr_family){ { BGP_AFI_IPV4, BGP_SAFI_VPN }, BGP_GR_FORWARDING };
	x.gr_fam[1] = (struct bgp_gr_family){ { BGP_AFI_IPV6, BGP_SAFI_VPN }, BGP_GR_FORWARDING };
	x.gr_count = 2;
	export_recv_map_gr(&neg, &x);
}

static void setup(void)
{
	make_view(2, 120);
}

static void teardown(void)
{
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
}

/* One path as the instance host puts it: MED med, or withdrawn (med < 0). */
static void put(const char *text, uint32_t id, long med)
{
	struct bgp_prefix p;
	struct bgp_attrs a;

	ck_assert(bgp_prefix_parse(text, &p));
	p.path_id = id;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_MED);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.med = (uint32_t)med;
	if (p.afi == BGP_AFI_IPV4)
		view_put_path(view, &p, med < 0 ? NULL : &a, nh4, sizeof nh4);
	else
		view_put_path(view, &p, med < 0 ? NULL : &a, nh6, sizeof nh6);
}

/* The view host's End-of-RIB of afi's VPN family, as export_recv hands
 * it to the views: the unicast family's. */
static void eor(uint16_t afi)
{
	uint8_t buf[64], scratch[64];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t len = bgp_eor_encode(&w, afi, BGP_SAFI_UNICAST);
	struct bgp_update u;
	struct bgp_err e;

	ck_assert_uint_gt(len, BGP_HEADER_LEN);
	ck_assert(bgp_update_decode(buf + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &e));
	ck_assert(u.end_of_rib);
	u.msg = (struct bgp_bytes){ buf, (uint16_t)len };
	view_apply_update(view, &u, &neg);
}

/* ---- what the view's subscribers get ------------------------------------- */

struct rec {
	enum feed_change change;
	char prefix[BGP_PREFIX_STRLEN];
};

struct recorder {
	struct rec v[64];
	size_t n;
	struct feed_sub *sub;
};

static void record(const struct feed_event *ev, void *arg)
{
	struct recorder *r = arg;

	ck_assert_uint_lt(r->n, 64);
	r->v[r->n].change = ev->change;
	bgp_prefix_format(ev->prefix, r->v[r->n].prefix, sizeof r->v[r->n].prefix);
	r->n++;
}

static void subscribe(struct recorder *r)
{
	memset(r, 0, sizeof *r);
	r->sub = feed_subscribe(view_feed(view), FEED_MASK(FEED_ROUTE), record, r);
}

/* The recorder got change for prefix, exactly once. */
static void got_once(const struct recorder *r, enum feed_change change, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].prefix, prefix) == 0) {
			ck_assert_msg(r->v[i].change == change, "%s: change %d, not %d", prefix,
			    r->v[i].change, change);
			n++;
		}
	ck_assert_msg(n == 1, "%s: %zu events, not 1", prefix, n);
}

/* Paths of both families before the loss: same, changed, gone. */
static void fill(void)
{
	view_session_up(view, &neg);
	put("10.0.1.0/24", 1, 10);              /* the same after */
	put("10.0.2.0/24", 1, 10);              /* changed after */
	put("10.0.3.0/24", 1, 10);              /* gone after */
	put("2001:db8:1::/48", 1, 10);
	put("2001:db8:2::/48", 1, 10);
	eor(BGP_AFI_IPV4);
	eor(BGP_AFI_IPV6);
}

/* ---- tests --------------------------------------------------------------------- */

START_TEST(capability_maps_to_the_views)
{
	struct session_negotiated x, v;

	/* setup mapped 120 s, both families with F */
	ck_assert(neg.gr);
	ck_assert_uint_eq(neg.gr_restart_time, 120);
	ck_assert_uint_eq(neg.gr_count, 2);
	ck_assert_uint_eq(neg.gr_fam[0].fam.afi, BGP_AFI_IPV4);
	ck_assert_uint_eq(neg.gr_fam[0].fam.safi, BGP_SAFI_UNICAST);
	ck_assert_uint_eq(neg.gr_fam[1].fam.safi, BGP_SAFI_UNICAST);
	ck_assert(neg.gr_fam[1].flags & BGP_GR_FORWARDING);
	/* a long restart time is bounded; unicast in the capability is no
	 * VPN family of the session: not mapped */
	memset(&x, 0, sizeof x);
	x.gr = true;
	x.gr_restart_time = 4095;
	x.gr_fam[0] = (struct bgp_gr_family){ { BGP_AFI_IPV4, BGP_SAFI_UNICAST }, 0 };
	x.gr_fam[1] = (struct bgp_gr_family){ { BGP_AFI_IPV6, BGP_SAFI_VPN }, 0 };
	x.gr_count = 2;
	memset(&v, 0, sizeof v);
	export_recv_map_gr(&v, &x);
	ck_assert_uint_eq(v.gr_restart_time, 360);
	ck_assert_uint_eq(v.gr_count, 1);
	ck_assert_uint_eq(v.gr_fam[0].fam.afi, BGP_AFI_IPV6);
	ck_assert(!(v.gr_fam[0].flags & BGP_GR_FORWARDING));
	/* no Graceful Restart negotiated: nothing listed, whatever was */
	x.gr = false;
	export_recv_map_gr(&v, &x);
	ck_assert(!v.gr);
	ck_assert_uint_eq(v.gr_count, 0);
}
END_TEST

START_TEST(restart_sends_only_the_differences)
{
	struct recorder r;

	fill();
	subscribe(&r);
	view_session_lost(view, &neg, "connection closed", true);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(view_stale_count(view), 5);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 5);
	ck_assert(!feed_session_up(view_feed(view)));

	view_session_up(view, &neg);            /* F: the stale paths wait */
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 5);
	put("10.0.1.0/24", 1, 10);
	put("10.0.2.0/24", 1, 20);
	put("10.0.4.0/24", 1, 10);
	put("2001:db8:1::/48", 1, 10);
	ck_assert_uint_eq(r.n, 2);              /* 10.0.2 replaced, 10.0.4 new */
	eor(BGP_AFI_IPV4);
	ck_assert_uint_eq(r.n, 3);
	got_once(&r, FEED_REPLACE, "10.0.2.0/24");
	got_once(&r, FEED_ANNOUNCE, "10.0.4.0/24");
	got_once(&r, FEED_WITHDRAW, "10.0.3.0/24");
	/* IPv6 waits for its own End-of-RIB: 2001:db8:2:: still there */
	ck_assert_uint_eq(view_stale_count(view), 1);
	ck_assert_uint_eq(feed_route_count(view_feed(view), BGP_AFI_IPV6), 2);
	eor(BGP_AFI_IPV6);
	ck_assert_uint_eq(r.n, 4);
	got_once(&r, FEED_WITHDRAW, "2001:db8:2::/48");
	ck_assert_uint_eq(view_stale_count(view), 0);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 4);
	feed_unsubscribe(r.sub);
}
END_TEST

/* The view host sends a family again between BoRR and EoRR (RFC 7313):
 * the clients see only the differences, the other family is untouched. */
START_TEST(refresh_sends_only_the_differences)
{
	struct recorder r;

	fill();
	subscribe(&r);
	view_refresh_begin(view, BGP_AFI_IPV4);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(view_stale_count(view), 3);
	put("10.0.1.0/24", 1, 10);
	put("10.0.2.0/24", 1, 20);
	ck_assert_uint_eq(r.n, 1);              /* 10.0.2 replaced */
	ck_assert_uint_eq(view_refresh_end(view, BGP_AFI_IPV4), 1);
	ck_assert_uint_eq(r.n, 2);
	got_once(&r, FEED_REPLACE, "10.0.2.0/24");
	got_once(&r, FEED_WITHDRAW, "10.0.3.0/24");
	ck_assert_uint_eq(view_stale_count(view), 0);
	ck_assert_uint_eq(feed_route_count(view_feed(view), BGP_AFI_IPV6), 2);
	/* an EoRR with no BoRR before withdraws nothing */
	ck_assert_uint_eq(view_refresh_end(view, BGP_AFI_IPV6), 0);
	ck_assert_uint_eq(r.n, 2);
	feed_unsubscribe(r.sub);
}
END_TEST

/* No new session within the restart time (1 s here): the stale paths go. */
START_TEST(stale_paths_go_when_no_session_returns)
{
	struct recorder r;
	struct timeval limit = { 3, 0 };

	teardown();
	make_view(2, 1);
	fill();
	subscribe(&r);
	view_session_lost(view, &neg, "hold timer expired", true);
	ck_assert_uint_eq(r.n, 0);
	event_base_loopexit(base, &limit);
	while (view_stale_count(view) > 0 && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	ck_assert_uint_eq(view_stale_count(view), 0);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 0);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(cleared_at_once_without_graceful_restart)
{
	struct recorder r;

	neg.gr = false;
	neg.gr_count = 0;
	fill();
	subscribe(&r);
	view_session_lost(view, &neg, "connection closed", true);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(view_stale_count(view), 0);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 0);
	feed_unsubscribe(r.sub);
}
END_TEST

/* A Hard Reset (or a NOTIFICATION without N) is no restart. */
START_TEST(cleared_at_once_when_not_a_restart)
{
	struct recorder r;

	fill();
	subscribe(&r);
	view_session_lost(view, &neg, "received NOTIFICATION 6/9", false);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 0);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(gate_waits_for_each_family)
{
	struct session_negotiated plain = neg;

	plain.gr = false;
	plain.gr_count = 0;
	/* not up yet since the start: not whole, unless a first start */
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV4, true));
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV6, true));
	ck_assert(export_gate_view_ready(view, BGP_AFI_IPV4, false));
	view_session_up(view, &plain);
	put("10.0.1.0/24", 1, 10);
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV4, true));
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV4, false));
	eor(BGP_AFI_IPV4);
	ck_assert(export_gate_view_ready(view, BGP_AFI_IPV4, true));
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV6, true));
	eor(BGP_AFI_IPV6);
	ck_assert(export_gate_view_ready(view, BGP_AFI_IPV6, true));
	/* down after being up: its paths are withdrawn, nothing to wait for */
	view_session_down(view, "connection closed");
	ck_assert(export_gate_view_ready(view, BGP_AFI_IPV4, true));
	/* up again: its End-of-RIB of this session is waited for again */
	view_session_up(view, &plain);
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV4, true));
}
END_TEST

/* A view whose upstream carries no IPv6 has nothing to wait for there. */
START_TEST(gate_skips_a_family_not_carried)
{
	struct session_negotiated v4 = neg;

	teardown();
	make_view(1, 120);
	v4.family_count = 1;
	view_session_up(view, &v4);
	ck_assert(!export_gate_view_ready(view, BGP_AFI_IPV4, true));
	ck_assert(export_gate_view_ready(view, BGP_AFI_IPV6, true));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export_gr");
	TCase *t = tcase_create("export_gr");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 20);
	tcase_add_test(t, capability_maps_to_the_views);
	tcase_add_test(t, restart_sends_only_the_differences);
	tcase_add_test(t, refresh_sends_only_the_differences);
	tcase_add_test(t, stale_paths_go_when_no_session_returns);
	tcase_add_test(t, cleared_at_once_without_graceful_restart);
	tcase_add_test(t, cleared_at_once_when_not_a_restart);
	tcase_add_test(t, gate_waits_for_each_family);
	tcase_add_test(t, gate_skips_a_family_not_carried);
	suite_add_tcase(s, t);
	return check_run(s);
}
