/*
 * session_json.h — one session as the API, muxctl, the web UI and the
 * SIGUSR1 dump show it.
 *
 * The keys are those of peer.c's per-session rendering in `show bgp
 * neighbors` style ("id", "multisession", "families", "state", "uptime",
 * addresses and ports, "initiated", "messages_received", "messages_sent",
 * "last_error"), plus "queue_bytes", "remote_as" and "hold_time".
 */
#ifndef BGPMUX_SESSION_JSON_H
#define BGPMUX_SESSION_JSON_H

#include <jansson.h>

#include "muxd/engine/peer.h"
#include "muxd/engine/session.h"

json_t *session_to_json(const struct session *s);
/* What `show bgp neighbors` shows of a peer: "multisession" (its mode),
 * "summary" (peer_summary) and "sessions": each session that is not
 * closing, as session_to_json renders it. Views and instances render
 * their peer with the function their caller hands them: this one. */
json_t *peer_to_json(const struct peer *p);
/* The same keys for a peer that has no session right now: "Idle", the
 * families it is configured with, zero counters, nulls. */
json_t *session_none_json(const struct bgp_family *fams, uint8_t nfams);

#endif
