/*
 * config_services.h — the configuration's service sections, beside the
 * BGP ones: "mrt", "bmp" (monitors), "api" (HTTP API) and "stream" (the
 * live stream's limits). Used by config.c only; the structs are in
 * config.h.
 */
#ifndef BGPMUX_CONFIG_SERVICES_H
#define BGPMUX_CONFIG_SERVICES_H

#include <jansson.h>

#include "muxd/config/config.h"
#include "muxd/config/jsonv.h"

/* Parse the four sections of root into c; errors name their JSON path. */
void config_parse_services(struct jsonv *v, json_t *root, struct config *c);

#endif
