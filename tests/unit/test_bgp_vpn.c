/*
 * test_bgp_vpn.c — VPN routes on the wire (muxd/bgp/bgp_vpn.h): route
 * distinguishers and their text, UPDATEs a real daemon sent decoded
 * exactly, the same NLRI encoded back byte for byte, packer round trips
 * with ADD-PATH, and every truncation refused.
 *
 * The captured UPDATEs come from GoBGP 3.10 (Debian 12): gobgpd with AS
 * 65000, families l3vpn-ipv4-unicast and l3vpn-ipv6-unicast with
 * add-paths send-max 8, routes added with
 *   gobgp global rib -a vpnv4 add 10.0.0.0/24 label 100 rd 65000:1 rt 65000:1 nexthop 192.0.2.1
 *   gobgp global rib -a vpnv4 add 10.1.0.0/16 label 101 rd 65000:2 rt 65000:2 nexthop 192.0.2.2 med 20
 *   gobgp global rib -a vpnv6 add 2001:db8:1::/48 label 200 rd 4200000000:7 rt 65000:1 nexthop 2001:db8::1
 *   gobgp global rib -a vpnv6 add 2001:db8:2::/64 label 201 rd 192.0.2.9:3 rt 65000:1 nexthop 2001:db8::2
 * then deleted again (the withdrawals), read by a small speaker over
 * 127.0.240.1-2 that offered ADD-PATH (or not) for both families and
 * printed each message in hex. GoBGP wrote the RD 4200000000:7 as type 0
 * 65535:7: that is what it sent, so that is what is expected.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_vpn.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

/* ---- route distinguishers ------------------------------------------- */

static const struct {
	const char *text;
	const char *bytes;      /* NULL: parse refuses it */
} rd_vecs[] = {
	{ "65000:1", "00 00 fd e8 00 00 00 01" },
	{ "0:0", "00 00 00 00 00 00 00 00" },
	{ "65535:4294967295", "00 00 ff ff ff ff ff ff" },
	{ "192.0.2.9:3", "00 01 c0 00 02 09 00 03" },
	{ "4200000000:7", "00 02 fa 56 ea 00 00 07" },
	{ "65000L:7", "00 02 00 00 fd e8 00 07" },
	{ "65536:65535", "00 02 00 01 00 00 ff ff" },
	{ "65536:65536", NULL },                /* type 2: 2-octet number */
	{ "65000:4294967296", NULL },
	{ "4294967296:1", NULL },
	{ "192.0.2.9:65536", NULL },
	{ "192.0.2:1", NULL },
	{ "65000", NULL },
	{ "1:2:3", NULL },
	{ ":1", NULL },
	{ "1:", NULL },
	{ "L:1", NULL },
	{ "01:1", NULL },
	{ "-1:1", NULL },
	{ "+1:1", NULL },
	{ " 1:1", NULL },
	{ "1:1 ", NULL },
	{ "", NULL },
};

START_TEST(test_rd_text)
{
	struct bgp_rd rd, want;
	char buf[BGP_RD_STRLEN];
	const char *bytes = rd_vecs[_i].bytes;
	const char *text = rd_vecs[_i].text;

	memset(&rd, 0xaa, sizeof rd);
	if (bytes == NULL) {
		ck_assert_msg(!bgp_rd_parse(text, &rd), "'%s' parsed", text);
		return;
	}
	ck_assert_msg(bgp_rd_parse(text, &rd), "'%s' refused", text);
	ck_assert_uint_eq(hex(bytes, want.b, sizeof want.b), BGP_RD_LEN);
	ck_assert_msg(memcmp(rd.b, want.b, BGP_RD_LEN) == 0, "'%s' bytes", text);
	bgp_rd_format(&rd, buf, sizeof buf);
	ck_assert_str_eq(buf, text);
}
END_TEST

