/*
 * attr_hash.h — a 32-bit fingerprint of a route's path attributes, as a
 * transparent re-advertiser passes them on: two receivers of the same
 * route through different speakers get the same hash. bgp_sink keeps one
 * per prefix and compares tables by them (rtable.h).
 */
#ifndef BGPMUX_TOOLS_ATTR_HASH_H
#define BGPMUX_TOOLS_ATTR_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

/*
 * ORIGIN, AS_PATH, MED, ATOMIC_AGGREGATE, AGGREGATOR, the three kinds of
 * communities (as sets) and unknown optional transitive attributes, in
 * decoded form (so a 2-octet session's AS_PATH + AS4_PATH hashes like the
 * 4-octet AS_PATH). Left out: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST
 * (they never cross eBGP) and the next hop (attr_hash_finish adds it).
 */
uint64_t attr_hash_base(const struct bgp_attrs *a);

/* The base with the next hop: an IPv6 one counts by its global address
 * only (a link-local one after it is for the link, and may be dropped on
 * the way). */
uint32_t attr_hash_finish(uint64_t base, const uint8_t *nh, size_t len);

#endif
