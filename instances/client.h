/*
 * client.h — one configured client of one instance: a passive peer whose
 * local AS and address are the instance's, and how far it has got.
 *
 * A client in Established is either JOINING — a walk (walk.h) is sending
 * it the view's table and the live changes the walk has passed — or
 * STEADY — it gets the live changes its encoding class shares with the
 * other clients of the class (instance.c does that part). A STEADY client
 * that asks for a ROUTE-REFRESH gets the table walked again on top of the
 * shared changes, between BoRR and EoRR when it negotiated enhanced route
 * refresh (walk.h).
 *
 * Nothing a client does reaches the view: its UPDATEs are decoded by the
 * session (a malformed one resets this client alone), counted and ignored.
 */
#ifndef BGPMUX_CLIENT_H
#define BGPMUX_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "instances/fanout.h"
#include "muxd/config/config.h"
#include "muxd/engine/peer.h"
#include "views/feed.h"

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

enum client_state {
	CLIENT_IDLE,            /* no Established session */
	CLIENT_JOINING,         /* Established; the table walk is running */
	CLIENT_STEADY,          /* table sent (End-of-RIB); live changes */
};

struct client;
struct gateway;
struct walk;

/* Upcalls to the instance. */
struct client_ops {
	void (*established)(struct client *c, void *arg);
	void (*down)(struct client *c, void *arg);
	void (*route_refresh)(struct client *c, uint16_t afi, void *arg);
	void (*freed)(struct client *c, void *arg);
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
	/* Encoding class per AFI (index 1, 2) while Established; NULL for a
	 * family not negotiated. Owned by the instance. */
	struct fanout_class *cls[3];
	struct bgp_family fams[BGP_MAX_FAMILIES];       /* negotiated */
	uint8_t fam_count;

	struct walk *walk;              /* JOINING, or a refresh; owned by the instance */

	/* output progress, for the stall rule */
	uint64_t progress;              /* bytes the kernel took */
	uint64_t progress_at;           /* CLOCK_MONOTONIC ms; 0: not yet */
	size_t queue_limit;
	unsigned stall_secs;

	bool retiring;                  /* shut down for good */
	bool drop;                      /* to be reset after the current pass */

	const struct client_ops *ops;
	void *arg;
	struct gateway *gw;             /* client routes (issue 5) */
	char *upstream;                 /* the instance's upstream, for gw */

	/* counters */
	uint64_t updates_rx;            /* UPDATEs received */
	uint64_t updates_ignored;       /* … from a monitor: not looked at */
	uint64_t joins;                 /* times it became Established */
	uint64_t walked;                /* routes sent by walks */
	uint64_t live;                  /* live routes sent by its walks */
	uint64_t drops;                 /* dropped for being too slow */
	/* ROUTE-REFRESH requests taken in Established (one that comes while
	 * another is answered widens that walk: one walk, both counted) */
	uint64_t refreshes;
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
/* Leave for good with this NOTIFICATION; freed upcall once gone. */
void client_shutdown(struct client *c, uint8_t code, uint8_t subcode);
/* Close the current session (the client may come back). */
void client_reset(struct client *c, uint8_t code, uint8_t subcode);
/* Frees what client_new allocated; only from the freed upcall. */
void client_free(struct client *c);

const char *client_label(const struct client *c);
bool client_has_family(const struct client *c, uint16_t afi);
/* For ADD-PATH in afi: what the client's class sends. */
bool client_addpath(const struct client *c, uint16_t afi);

/* Whether the client's output queue breaks the limit or the stall rule
 * (now: CLOCK_MONOTONIC seconds); why gets the reason. */
bool client_too_slow(struct client *c, uint64_t now_ms, char *why, size_t why_len);

/* The client as the API shows it; a primary's "peer" is what peer_json
 * renders of its peer (web/session_json.h's peer_to_json). */
json_t *client_to_json(const struct client *c, json_t *(*peer_json)(const struct peer *p));

/* Deep copy and release of a client's configuration. */
void client_cfg_copy(struct client_config *dst, const struct client_config *src);
void client_cfg_release(struct client_config *c);

#endif
