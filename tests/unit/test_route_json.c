/*
 * test_route_json.c — the JSON form of routes, byte for byte: every
 * attribute kind, the three kinds of communities, AS_SET and confederation
 * segments, IPv6 next hops with and without a link-local address, ADD-PATH
 * ids, whole ribs, and an UPDATE as received on a 2-octet session.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/rib/pathstore.h"
#include "web/route_json.h"
#include "tests/unit/check_run.h"
#include "tests/unit/prefix_fixture.h"

#define BIT(t) BGP_ATTR_BIT(t)

static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6_ll[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1,
	0xfe, 0x80, [31] = 1 };

/* AS_SEQUENCE 65010 1, AS_SET {2, 3} */
static const uint8_t path_set[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0, 1,
	BGP_AS_SET, 2, 0, 0, 0, 2, 0, 0, 0, 3 };
static const uint8_t comms[] = { 0xfd, 0xf2, 0x00, 0x01, 0xff, 0xff, 0xff, 0x01 };
static const uint8_t ext_comms[] = {
	0x00, 0x02, 0xfd, 0xf2, 0x00, 0x00, 0x00, 0x01,         /* rt:65010:1 */
	0x01, 0x03, 192, 0, 2, 1, 0x00, 0x07,                   /* ro:192.0.2.1:7 */
	0x02, 0x02, 0xfa, 0x56, 0xea, 0x00, 0x00, 0x01,         /* rt:4200000000:1 */
	0x02, 0x02, 0x00, 0x00, 0xfd, 0xf2, 0x00, 0x05,         /* rt:65010L:5 */
	0x40, 0x02, 0xfd, 0xf2, 0x00, 0x00, 0x00, 0x01,         /* non-transitive RT */
	0x80, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,         /* flowspec rate */
	0x00, 0x04, 0xfd, 0xf2, 0x00, 0x00, 0x00, 0x09,         /* other subtype */
};
static const uint8_t large_comms[] = {
	0x00, 0x00, 0xfd, 0xf2, 0, 0, 0, 1, 0, 0, 0, 2,
	0xfa, 0x56, 0xea, 0x00, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
};
static const uint8_t clusters[] = { 192, 0, 2, 10, 192, 0, 2, 11 };
static const uint8_t unknown_val[] = { 0x0a, 0x0b };

static void attrs_full(struct bgp_attrs *a)
{
	memset(a, 0, sizeof *a);
	a->present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) |
	    BIT(BGP_ATTR_NEXT_HOP) | BIT(BGP_ATTR_MED) | BIT(BGP_ATTR_LOCAL_PREF) |
	    BIT(BGP_ATTR_ATOMIC_AGGREGATE) | BIT(BGP_ATTR_AGGREGATOR) |
	    BIT(BGP_ATTR_COMMUNITIES) | BIT(BGP_ATTR_ORIGINATOR_ID) |
	    BIT(BGP_ATTR_CLUSTER_LIST) | BIT(BGP_ATTR_EXT_COMMUNITIES) |
	    BIT(BGP_ATTR_LARGE_COMMUNITIES);
	a->origin = BGP_ORIGIN_IGP;
	a->as_path = (struct bgp_bytes){ path_set, sizeof path_set };
	memcpy(a->next_hop, nh4, 4);
	a->med = 10;
	a->local_pref = 100;
	a->aggregator_as = 65010;
	memcpy(a->aggregator_addr, nh4, 4);
	a->communities = (struct bgp_bytes){ comms, sizeof comms };
	a->ext_communities = (struct bgp_bytes){ ext_comms, sizeof ext_comms };
	a->large_communities = (struct bgp_bytes){ large_comms, sizeof large_comms };
	a->originator_id = 0xc0000209;          /* 192.0.2.9 */
	a->cluster_list = (struct bgp_bytes){ clusters, sizeof clusters };
	a->unknown[0].flags = BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE;
	a->unknown[0].type = 99;
	a->unknown[0].val = (struct bgp_bytes){ unknown_val, sizeof unknown_val };
	a->unknown_count = 1;
}

