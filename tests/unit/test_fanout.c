/*
 * test_fanout.c — what a client gets, byte for byte, per encoding class:
 * the stored attributes as they are for a 4-octet client, NEXT_HOP
 * "self" (IPv4, IPv6, and the other family's original kept), internal-only attributes left out on
 * eBGP, the 2-octet re-encoding (AS_TRANS + AS4_PATH) and its cache,
 * packing into 4096- and 65535-byte UPDATEs, ADD-PATH ids, runs of
 * announcements and withdrawals replayed in order, End-of-RIB.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "instances/fanout.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/rib/pathstore.h"
#include "web/route_json.h"
#include "muxd/bgp/update_walk.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static struct attrstore *store;

static void setup(void) { store = attrstore_new(); }
static void teardown(void) { attrstore_free(store); }

/* AS_SEQUENCE 65010 4200000000 64496 */
static const uint8_t path_as4[] = { BGP_AS_SEQUENCE, 3, 0, 0, 0xfd, 0xf2,
	0xfa, 0x56, 0xea, 0x00, 0, 0, 0xfb, 0xf0 };
static const uint8_t comms[] = { 0xfd, 0xf2, 0x00, 0x01, 0xfd, 0xf2, 0x00, 0x02 };
static const uint8_t large[] = { 0, 0, 0xfd, 0xf2, 0, 0, 0, 1, 0, 0, 0, 2 };
static const uint8_t unknown_val[] = { 1, 2, 3 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

static void attrs_base(struct bgp_attrs *a, bool local_pref)
{
	memset(a, 0, sizeof *a);
	a->present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_MED) |
	    BIT(BGP_ATTR_COMMUNITIES) | BIT(BGP_ATTR_LARGE_COMMUNITIES);
	a->origin = BGP_ORIGIN_EGP;
	a->as_path = (struct bgp_bytes){ path_as4, sizeof path_as4 };
	a->med = 77;
	a->communities = (struct bgp_bytes){ comms, sizeof comms };
	a->large_communities = (struct bgp_bytes){ large, sizeof large };
	a->unknown[0] = (struct bgp_raw_attr){ BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE,
		99, { unknown_val, sizeof unknown_val } };
	a->unknown_count = 1;
	if (local_pref) {
		a->present |= BIT(BGP_ATTR_LOCAL_PREF);
		a->local_pref = 200;
	}
}

/* An IPv4 route's set: NEXT_HOP attribute and next hop agree. */
static struct attrset *set_v4(bool local_pref)
{
	struct bgp_attrs a;
	attrs_base(&a, local_pref);
	a.present |= BIT(BGP_ATTR_NEXT_HOP);
	memcpy(a.next_hop, nh4, 4);
	struct attrset *s = attrset_intern(store, &a, nh4, 4);
	ck_assert_ptr_nonnull(s);
	return s;
}

static struct attrset *set_v6(void)
{
	struct bgp_attrs a;
	attrs_base(&a, false);
	struct attrset *s = attrset_intern(store, &a, nh6, 16);
	ck_assert_ptr_nonnull(s);
	return s;
}

static struct fanout_class *class_make(uint16_t afi, bool as4, bool addpath, bool ebgp,
    uint32_t max_len, const char *addr, bool self)
{
	struct fanout_key k = { bgp_aid_unicast(afi), as4, addpath, ebgp, max_len };
	struct fanout_nh nh;
	struct sockaddr_mux sa;
	ck_assert(sockaddr_parse(addr, 179, &sa));
	fanout_nh_init(&nh, &sa, self);
	return fanout_class_new(&k, &nh);
}

/* ---- what the client decodes ------------------------------------------- */

struct got {
	uint8_t bytes[1 << 20];
	size_t len;
};

static void sink(const uint8_t *msgs, size_t len, void *arg)
{
	struct got *g = arg;
	ck_assert_uint_le(g->len + len, sizeof g->bytes);
	memcpy(g->bytes + g->len, msgs, len);
	g->len += len;
}

struct decoded {
	unsigned updates, eors;
	size_t max_msg;
	json_t *routes;         /* [{"op": "+"/"-", "prefix", "path_id", attrs…}] */
	json_t *last_attrs;
};

struct walk_ctx {
	struct decoded *d;
	const struct bgp_update *u;
};