START_TEST(test_rd_make)
{
	struct bgp_rd rd;
	char buf[BGP_RD_STRLEN];

	ck_assert(bgp_rd_make(65000, 1, &rd));
	ck_assert_uint_eq(bgp_rd_type(&rd), BGP_RD_TYPE_AS2);
	bgp_rd_format(&rd, buf, sizeof buf);
	ck_assert_str_eq(buf, "65000:1");
	ck_assert(bgp_rd_make(65000, 100000, &rd));
	bgp_rd_format(&rd, buf, sizeof buf);
	ck_assert_str_eq(buf, "65000:100000");
	ck_assert(bgp_rd_make(4200000000u, 65535, &rd));
	ck_assert_uint_eq(bgp_rd_type(&rd), BGP_RD_TYPE_AS4);
	bgp_rd_format(&rd, buf, sizeof buf);
	ck_assert_str_eq(buf, "4200000000:65535");
	ck_assert(!bgp_rd_make(4200000000u, 65536, &rd));
	/* another type: shown, never parsed */
	memcpy(rd.b, "\x00\x07\x01\x02\x03\x04\x05\x06", 8);
	bgp_rd_format(&rd, buf, sizeof buf);
	ck_assert_str_eq(buf, "rd-type-7:010203040506");
	ck_assert(!bgp_rd_parse(buf, &rd));
	bgp_rd_format(&rd, buf, 4);
	ck_assert_str_eq(buf, "rd-");
}
END_TEST

/* ---- GoBGP's UPDATEs ------------------------------------------------- */

struct want_route {
	uint32_t path_id, label;        /* label: the 20-bit value */
	const char *vpn;                /* bgp_vpn_format */
};

struct capture {
	const char *name;
	const char *msg;                /* the whole message, header included */
	bool addpath, withdraw;
	uint16_t afi;
	const char *nh;                 /* the next hop's address, or NULL */
	struct want_route route;
	const char *nlri;               /* the NLRI bytes alone */
};

static const struct capture caps[] = {
	{ "vpnv4 ADD-PATH",
	  "ffffffffffffffffffffffffffffffff005702000000404001010240020040050400000064"
	  "800e240001800c0000000000000000c00002010000000001700006410000fde8000000010a"
	  "0000c010080002fde800000001",
	  true, false, BGP_AFI_IPV4, "192.0.2.1", { 1, 100, "65000:1:10.0.0.0/24" },
	  "00000001 70 000641 0000fde800000001 0a0000" },
	{ "vpnv4 ADD-PATH MED",
	  "ffffffffffffffffffffffffffffffff005d0200000046400101024002008004040000001440"
	  "050400000064800e230001800c0000000000000000c00002020000000002680006510000fde8"
	  "000000020a01c010080002fde800000002",
	  true, false, BGP_AFI_IPV4, "192.0.2.2", { 2, 101, "65000:2:10.1.0.0/16" },
	  "00000002 68 000651 0000fde800000002 0a01" },
	{ "vpnv6 ADD-PATH",
	  "ffffffffffffffffffffffffffffffff0066020000004f4001010240020040050400000064800e"
	  "3300028018000000000000000020010db8000000000000000000000001000000000188000c81"
	  "0000ffff0000000720010db80001c010080002fde800000001",
	  true, false, BGP_AFI_IPV6, "2001:db8::1", { 1, 200, "65535:7:2001:db8:1::/48" },
	  "00000001 88 000c81 0000ffff00000007 20010db80001" },
	{ "vpnv6 ADD-PATH, type 1 RD",
	  "ffffffffffffffffffffffffffffffff006802000000514001010240020040050400000064800e"
	  "3500028018000000000000000020010db8000000000000000000000002000000000198000c91"
	  "0001c0000209000320010db800020000c010080002fde800000001",
	  true, false, BGP_AFI_IPV6, "2001:db8::2",
	  { 1, 201, "192.0.2.9:3:2001:db8:2::/64" },
	  "00000001 98 000c91 0001c00002090003 20010db800020000" },
	{ "vpnv4 ADD-PATH withdrawn",
	  "ffffffffffffffffffffffffffffffff00300200000019800f1600018000000001700006410000"
	  "fde8000000010a0000",
	  true, true, BGP_AFI_IPV4, NULL, { 1, 100, "65000:1:10.0.0.0/24" },
	  "00000001 70 000641 0000fde800000001 0a0000" },
	{ "vpnv6 ADD-PATH withdrawn",
	  "ffffffffffffffffffffffffffffffff0033020000001c800f190002800000000188000c810000"
	  "ffff0000000720010db80001",
	  true, true, BGP_AFI_IPV6, NULL, { 1, 200, "65535:7:2001:db8:1::/48" },
	  "00000001 88 000c81 0000ffff00000007 20010db80001" },
	{ "vpnv4",
	  "ffffffffffffffffffffffffffffffff00590200000042400101024002008004040000001440"
	  "050400000064800e1f0001800c0000000000000000c000020200680006510000fde800000002"
	  "0a01c010080002fde800000002",
	  false, false, BGP_AFI_IPV4, "192.0.2.2", { 0, 101, "65000:2:10.1.0.0/16" },
	  "68 000651 0000fde800000002 0a01" },
	{ "vpnv6",
	  "ffffffffffffffffffffffffffffffff0064020000004d4001010240020040050400000064800e"
	  "3100028018000000000000000020010db80000000000000000000000020098000c910001c000"
	  "0209000320010db800020000c010080002fde800000001",
	  false, false, BGP_AFI_IPV6, "2001:db8::2",
	  { 0, 201, "192.0.2.9:3:2001:db8:2::/64" },
	  "98 000c91 0001c00002090003 20010db800020000" },
};

