/*
 * test_view.c — a view's table and its feed: announce, replace, withdraw,
 * the same set again (nothing), previous sets on request, ADD-PATH paths
 * and the lowest one, End-of-RIB, session down (every route withdrawn,
 * table empty), unsubscribing from inside a callback, and the contract a
 * joining subscriber relies on: a chunked walk interleaved with random
 * live changes ends with exactly the table, no gap, no duplicate.
 *
 * Over a real session on loopback (127.0.0.1), a ROUTE-REFRESH with
 * enhanced route refresh: a view with no instance (a plain peer) answers
 * BoRR then EoRR, nothing between; an upstream's view sends the gateway's
 * own routes of the family between them.
 */
#include <arpa/inet.h>
#include <check.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "views/view.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static struct event_base *base;
static struct view *view;
static struct session_negotiated neg;
static bool view_gone;
static void gone(struct view *v, void *arg);
static const struct view_ops gone_ops = { .gone = gone };

static const uint8_t path[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0xfb, 0xf0 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static void setup(void)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL, NULL };

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
	view = view_new(base, &nc, &local, VIEW_UPSTREAM, &gone_ops, NULL); /* never started */
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
	ck_assert_msg(!view_gone, "gone twice");
	view_gone = true;
}

/* The view's teardown (muxd/lib/lifecycle.h): gone never inside
 * view_shutdown, a second call does nothing, gone once from the loop. */
static void teardown(void)
{
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(!view_gone);
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET);
	ck_assert(!view_gone);
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
		.afi = afi, .safi = BGP_SAFI_UNICAST, .addpath = bgp_ctx_addpath(&neg.rx, afi),
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

/* A full table's UPDATEs carry many prefixes, handled in batches
 * (adjrib_batch): the events still come one per prefix, in the UPDATE's
 * order, each with the table holding exactly the prefixes before it and
 * its own; a prefix twice in one UPDATE changes nothing the second time. */
START_TEST(many_prefixes_in_order)
{
	struct recorder r;
	struct bgp_prefix ps[71];
	char s[32];

	for (int i = 0; i < 70; i++) {
		snprintf(s, sizeof s, "10.%d.%d.0/24", i / 8, i % 8 * 32);
		ps[i] = pfx(s, 0);
	}
	update(BGP_AFI_IPV4, ps, 40, 5);
	subscribe(&r, FEED_MASK(FEED_ROUTE));
	memmove(&ps[34], &ps[33], 37 * sizeof *ps);
	ps[33] = ps[2];                         /* again, after a batch's end */
	update(BGP_AFI_IPV4, ps, 71, 6);
	ck_assert_uint_eq(r.n, 70);
	for (int i = 0; i < 70; i++) {
		const struct bgp_prefix *want = &ps[i < 33 ? i : i + 1];
		bgp_prefix_format(want, s, sizeof s);
		ck_assert_str_eq(r.v[i].prefix, s);
		ck_assert_int_eq(r.v[i].change, i < 40 ? FEED_REPLACE : FEED_ANNOUNCE);
		ck_assert_uint_eq(r.v[i].table_at, i < 40 ? 40 : (size_t)i + 1);
	}
	ck_assert_uint_eq(feed_counters(view_feed(view))->dup_announced, 1);
	feed_unsubscribe(r.sub);
}
END_TEST

/* A path put from outside a session (an instance host's view, filled
 * from its view host): in the table and published at once, then gone. */
START_TEST(put_path_from_outside)
{
	struct recorder r;
	struct bgp_prefix p = pfx("10.9.0.0/24", 7);
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_NEXT_HOP);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	memcpy(a.next_hop, nh4, 4);
	subscribe(&r, FEED_MASK(FEED_ROUTE));
	view_put_path(view, &p, &a, nh4, 4);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.v[0].change, FEED_ANNOUNCE);
	ck_assert_uint_eq(r.v[0].path_id, 7);
	ck_assert_uint_eq(r.v[0].table_at, 1);
	ck_assert_ptr_nonnull(feed_route(view_feed(view), &p));
	view_put_path(view, &p, NULL, NULL, 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.v[1].change, FEED_WITHDRAW);
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), 0);
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

	neg.rx.addpath[AID_IPV4_UNICAST] = true;
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
	ck_assert(view_stats(view)->eor[AID_IPV4_UNICAST]);
	feed_unsubscribe(r.sub);
}
END_TEST

