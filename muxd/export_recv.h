/*
 * export_recv.h — an instance host's views, rebuilt from the VPN routes
 * its view host sends (docs/scaleout.md, "The instance host's views").
 *
 * Each VPN route goes into the view of the upstream whose id its route
 * distinguisher names (bgp_rd_make(gateway AS, id)) as that view's path:
 * the same prefix, path id, attribute set and next hop, so the view's
 * instance serves its clients what a local view would. A distinguisher
 * naming no configured upstream is counted and ignored (logged once).
 * The session's End-of-RIB of a VPN family is every view's End-of-RIB of
 * the matching unicast family.
 *
 * Graceful Restart (RFC 4724, as the receiving speaker): the session
 * going down as a restart when it negotiated Graceful Restart keeps each
 * view's paths of the families the view host's capability lists, as
 * stale, for its restart time (at most 360 s); a new session whose
 * capability sets F for a family waits for its End-of-RIB (at most 360 s
 * more), which withdraws the paths not sent again; otherwise, or without
 * Graceful Restart, the views are cleared at once.
 */
#ifndef BGPMUX_EXPORT_RECV_H
#define BGPMUX_EXPORT_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

/* How long an instance host's clients wait for the view host's
 * End-of-RIB, from the start, before they get their own (seconds; RFC
 * 4724's stale-routes time, as views use). */
#define EXPORT_RECV_EOR_WAIT 360

struct daemon;
struct session_negotiated;
struct export_recv;

struct export_recv *export_recv_new(struct daemon *d);
void export_recv_free(struct export_recv *r);

/* The session s to the view host is Established: every view's "session"
 * is up (its feed says so; its End-of-RIB is to come), with s's Graceful
 * Restart as its own. */
void export_recv_up(struct export_recv *r, const struct session_negotiated *s);
/* One UPDATE from the view host, decoded with the session's context n. */
void export_recv_update(struct export_recv *r, const struct bgp_update *u,
    const struct session_negotiated *n);
/* The session left Established; restart: it ended as a restart
 * (session_ended_as_restart). Returns true when the views keep their
 * paths as stale (for export_recv_stale_secs), false when they are
 * cleared. */
bool export_recv_down(struct export_recv *r, const char *reason, bool restart);
unsigned export_recv_stale_secs(const struct export_recv *r);

/* The views' Graceful Restart from the session's s: each VPN family s's
 * capability lists becomes its unicast family (flags kept), the restart
 * time at most 360 s. Pure, for tests. */
void export_recv_map_gr(struct session_negotiated *views,
    const struct session_negotiated *s);

/* The view host's BoRR (begin true) or EoRR of afi's VPN family (RFC
 * 7313): it sends every view of the family again, so every view's paths
 * of afi turn stale at the first and those not sent again go at the
 * second — as after its restart, the clients see only the differences. */
void export_recv_refresh(struct export_recv *r, uint16_t afi, bool begin);

/* VPN routes whose distinguisher names no configured upstream. */
uint64_t export_recv_unknown(const struct export_recv *r);

/*
 * A view holds at most EXPORT_RECV_MAX_PATHS paths from the view host
 * (an instance host's upstream takes no max_prefixes: its view host's
 * upstream session has it): a bound on what a faulty or hostile view
 * host can make this host keep. The UPDATE that breaks it puts nothing
 * more in that view; export_recv_over_limit then says so once, with Cease
 * 6/1's data (RFC 4486: the VPN family, the bound), and the owner resets
 * the session with it and holds it down EXPORT_RECV_LIMIT_HOLD seconds,
 * as an upstream breaking its max_prefixes is.
 */
#define EXPORT_RECV_MAX_PATHS 10000000
#define EXPORT_RECV_LIMIT_HOLD 300
bool export_recv_over_limit(struct export_recv *r, uint8_t data[7]);
/* For tests: a bound other than EXPORT_RECV_MAX_PATHS (0: that one). */
void export_recv_set_max_paths(struct export_recv *r, size_t max);

#endif
