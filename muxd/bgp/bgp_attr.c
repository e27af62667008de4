/*
 * bgp_attr.c — path attributes: one table row per type with its flags,
 * lengths, RFC 7606 error tiers, decoder and encoder.
 *
 * The tiers: a row names what a flags error and what a malformed value
 * costs (RFC 7606 §2: attribute discard < treat-as-withdraw < session
 * reset), and each row's comment says which rule it follows. The walk
 * over the section (bgp_attr_walk.c) handles what is common to all:
 * framing (§4), duplicates (§3 g), unknown attributes (RFC 4271 §6.3),
 * the Optional/Transitive bits (§3 c) and the length bounds (§4: zero
 * length is an error but for AS_PATH and ATOMIC_AGGREGATE).
 */
#include "muxd/bgp/bgp_attr_table.h"
#include "muxd/bgp/bgp_vpn.h"

#include <stddef.h>
#include <string.h>

static void attr_set(struct attr_in *in)
{
	in->st->a->present |= BGP_ATTR_BIT(in->row->type);
}

bool bgp_attr_fail(struct attr_in *in, uint8_t subcode, const char *why)
{
	bgp_err_set(in->st->err, in->row->bad_tier, BGP_ERR_UPDATE, subcode,
	    in->whole.p, in->whole.len, why);
	return false;
}

/* ---- decoders, one per row --------------------------------------------- */

static bool attr_decode_origin(struct attr_in *in)
{
	uint8_t v = 0;

	rbuf_u8(&in->val, &v);
	if (v > BGP_ORIGIN_INCOMPLETE)
		return bgp_attr_fail(in, BGP_ERR_UPD_ORIGIN, "ORIGIN value undefined");
	in->st->a->origin = v;
	attr_set(in);
	return true;
}

static bool attr_decode_as_path(struct attr_in *in)
{
	struct attr_state *st = in->st;
	unsigned types;
	const char *why;
	const unsigned confed = 1u << BGP_AS_CONFED_SEQUENCE | 1u << BGP_AS_CONFED_SET;

	if (!bgp_aspath_check(bgp_attr_bytes(&in->val), st->ctx->as4 ? 4 : 2,
	    &types, &why))
		return bgp_attr_fail(in, BGP_ERR_UPD_AS_PATH, why);
	/* RFC 5065 §5: confederation segments from outside the
	 * confederation make a malformed AS_PATH — handled per RFC 7606. */
	if (st->ctx->ebgp && (types & confed))
		return bgp_attr_fail(in, BGP_ERR_UPD_AS_PATH,
		    "AS_PATH has confederation segments from an external peer");
	if (st->ctx->as4)
		st->a->as_path = bgp_attr_bytes(&in->val);
	else
		st->as2_path = bgp_attr_bytes(&in->val);
	attr_set(in);
	return true;
}

/* Not a host address (RFC 4271 §6.3 "syntactically incorrect", RFC 1122
 * §3.2.1.3): 0/8, multicast 224/4, reserved and broadcast 240/4. 127/8 is
 * let through: bgpmux's own lab peers on loopback addresses, and a
 * session that wants it refused can say so in its policy. */
static bool attr_nh_martian(const uint8_t nh[4])
{
	return nh[0] == 0 || nh[0] >= 224;
}

static bool attr_decode_next_hop(struct attr_in *in)
{
	uint8_t nh[4];

	rbuf_copy(&in->val, nh, 4);
	if (attr_nh_martian(nh))
		return bgp_attr_fail(in, BGP_ERR_UPD_NEXT_HOP,
		    "NEXT_HOP is not a host address");
	memcpy(in->st->a->next_hop, nh, 4);
	attr_set(in);
	return true;
}

/* A 4-octet number: MED, LOCAL_PREF, ORIGINATOR_ID. */
static bool attr_decode_u32(struct attr_in *in)
{
	uint32_t *dst = (uint32_t *)((char *)in->st->a + in->row->field);

	rbuf_u32(&in->val, dst);
	attr_set(in);
	return true;
}

static bool attr_decode_atomic_aggregate(struct attr_in *in)
{
	attr_set(in);
	return true;
}

