/*
 * update_walk.h — every prefix of a decoded UPDATE, in the order that
 * keeps a table right: withdrawals (IPv4 field, MP_UNREACH) first, then
 * announcements (IPv4 NLRI with NEXT_HOP, MP_REACH with its next hop).
 * Under RFC 7606 treat-as-withdraw the announcements come as withdrawals.
 * Pure: the caller's callbacks do the work.
 */
#ifndef BGPMUX_UPDATE_WALK_H
#define BGPMUX_UPDATE_WALK_H

#include <stddef.h>

#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"

struct update_walk_ops {
	void (*withdraw)(const struct bgp_prefix *p, void *arg);
	void (*announce)(const struct bgp_prefix *p, const uint8_t *next_hop,
	    size_t nh_len, void *arg);
};

struct update_walk_stats {
	size_t announced;
	size_t withdrawn;
	size_t ignored;         /* prefixes of families not negotiated */
};

/* Only IPv4/IPv6 unicast prefixes of the given (negotiated) families are
 * delivered; the rest is counted as ignored. */
void update_walk(const struct bgp_update *u, const struct bgp_codec_ctx *rx,
    const struct bgp_family *families, size_t family_count,
    const struct update_walk_ops *ops, void *arg, struct update_walk_stats *st);

#endif
