/*
 * mrt_writer.h — MRT archives of every view (RFC 6396, RFC 8050), a feed
 * subscriber: under state_dir/mrt/,
 *
 *   updates.YYYYMMDD.HHMM[.gz]  every UPDATE each upstream sent, as
 *       received (BGP4MP_MESSAGE_AS4, or the _ADDPATH subtype when the
 *       message carries path ids), and a BGP4MP_STATE_CHANGE_AS4 record
 *       whenever an upstream session comes up (OpenConfirm → Established)
 *       or goes down (Established → Idle); a new file every
 *       updates_interval seconds, named after the start of its interval
 *       (aligned to the clock, in UTC, as RIPE RIS and RouteViews do);
 *   bview.YYYYMMDD.HHMM[.gz]    a TABLE_DUMP_V2 snapshot every rib_interval
 *       seconds: per view a PEER_INDEX_TABLE (the view's name, its
 *       upstream) then one RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per
 *       prefix (the _ADDPATH subtypes when the upstream sends path ids),
 *       one entry per path.
 *
 * With intervals that are not whole minutes the names carry seconds too
 * (HHMMSS), so that no two files share a name.
 *
 * Nothing here waits: update records go to a writer thread (mrt_sink.h)
 * that drops and counts records when the disk falls behind; the RIB dump
 * is written by a forked child from its copy-on-write snapshot of the
 * tables (as the SIGUSR1 routes.json dump is). Every file is written under
 * a hidden temporary name (.NAME.tmp) and renamed when complete.
 *
 * A RIB entry's "originated time" is when the upstream session came up:
 * the views do not keep a time per route (4 bytes a route).
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): mrt_writer_free
 * frees it before it returns.
 */
#ifndef BGPMUX_MRT_WRITER_H
#define BGPMUX_MRT_WRITER_H

#include <stdint.h>

#include "muxd/config/config.h"
#include "views/feed.h"

struct event_base;
struct mrt_writer;

/* router_id: the collector BGP ID of the RIB dumps. */
struct mrt_writer *mrt_writer_new(struct event_base *base, const struct mrt_config *cfg,
    const char *state_dir, uint32_t router_id);
/* Finishes the current updates file (renamed). NULL is fine. */
void mrt_writer_free(struct mrt_writer *m);

/* Subscribe to a view's feed; view names the view in the RIB dumps. */
void mrt_writer_add_view(struct mrt_writer *m, const char *view, struct feed *feed);
/* Unsubscribe (before the view goes away). */
void mrt_writer_remove_view(struct mrt_writer *m, struct feed *feed);

#endif
