/*
 * test_rib_snapshot.c — an Adj-RIB-In through its snapshot
 * (muxd/rib/rib_snapshot.h): the same paths (prefix, path id) with the
 * same attributes and next hops come back in another store, each set
 * written once; cut, bent or foreign bytes are refused and leave the
 * rib empty.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/rib/adjrib.h"
#include "muxd/rib/rib_snapshot.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static const uint8_t path_a[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0, 1 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };
static const uint8_t nh6[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1, 0xfe, 0x80, [31] = 1 };

static struct attrset *make_set(struct attrstore *s, uint32_t med, bool v6)
{
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_MED);
	a.origin = BGP_ORIGIN_IGP;
	a.as_path.p = path_a;
	a.as_path.len = sizeof path_a;
	a.med = med;
	if (!v6) {
		a.present |= BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, nh4, 4);
	}
	return attrset_intern(s, &a, v6 ? nh6 : nh4, v6 ? 32 : 4);
}

static struct bgp_prefix prefix(uint16_t afi, uint8_t len, uint8_t first, uint32_t id)
{
	struct bgp_prefix p;

	memset(&p, 0, sizeof p);
	p.afi = afi;
	p.len = len;
	p.path_id = id;
	p.addr[0] = first;
	p.addr[1] = afi == BGP_AFI_IPV6 ? 0x01 : 0;
	return p;
}

/* 300 IPv4 paths (100 prefixes x 3 path ids) over 7 sets, 20 IPv6 ones. */
static struct adjrib *sample(struct attrstore *s)
{
	struct adjrib *rib = adjrib_new(s);
	struct attrset *v4[7], *v6 = make_set(s, 99, true);

	for (int i = 0; i < 7; i++)
		v4[i] = make_set(s, (uint32_t)i, false);
	for (int i = 0; i < 100; i++)
		for (uint32_t id = 1; id <= 3; id++) {
			struct bgp_prefix p = prefix(BGP_AFI_IPV4, 24, (uint8_t)(i + 1), id);
			p.addr[2] = (uint8_t)i;
			ck_assert(adjrib_announce(rib, &p, v4[(i + id) % 7]));
		}
	for (int i = 0; i < 20; i++) {
		struct bgp_prefix p = prefix(BGP_AFI_IPV6, 48, 0x20, 0);
		p.addr[2] = (uint8_t)i;
		ck_assert(adjrib_announce(rib, &p, v6));
	}
	for (int i = 0; i < 7; i++)
		attrset_put(v4[i]);
	attrset_put(v6);
	return rib;
}

struct cmp {
	const struct adjrib *other;
	size_t seen;
};

/* Each path of one rib has the same attributes and next hop in the other. */
static int same_in_other(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct cmp *c = arg;
	struct attrset *o = adjrib_get(c->other, p);
	size_t la, lb, na, nb;

	ck_assert_ptr_nonnull(o);
	const uint8_t *wa = attrset_wire(set, &la), *wb = attrset_wire(o, &lb);
	const uint8_t *ha = attrset_next_hop(set, &na), *hb = attrset_next_hop(o, &nb);
	ck_assert(la == lb && memcmp(wa, wb, la) == 0);
	ck_assert(na == nb && memcmp(ha, hb, na) == 0);
	c->seen++;
	return 0;
}

START_TEST(round_trip)
{
	struct attrstore *s1 = attrstore_new(), *s2 = attrstore_new();
	struct adjrib *a = sample(s1), *b = adjrib_new(s2);
	size_t len, paths;
	char why[200];
	uint8_t *snap = rib_snapshot_write(a, &len);

	ck_assert_msg(rib_snapshot_read(b, s2, snap, len, &paths, why, sizeof why), "%s", why);
	ck_assert_uint_eq(paths, 320);
	ck_assert_uint_eq(adjrib_count(b, BGP_AFI_IPV4), 300);
	ck_assert_uint_eq(adjrib_count(b, BGP_AFI_IPV6), 20);
	ck_assert_uint_eq(attrstore_count(s2), 8);      /* each set once */
	struct cmp c = { b, 0 };
	adjrib_walk(a, BGP_AFI_IPV4, same_in_other, &c);
	adjrib_walk(a, BGP_AFI_IPV6, same_in_other, &c);
	ck_assert_uint_eq(c.seen, 320);
	/* and written again, the same bytes */
	size_t len2;
	uint8_t *again = rib_snapshot_write(b, &len2);
	ck_assert(len2 == len && memcmp(again, snap, len) == 0);
	free(again);
	free(snap);
	adjrib_free(a);
	adjrib_free(b);
	attrstore_free(s1);
	attrstore_free(s2);
}
END_TEST

