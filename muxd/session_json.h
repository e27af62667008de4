/*
 * session_json.h — one session as the API and muxctl show it.
 */
#ifndef BGPMUX_SESSION_JSON_H
#define BGPMUX_SESSION_JSON_H

#include <jansson.h>

#include "muxd/session.h"

/* {"state", "uptime", "families", "local_address", "remote_address",
 *  "remote_as", "hold_time", "queue_bytes", "last_error",
 *  "messages": {"received": {...}, "sent": {...}}}. s may be NULL: a
 * peer with no session right now ("Idle", families as configured). */
json_t *session_to_json(const struct session *s, const struct bgp_family *fams,
    uint8_t nfams);
/* Message counters by type name, plus bytes and prefixes. */
json_t *session_counters_to_json(const struct session_counters *c);

#endif