static void w_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct walk_ctx *w = arg;
	char buf[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, buf, sizeof buf);
	json_array_append_new(w->d->routes, json_pack("{s:s, s:s, s:I}", "op", "-",
	    "prefix", buf, "path_id", (json_int_t)p->path_id));
}

static void w_announce(const struct bgp_prefix *p, const uint8_t *nh, size_t nh_len,
    void *arg)
{
	struct walk_ctx *w = arg;
	char buf[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, buf, sizeof buf);
	json_t *j = route_json_attrs(&w->u->attrs, nh, nh_len);
	json_object_set_new(j, "op", json_string("+"));
	json_object_set_new(j, "prefix", json_string(buf));
	json_object_set_new(j, "path_id", json_integer(p->path_id));
	json_array_append_new(w->d->routes, j);
}

/* Decode every UPDATE in g as a client with this encoding would. */
static void decode_ctx(const struct got *g, bool as4, bool ebgp, bool addpath,
    size_t max_len, struct decoded *d);

static void decode_all(const struct got *g, bool as4, bool addpath, size_t max_len,
    struct decoded *d)
{
	decode_ctx(g, as4, true, addpath, max_len, d);
}

static void decode_ctx(const struct got *g, bool as4, bool ebgp, bool addpath,
    size_t max_len, struct decoded *d)
{
	static uint8_t scratch[16 * 65536];
	static const struct update_walk_ops ops = { w_withdraw, w_announce };
	struct bgp_codec_ctx ctx = { .as4 = as4, .ebgp = ebgp,
		.addpath = { addpath, addpath }, .max_len = max_len };
	struct bgp_family fams[] = { { 1, 1 }, { 2, 1 } };
	size_t off = 0;

	memset(d, 0, sizeof *d);
	d->routes = json_array();
	while (off < g->len) {
		struct bgp_header h;
		struct bgp_err e;
		struct bgp_update u;
		ck_assert_int_gt(bgp_header_decode(g->bytes + off, g->len - off, max_len, &h, &e), 0);
		ck_assert_uint_eq(h.type, BGP_UPDATE);
		ck_assert(bgp_update_decode(g->bytes + off + BGP_HEADER_LEN, h.len - BGP_HEADER_LEN,
		    &ctx, scratch, sizeof scratch, &u, &e));
		ck_assert_int_eq(e.tier, BGP_TIER_OK);
		if (u.end_of_rib) {
			d->eors++;
		} else {
			struct walk_ctx w = { d, &u };
			struct update_walk_stats st = { 0 };
			d->updates++;
			update_walk(&u, &ctx, fams, 2, &ops, &w, &st);
			ck_assert_uint_eq(st.ignored, 0);
		}
		if (h.len > d->max_msg)
			d->max_msg = h.len;
		off += h.len;
	}
}

static struct bgp_prefix pfx(const char *s, uint32_t path_id)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(s, &p));
	p.path_id = path_id;
	return p;
}

static void route_attr_eq(json_t *route, const char *key, const char *want)
{
	json_t *v = json_object_get(route, key);
	char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("(absent)");
	ck_assert_str_eq(got, want);
	free(got);
}

/* ---- attribute blocks ------------------------------------------------------ */

START_TEST(as4_unchanged_is_stored_bytes)
{
	struct attrset *s = set_v4(false);
	struct fanout_class *c = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "127.0.85.1", false);
	const uint8_t *attrs, *nh;
	size_t len, nh_len, wire_len;
	const uint8_t *wire = attrset_wire(s, &wire_len);

	ck_assert(fanout_attrs(c, s, &attrs, &len, &nh, &nh_len));
	ck_assert_ptr_eq(attrs, wire);          /* not even copied */
	ck_assert_uint_eq(len, wire_len);
	ck_assert_uint_eq(nh_len, 0);
	ck_assert_uint_eq(fanout_class_stats(c)->attrs_stored, 1);
	fanout_class_free(c);
	attrset_put(s);
}
END_TEST

