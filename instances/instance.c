/*
 * instance.c — an instance's life: made listening and subscribed to its
 * view's feed (and, with client_to_client, to the gateway's routes for
 * its upstream); shut down client by client; freed from a deferred event
 * once the last one is gone. And what it shows the API. How routes flow
 * to clients: instance_int.h.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/c2c.h"
#include "instances/gateway.h"
#include "instances/instance_int.h"
#include "instances/walk.h"
#include "muxd/engine/listener.h"
#include "muxd/lib/log.h"

static void on_feed(const struct feed_event *ev, void *arg)
{
	struct instance *inst = arg;

	switch (ev->type) {
	case FEED_ROUTE:
		inst_log_route(inst, ev);
		break;
	case FEED_SESSION_UP:
		log_info("instance %s: upstream session up; %zu clients Established",
		    inst->name, instance_clients_established(inst));
		break;
	case FEED_END_OF_RIB:
		inst_gr_upstream_eor(inst, ev->afi, ev->safi);
		break;
	case FEED_SESSION_DOWN:
		log_info("instance %s: upstream session down (%s): %s its "
		    "%s routes from %zu client sessions", inst->name, ev->reason,
		    ev->kept ? "graceful restart: not withdrawing (until they turn out "
		    "stale)" : "withdrawing",
		    ev->neg && ev->neg->family_count == 1 ? family_name(ev->neg->families[0]) :
		    "every family's", instance_clients_established(inst));
		break;
	default:
		break;
	}
}

/* client_to_client: what the upstream is sent, change by change. */
static void on_gateway_route(const struct bgp_prefix *p, const uint8_t *attrs, size_t len,
    const char *owner, void *arg)
{
	inst_log_c2c(arg, p, attrs, len, owner);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	inst_check_slow(arg);
	inst_reap_range_members(arg);
}

static void instance_free(struct instance *inst)
{
	inst_unlisten(inst);
	inst_export_free(inst);
	inst_walks_free(inst);
	inst_gr_free(inst);
	c2c_free(inst->c2c);            /* after the logs and classes: its sets */
	event_free(inst->tick_ev);
	event_free(inst->gone_ev);
	free(inst->clients);
	nameidx_free(&inst->by_name);
	free(inst->name);
	free(inst);
}

/* The last client is gone: gone, then free (nothing of the instance is
 * on the stack here). */
static void gone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instance *inst = arg;
	(void)fd;
	(void)what;
	if (inst->ops && inst->ops->gone)
		inst->ops->gone(inst, inst->arg);
	instance_free(inst);
}

void inst_gone_if_empty(struct instance *inst)
{
	if (inst->stopping && inst->nclients == 0)
		event_active(inst->gone_ev, 0, 0);
}

static void instance_init(struct instance *inst, struct event_base *base,
    const struct instance_params *p, struct feed *feed)
{
	inst->base = base;
	inst->name = xstrdup(p->name);
	inst->cfg = p->cfg;
	inst->nfams = p->family_count;
	memcpy(inst->fams, p->families, p->family_count * sizeof inst->fams[0]);
	inst->router_id = p->router_id;
	inst->gr = p->gr;
	inst->eor_wait = p->eor_wait;
	if (p->hostname)
		snprintf(inst->hostname, sizeof inst->hostname, "%s", p->hostname);
	inst->queue_limit = p->queue_limit;
	inst->stall_secs = p->stall_secs;
	inst->split_queue = p->walk_split_queue ? p->walk_split_queue : WALK_SPLIT_QUEUE;
	fanout_nh_init(&inst->nh, &p->cfg.addr, p->cfg.next_hop_self);
	inst->feed = feed;
	inst->gw = p->gw;
	inst_export_init(inst);
	inst_walks_init(inst);
	inst_gr_init(inst);
	inst->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, inst);
	inst->gone_ev = event_new(base, -1, 0, gone_cb, inst);
}

struct instance *instance_new(struct event_base *base, const struct instance_params *p,
    struct feed *feed, const struct instance_ops *ops, void *arg, char *why,
    size_t why_len)
{
	struct instance *inst = xcalloc(1, sizeof *inst);
	struct timeval sec = { 1, 0 };

	instance_init(inst, base, p, feed);
	inst->ops = ops;
	inst->arg = arg;
	if (!inst_listen(inst, why, why_len)) {
		instance_free(inst);
		return NULL;
	}
	evtimer_add(inst->tick_ev, &sec);
	inst->sub = feed_subscribe(feed, FEED_MASK(FEED_ROUTE) |
	    FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN) |
	    FEED_MASK(FEED_END_OF_RIB), on_feed, inst);
	if (inst->gw && inst->cfg.client_to_client) {
		/* what the upstream holds now, then every change */
		inst->c2c = c2c_new(&inst->cfg.addr);
		gateway_each(inst->gw, inst->name, on_gateway_route, inst);
		gateway_subscribe(inst->gw, inst->name, on_gateway_route, inst);
	}
	return inst;
}

void instance_shutdown(struct instance *inst, uint8_t code, uint8_t subcode)
{
	if (inst->stopping)
		return;
	inst->stopping = true;
	feed_unsubscribe(inst->sub);
	inst->sub = NULL;
	if (inst->gw)
		gateway_unsubscribe(inst->gw, inst);
	inst_unlisten(inst);
	event_del(inst->tick_ev);
	event_del(inst->walk_ev);
	for (size_t i = 0; i < inst->nclients; i++)
		if (!inst->clients[i]->retiring && !inst->clients[i]->primary)
			client_shutdown(inst->clients[i], code, subcode);
	inst_gone_if_empty(inst);
}

void instance_set_families(struct instance *inst, const struct bgp_family *fams, uint8_t n)
{
	inst->nfams = n;
	memcpy(inst->fams, fams, n * sizeof fams[0]);
	for (size_t i = 0; i < inst->nclients; i++)
		if (!inst->clients[i]->retiring && !inst->clients[i]->primary)
			client_set_families(inst->clients[i], fams, n, inst->cfg.family_ports);
}

/* ---- what the API reads ------------------------------------------------------------ */

const char *instance_name(const struct instance *inst) { return inst->name; }
const struct instance_config *instance_config(const struct instance *inst) { return &inst->cfg; }
const struct instance_stats *instance_stats(const struct instance *inst) { return &inst->st; }
size_t instance_walks(const struct instance *inst) { return inst->nwalks; }

size_t instance_classes(const struct instance *inst, struct instance_class *out, size_t max)
{
	size_t n = 0;

	for (const struct inst_class *ic = inst->classes; ic; ic = ic->next, n++) {
		if (n >= max)
			continue;
		out[n].key = fanout_class_key(ic->fc);
		out[n].stats = fanout_class_stats(ic->fc);
		out[n].clients = ic->refs;
	}
	return n;
}
