/*
 * origin.c — the gateway's own table.
 *
 * Plain arrays searched linearly: a gateway holds its clients'
 * allocations, a few hundred to a few thousand routes (max_prefixes
 * bounds each client), so a scan is cheaper than keeping an index right.
 */
#include "instances/origin.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"

struct source {
	char *client;
	uint16_t id;
	bool up;
	uint64_t stale_until;           /* 0: no hold-down runs */
	uint64_t hold_ms, min_ms;
	size_t routes;
};

struct out {
	uint16_t id;
	uint8_t *attrs;
	size_t len;
};

/* A client's route as the gateway holds it. */
struct croute {
	struct source *src;
	struct bgp_prefix p;
	bool stale;
	struct out *outs;
	size_t nouts;
};

/* What one upstream holds for one prefix, and what waits. */
struct adv {
	uint16_t id;
	struct bgp_prefix p;
	uint8_t *sent;                  /* NULL: withdrawn (or never sent) */
	size_t sent_len;
	char *owner;
	uint16_t owner_src;
	uint64_t last_sent;             /* 0: never sent */
	uint64_t min_ms;                /* the interval its last change keeps */
	bool pending;
	uint64_t due;
};

struct origin {
	const struct origin_ops *ops;
	void *arg;
	struct source **srcs;
	size_t nsrcs;
	struct croute **routes;
	size_t nroutes;
	struct adv **advs;
	size_t nadvs;
	bool dirty;
	struct origin_stats st;
};

static void *grow(void *v, size_t n, size_t size)
{
	/* one at a time is enough at this scale; powers of two keep it cheap */
	if (n && (n & (n - 1)))
		return v;
	return xreallocarray(v, n ? n * 2 : 4, size);
}

struct origin *origin_new(const struct origin_ops *ops, void *arg)
{
	struct origin *o = xcalloc(1, sizeof *o);
	o->ops = ops;
	o->arg = arg;
	return o;
}

static void croute_free(struct croute *r)
{
	for (size_t i = 0; i < r->nouts; i++)
		free(r->outs[i].attrs);
	free(r->outs);
	free(r);
}

void origin_free(struct origin *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->nroutes; i++)
		croute_free(o->routes[i]);
	for (size_t i = 0; i < o->nadvs; i++) {
		free(o->advs[i]->sent);
		free(o->advs[i]->owner);
		free(o->advs[i]);
	}
	for (size_t i = 0; i < o->nsrcs; i++) {
		free(o->srcs[i]->client);
		free(o->srcs[i]);
	}
	free(o->srcs);
	free(o->routes);
	free(o->advs);
	free(o);
}

/* ---- lookups -------------------------------------------------------------- */

static bool prefix_same(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->afi == b->afi && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static struct source *source_find(const struct origin *o, const char *client, uint16_t id)
{
	for (size_t i = 0; i < o->nsrcs; i++)
		if (o->srcs[i]->id == id && strcmp(o->srcs[i]->client, client) == 0)
			return o->srcs[i];
	return NULL;
}

static struct source *source_get(struct origin *o, const char *client, uint16_t id)
{
	struct source *s = source_find(o, client, id);

	if (s != NULL)
		return s;
	s = xcalloc(1, sizeof *s);
	s->client = xstrdup(client);
	s->id = id;
	s->hold_ms = ORIGIN_DEFAULT_HOLD_DOWN * 1000ull;
	s->min_ms = ORIGIN_DEFAULT_MIN_INTERVAL * 1000ull;
	o->srcs = grow(o->srcs, o->nsrcs, sizeof *o->srcs);
	o->srcs[o->nsrcs++] = s;
	return s;
}

static size_t croute_index(const struct origin *o, const struct source *s,
    const struct bgp_prefix *p)
{
	for (size_t i = 0; i < o->nroutes; i++)
		if (o->routes[i]->src == s && prefix_same(&o->routes[i]->p, p))
			return i;
	return SIZE_MAX;
}

static struct adv *adv_find(const struct origin *o, uint16_t id, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < o->nadvs; i++)
		if (o->advs[i]->id == id && prefix_same(&o->advs[i]->p, p))
			return o->advs[i];
	return NULL;
}

