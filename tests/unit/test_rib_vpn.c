/*
 * test_rib_vpn.c — a view's table as VPN routes and back
 * (muxd/rib/rib_vpn.h): view → UPDATEs → view is exact (the same
 * prefixes, path ids, attribute bytes and next hops), each set's
 * attributes go once per UPDATE, UPDATEs stay within max_len, the
 * withdrawals empty the copy again, and emit can stop an export; live
 * changes through a batch keep their order and share UPDATEs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/rib/rib_vpn.h"
#include "tests/unit/check_run.h"

#define SETS 40
#define PREFIXES 5000

static struct attrstore *store_a, *store_b;
static struct adjrib *rib_a, *rib_b;
static struct attrset *sets[2][SETS];   /* [IPv4, IPv6][i] */

/* Sets of every shape: AS paths of several lengths, MED or not,
 * communities, an unknown transitive attribute, next hops of each
 * length (IPv6: global alone or with a link-local). */
static struct attrset *make_set(unsigned i, uint16_t afi)
{
	static uint8_t path[SETS][14];
	static uint8_t comm[SETS][4];
	static uint8_t unknown[3] = { 0xab, 0xcd, 0xef };
	struct bgp_attrs a;
	uint8_t nh[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(i + 1),
	    [16] = 0xfe, 0x80, [31] = (uint8_t)(i + 1) };
	unsigned n = 1 + i % 3;

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a.origin = (uint8_t)(i % 3);
	path[i][0] = BGP_AS_SEQUENCE;
	path[i][1] = (uint8_t)n;
	for (unsigned k = 0; k < n; k++) {
		uint32_t asn = 64496 + i * 7 + k;
		memcpy(path[i] + 2 + 4 * k, (uint8_t[]){ (uint8_t)(asn >> 24),
		    (uint8_t)(asn >> 16), (uint8_t)(asn >> 8), (uint8_t)asn }, 4);
	}
	a.as_path = (struct bgp_bytes){ path[i], (uint16_t)(2 + 4 * n) };
	if (i % 2) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_MED);
		a.med = i * 10;
	}
	comm[i][0] = 0xfd;
	comm[i][3] = (uint8_t)i;
	a.present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	a.communities = (struct bgp_bytes){ comm[i], 4 };
	if (i % 5 == 0) {
		a.unknown[0] = (struct bgp_raw_attr){ 0xe0, 99, { unknown, 3 } };
		a.unknown_count = 1;
	}
	if (afi == BGP_AFI_IPV6)
		return attrset_intern(store_a, &a, nh, i % 2 ? 32 : 16);
	uint8_t nh4[4] = { 192, 0, 2, (uint8_t)(i + 1) };
	/* most IPv4 paths with a NEXT_HOP attribute, some without (a
	 * route that came in MP_REACH) */
	if (i % 4) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh4, 4);
	}
	return attrset_intern(store_a, &a, nh4, 4);
}

static void make_prefix(unsigned i, uint16_t afi, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = afi;
	if (afi == BGP_AFI_IPV4) {
		p->len = (uint8_t)(16 + i % 17);
		p->addr[0] = 10;
		p->addr[1] = (uint8_t)(i >> 8);
		p->addr[2] = (uint8_t)i;
	} else {
		p->len = (uint8_t)(32 + i % 33);
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = 0xb8;
		p->addr[4] = (uint8_t)(i >> 8);
		p->addr[5] = (uint8_t)i;
	}
	/* clear what the length leaves out */
	for (unsigned b = 0; b < 16; b++)
		if (8 * b >= p->len)
			p->addr[b] = 0;
		else if (8 * b + 8 > p->len)
			p->addr[b] &= (uint8_t)(0xff << (8 - p->len % 8));
}

