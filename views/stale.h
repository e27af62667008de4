/*
 * stale.h — Graceful Restart (RFC 4724) as the receiving speaker: which
 * routes of an upstream's previous session are still stale, per family.
 *
 * When a session that negotiated Graceful Restart ends without a
 * NOTIFICATION, the view keeps the routes of every family the neighbor
 * listed and marks them stale (stale_mark): a copy of their keys in a
 * second Adj-RIB-In, nothing withdrawn. Each route the new session
 * announces or withdraws is no longer stale (stale_refreshed). At the
 * neighbor's End-of-RIB, or when the timer runs out (the neighbor's
 * restart time until the session is back, then stale_wait's), what is
 * still stale goes (stale_sweep): the sweep callback withdraws each route
 * from the view's rib and publishes it.
 *
 * Memory: while a family waits, its routes are in two ribs (the stale
 * copy holds a reference to each attribute set, about 72 bytes a route).
 */
#ifndef BGPMUX_STALE_H
#define BGPMUX_STALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/adjrib.h"

struct event_base;
struct stale;

/* Called for each stale route at a sweep, with its key (path id too);
 * it withdraws the route from the view. */
typedef void stale_sweep_cb(const struct bgp_prefix *p, void *arg);
/* Called after a sweep the timer started (the view logs it). */
typedef void stale_expired_cb(uint16_t afi, size_t swept, void *arg);

struct stale *stale_new(struct event_base *base, struct adjrib *rib,
    struct attrstore *store, stale_sweep_cb *sweep, stale_expired_cb *expired,
    void *arg);
/* Forgets what is stale (nothing is withdrawn). NULL is fine. */
void stale_free(struct stale *st);

/* Every route rib holds of afi is stale now (those stale already stay
 * so); the timer gives them secs. Returns how many are stale. */
size_t stale_mark(struct stale *st, uint16_t afi, unsigned secs);
/* The session is back: the stale routes of afi get secs more (RFC 4724's
 * stale-routes time) to be refreshed, or the End-of-RIB. */
void stale_wait(struct stale *st, uint16_t afi, unsigned secs);
/* The route (p, p->path_id) was announced or withdrawn anew. */
void stale_refreshed(struct stale *st, const struct bgp_prefix *p);
/* Withdraw (through the callback) every route of afi still stale; the
 * family waits no more. Returns how many. */
size_t stale_sweep(struct stale *st, uint16_t afi);
/* The family waits no more and nothing is withdrawn (its routes went
 * another way, e.g. a session down without Graceful Restart). */
void stale_forget(struct stale *st, uint16_t afi);

bool stale_pending(const struct stale *st, uint16_t afi);
/* Stale routes of afi (0: both families). */
size_t stale_count(const struct stale *st, uint16_t afi);

#endif
