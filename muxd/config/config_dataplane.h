/*
 * config_dataplane.h — the "dataplane" section: reading it, and the checks
 * that tie it to the upstreams and their instances. Used by config.c only;
 * the struct and its public helpers are in config.h.
 */
#ifndef BGPMUX_CONFIG_DATAPLANE_H
#define BGPMUX_CONFIG_DATAPLANE_H

#include <jansson.h>

#include "muxd/config/config.h"
#include "muxd/config/jsonv.h"

/* "dataplane" of root into c->dataplane (left disabled without the key). */
void config_parse_dataplane(struct jsonv *v, json_t *root, struct config *c);

/* With the data plane on: the table range against the kernel's tables and
 * the upstream ids, and each instance as a forwarding identity (next hop
 * self, an address of its own that clients can send packets to). Runs
 * after the upstream ids are settled. */
void config_check_dataplane(struct jsonv *v, const struct config *c);

#endif
