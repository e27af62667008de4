/*
 * instance_json.h — instances, their clients and the gateway as the API
 * (GET /api/v1/instances, /api/v1/clients), muxctl, the web UI and the
 * SIGUSR1 dump show them. The keys are those of web/openapi.json's
 * Instance, InstanceClient and the dump's "gateway".
 */
#ifndef BGPMUX_INSTANCE_JSON_H
#define BGPMUX_INSTANCE_JSON_H

#include <jansson.h>

#include "instances/client.h"
#include "instances/gateway.h"
#include "instances/instance.h"

/* {"name", "address", "port", "local_as", "next_hop", "clients": [...],
 *  "classes": [...], "walks", counters, "queued_chunk_bytes"}. */
json_t *instance_to_json(const struct instance *inst);
/* {"name", "session_id", "address", "asn", "state", "phase", "families",
 *  "add_path", "as4", "queued_bytes", counters, "flaps", "role", and for
 *  a primary "peer" (and "rejected_prefixes" with client routes), for a
 *  range member "range_of"}. */
json_t *client_to_json(const struct client *c);
/* {"announced": {upstream: count}, "rejected", "limit_resets",
 *  "sent_announce", "sent_withdraw", "damped", "held"}. */
json_t *gateway_to_json(const struct gateway *gw);

#endif