START_TEST(session_down_withdraws_everything)
{
	struct recorder r;
	struct feed *f = view_feed(view);

	neg.rx.addpath[AID_IPV4_UNICAST] = true;
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

	neg.rx.addpath[AID_IPV4_UNICAST] = neg.rx.addpath[AID_IPV6_UNICAST] = true;
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

/* ---- ROUTE-REFRESH over a real session ------------------------------------ */

/* The neighbor's end of the TCP connection, and what it has received. */
struct wire {
	int fd;
	uint8_t in[1 << 16];
	size_t len;
	uint8_t type[64];       /* the messages, KEEPALIVEs left out */
	uint8_t subtype[64];    /* ROUTE-REFRESH: its subtype */
	uint8_t tail[64][4];    /* UPDATE: its last 4 bytes (the last NLRI) */
	size_t n;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wire_send(struct wire *w, const uint8_t *p, size_t len)
{
	ck_assert_int_eq(write(w->fd, p, len), (ssize_t)len);
}

/* Run the loop and read what came, until cond holds (at most 10 s). */
static bool wire_until(struct wire *w, bool (*cond)(struct wire *, void *), void *arg)
{
	double end = now_s() + 10;

	while (!cond(w, arg) && now_s() < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t r = recv(w->fd, w->in + w->len, sizeof w->in - w->len, MSG_DONTWAIT);
		if (r > 0)
			w->len += (size_t)r;
		while (w->len >= BGP_HEADER_LEN) {
			size_t len = (size_t)w->in[16] << 8 | w->in[17];
			ck_assert_uint_ge(len, BGP_HEADER_LEN);
			if (w->len < len)
				break;
			if (w->in[18] != BGP_KEEPALIVE && w->n < 64) {
				w->type[w->n] = w->in[18];
				w->subtype[w->n] = len > 21 ? w->in[21] : 0;
				memcpy(w->tail[w->n], w->in + len - 4, 4);
				w->n++;
			}
			memmove(w->in, w->in + len, w->len - len);
			w->len -= len;
		}
		if (r <= 0)
			usleep(1000);
	}
	return cond(w, arg);
}

static bool got_type(struct wire *w, void *arg)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->type[i] == *(uint8_t *)arg)
			return true;
	return false;
}

/* The view's session is up, and its OPEN read. */
static bool established(struct wire *w, void *arg)
{
	uint8_t open = BGP_OPEN;
	return feed_session_up(view_feed(arg)) && got_type(w, &open);
}

static bool got_eorr(struct wire *w, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < w->n; i++)
		if (w->type[i] == BGP_ROUTE_REFRESH && w->subtype[i] == BGP_RR_EORR)
			return true;
	return false;
}

/* A TCP connection on loopback: one end for the view's peer, the other
 * (blocking) for the test. */
static void tcp_pair(int *ours, int *theirs)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
	ck_assert(listen(ls, 1) == 0 && getsockname(ls, (struct sockaddr *)&a, &alen) == 0);
	*theirs = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(connect(*theirs, (struct sockaddr *)&a, sizeof a) == 0);
	*ours = accept(ls, NULL, NULL);
	ck_assert_int_ge(*ours, 0);
	close(ls);
}

/* A view of that role whose (passive) peer takes one end of a connection,
 * and the neighbor's OPEN (enhanced route refresh) and KEEPALIVE sent. */
