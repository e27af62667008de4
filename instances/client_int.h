/*
 * client_int.h — a client as its instance holds it: the peer, the
 * Established session, the encoding classes and walk the instance gives
 * it, and the rules that say it cannot keep up. Private to instances/:
 * everyone else reads a client through client.h.
 *
 * Teardown follows muxd/lib/lifecycle.h: client_shutdown closes the peer;
 * once its sessions are gone the client calls ops->gone from a deferred
 * event of its own — the instance lets go of it and of its legs there —
 * and frees itself (and its legs) right after gone returns.
 */
#ifndef BGPMUX_CLIENT_INT_H
#define BGPMUX_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "instances/client.h"
#include "instances/fanout.h"
#include "muxd/config/config.h"
#include "muxd/engine/peer.h"
#include "muxd/engine/stall.h"

/*
 * A client is dropped (Cease / Out of Resources) when more than this many
 * bytes wait in its output queue. Live changes are queued without limit
 * otherwise (walks are paced, see WALK_QUEUE_HIGH), so this is the
 * bound on how far behind a client may fall. 32 MB holds a whole IPv4
 * table as ISPs pack it (~20 MB for 580k prefixes), so a client connected
 * before its upstream's initial burst survives it if it reads at all; the
 * chunks are shared, so clients lagging together do not multiply it.
 */
#define CLIENT_QUEUE_LIMIT (32u << 20)
/* … and when its queue has not shrunk by a byte for this long while
 * something waits in it (the kernel's buffers are full: it stopped
 * reading). */
#define CLIENT_STALL_SECS 10

struct event;
struct event_base;
struct gateway;
struct walk;

/* Upcalls to the instance. */
struct client_ops {
	void (*established)(struct client *c, void *arg);
	void (*down)(struct client *c, void *arg);
	void (*route_refresh)(struct client *c, uint16_t afi, void *arg);
	/* After client_shutdown, once every session is gone (a deferred
	 * event): forget c and its legs; they are freed right after. */
	void (*gone)(struct client *c, void *arg);
	/* Multisession: the client's peer has a further session Established;
	 * make a leg for it (client_new_leg) and keep it with the others. */
	struct client *(*leg_new)(struct client *primary, void *arg);
};

/* Everything a client takes from its instance. */
struct client_params {
	const char *instance;           /* the instance's (upstream's) name */
	struct sockaddr_mux local;      /* the instance's address */
	uint32_t local_as;
	uint32_t router_id;
	const char *hostname;
	const struct gr_speaker *gr;            /* NULL: receiving speaker only */
	const struct bgp_family *families;      /* offered: the upstream's */
	uint8_t family_count;
	const uint16_t *family_ports;           /* redirects, parallel; NULL: none */
	/* 0: CLIENT_QUEUE_LIMIT and CLIENT_STALL_SECS (tests set less) */
	size_t queue_limit;
	unsigned stall_secs;
	struct gateway *gw;             /* client routes go there (NULL: ignored) */
};

/*
 * A client with multisession has one Established session per family
 * group. The configured client (the primary) owns the peer and takes the
 * first; each further one gets a leg: a client object of its own in the
 * instance (its own classes, walk, queue rules) sharing the primary's
 * peer and configuration. Legs live as long as their primary and are
 * reused when a session comes back.
 */
struct client {
	struct client_config cfg;       /* own copy */
	struct peer *peer;              /* a leg: its primary's */
	struct client *primary;         /* a leg's; NULL for the primary */
	/* Address ranges: the configured client of a range is a template
	 * that never connects; each address of it that does gets a member,
	 * a client of its own named "NAME@ADDRESS". */
	struct client *range_of;        /* a member's template; NULL otherwise */
	struct client *legs[PEER_MAX_SESSIONS];
	size_t nlegs;
	struct session *session;        /* while Established */
	enum client_state state;
	/* Encoding class per RIB family (by aid) while Established; NULL for
	 * a family not negotiated. Owned by the instance. */
	struct fanout_class *cls[AID_RIB_MAX];
	struct bgp_family fams[BGP_MAX_FAMILIES];       /* negotiated */
	uint8_t fam_count;

	struct walk *walk;              /* JOINING, or a refresh; owned by the instance */

	/* output progress, for the stall rule (CLOCK_MONOTONIC ms) */
	struct stall_clock stall;
	size_t queue_limit;
	unsigned stall_secs;

	bool retiring;                  /* shut down for good */
	bool drop;                      /* to be reset after the current pass */

	const struct client_ops *ops;
	void *arg;
	struct gateway *gw;             /* client routes */
	char *upstream;                 /* the instance's upstream, for gw */
	struct event *gone_ev;          /* primary: ops->gone, then free */

	struct client_stats st;
};

struct client *client_new(struct event_base *base, const struct client_config *cc,
    const struct client_params *p, const struct client_ops *ops, void *arg);
/* A leg of primary (see above); the caller keeps it with its clients. */
struct client *client_new_leg(struct client *primary);
void client_start(struct client *c);
/* The families offered changed (a reload): only the sessions concerned
 * change (peer_set_families). Primary only. */
void client_set_families(struct client *c, const struct bgp_family *fams, uint8_t n,
    const uint16_t *family_ports);
/* Where a newly Established session of primary c goes: c when it has
 * none, else an idle leg, else a new leg; NULL when it has all it may. */
struct client *client_free_slot(struct client *c);
/* c (that slot) has session s Established: counted as a join, its
 * families noted, the client's routes up with its first session. */
void client_take_session(struct client *c, struct session *s);
/* Leave for good with this NOTIFICATION; ops->gone once gone (a leg
 * leaves with its primary, and has no gone of its own). A second call
 * does nothing. */
void client_shutdown(struct client *c, uint8_t code, uint8_t subcode);

/* Whether the client's output queue breaks the limit or the stall rule
 * (now: CLOCK_MONOTONIC ms); why gets the reason. */
bool client_too_slow(struct client *c, uint64_t now_ms, char *why, size_t why_len);

#endif
