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
 * the matching unicast family; the session going down clears the views.
 */
#ifndef BGPMUX_EXPORT_RECV_H
#define BGPMUX_EXPORT_RECV_H

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

/* The session to the view host is Established: every view's "session"
 * is up (its feed says so; its End-of-RIB is to come). */
void export_recv_up(struct export_recv *r);
/* One UPDATE from the view host, decoded with the session's context n. */
void export_recv_update(struct export_recv *r, const struct bgp_update *u,
    const struct session_negotiated *n);
/* The session left Established: every view drops its paths. */
void export_recv_down(struct export_recv *r, const char *reason);

/* VPN routes whose distinguisher names no configured upstream. */
uint64_t export_recv_unknown(const struct export_recv *r);

#endif
