/*
 * export_gate.h — when a view host may send its End-of-RIB of a VPN
 * family on an export session (docs/scaleout.md, Graceful Restart).
 *
 * An instance host that kept a lost view host's paths as stale withdraws
 * at the view host's End-of-RIB every path not sent again, and its
 * clients' End-of-RIB waits for it. Right after the view host starts its
 * views are empty or filling from their upstreams, so an End-of-RIB
 * after the walk of a view still filling would withdraw what an upstream
 * merely has not sent yet. So a family's End-of-RIB waits until every
 * exported view is whole for it: its upstream's End-of-RIB came in its
 * present session, or its upstream session is up without that family,
 * or it went down after being up since the start (its paths are
 * withdrawn anyway) — or until the deadline (EXPORT_GATE_WAIT after the
 * start), an upstream never sending one. A view whose upstream has not
 * come up since the start is waited for only by a view host that ran on
 * the same state_dir before (EXPORT_MARK_FILE there says so): its
 * instance hosts may keep that view's paths. At a first start nobody
 * keeps them, and an upstream that never comes up would hold the
 * End-of-RIB for nothing.
 */
#ifndef BGPMUX_EXPORT_GATE_H
#define BGPMUX_EXPORT_GATE_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds from muxd's start after which End-of-RIB goes whatever the
 * views: RFC 4724's stale-routes time, what clients wait at most too. */
#define EXPORT_GATE_WAIT 360
/* In state_dir: a view host ran there (restart_mark.h's state_mark_take). */
#define EXPORT_MARK_FILE "muxd.view-host"

struct view;

/* The view is whole for afi's unicast family (the rule above, without
 * the deadline); wait_absent: a view not up since the start is waited
 * for. */
bool export_gate_view_ready(const struct view *v, uint16_t afi, bool wait_absent);

#endif
