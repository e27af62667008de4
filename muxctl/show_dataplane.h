/*
 * show_dataplane.h — `muxctl show dataplane`: GET /api/v1/dataplane as a
 * table, one row per instance's table and one for the inbound table.
 */
#ifndef MUXCTL_SHOW_DATAPLANE_H
#define MUXCTL_SHOW_DATAPLANE_H

#include <jansson.h>

void show_dataplane(const json_t *dp);

#endif
