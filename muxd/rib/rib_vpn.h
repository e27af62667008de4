/*
 * rib_vpn.h — a view's table as VPN routes and back: the encoding a view
 * host uses to carry every view over one iBGP session to its instance
 * hosts (RFC 4364 VPN-IPv4/VPN-IPv6, SAFI 128, with ADD-PATH).
 *
 * Each view is one VPN, named by its route distinguisher (gateway AS :
 * upstream id, bgp_rd_make); every path of the view travels as one VPN
 * route (RD, prefix, the path's own path id), so an instance host
 * rebuilds the view exactly: the same prefixes, path ids and attribute
 * sets. Attributes go untouched: the set's canonical bytes (attrset_wire,
 * made for a 4-octet-AS internal neighbor, which the export session is),
 * NEXT_HOP included when the upstream sent one (RFC 4760 §3 lets a VPN
 * receiver ignore it; ours keeps it, for the exact set). The MP_REACH
 * next hop is the path's own (attrset_next_hop) in VPN form: 4 bytes
 * become 12, 16 become 24, 32 (global, link-local) become 48.
 *
 * Pure: no I/O, no clock; the caller sends the messages and owns the
 * ribs.
 */
#ifndef BGPMUX_RIB_VPN_H
#define BGPMUX_RIB_VPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_vpn.h"
#include "muxd/rib/adjrib.h"

/* How a view goes out. */
struct rib_vpn_spec {
	struct bgp_rd rd;       /* the view's distinguisher */
	uint32_t label;         /* the 20-bit label every route carries */
	bool addpath;           /* the session's ADD-PATH for the VPN family */
	size_t max_len;         /* 4096, or 65535 with RFC 8654 */
};

/* Called with each complete UPDATE (header included); non-zero stops
 * the export and is returned. The bytes are valid during the call. */
typedef int (*rib_vpn_emit)(const uint8_t *msg, size_t len, void *arg);

/* Routes rib_vpn_export takes per step: the routes of a step that share
 * an attribute set go out together, each set's attributes once per
 * UPDATE. A larger step packs a table whose sets are scattered better
 * (bench_vpn on the PCH full table: 152,461 UPDATEs at 16,384, 90,118
 * with the whole table in one step) and holds the loop longer. */
#define RIB_VPN_CHUNK 16384

struct rib_vpn_stats {
	size_t routes;          /* routes sent */
	size_t updates;         /* UPDATEs emitted */
	size_t skipped;         /* routes with no next hop a VPN route can carry */
};

/*
 * Every route of afi (BGP_AFI_IPV4 or BGP_AFI_IPV6) in rib as VPN
 * announcements of spec->rd, in UPDATEs of at most spec->max_len bytes,
 * handed to emit one at a time; emit must not change the rib. Without
 * ADD-PATH only one path per prefix could be told apart; the caller
 * decides whether that is what it wants (path ids are then not sent).
 * Returns emit's non-zero result, or 0; st (may be NULL) gets the counts.
 */
int rib_vpn_export(const struct adjrib *rib, uint16_t afi,
    const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st);

/*
 * The same export in steps, for an event loop: each step sends up to
 * max_routes routes (grouped by set within the step) and returns; the
 * rib may change between steps (the walk holds a key, not a pointer:
 * adjrib.h's cursor rules, adjrib_cursor_passed on w->cursor tells which
 * side of it a changed route lies). st's counts are added to.
 */
struct rib_vpn_walk {
	struct adjrib_cursor cursor;
	struct rib_vpn_spec spec;
	uint16_t afi;
};

void rib_vpn_walk_init(struct rib_vpn_walk *w, uint16_t afi,
    const struct rib_vpn_spec *spec);
int rib_vpn_walk_step(const struct adjrib *rib, struct rib_vpn_walk *w,
    size_t max_routes, rib_vpn_emit emit, void *arg, struct rib_vpn_stats *st);
bool rib_vpn_walk_done(const struct rib_vpn_walk *w);

/*
 * Live changes, batched: routes given one at a time go into one open
 * UPDATE as long as they can share it — the same family, distinguisher
 * and kind, and for announcements the same attribute set (so the same
 * next hop) — filling it up to spec->max_len; a route it cannot carry
 * finishes it (handed to emit) and begins the next. So the wire keeps the
 * order of the changes exactly (a route changed twice goes out twice, in
 * order), while the changes that come together — a view's UPDATE, every
 * path of an upstream that went down — share UPDATEs. One 64 KiB buffer
 * for the batch's life; the open UPDATE's set is held (a reference)
 * until it is sent, so it may go from the table meanwhile.
 *
 * rib_vpn_batch_add: p (with its path id) announced with set, or
 * withdrawn (set NULL), under spec. Returns emit's non-zero result
 * (nothing more is sent from then on), or 0. A route that cannot go (no
 * next hop a VPN route carries, attributes too long) is counted as
 * skipped. rib_vpn_batch_flush sends the open UPDATE, if any; free drops
 * it unsent (flush first).
 */
struct rib_vpn_batch;

struct rib_vpn_batch *rib_vpn_batch_new(rib_vpn_emit emit, void *arg);
void rib_vpn_batch_free(struct rib_vpn_batch *b);
int rib_vpn_batch_add(struct rib_vpn_batch *b, const struct bgp_prefix *p,
    struct attrset *set, uint16_t afi, const struct rib_vpn_spec *spec);
int rib_vpn_batch_flush(struct rib_vpn_batch *b);
/* Whether an UPDATE is open (changes wait for a flush). */
bool rib_vpn_batch_pending(const struct rib_vpn_batch *b);
/* Routes added (sent or waiting), UPDATEs emitted, routes skipped. */
const struct rib_vpn_stats *rib_vpn_batch_stats(const struct rib_vpn_batch *b);

/*
 * One route (p with its path id, and its set) as one VPN announcement of
 * spec->rd, at once (an instance host's client routes: few, and each
 * goes when it comes). st's counts are added to (may be NULL). Same
 * returns as rib_vpn_export.
 */
int rib_vpn_announce(const struct bgp_prefix *p, const struct attrset *set,
    uint16_t afi, const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st);

/*
 * Withdrawals of routes (prefix with path id) of afi under spec->rd, as
 * UPDATEs with MP_UNREACH_NLRI (label field 0x800000): the view host's
 * side of a path going away. Same returns as rib_vpn_export.
 */
int rib_vpn_withdraw(const struct bgp_prefix *routes, size_t n, uint16_t afi,
    const struct rib_vpn_spec *spec, rib_vpn_emit emit, void *arg,
    struct rib_vpn_stats *st);

/*
 * The other way: what a VPN UPDATE (decoded by bgp_update_decode with
 * the session's context) says, route by route. announce gets each VPN
 * route of MP_REACH_NLRI with the UPDATE's attributes (MP_REACH and
 * MP_UNREACH taken out) and its next hop in the form attrset_intern
 * takes (4, 16 or 32 bytes); withdraw gets each of MP_UNREACH_NLRI. An
 * UPDATE to be treated as withdrawn (RFC 7606) gives withdrawals only.
 * Families other than VPN are not looked at. Returns the routes visited.
 */
struct rib_vpn_import_ops {
	void (*announce)(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
	    const uint8_t *nh, size_t nh_len, void *arg);
	void (*withdraw)(const struct bgp_vpn_prefix *vp, void *arg);
};

size_t rib_vpn_import(const struct bgp_update *u, const struct bgp_codec_ctx *ctx,
    const struct rib_vpn_import_ops *ops, void *arg);

#endif
