/*
 * ris_msg.h — one BGP message as the live stream sees it: what RIS Live's
 * "ris_message" shows and what subscriptions filter on, gathered once per
 * message and shared by every subscriber (web/ris_sub.h matches it,
 * web/ris_json.h renders it).
 *
 * Pure: the UPDATE collector reads a decoded bgp_update (whose NLRI were
 * checked whole by the decoder) into caller-provided arrays.
 */
#ifndef BGPMUX_RIS_MSG_H
#define BGPMUX_RIS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"

enum ris_type {
	RIS_ANY = 0,
	RIS_UPDATE,
	RIS_OPEN,
	RIS_NOTIFICATION,
	RIS_KEEPALIVE,
	RIS_PEER_STATE,
	RIS_TYPES
};

/* "UPDATE", …, "RIS_PEER_STATE"; ris_type_parse returns RIS_ANY for an
 * unknown name. */
const char *ris_type_name(enum ris_type t);
enum ris_type ris_type_parse(const char *s);

/* One element of an AS path: an ASN, or a set (AS_SET, AS_CONFED_SET)
 * of n ASNs at asns (4-octet, network order, inside the path bytes). */
struct ris_path_item {
	bool is_set;
	uint32_t asn;
	uint16_t n;
	const uint8_t *asns;
};

/* The prefixes of one next hop. */
struct ris_announce {
	uint16_t afi;
	const uint8_t *next_hop;        /* 4 or 16 octets */
	const struct bgp_prefix *prefixes;
	size_t n;
};

struct ris_msg {
	enum ris_type type;
	const char *host;               /* the view's name */
	double timestamp;               /* seconds since the epoch */
	uint16_t peer_afi;              /* BGP_AFI_IPV4 / _IPV6 */
	uint8_t peer_addr[16];
	uint32_t peer_asn;
	uint64_t seq;                   /* for the id: "host-seq" */

	/* UPDATE; attrs NULL when it announces nothing */
	const struct bgp_attrs *attrs;
	const struct ris_path_item *path;
	size_t path_len;
	struct ris_announce ann[3];     /* IPv4, MP global, MP link-local */
	size_t n_ann;
	const struct bgp_prefix *withdrawn;
	size_t n_withdrawn;

	/* OPEN, NOTIFICATION: which way it went */
	bool sent;
	const struct bgp_open *open;
	const struct bgp_notification *notification;

	/* RIS_PEER_STATE: "connected", "down" */
	const char *state;

	/* the whole BGP message, for includeRaw; NULL when unknown */
	const uint8_t *raw;
	size_t raw_len;
};

/* The AS path as items; at most max (a path of len bytes never has more
 * than len / 4 items). Returns the count, 0 for a malformed path. */
size_t ris_path_items(struct bgp_bytes path, struct ris_path_item *out,
    size_t max);

/* Room for every prefix of an UPDATE of len octets body. */
#define RIS_PREFIXES_MAX(len) ((len) + 1)

/*
 * Fill m's UPDATE fields from u, decoded with ctx (its ADD-PATH flags).
 * buf has room for cap prefixes (RIS_PREFIXES_MAX of the body length
 * always suffices); items for item_cap path items. A treat-as-withdraw
 * UPDATE (RFC 7606) shows its announced prefixes as withdrawals. Only
 * unicast IPv4/IPv6 prefixes are shown. False if buf was too small.
 */
bool ris_msg_from_update(struct ris_msg *m, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx, struct bgp_prefix *buf, size_t cap,
    struct ris_path_item *items, size_t item_cap);

#endif