static struct view *wired_view(enum view_role role, struct wire *w)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL, NULL };
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf wb = wbuf_make(buf, sizeof buf);
	struct bgp_open o;
	int fd;

	memset(&nc, 0, sizeof nc);
	nc.name = "wired";
	ck_assert(sockaddr_parse("127.0.0.1", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.passive = true;
	nc.hold_time = 90;
	nc.connect_retry = 30;
	nc.multisession = MS_OFF;
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.family_count = 1;
	struct view *v = view_new(base, &nc, &local, role, &gone_ops, NULL);
	ck_assert_int_eq(view_role(v), role);
	view_start(v);
	memset(w, 0, sizeof *w);
	tcp_pair(&fd, &w->fd);
	ck_assert(peer_accept(view_peer(v), fd));
	memset(&o, 0, sizeof o);
	o.version = 4;
	o.my_as = 65010;
	o.bgp_id = 0x0a000002;
	o.caps.present = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	o.caps.mp[0] = nc.families[0];
	o.caps.mp_count = 1;
	wire_send(w, buf, bgp_open_encode(&wb, &o));
	wb = wbuf_make(buf, sizeof buf);
	wire_send(w, buf, bgp_keepalive_encode(&wb));
	return v;
}

/* The neighbor asks for IPv4 unicast again; the messages so far forgotten. */
static void ask_refresh(struct wire *w)
{
	uint8_t buf[32];
	struct wbuf wb = wbuf_make(buf, sizeof buf);
	struct bgp_route_refresh rr = { BGP_AFI_IPV4, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	w->n = 0;
	wire_send(w, buf, bgp_route_refresh_encode(&wb, &rr));
}

static void unwire(struct view *v, struct wire *w)
{
	double end = now_s() + 10;

	view_gone = false;
	view_shutdown(v, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(!view_gone);
	close(w->fd);           /* the neighbor hangs up after the NOTIFICATION */
	while (!view_gone && now_s() < end)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert(view_gone);
}

static void wire_setup(void)
{
	base = event_base_new();
}

static void wire_teardown(void)
{
	event_base_free(base);
}

START_TEST(plain_peer_refresh_empty)
{
	static struct wire w;
	struct view *v = wired_view(VIEW_PEER, &w);

	ck_assert_str_eq(peer_label(view_peer(v)), "peer wired 127.0.0.1");
	ck_assert_msg(wire_until(&w, established, v), "the session did not come up");
	ask_refresh(&w);
	ck_assert_msg(wire_until(&w, got_eorr, NULL), "no EoRR after a ROUTE-REFRESH "
	    "(%zu messages came)", w.n);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.type[0], BGP_ROUTE_REFRESH);
	ck_assert_uint_eq(w.subtype[0], BGP_RR_BORR);
	ck_assert_uint_eq(w.type[1], BGP_ROUTE_REFRESH);
	ck_assert_uint_eq(w.subtype[1], BGP_RR_EORR);
	unwire(v, &w);
}
END_TEST

START_TEST(upstream_refresh_resends_own_routes)
{
	static const uint8_t attrs[] = { 0x40, BGP_ATTR_ORIGIN, 1, 0,
		0x40, BGP_ATTR_AS_PATH, 6, BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xe8 };
	static struct wire w;
	struct view *v = wired_view(VIEW_UPSTREAM, &w);
	struct bgp_prefix p = pfx("10.9.0.0/24", 0);
	uint8_t update = BGP_UPDATE;

	ck_assert_str_eq(peer_label(view_peer(v)), "view wired peer 127.0.0.1");
	view_originate(v, &p, attrs, sizeof attrs);
	ck_assert_msg(wire_until(&w, established, v), "the session did not come up");
	ck_assert_msg(wire_until(&w, got_type, &update), "the own route was not sent");
	ask_refresh(&w);
	ck_assert_msg(wire_until(&w, got_eorr, NULL), "no EoRR after a ROUTE-REFRESH");
	ck_assert_uint_eq(w.n, 3);
	ck_assert_uint_eq(w.subtype[0], BGP_RR_BORR);
	ck_assert_uint_eq(w.type[1], BGP_UPDATE);
	ck_assert_mem_eq(w.tail[1], ((uint8_t[]){ 24, 10, 9, 0 }), 4);
	ck_assert_uint_eq(w.subtype[2], BGP_RR_EORR);
	unwire(v, &w);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *t = tcase_create("feed");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, announce_replace_withdraw);
	tcase_add_test(t, many_prefixes_in_order);
	tcase_add_test(t, put_path_from_outside);
	tcase_add_test(t, old_sets_on_request);
	tcase_add_test(t, addpath_paths_and_lowest);
	tcase_add_test(t, end_of_rib_event);
	tcase_add_test(t, session_down_withdraws_everything);
	tcase_add_test(t, unsubscribe_inside_callback);
	tcase_add_loop_test(t, walk_with_live_changes, 0, 8);
	suite_add_tcase(s, t);
	t = tcase_create("refresh");
	tcase_add_checked_fixture(t, wire_setup, wire_teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, plain_peer_refresh_empty);
	tcase_add_test(t, upstream_refresh_resends_own_routes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(view_suite());
}
