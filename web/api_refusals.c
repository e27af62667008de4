/*
 * api_refusals.c — refusals per source, logged once a minute.
 *
 * A source's first refusal is logged at once (an operator with a wrong
 * token sees why); after that its refusals are counted and each minute
 * that had some gets one line with the counts. A source with none for a
 * whole minute leaves the table. The table holds REFUSAL_SOURCES sources;
 * the refusals of any more are counted together ("other sources").
 */
#include "web/api_refusals.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/nameidx.h"

#define REFUSAL_SECS 60
#define REFUSAL_SOURCES 256
#define REFUSAL_LINES 20        /* lines per minute at most, of each kind */

struct refusal_source {
	char addr[64];
	uint64_t n[API_REFUSED_KINDS];  /* this minute */
};

struct api_refusals {
	struct event *timer;
	struct nameidx by_addr;         /* struct refusal_source * */
	uint64_t others[API_REFUSED_KINDS];     /* this minute, beyond the table */
	uint64_t total[API_REFUSED_KINDS];      /* since start */
	unsigned first_lines;           /* sources logged at once this minute */
};

static const struct {
	const char *label;      /* in /metrics */
	const char *one;        /* the first one of a source, in the log */
	const char *counted;    /* "3 writes without a token" */
} kinds[API_REFUSED_KINDS] = {
	{ "no_token", "refused a write without a token", "writes without a token" },
	{ "wrong_token", "refused a write with a wrong token", "writes with a wrong token" },
	{ "read_only", "refused a write: the API is read-only (no api.token_file)",
		"writes while the API is read-only" },
	{ "headers", "closed a connection that had not sent its request's headers in "
		"time (api.header_timeout)", "connections closed for slow headers" },
	{ "body", "closed a connection that had not sent its request's body in time "
		"(api.body_timeout)", "connections closed for a slow body" },
};

const char *api_refusal_name(enum api_refusal why) { return kinds[why].label; }

uint64_t api_refusals_total(const struct api_refusals *rf, enum api_refusal why)
{
	return rf->total[why];
}

static uint64_t sum(const uint64_t n[API_REFUSED_KINDS])
{
	uint64_t s = 0;
	for (int k = 0; k < API_REFUSED_KINDS; k++)
		s += n[k];
	return s;
}

/* "3 writes without a token, 1 writes with a wrong token" */
static const char *counts_text(const uint64_t n[API_REFUSED_KINDS], char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (int k = 0; k < API_REFUSED_KINDS && o < len; k++)
		if (n[k])
			o += (size_t)snprintf(buf + o, len - o, "%s%llu %s", o ? ", " : "",
			    (unsigned long long)n[k], kinds[k].counted);
	return buf;
}

/* The minute is over: one line per source that had refusals, then the
 * sources without any leave the table. */
static void minute_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_refusals *rf = arg;
	uint64_t more = 0, more_sources = 0;
	unsigned lines = 0;
	char text[200];
	size_t keep = 0;
	(void)fd;
	(void)what;

	for (size_t i = 0; i < rf->by_addr.n; i++) {
		struct refusal_source *s = rf->by_addr.v[i].value;
		uint64_t n = sum(s->n);
		if (n == 0) {
			free(s);        /* quiet for a minute */
			continue;
		}
		if (lines++ < REFUSAL_LINES) {
			log_warnx("api: %s in the last %d s: %s", s->addr, REFUSAL_SECS,
			    counts_text(s->n, text, sizeof text));
		} else {
			more += n;
			more_sources++;
		}
		memset(s->n, 0, sizeof s->n);
		rf->by_addr.v[keep++] = rf->by_addr.v[i];   /* the order stays */
	}
	rf->by_addr.n = keep;
	if (sum(rf->others) || more)
		log_warnx("api: %llu more refusals in the last %d s from %llu other sources "
		    "(%s)", (unsigned long long)(sum(rf->others) + more), REFUSAL_SECS,
		    (unsigned long long)more_sources, counts_text(rf->others, text, sizeof text));
	memset(rf->others, 0, sizeof rf->others);
	rf->first_lines = 0;
	if (rf->by_addr.n) {
		struct timeval tv = { REFUSAL_SECS, 0 };
		evtimer_add(rf->timer, &tv);
	}
}

struct api_refusals *api_refusals_new(struct event_base *base)
{
	struct api_refusals *rf = xcalloc(1, sizeof *rf);

	rf->timer = evtimer_new(base, minute_cb, rf);
	return rf;
}

void api_refusals_free(struct api_refusals *rf)
{
	if (rf == NULL)
		return;
	for (size_t i = 0; i < rf->by_addr.n; i++)
		free(rf->by_addr.v[i].value);
	nameidx_free(&rf->by_addr);
	event_free(rf->timer);
	free(rf);
}

/* A source seen for the first time (or again after a quiet minute). */
static struct refusal_source *source_new(struct api_refusals *rf, const char *addr,
    enum api_refusal why)
{
	struct refusal_source *s = xcalloc(1, sizeof *s);

	snprintf(s->addr, sizeof s->addr, "%s", addr);
	nameidx_put(&rf->by_addr, s->addr, s);
	if (rf->first_lines++ < REFUSAL_LINES)
		log_warnx("api: %s: %s; more from it are counted (/metrics) and logged "
		    "once a minute", s->addr, kinds[why].one);
	return s;
}

void api_refused(struct api_refusals *rf, const char *addr, enum api_refusal why)
{
	struct refusal_source *s = nameidx_get(&rf->by_addr, addr);

	rf->total[why]++;
	if (s != NULL) {
		s->n[why]++;
		return;
	}
	if (rf->by_addr.n == REFUSAL_SOURCES) {
		rf->others[why]++;
		return;
	}
	source_new(rf, addr, why);      /* its first refusal is logged, not counted again */
	if (!evtimer_pending(rf->timer, NULL)) {
		struct timeval tv = { REFUSAL_SECS, 0 };
		evtimer_add(rf->timer, &tv);
	}
}
