/*
 * ris_msg.c — gathering an UPDATE's prefixes and path for the stream.
 */
#include "web/ris_msg.h"

#include <string.h>

static const char *const type_names[RIS_TYPES] = {
	[RIS_UPDATE] = "UPDATE",
	[RIS_OPEN] = "OPEN",
	[RIS_NOTIFICATION] = "NOTIFICATION",
	[RIS_KEEPALIVE] = "KEEPALIVE",
	[RIS_PEER_STATE] = "RIS_PEER_STATE",
};

const char *ris_type_name(enum ris_type t)
{
	return t > RIS_ANY && t < RIS_TYPES ? type_names[t] : "";
}

enum ris_type ris_type_parse(const char *s)
{
	for (int t = RIS_UPDATE; t < RIS_TYPES; t++)
		if (strcmp(s, type_names[t]) == 0)
			return (enum ris_type)t;
	return RIS_ANY;
}

size_t ris_path_items(struct bgp_bytes path, struct ris_path_item *out,
    size_t max)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	size_t n = 0;
	uint8_t type, count;

	while (rbuf_u8(&r, &type) && rbuf_u8(&r, &count)) {
		const uint8_t *asns = r.p;
		bool is_set = type == BGP_AS_SET || type == BGP_AS_CONFED_SET;
		if (!rbuf_skip(&r, 4 * (size_t)count) || count == 0)
			return 0;
		if (is_set) {
			if (n == max)
				return 0;
			out[n++] = (struct ris_path_item){ true, 0, count, asns };
			continue;
		}
		for (unsigned i = 0; i < count; i++) {
			if (n == max)
				return 0;
			const uint8_t *a = asns + 4 * i;
			uint32_t asn = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			    (uint32_t)a[2] << 8 | a[3];
			out[n++] = (struct ris_path_item){ false, asn, 0, NULL };
		}
	}
	return rbuf_empty(&r) ? n : 0;
}

/* Append the prefixes of an NLRI block (checked whole by the decoder). */
static bool collect(struct bgp_bytes nlri, uint16_t afi, bool addpath,
    struct bgp_prefix *buf, size_t cap, size_t *n)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_prefix p;

	while (!rbuf_empty(&r)) {
		if (!bgp_nlri_next(&r, afi, addpath, &p))
			return true;    /* cannot happen after decoding */
		if (*n == cap)
			return false;
		buf[(*n)++] = p;
	}
	return true;
}

static bool unicast(uint16_t afi, uint8_t safi)
{
	return bgp_aid_rib(afi, safi) != AID_NONE;
}

static void add_announce(struct ris_msg *m, uint16_t afi, const uint8_t *nh,
    const struct bgp_prefix *p, size_t n)
{
	if (n > 0)
		m->ann[m->n_ann++] = (struct ris_announce){ afi, nh, p, n };
}

/* Announced prefixes: IPv4 NLRI with NEXT_HOP, MP_REACH with its next
 * hop — an IPv6 global and link-local pair gives two entries. */
static bool collect_announced(struct ris_msg *m, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx, struct bgp_prefix *buf, size_t cap,
    size_t *n)
{
	const struct bgp_attrs *a = &u->attrs;
	size_t start = *n;

	if (!collect(u->nlri, BGP_AFI_IPV4, ctx->addpath[AID_IPV4_UNICAST], buf, cap, n))
		return false;
	add_announce(m, BGP_AFI_IPV4, a->next_hop, buf + start, *n - start);
	const struct bgp_mp_reach *mp = &a->mp_reach;
	if (!(a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) ||
	    !unicast(mp->afi, mp->safi))
		return true;
	start = *n;
	if (!collect(mp->nlri, mp->afi, bgp_ctx_addpath(ctx, mp->afi), buf, cap, n))
		return false;
	size_t nh = bgp_af(bgp_aid_unicast(mp->afi))->addr_len;
	if (mp->next_hop.len >= nh)
		add_announce(m, mp->afi, mp->next_hop.p, buf + start, *n - start);
	if (mp->next_hop.len == 32)
		add_announce(m, mp->afi, mp->next_hop.p + 16, buf + start, *n - start);
	return true;
}

static bool collect_withdrawn(const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx, struct bgp_prefix *buf, size_t cap,
    size_t *n)
{
	const struct bgp_mp_unreach *mu = &u->attrs.mp_unreach;

	if (!collect(u->withdrawn, BGP_AFI_IPV4, ctx->addpath[AID_IPV4_UNICAST], buf, cap, n))
		return false;
	if ((u->attrs.present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) &&
	    unicast(mu->afi, mu->safi))
		return collect(mu->nlri, mu->afi, bgp_ctx_addpath(ctx, mu->afi), buf, cap, n);
	return true;
}

/* Treat-as-withdraw: what was announced is withdrawn. */
static bool collect_taw(const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx, struct bgp_prefix *buf, size_t cap,
    size_t *n)
{
	const struct bgp_mp_reach *mp = &u->attrs.mp_reach;

	if (!collect(u->nlri, BGP_AFI_IPV4, ctx->addpath[AID_IPV4_UNICAST], buf, cap, n))
		return false;
	if ((u->attrs.present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) &&
	    unicast(mp->afi, mp->safi))
		return collect(mp->nlri, mp->afi, bgp_ctx_addpath(ctx, mp->afi), buf, cap, n);
	return true;
}

bool ris_msg_from_update(struct ris_msg *m, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx, struct bgp_prefix *buf, size_t cap,
    struct ris_path_item *items, size_t item_cap)
{
	size_t n = 0;

	m->type = RIS_UPDATE;
	m->attrs = NULL;
	m->path = items;
	m->path_len = 0;
	m->n_ann = 0;
	if (!collect_withdrawn(u, ctx, buf, cap, &n))
		return false;
	if (u->treat_as_withdraw && !collect_taw(u, ctx, buf, cap, &n))
		return false;
	m->withdrawn = buf;
	m->n_withdrawn = n;
	if (u->treat_as_withdraw)
		return true;
	if (!collect_announced(m, u, ctx, buf, cap, &n))
		return false;
	if (m->n_ann > 0) {
		m->attrs = &u->attrs;
		m->path_len = ris_path_items(u->attrs.as_path, items, item_cap);
	}
	return true;
}