static uint8_t msg[4096], scratch[BGP_ATTR_SCRATCH(4096)];

static struct bgp_codec_ctx vpn_ctx(bool addpath)
{
	struct bgp_codec_ctx c = { .as4 = true, .max_len = BGP_MAX_LEN };

	c.addpath[AID_IPV4_VPN] = c.addpath[AID_IPV6_VPN] = addpath;
	return c;
}

/* Decode the capture's message; its VPN NLRI block and next hop. */
static void capture_decode(const struct capture *c, size_t *len,
    struct bgp_update *u, struct bgp_bytes *nlri)
{
	struct bgp_codec_ctx ctx = vpn_ctx(c->addpath);
	struct bgp_err err;

	*len = hex(c->msg, msg, sizeof msg);
	ck_assert_uint_eq(be16(msg + 16), *len);
	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, *len - BGP_HEADER_LEN,
	    &ctx, scratch, sizeof scratch, u, &err));
	ck_assert_msg(err.tier == BGP_TIER_OK, "%s: tier %d (%s)", c->name,
	    err.tier, err.why ? err.why : "-");
	uint8_t type = c->withdraw ? BGP_ATTR_MP_UNREACH_NLRI : BGP_ATTR_MP_REACH_NLRI;
	ck_assert(u->attrs.present & BGP_ATTR_BIT(type));
	if (c->withdraw) {
		ck_assert_uint_eq(u->attrs.mp_unreach.afi, c->afi);
		ck_assert_uint_eq(u->attrs.mp_unreach.safi, BGP_SAFI_VPN);
		*nlri = u->attrs.mp_unreach.nlri;
	} else {
		ck_assert_uint_eq(u->attrs.mp_reach.afi, c->afi);
		ck_assert_uint_eq(u->attrs.mp_reach.safi, BGP_SAFI_VPN);
		*nlri = u->attrs.mp_reach.nlri;
	}
}