/* A view: each prefix with 1 to 3 paths (path ids 1, 5, 9), sets spread. */
static void setup(void)
{
	store_a = attrstore_new();
	store_b = attrstore_new();
	rib_a = adjrib_new(store_a);
	rib_b = adjrib_new(store_b);
	for (int f = 0; f < 2; f++) {
		uint16_t afi = f ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
		for (unsigned i = 0; i < SETS; i++)
			ck_assert_ptr_nonnull(sets[f][i] = make_set(i, afi));
		for (unsigned i = 0; i < PREFIXES; i++) {
			struct bgp_prefix p;
			make_prefix(i, afi, &p);
			for (unsigned k = 0; k <= i % 3; k++) {
				p.path_id = 1 + 4 * k;
				adjrib_announce(rib_a, &p, sets[f][(i * 7 + k) % SETS]);
			}
		}
	}
}

static void teardown(void)
{
	for (int f = 0; f < 2; f++)
		for (unsigned i = 0; i < SETS; i++)
			attrset_put(sets[f][i]);
	adjrib_free(rib_a);
	adjrib_free(rib_b);
	attrstore_free(store_a);
	attrstore_free(store_b);
}

/* ---- the wire --------------------------------------------------------- */

struct capture {
	uint8_t *buf;
	size_t len, cap, msgs, max_msg;
	int stop_after;         /* emit returns 1 after this many; 0: never */
};

static int capture_emit(const uint8_t *msg, size_t len, void *arg)
{
	struct capture *c = arg;

	ck_assert_uint_eq(be16(msg + 16), len);
	if (c->len + len > c->cap) {
		c->cap = 2 * (c->len + len);
		c->buf = realloc(c->buf, c->cap);
		ck_assert_ptr_nonnull(c->buf);
	}
	memcpy(c->buf + c->len, msg, len);
	c->len += len;
	c->msgs++;
	if (len > c->max_msg)
		c->max_msg = len;
	return c->stop_after && c->msgs == (size_t)c->stop_after;
}

struct import_state {
	struct bgp_rd rd;
	size_t announced, withdrawn;
};

static void on_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	struct import_state *s = arg;

	ck_assert(memcmp(&vp->rd, &s->rd, sizeof s->rd) == 0);
	ck_assert_uint_eq(vp->labels[0], BGP_VPN_LABEL(300));
	struct attrset *set = attrset_intern(store_b, a, nh, nh_len);
	ck_assert_ptr_nonnull(set);
	adjrib_announce(rib_b, &vp->p, set);
	attrset_put(set);
	s->announced++;
}

static void on_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	struct import_state *s = arg;

	ck_assert(memcmp(&vp->rd, &s->rd, sizeof s->rd) == 0);
	ck_assert(adjrib_withdraw(rib_b, &vp->p));
	s->withdrawn++;
}

static const struct rib_vpn_import_ops import_ops = { on_announce, on_withdraw };

/* Decode every message of c and import it into rib_b. */
static void import_all(const struct capture *c, bool addpath,
    struct import_state *s)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_update u;
	struct bgp_err err;

	ctx.addpath[AID_IPV4_VPN] = ctx.addpath[AID_IPV6_VPN] = addpath;
	for (size_t off = 0; off < c->len;) {
		size_t len = be16(c->buf + off + 16);
		ck_assert(bgp_update_decode(c->buf + off + BGP_HEADER_LEN,
		    len - BGP_HEADER_LEN, &ctx, scratch, sizeof scratch, &u, &err));
		ck_assert_msg(err.tier == BGP_TIER_OK, "tier %d: %s", err.tier,
		    err.why ? err.why : "-");
		ck_assert_uint_gt(rib_vpn_import(&u, &ctx, &import_ops, s), 0);
		off += len;
	}
}

/* Every route of rib_a is in rib_b with the same bytes, and no other. */
static int same_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	size_t *n = arg, la, lb, na, nb;
	struct attrset *other = adjrib_get(rib_b, p);

	ck_assert_ptr_nonnull(other);
	const uint8_t *wa = attrset_wire(set, &la), *wb = attrset_wire(other, &lb);
	ck_assert(la == lb && memcmp(wa, wb, la) == 0);
	const uint8_t *ha = attrset_next_hop(set, &na), *hb = attrset_next_hop(other, &nb);
	ck_assert(na == nb && memcmp(ha, hb, na) == 0);
	(*n)++;
	return 0;
}

