/*
 * show_process.h — the process behind the API, for `muxctl show status`:
 * when the last upgrade in place began.
 */
#ifndef MUXCTL_SHOW_PROCESS_H
#define MUXCTL_SHOW_PROCESS_H

#include <jansson.h>
#include <stddef.h>

/* "2026-12-06T17:53:40Z" (UTC) from the status's upgraded_at, or "never"
 * since the cold start. */
const char *show_upgraded_at(const json_t *status, char *buf, size_t len);

#endif