/* The byte-level rewrite equals what the codec would encode. */
START_TEST(ebgp_drops_local_pref)
{
	struct attrset *s = set_v4(true);
	struct fanout_class *c = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "127.0.85.1", false);
	const uint8_t *attrs, *nh;
	size_t len, nh_len;
	struct bgp_attrs a;
	uint8_t want[512];
	struct wbuf w = wbuf_make(want, sizeof want);
	struct bgp_codec_ctx ebgp = { .as4 = true, .ebgp = true, .max_len = 4096 };

	ck_assert(fanout_attrs(c, s, &attrs, &len, &nh, &nh_len));
	ck_assert(attrset_attrs(s, &a));
	bgp_attrs_encode(&w, &a, &ebgp);
	ck_assert_uint_eq(len, w.len);
	ck_assert_mem_eq(attrs, want, len);
	ck_assert_uint_eq(fanout_class_stats(c)->attrs_rewritten, 1);

	/* iBGP: kept, and the stored bytes go as they are */
	struct fanout_class *ib = class_make(BGP_AFI_IPV4, true, false, false, 4096,
	    "127.0.85.1", false);
	size_t wire_len;
	ck_assert(fanout_attrs(ib, s, &attrs, &len, &nh, &nh_len));
	ck_assert_ptr_eq(attrs, attrset_wire(s, &wire_len));
	fanout_class_free(ib);
	fanout_class_free(c);
	attrset_put(s);
}
END_TEST

START_TEST(next_hop_self_ipv4_instance)
{
	struct attrset *s4 = set_v4(false), *s6 = set_v6();
	struct fanout_class *c4 = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "127.0.85.1", true);
	struct fanout_class *c6 = class_make(BGP_AFI_IPV6, true, false, true, 4096,
	    "127.0.85.1", true);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_out o;
	struct decoded d;
	struct fanout_route r4 = { pfx("10.1.0.0/16", 0), s4 };
	struct fanout_route r6 = { pfx("2001:db8:1::/48", 0), s6 };

	fanout_out_init_sink(&o, sink, g);
	ck_assert_uint_eq(fanout_encode(c4, &o, &r4, 1), 0);
	ck_assert_uint_eq(fanout_encode(c6, &o, &r6, 1), 0);
	fanout_out_finish(&o);
	decode_all(g, true, false, 4096, &d);
	ck_assert_uint_eq(json_array_size(d.routes), 2);
	route_attr_eq(json_array_get(d.routes, 0), "next_hop", "\"127.0.85.1\"");
	/* IPv6 route, IPv4-only instance: the original next hop stays (an
	 * IPv4-mapped one is refused by BIRD 2 on an IPv6 session) */
	route_attr_eq(json_array_get(d.routes, 1), "next_hop", "\"2001:db8::1\"");
	/* everything else as the upstream sent it */
	route_attr_eq(json_array_get(d.routes, 1), "as_path", "[65010,4200000000,64496]");
	route_attr_eq(json_array_get(d.routes, 1), "large_communities", "[\"65010:1:2\"]");
	route_attr_eq(json_array_get(d.routes, 1), "unknown",
	    "[{\"type\":99,\"flags\":224,\"hex\":\"010203\"}]");
	json_decref(d.routes);
	free(g);
	fanout_class_free(c4);
	fanout_class_free(c6);
	attrset_put(s4);
	attrset_put(s6);
}
END_TEST

START_TEST(next_hop_self_ipv6_instance)
{
	struct attrset *s4 = set_v4(false), *s6 = set_v6();
	struct fanout_class *c4 = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "2001:db8:85::1", true);
	struct fanout_class *c6 = class_make(BGP_AFI_IPV6, true, false, true, 4096,
	    "2001:db8:85::1", true);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_out o;
	struct decoded d;
	struct fanout_route r4 = { pfx("10.1.0.0/16", 0), s4 };
	struct fanout_route r6 = { pfx("2001:db8:1::/48", 0), s6 };

	fanout_out_init_sink(&o, sink, g);
	fanout_encode(c4, &o, &r4, 1);
	fanout_encode(c6, &o, &r6, 1);
	fanout_out_finish(&o);
	decode_all(g, true, false, 4096, &d);
	/* IPv4 route, IPv6-only instance: the original next hop stays */
	route_attr_eq(json_array_get(d.routes, 0), "next_hop", "\"192.0.2.1\"");
	route_attr_eq(json_array_get(d.routes, 1), "next_hop", "\"2001:db8:85::1\"");
	json_decref(d.routes);
	free(g);
	fanout_class_free(c4);
	fanout_class_free(c6);
	attrset_put(s4);
	attrset_put(s6);
}
END_TEST

