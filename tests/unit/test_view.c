/*
 * test_view.c — a view's table and its feed: announce, replace, withdraw,
 * the same set again (nothing), previous sets on request, ADD-PATH paths
 * and the lowest one, End-of-RIB, session down (every route withdrawn,
 * table empty), unsubscribing from inside a callback, and the contract a
 * joining subscriber relies on: a chunked walk interleaved with random
 * live changes ends with exactly the table, no gap, no duplicate.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "views/view.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static struct event_base *base;
static struct view *view;
static struct session_negotiated neg;
static bool view_gone;

static const uint8_t path[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0xfb, 0xf0 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static void setup(void)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL };

	base = event_base_new();
	memset(&nc, 0, sizeof nc);
	nc.name = "isp-t";
	ck_assert(sockaddr_parse("127.0.85.200", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.hold_time = 90;
	nc.connect_retry = 30;
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.families[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	nc.family_count = 2;
	view = view_new(base, &nc, &local, VIEW_UPSTREAM);     /* never started: no socket */
	memset(&neg, 0, sizeof neg);
	neg.families[0] = nc.families[0];
	neg.families[1] = nc.families[1];
	neg.family_count = 2;
	neg.as4 = neg.rx.as4 = neg.tx.as4 = true;
	neg.rx.ebgp = neg.tx.ebgp = true;
	neg.rx.max_len = neg.tx.max_len = BGP_EXT_MAX_LEN;
	view_gone = false;
}

static void gone(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
	view_gone = true;
}

static void teardown(void)
{
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, gone, NULL);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert(view_gone);
	event_base_free(base);
}

static struct bgp_prefix pfx(const char *s, uint32_t path_id)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(s, &p));
	p.path_id = path_id;
	return p;
}

/* One UPDATE through the codec, as a session would hand it up: routes of
 * one family announced with MED med (or withdrawn when med < 0). */
static void update(uint16_t afi, const struct bgp_prefix *ps, size_t n, long med)
{
	static uint8_t msg[BGP_EXT_MAX_LEN], attrs[1024], scratch[4 * BGP_EXT_MAX_LEN];
	struct wbuf w = wbuf_make(msg, sizeof msg), aw = wbuf_make(attrs, sizeof attrs);
	struct bgp_attrs a;
	struct bgp_packer pk;
	struct bgp_update u;
	struct bgp_err e;

	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_MED);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	a.med = (uint32_t)med;
	if (afi == BGP_AFI_IPV4) {
		a.present |= BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh4, 4);
	}
	bgp_attrs_encode(&aw, &a, &neg.rx);
	struct bgp_pack_spec spec = {
		.afi = afi, .safi = BGP_SAFI_UNICAST, .addpath = neg.rx.addpath[afi],
		.withdraw = med < 0, .attrs = med < 0 ? NULL : attrs,
		.attrs_len = med < 0 ? 0 : aw.len, .next_hop = nh6,
		.next_hop_len = afi == BGP_AFI_IPV6 ? 16 : 0, .max_len = BGP_EXT_MAX_LEN,
	};
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	for (size_t i = 0; i < n; i++)
		ck_assert(bgp_packer_add(&pk, &ps[i]));
	size_t len = bgp_packer_finish(&pk);
	ck_assert_uint_gt(len, 0);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &e));
	view_apply_update(view, &u, &neg);
}

static void announce(const char *p, uint32_t id, long med)
{
	struct bgp_prefix x = pfx(p, id);
	update(x.afi, &x, 1, med);
}

static void withdraw(const char *p, uint32_t id)
{
	announce(p, id, -1);
}

/* ---- a subscriber that writes every event down -------------------------- */

struct rec {
	enum feed_event_type type;
	enum feed_change change;
	char prefix[BGP_PREFIX_STRLEN];
	uint32_t path_id;
	struct attrset *set, *old;
	bool clearing;
	size_t table_at;        /* routes in the view when the event came */
};

struct recorder {
	struct rec v[256];
	size_t n;
	struct feed_sub *sub;
	bool unsubscribe_after_first;
};

