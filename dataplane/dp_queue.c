/*
 * dp_queue.c — route changes on their way to the kernel: one per (table,
 * prefix), sent DP_BATCH_MAX per loop pass from a deferred event.
 *
 * A change of a prefix already queued replaces the queued one (the kernel
 * only ever sees the last state wanted), so a burst on one prefix costs
 * one message; a prefix announced and withdrawn before it is sent costs
 * none. The queue is not flushed when it grows: a session going down
 * withdraws a full table in one call, and sending it all there would hold
 * the loop (every BGP session, the API) for as long as the kernel takes,
 * seconds for a million routes. One change per (table, prefix) bounds the
 * queue by the routes of the tables and the prefixes the views hold; it
 * drains a batch per pass, and a feed's walk adds to it only while it
 * holds less than DP_WALK_CHUNK.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"
#include "muxd/lib/xalloc.h"

#define NSLOTS_MIN (2 * DP_BATCH_MAX)
#define SLOT_FREE 0u
#define SLOT_SENT 1u                    /* its change went: a tombstone */

size_t dp_addr_len(uint16_t afi)
{
	return afi == BGP_AFI_IPV6 ? 16 : 4;
}

static uint32_t key_hash(const struct dp_table *t, const struct bgp_prefix *p)
{
	uint32_t h = 2166136261u;
	uint8_t head[6] = { t->id >> 24, t->id >> 16, t->id >> 8, t->id, (uint8_t)p->afi,
		p->len };

	for (size_t i = 0; i < sizeof head; i++)
		h = (h ^ head[i]) * 16777619u;
	for (size_t i = 0; i < dp_addr_len(p->afi); i++)
		h = (h ^ p->addr[i]) * 16777619u;
	return h;
}

static bool same_key(const struct dp_change *c, const struct dp_table *t,
    const struct bgp_prefix *p)
{
	return c->t == t && c->dst.afi == p->afi && c->dst.len == p->len &&
	    memcmp(c->dst.addr, p->addr, dp_addr_len(p->afi)) == 0;
}

/* The slot of (t, p): the one holding its queued change (*found), or the
 * one it would take (the first sent one on the way, else the free one). */
static size_t find_slot(const struct dp_queue *q, const struct dp_table *t,
    const struct bgp_prefix *p, bool *found)
{
	size_t mask = q->nslots - 1, i = key_hash(t, p) & mask, take = SIZE_MAX;

	*found = false;
	for (;; i = (i + 1) & mask) {
		uint32_t s = q->slot[i];
		if (s == SLOT_FREE)
			return take != SIZE_MAX ? take : i;
		if (s == SLOT_SENT) {
			if (take == SIZE_MAX)
				take = i;
		} else if (same_key(&q->v[s - 2], t, p)) {
			*found = true;
			return i;
		}
	}
}

/* The queued changes moved to the front and indexed again in nslots
 * slots: the sent ones' room and tombstones are gone. */
static void rebuild(struct dp_queue *q, size_t nslots)
{
	size_t live = q->n - q->head;
	bool found;

	if (live > 0)   /* q->v is NULL before the first change */
		memmove(q->v, q->v + q->head, live * sizeof *q->v);
	q->head = 0;
	q->n = live;
	free(q->slot);
	q->slot = xcalloc(nslots, sizeof *q->slot);
	q->nslots = nslots;
	q->used = live;
	for (size_t i = 0; i < live; i++) {
		size_t s = find_slot(q, q->v[i].t, &q->v[i].dst, &found);
		q->slot[s] = (uint32_t)i + 2;
		q->v[i].slot = (uint32_t)s;
	}
}

/* Room for one more change: the index at most half used (tombstones
 * included: short probes), the array with a free place at its end. A
 * rebuild leaves the index at most a quarter full. */
static void make_room(struct dp_queue *q)
{
	size_t live = q->n - q->head, nslots = NSLOTS_MIN;

	if (q->slot != NULL && (q->used + 1) * 2 <= q->nslots &&
	    (q->n < q->cap || q->head == 0))
		goto grow;
	while (nslots < (live + 1) * 4)
		nslots *= 2;
	rebuild(q, nslots);
grow:
	if (q->n == q->cap)
		q->v = xgrow_array(q->v, &q->cap, q->n + 1, sizeof *q->v);
}