static bool attr_decode_aggregator(struct attr_in *in)
{
	struct bgp_attrs *a = in->st->a;
	uint16_t as2;
	uint32_t as;

	if (in->val.len != (in->st->ctx->as4 ? 8u : 6u))
		return bgp_attr_fail(in, BGP_ERR_UPD_LENGTH,
		    "AGGREGATOR length does not match the AS number size");
	if (in->st->ctx->as4)
		rbuf_u32(&in->val, &as);
	else
		as = rbuf_u16(&in->val, &as2) ? as2 : 0;
	if (as == 0)
		return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
		    "AGGREGATOR holds AS 0 (RFC 7607)");
	a->aggregator_as = as;
	rbuf_copy(&in->val, a->aggregator_addr, 4);
	attr_set(in);
	return true;
}

/* A list of fixed-size items: communities of the three kinds, clusters.
 * The table's min_len already refused an empty one. */
static bool attr_decode_list(struct attr_in *in)
{
	struct bgp_bytes *dst =
	    (struct bgp_bytes *)((char *)in->st->a + in->row->field);

	if (in->val.len % in->row->item)
		return bgp_attr_fail(in, BGP_ERR_UPD_LENGTH,
		    "attribute length not a multiple of its item size");
	*dst = bgp_attr_bytes(&in->val);
	attr_set(in);
	return true;
}

/* How the NLRI of an MP attribute is checked: IPv4 and IPv6 unicast
 * and VPN are decoded; every other family is carried as opaque bytes (we
 * do not know its NLRI). */
enum mp_kind { MP_OPAQUE, MP_UNICAST, MP_VPN };

static enum mp_kind attr_mp_kind(uint16_t afi, uint8_t safi)
{
	if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
		return MP_OPAQUE;
	return safi == BGP_SAFI_UNICAST ? MP_UNICAST :
	    safi == BGP_SAFI_VPN ? MP_VPN : MP_OPAQUE;
}

/* Next hop lengths RFC 4760 §3 and RFC 2545 §3 (IPv6: global, or global
 * and link-local) allow, and RFC 8950 (IPv6 next hop for IPv4 NLRI);
 * for VPN, RFC 4364 §4.3.2 and RFC 4659 §3.2.1 (bgp_vpn_nh_len_ok). */
static bool attr_mp_nh_len_ok(enum mp_kind kind, uint16_t afi, size_t len)
{
	if (kind == MP_VPN)
		return bgp_vpn_nh_len_ok(afi, len);
	if (afi == BGP_AFI_IPV4 && len == 4)
		return true;
	return len == 16 || len == 32;
}

static bool attr_mp_nlri_ok(const struct attr_state *st, enum mp_kind kind,
    uint16_t afi, struct bgp_bytes nlri, bool withdraw)
{
	if (kind == MP_VPN)
		return bgp_vpn_count(nlri.p, nlri.len, afi,
		    bgp_ctx_addpath_vpn(st->ctx, afi), withdraw) >= 0;
	return bgp_nlri_count(nlri.p, nlri.len, afi, bgp_ctx_addpath(st->ctx, afi)) >= 0;
}

static bool attr_decode_mp_reach(struct attr_in *in)
{
	struct bgp_mp_reach *m = &in->st->a->mp_reach;
	struct rbuf nh;
	uint8_t nh_len = 0, reserved;

	rbuf_u16(&in->val, &m->afi);
	rbuf_u8(&in->val, &m->safi);
	rbuf_u8(&in->val, &nh_len);
	if (!rbuf_sub(&in->val, nh_len, &nh) || !rbuf_u8(&in->val, &reserved))
		return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
		    "MP_REACH_NLRI next hop overruns the attribute");
	m->next_hop = bgp_attr_bytes(&nh);
	m->nlri = bgp_attr_bytes(&in->val);
	enum mp_kind kind = attr_mp_kind(m->afi, m->safi);
	if (kind != MP_OPAQUE) {
		/* RFC 7606 §7.11: a wrong next hop length hides the NLRI. */
		if (!attr_mp_nh_len_ok(kind, m->afi, nh_len))
			return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
			    "MP_REACH_NLRI next hop length wrong for the family");
		if (!attr_mp_nlri_ok(in->st, kind, m->afi, m->nlri, false))
			return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
			    "MP_REACH_NLRI holds a malformed prefix");
	}
	attr_set(in);
	return true;
}

static bool attr_decode_mp_unreach(struct attr_in *in)
{
	struct bgp_mp_unreach *m = &in->st->a->mp_unreach;

	rbuf_u16(&in->val, &m->afi);
	rbuf_u8(&in->val, &m->safi);
	m->nlri = bgp_attr_bytes(&in->val);
	enum mp_kind kind = attr_mp_kind(m->afi, m->safi);
	if (kind != MP_OPAQUE &&
	    !attr_mp_nlri_ok(in->st, kind, m->afi, m->nlri, true))
		return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
		    "MP_UNREACH_NLRI holds a malformed prefix");
	attr_set(in);
	return true;
}