static void record(const struct feed_event *ev, void *arg)
{
	struct recorder *r = arg;
	struct rec *x = &r->v[r->n++];

	ck_assert_uint_lt(r->n, 256);
	memset(x, 0, sizeof *x);
	x->type = ev->type;
	x->change = ev->change;
	if (ev->prefix) {
		bgp_prefix_format(ev->prefix, x->prefix, sizeof x->prefix);
		x->path_id = ev->prefix->path_id;
	}
	x->set = ev->set;
	x->old = ev->old;
	x->clearing = ev->clearing;
	x->table_at = feed_route_count(view_feed(view), 0);
	if (r->unsubscribe_after_first)
		feed_unsubscribe(r->sub);
}

static void subscribe(struct recorder *r, unsigned mask)
{
	memset(r, 0, sizeof *r);
	r->sub = feed_subscribe(view_feed(view), mask, record, r);
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(announce_replace_withdraw)
{
	struct recorder r;
	struct feed *f = view_feed(view);

	subscribe(&r, FEED_MASK_ALL);
	announce("10.0.0.0/24", 0, 5);
	announce("10.0.0.0/24", 0, 5);          /* same set: nothing */
	announce("10.0.0.0/24", 0, 6);
	announce("2001:db8::/32", 0, 5);
	withdraw("10.0.0.0/24", 0);
	withdraw("10.0.0.0/24", 0);             /* not there: nothing */

	/* FEED_UPDATE before each UPDATE's routes: 6 updates, 4 routes */
	size_t routes = 0;
	struct rec *rt[4];
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].type == FEED_ROUTE)
			rt[routes++] = &r.v[i];
	ck_assert_uint_eq(routes, 4);
	ck_assert_uint_eq(r.n, 10);
	ck_assert_int_eq(rt[0]->change, FEED_ANNOUNCE);
	ck_assert_str_eq(rt[0]->prefix, "10.0.0.0/24");
	ck_assert_int_eq(rt[1]->change, FEED_REPLACE);
	ck_assert_ptr_ne(rt[1]->set, rt[0]->set);
	ck_assert_ptr_null(rt[1]->old);         /* not asked for */
	ck_assert_int_eq(rt[2]->change, FEED_ANNOUNCE);
	ck_assert_str_eq(rt[2]->prefix, "2001:db8::/32");
	ck_assert_int_eq(rt[3]->change, FEED_WITHDRAW);
	ck_assert_ptr_null(rt[3]->set);
	ck_assert(!rt[3]->clearing);
	/* the table already had each change when its event came */
	ck_assert_uint_eq(rt[0]->table_at, 1);
	ck_assert_uint_eq(rt[3]->table_at, 1);
	ck_assert_uint_eq(feed_route_count(f, 0), 1);
	/* what BMP reports as stat types 1 and 2 */
	ck_assert_uint_eq(feed_counters(f)->dup_announced, 1);
	ck_assert_uint_eq(feed_counters(f)->dup_withdrawn, 1);
	ck_assert_uint_eq(feed_counters(f)->taw_updates, 0);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(old_sets_on_request)
{
	struct recorder r;
	struct bgp_prefix p = pfx("10.0.0.0/24", 0);

	subscribe(&r, FEED_MASK(FEED_ROUTE) | FEED_WANT_OLD);
	announce("10.0.0.0/24", 0, 5);
	struct attrset *first = feed_route(view_feed(view), &p);
	announce("10.0.0.0/24", 0, 6);
	struct attrset *second = feed_route(view_feed(view), &p);
	withdraw("10.0.0.0/24", 0);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_ptr_null(r.v[0].old);
	ck_assert_ptr_eq(r.v[1].old, first);
	ck_assert_ptr_eq(r.v[1].set, second);
	ck_assert_ptr_eq(r.v[2].old, second);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(addpath_paths_and_lowest)
{
	struct recorder r;
	struct bgp_prefix first;
	struct attrset *set;
	struct feed *f = view_feed(view);
	struct bgp_prefix p = pfx("10.9.0.0/16", 0);

	neg.rx.addpath[BGP_AFI_IPV4] = true;
	subscribe(&r, FEED_MASK(FEED_ROUTE));
	announce("10.9.0.0/16", 7, 1);
	announce("10.9.0.0/16", 3, 2);
	announce("10.9.0.0/16", 9, 3);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.v[1].path_id, 3);
	ck_assert_uint_eq(feed_route_count(f, BGP_AFI_IPV4), 3);
	ck_assert(feed_first_path(f, &p, &first, &set));
	ck_assert_uint_eq(first.path_id, 3);
	ck_assert_ptr_eq(set, r.v[1].set);
	withdraw("10.9.0.0/16", 3);
	ck_assert(feed_first_path(f, &p, &first, &set));
	ck_assert_uint_eq(first.path_id, 7);
	withdraw("10.9.0.0/16", 7);
	withdraw("10.9.0.0/16", 9);
	ck_assert(!feed_first_path(f, &p, &first, &set));
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(end_of_rib_event)
{
	struct recorder r;
	uint8_t body[] = { 0, 0, 0, 0 };        /* empty UPDATE: IPv4 EoR */
	struct bgp_update u;
	struct bgp_err e;

	subscribe(&r, FEED_MASK(FEED_END_OF_RIB));
	ck_assert(bgp_update_decode(body, sizeof body, &neg.rx, NULL, 0, &u, &e));
	view_apply_update(view, &u, &neg);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.v[0].type, FEED_END_OF_RIB);
	ck_assert(view_stats(view)->eor[BGP_AFI_IPV4]);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(session_down_withdraws_everything)
{
	struct recorder r;
	struct feed *f = view_feed(view);

	neg.rx.addpath[BGP_AFI_IPV4] = true;
	view_session_up(view, &neg);
	ck_assert(feed_session_up(f));
	announce("10.0.0.0/24", 1, 5);
	announce("10.0.0.0/24", 2, 5);
	announce("10.1.0.0/24", 1, 6);
	announce("2001:db8::/32", 0, 5);
	subscribe(&r, FEED_MASK_ALL);
	view_session_down(view, "test");
	ck_assert(!feed_session_up(f));
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(r.v[0].type, FEED_SESSION_DOWN);
	for (size_t i = 1; i < 5; i++) {
		ck_assert_uint_eq(r.v[i].type, FEED_ROUTE);
		ck_assert_int_eq(r.v[i].change, FEED_WITHDRAW);
		ck_assert(r.v[i].clearing);
		ck_assert_ptr_nonnull(r.v[i].old);
		ck_assert_uint_ge(r.v[i].table_at, 1);  /* the route is still there */
	}
	ck_assert_str_eq(r.v[1].prefix, "10.0.0.0/24");
	ck_assert_uint_eq(r.v[1].path_id, 1);
	ck_assert_uint_eq(r.v[2].path_id, 2);
	ck_assert_str_eq(r.v[4].prefix, "2001:db8::/32");
	ck_assert_uint_eq(feed_route_count(f, 0), 0);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(unsubscribe_inside_callback)
{
	struct recorder a, b;

	subscribe(&a, FEED_MASK(FEED_ROUTE));
	a.unsubscribe_after_first = true;
	subscribe(&b, FEED_MASK(FEED_ROUTE));
	ck_assert_uint_eq(feed_subscribers(view_feed(view)), 2);
	announce("10.0.0.0/24", 0, 1);
	announce("10.0.1.0/24", 0, 1);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(feed_subscribers(view_feed(view)), 1);
	ck_assert(!feed_wants(view_feed(view), FEED_MASK(FEED_UPDATE)));
	feed_unsubscribe(b.sub);
}
END_TEST

/* ---- a joining subscriber, simulated ----------------------------------------- */

/* What a client holds: route key → set, in a JSON object. */
struct mirror {
	struct feed_cursor cur;
	json_t *table;
	unsigned redundant;     /* an announcement of what it had, a withdrawal of nothing */
	unsigned duplicate;     /* the walk sent what it had */
	unsigned live_sent, walk_sent;
};

static void route_key(const struct bgp_prefix *p, char *buf, size_t len)
{
	char s[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, s, sizeof s);
	snprintf(buf, len, "%s#%u", s, p->path_id);
}

static void mirror_live(const struct feed_event *ev, void *arg)
{
	struct mirror *m = arg;
	char key[80];

	if (ev->type != FEED_ROUTE || !feed_cursor_passed(&m->cur, ev->prefix))
		return;         /* not passed: the walk will send its state */
	route_key(ev->prefix, key, sizeof key);
	json_t *had = json_object_get(m->table, key);
	m->live_sent++;
	if (ev->set) {
		if (had && (uintptr_t)json_integer_value(had) == (uintptr_t)ev->set)
			m->redundant++;
		json_object_set_new(m->table, key, json_integer((json_int_t)(uintptr_t)ev->set));
	} else {
		if (had == NULL)
			m->redundant++;
		json_object_del(m->table, key);
	}
}

static int mirror_walk(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct mirror *m = arg;
	char key[80];

	route_key(p, key, sizeof key);
	if (json_object_get(m->table, key))
		m->duplicate++;
	json_object_set_new(m->table, key, json_integer((json_int_t)(uintptr_t)set));
	m->walk_sent++;
	return 0;
}

static int table_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	char key[80];
	route_key(p, key, sizeof key);
	json_object_set_new(arg, key, json_integer((json_int_t)(uintptr_t)set));
	return 0;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* A random change to one of 600 prefixes × 3 path ids, both families. */
static void random_change(void)
{
	char p[64];
	uint32_t i = rnd(600), id = rnd(3);

	if (i < 400)
		snprintf(p, sizeof p, "10.%u.%u.0/24", i / 200, i % 200);
	else
		snprintf(p, sizeof p, "2001:db8:%x::/48", i);
	if (rnd(3) == 0)
		withdraw(p, id);
	else
		announce(p, id, rnd(4));
}

START_TEST(walk_with_live_changes)
{
	struct mirror m = { .table = json_object() };
	struct feed *f = view_feed(view);
	unsigned rounds = 0;

	neg.rx.addpath[BGP_AFI_IPV4] = neg.rx.addpath[BGP_AFI_IPV6] = true;
	rnd_state = (uint32_t)_i * 7919 + 1;
	for (int i = 0; i < 1500; i++)
		random_change();
	struct feed_sub *sub = feed_subscribe(f, FEED_MASK(FEED_ROUTE), mirror_live, &m);
	feed_cursor_init(&m.cur, 0);
	while (!feed_cursor_done(&m.cur)) {
		feed_cursor_next(f, &m.cur, 1 + rnd(40), mirror_walk, &m);
		for (uint32_t k = rnd(30); k > 0; k--)
			random_change();
		rounds++;
	}
	for (int i = 0; i < 300; i++)   /* live only from here */
		random_change();

	json_t *want = json_object();
	feed_cursor_init(&m.cur, 0);    /* (a new cursor, just to read it all) */
	feed_cursor_next(f, &m.cur, SIZE_MAX, table_cb, want);
	ck_assert_uint_gt(json_object_size(want), 500);
	ck_assert_uint_gt(rounds, 10);
	ck_assert_uint_gt(m.live_sent, 100);
	ck_assert_msg(json_equal(m.table, want), "the subscriber's table differs: %zu "
	    "routes, the view has %zu", json_object_size(m.table), json_object_size(want));
	ck_assert_uint_eq(m.duplicate, 0);
	ck_assert_uint_eq(m.redundant, 0);
	feed_unsubscribe(sub);
	json_decref(want);
	json_decref(m.table);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *t = tcase_create("feed");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, announce_replace_withdraw);
	tcase_add_test(t, old_sets_on_request);
	tcase_add_test(t, addpath_paths_and_lowest);
	tcase_add_test(t, end_of_rib_event);
	tcase_add_test(t, session_down_withdraws_everything);
	tcase_add_test(t, unsubscribe_inside_callback);
	tcase_add_loop_test(t, walk_with_live_changes, 0, 8);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(view_suite());
}
