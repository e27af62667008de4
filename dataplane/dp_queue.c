/*
 * dp_queue.c — route changes on their way to the kernel: one per (table,
 * prefix), in a bounded queue flushed from a deferred event or when full.
 *
 * A change of a prefix already queued replaces the queued one (the kernel
 * only ever sees the last state wanted), so a burst on one prefix costs
 * one message; a prefix announced and withdrawn within one batch costs
 * none. The queue never holds more than DP_BATCH_MAX changes: the one
 * that would overflow it sends the batch first.
 */
#include <event2/event.h>
#include <string.h>

#include "dataplane/dp_int.h"

#define NSLOTS (2 * DP_BATCH_MAX)

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

/* The slot of (t, p): the one holding it, or the free one it would take. */
static size_t find_slot(const struct dp_queue *q, const struct dp_table *t,
    const struct bgp_prefix *p)
{
	size_t i = key_hash(t, p) & (NSLOTS - 1);

	while (q->slot[i] != 0 && !same_key(&q->v[q->slot[i] - 1], t, p))
		i = (i + 1) & (NSLOTS - 1);
	return i;
}

void dpq_put(struct dataplane *dp, struct dp_table *t, const struct bgp_prefix *dst,
    bool was, bool want, const uint8_t *gw, const char *oif)
{
	struct dp_queue *q = &dp->q;
	size_t s = find_slot(q, t, dst);
	struct dp_change *c;

	if (q->slot[s] != 0) {
		c = &q->v[q->slot[s] - 1];
		t->coalesced++;
	} else {
		if (q->n == DP_BATCH_MAX) {
			dpq_flush(dp);
			s = find_slot(q, t, dst);
		}
		c = &q->v[q->n++];
		q->slot[s] = (uint16_t)q->n;
		memset(c, 0, sizeof *c);
		c->t = t;
		c->dst = *dst;
		c->dst.path_id = 0;
		c->was = was;
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

void dpq_flush(struct dataplane *dp)
{
	struct dp_queue *q = &dp->q;
	size_t n = q->n;

	if (n == 0)
		return;
	/* the queue is empty before the ops run: a failure they report
	 * (dp_route_failed) may come at once */
	q->n = 0;
	memset(q->slot, 0, sizeof q->slot);
	for (size_t i = 0; i < n; i++)
		send_change(dp, &q->v[i]);
	dp->ops->flush(dp->arg);
}

void dpq_clear(struct dataplane *dp)
{
	for (size_t i = 0; i < dp->q.n; i++)
		dp->q.v[i].t->pending--;
	dp->q.n = 0;
	memset(dp->q.slot, 0, sizeof dp->q.slot);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dataplane *dp = arg;
	(void)fd;
	(void)what;
	bool more = dp_fib_walks(dp);
	dpq_flush(dp);
	if (more)
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
