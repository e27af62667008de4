/*
 * instance_clients.c — the clients an instance keeps: started from the
 * configuration (whole, on a reload, or one provisioned through the API),
 * restarted when changed, shut down when removed, their multisession
 * legs, and forgotten when gone.
 */
#include <stdlib.h>
#include <string.h>

#include "instances/instance_int.h"
#include "muxd/lib/log.h"

static void inst_clients_append(struct instance *inst, struct client *c)
{
	if (inst->nclients == inst->cap) {
		inst->cap = inst->cap ? inst->cap * 2 : 8;
		inst->clients = xreallocarray(inst->clients, inst->cap, sizeof *inst->clients);
	}
	inst->clients[inst->nclients++] = c;
}

static void clients_remove(struct instance *inst, struct client *c)
{
	for (size_t i = 0; i < inst->nclients; i++) {
		if (inst->clients[i] == c) {
			memmove(&inst->clients[i], &inst->clients[i + 1],
			    (inst->nclients - i - 1) * sizeof inst->clients[0]);
			inst->nclients--;
			return;
		}
	}
}

/* The primary's peer is gone, and with it every session of its legs: the
 * instance forgets them all (the client frees them when this returns). */
static void on_client_gone(struct client *c, void *arg)
{
	struct instance *inst = arg;

	/* A session that never went down (frozen for an upgrade in place,
	 * then aborted) still holds its walk and classes: they go now
	 * (inst_client_down does nothing for a client already down). */
	for (size_t i = 0; i < c->nlegs; i++)
		inst_client_down(c->legs[i], inst);
	inst_client_down(c, inst);
	for (size_t i = 0; i < c->nlegs; i++)
		clients_remove(inst, c->legs[i]);
	for (size_t i = 0; i < inst->nclients; i++)
		if (inst->clients[i]->range_of == c)
			inst->clients[i]->range_of = NULL;     /* shut down with it */
	clients_remove(inst, c);
	if (nameidx_get(&inst->by_name, c->cfg.name) == c)
		nameidx_del(&inst->by_name, c->cfg.name);
	inst_gone_if_empty(inst);
}

static struct client *on_client_leg(struct client *primary, void *arg)
{
	struct client *leg = client_new_leg(primary);
	inst_clients_append(arg, leg);
	return leg;
}

static const struct client_ops inst_client_ops = {
	.established = inst_client_established,
	.down = inst_client_down,
	.route_refresh = inst_client_refresh,
	.gone = on_client_gone,
	.leg_new = on_client_leg,
};

/* A template (a range) is not started: it never connects, its members do. */
struct client *inst_client_add(struct instance *inst, const struct client_config *cc,
    struct client *range_of)
{
	struct client_params cp = {
		.instance = inst->name, .local = inst->cfg.addr,
		.local_as = inst->cfg.local_as, .router_id = inst->router_id,
		.hostname = inst->hostname[0] ? inst->hostname : NULL, .gr = inst->gr,
		.families = inst->fams, .family_count = inst->nfams,
		.family_ports = inst->cfg.family_ports,
		.queue_limit = inst->queue_limit, .stall_secs = inst->stall_secs,
		.gw = inst->gw,
	};
	struct client *c = client_new(inst->base, cc, &cp, &inst_client_ops, inst);

	c->range_of = range_of;
	inst_clients_append(inst, c);
	if (range_of == NULL)
		inst_listener_key(inst, cc, cc->password);     /* a range's covers its members */
	if (cc->range_len == 0)
		client_start(c);
	return c;
}

/* A configured client: by name too. */
static void client_add_configured(struct instance *inst, const struct client_config *cc)
{
	struct client *c = inst_client_add(inst, cc, NULL);
	nameidx_put(&inst->by_name, c->cfg.name, c);
}

/* A template leaves: so do the members of its range. */
static void inst_range_members_shutdown(struct instance *inst, const struct client *tmpl,
    uint8_t subcode)
{
	for (size_t i = 0; i < inst->nclients; i++)
		if (inst->clients[i]->range_of == tmpl && !inst->clients[i]->retiring)
			client_shutdown(inst->clients[i], BGP_ERR_CEASE, subcode);
}

/* A client leaves the configuration: Cease/Peer De-configured, and so
 * do the members of its range. */
static void client_deconfigure(struct instance *inst, struct client *c)
{
	log_info("instance %s: client %s removed from the configuration: closing it "
	    "with Cease/Peer De-configured", inst->name, c->cfg.name);
	inst_listener_key(inst, &c->cfg, NULL);
	client_shutdown(c, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED);
	inst_range_members_shutdown(inst, c, BGP_CEASE_PEER_DECONFIGURED);
}

/* The configured client (not a leg, a range member or one leaving) named
 * name, or NULL. */
static struct client *client_running(const struct instance *inst, const char *name)
{
	struct client *c = nameidx_get(&inst->by_name, name);

	return c && !c->retiring ? c : NULL;
}

/* Each running client against cfg's of its name (ix): gone, it leaves;
 * changed, it restarts (the second loop starts the new one). */
static void sync_running(struct instance *inst, const struct nameidx *ix)
{
	for (size_t i = 0, n = inst->nclients; i < n; i++) {
		struct client *c = inst->clients[i];
		if (c->retiring || c->primary || c->range_of)
			continue;       /* legs and range members follow their own */
		const struct client_config *cc = nameidx_get(ix, c->cfg.name);
		if (cc == NULL || !client_has_upstream(cc, inst->name)) {
			client_deconfigure(inst, c);
		} else if (!client_config_equal(&c->cfg, cc)) {
			log_info("instance %s: client %s changed: restarting it with "
			    "Cease/Other Configuration Change", inst->name, c->cfg.name);
			client_shutdown(c, BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE);
			inst_range_members_shutdown(inst, c, BGP_CEASE_CONFIG_CHANGE);
		}
	}
}

void instance_sync_clients(struct instance *inst, const struct config *cfg)
{
	struct nameidx ix = { 0 };

	if (inst->stopping)
		return;
	for (size_t i = 0; i < cfg->client_count; i++)
		nameidx_push(&ix, cfg->clients[i].name, (void *)&cfg->clients[i]);
	nameidx_sort(&ix);
	/* Existing ones first (the array grows below; new ones are last). */
	sync_running(inst, &ix);
	nameidx_free(&ix);
	for (size_t i = 0; i < cfg->client_count; i++) {
		const struct client_config *cc = &cfg->clients[i];
		if (client_has_upstream(cc, inst->name) && client_running(inst, cc->name) == NULL)
			client_add_configured(inst, cc);
	}
}

void instance_client_add(struct instance *inst, const struct client_config *cc)
{
	if (!inst->stopping && client_has_upstream(cc, inst->name) &&
	    client_running(inst, cc->name) == NULL)
		client_add_configured(inst, cc);
}

void instance_client_remove(struct instance *inst, const char *name)
{
	struct client *c = client_running(inst, name);

	if (!inst->stopping && c != NULL)
		client_deconfigure(inst, c);
}

struct client *instance_client_named(const struct instance *inst, const char *name)
{
	return client_running(inst, name);
}

size_t instance_clients(const struct instance *inst, struct client **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < inst->nclients; i++) {
		if (inst->clients[i]->retiring)
			continue;
		if (n < max)
			out[n] = inst->clients[i];
		n++;
	}
	return n;
}

size_t instance_clients_established(const struct instance *inst)
{
	size_t n = 0;
	for (size_t i = 0; i < inst->nclients; i++)
		n += inst->clients[i]->session != NULL;
	return n;
}
