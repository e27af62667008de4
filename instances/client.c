/*
 * client.c — a client's peer, its configuration, its life (new, legs,
 * shutdown, the deferred free), what the API reads of it, and the rules
 * that say it cannot keep up.
 */
#include "instances/client_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/alloc.h"
#include "instances/gateway.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"

static const struct peer_ops client_peer_ops;
static void gone_cb(evutil_socket_t fd, short what, void *arg);

/* ---- life ------------------------------------------------------------------ */

struct client *client_new(struct event_base *base, const struct client_config *cc,
    const struct client_params *p, const struct client_ops *ops, void *arg)
{
	struct client *c = xcalloc(1, sizeof *c);
	struct neighbor_config nc;
	char label[160];

	client_config_copy(&c->cfg, cc);
	c->ops = ops;
	c->arg = arg;
	c->queue_limit = p->queue_limit ? p->queue_limit : CLIENT_QUEUE_LIMIT;
	c->stall_secs = p->stall_secs ? p->stall_secs : CLIENT_STALL_SECS;
	c->gw = p->gw;
	c->upstream = xstrdup(p->instance);
	c->gone_ev = event_new(base, -1, 0, gone_cb, c);
	memset(&nc, 0, sizeof nc);
	nc.name = c->cfg.name;
	nc.remote = cc->addr;
	sockaddr_set_port(&nc.remote, BGP_PORT);
	nc.remote_as = cc->asn;
	nc.local = p->local;
	sockaddr_set_port(&nc.local, 0);
	nc.has_local = true;
	nc.passive = true;
	nc.hold_time = cc->hold_time;
	nc.connect_retry = 30;
	memcpy(nc.families, p->families, p->family_count * sizeof nc.families[0]);
	nc.family_count = p->family_count;
	nc.password = c->cfg.password;
	nc.add_path = cc->add_path;
	nc.multisession = cc->multisession;
	nc.graceful_restart = cc->graceful_restart;
	if (p->family_ports)
		memcpy(nc.family_ports, p->family_ports, sizeof nc.family_ports);
	snprintf(label, sizeof label, "instance %s client %s", p->instance, cc->name);
	struct peer_local local = { p->local_as, p->router_id, p->hostname, label, p->gr };
	c->peer = peer_new(base, &nc, &local, &client_peer_ops, c);
	return c;
}

struct client *client_new_leg(struct client *primary)
{
	struct client *c = xcalloc(1, sizeof *c);

	client_config_copy(&c->cfg, &primary->cfg);
	c->peer = primary->peer;
	c->primary = primary;
	c->ops = primary->ops;
	c->arg = primary->arg;
	c->queue_limit = primary->queue_limit;
	c->stall_secs = primary->stall_secs;
	return c;
}

void client_set_families(struct client *c, const struct bgp_family *fams, uint8_t n,
    const uint16_t *family_ports)
{
	struct neighbor_config nc;

	memset(&nc, 0, sizeof nc);
	memcpy(nc.families, fams, n * sizeof fams[0]);
	nc.family_count = n;
	if (family_ports)
		memcpy(nc.family_ports, family_ports, sizeof nc.family_ports);
	peer_set_families(c->peer, &nc);
}

void client_start(struct client *c)
{
	peer_start(c->peer);
}

void client_shutdown(struct client *c, uint8_t code, uint8_t subcode)
{
	if (c->retiring)
		return;
	c->retiring = true;
	if (c->primary)
		return;         /* its session closes with its primary's peer */
	peer_shutdown(c->peer, code, subcode, NULL);
}

void client_reset(struct client *c, uint8_t code, uint8_t subcode)
{
	if (c->session != NULL)
		peer_close_session(c->peer, c->session, code, subcode, NULL);
}

/* A primary frees its legs with it. */
static void client_free(struct client *c)
{
	for (size_t i = 0; i < c->nlegs; i++)
		client_free(c->legs[i]);
	if (c->gone_ev)
		event_free(c->gone_ev);
	client_config_release(&c->cfg);
	free(c->upstream);
	free(c);
}

