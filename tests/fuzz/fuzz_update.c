/*
 * fuzz_update.c — libFuzzer target for bgp_update_decode.
 *
 * Each input is an UPDATE body (after the 19-byte header), decoded under
 * every codec context that changes the decoding: 2- or 4-octet AS,
 * ADD-PATH or not, internal or external peer. Whatever decodes must
 *   - walk completely with bgp_nlri_next (the decoder checked the blocks),
 *   - re-encode (MP attributes, then bgp_attrs_encode for the same
 *     context, then the NLRI) and decode again to the same attributes.
 * A mismatch aborts, so libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/bgp/bgp_vpn.h"

static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
static uint8_t scratch2[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
static uint8_t attrs[2 * BGP_EXT_MAX_LEN];
static uint8_t msg[3 * BGP_EXT_MAX_LEN];

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_update: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* Walks one NLRI block that the decoder accepted. */
static void walk(struct bgp_bytes b, uint16_t afi, bool addpath)
{
	struct rbuf r = rbuf_make(b.p, b.len);
	struct bgp_prefix p;
	long n = 0;

	while (!rbuf_empty(&r)) {
		CHECK(bgp_nlri_next(&r, afi, addpath, &p));
		n++;
	}
	CHECK(n == bgp_nlri_count(b.p, b.len, afi, addpath));
}

/* A VPN block the decoder accepted reads whole, as rib_vpn_import
 * relies on. */
static void walk_vpn(struct bgp_bytes b, uint16_t afi, bool addpath,
    bool withdraw)
{
	struct rbuf r = rbuf_make(b.p, b.len);
	struct bgp_vpn_prefix vp;
	long n = 0;

	while (!rbuf_empty(&r)) {
		CHECK(bgp_vpn_next(&r, afi, addpath, withdraw, &vp));
		n++;
	}
	CHECK(n == bgp_vpn_count(b.p, b.len, afi, addpath, withdraw));
}

static bool vpn(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) && safi == BGP_SAFI_VPN;
}

static bool unicast(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) && safi == BGP_SAFI_UNICAST;
}

static void walk_all(const struct bgp_update *u, const struct bgp_codec_ctx *c)
{
	const struct bgp_attrs *a = &u->attrs;

	walk(u->withdrawn, BGP_AFI_IPV4, c->addpath[AID_IPV4_UNICAST]);
	walk(u->nlri, BGP_AFI_IPV4, c->addpath[AID_IPV4_UNICAST]);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    unicast(a->mp_reach.afi, a->mp_reach.safi))
		walk(a->mp_reach.nlri, a->mp_reach.afi, bgp_ctx_addpath(c, a->mp_reach.afi));
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) &&
	    unicast(a->mp_unreach.afi, a->mp_unreach.safi))
		walk(a->mp_unreach.nlri, a->mp_unreach.afi, bgp_ctx_addpath(c, a->mp_unreach.afi));
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    vpn(a->mp_reach.afi, a->mp_reach.safi))
		walk_vpn(a->mp_reach.nlri, a->mp_reach.afi,
		    bgp_ctx_addpath_vpn(c, a->mp_reach.afi), false);
	if ((a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) &&
	    vpn(a->mp_unreach.afi, a->mp_unreach.safi))
		walk_vpn(a->mp_unreach.nlri, a->mp_unreach.afi,
		    bgp_ctx_addpath_vpn(c, a->mp_unreach.afi), true);
}

/*
 * Whether a 2-octet neighbor gets this AS path back unchanged. RFC 6793
 * loses two things on that trip, by design: ASNs above 65535 inside
 * confederation segments (AS_TRANS in AS_PATH, and AS4_PATH leaves
 * confederation segments out), and confederation segments that do not
 * lead the path (the merge takes only leading ones from AS_PATH).
 */
static bool as2_path_survives(struct bgp_bytes path)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	bool leading = true;
	uint8_t type, count;

	while (rbuf_u8(&r, &type) && rbuf_u8(&r, &count)) {
		bool confed = type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET;
		if (confed && !leading)
			return false;
		leading = leading && confed;
		for (unsigned i = 0; i < count; i++) {
			uint32_t asn = 0;
			rbuf_u32(&r, &asn);
			if (confed && asn > UINT16_MAX)
				return false;
		}
	}
	return true;
}