/* Only reached on a 2-octet session: kept for the merge after the walk. */
static bool attr_decode_as4_path(struct attr_in *in)
{
	unsigned types;
	const char *why;

	if (!bgp_aspath_check(bgp_attr_bytes(&in->val), 4, &types, &why))
		return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL, why);
	in->st->as4_path = bgp_attr_bytes(&in->val);
	in->st->has_as4_path = true;
	return true;
}

static bool attr_decode_as4_aggregator(struct attr_in *in)
{
	struct attr_state *st = in->st;

	rbuf_u32(&in->val, &st->as4_aggregator_as);
	rbuf_copy(&in->val, st->as4_aggregator_addr, 4);
	if (st->as4_aggregator_as == 0)
		return bgp_attr_fail(in, BGP_ERR_UPD_OPTIONAL,
		    "AS4_AGGREGATOR holds AS 0 (RFC 7607)");
	st->has_as4_aggregator = true;
	return true;
}

/* ---- encoders: the value only; the walk writes the header ------------- */

static bool attr_encode_origin(const struct attr_out *o)
{
	wbuf_u8(o->w, o->a->origin);
	return true;
}

static bool attr_encode_as_path(const struct attr_out *o)
{
	if (o->ctx->as4)
		wbuf_bytes(o->w, o->a->as_path.p, o->a->as_path.len);
	else
		bgp_aspath_put_as2(o->w, o->a->as_path);
	return true;
}

static bool attr_encode_next_hop(const struct attr_out *o)
{
	wbuf_bytes(o->w, o->a->next_hop, 4);
	return true;
}

static bool attr_encode_u32(const struct attr_out *o)
{
	wbuf_u32(o->w, *(const uint32_t *)((const char *)o->a + o->row->field));
	return true;
}

static bool attr_encode_list(const struct attr_out *o)
{
	const struct bgp_bytes *b =
	    (const struct bgp_bytes *)((const char *)o->a + o->row->field);

	wbuf_bytes(o->w, b->p, b->len);
	return true;
}

static bool attr_encode_atomic_aggregate(const struct attr_out *o)
{
	(void)o;
	return true;    /* present, and empty */
}

static bool attr_encode_aggregator(const struct attr_out *o)
{
	uint32_t as = o->a->aggregator_as;

	if (o->ctx->as4)
		wbuf_u32(o->w, as);
	else
		wbuf_u16(o->w, as > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)as);
	wbuf_bytes(o->w, o->a->aggregator_addr, 4);
	return true;
}

/* RFC 6793 §4.2.2: AS4_PATH to a 2-octet neighbor when some ASN does not
 * fit in two octets, and never otherwise. */
static bool attr_encode_as4_path(const struct attr_out *o)
{
	if (o->ctx->as4 || !bgp_aspath_needs_as4(o->a->as_path))
		return false;
	bgp_aspath_put_as4(o->w, o->a->as_path);
	return true;
}

/* RFC 6793 §4.2.2: AS4_AGGREGATOR only when the AS does not fit. */
static bool attr_encode_as4_aggregator(const struct attr_out *o)
{
	if (o->ctx->as4 || o->a->aggregator_as <= UINT16_MAX)
		return false;
	wbuf_u32(o->w, o->a->aggregator_as);
	wbuf_bytes(o->w, o->a->aggregator_addr, 4);
	return true;
}

/* ---- the table ---------------------------------------------------------- */

enum {
	WK = BGP_ATTR_F_TRANSITIVE,                             /* well-known */
	OPT = BGP_ATTR_F_OPTIONAL,                              /* non-transitive */
	OPT_T = BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE,
	DISCARD = BGP_TIER_ATTR_DISCARD,
	TAW = BGP_TIER_WITHDRAW,
	RESET = BGP_TIER_RESET,
	ANY = UINT16_MAX,
	LEN = BGP_ERR_UPD_LENGTH,
};

