/*
 * dp_fib.c — "fib": "full": an upstream's table holds, for every prefix
 * of its view, the path with the lowest path id (the view's own rule for
 * "the" path of a prefix, feed_first_path), via that path's next hop.
 *
 * Each FEED_ROUTE says which path changed; the table changes only when
 * the prefix's first path did: a path announced, replaced or withdrawn
 * behind the first one changes nothing. When a session goes down, the
 * withdrawals come with the table still full (ev->clearing): the route
 * goes with the first path's withdrawal. A first path whose next hop the
 * table cannot take (an IPv4 route with an IPv6 next hop, RFC 8950) keeps
 * the prefix out of it, counted as skipped; the set a change replaced
 * (ev->old, FEED_WANT_OLD) tells whether the table held a route before.
 *
 * A feed attached to a view that already has routes is walked in chunks
 * of DP_WALK_CHUNK from the deferred event; a live change ahead of the
 * cursor is left to the walk (feed_cursor_passed), so nothing is missed
 * or sent twice. A feed detached (its view removed or restarted by a
 * reload) is walked whole at once for the routes it put in, which then go
 * a batch a loop pass; a feed attached to the table meanwhile starts its
 * walk once they are gone.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/attrset.h"

/* The next hop of set for a prefix of afi, or NULL when it has none of
 * that family (an IPv4 route with an IPv6 next hop: the table cannot hold
 * it through the ops). For IPv6 the global address (the first 16 of 32). */
static const uint8_t *next_hop_of(struct attrset *set, uint16_t afi)
{
	size_t len;
	const uint8_t *nh = attrset_next_hop(set, &len);

	if (afi == BGP_AFI_IPV4)
		return len == 4 ? nh : NULL;
	return len == 16 || len == 32 ? nh : NULL;
}

/* Whether the table holds a route for a prefix whose first path has set
 * (NULL: none). */
static bool held(struct attrset *set, uint16_t afi)
{
	return set && next_hop_of(set, afi) != NULL;
}

/* Queue the route of p: via set's next hop (set non-NULL), or gone. was:
 * the table holds a route for p before this change. */
static void put_route(struct dp_up *u, const struct bgp_prefix *p, bool was,
    struct attrset *set)
{
	const uint8_t *gw = set ? next_hop_of(set, p->afi) : NULL;

	if (set && gw == NULL) {
		u->t.skipped++;
		/* what the table held for p must not stay: its path changed */
		dpq_put(u->dp, &u->t, p, was, false, NULL, NULL);
		return;
	}
	dpq_put(u->dp, &u->t, p, was, set != NULL, gw, NULL);
}

struct other_ctx {
	uint32_t path_id;
	uint32_t best;
	struct attrset *set;
};

static int other_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct other_ctx *c = arg;
	if (p->path_id != c->path_id && (c->set == NULL || p->path_id < c->best)) {
		c->best = p->path_id;
		c->set = set;
	}
	return 0;
}

/* The set of p's lowest path but p->path_id (NULL: none): after a new
 * path came first, the one that was first before. */
static struct attrset *previous_first(const struct feed *f, const struct bgp_prefix *p)
{
	struct other_ctx c = { p->path_id, 0, NULL };
	feed_lookup_after(f, p, ADJRIB_EXACT, NULL, other_cb, &c);
	return c.set;
}

/* Whether the walk has been at prefix p: it visits a prefix's paths in
 * order of path id and takes the first one, so once it is past (p, path
 * id 0) the prefix is the live changes' business. */
static bool walk_passed(const struct dp_up *u, const struct bgp_prefix *p)
{
	struct bgp_prefix q = *p;

	q.path_id = 0;
	return feed_cursor_passed(&u->walk, &q);
}

static void on_route(struct dp_up *u, const struct feed_event *ev)
{
	const struct bgp_prefix *p = ev->prefix;
	struct bgp_prefix first;
	struct attrset *set = NULL;
	bool any = feed_first_path(u->feed, p, &first, &set);

	if (u->walking && !walk_passed(u, p))
		return;                 /* the walk will read its state */
	if (ev->clearing) {
		/* the table still holds every path: the first one's
		 * withdrawal takes the route away, the others change nothing */
		if (any && first.path_id == p->path_id)
			put_route(u, p, held(set, p->afi), NULL);
		return;
	}
	if (ev->change == FEED_WITHDRAW) {
		if (!any)
			put_route(u, p, held(ev->old, p->afi), NULL);
		else if (p->path_id < first.path_id)    /* the first went: the next one */
			put_route(u, p, held(ev->old, p->afi), set);
		return;
	}
	if (!any || first.path_id != p->path_id)
		return;                 /* a path behind the first one */
	put_route(u, p, held(ev->change == FEED_REPLACE ? ev->old :
	    previous_first(u->feed, p), p->afi), set);
}

