/*
 * feed.c — subscribers in an array; a publication walks it once.
 *
 * Unsubscribing from inside a callback only marks the entry dead; the
 * array is compacted when the outermost publication returns, so the walk
 * in progress never sees it move.
 */
#include "views/feed.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

struct feed_sub {
	struct feed *feed;
	unsigned mask;
	feed_cb cb;
	void *arg;
	bool dead;
};

struct feed {
	const struct adjrib *rib;
	struct feed_sub **subs;
	size_t nsubs, cap;
	unsigned depth;         /* publications in progress */
	unsigned mask;          /* union of the live subscribers' masks */
	bool dead_subs;
	bool up;
	const struct session *upstream;
	struct feed_counters counters;
};

struct feed *feed_new(const struct adjrib *rib)
{
	struct feed *f = xcalloc(1, sizeof *f);
	f->rib = rib;
	return f;
}

static void feed_recompute_mask(struct feed *f)
{
	f->mask = 0;
	for (size_t i = 0; i < f->nsubs; i++)
		if (!f->subs[i]->dead)
			f->mask |= f->subs[i]->mask;
}

static void feed_compact(struct feed *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nsubs; i++) {
		if (f->subs[i]->dead)
			free(f->subs[i]);
		else
			f->subs[n++] = f->subs[i];
	}
	f->nsubs = n;
	f->dead_subs = false;
}

void feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	feed_compact(f);
	if (f->nsubs)
		fatal("feed_free: %zu subscribers still subscribed", f->nsubs);
	free(f->subs);
	free(f);
}

struct feed_sub *feed_subscribe(struct feed *f, unsigned mask, feed_cb cb, void *arg)
{
	struct feed_sub *s = xcalloc(1, sizeof *s);

	s->feed = f;
	s->mask = mask;
	s->cb = cb;
	s->arg = arg;
	f->subs = xgrow_array(f->subs, &f->cap, f->nsubs + 1, sizeof *f->subs);
	f->subs[f->nsubs++] = s;
	f->mask |= mask;
	return s;
}

void feed_unsubscribe(struct feed_sub *s)
{
	struct feed *f;

	if (s == NULL || s->dead)
		return;
	f = s->feed;
	s->dead = true;
	f->dead_subs = true;
	feed_recompute_mask(f);
	if (f->depth == 0)
		feed_compact(f);
}

void feed_set_mask(struct feed_sub *s, unsigned mask)
{
	if (s == NULL || s->dead)
		return;
	s->mask = mask;
	feed_recompute_mask(s->feed);
}

size_t feed_subscribers(const struct feed *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nsubs; i++)
		n += !f->subs[i]->dead;
	return n;
}

bool feed_wants(const struct feed *f, unsigned mask)
{
	return (f->mask & mask) != 0;
}

void feed_publish(struct feed *f, const struct feed_event *ev)
{
	unsigned bit = FEED_MASK(ev->type);

	if (!(f->mask & bit))
		return;
	f->depth++;
	/* Subscribers added during the walk get the next event, not this. */
	size_t n = f->nsubs;
	for (size_t i = 0; i < n; i++) {
		struct feed_sub *s = f->subs[i];
		if (!s->dead && (s->mask & bit))
			s->cb(ev, s->arg);
	}
	if (--f->depth == 0 && f->dead_subs)
		feed_compact(f);
}

void feed_set_session(struct feed *f, bool up) { f->up = up; }
bool feed_session_up(const struct feed *f) { return f->up; }
void feed_set_upstream(struct feed *f, const struct session *s) { f->upstream = s; }
const struct session *feed_upstream(const struct feed *f) { return f->upstream; }

size_t feed_route_count(const struct feed *f, uint16_t afi)
{
	return adjrib_count(f->rib, afi);
}

struct feed_counters *feed_counters(struct feed *f) { return &f->counters; }

const struct adjrib *feed_table(const struct feed *f) { return f->rib; }

struct attrset *feed_route(const struct feed *f, const struct bgp_prefix *p)
{
	return adjrib_get(f->rib, p);
}

struct first_ctx {
	struct bgp_prefix *first;
	struct attrset **set;
};

static int first_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct first_ctx *c = arg;
	*c->first = *p;
	*c->set = set;
	return 1;
}

bool feed_first_path(const struct feed *f, const struct bgp_prefix *p,
    struct bgp_prefix *first, struct attrset **set)
{
	struct first_ctx c = { first, set };
	return adjrib_lookup(f->rib, p, ADJRIB_EXACT, first_cb, &c) != 0;
}

int feed_lookup_after(const struct feed *f, const struct bgp_prefix *p,
    enum adjrib_match match, const struct bgp_prefix *after, adjrib_cb cb, void *arg)
{
	return adjrib_lookup_after(f->rib, p, match, after, cb, arg);
}

void feed_cursor_init(struct feed_cursor *c, uint16_t afi)
{
	adjrib_cursor_init(&c->c, afi);
}

size_t feed_cursor_next(const struct feed *f, struct feed_cursor *c, size_t max,
    adjrib_cb cb, void *arg)
{
	return adjrib_cursor_next(f->rib, &c->c, max, cb, arg);
}

bool feed_cursor_done(const struct feed_cursor *c)
{
	return adjrib_cursor_done(&c->c);
}

bool feed_cursor_passed(const struct feed_cursor *c, const struct bgp_prefix *p)
{
	return adjrib_cursor_passed(&c->c, p);
}