static struct adv *adv_get(struct origin *o, uint16_t id, const struct bgp_prefix *p)
{
	struct adv *a = adv_find(o, id, p);

	if (a != NULL)
		return a;
	a = xcalloc(1, sizeof *a);
	a->id = id;
	a->p = *p;
	a->p.path_id = 0;
	o->advs = grow(o->advs, o->nadvs, sizeof *o->advs);
	o->advs[o->nadvs++] = a;
	return a;
}

static const struct out *croute_out(const struct croute *r, uint16_t id)
{
	for (size_t i = 0; i < r->nouts; i++)
		if (r->outs[i].id == id)
			return &r->outs[i];
	return NULL;
}

/* Lower (client name, source id) wins a prefix. */
static bool source_before(const struct source *a, const struct source *b)
{
	int c = strcmp(a->client, b->client);
	return c < 0 || (c == 0 && a->id < b->id);
}

/* The route upstream id should hold for p, and whose it is. */
static const struct croute *wanted(const struct origin *o, uint16_t id,
    const struct bgp_prefix *p, const struct out **out)
{
	const struct croute *best = NULL;

	*out = NULL;
	for (size_t i = 0; i < o->nroutes; i++) {
		const struct croute *r = o->routes[i];
		const struct out *x;
		if (!prefix_same(&r->p, p) || (x = croute_out(r, id)) == NULL)
			continue;
		if (best == NULL || source_before(r->src, best->src)) {
			best = r;
			*out = x;
		}
	}
	return best;
}

/* ---- deciding what an upstream is sent --------------------------------------- */

static void adv_send(struct origin *o, struct adv *a, const struct croute *r,
    const struct out *x, uint64_t now)
{
	free(a->sent);
	a->sent = NULL;
	a->sent_len = 0;
	if (x != NULL) {
		a->sent = xmalloc(x->len);
		memcpy(a->sent, x->attrs, x->len);
		a->sent_len = x->len;
		free(a->owner);
		a->owner = xstrdup(r->src->client);
		a->owner_src = r->src->id;
		a->min_ms = r->src->min_ms;
		o->st.sent_announce++;
	} else {
		o->st.sent_withdraw++;
	}
	a->last_sent = now ? now : 1;
	a->pending = false;
	o->dirty = true;
	o->ops->send(a->id, &a->p, a->sent, a->sent_len, a->owner ? a->owner : "",
	    o->arg);
}

static bool adv_matches(const struct adv *a, const struct out *x)
{
	if (x == NULL)
		return a->sent == NULL;
	return a->sent != NULL && a->sent_len == x->len &&
	    memcmp(a->sent, x->attrs, x->len) == 0;
}

/* Bring upstream id's route for p in line with what is wanted: now, or
 * when min_interval since the last change has passed. */
static void reconsider(struct origin *o, uint16_t id, const struct bgp_prefix *p,
    uint64_t now)
{
	const struct out *x;
	const struct croute *r = wanted(o, id, p, &x);
	struct adv *a = adv_find(o, id, p);

	if (a == NULL && x == NULL)
		return;
	if (a == NULL)
		a = adv_get(o, id, p);
	if (adv_matches(a, x)) {
		a->pending = false;
		return;
	}
	uint64_t min = r ? r->src->min_ms : a->min_ms;
	if (a->last_sent == 0 || now >= a->last_sent + min) {
		adv_send(o, a, r, x, now);
		return;
	}
	if (!a->pending)
		o->st.damped++;
	a->pending = true;
	a->due = a->last_sent + min;
}

/* Every upstream a route's forms (old and new) touch. */
static void reconsider_route(struct origin *o, const struct bgp_prefix *p,
    const struct out *outs, size_t n, uint64_t now)
{
	for (size_t i = 0; i < n; i++)
		reconsider(o, outs[i].id, p, now);
}

/* ---- sources ----------------------------------------------------------------- */