/* The peer is gone (client_shutdown): the instance forgets the client,
 * then it is freed — from an event of its own, never inside the peer's. */
static void gone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	(void)fd;
	(void)what;
	c->ops->gone(c, c->arg);
	client_free(c);
}

/* ---- what the API reads ---------------------------------------------------- */

static const char *const state_names[] = { "idle", "joining", "steady" };

const char *client_name(const struct client *c) { return c->cfg.name; }
const struct client_config *client_config(const struct client *c) { return &c->cfg; }
enum client_state client_state(const struct client *c) { return c->state; }
const struct client_stats *client_stats(const struct client *c) { return &c->st; }
struct session *client_session(const struct client *c) { return c->session; }
bool client_is_leg(const struct client *c) { return c->primary != NULL; }

/* Once the peer is gone (a client leaving) the label is the name. */
const char *client_label(const struct client *c)
{
	return c->peer ? peer_label(c->peer) : c->cfg.name;
}

const char *client_state_name(enum client_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

struct peer *client_peer(const struct client *c)
{
	return c->peer;
}

const struct bgp_family *client_families(const struct client *c, uint8_t *n)
{
	*n = c->fam_count;
	return c->fams;
}

size_t client_legs(const struct client *c, struct client **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nlegs; i++) {
		if (c->legs[i]->retiring)
			continue;
		if (n < max)
			out[n] = c->legs[i];
		n++;
	}
	return n;
}

const char *client_range_of(const struct client *c)
{
	return c->range_of ? c->range_of->cfg.name : NULL;
}

bool client_rejected_prefixes(const struct client *c, uint64_t *count)
{
	return c->primary == NULL && c->gw &&
	    gateway_client_rejected(c->gw, c->cfg.name, c->upstream, count);
}

bool client_has_family(const struct client *c, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) && c->cls[aid] != NULL;
}

bool client_addpath(const struct client *c, uint16_t afi)
{
	return client_has_family(c, afi) &&
	    fanout_class_key(c->cls[bgp_aid_unicast(afi)])->addpath;
}

/* ---- the peer's upcalls ------------------------------------------------- */

/* The client (primary or leg) whose session s is; NULL if none. */
static struct client *client_of(struct client *c, const struct session *s)
{
	if (c->session == s)
		return c;
	for (size_t i = 0; i < c->nlegs; i++)
		if (c->legs[i]->session == s)
			return c->legs[i];
	return NULL;
}

struct client *client_free_slot(struct client *c)
{
	if (c->session == NULL)
		return c;
	for (size_t i = 0; i < c->nlegs; i++)
		if (c->legs[i]->session == NULL)
			return c->legs[i];
	if (c->nlegs == PEER_MAX_SESSIONS)
		return NULL;
	struct client *leg = c->ops->leg_new(c, c->arg);
	c->legs[c->nlegs++] = leg;
	return leg;
}

/* Client routes (gateway.h) follow the client as a whole: up with its
 * first session, held down when its last one (of every leg) goes. */
static void client_routes_up(struct client *primary)
{
	if (primary->gw)
		gateway_client_up(primary->gw, &primary->cfg, primary->upstream);
}

static void client_routes_down(struct client *primary)
{
	if (primary->gw == NULL || primary->session)
		return;
	for (size_t i = 0; i < primary->nlegs; i++)
		if (primary->legs[i]->session)
			return;
	gateway_client_down(primary->gw, &primary->cfg, primary->upstream);
}

void client_take_session(struct client *c, struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);

	c->session = s;
	c->st.joins++;
	memcpy(c->fams, n->families, n->family_count * sizeof c->fams[0]);
	c->fam_count = n->family_count;
	c->stall = (struct stall_clock){ 0 };  /* starts at the first check */
	client_routes_up(c->primary ? c->primary : c);
}