static void feed_cb_(const struct feed_event *ev, void *arg)
{
	if (ev->type == FEED_ROUTE)
		on_route(arg, ev);
}

void dp_attach_feed(struct dataplane *dp, const char *upstream, struct feed *f)
{
	struct dp_up *u;

	if (dp == NULL || dp->fib != DATAPLANE_FIB_FULL ||
	    (u = dp_up_by_name(dp, upstream)) == NULL)
		return;
	dp_fib_detach(u);
	u->feed = f;
	/* ev->old: whether the table held a route for the path replaced */
	u->sub = feed_subscribe(f, FEED_MASK(FEED_ROUTE) | FEED_WANT_OLD, feed_cb_, u);
	feed_cursor_init(&u->walk, 0);
	u->walking = true;
	dp_kick(dp);
}

void dp_fib_detach(struct dp_up *u)
{
	if (u->sub)
		feed_unsubscribe(u->sub);
	u->sub = NULL;
	u->feed = NULL;
	u->walking = false;
}

/* A route of the table's: the prefix's first path, installed (the walk
 * has been there, or live changes have) and held; it is to go. */
static int unwalk_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct dp_up *u = arg;
	struct bgp_prefix first;
	struct attrset *fset;

	if (!feed_first_path(u->feed, p, &first, &fset) || first.path_id != p->path_id ||
	    (u->walking && !walk_passed(u, p)) || !held(set, p->afi))
		return 0;
	u->gone.v = xgrow_array(u->gone.v, &u->gone.cap, u->gone.n + 1, sizeof *u->gone.v);
	u->gone.v[u->gone.n] = *p;
	u->gone.v[u->gone.n++].path_id = 0;
	return 0;
}

void dp_detach_feed(struct dataplane *dp, const char *upstream)
{
	struct dp_up *u = dp ? dp_up_by_name(dp, upstream) : NULL;
	struct feed_cursor c;

	if (u == NULL || u->feed == NULL)
		return;
	/* what the view put in the table must not outlive it: which routes
	 * they are is read now, while the feed can say (memory only, no
	 * kernel call), and they go a batch a loop pass, so that the loop
	 * never waits for the kernel to delete a whole view */
	feed_cursor_init(&c, 0);
	while (!feed_cursor_done(&c))
		feed_cursor_next(u->feed, &c, DP_WALK_CHUNK, unwalk_cb, u);
	dp_fib_detach(u);
	dp_kick(dp);
}

bool dp_fib_wants(const struct dp_up *u, const struct bgp_prefix *p)
{
	struct bgp_prefix first;
	struct attrset *set;

	return u->feed != NULL && feed_first_path(u->feed, p, &first, &set) &&
	    held(set, p->afi);
}

void dp_fib_forget(struct dp_up *u)
{
	free(u->gone.v);
	memset(&u->gone, 0, sizeof u->gone);
}

void dp_release_feeds(struct dataplane *dp)
{
	for (size_t i = 0; dp && i < dp->nups; i++) {
		dp_fib_detach(dp->ups[i]);
		dp_fib_forget(dp->ups[i]);
	}
}

/* The next batch of the routes of a detached feed; true while some are
 * left. */
static bool remove_gone(struct dp_up *u)
{
	size_t end = u->gone.next + DP_BATCH_MAX;

	if (end > u->gone.n)
		end = u->gone.n;
	for (; u->gone.next < end; u->gone.next++)
		dpq_put(u->dp, &u->t, &u->gone.v[u->gone.next], true, false, NULL, NULL);
	if (u->gone.next < u->gone.n)
		return true;
	dp_fib_forget(u);
	return false;
}

/* A route the walk visits: the prefix's first path goes in. */
static int walk_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct dp_up *u = arg;
	struct bgp_prefix first;
	struct attrset *fset;

	if (feed_first_path(u->feed, p, &first, &fset) && first.path_id == p->path_id)
		put_route(u, p, false, set);
	return 0;
}

bool dp_fib_walks(struct dataplane *dp)
{
	bool more = false;

	for (size_t i = 0; i < dp->nups; i++) {
		struct dp_up *u = dp->ups[i];
		if (u->gone.n > 0) {
			/* a feed attached since waits: its walk would put back
			 * routes these removals take out */
			more |= remove_gone(u) || u->walking;
			continue;
		}
		if (!u->walking)
			continue;
		feed_cursor_next(u->feed, &u->walk, DP_WALK_CHUNK, walk_cb, u);
		if (feed_cursor_done(&u->walk))
			u->walking = false;
		else
			more = true;
	}
	return more;
}