static void check_next_hop(const struct capture *c, struct bgp_bytes nh)
{
	uint8_t addr[16], ll[16], want[16];
	size_t addr_len;
	bool has_ll;
	int inet = c->afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6;

	ck_assert(bgp_vpn_nh_read(nh, c->afi, addr, &addr_len, ll, &has_ll));
	ck_assert(!has_ll);
	ck_assert_uint_eq(addr_len, c->afi == BGP_AFI_IPV4 ? 4 : 16);
	ck_assert_int_eq(inet_pton(inet, c->nh, want), 1);
	ck_assert(memcmp(addr, want, addr_len) == 0);
	/* and made again, byte for byte */
	uint8_t out[BGP_VPN_NH_MAX];
	ck_assert_uint_eq(bgp_vpn_nh_make(out, addr, addr_len, NULL), nh.len);
	ck_assert(memcmp(out, nh.p, nh.len) == 0);
}

START_TEST(test_capture_decode)
{
	const struct capture *c = &caps[_i];
	struct bgp_update u;
	struct bgp_bytes nlri;
	struct bgp_vpn_prefix vp;
	char text[BGP_VPN_STRLEN];
	size_t len;

	capture_decode(c, &len, &u, &nlri);
	ck_assert_int_eq(bgp_vpn_count(nlri.p, nlri.len, c->afi, c->addpath,
	    c->withdraw), 1);
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	ck_assert(bgp_vpn_next(&r, c->afi, c->addpath, c->withdraw, &vp));
	ck_assert(rbuf_empty(&r));
	ck_assert_uint_eq(vp.p.path_id, c->route.path_id);
	ck_assert_uint_eq(vp.nlabels, 1);
	ck_assert_uint_eq(vp.labels[0], BGP_VPN_LABEL(c->route.label));
	bgp_vpn_format(&vp, text, sizeof text);
	ck_assert_str_eq(text, c->route.vpn);
	if (!c->withdraw)
		check_next_hop(c, u.attrs.mp_reach.next_hop);
	/* the attributes beside MP_REACH: a route target 65000:N */
	if (!c->withdraw)
		ck_assert_uint_eq(u.attrs.ext_communities.len, 8);
}
END_TEST

/* The NLRI written again from what was read: GoBGP's bytes exactly. */
START_TEST(test_capture_encode)
{
	const struct capture *c = &caps[_i];
	struct bgp_update u;
	struct bgp_bytes nlri;
	struct bgp_vpn_prefix vp;
	uint8_t want[64], out[64];
	size_t len;

	capture_decode(c, &len, &u, &nlri);
	size_t n = hex(c->nlri, want, sizeof want);
	ck_assert_uint_eq(nlri.len, n);
	ck_assert(memcmp(nlri.p, want, n) == 0);
	struct rbuf r = rbuf_make(want, n);
	ck_assert(bgp_vpn_next(&r, c->afi, c->addpath, c->withdraw, &vp));
	struct wbuf w = wbuf_make(out, sizeof out);
	bgp_vpn_put(&w, &vp, c->addpath);
	ck_assert(!w.overflow);
	ck_assert_uint_eq(w.len, n);
	ck_assert_uint_eq(bgp_vpn_size(&vp, c->addpath), n);
	ck_assert(memcmp(out, want, n) == 0);
}
END_TEST

/* Every truncation of the message is refused; so is every truncation of
 * its VPN NLRI, alone and inside an MP attribute whose lengths were
 * made to agree (the prefix itself is what is short: reset 3/9). */
