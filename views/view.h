/*
 * view.h — one neighbor as bgpmux sees it: the eBGP session to it (a
 * peer), and an Adj-RIB-In that keeps every path it sends — every
 * ADD-PATH path id — with attributes interned in the view's own store.
 * The neighbor is an upstream ISP (an instance re-exports the view to
 * clients) or a plain peer of the configuration's "peers" (a view with
 * no instance in front of it): the same view either way, which only its
 * role tells apart.
 *
 * A view publishes every change as a feed (views/feed.h) and knows nothing
 * of who listens: instances, monitors. Views are never compared with each
 * other; there is no best-path selection.
 *
 * The upstream session offers ADD-PATH receive by default (when the
 * neighbor offers to send, the view gets every path); "add_path" in the
 * upstream's configuration can ask for more ("both"), not for less — until
 * the configuration can tell an explicit "off" from the default.
 *
 * When the session leaves Established the view drops every route and
 * publishes the withdrawals — unless the upstream has "graceful_restart"
 * and the session negotiated it and ended as a restart (without a
 * NOTIFICATION, or with one but Cease / Hard Reset when both sides set
 * RFC 8538's N bit): then
 * the families the neighbor preserves stay, as stale routes, until its
 * End-of-RIB or its restart time (views/stale.h, RFC 4724).
 *
 * Teardown follows muxd/lib/lifecycle.h (view_shutdown, ops->gone).
 *
 * A ROUTE-REFRESH from the neighbor (RFC 2918) is answered with what the
 * view sends it: the gateway's own routes of that family (none for a
 * plain peer), between BoRR and EoRR when the session negotiated enhanced
 * route refresh (RFC 7313) — so a plain peer gets the empty pair.
 */
#ifndef BGPMUX_VIEW_H
#define BGPMUX_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/config/config.h"
#include "muxd/engine/peer.h"
#include "views/feed.h"

struct event_base;
struct view;

/* Counters since the view was created (what changed nothing: the feed's
 * feed_counters). */
struct view_stats {
	uint64_t updates;               /* UPDATE messages applied */
	uint64_t announced;             /* routes added or replaced */
	uint64_t withdrawn;             /* routes withdrawn (session downs too) */
	uint64_t sessions;              /* times the session came up */
	bool eor[AID_RIB_MAX];          /* End-of-RIB seen, by aid, this session */
};

/* What the neighbor is to the gateway. */
enum view_role {
	VIEW_UPSTREAM,  /* "upstreams": its peer's log label is "view NAME peer" */
	VIEW_PEER,      /* "peers": a plain peer, labelled "peer NAME" */
};

/* Upcalls to the view's owner. */
struct view_ops {
	/* After view_shutdown, once its session is gone (lifecycle.h): the
	 * last upcall, from the loop; the view is freed right after this
	 * returns. Every feed subscriber must have unsubscribed by then. */
	void (*gone)(struct view *v, void *arg);
};

/* nc and local are copied (local->label is the role's); the view names
 * itself after nc->name. The session starts with view_start. ops may be
 * NULL. */
struct view *view_new(struct event_base *base, const struct neighbor_config *nc,
    const struct peer_local *local, enum view_role role, const struct view_ops *ops,
    void *arg);
void view_start(struct view *v);
/* New settings for the upstream session (a reload): the running session
 * leaves with Cease / subcode (e.g. Other Configuration Change), its
 * routes are withdrawn, and a session with the new settings starts. The
 * feed and its subscribers stay. */
void view_reconfigure(struct view *v, const struct neighbor_config *nc,
    const struct peer_local *local, uint8_t subcode);
/* Close the session with the NOTIFICATION given; ops->gone once it is
 * gone, then the view frees itself. A second call does nothing. */
void view_shutdown(struct view *v, uint8_t code, uint8_t subcode);

const char *view_name(const struct view *v);
enum view_role view_role(const struct view *v);
struct feed *view_feed(const struct view *v);
/* The upstream's peer: for accepting its connections (peer_matches,
 * peer_accept) and its state. */
