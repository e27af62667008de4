/*
 * test_pathstore.c — interned attribute sets (attrset) and the Adj-RIB-In
 * (adjrib) in fixed cases: interning and reference counts, announce/
 * replace/withdraw/clear, counts, walks, looking-glass lookups, batches
 * and resumable cursors for IPv4 and IPv6 with ADD-PATH ids. The rib
 * against a brute-force model: test_rib_model.c.
 */
#include "tests/unit/pathstore_fixture.h"

#include "muxd/rib/adjrib_node.h"

#include <sys/mman.h>
#include <time.h>

/* ---- attrset ---------------------------------------------------------- */

START_TEST(intern_same_and_different)
{
	struct attrstore *s = attrstore_new();
	struct bgp_attrs a, b;
	attrs_make(&a, path_a, sizeof path_a, 10);
	attrs_make(&b, path_a, sizeof path_a, 10);

	struct attrset *x = attrset_intern(s, &a, nh4_a, 4);
	struct attrset *y = attrset_intern(s, &b, nh4_a, 4);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(x, y);
	ck_assert_uint_eq(attrset_refcount(x), 2);
	ck_assert_uint_eq(attrstore_count(s), 1);

	b.med = 11;
	struct attrset *z = attrset_intern(s, &b, nh4_a, 4);
	ck_assert_ptr_ne(x, z);
	/* Same attributes, another next hop: another set. */
	struct attrset *w = attrset_intern(s, &a, nh4_b, 4);
	ck_assert_ptr_ne(x, w);
	/* Another AS_PATH. */
	attrs_make(&b, path_b, sizeof path_b, 10);
	struct attrset *v = attrset_intern(s, &b, nh4_a, 4);
	ck_assert_ptr_ne(x, v);
	ck_assert_uint_eq(attrstore_count(s), 4);

	struct attrstore_stats st;
	attrstore_stats(s, &st);
	ck_assert_uint_eq(st.sets, 4);
	ck_assert_uint_eq(st.refs, 5);
	ck_assert_uint_eq(st.interns, 5);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_gt(st.set_bytes, 4 * 20);

	attrset_put(x);
	ck_assert_uint_eq(attrset_refcount(x), 1);
	ck_assert_uint_eq(attrstore_count(s), 4);
	attrset_put(y);         /* the last reference: freed (ASan watches) */
	ck_assert_uint_eq(attrstore_count(s), 3);
	attrset_put(z);
	attrset_put(w);
	attrset_put(v);
	ck_assert_uint_eq(attrstore_count(s), 0);
	attrstore_stats(s, &st);
	ck_assert_uint_eq(st.refs, 0);
	ck_assert_uint_eq(st.set_bytes, 0);
	attrstore_free(s);
}
END_TEST

START_TEST(intern_after_free_and_get)
{
	struct attrstore *s = attrstore_new();
	struct attrset *x = intern_med(s, 1);
	ck_assert_ptr_eq(attrset_get(x), x);
	ck_assert_uint_eq(attrset_refcount(x), 2);
	attrset_put(x);
	attrset_put(x);
	ck_assert_uint_eq(attrstore_count(s), 0);
	struct attrset *y = intern_med(s, 1);
	ck_assert_uint_eq(attrset_refcount(y), 1);
	ck_assert_uint_eq(attrstore_count(s), 1);
	attrset_put(y);
	attrset_put(NULL);
	attrstore_free(s);
	attrstore_free(NULL);
}
END_TEST

START_TEST(intern_next_hop_lengths)
{
	struct attrstore *s = attrstore_new();
	struct bgp_attrs a;
	attrs_make(&a, path_a, sizeof path_a, 0);
	a.present &= ~BIT(BGP_ATTR_NEXT_HOP);

	ck_assert_ptr_null(attrset_intern(s, &a, nh6, 5));
	ck_assert_ptr_null(attrset_intern(s, &a, nh6, 33));
	struct attrset *g = attrset_intern(s, &a, nh6, 16);
	struct attrset *gl = attrset_intern(s, &a, nh6, 32);
	struct attrset *none = attrset_intern(s, &a, NULL, 0);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(gl);
	ck_assert_ptr_nonnull(none);
	ck_assert_ptr_ne(g, gl);
	ck_assert_ptr_ne(g, none);

	size_t len;
	const uint8_t *nh = attrset_next_hop(gl, &len);
	ck_assert_uint_eq(len, 32);
	ck_assert_mem_eq(nh, nh6, 32);
	attrset_next_hop(none, &len);
	ck_assert_uint_eq(len, 0);
	attrset_put(g);
	attrset_put(gl);
	attrset_put(none);
	attrstore_free(s);
}
END_TEST

/* The canonical form is bgp_attrs_encode's for a 4-octet neighbor; the
 * decoded view points into the set. */
