/*
 * bgp_update.c — the UPDATE message around the attributes: its three
 * fields (RFC 4271 §4.3), the checks that need the NLRI (missing
 * well-known attributes, RFC 7606 §3 d and §5.2), End-of-RIB (RFC 4724
 * §2), and the encoders, packing builder included.
 */
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_update.h"

#include <string.h>

static const struct bgp_bytes no_bytes = { NULL, 0 };

static void update_err(struct bgp_err *err, enum bgp_tier tier,
    uint8_t subcode, struct bgp_bytes data, const char *why)
{
	bgp_err_set(err, tier, BGP_ERR_UPDATE, subcode, data.p, data.len, why);
}

/* The three fields. Lengths that do not add up are 3/1 (RFC 4271 §6.3,
 * kept by RFC 7606 §3 b): nothing after them can be found. */
static bool update_split(const uint8_t *body, size_t len, struct bgp_update *u,
    struct bgp_err *err)
{
	struct rbuf r = rbuf_make(body, len), f;
	uint16_t wlen, alen;

	if (!rbuf_u16(&r, &wlen) || !rbuf_sub(&r, wlen, &f)) {
		update_err(err, BGP_TIER_RESET, BGP_ERR_UPD_ATTR_LIST, no_bytes,
		    "Withdrawn Routes Length runs past the message");
		return false;
	}
	u->withdrawn = (struct bgp_bytes){ f.p, (uint16_t)f.len };
	if (!rbuf_u16(&r, &alen) || !rbuf_sub(&r, alen, &f)) {
		update_err(err, BGP_TIER_RESET, BGP_ERR_UPD_ATTR_LIST, no_bytes,
		    "Total Path Attribute Length runs past the message");
		return false;
	}
	u->attr_raw = (struct bgp_bytes){ f.p, (uint16_t)f.len };
	u->nlri = (struct bgp_bytes){ r.p, (uint16_t)r.len };
	return true;
}

/* RFC 7606 §5.3 and §3 i: a field we cannot parse leaves nothing to
 * treat as withdrawn, so it is a reset; 3/10 as RFC 4271 §6.3 names it. */
static bool update_check_ipv4(struct bgp_bytes field, bool addpath,
    struct bgp_err *err, const char *why)
{
	if (bgp_nlri_count(field.p, field.len, BGP_AFI_IPV4, addpath) >= 0)
		return true;
	update_err(err, BGP_TIER_RESET, BGP_ERR_UPD_NETWORK, no_bytes, why);
	return false;
}

static bool update_reachable(const struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;

	if (u->nlri.len > 0)
		return true;
	return (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    a->mp_reach.nlri.len > 0;
}

/* RFC 7606 §3 d: ORIGIN and AS_PATH with any reachable NLRI (RFC 4760 §3
 * for MP_REACH), NEXT_HOP with IPv4 NLRI in the NLRI field. LOCAL_PREF is
 * "well-known" but not mandatory on receipt (RFC 4271 §5.1.5 binds the
 * sender), so its absence on an internal session is no error here. */
static void update_check_mandatory(const struct bgp_update *u,
    struct bgp_err *err)
{
	static const uint8_t mandatory[] = {
		BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP,
	};

	for (size_t i = 0; i < sizeof mandatory; i++) {
		uint8_t t = mandatory[i];
		if (t == BGP_ATTR_NEXT_HOP && u->nlri.len == 0)
			continue;
		if (u->attrs.present & BGP_ATTR_BIT(t))
			continue;
		update_err(err, BGP_TIER_WITHDRAW, BGP_ERR_UPD_MISSING,
		    (struct bgp_bytes){ &mandatory[i], 1 },
		    "well-known mandatory attribute missing");
	}
}

/* Whether the section holds exactly one attribute, an MP_UNREACH_NLRI. */
static bool update_only_mp_unreach(const struct bgp_update *u)
{
	struct rbuf r = rbuf_make(u->attr_raw.p, u->attr_raw.len);
	uint8_t flags, type, len8;
	uint16_t len = 0;

	if (!rbuf_u8(&r, &flags) || !rbuf_u8(&r, &type))
		return false;
	if (flags & BGP_ATTR_F_EXTLEN) {
		if (!rbuf_u16(&r, &len))
			return false;
	} else {
		if (!rbuf_u8(&r, &len8))
			return false;
		len = len8;
	}
	return type == BGP_ATTR_MP_UNREACH_NLRI && r.len == len;
}

/* RFC 4724 §2: an empty UPDATE is IPv4 unicast's End-of-RIB; an UPDATE
 * whose only content is an MP_UNREACH_NLRI without NLRI is its family's. */
static void update_find_eor(struct bgp_update *u)
{
	const struct bgp_attrs *a = &u->attrs;

	if (u->withdrawn.len || u->nlri.len)
		return;
	if (u->attr_raw.len == 0) {
		u->end_of_rib = true;
		u->eor_afi = BGP_AFI_IPV4;
		u->eor_safi = BGP_SAFI_UNICAST;
		return;
	}
	if (a->present == BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI) &&
	    a->mp_unreach.nlri.len == 0 && update_only_mp_unreach(u)) {
		u->end_of_rib = true;
		u->eor_afi = a->mp_unreach.afi;
		u->eor_safi = a->mp_unreach.safi;
	}
}

