/*
 * test_originated.c — the UPDATEs that carry the gateway's own routes:
 * IPv4 with NEXT_HOP = the session's local address, IPv6 in MP_REACH with
 * the IPv4-mapped local address (or the IPv6 one), withdrawals, a
 * 2-octet upstream (AS_TRANS + AS4_PATH), a family with no next hop on
 * the session refused; the table's set/replace/remove.
 */
#include <check.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "views/originated.h"
#include "tests/unit/check_run.h"

static uint8_t msg[4096], scratch[16384];

static struct bgp_prefix P(const char *s)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(s, &p));
	return p;
}

/* Canonical gateway attributes: ORIGIN IGP, AS_PATH 4200000001 3130. */
static size_t gw_attrs(uint8_t *out, size_t cap)
{
	static uint8_t path[] = { BGP_AS_SEQUENCE, 2, 0xfa, 0x56, 0xea, 0x01, 0, 0, 0x0c, 0x3a };
	struct bgp_attrs a;
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_EXT_MAX_LEN };
	struct wbuf w = wbuf_make(out, cap);

	memset(&a, 0, sizeof a);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
	a.origin = BGP_ORIGIN_IGP;
	a.as_path = (struct bgp_bytes){ path, sizeof path };
	bgp_attrs_encode(&w, &a, &ctx);
	return w.len;
}

static struct bgp_update decode(size_t n, const struct bgp_codec_ctx *ctx)
{
	struct bgp_update u;
	struct bgp_err err;

	ck_assert_uint_gt(n, BGP_HEADER_LEN);
	ck_assert_uint_eq(msg[18], BGP_UPDATE);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, n - BGP_HEADER_LEN, ctx, scratch,
	    sizeof scratch, &u, &err));
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
	return u;
}

static struct bgp_codec_ctx tx4 = { .as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN };

START_TEST(ipv4_next_hop_is_local)
{
	uint8_t attrs[64];
	size_t alen = gw_attrs(attrs, sizeof attrs);
	struct sockaddr_mux local;
	struct wbuf w = wbuf_make(msg, sizeof msg);
	struct bgp_prefix p = P("184.164.224.0/24");
	char path[64];

	ck_assert(sockaddr_parse("127.0.110.1", 0, &local));
	struct bgp_update u = decode(originated_encode(&w, &p, attrs, alen, &tx4, &local, NULL), &tx4);
	static const uint8_t nh[] = { 127, 0, 110, 1 };
	ck_assert_mem_eq(u.attrs.next_hop, nh, 4);
	ck_assert_uint_eq(u.attrs.present, BGP_ATTR_BIT(BGP_ATTR_ORIGIN) |
	    BGP_ATTR_BIT(BGP_ATTR_AS_PATH) | BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP));
	bgp_aspath_format(u.attrs.as_path, path, sizeof path);
	ck_assert_str_eq(path, "4200000001 3130");
	ck_assert_uint_eq(u.nlri.len, 4);       /* 24, 184, 164, 224 */
	/* the withdrawal */
	w = wbuf_make(msg, sizeof msg);
	u = decode(originated_encode(&w, &p, NULL, 0, &tx4, &local, NULL), &tx4);
	ck_assert_uint_eq(u.withdrawn.len, 4);
	ck_assert_uint_eq(u.nlri.len, 0);
}
END_TEST

