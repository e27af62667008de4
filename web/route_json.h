/*
 * route_json.h — routes and attribute sets as JSON (jansson), for the API,
 * the live stream and the integration tests, which compare it with what
 * BIRD, GoBGP, FRR and ExaBGP were told to announce. The format is exact
 * and stable; keys appear in this order, absent attributes are left out:
 *
 *   "prefix"            "192.0.2.0/24", "2001:db8::/32" (route_to_json only)
 *   "path_id"           ADD-PATH path id, 0 without           (route_to_json only)
 *   "origin"            "igp" | "egp" | "incomplete"
 *   "as_path"           [65010, 1, [2, 3]]: each AS_SEQUENCE's ASNs inline,
 *                       each AS_SET as a nested array (as RIS Live does),
 *                       AS_CONFED_SEQUENCE as {"confed_sequence":[…]},
 *                       AS_CONFED_SET as {"confed_set":[…]}; [] for an
 *                       empty AS_PATH (iBGP-originated)
 *   "next_hop"          "192.0.2.1" (4-byte next hop), or the IPv6 global
 *                       address (16 or 32 bytes), RFC 5952 text
 *   "next_hop_ll"       the IPv6 link-local address, when the next hop
 *                       has 32 bytes (always shown then, even if ::)
 *   "med"               integer
 *   "local_pref"        integer
 *   "atomic_aggregate"  true
 *   "aggregator"        "65010:192.0.2.1" (AS:router id, AS4_AGGREGATOR merged)
 *   "communities"       ["65010:1", "65535:65281", …] in attribute order,
 *                       always numeric (no well-known names)
 *   "ext_communities"   in attribute order: route targets and origins of
 *                       the transitive two-octet-AS, IPv4 and four-octet-AS
 *                       types as "rt:65010:1", "rt:192.0.2.1:7",
 *                       "ro:4200000000:1" ("rt:65010L:1" for a
 *                       four-octet-AS type whose AS fits in 16 bits, so
 *                       the text maps back to one encoding); anything
 *                       else as "0x" + 16 lowercase hex digits
 *   "large_communities" ["65010:1:2", …] in attribute order
 *   "originator_id"     "192.0.2.9"
 *   "cluster_list"      ["192.0.2.10", …]
 *   "unknown"           [{"type":99,"flags":224,"hex":"0a0b"}, …]: the
 *                       attributes the codec does not interpret, ascending
 *                       type, value in lowercase hex; flags as the codec
 *                       keeps them: Optional, Transitive and Partial bits,
 *                       Partial always set on a transitive one (RFC 4271
 *                       §5, set when it is received), never Extended Length
 *
 * An attribute set is rendered from its canonical form (attrset.h): the
 * AS_PATH is the 4-octet one whatever the session spoke (AS4_PATH merged),
 * and unknown optional non-transitive attributes are not there.
 *
 * Every function returns a new reference (json_decref it). Out of memory
 * is fatal().
 */
#ifndef BGPMUX_ROUTE_JSON_H
#define BGPMUX_ROUTE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "muxd/rib/adjrib.h"
#include "muxd/rib/attrset.h"
#include "muxd/bgp/bgp_update.h"

/* The attribute keys above for a decoded attribute set and next hop (not
 * necessarily interned: e.g. an UPDATE as received, for the live stream;
 * then unknown optional non-transitive attributes show too, and AS_PATH
 * is as decoded, which is the 4-octet form on every session). */
json_t *route_json_attrs(const struct bgp_attrs *a, const uint8_t *next_hop,
    size_t nh_len);

json_t *attrset_to_json(const struct attrset *set);
/* {"prefix", "path_id", then attrset_to_json's keys}. */
json_t *route_to_json(const struct bgp_prefix *p, const struct attrset *set);
/* An array of route_to_json objects, in the rib's prefix order, for afi
 * (BGP_AFI_IPV4, BGP_AFI_IPV6, or 0 for IPv4 then IPv6). */
json_t *adjrib_to_json(const struct adjrib *rib, uint16_t afi);

/*
 * The same text written route by route, for a dump too big to hold as
 * one tree (routes.json of a full table): memory stays that of one route.
 * route_json_open writes head's keys then `"key":[` (head is consumed);
 * route_json_write_cb, as the callback of a walk or cursor with a struct
 * route_json_writer as its argument, writes each route (commas between);
 * route_json_close writes `]}`. A failed write stops the walk (the
 * callback returns non-zero) and leaves `failed` set.
 */
struct route_json_writer {
	FILE *f;
	size_t routes;                  /* written */
	bool failed;
};

bool route_json_open(struct route_json_writer *w, json_t *head, const char *key);
int route_json_write_cb(const struct bgp_prefix *p, struct attrset *set, void *arg);
bool route_json_close(struct route_json_writer *w);

#endif