static void on_established(struct peer *p, struct session *s, void *owner)
{
	struct client *c = client_free_slot(owner);

	if (c == NULL) {
		peer_close_session(p, s, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL);
		return;
	}
	client_take_session(c, s);
	c->ops->established(c, c->arg);
}

static void on_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct client *c = client_of(owner, s);
	(void)p;
	(void)reason;

	if (c == NULL)
		return;
	c->ops->down(c, c->arg);
	c->session = NULL;
	c->state = CLIENT_IDLE;
	c->walk = NULL;
	c->fam_count = 0;
	memset(c->cls, 0, sizeof c->cls);
	client_routes_down(owner);
}

static void on_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	struct client *pc = owner, *c = client_of(owner, s);
	uint16_t afi = 0;

	if (c == NULL)
		return;
	c->st.updates_rx++;
	if (pc->cfg.monitor) {
		/* a research feed: it takes, it never gives */
		if (!u->end_of_rib && c->st.updates_ignored++ == 0)
			log_peer_info(client_label(c), "is a monitor: what it announces is "
			    "ignored (counted in updates_ignored)");
		return;
	}
	if (pc->gw == NULL || session_is_closing(s) ||
	    gateway_client_update(pc->gw, &pc->cfg, pc->upstream, u, session_negotiated(s), &afi))
		return;
	/* max_prefixes broken: RFC 4486 §4, with AFI, SAFI and the limit */
	uint8_t data[ALLOC_LIMIT_DATA_LEN];
	alloc_limit_data(afi, BGP_SAFI_UNICAST, c->cfg.max_prefixes, data);
	log_peer_warnx(client_label(c), "announced more than its max_prefixes of %u: "
	    "closing it with Cease/Maximum Number of Prefixes Reached; it may reconnect "
	    "in %d s (the upstreams and the other clients are not affected)",
	    c->cfg.max_prefixes, GATEWAY_LIMIT_HOLDOFF_SECS);
	peer_close_session_data(p, s, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, data, sizeof data);
}

static void on_route_refresh(struct peer *p, struct session *s, uint16_t afi,
    uint8_t safi, uint8_t subtype, void *owner)
{
	struct client *c = client_of(owner, s);
	(void)p;
	if (c != NULL && subtype == BGP_RR_NORMAL && safi == BGP_SAFI_UNICAST && c->ops->route_refresh)
		c->ops->route_refresh(c, afi, c->arg);
}

/* The peer is freed when this returns: the client and its legs let go of
 * it, and leave from their own event (gone_cb). */
static void on_peer_gone(struct peer *p, void *owner)
{
	struct client *c = owner;
	(void)p;

	c->peer = NULL;
	for (size_t i = 0; i < c->nlegs; i++)
		c->legs[i]->peer = NULL;
	event_active(c->gone_ev, 0, 0);
}

static const struct peer_ops client_peer_ops = {
	.established = on_established,
	.down = on_down,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.gone = on_peer_gone,
};

/* ---- keeping up ---------------------------------------------------------------- */

bool client_too_slow(struct client *c, uint64_t now_ms, char *why, size_t why_len)
{
	struct session *s = c->session;

	if (s == NULL)
		return false;
	size_t q = session_queue_len(s);
	if (q > c->queue_limit) {
		snprintf(why, why_len, "%zu bytes wait in its output queue, over the "
		    "limit of %zu", q, c->queue_limit);
		return true;
	}
	/* milliseconds: whole seconds would let a 1 s rule fire after 1 ms */
	uint64_t idle_ms = stall_clock_idle_ms(&c->stall, s, now_ms);
	if (idle_ms >= (uint64_t)c->stall_secs * 1000) {
		snprintf(why, why_len, "it has not read a byte for %.1f s with %zu "
		    "bytes waiting", idle_ms / 1000.0, q);
		return true;
	}
	return false;
}