static void export_both(const struct rib_vpn_spec *spec, struct capture *c,
    struct rib_vpn_stats st[2])
{
	ck_assert_int_eq(rib_vpn_export(rib_a, BGP_AFI_IPV4, spec, capture_emit, c,
	    &st[0]), 0);
	ck_assert_int_eq(rib_vpn_export(rib_a, BGP_AFI_IPV6, spec, capture_emit, c,
	    &st[1]), 0);
}

START_TEST(test_round_trip)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true,
	    .max_len = _i ? BGP_MAX_LEN : BGP_EXT_MAX_LEN };
	struct capture c = { 0 };
	struct rib_vpn_stats st[2];
	struct import_state s;

	ck_assert(bgp_rd_make(65000, 7, &spec.rd));
	s = (struct import_state){ .rd = spec.rd };
	export_both(&spec, &c, st);
	ck_assert_uint_eq(st[0].routes, adjrib_count(rib_a, BGP_AFI_IPV4));
	ck_assert_uint_eq(st[1].routes, adjrib_count(rib_a, BGP_AFI_IPV6));
	ck_assert_uint_eq(st[0].skipped + st[1].skipped, 0);
	ck_assert_uint_eq(st[0].updates + st[1].updates, c.msgs);
	ck_assert_uint_le(c.max_msg, spec.max_len);
	if (spec.max_len == BGP_EXT_MAX_LEN) {
		/* every set's routes fit one UPDATE: one per set and family */
		ck_assert_uint_eq(st[0].updates, SETS);
		ck_assert_uint_eq(st[1].updates, SETS);
	} else {
		ck_assert_uint_gt(c.msgs, 2 * SETS);
	}
	import_all(&c, true, &s);
	ck_assert_uint_eq(s.announced, adjrib_count(rib_a, 0));
	ck_assert_uint_eq(adjrib_count(rib_b, 0), adjrib_count(rib_a, 0));
	size_t n = 0;
	adjrib_walk(rib_a, 0, same_route, &n);
	ck_assert_uint_eq(n, adjrib_count(rib_a, 0));
	ck_assert_uint_eq(attrstore_count(store_b), 2 * SETS);
	free(c.buf);
}
END_TEST

struct keys {
	struct bgp_prefix *p;
	size_t n;
};

static int collect_key(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct keys *k = arg;

	(void)set;
	k->p[k->n++] = *p;
	return 0;
}

/* The view host's withdrawals take every route out of the copy again. */
START_TEST(test_withdraw)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true,
	    .max_len = BGP_MAX_LEN };
	struct capture c = { 0 }, w = { 0 };
	struct rib_vpn_stats st[2];
	struct import_state s;

	ck_assert(bgp_rd_make(4200000000u, 7, &spec.rd));
	s = (struct import_state){ .rd = spec.rd };
	export_both(&spec, &c, st);
	import_all(&c, true, &s);
	ck_assert_uint_eq(adjrib_count(rib_b, 0), adjrib_count(rib_a, 0));
	for (int f = 0; f < 2; f++) {
		uint16_t afi = f ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
		struct keys k = { calloc(adjrib_count(rib_a, afi), sizeof *k.p), 0 };
		adjrib_walk(rib_a, afi, collect_key, &k);
		ck_assert_int_eq(rib_vpn_withdraw(k.p, k.n, afi, &spec, capture_emit,
		    &w, &st[f]), 0);
		ck_assert_uint_eq(st[f].routes, k.n);
		free(k.p);
	}
	ck_assert_uint_le(w.max_msg, BGP_MAX_LEN);
	import_all(&w, true, &s);
	ck_assert_uint_eq(s.withdrawn, adjrib_count(rib_a, 0));
	ck_assert_uint_eq(adjrib_count(rib_b, 0), 0);
	free(c.buf);
	free(w.buf);
}
END_TEST

/* The export in steps, the view changing between them: a route
 * withdrawn ahead of the walk never goes out, and the copy ends equal to
 * the view. */
struct ahead {
	const struct rib_vpn_walk *w;
	struct bgp_prefix p;
	bool found;
};

static int find_ahead(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct ahead *a = arg;

	(void)set;
	if (adjrib_cursor_passed(&a->w->cursor, p))
		return 0;
	a->p = *p;
	a->found = true;
	return 1;
}