START_TEST(intern_canonical_form)
{
	struct attrstore *s = attrstore_new();
	struct bgp_attrs a;
	attrs_make(&a, path_b, sizeof path_b, 77);
	a.present |= BIT(BGP_ATTR_COMMUNITIES);
	a.communities.p = comms;
	a.communities.len = sizeof comms;

	uint8_t buf[512];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = 4096 };
	bgp_attrs_encode(&w, &a, &ctx);
	ck_assert(!w.overflow);

	struct attrset *x = attrset_intern(s, &a, nh4_a, 4);
	size_t len;
	const uint8_t *wire = attrset_wire(x, &len);
	ck_assert_uint_eq(len, w.len);
	ck_assert_mem_eq(wire, buf, len);

	struct bgp_attrs d;
	ck_assert(attrset_attrs(x, &d));
	ck_assert(bgp_attrs_equal(&a, &d));
	ck_assert_uint_eq(d.med, 77);
	ck_assert(d.as_path.p >= wire && d.as_path.p + d.as_path.len <= wire + len);
	ck_assert(d.communities.p >= wire && d.communities.p < wire + len);

	/* Interning the decoded view gives the same set back. */
	struct attrset *y = attrset_intern(s, &d, nh4_a, 4);
	ck_assert_ptr_eq(x, y);
	attrset_put(y);
	attrset_put(x);
	attrstore_free(s);
}
END_TEST

/* What the canonical form leaves out does not split sets: MP_REACH and
 * unknown optional non-transitive attributes. */
START_TEST(intern_ignores_mp_and_non_transitive)
{
	static const uint8_t mp_nlri[] = { 32, 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t junk[] = { 1, 2, 3 };
	struct attrstore *s = attrstore_new();
	struct bgp_attrs a, b;
	attrs_make(&a, path_a, sizeof path_a, 5);
	a.present &= ~BIT(BGP_ATTR_NEXT_HOP);
	b = a;
	b.present |= BIT(BGP_ATTR_MP_REACH_NLRI);
	b.mp_reach.afi = BGP_AFI_IPV6;
	b.mp_reach.safi = BGP_SAFI_UNICAST;
	b.mp_reach.next_hop.p = nh6;
	b.mp_reach.next_hop.len = 16;
	b.mp_reach.nlri.p = mp_nlri;
	b.mp_reach.nlri.len = sizeof mp_nlri;
	b.unknown[0].flags = BGP_ATTR_F_OPTIONAL;
	b.unknown[0].type = 99;
	b.unknown[0].val.p = junk;
	b.unknown[0].val.len = sizeof junk;
	b.unknown_count = 1;

	struct attrset *x = attrset_intern(s, &a, nh6, 16);
	struct attrset *y = attrset_intern(s, &b, nh6, 16);
	ck_assert_ptr_eq(x, y);

	/* A transitive unknown one does count. */
	b.unknown[0].flags = BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE;
	struct attrset *z = attrset_intern(s, &b, nh6, 16);
	ck_assert_ptr_ne(x, z);
	struct bgp_attrs d;
	ck_assert(attrset_attrs(z, &d));
	ck_assert_uint_eq(d.unknown_count, 1);
	ck_assert_uint_eq(d.unknown[0].flags,
	    BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE | BGP_ATTR_F_PARTIAL);
	attrset_put(x);
	attrset_put(y);
	attrset_put(z);
	attrstore_free(s);
}
END_TEST

/* Enough sets to grow the table several times, then shrink it. */
START_TEST(intern_many)
{
	enum { N = 20000 };
	struct attrstore *s = attrstore_new();
	struct attrset **sets = calloc(N, sizeof *sets);
	for (uint32_t i = 0; i < N; i++)
		sets[i] = intern_med(s, i);
	ck_assert_uint_eq(attrstore_count(s), N);
	for (uint32_t i = 0; i < N; i++) {
		struct attrset *again = intern_med(s, i);
		ck_assert_ptr_eq(again, sets[i]);
		attrset_put(again);
	}
	for (uint32_t i = 0; i < N; i += 2)
		attrset_put(sets[i]);
	ck_assert_uint_eq(attrstore_count(s), N / 2);
	for (uint32_t i = 1; i < N; i += 2) {
		struct attrset *again = intern_med(s, i);
		ck_assert_ptr_eq(again, sets[i]);
		attrset_put(again);
		attrset_put(sets[i]);
	}
	ck_assert_uint_eq(attrstore_count(s), 0);
	free(sets);
	attrstore_free(s);
}
END_TEST

/* A store freed with sets still in it frees them (no leak under ASan). */
START_TEST(store_free_with_sets)
{
	struct attrstore *s = attrstore_new();
	intern_med(s, 1);
	intern_med(s, 2);
	attrstore_free(s);
}
END_TEST

/* ---- adjrib: fixed cases ---------------------------------------------- */

static void seen_expect(const struct seen *s, const char *const *want, size_t n)
{
	char buf[BGP_PREFIX_STRLEN + 16], got[BGP_PREFIX_STRLEN];
	ck_assert_uint_eq(s->n, n);
	for (size_t i = 0; i < n; i++) {
		bgp_prefix_format(&s->p[i], got, sizeof got);
		snprintf(buf, sizeof buf, "%s#%u", got, s->p[i].path_id);
		ck_assert_str_eq(buf, want[i]);
	}
}

START_TEST(rib_announce_replace_withdraw)
{
	struct attrstore *s = attrstore_new();
	struct adjrib *rib = adjrib_new(s);
	struct attrset *x = intern_med(s, 1), *y = intern_med(s, 2);
	struct bgp_prefix p = pfx("10.0.0.0/24", 0);

	ck_assert(adjrib_announce(rib, &p, x));
	ck_assert_uint_eq(attrset_refcount(x), 2);
	ck_assert(!adjrib_announce(rib, &p, x));        /* nothing new */
	ck_assert_uint_eq(attrset_refcount(x), 2);
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV4), 1);
	ck_assert_ptr_eq(adjrib_get(rib, &p), x);

	ck_assert(adjrib_announce(rib, &p, y));         /* replace */
	ck_assert_uint_eq(attrset_refcount(x), 1);
	ck_assert_uint_eq(attrset_refcount(y), 2);
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV4), 1);
	ck_assert_ptr_eq(adjrib_get(rib, &p), y);

	struct bgp_prefix other_id = p;
	other_id.path_id = 9;
	ck_assert(!adjrib_withdraw(rib, &other_id));
	ck_assert_ptr_null(adjrib_get(rib, &other_id));
	ck_assert(adjrib_withdraw(rib, &p));
	ck_assert(!adjrib_withdraw(rib, &p));
	ck_assert_uint_eq(attrset_refcount(y), 1);
	ck_assert_uint_eq(adjrib_count(rib, 0), 0);
	ck_assert_uint_eq(adjrib_prefix_count(rib, 0), 0);
	ck_assert_ptr_null(adjrib_get(rib, &p));

	/* Host bits are ignored; invalid prefixes refused. */
	struct bgp_prefix host = p;
	host.addr[3] = 7;
	ck_assert(adjrib_announce(rib, &host, x));
	ck_assert_ptr_eq(adjrib_get(rib, &p), x);
	struct bgp_prefix bad = p;
	bad.len = 33;
	ck_assert(!adjrib_announce(rib, &bad, x));
	bad = p;
	bad.afi = 3;
	ck_assert(!adjrib_announce(rib, &bad, x));
	ck_assert(!adjrib_withdraw(rib, &bad));
	ck_assert_uint_eq(adjrib_count(rib, 3), 0);

	/* A NULL set (a failed intern) withdraws. */
	ck_assert(adjrib_announce(rib, &p, NULL));
	ck_assert(!adjrib_announce(rib, &p, NULL));
	ck_assert_uint_eq(adjrib_count(rib, 0), 0);

	adjrib_free(rib);
	ck_assert_uint_eq(attrset_refcount(x), 1);
	attrset_put(x);
	attrset_put(y);
	ck_assert_uint_eq(attrstore_count(s), 0);
	attrstore_free(s);
}
END_TEST