/* Render, compare, free. */
static void expect_json(json_t *j, const char *want)
{
	ck_assert_ptr_nonnull(j);
	char *got = json_dumps(j, JSON_COMPACT);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(j);
}

static struct attrstore *store;

static void setup(void) { store = attrstore_new(); }

static void teardown(void)
{
	ck_assert_uint_eq(attrstore_count(store), 0);
	attrstore_free(store);
}

START_TEST(every_attribute)
{
	struct bgp_attrs a;
	attrs_full(&a);
	struct attrset *set = attrset_intern(store, &a, nh4, 4);
	ck_assert_ptr_nonnull(set);
	struct bgp_prefix p = pfx("10.0.0.0/24", 0);
	expect_json(route_to_json(&p, set),
	    "{\"prefix\":\"10.0.0.0/24\",\"path_id\":0,\"origin\":\"igp\","
	    "\"as_path\":[65010,1,[2,3]],\"next_hop\":\"192.0.2.1\","
	    "\"med\":10,\"local_pref\":100,\"atomic_aggregate\":true,"
	    "\"aggregator\":\"65010:192.0.2.1\","
	    "\"communities\":[\"65010:1\",\"65535:65281\"],"
	    "\"ext_communities\":[\"rt:65010:1\",\"ro:192.0.2.1:7\","
	    "\"rt:4200000000:1\",\"rt:65010L:5\",\"0x4002fdf200000001\","
	    "\"0x8006000000000000\",\"0x0004fdf200000009\"],"
	    "\"large_communities\":[\"65010:1:2\",\"4200000000:0:4294967295\"],"
	    "\"originator_id\":\"192.0.2.9\","
	    "\"cluster_list\":[\"192.0.2.10\",\"192.0.2.11\"],"
	    "\"unknown\":[{\"type\":99,\"flags\":224,\"hex\":\"0a0b\"}]}");
	/* attrset_to_json: the same without prefix and path id. */
	json_t *j = attrset_to_json(set);
	ck_assert_ptr_null(json_object_get(j, "prefix"));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "med")), 10);
	ck_assert_uint_eq(json_object_size(j), 13);
	json_decref(j);
	attrset_put(set);
}
END_TEST

START_TEST(ipv6_link_local)
{
	static const uint8_t mp_nlri[] = { 32, 0x20, 0x01, 0x0d, 0xb8 };
	struct bgp_attrs a;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) |
	    BIT(BGP_ATTR_MP_REACH_NLRI);
	a.origin = BGP_ORIGIN_INCOMPLETE;
	a.as_path = (struct bgp_bytes){ path_set, 0 };  /* empty: iBGP origin */
	a.mp_reach.afi = BGP_AFI_IPV6;
	a.mp_reach.safi = BGP_SAFI_UNICAST;
	a.mp_reach.next_hop = (struct bgp_bytes){ nh6_ll, 32 };
	a.mp_reach.nlri = (struct bgp_bytes){ mp_nlri, sizeof mp_nlri };

	struct attrset *ll = attrset_intern(store, &a, nh6_ll, 32);
	struct attrset *global = attrset_intern(store, &a, nh6_ll, 16);
	struct bgp_prefix p = pfx("2001:db8::/32", 7);
	expect_json(route_to_json(&p, ll),
	    "{\"prefix\":\"2001:db8::/32\",\"path_id\":7,\"origin\":\"incomplete\","
	    "\"as_path\":[],\"next_hop\":\"2001:db8::1\",\"next_hop_ll\":\"fe80::1\"}");
	expect_json(attrset_to_json(global),
	    "{\"origin\":\"incomplete\",\"as_path\":[],\"next_hop\":\"2001:db8::1\"}");
	attrset_put(ll);
	attrset_put(global);
}
END_TEST

