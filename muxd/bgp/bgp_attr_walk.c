/*
 * bgp_attr_walk.c — the walks over a path attribute section: decoding
 * (framing, duplicates, unknown attributes, flags and length bounds, then
 * the type's row in bgp_attr.c) and encoding (rows and unknown attributes
 * in type order).
 *
 * On a 2-octet session AS_PATH, AS4_PATH, AGGREGATOR and AS4_AGGREGATOR
 * are put together once the whole section is read (RFC 6793 §4.2.3).
 */
#include "muxd/bgp/bgp_attr_table.h"

#include <string.h>

/* ---- decoding a section ------------------------------------------------ */

static void attr_err(struct attr_state *st, enum bgp_tier tier,
    uint8_t subcode, struct bgp_bytes data, const char *why)
{
	bgp_err_set(st->err, tier, BGP_ERR_UPDATE, subcode, data.p, data.len, why);
}

/* Marks type as seen; whether it was already. */
static bool attr_seen(struct attr_state *st, uint8_t type)
{
	uint64_t bit = (uint64_t)1 << (type % 64);
	bool seen = (st->seen[type / 64] & bit) != 0;

	st->seen[type / 64] |= bit;
	return seen;
}

/* An optional attribute we do not know: kept, in type order, to pass on.
 * A transitive one is marked Partial now (see struct bgp_raw_attr). */
static void attr_keep_unknown(struct attr_state *st, uint8_t flags,
    uint8_t type, struct bgp_bytes val, struct bgp_bytes whole)
{
	struct bgp_attrs *a = st->a;
	size_t i;

	if (a->unknown_count == BGP_MAX_UNKNOWN_ATTRS) {
		attr_err(st, BGP_TIER_ATTR_DISCARD, BGP_ERR_UPD_OPTIONAL, whole,
		    "too many unknown optional attributes: one dropped");
		return;
	}
	flags &= BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE | BGP_ATTR_F_PARTIAL;
	if (flags & BGP_ATTR_F_TRANSITIVE)
		flags |= BGP_ATTR_F_PARTIAL;
	for (i = a->unknown_count++; i > 0 && a->unknown[i - 1].type > type; i--)
		a->unknown[i] = a->unknown[i - 1];
	a->unknown[i].flags = flags;
	a->unknown[i].type = type;
	a->unknown[i].val = val;
}

static void attr_unknown(struct attr_state *st, uint8_t flags, uint8_t type,
    struct bgp_bytes val, struct bgp_bytes whole)
{
	/* RFC 4271 §6.3, untouched by RFC 7606: a well-known attribute we
	 * do not know means we do not speak the peer's BGP. */
	if (!(flags & BGP_ATTR_F_OPTIONAL)) {
		attr_err(st, BGP_TIER_RESET, BGP_ERR_UPD_UNRECOGNIZED, whole,
		    "unrecognized well-known attribute");
		return;
	}
	attr_keep_unknown(st, flags, type, val, whole);
}

/* The checks every known attribute shares, before its row's decoder. */
static void attr_dispatch(struct attr_state *st, uint8_t flags, uint8_t type,
    struct rbuf val, struct bgp_bytes whole)
{
	const struct attr_row *row;
	struct attr_in in = { st, NULL, whole, val };

