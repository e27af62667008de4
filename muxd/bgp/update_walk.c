/*
 * update_walk.c — the prefixes of an UPDATE, in table order.
 */
#include "muxd/bgp/update_walk.h"

static bool family_ok(uint16_t afi, uint8_t safi, const struct bgp_family *fams,
    size_t n)
{
	if (safi != BGP_SAFI_UNICAST || bgp_aid_unicast(afi) == AID_NONE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fams[i].afi == afi && fams[i].safi == safi)
			return true;
	return false;
}

/* The codec validated every NLRI block already; a false from
 * bgp_nlri_next can only mean the end. */
static void walk_block(struct bgp_bytes block, uint16_t afi, bool addpath,
    bool announce, const uint8_t *nh, size_t nh_len,
    const struct update_walk_ops *ops, void *arg, struct update_walk_stats *st)
{
	struct rbuf r = rbuf_make(block.p, block.len);
	struct bgp_prefix p;

	while (!rbuf_empty(&r) && bgp_nlri_next(&r, afi, addpath, &p)) {
		if (announce) {
			ops->announce(&p, nh, nh_len, arg);
			st->announced++;
		} else {
			ops->withdraw(&p, arg);
			st->withdrawn++;
		}
	}
}

static void count_ignored(struct bgp_bytes block, uint16_t afi, bool addpath,
    struct update_walk_stats *st)
{
	long n = bgp_aid_unicast(afi) != AID_NONE ?
	    bgp_nlri_count(block.p, block.len, afi, addpath) : 0;
	st->ignored += n > 0 ? (size_t)n : (block.len ? 1 : 0);
}

void update_walk(const struct bgp_update *u, const struct bgp_codec_ctx *rx,
    const struct bgp_family *fams, size_t nfams,
    const struct update_walk_ops *ops, void *arg, struct update_walk_stats *st)
{
	const struct bgp_attrs *a = &u->attrs;
	bool v4 = family_ok(BGP_AFI_IPV4, BGP_SAFI_UNICAST, fams, nfams);
	bool announce = !u->treat_as_withdraw;
	bool ap4 = rx->addpath[AID_IPV4_UNICAST];

	if (v4)
		walk_block(u->withdrawn, BGP_AFI_IPV4, ap4, false, NULL, 0, ops, arg, st);
	else
		count_ignored(u->withdrawn, BGP_AFI_IPV4, ap4, st);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_UNREACH_NLRI)) {
		const struct bgp_mp_unreach *m = &a->mp_unreach;
		if (family_ok(m->afi, m->safi, fams, nfams))
			walk_block(m->nlri, m->afi, bgp_ctx_addpath(rx, m->afi), false, NULL, 0, ops, arg, st);
		else
			count_ignored(m->nlri, m->safi == BGP_SAFI_UNICAST ? m->afi : 0,
			    bgp_ctx_addpath(rx, m->afi), st);
	}
	if (v4)
		walk_block(u->nlri, BGP_AFI_IPV4, ap4, announce,
		    a->next_hop, 4, ops, arg, st);
	else
		count_ignored(u->nlri, BGP_AFI_IPV4, ap4, st);
	if (a->present & BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI)) {
		const struct bgp_mp_reach *m = &a->mp_reach;
		if (family_ok(m->afi, m->safi, fams, nfams))
			walk_block(m->nlri, m->afi, bgp_ctx_addpath(rx, m->afi), announce,
			    m->next_hop.p, m->next_hop.len, ops, arg, st);
		else
			count_ignored(m->nlri, m->safi == BGP_SAFI_UNICAST ? m->afi : 0,
			    bgp_ctx_addpath(rx, m->afi), st);
	}
}