START_TEST(test_walk_steps)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true,
	    .max_len = BGP_MAX_LEN };
	struct capture c = { 0 };
	struct rib_vpn_stats st = { 0 };
	struct import_state s;
	struct rib_vpn_walk w;
	unsigned steps = 0;

	ck_assert(bgp_rd_make(65000, 9, &spec.rd));
	s = (struct import_state){ .rd = spec.rd };
	rib_vpn_walk_init(&w, BGP_AFI_IPV6, &spec);
	while (!rib_vpn_walk_done(&w)) {
		ck_assert_int_eq(rib_vpn_walk_step(rib_a, &w, 1000, capture_emit, &c,
		    &st), 0);
		if (++steps == 2) {
			struct ahead a = { &w, { 0 }, false };
			adjrib_walk(rib_a, BGP_AFI_IPV6, find_ahead, &a);
			ck_assert(a.found);
			ck_assert(adjrib_withdraw(rib_a, &a.p));
		}
	}
	ck_assert_uint_gt(steps, 2);
	ck_assert_uint_ge(steps, adjrib_count(rib_a, BGP_AFI_IPV6) / 1000);
	ck_assert_uint_eq(st.routes, adjrib_count(rib_a, BGP_AFI_IPV6));
	import_all(&c, true, &s);
	ck_assert_uint_eq(adjrib_count(rib_b, 0), adjrib_count(rib_a, BGP_AFI_IPV6));
	size_t n = 0;
	adjrib_walk(rib_a, BGP_AFI_IPV6, same_route, &n);
	ck_assert_uint_eq(n, adjrib_count(rib_b, 0));
	free(c.buf);
}
END_TEST

/* emit's non-zero result stops the export there. */
START_TEST(test_emit_stops)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true,
	    .max_len = BGP_MAX_LEN };
	struct capture c = { .stop_after = 3 };
	struct rib_vpn_stats st;

	ck_assert(bgp_rd_make(65000, 1, &spec.rd));
	ck_assert_int_eq(rib_vpn_export(rib_a, BGP_AFI_IPV4, &spec, capture_emit,
	    &c, &st), 1);
	ck_assert_uint_eq(c.msgs, 3);
	ck_assert_uint_eq(st.updates, 3);
	free(c.buf);
}
END_TEST

/* A treat-as-withdraw VPN UPDATE (RFC 7606) gives withdrawals only. */
START_TEST(test_import_treat_as_withdraw)
{
	struct bgp_update u;
	struct import_state s = { 0 };
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_MAX_LEN };
	static const uint8_t nlri[] = { 0x70, 0x00, 0x12, 0xc1, 0, 0, 0xfd, 0xe8,
	    0, 0, 0, 1, 10, 0, 0 };
	uint8_t nh[BGP_VPN_NH_MAX];

	ck_assert(bgp_rd_parse("65000:1", &s.rd));
	memset(&u, 0, sizeof u);
	u.attrs.present = BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI);
	u.attrs.mp_reach.afi = BGP_AFI_IPV4;
	u.attrs.mp_reach.safi = BGP_SAFI_VPN;
	u.attrs.mp_reach.next_hop = (struct bgp_bytes){ nh,
	    (uint16_t)bgp_vpn_nh_make(nh, (uint8_t[]){ 192, 0, 2, 1 }, 4, NULL) };
	u.attrs.mp_reach.nlri = (struct bgp_bytes){ nlri, sizeof nlri };
	u.treat_as_withdraw = true;
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse("10.0.0.0/24", &p));
	struct bgp_attrs a;
	size_t nh_len;
	const uint8_t *nh4 = attrset_next_hop(sets[0][1], &nh_len);
	ck_assert(attrset_attrs(sets[0][1], &a));
	struct attrset *set = attrset_intern(store_b, &a, nh4, nh_len);
	adjrib_announce(rib_b, &p, set);
	attrset_put(set);
	ck_assert_uint_eq(rib_vpn_import(&u, &ctx, &import_ops, &s), 1);
	ck_assert_uint_eq(s.withdrawn, 1);
	ck_assert_uint_eq(s.announced, 0);
	ck_assert_uint_eq(adjrib_count(rib_b, 0), 0);
}
END_TEST

