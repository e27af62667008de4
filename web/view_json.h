/*
 * view_json.h — a view as the API and routes.json show it.
 */
#ifndef BGPMUX_VIEW_JSON_H
#define BGPMUX_VIEW_JSON_H

#include <jansson.h>

struct view;

/* {"name", "address", "asn", "state", "flaps", "route_count",
 *  "subscribers", "peer": peer_to_json or null, "graceful_restart":
 *  {"configured", "stale_routes"}}. */
json_t *view_to_json(const struct view *v);

#endif
