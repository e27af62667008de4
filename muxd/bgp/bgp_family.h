/*
 * bgp_family.h — the address families bgpmux knows: a dense index (the
 * aid) and one descriptor per AFI/SAFI.
 *
 * An AFI/SAFI pair from the wire or the configuration becomes an aid once,
 * where it enters; from then on every per-family table is an array indexed
 * by aid and every per-family loop runs over the aids (FOR_EACH_RIB_AID),
 * so no module spells "IPv4 then IPv6" or wastes slot 0 of an AFI-indexed
 * array. The RIB families (the unicast ones, whose routes the views and
 * instances carry) come first: an array of routes is [AID_RIB_MAX]. The
 * others are negotiated (multisession family ports, the families a
 * neighbor offers) but carry no routes here; they share the table for
 * their names and numbers.
 */
#ifndef BGPMUX_BGP_FAMILY_H
#define BGPMUX_BGP_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/bgp/bgp.h"

enum bgp_aid {
	AID_IPV4_UNICAST,
	AID_IPV6_UNICAST,
	AID_IPV4_MULTICAST,
	AID_IPV6_MULTICAST,
	AID_IPV4_VPN,
	AID_IPV6_VPN,
	AID_MAX,
	AID_NONE = AID_MAX,     /* an AFI/SAFI (or name) the table does not know */
};

/* The families the RIB stores: aids 0 .. AID_RIB_MAX-1. */
#define AID_RIB_MAX (AID_IPV6_UNICAST + 1)

#define FOR_EACH_AID(aid) \
	for (enum bgp_aid aid = 0; aid < AID_MAX; aid++)
#define FOR_EACH_RIB_AID(aid) \
	for (enum bgp_aid aid = 0; aid < AID_RIB_MAX; aid++)

struct bgp_af {
	uint16_t afi;           /* IANA AFI */
	uint8_t safi;           /* IANA SAFI */
	uint8_t addr_len;       /* bytes of an address: 4 or 16 */
	uint8_t max_bits;       /* the longest prefix: 32 or 128 */
	int inet;               /* AF_INET / AF_INET6, for the text forms */
	const char *name;       /* "ipv4-unicast": config keys, API JSON, logs */
	const char *afi_name;   /* "IPv4": log text */
};

extern const struct bgp_af bgp_af_table[AID_MAX];

/* aid < AID_MAX (never AID_NONE). */
static inline const struct bgp_af *bgp_af(enum bgp_aid aid)
{
	return &bgp_af_table[aid];
}

static inline bool bgp_aid_is_rib(enum bgp_aid aid)
{
	return (unsigned)aid < AID_RIB_MAX;
}

/* The unicast (RIB) family of an AFI carried in NLRI or a route: an
 * array index on the per-route paths, no search. AID_NONE for an AFI
 * other than IPv4 and IPv6. */
static inline enum bgp_aid bgp_aid_unicast(uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? AID_IPV4_UNICAST :
	    afi == BGP_AFI_IPV6 ? AID_IPV6_UNICAST : AID_NONE;
}

/* The RIB family of an AFI/SAFI, AID_NONE for any other: no search. */
static inline enum bgp_aid bgp_aid_rib(uint16_t afi, uint8_t safi)
{
	return safi == BGP_SAFI_UNICAST ? bgp_aid_unicast(afi) : AID_NONE;
}

/* AFI/SAFI → aid; AID_NONE for a family the table does not know. */
enum bgp_aid bgp_aid_of(uint16_t afi, uint8_t safi);

/* "ipv6-unicast" → aid; AID_NONE for a name the table does not know. */
enum bgp_aid bgp_aid_by_name(const char *name);

#endif