void dpq_put(struct dataplane *dp, struct dp_table *t, const struct bgp_prefix *dst,
    bool was, bool want, const uint8_t *gw, const char *oif)
{
	struct dp_queue *q = &dp->q;
	struct dp_change *c;
	bool found = false;
	size_t s = q->slot ? find_slot(q, t, dst, &found) : 0;

	if (found) {
		c = &q->v[q->slot[s] - 2];
		t->coalesced++;
	} else {
		make_room(q);
		s = find_slot(q, t, dst, &found);
		q->used += q->slot[s] == SLOT_FREE;
		c = &q->v[q->n++];
		q->slot[s] = (uint32_t)q->n + 1;
		memset(c, 0, sizeof *c);
		c->t = t;
		c->dst = *dst;
		c->dst.path_id = 0;
		c->was = was;
		c->slot = (uint32_t)s;
		t->pending++;
	}
	c->want = want;
	c->has_gw = want && gw != NULL;
	if (c->has_gw)
		memcpy(c->gw, gw, dp_addr_len(dst->afi));
	c->oif = oif;
	dp_kick(dp);
}

/* One change to the ops; the table's count follows what was sent. */
static void send_change(struct dataplane *dp, const struct dp_change *c)
{
	c->t->pending--;
	if (c->want) {
		struct dp_route r = { .table = c->t->id, .dst = c->dst, .has_gw = c->has_gw,
			.oif = c->oif, .onlink = c->has_gw && c->oif != NULL };
		memcpy(r.gw, c->gw, sizeof r.gw);
		dp->ops->route_set(&r, dp->arg);
		c->t->routes += !c->was;
	} else if (c->was) {
		dp->ops->route_del(c->t->id, &c->dst, dp->arg);
		c->t->routes--;
	}
}

/* The queue emptied: its index starts afresh, small again after a burst. */
static void reset(struct dp_queue *q)
{
	q->head = q->n = 0;
	q->used = 0;
	if (q->nslots > NSLOTS_MIN) {
		free(q->slot);
		free(q->v);
		q->slot = NULL;
		q->v = NULL;
		q->nslots = q->cap = 0;
	} else if (q->slot != NULL) {
		memset(q->slot, 0, q->nslots * sizeof *q->slot);
	}
}

/* The next DP_BATCH_MAX changes to the ops, then their flush. They leave
 * the queue before the ops run: a failure the ops report
 * (dp_route_failed) may come at once, and a new change of their prefix
 * is queued again. */
static void send_batch(struct dataplane *dp)
{
	struct dp_queue *q = &dp->q;
	size_t first = q->head, k = q->n - q->head;

	if (k == 0)
		return;
	if (k > DP_BATCH_MAX)
		k = DP_BATCH_MAX;
	q->head += k;
	for (size_t i = first; i < first + k; i++)
		q->slot[q->v[i].slot] = SLOT_SENT;
	for (size_t i = first; i < first + k; i++)
		send_change(dp, &q->v[i]);
	dp->ops->flush(dp->arg);
	if (q->head == q->n)
		reset(q);
}

void dpq_flush(struct dataplane *dp)
{
	while (dp->q.head < dp->q.n)
		send_batch(dp);
}

void dpq_clear(struct dataplane *dp)
{
	struct dp_queue *q = &dp->q;

	for (size_t i = q->head; i < q->n; i++)
		q->v[i].t->pending--;
	free(q->v);
	free(q->slot);
	memset(q, 0, sizeof *q);
}

/* A pass: the walks add a chunk while the queue is short, then one batch
 * goes; again next pass while anything is left. */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dataplane *dp = arg;
	bool more = false;
	(void)fd;
	(void)what;
	if (dp->q.n - dp->q.head < DP_WALK_CHUNK)
		more = dp_fib_walks(dp);
	else
		more = true;
	send_batch(dp);
	dp_sweep(dp);
	if (more || dp->q.head < dp->q.n)
		dp_kick(dp);
}

void dp_kick(struct dataplane *dp)
{
	if (dp->flush_ev == NULL)
		dp->flush_ev = event_new(dp->base, -1, 0, flush_cb, dp);
	if (!event_pending(dp->flush_ev, EV_TIMEOUT, NULL)) {
		static const struct timeval now = { 0, 0 };
		event_add(dp->flush_ev, &now);
	}
}