void origin_source_config(struct origin *o, const char *client, uint16_t src,
    uint32_t hold_down_s, uint32_t min_interval_s)
{
	struct source *s = source_get(o, client, src);
	s->hold_ms = (uint64_t)hold_down_s * 1000;
	s->min_ms = (uint64_t)min_interval_s * 1000;
}

void origin_source_up(struct origin *o, const char *client, uint16_t src)
{
	struct source *s = source_get(o, client, src);
	s->up = true;
	o->dirty = true;
}

void origin_source_down(struct origin *o, const char *client, uint16_t src,
    uint64_t now)
{
	struct source *s = source_get(o, client, src);

	s->up = false;
	for (size_t i = 0; i < o->nroutes; i++)
		if (o->routes[i]->src == s)
			o->routes[i]->stale = true;
	s->stale_until = s->routes ? now + s->hold_ms : 0;
	if (s->routes && s->stale_until == 0)
		s->stale_until = 1;
	o->dirty = true;
}

/* ---- routes ------------------------------------------------------------------ */

static void croute_remove(struct origin *o, size_t i, uint64_t now)
{
	struct croute *r = o->routes[i];

	o->routes[i] = o->routes[--o->nroutes];
	r->src->routes--;
	reconsider_route(o, &r->p, r->outs, r->nouts, now);
	croute_free(r);
}

void origin_announce(struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p, const struct origin_out *outs, size_t n,
    uint64_t now)
{
	struct source *s = source_get(o, client, src);
	size_t i = croute_index(o, s, p);
	struct croute *r = xcalloc(1, sizeof *r);

	r->src = s;
	r->p = *p;
	r->p.path_id = 0;
	r->outs = n ? xcalloc(n, sizeof *r->outs) : NULL;
	for (size_t k = 0; k < n; k++) {
		r->outs[r->nouts].id = outs[k].id;
		r->outs[r->nouts].attrs = xmalloc(outs[k].len ? outs[k].len : 1);
		memcpy(r->outs[r->nouts].attrs, outs[k].attrs, outs[k].len);
		r->outs[r->nouts++].len = outs[k].len;
	}
	struct croute *old = NULL;
	if (i == SIZE_MAX) {
		o->routes = grow(o->routes, o->nroutes, sizeof *o->routes);
		o->routes[o->nroutes++] = r;
		s->routes++;
	} else {
		old = o->routes[i];
		o->routes[i] = r;
	}
	reconsider_route(o, &r->p, r->outs, r->nouts, now);
	if (old) {
		reconsider_route(o, &old->p, old->outs, old->nouts, now);
		croute_free(old);
	}
}

void origin_withdraw(struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p, uint64_t now)
{
	struct source *s = source_find(o, client, src);
	size_t i = s ? croute_index(o, s, p) : SIZE_MAX;

	if (i != SIZE_MAX)
		croute_remove(o, i, now);
}

bool origin_has(const struct origin *o, const char *client, uint16_t src,
    const struct bgp_prefix *p)
{
	const struct source *s = source_find(o, client, src);
	return s && croute_index(o, s, p) != SIZE_MAX;
}

size_t origin_source_count(const struct origin *o, const char *client, uint16_t src)
{
	const struct source *s = source_find(o, client, src);
	return s ? s->routes : 0;
}

/* ---- time --------------------------------------------------------------------- */

static void expire_source(struct origin *o, struct source *s, uint64_t now)
{
	for (size_t i = 0; i < o->nroutes;) {
		if (o->routes[i]->src == s && o->routes[i]->stale) {
			o->st.held++;
			croute_remove(o, i, now);
		} else {
			i++;
		}
	}
	s->stale_until = 0;
	o->dirty = true;
}

/* An entry that holds nothing and damps nothing any more. */
static bool adv_idle(const struct adv *a, uint64_t now)
{
	return a->sent == NULL && !a->pending && now >= a->last_sent + a->min_ms;
}