struct peer *view_peer(const struct view *v);
const struct neighbor_config *view_config(const struct view *v);
const struct view_stats *view_stats(const struct view *v);
/* Paths kept from the upstream's last session (Graceful Restart) that it
 * has not sent again yet. */
size_t view_stale_count(const struct view *v);

/* A new max_prefixes (a reload): applies from the next UPDATE on, the
 * session stays. */
void view_set_prefix_limit(struct view *v, const struct prefix_limit_config *pl);

/* Bytes the view holds: its Adj-RIB-In (trie nodes, path arrays, hash
 * tables) and its attribute sets (the sets and their table). */
struct view_memory {
	size_t paths;
	size_t attributes;
};
void view_memory(const struct view *v, struct view_memory *m);


/* ---- the gateway's own routes (client routes) ------------------------ */

/* Announce p upstream as the gateway's own: attrs is the attribute block
 * in canonical 4-octet form without next hop (instances/rewrite.h makes
 * it); the session's local address becomes the next hop. Sent at once
 * when the session is up, and again whenever it comes up; kept across
 * session downs. len 0 withdraws. */
void view_originate(struct view *v, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len);
size_t view_originated_count(const struct view *v);
/* The gateway's next hop for IPv4 routes on an IPv6 session (v4) and for
 * IPv6 routes on an IPv4 session (v6); NULL: none (views/originated.h). */
void view_set_originated_next_hops(struct view *v, const struct sockaddr_mux *v4,
    const struct sockaddr_mux *v6);

/* ---- what the peer's upcalls do (also for tests and tools) ----------- */

/* Apply one decoded UPDATE received with what n negotiated. */
void view_apply_update(struct view *v, const struct bgp_update *u,
    const struct session_negotiated *n);
void view_session_up(struct view *v, const struct session_negotiated *n);
/* One path from elsewhere than the view's session (an instance host's
 * view host): announced with attrs and next hop nh, or withdrawn when
 * attrs is NULL; published as an UPDATE's routes are. */
void view_put_path(struct view *v, const struct bgp_prefix *p,
    const struct bgp_attrs *attrs, const uint8_t *nh, size_t nh_len);
/* Drops every route, publishing the withdrawals. */
void view_session_down(struct view *v, const char *reason);
/* A session from elsewhere (an instance host's view host) that was up
 * with n (view_session_up) is lost: restart (it ended as a restart, RFC
 * 4724/8538) and n negotiated Graceful Restart, the families n's
 * capability lists stay as stale routes for n->gr_restart_time, the
 * others are withdrawn, as for the view's own session. */
void view_session_lost(struct view *v, const struct session_negotiated *n,
    const char *reason, bool restart);
/* Enhanced Route Refresh (RFC 7313), as the receiver of a session from
 * elsewhere: at the neighbor's BoRR for afi every route of afi turns
 * stale; at its EoRR those it did not send again are withdrawn (the
 * count is returned). A missing EoRR ends as a Graceful Restart's
 * stale-routes time does. */
void view_refresh_begin(struct view *v, uint16_t afi);
size_t view_refresh_end(struct view *v, uint16_t afi);
/* The upstream's families changed, nothing else (a reload): only the
 * sessions concerned change (peer_set_families). */
void view_set_families(struct view *v, const struct neighbor_config *nc);

/* ---- upgrade in place (muxd/upgrade.h) --------------------------------- */

struct session_handover;
/* The view's table as bytes (muxd/rib/rib_snapshot.h), allocated. */
uint8_t *view_table_bytes(const struct view *v, size_t *len);
/* A new view's table from those bytes, before its session is adopted:
 * nothing published (the feed's followers had it all). False with why. */
bool view_load_table(struct view *v, const uint8_t *p, size_t len, char *why,
    size_t why_len);
/* The upstream's Established session handed over: up as it was, nothing
 * sent on it (no own routes, no End-of-RIB). False with why (h->fd is
 * the caller's still). */
bool view_adopt_session(struct view *v, const struct session_handover *h, char *why,
    size_t why_len);

#endif