START_TEST(minimal_and_absent)
{
	struct bgp_attrs a;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN);
	a.origin = BGP_ORIGIN_EGP;
	struct attrset *set = attrset_intern(store, &a, nh4, 4);
	expect_json(attrset_to_json(set), "{\"origin\":\"egp\",\"next_hop\":\"192.0.2.1\"}");
	attrset_put(set);

	a.present = 0;
	set = attrset_intern(store, &a, NULL, 0);
	expect_json(attrset_to_json(set), "{}");
	attrset_put(set);
}
END_TEST

START_TEST(confederation_segments)
{
	static const uint8_t path[] = {
		BGP_AS_CONFED_SEQUENCE, 2, 0, 0, 0xfc, 0x00, 0, 0, 0xfc, 0x01,
		BGP_AS_CONFED_SET, 1, 0, 0, 0xfc, 0x02,
		BGP_AS_SEQUENCE, 1, 0xfa, 0x56, 0xea, 0x00,
		BGP_AS_SET, 1, 0, 0, 0xfd, 0xf2,
	};
	struct bgp_attrs a;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH);
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	struct attrset *set = attrset_intern(store, &a, nh4, 4);
	ck_assert_ptr_nonnull(set);
	expect_json(attrset_to_json(set),
	    "{\"origin\":\"igp\",\"as_path\":[{\"confed_sequence\":[64512,64513]},"
	    "{\"confed_set\":[64514]},4200000000,[65010]],"
	    "\"next_hop\":\"192.0.2.1\"}");
	attrset_put(set);
}
END_TEST

START_TEST(whole_rib)
{
	struct bgp_attrs a;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_MED);
	a.med = 1;
	struct attrset *x = attrset_intern(store, &a, nh4, 4);
	a.med = 2;
	struct attrset *y = attrset_intern(store, &a, nh6_ll, 16);
	struct adjrib *rib = adjrib_new(store);
	struct bgp_prefix p6 = pfx("2001:db8::/32", 0), p1 = pfx("10.0.0.0/24", 2),
	    p2 = pfx("10.0.0.0/24", 1);
	adjrib_announce(rib, &p6, y);
	adjrib_announce(rib, &p1, x);
	adjrib_announce(rib, &p2, x);

	expect_json(adjrib_to_json(rib, 0),
	    "[{\"prefix\":\"10.0.0.0/24\",\"path_id\":1,\"origin\":\"igp\","
	    "\"next_hop\":\"192.0.2.1\",\"med\":1},"
	    "{\"prefix\":\"10.0.0.0/24\",\"path_id\":2,\"origin\":\"igp\","
	    "\"next_hop\":\"192.0.2.1\",\"med\":1},"
	    "{\"prefix\":\"2001:db8::/32\",\"path_id\":0,\"origin\":\"igp\","
	    "\"next_hop\":\"2001:db8::1\",\"med\":2}]");
	expect_json(adjrib_to_json(rib, BGP_AFI_IPV6),
	    "[{\"prefix\":\"2001:db8::/32\",\"path_id\":0,\"origin\":\"igp\","
	    "\"next_hop\":\"2001:db8::1\",\"med\":2}]");
	adjrib_clear(rib);
	expect_json(adjrib_to_json(rib, 0), "[]");
	adjrib_free(rib);
	attrset_put(x);
	attrset_put(y);
}
END_TEST

/* An attribute section as a 2-octet neighbor sends it: AS_PATH with
 * AS_TRANS plus AS4_PATH, and an unknown optional non-transitive
 * attribute. As received (route_json_attrs) it shows the merged path and
 * the unknown attribute; interned, the non-transitive one is gone. */