/* IPv6 routes never carry a NEXT_HOP attribute, even if the upstream's
 * UPDATE had one (it also carried IPv4 NLRI). */
START_TEST(ipv6_without_next_hop_attribute)
{
	struct bgp_attrs a;
	attrs_base(&a, false);
	a.present |= BIT(BGP_ATTR_NEXT_HOP);
	memcpy(a.next_hop, nh4, 4);
	struct attrset *s = attrset_intern(store, &a, nh6, 16);
	struct fanout_class *c = class_make(BGP_AFI_IPV6, true, false, true, 4096,
	    "127.0.85.1", false);
	const uint8_t *attrs, *nh;
	size_t len, nh_len;
	struct bgp_attrs out;
	struct bgp_err e;

	ck_assert(fanout_attrs(c, s, &attrs, &len, &nh, &nh_len));
	ck_assert_uint_eq(nh_len, 16);
	ck_assert_mem_eq(nh, nh6, 16);
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = 4096 };
	ck_assert(bgp_attrs_decode(attrs, len, &ctx, NULL, 0, &out, &e));
	ck_assert(!(out.present & BIT(BGP_ATTR_NEXT_HOP)));
	ck_assert(out.present & BIT(BGP_ATTR_LARGE_COMMUNITIES));
	fanout_class_free(c);
	attrset_put(s);
}
END_TEST

/* A 2-octet client gets AS_TRANS in AS_PATH and the real path in AS4_PATH;
 * decoded, it is the same route a 4-octet client gets. */
START_TEST(two_octet_client)
{
	struct attrset *s = set_v4(false);
	struct fanout_class *c2 = class_make(BGP_AFI_IPV4, false, false, true, 4096,
	    "127.0.85.1", false);
	struct fanout_class *c4 = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "127.0.85.1", false);
	const uint8_t *a2, *a4, *nh;
	size_t l2, l4, nh_len;

	ck_assert(fanout_attrs(c2, s, &a2, &l2, &nh, &nh_len));
	ck_assert(fanout_attrs(c4, s, &a4, &l4, &nh, &nh_len));
	ck_assert(l2 != l4 || memcmp(a2, a4, l2) != 0);
	/* AS_PATH of the 2-octet form: 65010 23456 64496 */
	static const uint8_t as2_path[] = { 0x40, 2, 8, BGP_AS_SEQUENCE, 3,
		0xfd, 0xf2, 0x5b, 0xa0, 0xfb, 0xf0 };
	ck_assert_ptr_nonnull(memmem(a2, l2, as2_path, sizeof as2_path));
	/* AS4_PATH (17), optional transitive, the 4-octet path */
	static const uint8_t as4_path[] = { 0xc0, 17, 14, BGP_AS_SEQUENCE, 3, 0, 0,
		0xfd, 0xf2, 0xfa, 0x56, 0xea, 0x00, 0, 0, 0xfb, 0xf0 };
	ck_assert_ptr_nonnull(memmem(a2, l2, as4_path, sizeof as4_path));

	struct got *g2 = calloc(1, sizeof *g2), *g4 = calloc(1, sizeof *g4);
	struct fanout_out o;
	struct decoded d2, d4;
	struct fanout_route r = { pfx("10.2.0.0/16", 0), s };
	fanout_out_init_sink(&o, sink, g2);
	fanout_encode(c2, &o, &r, 1);
	fanout_out_finish(&o);
	fanout_out_init_sink(&o, sink, g4);
	fanout_encode(c4, &o, &r, 1);
	fanout_out_finish(&o);
	decode_all(g2, false, false, 4096, &d2);
	decode_all(g4, true, false, 4096, &d4);
	ck_assert(json_equal(d2.routes, d4.routes));
	route_attr_eq(json_array_get(d2.routes, 0), "as_path", "[65010,4200000000,64496]");

	/* Encoded once per set: the second time from the class's cache. */
	ck_assert_uint_eq(fanout_class_stats(c2)->attrs_encoded, 1);
	ck_assert(fanout_attrs(c2, s, &a2, &l2, &nh, &nh_len));
	ck_assert_uint_eq(fanout_class_stats(c2)->attrs_encoded, 1);
	ck_assert_uint_ge(fanout_class_stats(c2)->attrs_cached, 2);
	json_decref(d2.routes);
	json_decref(d4.routes);
	free(g2);
	free(g4);
	fanout_class_free(c2);
	fanout_class_free(c4);
	attrset_put(s);
}
END_TEST

