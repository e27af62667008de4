/*
 * ris_json.h — RIS Live's JSON: rendering a ris_msg as a "ris_message"
 * frame, and the server's other frames (ris_error, pong, …).
 *
 * Output is compact JSON with keys in RIS Live's order, byte for byte the
 * same for the same input (tests/unit/test_ris_json.c). The timestamp has
 * millisecond precision. "announcements", "withdrawals", "community",
 * "path" and "origin" appear only when the UPDATE announces or withdraws
 * something, so RIS Live's `require` (a key that must be present) works
 * on them.
 */
#ifndef BGPMUX_RIS_JSON_H
#define BGPMUX_RIS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "web/ris_msg.h"

/* {"type":"ris_message","data":{…}} as a NUL-terminated string (free()),
 * with "raw" (hex) when include_raw and m->raw is known; NULL when out of
 * memory. */
char *ris_message_json(const struct ris_msg *m, bool include_raw);
/* The same text appended to b (the stream renders into one scratch
 * buffer it keeps, and copies each message out at its exact size). */
struct jbuf;
void ris_message_render(struct jbuf *b, const struct ris_msg *m, bool include_raw);

/* {"type": type, "data": data} (data reference stolen; NULL gives an
 * empty object), as a string to free(). */
char *ris_frame_json(const char *type, json_t *data);

#endif
