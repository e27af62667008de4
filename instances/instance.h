/*
 * instance.h — the downstream side of one upstream: a listening address of
 * its own where the clients configured for that upstream peer, each
 * receiving every path of the upstream's view, unfiltered, as if it peered
 * with the ISP itself.
 *
 * The instance subscribes to the view's feed (it never sees the view).
 * Live changes of one event-loop pass are collected and flushed together:
 * once per encoding class (fanout.h), the same bytes to every client of
 * the class. A client that joins gets the table walked to it in chunks
 * from a timer, paced by its output queue, while the changes the walk has
 * passed reach it alone — no gap, no duplicate — then End-of-RIB.
 *
 * A client that negotiates ADD-PATH (we offer to send) gets every path
 * with the view's path ids. One that does not gets one path per prefix:
 * the one with the lowest path id; when that path goes, the next lowest is
 * announced in its place, and the prefix is withdrawn when none is left.
 *
 * A client that cannot keep up (client_int.h: CLIENT_QUEUE_LIMIT, the
 * stall rule) is dropped with Cease / Out of Resources; the others and the
 * view never wait for it.
 *
 * With client_to_client, the clients also get each other's routes
 * (c2c.h), through the same log and walks.
 *
 * Teardown follows muxd/lib/lifecycle.h: instance_shutdown closes every
 * client; once the last is gone, ops->gone comes from a deferred event
 * and the instance frees itself right after it returns.
 */
#ifndef BGPMUX_INSTANCE_H
#define BGPMUX_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "instances/fanout.h"
#include "muxd/config/config.h"
#include "views/feed.h"

struct event_base;
struct gateway;
struct instance;
struct client;
struct peer;

struct instance_params {
	const char *name;                       /* the upstream's */
	struct instance_config cfg;
	const struct bgp_family *families;      /* offered to clients */
	uint8_t family_count;
	uint32_t router_id;
	const char *hostname;
	/* Graceful Restart as the restarting speaker toward the clients that
	 * have "graceful_restart"; NULL: never. It outlives the instance. */
	const struct gr_speaker *gr;
	/* An instance host's: clients' End-of-RIB waits for the view's, at
	 * most this many seconds from the start (0: it does not wait). */
	unsigned eor_wait;
	/* 0: the defaults of client.h and walk.h (tests set less) */
	size_t queue_limit;
	unsigned stall_secs;
	size_t walk_split_queue;
	/* Client routes go there; NULL: they are ignored. */
	struct gateway *gw;
};

/* Upcalls to the instance's owner. */
struct instance_ops {
	/* After instance_shutdown, once every client is gone (lifecycle.h):
	 * the last upcall, from the loop; the instance is freed right after
	 * this returns. */
	void (*gone)(struct instance *inst, void *arg);
};

/* Listens on p->cfg.addr and subscribes to feed. NULL, with why, when it
 * cannot listen. No client is configured yet: instance_sync_clients. ops
 * may be NULL. */
struct instance *instance_new(struct event_base *base, const struct instance_params *p,
    struct feed *feed, const struct instance_ops *ops, void *arg, char *why,
    size_t why_len);

/* Bring the clients in line with cfg (those naming this instance's
 * upstream): new ones start; removed ones leave with Cease / Peer
 * De-configured; changed ones restart (Cease / Other Configuration
 * Change); the others stay up. */
void instance_sync_clients(struct instance *inst, const struct config *cfg);
/* One client added to the configuration (provisioned through the API):
 * it starts, unless it names another upstream or one of its name runs
 * already. Removed: it leaves with Cease / Peer De-configured. Neither
 * looks at the other clients (a name index), so provisioning costs the
 * same with 10 or 10,000 clients. */
void instance_client_add(struct instance *inst, const struct client_config *cc);
void instance_client_remove(struct instance *inst, const char *name);
/* The configured client named name (not a leg, a range member or one
 * leaving), or NULL. */
struct client *instance_client_named(const struct instance *inst, const char *name);
/* The upstream's families changed (a reload): clients keep their
 * sessions but for the families concerned (client_set_families). */
void instance_set_families(struct instance *inst, const struct bgp_family *fams, uint8_t n);

/* Unsubscribe, stop listening, close every client with the NOTIFICATION
 * given; once they are gone, ops->gone from a deferred event, and the
 * instance frees itself right after it returns. A second call does
 * nothing. */
void instance_shutdown(struct instance *inst, uint8_t code, uint8_t subcode);

const char *instance_name(const struct instance *inst);
const struct instance_config *instance_config(const struct instance *inst);

struct instance_stats {
	uint64_t routes_logged;         /* feed routes taken (per log kind) */
	uint64_t flushes;
	uint64_t updates_shared;        /* UPDATEs encoded for a class … */
	uint64_t updates_written;       /* … times the clients they went to */
	uint64_t rejected;              /* connections from unknown addresses */
	uint64_t dropped;               /* clients too slow */
};
const struct instance_stats *instance_stats(const struct instance *inst);
/* Clients with an Established session. */
size_t instance_clients_established(const struct instance *inst);

/* The clients that are not leaving — configured ones, their legs and
 * range members — up to max; returns how many there are (out may be NULL
 * with max 0, to count). For the API's sessions and resets. */
size_t instance_clients(const struct instance *inst, struct client **out, size_t max);

/* Walks running (joins and refreshes). */
size_t instance_walks(const struct instance *inst);

/* One encoding class (fanout.h) of the instance's Established clients. */
struct instance_class {
	const struct fanout_key *key;
	const struct fanout_class_stats *stats;
	unsigned clients;
};
/* The classes, up to max; returns how many there are. Valid until the
 * event loop runs again. */
size_t instance_classes(const struct instance *inst, struct instance_class *out, size_t max);

/* ---- upgrade in place (muxd/upgrade.h) --------------------------------- */

struct session_handover;
/* What a client was doing when its session was handed over. */
struct client_handover {
	const char *name;               /* configured, or "NAME@ADDRESS" of a range */
	bool refreshing;                /* a ROUTE-REFRESH re-send was under way */
	uint16_t refresh_afi;           /* its AFI; 0: every family */
};
/* An Established session of the client named ch->name (a further one of
 * a multisession client becomes a leg; a range member is made again for
 * the session's address), handed over: it had the whole view, so it goes
 * on with live changes only (nothing sent again, no End-of-RIB) — but a
 * ROUTE-REFRESH re-send that was under way starts again. False with why
 * (h->fd is the caller's still). */
bool instance_adopt_client(struct instance *inst, const struct client_handover *ch,
    const struct session_handover *h, char *why, size_t why_len);
/* Whether c (STEADY) is being sent the view again for a ROUTE-REFRESH,
 * and for which AFI (0: every family). */
bool instance_client_refreshing(const struct client *c, uint16_t *afi);

#endif