	if (attr_seen(st, type)) {
		/* RFC 7606 §3 g. */
		if (type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI)
			attr_err(st, BGP_TIER_RESET, BGP_ERR_UPD_ATTR_LIST,
			    (struct bgp_bytes){ NULL, 0 },
			    "MP_REACH_NLRI or MP_UNREACH_NLRI more than once");
		else
			attr_err(st, BGP_TIER_ATTR_DISCARD, BGP_ERR_UPD_ATTR_LIST,
			    whole, "attribute repeated: all but the first discarded");
		return;
	}
	row = bgp_attr_row(type);
	if (row == NULL) {
		attr_unknown(st, flags, type, bgp_attr_bytes(&val), whole);
		return;
	}
	if (row->skip == ATTR_SKIP_EBGP && st->ctx->ebgp) {
		attr_err(st, BGP_TIER_ATTR_DISCARD, 0, whole,
		    "attribute of internal peers from an external peer: discarded");
		return;
	}
	if (row->skip == ATTR_SKIP_AS4 && st->ctx->as4) {
		attr_err(st, BGP_TIER_ATTR_DISCARD, 0, whole,
		    "AS4_PATH or AS4_AGGREGATOR on a 4-octet session: discarded");
		return;
	}
	in.row = row;
	if ((flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) != row->flags) {
		attr_err(st, row->flags_tier, BGP_ERR_UPD_FLAGS, whole,
		    "attribute flags wrong for its type");
		return;
	}
	if (val.len < row->min_len || val.len > row->max_len) {
		bgp_attr_fail(&in, row->len_subcode, "attribute length wrong for its type");
		return;
	}
	row->decode(&in);
}

/* RFC 7606 §4: an attribute header cut short, or a length past the end of
 * the section, is treat-as-withdraw; the Total Path Attribute Length
 * still finds the NLRI. Nothing can hide behind the broken attribute (it
 * is the last), unless it is an MP_REACH/MP_UNREACH: then that NLRI is
 * lost and only a reset is safe (§3 j). */
static void attrs_walk(struct attr_state *st, struct rbuf r)
{
	while (!rbuf_empty(&r) && st->err->tier != BGP_TIER_RESET) {
		struct bgp_bytes rest = bgp_attr_bytes(&r);
		uint8_t flags, type, len8 = 0;
		uint16_t len = 0;
		struct rbuf val;

		bool ok = rbuf_u8(&r, &flags) && rbuf_u8(&r, &type);
		if (ok && (flags & BGP_ATTR_F_EXTLEN))
			ok = rbuf_u16(&r, &len);
		else if (ok && (ok = rbuf_u8(&r, &len8)))
			len = len8;
		if (!ok) {
			attr_err(st, BGP_TIER_WITHDRAW, BGP_ERR_UPD_ATTR_LIST, rest,
			    "path attribute header cut short by the section end");
			return;
		}
		if (!rbuf_sub(&r, len, &val)) {
			bool mp = type == BGP_ATTR_MP_REACH_NLRI ||
			    type == BGP_ATTR_MP_UNREACH_NLRI;
			attr_err(st, mp ? BGP_TIER_RESET : BGP_TIER_WITHDRAW,
			    BGP_ERR_UPD_ATTR_LIST, rest,
			    "path attribute overruns the attribute section");
			return;
		}
		rest.len = (uint16_t)(rest.len - r.len);
		attr_dispatch(st, flags, type, val, rest);
	}
}

/* RFC 6793 §4.2.3 on a 2-octet session: AGGREGATOR and AS4_AGGREGATOR
 * first (an AGGREGATOR that is not AS_TRANS says the AS4 attributes are
 * stale), then the AS_PATH widened with AS4_PATH merged. */
static void attrs_merge_as4(struct attr_state *st)
{
	struct bgp_attrs *a = st->a;
	struct bgp_bytes as4 = { NULL, 0 };
	bool use_as4_path = st->has_as4_path;

	if (st->has_as4_aggregator && bgp_attr_has(a, BGP_ATTR_AGGREGATOR)) {
		if (a->aggregator_as != BGP_AS_TRANS) {
			use_as4_path = false;
		} else {
			a->aggregator_as = st->as4_aggregator_as;
			memcpy(a->aggregator_addr, st->as4_aggregator_addr, 4);
		}
	}
	if (!bgp_attr_has(a, BGP_ATTR_AS_PATH))
		return;
	if (use_as4_path)
		as4 = st->as4_path;
	if (!bgp_aspath_from_as2(st->as2_path, as4, st->scratch,
	    st->scratch_cap, &a->as_path))
		bgp_err_set(st->err, BGP_TIER_RESET, BGP_ERR_CEASE,
		    BGP_CEASE_OUT_OF_RESOURCES, NULL, 0,
		    "no scratch memory to widen a 2-octet AS_PATH");
}