START_TEST(rib_add_path)
{
	struct attrstore *s = attrstore_new();
	struct adjrib *rib = adjrib_new(s);
	struct attrset *set[10];
	struct bgp_prefix p = pfx("2001:db8::/32", 0);

	for (uint32_t i = 0; i < 10; i++)
		set[i] = intern_med(s, i);
	/* Path ids out of order; the rib keeps them sorted. */
	static const uint32_t ids[10] = { 7, 3, 9, 1, 10, 2, 8, 4, 6, 5 };
	for (int i = 0; i < 10; i++) {
		p.path_id = ids[i];
		ck_assert(adjrib_announce(rib, &p, set[ids[i] - 1]));
	}
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV6), 10);
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV4), 0);
	ck_assert_uint_eq(adjrib_prefix_count(rib, BGP_AFI_IPV6), 1);
	for (uint32_t id = 1; id <= 10; id++) {
		p.path_id = id;
		ck_assert_ptr_eq(adjrib_get(rib, &p), set[id - 1]);
	}
	p.path_id = 5;
	ck_assert(adjrib_announce(rib, &p, set[0]));     /* replace one */
	ck_assert_ptr_eq(adjrib_get(rib, &p), set[0]);
	ck_assert_uint_eq(attrset_refcount(set[4]), 1);
	ck_assert(adjrib_withdraw(rib, &p));
	ck_assert_uint_eq(adjrib_count(rib, 0), 9);

	struct seen seen = { .n = 0 };
	adjrib_lookup(rib, &p, ADJRIB_EXACT, collect, &seen);
	static const char *const want[] = { "2001:db8::/32#1", "2001:db8::/32#2",
		"2001:db8::/32#3", "2001:db8::/32#4", "2001:db8::/32#6",
		"2001:db8::/32#7", "2001:db8::/32#8", "2001:db8::/32#9",
		"2001:db8::/32#10" };
	seen_expect(&seen, want, 9);

	/* Down to one path, then none: the prefix goes. */
	for (uint32_t id = 1; id <= 9; id++) {
		p.path_id = id;
		if (id != 5)
			ck_assert(adjrib_withdraw(rib, &p));
	}
	ck_assert_uint_eq(adjrib_count(rib, 0), 1);
	p.path_id = 10;
	ck_assert_ptr_eq(adjrib_get(rib, &p), set[9]);
	ck_assert(adjrib_withdraw(rib, &p));
	ck_assert_uint_eq(adjrib_prefix_count(rib, 0), 0);

	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	ck_assert_uint_eq(st.nodes, 0);
	adjrib_free(rib);
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(attrset_refcount(set[i]), 1);
		attrset_put(set[i]);
	}
	attrstore_free(s);
}
END_TEST