/* ---- live changes, batched --------------------------------------------- */

/* The model: what rib_b must hold after the wire is imported. */
static int same_as_model(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	size_t *n = arg;
	struct attrset *other = adjrib_get(rib_b, p);
	size_t la, lb;

	ck_assert_ptr_nonnull(other);
	const uint8_t *wa = attrset_wire(set, &la), *wb = attrset_wire(other, &lb);
	ck_assert(la == lb && memcmp(wa, wb, la) == 0);
	(*n)++;
	return 0;
}

/* A route changed several times in one batch, among others: the wire
 * keeps the order (the copy ends as the model, and every withdrawal finds
 * its route), and consecutive changes that can share an UPDATE share it:
 * as many UPDATEs as runs of one kind and set. */
START_TEST(test_batch_order_and_runs)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true, .max_len = BGP_MAX_LEN };
	struct adjrib *model = adjrib_new(store_a);
	struct capture c = { 0 };
	struct import_state s;
	struct rib_vpn_batch *b = rib_vpn_batch_new(capture_emit, &c);
	const struct attrset *last = NULL;
	bool last_withdraw = false;
	size_t runs = 0, changes = 3000;

	ck_assert(bgp_rd_make(65000, 7, &spec.rd));
	s = (struct import_state){ .rd = spec.rd };
	for (size_t j = 0; j < changes; j++) {
		struct bgp_prefix p;
		make_prefix((unsigned)(j * 37 % 100), BGP_AFI_IPV4, &p);
		p.path_id = 1 + (uint32_t)(j % 2);
		/* blocks of ten changes: two of announcements, one of withdrawals */
		bool withdraw = j / 10 % 3 == 2 && adjrib_get(model, &p) != NULL;
		struct attrset *set = withdraw ? NULL : sets[0][j / 5 % SETS];
		if (j == 0 || withdraw != last_withdraw || (!withdraw && set != last))
			runs++;
		last = set;
		last_withdraw = withdraw;
		if (withdraw)
			adjrib_withdraw(model, &p);
		else
			adjrib_announce(model, &p, set);
		ck_assert_int_eq(rib_vpn_batch_add(b, &p, set, BGP_AFI_IPV4, &spec), 0);
	}
	ck_assert(rib_vpn_batch_pending(b));
	ck_assert_int_eq(rib_vpn_batch_flush(b), 0);
	ck_assert(!rib_vpn_batch_pending(b));
	ck_assert_uint_eq(rib_vpn_batch_stats(b)->routes, changes);
	ck_assert_uint_eq(rib_vpn_batch_stats(b)->updates, c.msgs);
	ck_assert_uint_eq(c.msgs, runs);
	ck_assert_uint_lt(runs, changes / 4);
	import_all(&c, true, &s);
	size_t n = 0;
	adjrib_walk(model, 0, same_as_model, &n);
	ck_assert_uint_eq(n, adjrib_count(rib_b, 0));
	ck_assert_uint_gt(n, 0);
	rib_vpn_batch_free(b);
	adjrib_free(model);
	free(c.buf);
}
END_TEST

/* Every IPv4 route of the view withdrawn one change at a time: UPDATEs
 * within max_len and full (4,096 bytes, and 65,535 with extended
 * messages); a change of family finishes the UPDATE in hand. */