void origin_run(struct origin *o, uint64_t now)
{
	for (size_t i = 0; i < o->nsrcs; i++)
		if (o->srcs[i]->stale_until && o->srcs[i]->stale_until <= now)
			expire_source(o, o->srcs[i], now);
	for (size_t i = 0; i < o->nadvs; i++)
		if (o->advs[i]->pending && o->advs[i]->due <= now)
			reconsider(o, o->advs[i]->id, &o->advs[i]->p, now);
	for (size_t i = 0; i < o->nadvs;) {
		struct adv *a = o->advs[i];
		if (!adv_idle(a, now)) {
			i++;
			continue;
		}
		o->advs[i] = o->advs[--o->nadvs];
		free(a->owner);
		free(a);
	}
}

uint64_t origin_next_due(const struct origin *o)
{
	uint64_t due = 0;

	for (size_t i = 0; i < o->nsrcs; i++)
		if (o->srcs[i]->stale_until && (due == 0 || o->srcs[i]->stale_until < due))
			due = o->srcs[i]->stale_until;
	for (size_t i = 0; i < o->nadvs; i++)
		if (o->advs[i]->pending && (due == 0 || o->advs[i]->due < due))
			due = o->advs[i]->due;
	return due;
}

/* ---- reading and restoring ------------------------------------------------------ */

void origin_each_sent(const struct origin *o, uint16_t id, origin_sent_cb *cb, void *arg)
{
	for (size_t i = 0; i < o->nadvs; i++) {
		const struct adv *a = o->advs[i];
		if (a->sent && (id == 0 || a->id == id))
			cb(a->id, &a->p, a->sent, a->sent_len, a->owner, a->owner_src,
			    a->last_sent, arg);
	}
}

size_t origin_sent_count(const struct origin *o, uint16_t id)
{
	size_t n = 0;
	for (size_t i = 0; i < o->nadvs; i++)
		n += o->advs[i]->sent && (id == 0 || o->advs[i]->id == id);
	return n;
}

void origin_each_source(const struct origin *o, origin_source_cb *cb, void *arg)
{
	for (size_t i = 0; i < o->nsrcs; i++)
		cb(o->srcs[i]->client, o->srcs[i]->id, o->srcs[i]->up,
		    o->srcs[i]->stale_until, arg);
}

void origin_restore_source(struct origin *o, const char *client, uint16_t src,
    uint64_t stale_until)
{
	struct source *s = source_get(o, client, src);
	s->up = false;
	s->stale_until = stale_until;
}

void origin_restore_sent(struct origin *o, uint16_t id, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const char *owner, uint16_t src,
    uint64_t sent_at)
{
	struct source *s = source_get(o, owner, src);
	size_t i = croute_index(o, s, p);
	struct croute *r;

	if (len == 0)
		return;
	if (i == SIZE_MAX) {
		r = xcalloc(1, sizeof *r);
		r->src = s;
		r->p = *p;
		r->p.path_id = 0;
		o->routes = grow(o->routes, o->nroutes, sizeof *o->routes);
		o->routes[o->nroutes++] = r;
		s->routes++;
	} else {
		r = o->routes[i];
	}
	r->stale = true;
	if (!croute_out(r, id)) {
		r->outs = xreallocarray(r->outs, r->nouts + 1, sizeof *r->outs);
		r->outs[r->nouts].id = id;
		r->outs[r->nouts].attrs = xmalloc(len);
		memcpy(r->outs[r->nouts].attrs, attrs, len);
		r->outs[r->nouts++].len = len;
	}
	struct adv *a = adv_get(o, id, p);
	free(a->sent);
	free(a->owner);
	a->sent = xmalloc(len);
	memcpy(a->sent, attrs, len);
	a->sent_len = len;
	a->owner = xstrdup(owner);
	a->owner_src = src;
	a->last_sent = sent_at ? sent_at : 1;
	a->min_ms = s->min_ms;
	if (s->stale_until == 0)        /* a deadline must exist for stale routes */
		s->stale_until = 1;
}

bool origin_dirty(const struct origin *o) { return o->dirty; }
void origin_clear_dirty(struct origin *o) { o->dirty = false; }
const struct origin_stats *origin_stats(const struct origin *o) { return &o->st; }