static const char *const order_in[] = {
	"11.0.0.0/8", "10.128.0.0/9", "10.0.0.0/24", "10.0.0.0/8", "0.0.0.0/0",
	"10.0.0.0/9", "10.0.1.0/24", "192.0.2.0/24", "192.0.2.128/25",
	"2001:db8:1::/48", "2001:db8::/32", "::/0", "2001:db8::1/128",
};

static struct adjrib *order_rib(struct attrstore *s, struct attrset *set)
{
	struct adjrib *rib = adjrib_new(s);
	for (size_t i = 0; i < sizeof order_in / sizeof order_in[0]; i++) {
		struct bgp_prefix p = pfx(order_in[i], 0);
		ck_assert(adjrib_announce(rib, &p, set));
	}
	struct bgp_prefix p = pfx("10.0.0.0/24", 2);
	ck_assert(adjrib_announce(rib, &p, set));
	return rib;
}

START_TEST(rib_walk_order)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = order_rib(s, set);
	struct seen seen = { .n = 0 };

	ck_assert_int_eq(adjrib_walk(rib, 0, collect, &seen), 0);
	static const char *const all[] = { "0.0.0.0/0#0", "10.0.0.0/8#0",
		"10.0.0.0/9#0", "10.0.0.0/24#0", "10.0.0.0/24#2", "10.0.1.0/24#0",
		"10.128.0.0/9#0", "11.0.0.0/8#0", "192.0.2.0/24#0",
		"192.0.2.128/25#0", "::/0#0", "2001:db8::/32#0",
		"2001:db8::1/128#0", "2001:db8:1::/48#0" };
	seen_expect(&seen, all, 14);
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV4), 10);
	ck_assert_uint_eq(adjrib_prefix_count(rib, BGP_AFI_IPV4), 9);
	ck_assert_uint_eq(adjrib_count(rib, BGP_AFI_IPV6), 4);

	seen.n = 0;
	adjrib_walk(rib, BGP_AFI_IPV6, collect, &seen);
	seen_expect(&seen, all + 10, 4);

	/* A callback's non-zero return stops the walk and is returned. */
	seen.n = 0;
	seen.stop_at = 3;
	ck_assert_int_eq(adjrib_walk(rib, 0, collect, &seen), 1);
	ck_assert_uint_eq(seen.n, 3);

	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