bool bgp_update_decode(const uint8_t *body, size_t len,
    const struct bgp_codec_ctx *ctx, uint8_t *scratch, size_t scratch_cap,
    struct bgp_update *u, struct bgp_err *err)
{
	memset(u, 0, sizeof *u);
	memset(err, 0, sizeof *err);
	if (!update_split(body, len, u, err))
		return false;
	if (!update_check_ipv4(u->withdrawn, ctx->addpath[AID_IPV4_UNICAST], err,
	    "Withdrawn Routes hold a malformed prefix"))
		return false;
	if (!update_check_ipv4(u->nlri, ctx->addpath[AID_IPV4_UNICAST], err,
	    "NLRI holds a malformed prefix"))
		return false;
	if (!bgp_attrs_decode(u->attr_raw.p, u->attr_raw.len, ctx, scratch,
	    scratch_cap, &u->attrs, err))
		return false;
	if (update_reachable(u)) {
		update_check_mandatory(u, err);
	} else if (err->tier == BGP_TIER_WITHDRAW) {
		/* RFC 7606 §5.2: attributes but no reachable NLRI, and an
		 * error worse than a discard — we cannot be sure the NLRI
		 * was found, so reset, with the code the error had. */
		err->tier = BGP_TIER_RESET;
		return false;
	}
	u->treat_as_withdraw = err->tier == BGP_TIER_WITHDRAW;
	update_find_eor(u);
	return true;
}

/* ---- encoders -------------------------------------------------------- */

void bgp_attr_put_mp_reach(struct wbuf *w, uint16_t afi, uint8_t safi,
    const uint8_t *nh, size_t nh_len, const uint8_t *nlri, size_t nlri_len)
{
	if (nh_len > UINT8_MAX) {
		w->overflow = true;
		return;
	}
	bgp_attr_put_header(w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MP_REACH_NLRI,
	    5 + nh_len + nlri_len);
	wbuf_u16(w, afi);
	wbuf_u8(w, safi);
	wbuf_u8(w, (uint8_t)nh_len);
	wbuf_bytes(w, nh, nh_len);
	wbuf_u8(w, 0);          /* reserved (RFC 4760 §3) */
	wbuf_bytes(w, nlri, nlri_len);
}

void bgp_attr_put_mp_unreach(struct wbuf *w, uint16_t afi, uint8_t safi,
    const uint8_t *nlri, size_t nlri_len)
{
	bgp_attr_put_header(w, BGP_ATTR_F_OPTIONAL, BGP_ATTR_MP_UNREACH_NLRI,
	    3 + nlri_len);
	wbuf_u16(w, afi);
	wbuf_u8(w, safi);
	wbuf_bytes(w, nlri, nlri_len);
}

size_t bgp_update_encode(struct wbuf *w, size_t max_len,
    const uint8_t *withdrawn, size_t withdrawn_len,
    const uint8_t *attrs, size_t attrs_len,
    const uint8_t *nlri, size_t nlri_len)
{
	size_t total = BGP_HEADER_LEN + 4 + withdrawn_len + attrs_len + nlri_len;

	if (total > max_len || total > BGP_EXT_MAX_LEN)
		return 0;
	size_t start = bgp_msg_begin(w, BGP_UPDATE);
	wbuf_u16(w, (uint16_t)withdrawn_len);
	wbuf_bytes(w, withdrawn, withdrawn_len);
	wbuf_u16(w, (uint16_t)attrs_len);
	wbuf_bytes(w, attrs, attrs_len);
	wbuf_bytes(w, nlri, nlri_len);
	if (w->overflow)
		return 0;
	bgp_msg_finish(w, start);
	return w->len - start;
}