START_TEST(test_capture_truncated)
{
	const struct capture *c = &caps[_i];
	struct bgp_codec_ctx ctx = vpn_ctx(c->addpath);
	struct bgp_update u;
	struct bgp_bytes nlri;
	struct bgp_err err;
	uint8_t body[512];
	size_t len;

	capture_decode(c, &len, &u, &nlri);
	for (size_t k = 0; k < len - BGP_HEADER_LEN; k++)
		ck_assert_msg(!bgp_update_decode(msg + BGP_HEADER_LEN, k, &ctx,
		    scratch, sizeof scratch, &u, &err), "%s cut at %zu", c->name, k);
	size_t at = (size_t)(nlri.p - msg), full = nlri.len;
	size_t attr_len_at = BGP_HEADER_LEN + 2 + be16(msg + BGP_HEADER_LEN) + 0;
	for (size_t k = 1; k < full; k++) {
		ck_assert_int_eq(bgp_vpn_count(nlri.p, k, c->afi, c->addpath,
		    c->withdraw), -1);
		/* The NLRI is the MP attribute's last field and the MP
		 * attribute its section's... up to what follows it: cut the
		 * NLRI short by full - k and shorten both lengths. */
		size_t cut = full - k, blen = len - BGP_HEADER_LEN - cut;
		ck_assert(blen <= sizeof body);
		memcpy(body, msg + BGP_HEADER_LEN, at + k - BGP_HEADER_LEN);
		memcpy(body + at + k - BGP_HEADER_LEN, msg + at + full,
		    len - at - full);
		uint16_t alen = (uint16_t)(be16(msg + attr_len_at) - cut);
		body[attr_len_at - BGP_HEADER_LEN] = (uint8_t)(alen >> 8);
		body[attr_len_at - BGP_HEADER_LEN + 1] = (uint8_t)alen;
		/* the MP attribute's own length: one octet, just before AFI */
		uint8_t *mp = (uint8_t *)memchr(body + attr_len_at - BGP_HEADER_LEN + 2,
		    c->withdraw ? BGP_ATTR_MP_UNREACH_NLRI : BGP_ATTR_MP_REACH_NLRI,
		    blen);
		ck_assert(mp != NULL && mp[-1] == BGP_ATTR_F_OPTIONAL);
		mp[1] = (uint8_t)(mp[1] - cut);
		ck_assert_msg(!bgp_update_decode(body, blen, &ctx, scratch,
		    sizeof scratch, &u, &err), "%s NLRI cut to %zu", c->name, k);
		ck_assert_uint_eq(err.code, BGP_ERR_UPDATE);
		ck_assert_uint_eq(err.subcode, BGP_ERR_UPD_OPTIONAL);
	}
}
END_TEST

/* ---- malformed prefixes ---------------------------------------------- */

static const struct {
	const char *name;
	uint16_t afi;
	bool addpath, withdraw;
	const char *bytes;
} bad[] = {
	{ "length shorter than label + RD", BGP_AFI_IPV4, false, false,
	  "50 000641 0000fde800000001" },
	{ "length covers half the RD", BGP_AFI_IPV4, false, false,
	  "40 000641 0000fde8 00000001" },
	{ "IPv4 prefix /33", BGP_AFI_IPV4, false, false,
	  "79 000641 0000fde800000001 0a000000 00" },
	{ "IPv6 prefix /129", BGP_AFI_IPV6, false, false,
	  "d9 000c81 0000fde800000001 20010db8000000000000000000000000 00" },
	{ "no bottom of stack in four labels", BGP_AFI_IPV4, false, false,
	  "b8 000640 000640 000640 000640 0000fde800000001 0a0000" },
	{ "no bottom of stack before the bytes end", BGP_AFI_IPV4, false, false,
	  "58 000640 0000fc00 00000000" },
	{ "path id cut", BGP_AFI_IPV4, true, false, "000000" },
	{ "length only", BGP_AFI_IPV4, false, false, "70" },
	{ "another AFI", 25, false, false, "70 000641 0000fde800000001 0a0000" },
	{ "withdrawal shorter than its label field", BGP_AFI_IPV4, false, true,
	  "10 8000" },
};

START_TEST(test_malformed)
{
	uint8_t b[64];
	struct bgp_vpn_prefix vp;
	size_t n = hex(bad[_i].bytes, b, sizeof b);
	struct rbuf r = rbuf_make(b, n);

	ck_assert_msg(!bgp_vpn_next(&r, bad[_i].afi, bad[_i].addpath,
	    bad[_i].withdraw, &vp), "%s read", bad[_i].name);
	ck_assert(r.p == b && r.len == n);
	ck_assert_int_eq(bgp_vpn_count(b, n, bad[_i].afi, bad[_i].addpath,
	    bad[_i].withdraw), -1);
}
END_TEST