START_TEST(rib_lookup)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = order_rib(s, set);
	struct seen seen = { .n = 0 };
	struct bgp_prefix q = pfx("10.0.0.0/8", 77);   /* path id ignored */

	adjrib_lookup(rib, &q, ADJRIB_EXACT, collect, &seen);
	static const char *const exact[] = { "10.0.0.0/8#0" };
	seen_expect(&seen, exact, 1);

	seen.n = 0;
	adjrib_lookup(rib, &q, ADJRIB_LONGER, collect, &seen);
	static const char *const longer[] = { "10.0.0.0/8#0", "10.0.0.0/9#0",
		"10.0.0.0/24#0", "10.0.0.0/24#2", "10.0.1.0/24#0", "10.128.0.0/9#0" };
	seen_expect(&seen, longer, 6);

	seen.n = 0;
	q = pfx("10.0.0.0/16", 0);      /* not in the rib itself */
	adjrib_lookup(rib, &q, ADJRIB_LONGER, collect, &seen);
	seen_expect(&seen, longer + 2, 3);
	seen.n = 0;
	adjrib_lookup(rib, &q, ADJRIB_EXACT, collect, &seen);
	ck_assert_uint_eq(seen.n, 0);

	seen.n = 0;
	q = pfx("10.0.0.7/32", 0);      /* longest match of an address */
	adjrib_lookup(rib, &q, ADJRIB_COVERING, collect, &seen);
	static const char *const covering[] = { "0.0.0.0/0#0", "10.0.0.0/8#0",
		"10.0.0.0/9#0", "10.0.0.0/24#0", "10.0.0.0/24#2" };
	seen_expect(&seen, covering, 5);

	seen.n = 0;
	q = pfx("10.0.0.0/9", 0);
	adjrib_lookup(rib, &q, ADJRIB_COVERING, collect, &seen);
	seen_expect(&seen, covering, 3);

	seen.n = 0;
	q = pfx("2001:db8:1:2::/64", 0);
	adjrib_lookup(rib, &q, ADJRIB_COVERING, collect, &seen);
	static const char *const covering6[] = { "::/0#0", "2001:db8::/32#0",
		"2001:db8:1::/48#0" };
	seen_expect(&seen, covering6, 3);

	seen.n = 0;
	q = pfx("2001:db8::/31", 0);
	adjrib_lookup(rib, &q, ADJRIB_LONGER, collect, &seen);
	static const char *const longer6[] = { "2001:db8::/32#0",
		"2001:db8::1/128#0", "2001:db8:1::/48#0" };
	seen_expect(&seen, longer6, 3);

	seen.n = 0;
	q = pfx("172.16.0.0/12", 0);
	adjrib_lookup(rib, &q, ADJRIB_LONGER, collect, &seen);
	ck_assert_uint_eq(seen.n, 0);

	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

/* A lookup resumed after a route visits what the whole lookup visits
 * after it, even when that route is gone; pages of two put together are
 * the whole lookup. */
START_TEST(rib_lookup_after)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = order_rib(s, set);
	struct seen seen = { .n = 0 };
	struct bgp_prefix q = pfx("10.0.0.0/8", 0), after = pfx("10.0.0.0/24", 0);
	static const char *const longer[] = { "10.0.0.0/8#0", "10.0.0.0/9#0",
		"10.0.0.0/24#0", "10.0.0.0/24#2", "10.0.1.0/24#0", "10.128.0.0/9#0" };

	adjrib_lookup_after(rib, &q, ADJRIB_LONGER, &after, collect, &seen);
	seen_expect(&seen, longer + 3, 3);
	seen.n = 0;
	after = pfx("10.0.0.5/32", 0);          /* not in the rib */
	adjrib_lookup_after(rib, &q, ADJRIB_LONGER, &after, collect, &seen);
	seen_expect(&seen, longer + 4, 2);
	seen.n = 0;
	after = pfx("10.128.0.0/9", 0);         /* the last one */
	adjrib_lookup_after(rib, &q, ADJRIB_LONGER, &after, collect, &seen);
	ck_assert_uint_eq(seen.n, 0);
	after = pfx("11.0.0.0/8", 0);           /* outside q */
	adjrib_lookup_after(rib, &q, ADJRIB_LONGER, &after, collect, &seen);
	ck_assert_uint_eq(seen.n, 0);

	/* pages of two */
	struct seen all = { .n = 0 };
	const struct bgp_prefix *cursor = NULL;
	for (int page = 0; page < 10; page++) {
		seen.n = 0;
		seen.stop_at = 2;
		adjrib_lookup_after(rib, &q, ADJRIB_LONGER, cursor, collect, &seen);
		for (size_t i = 0; i < seen.n; i++)
			all.p[all.n++] = seen.p[i];
		if (seen.n < 2)
			break;
		after = seen.p[seen.n - 1];
		cursor = &after;
	}
	seen_expect(&all, longer, 6);
	seen.stop_at = 0;

	seen.n = 0;
	q = pfx("10.0.0.7/32", 0);
	after = pfx("10.0.0.0/8", 0);
	adjrib_lookup_after(rib, &q, ADJRIB_COVERING, &after, collect, &seen);
	static const char *const covering[] = { "10.0.0.0/9#0", "10.0.0.0/24#0",
		"10.0.0.0/24#2" };
	seen_expect(&seen, covering, 3);
	seen.n = 0;
	q = pfx("10.0.0.0/24", 0);
	after = pfx("10.0.0.0/24", 0);
	adjrib_lookup_after(rib, &q, ADJRIB_EXACT, &after, collect, &seen);
	seen_expect(&seen, covering + 2, 1);

	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

static int count_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	(void)p;
	(void)set;
	++*(size_t *)arg;
	return 0;
}

