/*
 * show_export.h — `muxctl show export`: GET /api/v1/export as a table,
 * one row per session between the machines of a split gateway.
 */
#ifndef MUXCTL_SHOW_EXPORT_H
#define MUXCTL_SHOW_EXPORT_H

#include <jansson.h>

void show_export(const json_t *ex);

#endif