/* RFC 8277 §2.4: a withdrawal's label field is one entry, whatever it
 * holds; an announcement's stack runs to its bottom. */
START_TEST(test_labels)
{
	uint8_t b[64];
	struct bgp_vpn_prefix vp;
	char text[BGP_VPN_STRLEN];
	size_t n = hex("70 800000 0000fde800000001 0a0000", b, sizeof b);
	struct rbuf r = rbuf_make(b, n);

	ck_assert(bgp_vpn_next(&r, BGP_AFI_IPV4, false, true, &vp));
	ck_assert_uint_eq(vp.nlabels, 1);
	ck_assert_uint_eq(vp.labels[0], BGP_VPN_LABEL_WITHDRAW);
	bgp_vpn_format(&vp, text, sizeof text);
	ck_assert_str_eq(text, "65000:1:10.0.0.0/24");
	/* As an announcement the same field begins a stack: read on to a
	 * bottom, which (in this RD) never comes. */
	n = hex("70 800000 0000fc0000000001 0a0000", b, sizeof b);
	r = rbuf_make(b, n);
	ck_assert(bgp_vpn_next(&r, BGP_AFI_IPV4, false, true, &vp));
	r = rbuf_make(b, n);
	ck_assert(!bgp_vpn_next(&r, BGP_AFI_IPV4, false, false, &vp));

	n = hex("89 000640 000c81 0000fde800000001 0a0000ff", b, sizeof b);
	r = rbuf_make(b, n);
	ck_assert(bgp_vpn_next(&r, BGP_AFI_IPV4, false, false, &vp));
	ck_assert_uint_eq(vp.nlabels, 2);
	ck_assert_uint_eq(vp.labels[0], 0x000640);
	ck_assert_uint_eq(vp.labels[1], BGP_VPN_LABEL(200));
	ck_assert_uint_eq(vp.p.len, 25);
	ck_assert_uint_eq(vp.p.addr[3], 0x80);  /* host bits cleared */
	uint8_t out[64];
	struct wbuf w = wbuf_make(out, sizeof out);
	bgp_vpn_put(&w, &vp, false);
	ck_assert_uint_eq(w.len, n);
	ck_assert(memcmp(out, b, n - 1) == 0 && out[n - 1] == 0x80);
}
END_TEST

START_TEST(test_put_refuses)
{
	uint8_t out[64];
	struct wbuf w = wbuf_make(out, sizeof out);
	struct bgp_vpn_prefix vp = { .p = { .afi = BGP_AFI_IPV4, .len = 24 } };

	bgp_vpn_put(&w, &vp, false);            /* no label */
	ck_assert(w.overflow);
	w = wbuf_make(out, sizeof out);
	vp.nlabels = BGP_VPN_MAX_LABELS + 1;
	bgp_vpn_put(&w, &vp, false);
	ck_assert(w.overflow);
	w = wbuf_make(out, sizeof out);
	vp.nlabels = 1;
	vp.p.len = 129;
	bgp_vpn_put(&w, &vp, false);
	ck_assert(w.overflow);
}
END_TEST

/* ---- next hops ---------------------------------------------------------- */