/* In ascending type order: the encoder writes them in this order. */
const struct attr_row bgp_attr_rows[] = {
	/* RFC 7606 §7.1: length not 1 or value undefined → treat-as-withdraw;
	 * flags §3 c → treat-as-withdraw. */
	{ .type = BGP_ATTR_ORIGIN,
	  .decode = attr_decode_origin, .encode = attr_encode_origin,
	  .flags = WK, .min_len = 1, .max_len = 1,
	  .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN },
	/* §7.2: bad segment type, empty segment, overrun, lone trailing
	 * octet → treat-as-withdraw (3/11 for the log); so are AS 0
	 * (RFC 7607 §2) and confederation segments from an external peer
	 * (RFC 5065 §5). The first-AS check is the session's. */
	{ .type = BGP_ATTR_AS_PATH,
	  .decode = attr_decode_as_path, .encode = attr_encode_as_path,
	  .flags = WK, .min_len = 0, .max_len = ANY,
	  .flags_tier = TAW, .bad_tier = TAW, .len_subcode = BGP_ERR_UPD_AS_PATH },
	/* §7.3: length not 4 → treat-as-withdraw; not a host address
	 * (RFC 4271 §6.3, 3/8 there) → treat-as-withdraw by §3 e. */
	{ .type = BGP_ATTR_NEXT_HOP,
	  .decode = attr_decode_next_hop, .encode = attr_encode_next_hop,
	  .flags = WK, .min_len = 4, .max_len = 4,
	  .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN },
	/* §7.4: length not 4 → treat-as-withdraw. */
	{ .type = BGP_ATTR_MED,
	  .decode = attr_decode_u32, .encode = attr_encode_u32,
	  .field = offsetof(struct bgp_attrs, med),
	  .flags = OPT, .min_len = 4, .max_len = 4,
	  .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN },
	/* §7.5: from an external peer → attribute discard, whatever it
	 * holds; from an internal one, length not 4 → treat-as-withdraw. */
	{ .type = BGP_ATTR_LOCAL_PREF,
	  .decode = attr_decode_u32, .encode = attr_encode_u32,
	  .field = offsetof(struct bgp_attrs, local_pref),
	  .flags = WK, .min_len = 4, .max_len = 4,
	  .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN,
	  .skip = ATTR_SKIP_EBGP },
	/* §7.6: length not 0 → attribute discard; flags too, by §3 f (the
	 * RFC 4271 reset cases of ATOMIC_AGGREGATE become discards). */
	{ .type = BGP_ATTR_ATOMIC_AGGREGATE,
	  .decode = attr_decode_atomic_aggregate, .encode = attr_encode_atomic_aggregate,
	  .flags = WK, .min_len = 0,
	  .max_len = 0, .flags_tier = DISCARD, .bad_tier = DISCARD,
	  .len_subcode = LEN },
	/* §7.7: length not 6 (2-octet session) / 8 (4-octet) → attribute
	 * discard; flags by §3 f likewise; AS 0 (RFC 7607) → discard. */
	{ .type = BGP_ATTR_AGGREGATOR,
	  .decode = attr_decode_aggregator, .encode = attr_encode_aggregator,
	  .flags = OPT_T, .min_len = 6,
	  .max_len = 8, .flags_tier = DISCARD, .bad_tier = DISCARD,
	  .len_subcode = LEN },
	/* §7.8: length not a non-zero multiple of 4 → treat-as-withdraw. */
	{ .type = BGP_ATTR_COMMUNITIES,
	  .decode = attr_decode_list, .encode = attr_encode_list,
	  .field = offsetof(struct bgp_attrs, communities), .item = 4,
	  .flags = OPT_T, .min_len = 4,
	  .max_len = ANY, .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN },
	/* §7.9: from an external peer → attribute discard; from an internal
	 * one, length not 4 → treat-as-withdraw. */
	{ .type = BGP_ATTR_ORIGINATOR_ID,
	  .decode = attr_decode_u32, .encode = attr_encode_u32,
	  .field = offsetof(struct bgp_attrs, originator_id),
	  .flags = OPT, .min_len = 4,
	  .max_len = 4, .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN,
	  .skip = ATTR_SKIP_EBGP },
	/* §7.10: from an external peer → attribute discard; from an
	 * internal one, length not a non-zero multiple of 4 → treat-as-withdraw. */
	{ .type = BGP_ATTR_CLUSTER_LIST,
	  .decode = attr_decode_list, .encode = attr_encode_list,
	  .field = offsetof(struct bgp_attrs, cluster_list), .item = 4,
	  .flags = OPT, .min_len = 4,
	  .max_len = ANY, .flags_tier = TAW, .bad_tier = TAW, .len_subcode = LEN,
	  .skip = ATTR_SKIP_EBGP },
	/* §5.3, §7.11: wrong flags, length under 5, next hop length wrong
	 * for the family, a malformed or overrunning prefix → the NLRI
	 * cannot be trusted: session reset (we do not do AFI/SAFI disable),
	 * 3/9 as RFC 4760 §7 asks. Duplicates → 3/1 (§3 g). */
	{ .type = BGP_ATTR_MP_REACH_NLRI,
	  .decode = attr_decode_mp_reach, .encode = NULL,
	  .flags = OPT, .min_len = 5,
	  .max_len = ANY, .flags_tier = RESET, .bad_tier = RESET,
	  .len_subcode = BGP_ERR_UPD_OPTIONAL },
	/* §5.3: as MP_REACH_NLRI, length under 3. */
	{ .type = BGP_ATTR_MP_UNREACH_NLRI,
	  .decode = attr_decode_mp_unreach, .encode = NULL,
	  .flags = OPT, .min_len = 3,
	  .max_len = ANY, .flags_tier = RESET, .bad_tier = RESET,
	  .len_subcode = BGP_ERR_UPD_OPTIONAL },
	/* §7.14: length not a non-zero multiple of 8 → treat-as-withdraw;
	 * unknown types and subtypes are no error. */
	{ .type = BGP_ATTR_EXT_COMMUNITIES,
	  .decode = attr_decode_list, .encode = attr_encode_list,
	  .field = offsetof(struct bgp_attrs, ext_communities), .item = 8,
	  .flags = OPT_T,
	  .min_len = 8, .max_len = ANY, .flags_tier = TAW, .bad_tier = TAW,
	  .len_subcode = LEN },
	/* RFC 6793 §4.1: on a 4-octet session discarded unread. §6: on a
	 * 2-octet one, malformed (bad segment, too short to hold one, AS 0
	 * per RFC 7607) → attribute discard; wrong flags make it malformed
	 * (RFC 7606 §3 c), so discard as well. Confederation segments are
	 * dropped from it, the rest used. */
	{ .type = BGP_ATTR_AS4_PATH,
	  .decode = attr_decode_as4_path, .encode = attr_encode_as4_path,
	  .flags = OPT_T, .min_len = 6, .max_len = ANY,
	  .flags_tier = DISCARD, .bad_tier = DISCARD,
	  .len_subcode = BGP_ERR_UPD_OPTIONAL, .skip = ATTR_SKIP_AS4,
	  .needs = BGP_ATTR_AS_PATH },
	/* RFC 6793 §4.1 and §6: as AS4_PATH; length not 8 → discard. */
	{ .type = BGP_ATTR_AS4_AGGREGATOR,
	  .decode = attr_decode_as4_aggregator, .encode = attr_encode_as4_aggregator,
	  .flags = OPT_T, .min_len = 8,
	  .max_len = 8, .flags_tier = DISCARD, .bad_tier = DISCARD,
	  .len_subcode = LEN, .skip = ATTR_SKIP_AS4,
	  .needs = BGP_ATTR_AGGREGATOR },
	/* RFC 8092 §6: length not a non-zero multiple of 12 →
	 * treat-as-withdraw; duplicates inside are no error. */
	{ .type = BGP_ATTR_LARGE_COMMUNITIES,
	  .decode = attr_decode_list, .encode = attr_encode_list,
	  .field = offsetof(struct bgp_attrs, large_communities), .item = 12,
	  .flags = OPT_T,
	  .min_len = 12, .max_len = ANY, .flags_tier = TAW, .bad_tier = TAW,
	  .len_subcode = LEN },
};

const size_t bgp_attr_row_count = sizeof bgp_attr_rows / sizeof bgp_attr_rows[0];

const struct attr_row *bgp_attr_row(unsigned type)
{
	for (size_t i = 0; i < bgp_attr_row_count; i++)
		if (bgp_attr_rows[i].type == type)
			return &bgp_attr_rows[i];
	return NULL;
}

bool bgp_communities_has(struct bgp_bytes comm, uint32_t value)
{
	for (size_t i = 0; i + 4 <= comm.len; i += 4)
		if (((uint32_t)comm.p[i] << 24 | (uint32_t)comm.p[i + 1] << 16 |
		    (uint32_t)comm.p[i + 2] << 8 | comm.p[i + 3]) == value)
			return true;
	return false;
}