START_TEST(truncated_refused_rib_untouched)
{
	struct attrstore *s1 = attrstore_new(), *s2 = attrstore_new();
	struct adjrib *a = sample(s1), *b = adjrib_new(s2);
	size_t len, paths;
	char why[200];
	uint8_t *snap = rib_snapshot_write(a, &len);

	for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 37) {
		ck_assert_msg(!rib_snapshot_read(b, s2, snap, cut, &paths, why, sizeof why),
		    "accepted %zu of %zu bytes", cut, len);
		ck_assert_uint_eq(adjrib_count(b, BGP_AFI_IPV4) + adjrib_count(b, BGP_AFI_IPV6), 0);
		ck_assert_uint_eq(attrstore_count(s2), 0);
	}
	free(snap);
	adjrib_free(a);
	adjrib_free(b);
	attrstore_free(s1);
	attrstore_free(s2);
}
END_TEST

/* A path naming a set that is not there; a set whose bytes are not in
 * canonical order (the MED before the ORIGIN). */
START_TEST(bad_index_and_non_canonical_refused)
{
	struct attrstore *s1 = attrstore_new(), *s2 = attrstore_new();
	struct adjrib *a = adjrib_new(s1), *b = adjrib_new(s2);
	struct attrset *set = make_set(s1, 5, false);
	struct bgp_prefix p = prefix(BGP_AFI_IPV4, 8, 10, 0);
	size_t len, paths, wlen;
	char why[200];

	adjrib_announce(a, &p, set);
	uint8_t *snap = rib_snapshot_write(a, &len);
	snap[len - 1] = 1;                      /* set index 1 of 1 */
	ck_assert(!rib_snapshot_read(b, s2, snap, len, &paths, why, sizeof why));
	ck_assert(strstr(why, "names no set") != NULL);
	snap[len - 1] = 0;
	/* the set's bytes start at 8 + 4 + 4 + 4: swap its first two attributes */
	const uint8_t *wire = attrset_wire(set, &wlen);
	uint8_t *at = snap + 20;
	ck_assert(memcmp(at, wire, wlen) == 0);
	size_t first = 3 + wire[2];             /* ORIGIN: flags, type, len, value */
	uint8_t *tmp = malloc(wlen);
	memcpy(tmp, wire + first, wlen - first);
	memcpy(tmp + wlen - first, wire, first);
	memcpy(at, tmp, wlen);
	free(tmp);
	ck_assert(!rib_snapshot_read(b, s2, snap, len, &paths, why, sizeof why));
	ck_assert_msg(strstr(why, "not canonical") != NULL, "%s", why);
	ck_assert_uint_eq(attrstore_count(s2), 0);
	attrset_put(set);
	free(snap);
	adjrib_free(a);
	adjrib_free(b);
	attrstore_free(s1);
	attrstore_free(s2);
}
END_TEST

START_TEST(empty_rib)
{
	struct attrstore *s = attrstore_new();
	struct adjrib *a = adjrib_new(s), *b = adjrib_new(s);
	size_t len, paths = 1;
	char why[200];
	uint8_t *snap = rib_snapshot_write(a, &len);

	ck_assert_uint_eq(len, 16);
	ck_assert(rib_snapshot_read(b, s, snap, len, &paths, why, sizeof why));
	ck_assert_uint_eq(paths, 0);
	free(snap);
	adjrib_free(a);
	adjrib_free(b);
	attrstore_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rib_snapshot");
	TCase *tc = tcase_create("snapshot");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, truncated_refused_rib_untouched);
	tcase_add_test(tc, bad_index_and_non_canonical_refused);
	tcase_add_test(tc, empty_rib);
	suite_add_tcase(s, tc);
	return check_run(s);
}
