/*
 * origin.h — the gateway's own table: what it announces to each upstream
 * on behalf of its clients, with hold-down and damping.
 *
 * A *source* is one client on one instance (client name, the id of the
 * instance's upstream). A source's routes arrive already checked against
 * the allocation and rewritten, one attribute block per upstream the route
 * goes to (rewrite.h); origin decides what each upstream is sent.
 *
 * Per (upstream, prefix) the wanted route is the one of the live source
 * with the lowest (client name, source id) that sends it there. When it
 * differs from what the upstream was last sent, the upstream is sent the
 * change at once if its last change is at least min_interval old, and
 * otherwise when it will be, as the state wanted then: a burst collapses
 * to its final state, and a changed route is one announcement (an
 * implicit replacement), never a withdrawal and an announcement.
 *
 * Hold-down: when a source goes down its routes turn stale but stay
 * announced until hold_down later; a route announced again (the client is
 * back) is fresh again, and identical bytes change nothing upstream. At
 * the deadline the source's stale routes go.
 *
 * Pure: time is the caller's (milliseconds of a wall clock, so that
 * deadlines survive a restart: origin_store.h); changes go out through
 * ops->send; the caller runs origin_run when origin_next_due says.
 */
#ifndef BGPMUX_ORIGIN_H
#define BGPMUX_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

#define ORIGIN_DEFAULT_HOLD_DOWN 300    /* seconds */
#define ORIGIN_DEFAULT_MIN_INTERVAL 30  /* seconds */

struct origin;

/* One rewritten form of a client route: toward upstream id. */
struct origin_out {
	uint16_t id;
	const uint8_t *attrs;
	size_t len;
};

struct origin_ops {
	/* Upstream id is to be sent p with attrs (len > 0: announce or
	 * replace), or its withdrawal (len 0). owner: the client. */
	void (*send)(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
	    size_t len, const char *owner, void *arg);
};

struct origin *origin_new(const struct origin_ops *ops, void *arg);
void origin_free(struct origin *o);

/* Settings of a source (created if new; down until origin_source_up). */
void origin_source_config(struct origin *o, const char *client, uint16_t src,
    uint32_t hold_down_s, uint32_t min_interval_s);
void origin_source_up(struct origin *o, const char *client, uint16_t src);
/* Its routes turn stale and go hold_down from now. */
void origin_source_down(struct origin *o, const char *client, uint16_t src,
    uint64_t now);

/* A route of the source: outs, one per upstream it goes to (n may be 0:
 * held, sent nowhere). Replaces the source's previous route for p. */
void origin_announce(struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p, const struct origin_out *outs, size_t n,
    uint64_t now);
void origin_withdraw(struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p, uint64_t now);
/* Whether the source holds p (fresh or stale), and how many it holds. */
bool origin_has(const struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p);
size_t origin_source_count(const struct origin *o, const char *client, uint16_t src);

/* Expired hold-downs and due damped changes, as of now. */
void origin_run(struct origin *o, uint64_t now);
/* When origin_run has work next (0: nothing waits). */
uint64_t origin_next_due(const struct origin *o);

/* What upstream id was sent and holds now (id 0: every upstream). */
typedef void origin_sent_cb(uint16_t id, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const char *owner, uint16_t src,
    uint64_t sent_at, void *arg);
void origin_each_sent(const struct origin *o, uint16_t id, origin_sent_cb *cb, void *arg);
size_t origin_sent_count(const struct origin *o, uint16_t id);

/* Sources, for persistence: stale_until 0 while up with no stale routes. */
typedef void origin_source_cb(const char *client, uint16_t src, bool up,
    uint64_t stale_until, void *arg);
void origin_each_source(const struct origin *o, origin_source_cb *cb, void *arg);

/* Restoring after a restart (no send happens): a source that is down
 * with its deadline, and a route the upstream holds, owned by a stale
 * route of that source. Restore sources first. */
void origin_restore_source(struct origin *o, const char *client, uint16_t src,
    uint64_t stale_until);
void origin_restore_sent(struct origin *o, uint16_t id, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const char *owner, uint16_t src,
    uint64_t sent_at);

/* Set by every change of what is sent or of a source's state; the caller
 * saves and clears it. */
bool origin_dirty(const struct origin *o);
void origin_clear_dirty(struct origin *o);

struct origin_stats {
	uint64_t sent_announce;         /* announcements sent (replacements too) */
	uint64_t sent_withdraw;
	uint64_t damped;                /* changes held back by min_interval */
	uint64_t held;                  /* routes kept by a hold-down that expired */
};
const struct origin_stats *origin_stats(const struct origin *o);

#endif