size_t bgp_eor_encode(struct wbuf *w, uint16_t afi, uint8_t safi)
{
	uint8_t attr[8];
	struct wbuf a = wbuf_make(attr, sizeof attr);

	if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
		return bgp_update_encode(w, BGP_MAX_LEN, NULL, 0, NULL, 0, NULL, 0);
	bgp_attr_put_mp_unreach(&a, afi, safi, NULL, 0);
	return bgp_update_encode(w, BGP_MAX_LEN, NULL, 0, attr, a.len, NULL, 0);
}

/* ---- packing builder ------------------------------------------------- */

/*
 * Layouts, with the field that grows last:
 *   IPv4 announce:  header, 0, attrs_len, attrs, NLRI…
 *   IPv4 withdraw:  header, withdrawn_len, withdrawn…, 0
 *   MP announce:    header, 0, attrs_len, MP_REACH(ext. length, nh, NLRI…), attrs
 *   MP withdraw:    header, 0, attrs_len, MP_UNREACH(ext. length, NLRI…)
 * For MP the attribute block is appended by finish, after the NLRI, so
 * nothing moves while prefixes are added. `fixed` counts the bytes still
 * to come at finish.
 */

static bool packer_is_mp(const struct bgp_pack_spec *s)
{
	return !(s->afi == BGP_AFI_IPV4 && s->safi == BGP_SAFI_UNICAST);
}

/* The largest prefix of the family, so begin can promise one fits (a
 * VPN prefix with one label, the usual stack). */
static size_t packer_max_prefix(const struct bgp_pack_spec *s)
{
	size_t vpn = s->safi == BGP_SAFI_VPN ? 3 + 8 : 0;

	return (s->addpath ? 4 : 0) + 1 + vpn + (s->afi == BGP_AFI_IPV4 ? 4 : 16);
}

static void packer_begin_mp(struct bgp_packer *pk)
{
	const struct bgp_pack_spec *s = pk->spec;
	struct wbuf *w = pk->w;
	uint8_t type = s->withdraw ? BGP_ATTR_MP_UNREACH_NLRI : BGP_ATTR_MP_REACH_NLRI;

	wbuf_u16(w, 0);                         /* withdrawn routes length */
	wbuf_mark(w, 2);                        /* attribute length: finish */
	/* Extended length always: the attribute grows past 255. */
	wbuf_u8(w, BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_EXTLEN);
	wbuf_u8(w, type);
	pk->len_at = wbuf_mark(w, 2);
	wbuf_u16(w, s->afi);
	wbuf_u8(w, s->safi);
	if (!s->withdraw) {
		wbuf_u8(w, (uint8_t)s->next_hop_len);
		wbuf_bytes(w, s->next_hop, s->next_hop_len);
		wbuf_u8(w, 0);
		pk->fixed = s->attrs_len;
	}
}

static void packer_begin_ipv4(struct bgp_packer *pk)
{
	const struct bgp_pack_spec *s = pk->spec;
	struct wbuf *w = pk->w;

	if (s->withdraw) {
		pk->len_at = wbuf_mark(w, 2);
		pk->fixed = 2;                  /* attribute length, 0 */
		return;
	}
	wbuf_u16(w, 0);
	wbuf_u16(w, (uint16_t)s->attrs_len);
	wbuf_bytes(w, s->attrs, s->attrs_len);
}

bool bgp_packer_begin(struct bgp_packer *pk, struct wbuf *w,
    const struct bgp_pack_spec *spec)
{
	size_t at = w->len;

	memset(pk, 0, sizeof *pk);
	pk->w = w;
	pk->spec = spec;
	pk->mp = packer_is_mp(spec);
	pk->max_len = spec->max_len < BGP_EXT_MAX_LEN ? spec->max_len : BGP_EXT_MAX_LEN;
	if (spec->next_hop_len > UINT8_MAX || (spec->withdraw && spec->attrs_len))
		return false;
	pk->start = bgp_msg_begin(w, BGP_UPDATE);
	if (pk->mp)
		packer_begin_mp(pk);
	else
		packer_begin_ipv4(pk);
	size_t need = w->len - pk->start + pk->fixed + packer_max_prefix(spec);
	if (w->overflow || need > pk->max_len || need > w->cap - pk->start) {
		w->len = at;
		w->overflow = false;
		return false;
	}
	return true;
}