bool bgp_attrs_decode(const uint8_t *p, size_t len,
    const struct bgp_codec_ctx *ctx, uint8_t *scratch, size_t scratch_cap,
    struct bgp_attrs *a, struct bgp_err *err)
{
	struct attr_state st = {
		.ctx = ctx, .a = a, .err = err,
		.scratch = scratch, .scratch_cap = scratch_cap,
	};

	memset(a, 0, sizeof *a);
	memset(err, 0, sizeof *err);
	attrs_walk(&st, rbuf_make(p, len));
	if (err->tier != BGP_TIER_RESET && !ctx->as4)
		attrs_merge_as4(&st);
	return err->tier != BGP_TIER_RESET;
}

/* ---- encoding a section ------------------------------------------------ */

void bgp_attr_put_header(struct wbuf *w, uint8_t flags, uint8_t type,
    size_t len)
{
	flags &= (uint8_t)~BGP_ATTR_F_EXTLEN;
	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	if (len > UINT8_MAX) {
		wbuf_u8(w, flags | BGP_ATTR_F_EXTLEN);
		wbuf_u8(w, type);
		wbuf_u16(w, (uint16_t)len);
	} else {
		wbuf_u8(w, flags);
		wbuf_u8(w, type);
		wbuf_u8(w, (uint8_t)len);
	}
}

/* The header of a value just written after a 4-octet gap at `at`: the
 * short form (moving the value down one octet) unless it needs two. */
static void attr_close(struct wbuf *w, size_t at, uint8_t flags, uint8_t type)
{
	size_t len = w->len - at - 4;

	if (w->overflow)
		return;
	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	if (len > UINT8_MAX) {
		w->p[at] = flags | BGP_ATTR_F_EXTLEN;
		w->p[at + 1] = type;
		wbuf_patch16(w, at + 2, (uint16_t)len);
		return;
	}
	memmove(w->p + at + 3, w->p + at + 4, len);
	w->len--;
	w->p[at] = flags;
	w->p[at + 1] = type;
	w->p[at + 2] = (uint8_t)len;
}

static void attr_put_row(struct wbuf *w, const struct bgp_attrs *a,
    const struct attr_row *row, const struct bgp_codec_ctx *ctx)
{
	struct attr_out o = { w, a, row, ctx };

	if (row->encode == NULL || !bgp_attr_has(a, row->needs ? row->needs : row->type))
		return;
	/* RFC 4271 §5.1.5, RFC 4456: never to an external peer. */
	if (row->skip == ATTR_SKIP_EBGP && ctx->ebgp)
		return;
	size_t at = wbuf_mark(w, 4);
	if (!row->encode(&o)) {
		if (!w->overflow)
			w->len = at;
		return;
	}
	attr_close(w, at, row->flags, row->type);
}

/* RFC 4271 §5: an unrecognised optional transitive attribute is passed
 * on with Partial set; a non-transitive one is not passed on. */
static void attr_put_unknown(struct wbuf *w, const struct bgp_raw_attr *u)
{
	if (!(u->flags & BGP_ATTR_F_TRANSITIVE))
		return;
	bgp_attr_put_header(w, u->flags | BGP_ATTR_F_PARTIAL, u->type, u->val.len);
	wbuf_bytes(w, u->val.p, u->val.len);
}

void bgp_attrs_encode(struct wbuf *w, const struct bgp_attrs *a,
    const struct bgp_codec_ctx *ctx)
{
	size_t i = 0, j = 0;

	/* Two lists in type order, merged. */
	while (i < bgp_attr_row_count || j < a->unknown_count) {
		if (j < a->unknown_count &&
		    (i == bgp_attr_row_count || a->unknown[j].type < bgp_attr_rows[i].type))
			attr_put_unknown(w, &a->unknown[j++]);
		else
			attr_put_row(w, a, &bgp_attr_rows[i++], ctx);
	}
}
