/*
 * dataplane_json.h — the data plane's status (dataplane/dataplane.h) as
 * GET /api/v1/dataplane shows it.
 */
#ifndef BGPMUX_DATAPLANE_JSON_H
#define BGPMUX_DATAPLANE_JSON_H

#include <jansson.h>

struct config;
struct dataplane;

/* {"enabled": false} when dp is NULL (no "dataplane" key); otherwise
 * {"enabled": true, "client_interface", "table_base", "fib",
 *  "tables": [{"upstream", "instance" (its address), "interface", "mac",
 *              "table", "routes", "pending", "errors", "skipped",
 *              "coalesced"}],
 *  "inbound": {"table", "routes", "pending", "errors", "skipped",
 *              "coalesced"}}. */
json_t *dataplane_to_json(const struct dataplane *dp, const struct config *cfg);

/* Every netlink error the data plane counted: the refusals of links,
 * addresses, rules and routes, over all its tables, and the route batches
 * its socket failed as a whole. */
unsigned long long dataplane_netlink_errors(const struct dataplane *dp);

#endif
