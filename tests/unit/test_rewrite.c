/*
 * test_rewrite.c — control communities (standard and large, a 4-octet
 * gateway AS ignoring standard ones), where a route goes, prepends capped
 * at 3, private ASNs out, keep_asn, and the attributes left: exactly
 * ORIGIN and AS_PATH, decoded back.
 */
#include <check.h>
#include <string.h>

#include "instances/rewrite.h"
#include "tests/unit/check_run.h"

#define BIT(t) BGP_ATTR_BIT(t)

static uint8_t buf[4096];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A client route: AS_PATH [path...] as one AS_SEQUENCE, MED, communities. */
static struct bgp_attrs client_attrs(const uint32_t *path, size_t n,
    const uint32_t *comms, size_t nc, const uint32_t *lcs, size_t nl)
{
	static uint8_t p[1024], c[256], l[512], ext[8] = { 0, 2, 0xfd, 0xed, 0, 0, 0, 1 };
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_NEXT_HOP) |
	    BIT(BGP_ATTR_MED) | BIT(BGP_ATTR_COMMUNITIES) | BIT(BGP_ATTR_EXT_COMMUNITIES) |
	    BIT(BGP_ATTR_LARGE_COMMUNITIES);
	a.origin = BGP_ORIGIN_EGP;
	a.med = 77;
	p[0] = BGP_AS_SEQUENCE;
	p[1] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		put32(p + 2 + 4 * i, path[i]);
	a.as_path = (struct bgp_bytes){ p, (uint16_t)(2 + 4 * n) };
	for (size_t i = 0; i < nc; i++)
		put32(c + 4 * i, comms[i]);
	a.communities = (struct bgp_bytes){ c, (uint16_t)(4 * nc) };
	for (size_t i = 0; i < nl; i++)
		put32(l + 4 * i, lcs[i]);
	a.large_communities = (struct bgp_bytes){ l, (uint16_t)(4 * nl) };
	a.ext_communities = (struct bgp_bytes){ ext, 8 };
	return a;
}

START_TEST(default_goes_to_own_upstream_only)
{
	uint32_t path[] = { 65101 };
	struct bgp_attrs a = client_attrs(path, 1, NULL, 0, NULL, 0);
	struct rewrite_ctl ctl;
	unsigned pp;

	rewrite_control_read(&a, 65000, &ctl);
	ck_assert(rewrite_goes_to(&ctl, 1, 1, &pp));
	ck_assert_uint_eq(pp, 0);
	ck_assert(!rewrite_goes_to(&ctl, 1, 2, &pp));
}
END_TEST

START_TEST(standard_communities_steer)
{
	uint32_t path[] = { 65101 };
	/* announce to 2 and 3, never to 3, a foreign one, GW:0 ignored */
	uint32_t comms[] = { 65000u << 16 | 2, 65000u << 16 | 3, 65000u << 16 | 1003,
		65101u << 16 | 1, 65000u << 16 | 0 };
	struct bgp_attrs a = client_attrs(path, 1, comms, 5, NULL, 0);
	struct rewrite_ctl ctl;
	unsigned pp;

	rewrite_control_read(&a, 65000, &ctl);
	ck_assert(!rewrite_goes_to(&ctl, 1, 1, &pp));   /* named ones only */
	ck_assert(rewrite_goes_to(&ctl, 1, 2, &pp));
	ck_assert(!rewrite_goes_to(&ctl, 1, 3, &pp));   /* never wins */
	/* a 4-octet gateway AS reads no standard community */
	rewrite_control_read(&a, 4200000000u, &ctl);
	ck_assert_uint_eq(ctl.n_announce + ctl.n_never, 0);
	ck_assert(rewrite_goes_to(&ctl, 1, 1, &pp));
}
END_TEST

START_TEST(large_communities_steer_and_prepend)
{
	uint32_t path[] = { 65101 };
	uint32_t gw = 4200000000u;
	uint32_t lcs[] = { gw, 1, 1, gw, 1, 2, gw, 2, 1,  /* to 1, 2; never 1 */
		gw, 3, 2, gw, 3, 2, gw, 3, 2, gw, 3, 2,    /* four prepends to 2 */
		65101, 1, 3, gw, 9, 2 };                    /* foreign, unknown kind */
	struct bgp_attrs a = client_attrs(path, 1, NULL, 0, lcs, 27);
	struct rewrite_ctl ctl;
	unsigned pp;

	rewrite_control_read(&a, gw, &ctl);
	ck_assert(!rewrite_goes_to(&ctl, 1, 1, &pp));
	ck_assert(rewrite_goes_to(&ctl, 1, 2, &pp));
	ck_assert_uint_eq(pp, REWRITE_MAX_PREPEND);
	ck_assert(!rewrite_goes_to(&ctl, 1, 3, &pp));
}
END_TEST

