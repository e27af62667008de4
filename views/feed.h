/*
 * feed.h — what a view publishes: every change of its Adj-RIB-In, and the
 * state of its upstream session, to any number of subscribers.
 *
 * Subscribers are instances (re-export to clients) and monitors (live
 * stream, MRT, BMP, metrics). They get callbacks, in the view's event loop,
 * synchronously as the view applies each UPDATE; they never see the view
 * itself. A callback must be quick and must not block: queuing, batching
 * and pacing are the subscriber's business, never the view's. A slow
 * subscriber cannot slow the view because the view never waits for one.
 *
 * Besides events, a subscriber may read the table (read only) through the
 * feed: one route, the lowest path of a prefix, and a resumable walk in
 * chunks (feed_cursor_*) for "whole table, then live changes, with no gap
 * and no duplicate": see feed_cursor_passed.
 *
 * Order of events for one UPDATE: FEED_UPDATE (the decoded message, if
 * anyone asked for it), then one FEED_ROUTE per route that changed,
 * withdrawals first (update_walk's order), then FEED_END_OF_RIB if the
 * UPDATE was one. When the session leaves Established: FEED_SESSION_DOWN,
 * then a FEED_ROUTE withdrawal for every route the view held (ev->clearing
 * set), after which the table is empty — except for the families Graceful
 * Restart keeps (ev->kept): their routes stay, and those the neighbor
 * does not announce again are withdrawn later, one by one, without
 * ev->clearing (views/stale.h).
 *
 * FEED_MESSAGE: every BGP message the upstream's sessions send or receive,
 * whole (ev->raw), as it goes: a received one before it is handled (so
 * before the events it causes) — but the UPDATEs received, which come as
 * FEED_UPDATE, with their bytes in ev->raw too. Only published while a
 * subscriber wants it: one that does not pays nothing for it.
 *
 * When a FEED_ROUTE callback runs, the table already holds the new state
 * of that route; for a withdrawal with ev->clearing it still holds every
 * route of that family (families are cleared one after the other).
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): feed_free
 * frees it before it returns.
 */
#ifndef BGPMUX_FEED_H
#define BGPMUX_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/adjrib.h"
#include "muxd/rib/attrset.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/engine/session.h"

struct feed;
struct feed_sub;

enum feed_event_type {
	FEED_ROUTE = 0,         /* a route appeared, changed or went away */
	FEED_SESSION_UP,        /* the upstream session is Established */
	FEED_SESSION_DOWN,      /* … left Established; withdrawals follow */
	FEED_END_OF_RIB,        /* the upstream's End-of-RIB for afi/safi */
	FEED_UPDATE,            /* an UPDATE as decoded, before its routes */
	FEED_MESSAGE,           /* a BGP message sent or received, whole */
	FEED_EVENT_TYPES
};

/* Subscription mask bits. */
#define FEED_MASK(t) (1u << (t))
#define FEED_MASK_ALL ((1u << FEED_EVENT_TYPES) - 1)
/* Not an event: with this bit, a replaced or withdrawn route's previous
 * set is looked up for ev->old (it costs one lookup per route). */
#define FEED_WANT_OLD (1u << 16)

enum feed_change {
	FEED_ANNOUNCE,          /* a new route (prefix, path id) */
	FEED_REPLACE,           /* the route's attribute set changed */
	FEED_WITHDRAW,          /* the route went away */
};

struct feed_event {
	enum feed_event_type type;
	/* FEED_ROUTE */
	enum feed_change change;
	const struct bgp_prefix *prefix;        /* with its path id */
	struct attrset *set;                    /* new set; NULL on withdrawal */
	/* The set the route had before (REPLACE, WITHDRAW), for subscribers
	 * with FEED_WANT_OLD, and always when clearing; else NULL. */
	struct attrset *old;
	bool clearing;                          /* withdrawn: session down */
	/* FEED_SESSION_DOWN: Graceful Restart keeps (some of) its routes as
	 * stale; only the families it does not keep are withdrawn */
	bool kept;
	/* FEED_SESSION_UP, FEED_UPDATE: what the session negotiated;
	 * FEED_SESSION_DOWN: the session that went down (its families are
	 * withdrawn), NULL when every family goes */
	const struct session_negotiated *neg;
	/* FEED_SESSION_DOWN: why */
	const char *reason;
	/* FEED_SESSION_UP, FEED_SESSION_DOWN, FEED_MESSAGE: the upstream's
	 * session, to read (addresses, the OPENs and NOTIFICATION:
	 * session_kept_msg) during the callback only; NULL when the view has
	 * none (tests, a reload). */
	const struct session *session;
	/* FEED_END_OF_RIB */
	uint16_t afi;
	uint8_t safi;
	/* FEED_MESSAGE: sent to the upstream (else received from it) */
	bool sent;
	/* FEED_UPDATE, FEED_MESSAGE: the whole message (raw_len bytes,
	 * header included), borrowed for the callback; FEED_UPDATE: NULL
	 * when the UPDATE did not come from a session (tests) */
	uint16_t raw_len;
	const uint8_t *raw;
	/* FEED_UPDATE */
	const struct bgp_update *update;
};

