/*
 * fuzz_vpn_nlri.c — libFuzzer target for the VPN route codec
 * (muxd/bgp/bgp_vpn.h): labelled VPN prefixes, route distinguishers as
 * text, VPN next hops.
 *
 * The first octet picks the family (bit 0: IPv6), ADD-PATH (bit 1) and
 * withdrawal (bit 2); the rest is a block of VPN NLRI. bgp_vpn_count and
 * a walk with bgp_vpn_next must agree; every prefix read must encode back
 * to the bytes it was read from, but for host bits, and read again as the
 * same prefix. The rest is also tried as a next hop of the family, and
 * the same bytes as RD text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_vpn.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_vpn_nlri: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

static void check_prefix(const struct bgp_vpn_prefix *vp, uint16_t afi,
    bool addpath, bool withdraw, const uint8_t *from, size_t from_len)
{
	uint8_t buf[64];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_vpn_prefix q;
	char text[BGP_VPN_STRLEN];

	CHECK(vp->nlabels >= 1 && vp->nlabels <= BGP_VPN_MAX_LABELS);
	CHECK(vp->p.len <= (afi == BGP_AFI_IPV4 ? 32 : 128));
	bgp_vpn_put(&w, vp, addpath);
	CHECK(!w.overflow && w.len == bgp_vpn_size(vp, addpath));
	CHECK(w.len == from_len);
	/* the same bytes but the last, whose host bits were cleared */
	CHECK(memcmp(buf, from, from_len - 1) == 0);
	struct rbuf r = rbuf_make(buf, w.len);
	CHECK(bgp_vpn_next(&r, afi, addpath, withdraw, &q) && rbuf_empty(&r));
	CHECK(memcmp(vp, &q, sizeof q) == 0);
	bgp_vpn_format(vp, text, sizeof text);
	CHECK(strlen(text) < sizeof text - 1);
}

static void check_block(const uint8_t *p, size_t len, uint16_t afi,
    bool addpath, bool withdraw)
{
	long count = bgp_vpn_count(p, len, afi, addpath, withdraw);
	struct rbuf r = rbuf_make(p, len);
	struct bgp_vpn_prefix vp;
	long n = 0;

	for (;;) {
		const uint8_t *at = r.p;
		if (!bgp_vpn_next(&r, afi, addpath, withdraw, &vp))
			break;
		check_prefix(&vp, afi, addpath, withdraw, at, (size_t)(r.p - at));
		n++;
	}
	if (count >= 0)
		CHECK(n == count && rbuf_empty(&r));
	else
		CHECK(!rbuf_empty(&r));
}

static void check_next_hop(const uint8_t *p, size_t len, uint16_t afi)
{
	uint8_t addr[16], ll[16], out[BGP_VPN_NH_MAX];
	size_t addr_len;
	bool has_ll;
	struct bgp_bytes nh = { p, (uint16_t)(len > 255 ? 255 : len) };

	if (!bgp_vpn_nh_read(nh, afi, addr, &addr_len, ll, &has_ll))
		return;
	CHECK(bgp_vpn_nh_len_ok(afi, nh.len));
	CHECK(bgp_vpn_nh_make(out, addr, addr_len, has_ll ? ll : NULL) == nh.len);
}

/* RD text that parses formats to text that parses to the same RD. */
static void check_rd_text(const uint8_t *data, size_t size)
{
	char s[64], again[BGP_RD_STRLEN];
	struct bgp_rd rd, rd2;

	if (size >= sizeof s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!bgp_rd_parse(s, &rd))
		return;
	CHECK(bgp_rd_type(&rd) <= BGP_RD_TYPE_AS4);
	bgp_rd_format(&rd, again, sizeof again);
	CHECK(bgp_rd_parse(again, &rd2));
	CHECK(memcmp(&rd, &rd2, sizeof rd) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint16_t afi = (data[0] & 1) ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	check_block(data + 1, size - 1, afi, (data[0] & 2) != 0,
	    (data[0] & 4) != 0);
	check_next_hop(data + 1, size - 1, afi);
	check_rd_text(data, size);
	return 0;
}