/* The attributes the second decoding must give: what encoders drop is
 * left out. */
static void expected(const struct bgp_attrs *a, const struct bgp_codec_ctx *c,
    const struct bgp_attrs *got, struct bgp_attrs *want)
{
	*want = *a;
	want->unknown_count = 0;
	for (size_t i = 0; i < a->unknown_count; i++)
		if (a->unknown[i].flags & BGP_ATTR_F_TRANSITIVE)
			want->unknown[want->unknown_count++] = a->unknown[i];
	if (!c->as4 && !as2_path_survives(a->as_path))
		want->as_path = got->as_path;
}

static size_t reencode(const struct bgp_update *u, const struct bgp_codec_ctx *c)
{
	const struct bgp_attrs *a = &u->attrs;
	struct wbuf aw = wbuf_make(attrs, sizeof attrs), w = wbuf_make(msg, sizeof msg);

	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI))
		bgp_attr_put_mp_reach(&aw, a->mp_reach.afi, a->mp_reach.safi,
		    a->mp_reach.next_hop.p, a->mp_reach.next_hop.len,
		    a->mp_reach.nlri.p, a->mp_reach.nlri.len);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI))
		bgp_attr_put_mp_unreach(&aw, a->mp_unreach.afi, a->mp_unreach.safi,
		    a->mp_unreach.nlri.p, a->mp_unreach.nlri.len);
	bgp_attrs_encode(&aw, a, c);
	CHECK(!aw.overflow);
	/* Grown past what one message can say (AS4_PATH added, say): no
	 * round trip to check. */
	if (BGP_HEADER_LEN + 4 + u->withdrawn.len + aw.len + u->nlri.len > BGP_EXT_MAX_LEN)
		return 0;
	size_t n = bgp_update_encode(&w, BGP_EXT_MAX_LEN, u->withdrawn.p,
	    u->withdrawn.len, attrs, aw.len, u->nlri.p, u->nlri.len);
	CHECK(n > 0);
	return n;
}

static void round_trip(const struct bgp_update *u, const struct bgp_codec_ctx *c)
{
	struct bgp_update v;
	struct bgp_err e;
	struct bgp_attrs want;
	size_t n = reencode(u, c);

	if (n == 0)
		return;
	CHECK(bgp_update_decode(msg + BGP_HEADER_LEN, n - BGP_HEADER_LEN, c,
	    scratch2, sizeof scratch2, &v, &e));
	/* Only a missing mandatory attribute can still be wrong. */
	CHECK(e.tier == BGP_TIER_OK ||
	    (e.tier == BGP_TIER_WITHDRAW && e.subcode == BGP_ERR_UPD_MISSING));
	CHECK(v.withdrawn.len == u->withdrawn.len && v.nlri.len == u->nlri.len);
	expected(&u->attrs, c, &v.attrs, &want);
	CHECK(bgp_attrs_equal(&want, &v.attrs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > BGP_EXT_MAX_LEN - BGP_HEADER_LEN)
		return 0;
	for (unsigned variant = 0; variant < 8; variant++) {
		struct bgp_codec_ctx c = {
			.as4 = variant & 1,
			.addpath = { variant & 2, variant & 2 },
			.ebgp = variant & 4,
			.max_len = BGP_EXT_MAX_LEN,
		};
		struct bgp_update u;
		struct bgp_err e;
		c.addpath[AID_IPV4_VPN] = c.addpath[AID_IPV6_VPN] = variant & 2;
		bool ok = bgp_update_decode(data, size, &c, scratch, sizeof scratch,
		    &u, &e);
		CHECK(ok == (e.tier != BGP_TIER_RESET));
		if (!ok) {
			CHECK(e.code != 0 && e.why != NULL);
			continue;
		}
		CHECK(u.treat_as_withdraw == (e.tier == BGP_TIER_WITHDRAW));
		walk_all(&u, &c);
		round_trip(&u, &c);
	}
	return 0;
}