/* Sets in events are borrowed: attrset_get one to keep it. */
typedef void (*feed_cb)(const struct feed_event *ev, void *arg);

/* A feed over rib (the view's table; the feed only reads it). */
struct feed *feed_new(const struct adjrib *rib);
/* Every subscriber must have unsubscribed. NULL is fine. */
void feed_free(struct feed *f);

/* mask: FEED_MASK() bits of the events wanted, plus FEED_WANT_OLD. */
struct feed_sub *feed_subscribe(struct feed *f, unsigned mask, feed_cb cb,
    void *arg);
/* Safe at any time, also from inside a callback of this feed: no callback
 * reaches the subscriber afterwards. */
void feed_unsubscribe(struct feed_sub *s);
/* What s wants from the next event on; 0: nothing for now, though it
 * stays subscribed (and counted). */
void feed_set_mask(struct feed_sub *s, unsigned mask);
size_t feed_subscribers(const struct feed *f);

/* ---- the publishing side (the view) ---------------------------------- */

/* Whether anyone wants events of this type (and FEED_WANT_OLD). */
bool feed_wants(const struct feed *f, unsigned mask);
void feed_publish(struct feed *f, const struct feed_event *ev);
/* The session state subscribers read with feed_session_up. */
void feed_set_session(struct feed *f, bool up);

/* What the publisher counted of its upstream's UPDATEs that changed no
 * route, for monitors (BMP Statistics Reports, RFC 7854 §4.8). Since the
 * feed was created; the publisher adds to them. */
struct feed_counters {
	uint64_t dup_announced;         /* a route announced again, same attributes */
	uint64_t dup_withdrawn;         /* a withdrawal of a route not held */
	uint64_t taw_updates;           /* UPDATEs treated as withdraw (RFC 7606) */
	uint64_t taw_prefixes;          /* the prefixes they withdrew */
};
struct feed_counters *feed_counters(struct feed *f);
/* The Established upstream session (NULL when down), for feed_upstream. */
void feed_set_upstream(struct feed *f, const struct session *s);

/* ---- reading the table (subscribers) -------------------------------- */

bool feed_session_up(const struct feed *f);
/* The Established upstream session, read only, NULL when there is none:
 * for a subscriber that joins while it is up (a monitor started by a
 * reload) to learn what FEED_SESSION_UP would have told it. */
const struct session *feed_upstream(const struct feed *f);
/* Routes of afi (0 = both). */
size_t feed_route_count(const struct feed *f, uint16_t afi);
/* The set of route (p, p->path_id), borrowed; NULL if none. */
struct attrset *feed_route(const struct feed *f, const struct bgp_prefix *p);
/* The path of prefix p (p->path_id ignored) with the lowest path id:
 * true with *first (prefix and path id) and *set (borrowed), false if p
 * has no path. */
bool feed_first_path(const struct feed *f, const struct bgp_prefix *p,
    struct bgp_prefix *first, struct attrset **set);

/* Looking glass: adjrib_lookup_after on the view's table (every path of
 * the prefixes that match p, resumed after a route it visited; cb must not
 * change anything). Returns as adjrib_lookup_after: a callback's non-zero
 * return (it stops there), or 0. */
int feed_lookup_after(const struct feed *f, const struct bgp_prefix *p,
    enum adjrib_match match, const struct bgp_prefix *after, adjrib_cb cb, void *arg);

/* The table itself, read only: for walks that encode it in steps of
 * their own (muxd/rib/rib_vpn.h's rib_vpn_walk), with the cursor rules
 * of feed_cursor_passed. */
const struct adjrib *feed_table(const struct feed *f);

/* A resumable walk over the table in prefix order (adjrib.h's cursor, with
 * the same guarantees): a route announced behind the cursor is not
 * visited, one ahead of it is visited with its set at that time. */
struct feed_cursor {
	struct adjrib_cursor c;
};
void feed_cursor_init(struct feed_cursor *c, uint16_t afi);
/* Visit up to max routes; cb(prefix, set, arg) as adjrib_cb, which must
 * not change anything the feed reads. */
size_t feed_cursor_next(const struct feed *f, struct feed_cursor *c, size_t max,
    adjrib_cb cb, void *arg);
bool feed_cursor_done(const struct feed_cursor *c);
/* For a subscriber that sends the walk and the live changes to one
 * client: a live change of route p must be sent at once if the cursor has
 * passed p (the client got p's earlier state from the walk), and must be
 * left to the walk otherwise (it will send the state p has then). */
bool feed_cursor_passed(const struct feed_cursor *c, const struct bgp_prefix *p);

#endif