/* Whether n more NLRI bytes fit in this UPDATE and in w. */
static bool packer_fits(const struct bgp_packer *pk, size_t n)
{
	size_t after = pk->w->len + n + pk->fixed;

	return after - pk->start <= pk->max_len && after <= pk->w->cap;
}

bool bgp_packer_add_raw(struct bgp_packer *pk, const uint8_t *nlri, size_t n)
{
	if (!packer_fits(pk, n))
		return false;
	wbuf_bytes(pk->w, nlri, n);
	pk->count++;
	return true;
}

bool bgp_packer_add(struct bgp_packer *pk, const struct bgp_prefix *p)
{
	if (!packer_fits(pk, bgp_nlri_size(p, pk->spec->addpath)))
		return false;
	bgp_nlri_put(pk->w, p, pk->spec->addpath);
	pk->count++;
	return true;
}

size_t bgp_packer_finish(struct bgp_packer *pk)
{
	const struct bgp_pack_spec *s = pk->spec;
	struct wbuf *w = pk->w;

	if (w->overflow)
		return 0;
	if (pk->count == 0) {
		w->len = pk->start;
		return 0;
	}
	if (pk->mp) {
		/* MP attribute length; then the section's length. */
		wbuf_patch16(w, pk->len_at, (uint16_t)(w->len - pk->len_at - 2));
		if (!s->withdraw)
			wbuf_bytes(w, s->attrs, s->attrs_len);
		wbuf_patch16(w, pk->start + BGP_HEADER_LEN + 2,
		    (uint16_t)(w->len - pk->start - BGP_HEADER_LEN - 4));
	} else if (s->withdraw) {
		wbuf_patch16(w, pk->len_at, (uint16_t)(w->len - pk->len_at - 2));
		wbuf_u16(w, 0);
	}
	bgp_msg_finish(w, pk->start);
	return w->len - pk->start;
}

/* ---- comparing ---------------------------------------------------- */

static bool bytes_equal(struct bgp_bytes a, struct bgp_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static bool attrs_equal_unknown(const struct bgp_attrs *a,
    const struct bgp_attrs *b)
{
	if (a->unknown_count != b->unknown_count)
		return false;
	for (size_t i = 0; i < a->unknown_count; i++) {
		const struct bgp_raw_attr *x = &a->unknown[i], *y = &b->unknown[i];
		if (x->flags != y->flags || x->type != y->type ||
		    !bytes_equal(x->val, y->val))
			return false;
	}
	return true;
}

bool bgp_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	uint64_t p = a->present;

#define HAS(t) (p & BGP_ATTR_BIT(BGP_ATTR_##t))
	if (a->present != b->present)
		return false;
	if ((HAS(ORIGIN) && a->origin != b->origin) ||
	    (HAS(NEXT_HOP) && memcmp(a->next_hop, b->next_hop, 4)) ||
	    (HAS(MED) && a->med != b->med) ||
	    (HAS(LOCAL_PREF) && a->local_pref != b->local_pref) ||
	    (HAS(ORIGINATOR_ID) && a->originator_id != b->originator_id))
		return false;
	if (HAS(AGGREGATOR) && (a->aggregator_as != b->aggregator_as ||
	    memcmp(a->aggregator_addr, b->aggregator_addr, 4)))
		return false;
	if ((HAS(AS_PATH) && !bytes_equal(a->as_path, b->as_path)) ||
	    (HAS(COMMUNITIES) && !bytes_equal(a->communities, b->communities)) ||
	    (HAS(EXT_COMMUNITIES) &&
	     !bytes_equal(a->ext_communities, b->ext_communities)) ||
	    (HAS(LARGE_COMMUNITIES) &&
	     !bytes_equal(a->large_communities, b->large_communities)) ||
	    (HAS(CLUSTER_LIST) && !bytes_equal(a->cluster_list, b->cluster_list)))
		return false;
	if (HAS(MP_REACH_NLRI) && (a->mp_reach.afi != b->mp_reach.afi ||
	    a->mp_reach.safi != b->mp_reach.safi ||
	    !bytes_equal(a->mp_reach.next_hop, b->mp_reach.next_hop) ||
	    !bytes_equal(a->mp_reach.nlri, b->mp_reach.nlri)))
		return false;
	if (HAS(MP_UNREACH_NLRI) && (a->mp_unreach.afi != b->mp_unreach.afi ||
	    a->mp_unreach.safi != b->mp_unreach.safi ||
	    !bytes_equal(a->mp_unreach.nlri, b->mp_unreach.nlri)))
		return false;
#undef HAS
	return attrs_equal_unknown(a, b);
}