START_TEST(rib_clear)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = order_rib(s, set);
	size_t calls = 0;

	ck_assert_uint_eq(attrset_refcount(set), 15);
	ck_assert_uint_eq(adjrib_clear_each(rib, count_route, &calls), 14);
	ck_assert_uint_eq(calls, 14);
	ck_assert_uint_eq(attrset_refcount(set), 1);
	ck_assert_uint_eq(adjrib_count(rib, 0), 0);
	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	ck_assert_uint_eq(st.bytes, 0);

	/* Still usable afterwards. */
	struct bgp_prefix p = pfx("10.0.0.0/8", 0);
	ck_assert(adjrib_announce(rib, &p, set));
	ck_assert_uint_eq(adjrib_clear(rib), 1);
	ck_assert_uint_eq(adjrib_clear(rib), 0);
	adjrib_free(rib);
	adjrib_free(NULL);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

struct batch_log {
	struct adjrib *rib;
	struct attrset *set;
	struct bgp_prefix seen[100];
	size_t n;
};

static void batch_announce(const struct bgp_prefix *p, void *arg)
{
	struct batch_log *l = arg;
	l->seen[l->n++] = *p;
	ck_assert(adjrib_announce(l->rib, p, l->set));
}

/* A batch runs its function for every prefix, in order: when it fills,
 * and the rest at the flush; fetching ahead reads nothing it may not
 * (an empty table, a family the rib does not keep, IPv6 beside IPv4). */
START_TEST(rib_batch_in_order)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = adjrib_new(s);
	struct batch_log l = { .rib = rib, .set = set };
	struct adjrib_batch b = { .rib = rib, .fn = batch_announce, .arg = &l };
	struct bgp_prefix ps[100];

	struct bgp_prefix odd = { .afi = 3, .len = 8 };
	adjrib_prefetch(rib, &odd, 0);
	for (int i = 0; i < 100; i++) {
		char txt[48];
		if (i % 3 == 0)
			snprintf(txt, sizeof txt, "2001:db8:%x::/48", i);
		else
			snprintf(txt, sizeof txt, "10.%d.0.0/16", i);
		ps[i] = pfx(txt, 0);
		adjrib_prefetch(rib, &ps[i], i % 3);
		adjrib_batch_add(&b, &ps[i]);
	}
	ck_assert_uint_eq(l.n, 100 / ADJRIB_BATCH * ADJRIB_BATCH);
	ck_assert_uint_eq(adjrib_count(rib, 0), l.n);
	adjrib_batch_flush(&b);
	adjrib_batch_flush(&b);                 /* empty: nothing */
	ck_assert_uint_eq(l.n, 100);
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(bgp_prefix_cmp(&l.seen[i], &ps[i]), 0);
		ck_assert_ptr_eq(adjrib_get(rib, &ps[i]), set);
		for (int depth = 0; depth < 3; depth++)
			adjrib_prefetch(rib, &ps[i], depth);
	}
	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

START_TEST(hugemem_aligned_zeroed)
{
	size_t bytes = 2 * HUGEMEM_PAGE;
	unsigned char *p = hugemem_alloc(bytes);
	ck_assert_uint_eq((uintptr_t)p % HUGEMEM_PAGE, 0);
	for (size_t i = 0; i < bytes; i += 4093)
		ck_assert_uint_eq(p[i], 0);
	memset(p, 0xa5, bytes);
	ck_assert_uint_eq(p[bytes - 1], 0xa5);
	hugemem_free(p, bytes);
	hugemem_free(NULL, bytes);
}
END_TEST

static double monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Polls cond every millisecond until it holds or ms have passed. */
static bool wait_for(bool (*cond)(void), double ms)
{
	const struct timespec tick = { 0, 1000000 };
	double end = monotonic_ms() + ms;

	while (!cond()) {
		if (monotonic_ms() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}

static bool stock_full(void)
{
	return hugemem_stocked() == HUGEMEM_STOCK;
}

/* A single page taken from the stock is already backed (every 4 KiB page
 * resident before the taker writes it), aligned and zero; the thread
 * refills what was taken. */
START_TEST(hugemem_stock_pages_resident)
{
	unsigned char vec[HUGEMEM_PAGE / 4096];
	void *first = hugemem_alloc(HUGEMEM_PAGE);      /* starts the thread */
	ck_assert(wait_for(stock_full, 10000));
	unsigned char *p = hugemem_alloc(HUGEMEM_PAGE);
	ck_assert_uint_eq((uintptr_t)p % HUGEMEM_PAGE, 0);
	ck_assert_int_eq(mincore(p, HUGEMEM_PAGE, vec), 0);
	for (size_t i = 0; i < sizeof vec; i++)
		ck_assert_msg(vec[i] & 1, "page %zu of a stocked region not resident", i);
	for (size_t i = 0; i < HUGEMEM_PAGE; i += 4093)
		ck_assert_uint_eq(p[i], 0);
	ck_assert(wait_for(stock_full, 10000));
	hugemem_free(p, HUGEMEM_PAGE);
	hugemem_free(first, HUGEMEM_PAGE);
}
END_TEST

/* The plain definition: whole bytes up to len, the byte len ends in cut
 * after its last bit, zero after. */
static void mask_reference(uint8_t *dst, const uint8_t *src, unsigned width, unsigned len)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned lo = i * 8;
		if (len >= lo + 8)
			dst[i] = src[i];
		else if (len > lo)
			dst[i] = (uint8_t)(src[i] & (0xff00u >> (len - lo)));
		else
			dst[i] = 0;
	}
}