START_TEST(ipv6_next_hops)
{
	uint8_t attrs[64];
	size_t alen = gw_attrs(attrs, sizeof attrs);
	struct sockaddr_mux l4, l6;
	struct wbuf w = wbuf_make(msg, sizeof msg);
	struct bgp_prefix p = P("2001:db8:100::/48");
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 110, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

	ck_assert(sockaddr_parse("127.0.110.1", 0, &l4));
	ck_assert(sockaddr_parse("2001:db8::9", 0, &l6));
	struct bgp_update u = decode(originated_encode(&w, &p, attrs, alen, &tx4, &l4, NULL), &tx4);
	ck_assert(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI));
	ck_assert_uint_eq(u.attrs.mp_reach.afi, BGP_AFI_IPV6);
	ck_assert_uint_eq(u.attrs.mp_reach.next_hop.len, 16);
	ck_assert_mem_eq(u.attrs.mp_reach.next_hop.p, mapped, 16);
	w = wbuf_make(msg, sizeof msg);
	u = decode(originated_encode(&w, &p, attrs, alen, &tx4, &l6, NULL), &tx4);
	ck_assert_mem_eq(u.attrs.mp_reach.next_hop.p, v6, 16);
	/* an IPv4 route has no next hop on an IPv6 session */
	struct bgp_prefix p4 = P("184.164.224.0/24");
	w = wbuf_make(msg, sizeof msg);
	ck_assert_uint_eq(originated_encode(&w, &p4, attrs, alen, &tx4, &l6, NULL), 0);
	/* configured next hops for the other family win over the mapped one */
	struct originated_nh other = { &l4, &l6 };
	w = wbuf_make(msg, sizeof msg);
	u = decode(originated_encode(&w, &p, attrs, alen, &tx4, &l4, &other), &tx4);
	ck_assert_mem_eq(u.attrs.mp_reach.next_hop.p, v6, 16);
	w = wbuf_make(msg, sizeof msg);
	u = decode(originated_encode(&w, &p4, attrs, alen, &tx4, &l6, &other), &tx4);
	static const uint8_t nh4[] = { 127, 0, 110, 1 };
	ck_assert_mem_eq(u.attrs.next_hop, nh4, 4);
	/* the IPv6 withdrawal */
	w = wbuf_make(msg, sizeof msg);
	u = decode(originated_encode(&w, &p, NULL, 0, &tx4, &l4, NULL), &tx4);
	ck_assert(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI));
}
END_TEST

START_TEST(two_octet_upstream)
{
	uint8_t attrs[64];
	size_t alen = gw_attrs(attrs, sizeof attrs);
	struct sockaddr_mux local;
	struct wbuf w = wbuf_make(msg, sizeof msg);
	struct bgp_prefix p = P("184.164.224.0/24");
	struct bgp_codec_ctx tx2 = { .as4 = false, .ebgp = true, .max_len = BGP_MAX_LEN };
	char path[64];

	ck_assert(sockaddr_parse("127.0.110.1", 0, &local));
	/* decoded as the 2-octet neighbor would: AS4_PATH merged back */
	struct bgp_update u = decode(originated_encode(&w, &p, attrs, alen, &tx2, &local, NULL), &tx2);
	bgp_aspath_format(u.attrs.as_path, path, sizeof path);
	ck_assert_str_eq(path, "4200000001 3130");
}
END_TEST

START_TEST(table)
{
	struct originated *o = originated_new();
	struct bgp_prefix p = P("184.164.224.0/24");
	uint8_t a[] = { 1, 2, 3 }, b[] = { 4, 5 };
	size_t len;

	ck_assert(originated_set(o, &p, a, 3));
	ck_assert(!originated_set(o, &p, a, 3));
	ck_assert(originated_set(o, &p, b, 2));
	ck_assert_mem_eq(originated_get(o, &p, &len), b, 2);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(originated_count(o), 1);
	ck_assert(originated_set(o, &p, NULL, 0));
	ck_assert(!originated_set(o, &p, NULL, 0));
	ck_assert_ptr_null(originated_get(o, &p, &len));
	/* no session: nothing sent, nothing crashes */
	ck_assert(!originated_send(o, NULL, &p, a, 3));
	originated_free(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("originated");
	TCase *t = tcase_create("originated");
	tcase_add_test(t, ipv4_next_hop_is_local);
	tcase_add_test(t, ipv6_next_hops);
	tcase_add_test(t, two_octet_upstream);
	tcase_add_test(t, table);
	suite_add_tcase(s, t);
	return check_run(s);
}