/* A route whose next hop is not of its family's kind cannot be sent
 * (unless "self" gives one). */
START_TEST(unexportable_next_hop)
{
	struct bgp_attrs a;
	attrs_base(&a, false);
	struct attrset *s = attrset_intern(store, &a, nh4, 4);  /* IPv6 route, 4-byte nh */
	struct fanout_class *c = class_make(BGP_AFI_IPV6, true, false, true, 4096,
	    "127.0.85.1", false);
	struct fanout_class *self = class_make(BGP_AFI_IPV6, true, false, true, 4096,
	    "2001:db8:85::1", true);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_out o;
	struct fanout_route r = { pfx("2001:db8:2::/48", 0), s };

	fanout_out_init_sink(&o, sink, g);
	ck_assert_uint_eq(fanout_encode(c, &o, &r, 1), 1);
	ck_assert_uint_eq(fanout_class_stats(c)->skipped, 1);
	ck_assert_uint_eq(fanout_encode(self, &o, &r, 1), 0);
	fanout_out_finish(&o);
	free(g);
	fanout_class_free(c);
	fanout_class_free(self);
	attrset_put(s);
}
END_TEST

/* ---- packing ------------------------------------------------------------------ */

static void packing_case(uint32_t max_len, bool addpath, unsigned want_updates_max)
{
	struct attrset *s = set_v4(false);
	struct fanout_class *c = class_make(BGP_AFI_IPV4, true, addpath, true, max_len,
	    "127.0.85.1", false);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_route *r = calloc(3000, sizeof *r);
	struct fanout_out o;
	struct decoded d;

	for (int i = 0; i < 3000; i++) {
		r[i].p.afi = BGP_AFI_IPV4;
		r[i].p.len = 24;
		r[i].p.addr[0] = 10;
		r[i].p.addr[1] = (uint8_t)(i >> 8);
		r[i].p.addr[2] = (uint8_t)i;
		r[i].p.path_id = addpath ? (uint32_t)(i % 3 + 1) : 0;
		r[i].set = s;
	}
	fanout_out_init_sink(&o, sink, g);
	ck_assert_uint_eq(fanout_encode(c, &o, r, 3000), 0);
	fanout_out_finish(&o);
	decode_all(g, true, addpath, max_len, &d);
	ck_assert_uint_eq(json_array_size(d.routes), 3000);
	ck_assert_uint_le(d.max_msg, max_len);
	ck_assert_uint_le(d.updates, want_updates_max);
	ck_assert_uint_eq(o.sent_updates, d.updates);
	ck_assert_uint_eq(fanout_class_stats(c)->updates, d.updates);
	ck_assert_uint_eq(json_integer_value(json_object_get(json_array_get(d.routes, 2999),
	    "path_id")), addpath ? 2999 % 3 + 1 : 0);
	json_decref(d.routes);
	free(r);
	free(g);
	fanout_class_free(c);
	attrset_put(s);
}

START_TEST(packing_4096)
{
	/* 3000 × 4 bytes of NLRI + ~70 of attributes: 3 UPDATEs */
	packing_case(4096, false, 3);
}
END_TEST

START_TEST(packing_extended_addpath)
{
	/* 3000 × 8 bytes in 65535-byte messages: 1 UPDATE */
	packing_case(65535, true, 1);
}
END_TEST

/* Runs of equal sets share UPDATEs; the order of the input is kept, so a
 * route announced, withdrawn and announced again ends announced. */