START_TEST(received_on_as2_session)
{
	static const uint8_t wire[] = {
		0x40, BGP_ATTR_ORIGIN, 1, BGP_ORIGIN_IGP,
		0x40, BGP_ATTR_AS_PATH, 6, BGP_AS_SEQUENCE, 2, 0xfd, 0xf2, 0x5b, 0xa0,
		0x40, BGP_ATTR_NEXT_HOP, 4, 192, 0, 2, 1,
		0xc0, BGP_ATTR_AS4_PATH, 10, BGP_AS_SEQUENCE, 2,
		0, 0, 0xfd, 0xf2, 0xfa, 0x56, 0xea, 0x00,
		0x80, 99, 1, 0xff,
		0xc0, 100, 1, 0xee,
	};
	struct bgp_codec_ctx ctx = { .as4 = false, .ebgp = true, .max_len = 4096 };
	uint8_t scratch[BGP_ATTR_SCRATCH(sizeof wire)];
	struct bgp_attrs a;
	struct bgp_err err;
	ck_assert(bgp_attrs_decode(wire, sizeof wire, &ctx, scratch, sizeof scratch,
	    &a, &err));
	ck_assert_int_eq(err.tier, BGP_TIER_OK);

	expect_json(route_json_attrs(&a, a.next_hop, 4),
	    "{\"origin\":\"igp\",\"as_path\":[65010,4200000000],"
	    "\"next_hop\":\"192.0.2.1\",\"unknown\":["
	    "{\"type\":99,\"flags\":128,\"hex\":\"ff\"},"
	    "{\"type\":100,\"flags\":224,\"hex\":\"ee\"}]}");
	struct attrset *set = attrset_intern(store, &a, a.next_hop, 4);
	expect_json(attrset_to_json(set),
	    "{\"origin\":\"igp\",\"as_path\":[65010,4200000000],"
	    "\"next_hop\":\"192.0.2.1\",\"unknown\":["
	    "{\"type\":100,\"flags\":224,\"hex\":\"ee\"}]}");
	attrset_put(set);
}
END_TEST

/* An extended-length attribute (over 255 bytes) renders like any other. */
START_TEST(long_community_list)
{
	uint8_t many[4 * 100];
	for (int i = 0; i < 100; i++) {
		many[4 * i] = 0xfd;
		many[4 * i + 1] = 0xf2;
		many[4 * i + 2] = 0;
		many[4 * i + 3] = (uint8_t)i;
	}
	struct bgp_attrs a;
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_COMMUNITIES);
	a.communities = (struct bgp_bytes){ many, sizeof many };
	struct attrset *set = attrset_intern(store, &a, nh4, 4);
	json_t *j = attrset_to_json(set);
	json_t *c = json_object_get(j, "communities");
	ck_assert_uint_eq(json_array_size(c), 100);
	ck_assert_str_eq(json_string_value(json_array_get(c, 99)), "65010:99");
	json_decref(j);
	attrset_put(set);
}
END_TEST

/* The decoded view of a set renders exactly like the set. */
START_TEST(decoded_view_same_json)
{
	struct bgp_attrs a, d;
	attrs_full(&a);
	struct attrset *set = attrset_intern(store, &a, nh6_ll, 32);
	ck_assert(attrset_attrs(set, &d));
	size_t nh_len;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);
	json_t *x = attrset_to_json(set), *y = route_json_attrs(&d, nh, nh_len);
	ck_assert(json_equal(x, y));
	json_decref(x);
	json_decref(y);
	attrset_put(set);
}
END_TEST

static Suite *route_json_suite(void)
{
	Suite *s = suite_create("route_json");
	TCase *t = tcase_create("render");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, every_attribute);
	tcase_add_test(t, ipv6_link_local);
	tcase_add_test(t, minimal_and_absent);
	tcase_add_test(t, confederation_segments);
	tcase_add_test(t, whole_rib);
	tcase_add_test(t, received_on_as2_session);
	tcase_add_test(t, long_community_list);
	tcase_add_test(t, decoded_view_same_json);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(route_json_suite());
}