/* mask_addr works a word at a time: it must equal the byte definition for
 * every length of both widths, and write nothing past the width. */
START_TEST(mask_addr_every_length)
{
	uint32_t x = 0x9e3779b9u;
	for (unsigned width = 4; width <= 16; width += 12) {
		for (unsigned len = 0; len <= width * 8; len++) {
			for (int round = 0; round < 8; round++) {
				uint8_t src[16], want[16], got[16];
				for (unsigned i = 0; i < 16; i++) {
					x = x * 1103515245u + 12345u;
					src[i] = round == 0 ? 0xff : (uint8_t)(x >> 16);
				}
				memset(got, 0x5a, sizeof got);
				mask_reference(want, src, width, len);
				mask_addr(got, src, width, len);
				ck_assert_mem_eq(got, want, width);
				for (unsigned i = width; i < 16; i++)
					ck_assert_uint_eq(got[i], 0x5a);
			}
		}
	}
}
END_TEST

static int order_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct bgp_prefix *last = arg;
	(void)set;
	ck_assert_int_lt(bgp_prefix_cmp(last, p), 0);
	*last = *p;
	return 0;
}

/* A full table's size: node chunks past the malloc'd ones come from
 * huge-page regions, the hash slots too; every route there, in order,
 * and all of it given back. */
START_TEST(rib_large_table)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = adjrib_new(s);
	const uint32_t n = 200000;
	struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24 };

	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = (i * 2654435761u) % (1u << 24) << 8;   /* spread, distinct */
		p.addr[0] = (uint8_t)(a >> 24);
		p.addr[1] = (uint8_t)(a >> 16);
		p.addr[2] = (uint8_t)(a >> 8);
		ck_assert(adjrib_announce(rib, &p, set));
	}
	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	ck_assert_uint_eq(st.routes, n);
	ck_assert_uint_ge(st.hash_bytes, HUGEMEM_PAGE);
	ck_assert_uint_gt(st.nodes, 16 * 4096);
	struct bgp_prefix last = { .afi = BGP_AFI_IPV4 };
	ck_assert_int_eq(adjrib_walk(rib, 0, order_route, &last), 0);
	for (uint32_t i = 0; i < n; i += 7) {
		uint32_t a = (i * 2654435761u) % (1u << 24) << 8;
		p.addr[0] = (uint8_t)(a >> 24);
		p.addr[1] = (uint8_t)(a >> 16);
		p.addr[2] = (uint8_t)(a >> 8);
		ck_assert_ptr_eq(adjrib_get(rib, &p), set);
	}
	ck_assert_uint_eq(adjrib_clear(rib), n);
	adjrib_free(rib);
	ck_assert_uint_eq(attrset_refcount(set), 1);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

START_TEST(rib_cursor_basic)
{
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);
	struct adjrib *rib = order_rib(s, set);
	struct seen seen = { .n = 0 };
	struct adjrib_cursor c;

	adjrib_cursor_init(&c, 0);
	struct bgp_prefix first = pfx("0.0.0.0/0", 0);
	ck_assert(!adjrib_cursor_passed(&c, &first));
	ck_assert_uint_eq(adjrib_cursor_next(rib, &c, 4, collect, &seen), 4);
	ck_assert(!adjrib_cursor_done(&c));
	ck_assert(adjrib_cursor_passed(&c, &first));
	struct bgp_prefix q = pfx("10.0.0.0/24", 0);
	ck_assert(adjrib_cursor_passed(&c, &q));        /* the 4th route */
	q.path_id = 2;
	ck_assert(!adjrib_cursor_passed(&c, &q));
	q = pfx("2001:db8::/32", 0);
	ck_assert(!adjrib_cursor_passed(&c, &q));

	/* Between chunks: withdraw the next route, add one behind the
	 * cursor and one ahead of it. */
	ck_assert(adjrib_withdraw(rib, &(struct bgp_prefix){ .afi = 1, .len = 24,
	    .path_id = 2, .addr = { 10 } }));
	struct bgp_prefix behind = pfx("1.0.0.0/8", 0), ahead = pfx("12.0.0.0/8", 0);
	ck_assert(adjrib_announce(rib, &behind, set));
	ck_assert(adjrib_announce(rib, &ahead, set));
	ck_assert(adjrib_cursor_passed(&c, &behind));
	ck_assert(!adjrib_cursor_passed(&c, &ahead));

	while (!adjrib_cursor_done(&c))
		adjrib_cursor_next(rib, &c, 3, collect, &seen);
	static const char *const want[] = { "0.0.0.0/0#0", "10.0.0.0/8#0",
		"10.0.0.0/9#0", "10.0.0.0/24#0", "10.0.1.0/24#0",
		"10.128.0.0/9#0", "11.0.0.0/8#0", "12.0.0.0/8#0", "192.0.2.0/24#0",
		"192.0.2.128/25#0", "::/0#0", "2001:db8::/32#0",
		"2001:db8::1/128#0", "2001:db8:1::/48#0" };
	seen_expect(&seen, want, 14);
	ck_assert(adjrib_cursor_passed(&c, &ahead));
	ck_assert_uint_eq(adjrib_cursor_next(rib, &c, 3, collect, &seen), 0);

	/* One family only; a family the cursor does not walk is never passed. */
	seen.n = 0;
	adjrib_cursor_init(&c, BGP_AFI_IPV6);
	ck_assert_uint_eq(adjrib_cursor_next(rib, &c, 100, collect, &seen), 4);
	ck_assert(adjrib_cursor_done(&c));
	ck_assert(!adjrib_cursor_passed(&c, &ahead));
	ck_assert(adjrib_cursor_passed(&c, &q));

	/* A cleared rib under a running cursor. */
	seen.n = 0;
	adjrib_cursor_init(&c, 0);
	adjrib_cursor_next(rib, &c, 2, collect, &seen);
	adjrib_clear(rib);
	ck_assert_uint_eq(adjrib_cursor_next(rib, &c, 2, collect, &seen), 0);
	ck_assert(adjrib_cursor_done(&c));

	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

