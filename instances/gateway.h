/*
 * gateway.h — client routes, end to end: from a client's UPDATE to the
 * upstreams' sessions, as the gateway's own.
 *
 *   client UPDATE → allocation (alloc.h; outside: treated as withdrawn,
 *   counted, logged in aggregate per client) → max_prefixes → control communities
 *   and rewrite per upstream (rewrite.h) → the gateway's own table with
 *   hold-down and damping (origin.h) → each upstream's view
 *   (gateway_view_ops, wired by the daemon) → and, on instances with
 *   client_to_client, the other clients (c2c.h).
 *
 * One gateway per muxd. It keeps the table in STATE_DIR/bgpmux.db
 * (origin_store.h), loads it when created and hands it to each view
 * attached, so a restarted muxd announces what it announced before with
 * no client connected; saving is deferred to the end of the loop pass.
 * Time is the wall clock (deadlines survive restarts).
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): gateway_free
 * frees it before it returns.
 */
#ifndef BGPMUX_GATEWAY_H
#define BGPMUX_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/config/config.h"
#include "muxd/engine/session.h"

struct event_base;
struct gateway;

/* After a client broke max_prefixes, its connections are refused for
 * this long (the RFC 4486 "restart" hold-off). */
#define GATEWAY_LIMIT_HOLDOFF_SECS 60

struct gateway *gateway_new(struct event_base *base, const struct config *cfg);
/* A new configuration (reload): upstream ids, clients' settings. */
void gateway_configure(struct gateway *gw, const struct config *cfg);
/* Save what is pending and free. Views must be detached first. */
void gateway_free(struct gateway *gw);

/* Where an upstream's share of the table goes: its view (views/view.h),
 * which sends it on the upstream's session. The daemon wires them. */
struct gateway_view_ops {
	/* p with attrs (len > 0), or withdrawn (len 0) */
	void (*originate)(void *view, const struct bgp_prefix *p, const uint8_t *attrs,
	    size_t len);
	/* the next hops for the family the session's transport is not */
	void (*next_hops)(void *view, const struct sockaddr_mux *v4,
	    const struct sockaddr_mux *v6);
};

/* The view of an upstream: it is handed the gateway's table for that
 * upstream now, and every change later. */
void gateway_attach_view(struct gateway *gw, const char *upstream,
    const struct gateway_view_ops *ops, void *view);
void gateway_detach_view(struct gateway *gw, const char *upstream);

/* A client's session on the instance of upstream (the "source"). */
void gateway_client_up(struct gateway *gw, const struct client_config *cc,
    const char *upstream);
void gateway_client_down(struct gateway *gw, const struct client_config *cc,
    const char *upstream);
/* Whether the client may connect now (false during the hold-off after
 * max_prefixes). */
bool gateway_client_allowed(struct gateway *gw, const char *client, const char *upstream);

/* An UPDATE from the client. False when it broke max_prefixes: *afi gets
 * the family of the prefix that broke it, and the caller ends the session
 * with Cease / Maximum Number of Prefixes Reached. */
bool gateway_client_update(struct gateway *gw, const struct client_config *cc,
    const char *upstream, const struct bgp_update *u,
    const struct session_negotiated *n, uint16_t *afi);

/* One route of the client, as gateway_client_update takes each prefix
 * of an UPDATE (the same checks, rewrite and table): a view host's entry
 * for its instance hosts' clients (a = NULL withdraws p). False when it
 * broke max_prefixes (the route is ignored). */
bool gateway_source_route(struct gateway *gw, const struct client_config *cc,
    const char *upstream, const struct bgp_prefix *p, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len);

/* An instance host's gateway relays (docs/scaleout.md, "Client routes"):
 * its clients' routes, once past the allocation and max_prefixes, and
 * their sessions coming and going, go to the relay instead of its own
 * table (src: the upstream's id). has and count stand for the table in
 * the max_prefixes check. The daemon sets it before any client is up. */
struct gateway_relay_ops {
	void (*up)(void *arg, const struct client_config *cc, uint16_t src);
	void (*down)(void *arg, const struct client_config *cc, uint16_t src);
	/* a = NULL: withdrawn */
	void (*route)(void *arg, const struct client_config *cc, uint16_t src,
	    const struct bgp_prefix *p, const struct bgp_attrs *a, const uint8_t *nh,
	    size_t nh_len);
	bool (*has)(void *arg, const struct client_config *cc, uint16_t src,
	    const struct bgp_prefix *p);
	size_t (*count)(void *arg, const struct client_config *cc, uint16_t src);
};
void gateway_set_relay(struct gateway *gw, const struct gateway_relay_ops *ops,
    void *arg);

/* What upstream is sent, change by change (client_to_client); owner is
 * the client whose route it is. */
typedef void gateway_route_cb(const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, void *arg);
void gateway_subscribe(struct gateway *gw, const char *upstream, gateway_route_cb *cb,
    void *arg);
void gateway_unsubscribe(struct gateway *gw, void *arg);
/* Every route upstream holds now. */
void gateway_each(struct gateway *gw, const char *upstream, gateway_route_cb *cb, void *arg);

/* Prefixes the client announced on upstream's instance outside its
 * allocation (treated as withdrawn), since muxd started. False if the
 * gateway does not know upstream. */
bool gateway_client_rejected(const struct gateway *gw, const char *client,
    const char *upstream, uint64_t *count);
/* Rejected prefixes are logged at once, then summed up in one line per
 * client and instance per interval (60 s; tests set less). */
void gateway_set_reject_log_interval(struct gateway *gw, unsigned ms);

struct gateway_stats {
	uint64_t rejected;              /* prefixes outside an allocation */
	uint64_t limit_resets;          /* sessions closed for max_prefixes */
	uint64_t sent_announce, sent_withdraw, damped, held;   /* origin.h */
};
void gateway_stats(const struct gateway *gw, struct gateway_stats *st);
/* The upstreams configured, and for each (i < gateway_upstreams) its
 * name and how many routes it is announced now. */
size_t gateway_upstreams(const struct gateway *gw);
const char *gateway_upstream(const struct gateway *gw, size_t i, size_t *announced);

#endif