START_TEST(runs_in_order)
{
	struct attrset *a = set_v4(false), *b = set_v4(true);
	struct fanout_class *c = class_make(BGP_AFI_IPV4, true, false, false, 4096,
	    "127.0.85.1", false);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_out o;
	struct decoded d;
	struct fanout_route r[] = {
		{ pfx("10.0.0.0/24", 0), a }, { pfx("10.0.1.0/24", 0), a },
		{ pfx("10.0.2.0/24", 0), b },
		{ pfx("10.0.0.0/24", 0), NULL }, { pfx("10.0.2.0/24", 0), NULL },
		{ pfx("10.0.0.0/24", 0), b },
	};

	fanout_out_init_sink(&o, sink, g);
	fanout_encode(c, &o, r, 6);
	fanout_out_finish(&o);
	decode_ctx(g, true, false, false, 4096, &d);     /* iBGP: LOCAL_PREF kept */
	ck_assert_uint_eq(d.updates, 4);
	ck_assert_uint_eq(json_array_size(d.routes), 6);
	const char *ops[] = { "+", "+", "+", "-", "-", "+" };
	const char *pfxs[] = { "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.0.0/24",
		"10.0.2.0/24", "10.0.0.0/24" };
	for (size_t i = 0; i < 6; i++) {
		json_t *x = json_array_get(d.routes, i);
		ck_assert_str_eq(json_string_value(json_object_get(x, "op")), ops[i]);
		ck_assert_str_eq(json_string_value(json_object_get(x, "prefix")), pfxs[i]);
	}
	route_attr_eq(json_array_get(d.routes, 5), "local_pref", "200");
	json_decref(d.routes);
	free(g);
	fanout_class_free(c);
	attrset_put(a);
	attrset_put(b);
}
END_TEST

START_TEST(end_of_rib)
{
	struct got *g = calloc(1, sizeof *g);
	struct fanout_out o;
	struct decoded d;

	fanout_out_init_sink(&o, sink, g);
	fanout_eor(&o, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	fanout_eor(&o, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	fanout_out_finish(&o);
	ck_assert_uint_eq(g->len, 23 + 29);     /* empty UPDATE; MP_UNREACH 2/1 */
	decode_all(g, true, false, 4096, &d);
	ck_assert_uint_eq(d.eors, 2);
	ck_assert_uint_eq(o.sent_updates, 2);
	json_decref(d.routes);
	free(g);
	ck_assert_uint_eq(fanout_chunks_alive(), 0);
}
END_TEST

/* Many routes with distinct sets: more than one chunk, each holding only
 * whole UPDATEs. */
START_TEST(many_chunks)
{
	struct fanout_class *c = class_make(BGP_AFI_IPV4, true, false, true, 4096,
	    "127.0.85.1", true);
	struct got *g = calloc(1, sizeof *g);
	struct fanout_route *r = calloc(4000, sizeof *r);
	struct fanout_out o;
	struct decoded d;

	for (int i = 0; i < 4000; i++) {
		struct bgp_attrs a;
		attrs_base(&a, false);
		a.med = (uint32_t)i;
		r[i].p = pfx("10.0.0.0/8", 0);
		r[i].p.addr[1] = (uint8_t)(i >> 8);
		r[i].p.addr[2] = (uint8_t)i;
		r[i].p.len = 24;
		r[i].set = attrset_intern(store, &a, nh4, 4);
	}
	fanout_out_init_sink(&o, sink, g);
	fanout_encode(c, &o, r, 4000);
	fanout_out_finish(&o);
	ck_assert_uint_gt(g->len, 96 * 1024);
	decode_all(g, true, false, 4096, &d);
	ck_assert_uint_eq(d.updates, 4000);
	ck_assert_uint_eq(json_array_size(d.routes), 4000);
	ck_assert_uint_eq(fanout_class_stats(c)->attrs_rewritten, 4000);
	json_decref(d.routes);
	for (int i = 0; i < 4000; i++)
		attrset_put(r[i].set);
	free(r);
	free(g);
	fanout_class_free(c);
}
END_TEST

static Suite *fanout_suite(void)
{
	Suite *s = suite_create("fanout");
	TCase *t = tcase_create("classes");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, as4_unchanged_is_stored_bytes);
	tcase_add_test(t, ebgp_drops_local_pref);
	tcase_add_test(t, next_hop_self_ipv4_instance);
	tcase_add_test(t, next_hop_self_ipv6_instance);
	tcase_add_test(t, ipv6_without_next_hop_attribute);
	tcase_add_test(t, two_octet_client);
	tcase_add_test(t, unexportable_next_hop);
	tcase_add_test(t, packing_4096);
	tcase_add_test(t, packing_extended_addpath);
	tcase_add_test(t, runs_in_order);
	tcase_add_test(t, end_of_rib);
	tcase_add_test(t, many_chunks);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(fanout_suite());
}