START_TEST(private_ranges)
{
	ck_assert(!rewrite_asn_private(64511));
	ck_assert(rewrite_asn_private(64512));
	ck_assert(rewrite_asn_private(65534));
	ck_assert(rewrite_asn_private(65535));           /* RFC 7300 */
	ck_assert(!rewrite_asn_private(65536));
	ck_assert(!rewrite_asn_private(4199999999u));
	ck_assert(rewrite_asn_private(4200000000u));
	ck_assert(rewrite_asn_private(4294967295u));     /* RFC 7300 */
	ck_assert(!rewrite_asn_private(3130));
}
END_TEST

/* Rewrite and decode the result back. */
static struct bgp_attrs rewritten(const struct bgp_attrs *in, const struct rewrite_params *rp,
    unsigned prepend)
{
	static uint8_t scratch[8192];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_attrs out;
	struct bgp_err err;

	ck_assert(rewrite_attrs(in, rp, prepend, &w));
	ck_assert(bgp_attrs_decode(buf, w.len, &ctx, scratch, sizeof scratch, &out, &err));
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
	ck_assert_uint_eq(out.present, BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH));
	ck_assert_uint_eq(out.unknown_count, 0);
	return out;
}

static void path_is(struct bgp_bytes path, const char *want)
{
	char s[256];
	bgp_aspath_format(path, s, sizeof s);
	ck_assert_str_eq(s, want);
}

START_TEST(private_client_becomes_gateway)
{
	uint32_t path[] = { 65101, 64512, 65101 };
	uint32_t comms[] = { 65101u << 16 | 5, 65000u << 16 | 1 };
	struct bgp_attrs a = client_attrs(path, 3, comms, 2, NULL, 0);
	struct rewrite_params rp = { 65000, 65101, false };

	struct bgp_attrs out = rewritten(&a, &rp, 0);
	ck_assert_uint_eq(out.origin, BGP_ORIGIN_EGP);
	path_is(out.as_path, "65000");
	out = rewritten(&a, &rp, 2);
	path_is(out.as_path, "65000 65000 65000");
	out = rewritten(&a, &rp, 9);            /* capped */
	path_is(out.as_path, "65000 65000 65000 65000");
	rp.keep_asn = true;                     /* nothing public to keep */
	out = rewritten(&a, &rp, 0);
	path_is(out.as_path, "65000");
}
END_TEST

START_TEST(keep_asn_keeps_public_path)
{
	uint32_t path[] = { 3130, 64600, 3130, 4200000005u, 2914 };
	struct bgp_attrs a = client_attrs(path, 5, NULL, 0, NULL, 0);
	struct rewrite_params rp = { 65000, 3130, true };

	path_is(rewritten(&a, &rp, 1).as_path, "65000 65000 3130 3130 2914");
	rp.keep_asn = false;
	path_is(rewritten(&a, &rp, 0).as_path, "65000");
	/* a path that does not start with the client's ASN gets it in front */
	uint32_t bare[] = { 64600 };
	a = client_attrs(bare, 1, NULL, 0, NULL, 0);
	rp.keep_asn = true;
	path_is(rewritten(&a, &rp, 0).as_path, "65000 3130");
	a.as_path.len = 0;                      /* empty path (iBGP-style) */
	path_is(rewritten(&a, &rp, 0).as_path, "65000 3130");
}
END_TEST

START_TEST(same_input_same_bytes)
{
	uint32_t path[] = { 65101 };
	uint32_t c1[] = { 65101u << 16 | 1 }, c2[] = { 65101u << 16 | 2 };
	struct rewrite_params rp = { 65000, 65101, false };
	uint8_t b1[256], b2[256];
	struct wbuf w1 = wbuf_make(b1, sizeof b1), w2 = wbuf_make(b2, sizeof b2);

	struct bgp_attrs a = client_attrs(path, 1, c1, 1, NULL, 0);
	ck_assert(rewrite_attrs(&a, &rp, 0, &w1));
	a = client_attrs(path, 1, c2, 1, NULL, 0);
	a.med = 5;
	ck_assert(rewrite_attrs(&a, &rp, 0, &w2));
	/* the client's own communities and MED never show: identical bytes */
	ck_assert_uint_eq(w1.len, w2.len);
	ck_assert_mem_eq(b1, b2, w1.len);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rewrite");
	TCase *t = tcase_create("rewrite");
	tcase_add_test(t, default_goes_to_own_upstream_only);
	tcase_add_test(t, standard_communities_steer);
	tcase_add_test(t, large_communities_steer_and_prepend);
	tcase_add_test(t, private_ranges);
	tcase_add_test(t, private_client_becomes_gateway);
	tcase_add_test(t, keep_asn_keeps_public_path);
	tcase_add_test(t, same_input_same_bytes);
	suite_add_tcase(s, t);
	return check_run(s);
}