START_TEST(test_next_hops)
{
	uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t ll[16] = { 0xfe, 0x80, [15] = 9 }, out[BGP_VPN_NH_MAX];
	uint8_t addr[16], got_ll[16];
	size_t addr_len;
	bool has_ll;

	ck_assert_uint_eq(bgp_vpn_nh_make(out, v4, 4, NULL), 12);
	ck_assert(bgp_vpn_nh_read((struct bgp_bytes){ out, 12 }, BGP_AFI_IPV4,
	    addr, &addr_len, got_ll, &has_ll));
	ck_assert(addr_len == 4 && !has_ll && memcmp(addr, v4, 4) == 0);
	ck_assert_uint_eq(bgp_vpn_nh_make(out, v6, 16, ll), 48);
	for (size_t i = 0; i < 8; i++)
		ck_assert(out[i] == 0 && out[24 + i] == 0);
	ck_assert(bgp_vpn_nh_read((struct bgp_bytes){ out, 48 }, BGP_AFI_IPV6,
	    addr, &addr_len, got_ll, &has_ll));
	ck_assert(addr_len == 16 && has_ll && memcmp(addr, v6, 16) == 0 &&
	    memcmp(got_ll, ll, 16) == 0);
	/* RFC 8950: VPNv4 over an IPv6 next hop */
	ck_assert(bgp_vpn_nh_len_ok(BGP_AFI_IPV4, 24));
	ck_assert(!bgp_vpn_nh_len_ok(BGP_AFI_IPV6, 12));
	ck_assert(!bgp_vpn_nh_len_ok(BGP_AFI_IPV4, 4));
	ck_assert(!bgp_vpn_nh_len_ok(BGP_AFI_IPV6, 16));
	ck_assert(!bgp_vpn_nh_len_ok(BGP_AFI_IPV6, 32));
	ck_assert(!bgp_vpn_nh_read((struct bgp_bytes){ out, 16 }, BGP_AFI_IPV6,
	    addr, &addr_len, got_ll, &has_ll));
	ck_assert_uint_eq(bgp_vpn_nh_make(out, v4, 4, ll), 0);
	ck_assert_uint_eq(bgp_vpn_nh_make(out, v4, 5, NULL), 0);
}
END_TEST

/* ---- packing ------------------------------------------------------------ */

#define ROUTES 6000

/* A route set with every shape: both RD types, lengths 0..max, one or
 * two labels, path ids. */
static void make_route(unsigned i, uint16_t afi, struct bgp_vpn_prefix *vp)
{
	unsigned max = afi == BGP_AFI_IPV4 ? 32 : 128;

	memset(vp, 0, sizeof *vp);
	vp->p.afi = afi;
	vp->p.len = (uint8_t)(i % (max + 1));
	for (unsigned b = 0; b < vp->p.len / 8; b++)
		vp->p.addr[b] = (uint8_t)(i * 7 + b + 1);
	if (vp->p.len % 8)
		vp->p.addr[vp->p.len / 8] =
		    (uint8_t)(0xff << (8 - vp->p.len % 8)) & (uint8_t)(i * 13 + 1);
	vp->p.path_id = i * 2654435761u;
	ck_assert(bgp_rd_make(i % 3 ? 65000 : 4200000000u, i % 11, &vp->rd));
	vp->nlabels = 1 + i % 2;
	vp->labels[0] = i % 2 ? (uint32_t)(16 + i) << 4 : BGP_VPN_LABEL(16 + i);
	if (vp->nlabels == 2)
		vp->labels[1] = BGP_VPN_LABEL(3);
}

/* Pack ROUTES routes of afi into UPDATEs of max_len, decode each, and
 * read back the same routes in order (a withdrawal's with the label
 * field 0x800000). */
