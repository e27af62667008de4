/*
 * gateway_read.c — the gateway's table as others read it: the instances
 * with client_to_client subscribe to what each upstream is sent, and the
 * API reads the counters and each upstream's routes (gateway.h).
 */
#include "instances/gateway_int.h"

#include <stdlib.h>

#include "muxd/lib/xalloc.h"

/* ---- client_to_client -------------------------------------------------------------- */

void gateway_subscribe(struct gateway *gw, const char *upstream, gateway_route_cb *cb,
    void *arg)
{
	uint16_t id = gw_id_of(gw, upstream);

	gw->subs = xreallocarray(gw->subs, gw->nsubs + 1, sizeof *gw->subs);
	gw->subs[gw->nsubs++] = (struct gw_sub){ id, cb, arg };
}

void gateway_unsubscribe(struct gateway *gw, void *arg)
{
	for (size_t i = 0; i < gw->nsubs;) {
		if (gw->subs[i].arg == arg)
			gw->subs[i] = gw->subs[--gw->nsubs];
		else
			i++;
	}
}

struct each_ctx {
	gateway_route_cb *cb;
	void *arg;
};

static void each_cb(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, uint16_t src, uint64_t sent_at, void *arg)
{
	struct each_ctx *c = arg;
	(void)id;
	(void)src;
	(void)sent_at;
	c->cb(p, attrs, len, owner, c->arg);
}

void gateway_each(struct gateway *gw, const char *upstream, gateway_route_cb *cb, void *arg)
{
	struct each_ctx c = { cb, arg };
	uint16_t id = gw_id_of(gw, upstream);
	if (id)
		origin_each_sent(gw->origin, id, each_cb, &c);
}

/* ---- what the API reads -------------------------------------------------------------- */

void gateway_stats(const struct gateway *gw, struct gateway_stats *st)
{
	const struct origin_stats *o = origin_stats(gw->origin);

	st->rejected = gw->rejected;
	st->limit_resets = gw->limit_resets;
	st->sent_announce = o->sent_announce;
	st->sent_withdraw = o->sent_withdraw;
	st->damped = o->damped;
	st->held = o->held;
}

size_t gateway_upstreams(const struct gateway *gw)
{
	return gw->nups;
}

const char *gateway_upstream(const struct gateway *gw, size_t i, size_t *announced)
{
	*announced = origin_sent_count(gw->origin, gw->ups[i].id);
	return gw->ups[i].name;
}
