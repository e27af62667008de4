/*
 * api_refusals.h — what the API refused a client: writes without the
 * right token, connections closed for sending their request too slowly.
 * Counted per source address and logged in aggregate (a source's first
 * at once, then at most one line per source per minute, and at most 20
 * lines a minute in all), never an audit row each, so that a client
 * without the token can fill neither the disk nor the log. The totals go
 * to /metrics.
 */
#ifndef BGPMUX_API_REFUSALS_H
#define BGPMUX_API_REFUSALS_H

#include <stdint.h>

struct event_base;
struct api_refusals;

enum api_refusal {
	API_REFUSED_NO_TOKEN,           /* 401: no "Authorization: Bearer" */
	API_REFUSED_WRONG_TOKEN,        /* 403 */
	API_REFUSED_READ_ONLY,          /* 403: no api.token_file */
	API_REFUSED_SLOW_HEADERS,       /* closed: headers not complete in time */
	API_REFUSED_SLOW_BODY,          /* closed: body not complete in time */
	API_REFUSED_KINDS
};

struct api_refusals *api_refusals_new(struct event_base *base);
void api_refusals_free(struct api_refusals *rf);
/* One refusal of addr (the peer's address as text). */
void api_refused(struct api_refusals *rf, const char *addr, enum api_refusal why);
/* Refusals of that kind since muxd started. */
uint64_t api_refusals_total(const struct api_refusals *rf, enum api_refusal why);
/* The kind's label in /metrics: "no_token", "wrong_token", "read_only",
 * "headers", "body". */
const char *api_refusal_name(enum api_refusal why);

#endif