static void pack_round_trip(uint16_t afi, bool addpath, bool withdraw,
    size_t max_len)
{
	static uint8_t buf[1 << 20];
	static const uint8_t attrs[] = { 0x40, 1, 1, 0, 0x40, 2, 0,
	    0x40, 5, 4, 0, 0, 0, 100 };
	uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t nh[BGP_VPN_NH_MAX];
	size_t nh_len = afi == BGP_AFI_IPV4 ? bgp_vpn_nh_make(nh, v4, 4, NULL) :
	    bgp_vpn_nh_make(nh, v6, 16, NULL);
	struct bgp_pack_spec spec = { .afi = afi, .safi = BGP_SAFI_VPN,
	    .addpath = addpath, .withdraw = withdraw,
	    .attrs = withdraw ? NULL : attrs, .attrs_len = withdraw ? 0 : sizeof attrs,
	    .next_hop = nh, .next_hop_len = nh_len, .max_len = max_len };
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_packer pk;
	struct bgp_vpn_prefix vp;
	unsigned updates = 0;

	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	for (unsigned i = 0; i < ROUTES; i++) {
		make_route(i, afi, &vp);
		if (bgp_vpn_packer_add(&pk, &vp))
			continue;
		ck_assert_uint_gt(bgp_packer_finish(&pk), 0);
		updates++;
		ck_assert(bgp_packer_begin(&pk, &w, &spec));
		ck_assert(bgp_vpn_packer_add(&pk, &vp));
	}
	ck_assert_uint_gt(bgp_packer_finish(&pk), 0);
	updates++;
	ck_assert_uint_gt(updates, 1);

	struct bgp_codec_ctx ctx = vpn_ctx(addpath);
	struct bgp_update u;
	struct bgp_err err;
	size_t off = 0;
	unsigned i = 0;
	while (off < w.len) {
		size_t len = be16(buf + off + 16);
		ck_assert_uint_le(len, max_len);
		ck_assert(bgp_update_decode(buf + off + BGP_HEADER_LEN,
		    len - BGP_HEADER_LEN, &ctx, scratch, sizeof scratch, &u, &err));
		ck_assert_int_eq(err.tier, BGP_TIER_OK);
		struct bgp_bytes nlri = withdraw ? u.attrs.mp_unreach.nlri :
		    u.attrs.mp_reach.nlri;
		if (!withdraw) {
			ck_assert_uint_eq(u.attrs.local_pref, 100);
			ck_assert(u.attrs.mp_reach.next_hop.len == nh_len &&
			    memcmp(u.attrs.mp_reach.next_hop.p, nh, nh_len) == 0);
		}
		struct rbuf r = rbuf_make(nlri.p, nlri.len);
		struct bgp_vpn_prefix got;
		while (!rbuf_empty(&r)) {
			ck_assert(bgp_vpn_next(&r, afi, addpath, withdraw, &got));
			make_route(i++, afi, &vp);
			if (withdraw) {
				vp.nlabels = 1;
				vp.labels[0] = BGP_VPN_LABEL_WITHDRAW;
				vp.labels[1] = 0;
			}
			if (!addpath)
				vp.p.path_id = 0;
			ck_assert_msg(memcmp(&got, &vp, sizeof vp) == 0,
			    "route %u differs", i - 1);
		}
		off += len;
	}
	ck_assert_uint_eq(i, ROUTES);
}

START_TEST(test_pack_round_trip)
{
	uint16_t afi = _i & 1 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	bool addpath = _i & 2, withdraw = _i & 4;
	size_t max_len = _i & 8 ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;

	pack_round_trip(afi, addpath, withdraw, max_len);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bgp_vpn");
	TCase *tc = tcase_create("vpn");

	tcase_add_loop_test(tc, test_rd_text, 0, sizeof rd_vecs / sizeof rd_vecs[0]);
	tcase_add_test(tc, test_rd_make);
	tcase_add_loop_test(tc, test_capture_decode, 0, sizeof caps / sizeof caps[0]);
	tcase_add_loop_test(tc, test_capture_encode, 0, sizeof caps / sizeof caps[0]);
	tcase_add_loop_test(tc, test_capture_truncated, 0, sizeof caps / sizeof caps[0]);
	tcase_add_loop_test(tc, test_malformed, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_put_refuses);
	tcase_add_test(tc, test_next_hops);
	tcase_add_loop_test(tc, test_pack_round_trip, 0, 16);
	suite_add_tcase(s, tc);
	return check_run(s);
}
