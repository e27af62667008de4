/*
 * walk.h — sending a view's whole table to clients that join: a cursor
 * over the feed, moved in chunks, and the live changes the cursor has
 * passed, for one or more clients at once.
 *
 * Clients that join close together with the same encoding classes share
 * one walk: each chunk and each live change is encoded once and the same
 * bytes go to all of them (fanout.h), exactly as for clients in steady
 * state. A member that falls far behind the others is split off into a
 * walk of its own, which goes on from the same place at its own pace, so
 * a slow joiner never holds the others up.
 *
 * A walk for ROUTE-REFRESH (refresh) has one member, already holding the
 * table and getting the live changes with its class: it only sends the
 * table again, without End-of-RIB; with enhanced route refresh (RFC 7313)
 * between BoRR and EoRR for each family it walks.
 *
 * Client routes (client_to_client, c2c.h) go with the table: the whole
 * c2c table, current, with the first chunk; after it every change of it
 * is passed (walk_live).
 *
 * Why no gap and no duplicate: see walk_live. The instance calls it for
 * every batch of live changes before the cursor moves again.
 */
#ifndef BGPMUX_WALK_H
#define BGPMUX_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "instances/fanout.h"
#include "views/feed.h"

struct c2c;

/* Routes per chunk: a chunk is grouped by attribute set before packing,
 * so larger chunks pack better (a full table: ~1.7 routes per UPDATE at
 * 4096, ~2.2 at 16384, against ~6.4 live); 16384 costs ~10 ms a step. */
#define WALK_CHUNK 16384
/* A walk sends its next chunk only while some member's output queue holds
 * less than this: a joining client's table is never queued whole. */
#define WALK_QUEUE_HIGH (1u << 20)
/* A member whose queue holds this much while the others read on leaves
 * the shared walk for one of its own (momentary differences between the
 * members do not split a walk; a member that stopped reading does). */
#define WALK_SPLIT_QUEUE (4u << 20)

struct client;
struct walk;

/* cls: the members' encoding class per RIB family (by aid; NULL = family
 * not negotiated), the same for every member. fams: the negotiated families,
 * for End-of-RIB. afi: 0 for every family the classes cover. */
struct walk *walk_new(struct fanout_class *const cls[AID_RIB_MAX],
    const struct bgp_family *fams, uint8_t fam_count, uint16_t afi, bool refresh);
/* Members must have been removed. */
void walk_free(struct walk *w);

/* Whether c may join: same classes and families, not a refresh, and the
 * cursor has not moved yet. */
bool walk_joinable(const struct walk *w, struct fanout_class *const cls[AID_RIB_MAX],
    const struct bgp_family *fams, uint8_t fam_count);
void walk_add(struct walk *w, struct client *c);
/* False if c was not a member. */
bool walk_remove(struct walk *w, struct client *c);
size_t walk_member_count(const struct walk *w);
struct client *walk_member(const struct walk *w, size_t i);
bool walk_refresh(const struct walk *w);
bool walk_done(const struct walk *w);
uint16_t walk_afi(const struct walk *w);

/* The families whose End-of-RIB the walk holds back (held[aid] true when
 * it is done): held stays the caller's, read when the walk ends. */
void walk_hold_eor(struct walk *w, const bool held[AID_RIB_MAX]);

/* A new walk for member c, going on from where w is (c leaves w). */
struct walk *walk_split(struct walk *w, struct client *c);

/* Send the next chunk (up to max routes of f) to every member; the first
 * also sends the client routes of c2c (NULL: none) in the families
 * walked, each to the members but its owner; at the end, End-of-RIB for
 * each family (a refresh: BoRR before the first chunk and EoRR after the
 * last, to members with enhanced route refresh). Members' sessions must
 * be up. Returns the view's routes sent. */
size_t walk_step(struct walk *w, const struct feed *f, const struct c2c *c2c, size_t max);

/* The live changes of one family (in order, for the members' class: path
 * ids for ADD-PATH, 0 otherwise) that the walk has passed — the members
 * had the old state from the walk, the others the walk sends later as they
 * are then — encoded once for every member. owner: parallel to r, a
 * client route's owner (NULL: every route is the view's); client routes
 * are passed from the first chunk on. Not for a refresh. aid: a RIB
 * family. */
void walk_live(struct walk *w, enum bgp_aid aid, const struct fanout_route *r,
    char *const *owner, size_t n);

/* "IPv4", "IPv6", or "every family" for 0: what a walk covers, for logs. */
const char *walk_afi_text(uint16_t afi);

#endif