/* After every possible chunk length, withdraw the route the cursor
 * stands on (and sometimes its neighbours); the walk goes on with the
 * next route all the same. */
START_TEST(rib_cursor_resume_after_withdraw)
{
	static const char *const all[] = { "0.0.0.0/0#0", "10.0.0.0/8#0",
		"10.0.0.0/9#0", "10.0.0.0/24#0", "10.0.0.0/24#2", "10.0.1.0/24#0",
		"10.128.0.0/9#0", "11.0.0.0/8#0", "192.0.2.0/24#0",
		"192.0.2.128/25#0", "::/0#0", "2001:db8::/32#0",
		"2001:db8::1/128#0", "2001:db8:1::/48#0" };
	struct attrstore *s = attrstore_new();
	struct attrset *set = intern_med(s, 1);

	for (size_t k = 1; k <= 14; k++) {
		for (int also = 0; also < 3; also++) {
			struct adjrib *rib = order_rib(s, set);
			struct seen seen = { .n = 0 }, ref = { .n = 0 };
			struct adjrib_cursor c;
			adjrib_walk(rib, 0, collect, &ref);
			adjrib_cursor_init(&c, 0);
			ck_assert_uint_eq(adjrib_cursor_next(rib, &c, k, collect, &seen), k);
			ck_assert(adjrib_withdraw(rib, &c.last));
			/* also == 1: the one before goes too; 2: the whole
			 * prefix the cursor stands on and everything before. */
			if (also == 1 && k >= 2)
				adjrib_withdraw(rib, &ref.p[k - 2]);
			if (also == 2)
				for (size_t i = 0; i < k; i++)
					adjrib_withdraw(rib, &ref.p[i]);
			while (!adjrib_cursor_done(&c))
				adjrib_cursor_next(rib, &c, 1 + k % 3, collect, &seen);
			seen_expect(&seen, all, 14);
			adjrib_free(rib);
		}
	}
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

static Suite *pathstore_suite(void)
{
	Suite *s = suite_create("pathstore");
	TCase *t = tcase_create("attrset");
	tcase_add_test(t, intern_same_and_different);
	tcase_add_test(t, intern_after_free_and_get);
	tcase_add_test(t, intern_next_hop_lengths);
	tcase_add_test(t, intern_canonical_form);
	tcase_add_test(t, intern_ignores_mp_and_non_transitive);
	tcase_add_test(t, intern_many);
	tcase_add_test(t, store_free_with_sets);
	suite_add_tcase(s, t);

	t = tcase_create("adjrib");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, rib_announce_replace_withdraw);
	tcase_add_test(t, rib_add_path);
	tcase_add_test(t, rib_walk_order);
	tcase_add_test(t, rib_lookup);
	tcase_add_test(t, rib_lookup_after);
	tcase_add_test(t, rib_clear);
	tcase_add_test(t, rib_batch_in_order);
	tcase_add_test(t, hugemem_aligned_zeroed);
	tcase_add_test(t, mask_addr_every_length);
	tcase_add_test(t, hugemem_stock_pages_resident);
	tcase_add_test(t, rib_large_table);
	tcase_add_test(t, rib_cursor_basic);
	tcase_add_test(t, rib_cursor_resume_after_withdraw);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(pathstore_suite());
}