START_TEST(test_batch_limits)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true,
	    .max_len = _i ? BGP_EXT_MAX_LEN : BGP_MAX_LEN };
	struct capture c = { 0 }, mixed = { 0 };
	size_t n4 = adjrib_count(rib_a, BGP_AFI_IPV4);
	struct keys k = { calloc(n4, sizeof *k.p), 0 };
	struct rib_vpn_batch *b = rib_vpn_batch_new(capture_emit, &c);

	ck_assert(bgp_rd_make(65000, 7, &spec.rd));
	adjrib_walk(rib_a, BGP_AFI_IPV4, collect_key, &k);
	for (size_t i = 0; i < k.n; i++)
		ck_assert_int_eq(rib_vpn_batch_add(b, &k.p[i], NULL, BGP_AFI_IPV4, &spec), 0);
	rib_vpn_batch_flush(b);
	ck_assert_uint_le(c.max_msg, spec.max_len);
	/* full: each but the last has less room left than one route takes */
	ck_assert_uint_le(c.msgs, c.len / (spec.max_len - 40) + 1);
	ck_assert_uint_gt(c.msgs, 1);   /* 4,096 bytes: 41; 65,535: 3 */
	rib_vpn_batch_free(b);

	/* IPv4 and IPv6 in turn: nothing can share */
	b = rib_vpn_batch_new(capture_emit, &mixed);
	for (unsigned i = 0; i < 10; i++) {
		struct bgp_prefix p;
		make_prefix(i, i % 2 ? BGP_AFI_IPV6 : BGP_AFI_IPV4, &p);
		rib_vpn_batch_add(b, &p, NULL, p.afi, &spec);
	}
	rib_vpn_batch_flush(b);
	ck_assert_uint_eq(mixed.msgs, 10);
	rib_vpn_batch_free(b);
	free(k.p);
	free(c.buf);
	free(mixed.buf);
}
END_TEST

/* The open UPDATE holds its set: the table letting go of it before the
 * flush changes nothing on the wire. A set with no next hop a VPN route
 * carries is skipped, and emit's non-zero result stops the batch. */
START_TEST(test_batch_holds_and_stops)
{
	struct rib_vpn_spec spec = { .label = 300, .addpath = true, .max_len = BGP_MAX_LEN };
	struct capture c = { .stop_after = 1 };
	struct import_state s;
	struct bgp_attrs a;
	size_t nh_len;
	const uint8_t *nh = attrset_next_hop(sets[0][3], &nh_len);
	struct bgp_prefix p;

	ck_assert(bgp_rd_make(65000, 7, &spec.rd));
	s = (struct import_state){ .rd = spec.rd };
	ck_assert(attrset_attrs(sets[0][3], &a));
	a.med = 4242;
	a.present |= BGP_ATTR_BIT(BGP_ATTR_MED);
	struct attrset *own = attrset_intern(store_a, &a, nh, nh_len);
	struct attrset *none = attrset_intern(store_a, &a, NULL, 0);
	struct rib_vpn_batch *b = rib_vpn_batch_new(capture_emit, &c);
	make_prefix(1, BGP_AFI_IPV4, &p);
	ck_assert_int_eq(rib_vpn_batch_add(b, &p, none, BGP_AFI_IPV4, &spec), 0);
	ck_assert_uint_eq(rib_vpn_batch_stats(b)->skipped, 1);
	ck_assert_int_eq(rib_vpn_batch_add(b, &p, own, BGP_AFI_IPV4, &spec), 0);
	attrset_put(own);
	attrset_put(none);
	ck_assert_int_eq(rib_vpn_batch_flush(b), 1);   /* stop_after 1 */
	import_all(&c, true, &s);
	ck_assert_uint_eq(s.announced, 1);
	ck_assert_uint_eq(adjrib_get(rib_b, &p) ? attrset_attrs(adjrib_get(rib_b, &p),
	    &a) && a.med == 4242 : 0, 1);
	make_prefix(2, BGP_AFI_IPV4, &p);
	ck_assert_int_eq(rib_vpn_batch_add(b, &p, NULL, BGP_AFI_IPV4, &spec), 1);
	ck_assert_int_eq(rib_vpn_batch_flush(b), 1);
	ck_assert_uint_eq(c.msgs, 1);
	rib_vpn_batch_free(b);
	free(c.buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rib_vpn");
	TCase *tc = tcase_create("rib_vpn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_round_trip, 0, 2);
	tcase_add_test(tc, test_withdraw);
	tcase_add_test(tc, test_walk_steps);
	tcase_add_test(tc, test_emit_stops);
	tcase_add_test(tc, test_import_treat_as_withdraw);
	tcase_add_test(tc, test_batch_order_and_runs);
	tcase_add_loop_test(tc, test_batch_limits, 0, 2);
	tcase_add_test(tc, test_batch_holds_and_stops);
	suite_add_tcase(s, tc);
	return check_run(s);
}
