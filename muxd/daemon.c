/*
 * daemon.c — the event loop and what hangs off it.
 *
 * For plain peers (the "peers" of the configuration) the daemon keeps an
 * Adj-RIB-In per neighbor. For each upstream it runs a view (views/) and
 * the instance that re-exports it to clients (instances/). SIGUSR1 dumps
 * every table and the instances' clients as JSON (muxd/route_dump.h);
 * SIGHUP reloads, keeping what did not change up.
 */
#include "muxd/daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "muxd/rib/adjrib.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/rib/attrset.h"
#include "muxd/engine/listener.h"
#include "muxd/lib/log.h"
#include "muxd/store/opstore.h"
#include "muxd/engine/peer.h"
#include "muxd/engine/prefix_limit.h"
#include "muxd/route_dump.h"
#include "web/route_json.h"
#include "web/session_json.h"
#include "muxd/engine/sockopt.h"
#include "muxd/bgp/update_walk.h"
#include "instances/gateway.h"
#include "instances/instance.h"
#include "monitors/monitors.h"
#include "views/view.h"
#include "web/api.h"
#include "web/stream.h"

#define MAX_LISTENERS 64
#define SHUTDOWN_GRACE_SECS 5
#define NSIGNALS 5

struct plain_peer {
	struct daemon *d;
	struct peer *peer;
	struct adjrib *rib;
	struct plain_peer *next;
	bool retiring;          /* shut down by a reload; a replacement may run */
	struct prefix_limit_config limit_cfg;   /* max_prefixes, as reloaded */
	struct prefix_limit limit;
};

/* An upstream: its view and the instance in front of it. */
struct upstream {
	struct daemon *d;
	struct view *view;
	struct instance *inst;          /* NULL when it could not listen */
	struct instance_config icfg;    /* what inst was made from */
	struct upstream *next;
};

struct daemon {
	struct event_base *base;
	struct config *cfg;
	const char *config_path;
	struct attrstore *attrs;
	struct plain_peer *peers;
	struct upstream *upstreams;
	unsigned mux_alive;             /* views and instances not yet freed */
	struct listener *listeners[MAX_LISTENERS];
	size_t nlisteners;
	struct event *signals[NSIGNALS];
	struct event *grace_ev;
	struct monitors *mon;           /* MRT, BMP: feed subscribers of every view */
	bool stopping;
	char hostname[64];
	struct store *store;            /* STATE_DIR/bgpmux.db; NULL if it cannot open */
	struct opstore_events *events;  /* session history, batched */
	struct api *api;
	struct gateway *gw;             /* client routes, to the upstreams (issue 5) */
	struct stream *stream;          /* the live stream, on the API's listener */
	struct route_dump *dump;        /* routes.json (SIGUSR1) */
};

/* ---- routes from plain peers ------------------------------------------- */

/* One UPDATE's announcements share one attribute set per next hop. */
struct apply_ctx {
	struct plain_peer *pp;
	const struct bgp_attrs *attrs;
	struct attrset *set;
	const uint8_t *set_nh;
	size_t set_nh_len;
};

static void apply_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct apply_ctx *c = arg;
	adjrib_withdraw(c->pp->rib, p);
}

static void apply_announce(const struct bgp_prefix *p, const uint8_t *nh,
    size_t nh_len, void *arg)
{
	struct apply_ctx *c = arg;

	if (c->set == NULL || nh_len != c->set_nh_len || memcmp(nh, c->set_nh, nh_len)) {
		if (c->set)
			attrset_put(c->set);
		c->set = attrset_intern(c->pp->d->attrs, c->attrs, nh, nh_len);
		c->set_nh = nh;
		c->set_nh_len = nh_len;
	}
	adjrib_announce(c->pp->rib, p, c->set);
}

/* max_prefixes broken (muxd/engine/prefix_limit.h). */
static void plain_limit_teardown(struct plain_peer *pp, struct session *s, uint16_t afi)
{
	uint8_t data[PREFIX_LIMIT_DATA_LEN];

	prefix_limit_data(afi, BGP_SAFI_UNICAST, pp->limit_cfg.limit, data);
	session_close_data(s, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, data, sizeof data);
	peer_hold_down(pp->peer, pp->limit_cfg.restart);
}

static void plain_update(struct peer *p, struct session *s,
    const struct bgp_update *u, void *owner)
{
	static const struct update_walk_ops ops = { apply_withdraw, apply_announce };
	struct plain_peer *pp = owner;
	const struct session_negotiated *n = session_negotiated(s);
	struct apply_ctx c = { .pp = pp, .attrs = &u->attrs };
	struct update_walk_stats st = { 0 };

	size_t v6 = adjrib_count(pp->rib, BGP_AFI_IPV6);

	if (session_is_closing(s))
		return;
	update_walk(u, &n->rx, n->families, n->family_count, &ops, &c, &st);
	if (c.set)
		attrset_put(c.set);
	if (prefix_limit_check(&pp->limit, &pp->limit_cfg, adjrib_count(pp->rib, 0),
	    peer_label(p))) {
		plain_limit_teardown(pp, s, adjrib_count(pp->rib, BGP_AFI_IPV6) > v6 ?
		    BGP_AFI_IPV6 : BGP_AFI_IPV4);
		return;
	}
	if (st.ignored)
		log_peer_debug(peer_label(p), "ignored %zu prefixes of families not negotiated",
		    st.ignored);
	if (u->end_of_rib)
		log_peer_info(peer_label(p), "End-of-RIB for %u/%u: %zu IPv4 and %zu IPv6 routes",
		    u->eor_afi, u->eor_safi, adjrib_count(pp->rib, BGP_AFI_IPV4),
		    adjrib_count(pp->rib, BGP_AFI_IPV6));
}

/* Only the families that session carried go: with multisession, the
 * neighbor's other sessions keep theirs. */
static void plain_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct plain_peer *pp = owner;
	const struct session_negotiated *n = session_negotiated(s);
	size_t gone = 0;

	for (uint8_t i = 0; i < n->family_count; i++)
		if (n->families[i].safi == BGP_SAFI_UNICAST)
			gone += adjrib_clear_afi(pp->rib, n->families[i].afi, NULL, NULL);
	log_peer_info(peer_label(p), "session %u down (%s): dropped its %zu routes",
	    session_id(s), reason, gone);
}

static void daemon_maybe_exit(struct daemon *d)
{
	if (d->stopping && d->peers == NULL && d->mux_alive == 0)
		event_base_loopexit(d->base, NULL);
}

static void plain_freed(struct peer *p, void *owner)
{
	struct plain_peer *pp = owner, **pos;
	struct daemon *d = pp->d;
	(void)p;

	for (pos = &d->peers; *pos; pos = &(*pos)->next) {
		if (*pos == pp) {
			*pos = pp->next;
			break;
		}
	}
	adjrib_free(pp->rib);
	free(pp);
	daemon_maybe_exit(d);
}

/* A plain peer is sent no routes, so a refresh is answered with an empty
 * one: with enhanced route refresh, BoRR then EoRR (RFC 7313 §4). */
static void plain_route_refresh(struct peer *p, struct session *s, uint16_t afi,
    uint8_t safi, uint8_t subtype, void *owner)
{
	uint8_t buf[2 * 23];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_route_refresh rr = { afi, BGP_RR_BORR, safi };
	(void)p;
	(void)owner;

	if (subtype != BGP_RR_NORMAL || !session_negotiated(s)->enhanced_rr)
		return;
	bgp_route_refresh_encode(&w, &rr);
	rr.subtype = BGP_RR_EORR;
	bgp_route_refresh_encode(&w, &rr);
	session_send(s, buf, w.len);
}

static const struct peer_ops plain_peer_ops = {
	.route_refresh = plain_route_refresh,
	.update = plain_update,
	.down = plain_down,
	.freed = plain_freed,
};

static struct plain_peer *plain_peer_add(struct daemon *d, const struct neighbor_config *nc)
{
	struct plain_peer *pp = xcalloc(1, sizeof *pp);
	struct peer_local local = { d->cfg->asn, d->cfg->router_id, d->hostname, NULL };

	pp->d = d;
	pp->limit_cfg = nc->max_prefixes;
	pp->rib = adjrib_new(d->attrs);
	pp->peer = peer_new(d->base, nc, &local, &plain_peer_ops, pp);
	pp->next = d->peers;
	d->peers = pp;
	return pp;
}

static struct plain_peer *plain_peer_find(struct daemon *d, const char *name)
{
	for (struct plain_peer *pp = d->peers; pp; pp = pp->next)
		if (!pp->retiring && strcmp(peer_config(pp->peer)->name, name) == 0)
			return pp;
	return NULL;
}

/* ---- upstreams: views and instances ---------------------------------------- */

static void mux_freed_view(struct view *v, void *arg)
{
	struct daemon *d = arg;
	monitors_remove_view(d->mon, view_feed(v));
	d->mux_alive--;
	daemon_maybe_exit(d);
}

static void mux_freed_instance(struct instance *inst, void *arg)
{
	struct daemon *d = arg;
	(void)inst;
	d->mux_alive--;
	daemon_maybe_exit(d);
}

static struct peer_local daemon_local(struct daemon *d, const struct config *cfg)
{
	struct peer_local l = { cfg->asn, cfg->router_id, d->hostname, NULL };
	return l;
}

/* The instance of an upstream of cfg, with its clients; NULL (logged) if
 * it cannot listen. */
static struct instance *upstream_instance(struct daemon *d, struct view *v,
    const struct upstream_config *uc, const struct config *cfg)
{
	struct instance_params ip = {
		.name = uc->n.name, .cfg = uc->instance,
		.families = uc->n.families, .family_count = uc->n.family_count,
		.router_id = cfg->router_id, .hostname = d->hostname, .gw = d->gw,
	};
	char why[200], addr[64];
	struct instance *inst = instance_new(d->base, &ip, view_feed(v), why, sizeof why);

	if (inst == NULL) {
		log_warnx("instance %s: %s: its clients cannot connect until "
		    "instance.address is fixed and muxd reloaded (SIGHUP)", uc->n.name, why);
		return NULL;
	}
	d->mux_alive++;
	log_info("instance %s: listening on %s port %u for its clients (local AS %u, "
	    "next hop %s)", uc->n.name, sockaddr_ntop(&uc->instance.addr, addr, sizeof addr),
	    sockaddr_port(&uc->instance.addr), uc->instance.local_as,
	    uc->instance.next_hop_self ? "self" : "unchanged");
	instance_sync_clients(inst, cfg);
	return inst;
}

static void upstream_add(struct daemon *d, const struct upstream_config *uc,
    const struct config *cfg)
{
	struct upstream *u = xcalloc(1, sizeof *u);
	struct peer_local local = daemon_local(d, cfg);

	u->d = d;
	u->view = view_new(d->base, &uc->n, &local);
	monitors_add_view(d->mon, uc->n.name, view_feed(u->view));
	gateway_attach_view(d->gw, uc->n.name, u->view);
	d->mux_alive++;
	u->icfg = uc->instance;
	u->inst = upstream_instance(d, u->view, uc, cfg);
	view_start(u->view);
	if (d->stream)
		stream_view_add(d->stream, u->view);
	u->next = d->upstreams;
	d->upstreams = u;
}

/* Instance first: it unsubscribes from the view's feed at once. */
static void upstream_stop(struct upstream *u, uint8_t subcode)
{
	struct daemon *d = u->d;

	if (u->inst)
		instance_shutdown(u->inst, BGP_ERR_CEASE, subcode, mux_freed_instance, d);
	gateway_detach_view(d->gw, view_name(u->view));
	if (d->stream)
		stream_view_remove(d->stream, u->view);
	view_shutdown(u->view, BGP_ERR_CEASE, subcode, mux_freed_view, d);
	u->inst = NULL;
	u->view = NULL;
}

static void daemon_start_upstreams(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		upstream_add(d, &d->cfg->upstreams[i], d->cfg);
}

static bool families_equal(const struct neighbor_config *a, const struct neighbor_config *b)
{
	return a->family_count == b->family_count &&
	    memcmp(a->families, b->families, a->family_count * sizeof a->families[0]) == 0;
}

/* max_prefixes changes without a session restart (muxd/engine/prefix_limit.h). */
static bool limits_equal(const struct prefix_limit_config *a,
    const struct prefix_limit_config *b)
{
	return a->limit == b->limit && a->warning == b->warning &&
	    a->teardown == b->teardown && a->restart == b->restart;
}

static bool instance_config_same(const struct instance_config *a,
    const struct instance_config *b)
{
	return sockaddr_equal(&a->addr, &b->addr) && a->local_as == b->local_as &&
	    a->next_hop_self == b->next_hop_self &&
	    memcmp(a->family_ports, b->family_ports, sizeof a->family_ports) == 0 &&
	    a->client_to_client == b->client_to_client;
}

/*
 * Reload: an upstream whose session settings changed restarts its session
 * (its clients see the withdrawals and the new routes, nothing else); one
 * whose instance settings or families changed restarts its instance (its
 * clients reconnect); removed ones leave with Cease / Peer De-configured.
 * Clients are synced by each instance that stays.
 */
static void daemon_reload_upstreams(struct daemon *d, const struct config *next,
    bool global_change)
{
	struct peer_local local = daemon_local(d, next);

	for (struct upstream **pos = &d->upstreams; *pos;) {
		struct upstream *u = *pos;
		const struct upstream_config *nu = config_upstream(next, view_name(u->view));
		if (nu == NULL) {
			log_info("upstream %s removed from the configuration: closing its "
			    "session and its instance's clients with Cease/Peer De-configured",
			    view_name(u->view));
			upstream_stop(u, BGP_CEASE_PEER_DECONFIGURED);
			*pos = u->next;
			free(u);
			continue;
		}
		const struct neighbor_config *old = view_config(u->view);
		bool fams = !families_equal(old, &nu->n);
		/* families alone: only their sessions change, upstream and clients */
		bool fams_only = !global_change && !neighbor_config_equal(old, &nu->n) &&
		    neighbor_config_equal_but_families(old, &nu->n);
		if (!limits_equal(&old->max_prefixes, &nu->n.max_prefixes))
			view_set_prefix_limit(u->view, &nu->n.max_prefixes);
		if (fams_only)
			view_set_families(u->view, &nu->n);
		else if (global_change || !neighbor_config_equal(old, &nu->n))
			view_reconfigure(u->view, &nu->n, &local, BGP_CEASE_CONFIG_CHANGE);
		bool inst_same = instance_config_same(&u->icfg, &nu->instance);
		if (u->inst && fams_only && fams && inst_same) {
			instance_set_families(u->inst, nu->n.families, nu->n.family_count);
			instance_sync_clients(u->inst, next);
		} else if (u->inst == NULL || global_change || fams || !inst_same) {
			if (u->inst) {
				log_info("instance %s: settings changed: restarting it (its "
				    "clients get Cease/Other Configuration Change and may "
				    "reconnect)", view_name(u->view));
				instance_shutdown(u->inst, BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE,
				    mux_freed_instance, d);
			}
			u->icfg = nu->instance;
			u->inst = NULL;
			u->inst = upstream_instance(d, u->view, nu, next);
		} else {
			instance_sync_clients(u->inst, next);
		}
		pos = &u->next;
	}
	for (size_t i = 0; i < next->upstream_count; i++) {
		bool running = false;
		for (struct upstream *u = d->upstreams; u; u = u->next)
			running |= strcmp(view_name(u->view), next->upstreams[i].n.name) == 0;
		if (!running)
			upstream_add(d, &next->upstreams[i], next);
	}
}

/* ---- listening ------------------------------------------------------------ */

static bool daemon_accept(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg)
{
	struct daemon *d = arg;
	char ra[64], la[64];

	for (struct plain_peer *pp = d->peers; pp; pp = pp->next)
		if (!pp->retiring && peer_matches(pp->peer, remote, local))
			return peer_accept(pp->peer, fd);
	for (struct upstream *u = d->upstreams; u; u = u->next)
		if (peer_matches(view_peer(u->view), remote, local))
			return peer_accept(view_peer(u->view), fd);
	log_warnx("connection from %s port %u to %s refused: no peer or upstream is "
	    "configured with that address (add it to \"peers\" or \"upstreams\")",
	    sockaddr_ntop(remote, ra, sizeof ra), sockaddr_port(remote),
	    sockaddr_ntop(local, la, sizeof la));
	return false;
}

static struct listener *listener_find(struct daemon *d, const struct sockaddr_mux *a)
{
	for (size_t i = 0; i < d->nlisteners; i++)
		if (sockaddr_equal(listener_addr(d->listeners[i]), a))
			return d->listeners[i];
	return NULL;
}

/* TCP-MD5 keys live on the listening socket too, or the SYN of a
 * neighbor that signs would be dropped. */
static void listener_key(struct listener *l, const struct neighbor_config *nc)
{
	if (nc->password && sockaddr_family(&nc->remote) == sockaddr_family(listener_addr(l)) &&
	    sockopt_md5(listener_fd(l), &nc->remote, nc->password) < 0)
		log_warnx("%s: cannot set its TCP-MD5 key on the listener: %s",
		    nc->name, strerror(errno));
}

static void listener_keys(struct daemon *d, struct listener *l)
{
	for (size_t i = 0; i < d->cfg->peer_count; i++)
		listener_key(l, &d->cfg->peers[i]);
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		listener_key(l, &d->cfg->upstreams[i].n);
}

/* An instance listens there: its listener takes the connections. */
static bool instance_address(const struct daemon *d, const struct sockaddr_mux *a)
{
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		if (sockaddr_equal(&d->cfg->upstreams[i].instance.addr, a))
			return true;
	return false;
}

/* The neighbor of peers[i], or of upstreams[i - peer_count]. */
static const struct neighbor_config *daemon_neighbor(const struct daemon *d, size_t i)
{
	return i < d->cfg->peer_count ? &d->cfg->peers[i] :
	    &d->cfg->upstreams[i - d->cfg->peer_count].n;
}

/* The address a neighbor's connections arrive at. */
static void neighbor_listen_addr(const struct daemon *d, const struct neighbor_config *nc,
    struct sockaddr_mux *a)
{
	if (nc->has_local)
		*a = nc->local;
	else
		sockaddr_parse(sockaddr_family(&nc->remote) == AF_INET ? "0.0.0.0" : "::", 0, a);
	sockaddr_set_port(a, d->cfg->listen_port);
}

/*
 * GTSM (RFC 5082) must drop a far neighbor's packets before any reach the
 * socket: set on an accepted socket, it would come after the OPEN already
 * queued. So the minimum TTL goes on the listener (accepted sockets
 * inherit it), which is possible only when every neighbor arriving at
 * that address asks for it.
 */
static void listener_gtsm(struct daemon *d, struct listener *l)
{
	size_t with = 0, without = 0;
	char a[64];

	for (size_t i = 0; i < d->cfg->peer_count + d->cfg->upstream_count; i++) {
		struct sockaddr_mux la;
		const struct neighbor_config *nc = daemon_neighbor(d, i);
		neighbor_listen_addr(d, nc, &la);
		if (sockaddr_equal(&la, listener_addr(l)))
			nc->ttl_security ? with++ : without++;
	}
	if (with == 0)
		return;
	sockaddr_ntop(listener_addr(l), a, sizeof a);
	if (without)
		log_warnx("listener %s: %zu neighbors ask for TTL security and %zu do not: "
		    "incoming connections are checked only once accepted; give the "
		    "TTL-security neighbors a local_address of their own", a, with, without);
	else if (sockopt_min_ttl(listener_fd(l), sockaddr_family(listener_addr(l))) < 0)
		log_warnx("listener %s: cannot set TTL security: %s", a, strerror(errno));
}

/* Listen at a (address, port) once, whoever asks first. */
static void daemon_listen_at(struct daemon *d, const struct neighbor_config *nc,
    const struct sockaddr_mux *a)
{
	char why[160];

	if (instance_address(d, a)) {
		log_warnx("%s: its local address %s port %u is an instance's: "
		    "connections from it there go to the instance, not to it "
		    "(give it another local_address)", nc->name,
		    sockaddr_ntop(a, why, sizeof why), sockaddr_port(a));
		return;
	}
	struct listener *l = listener_find(d, a);
	if (l == NULL && d->nlisteners < MAX_LISTENERS) {
		l = listener_new(d->base, a, daemon_accept, d, why, sizeof why);
		if (l == NULL) {
			log_warnx("%s: %s", nc->name, why);
			return;
		}
		d->listeners[d->nlisteners++] = l;
		log_info("listening on %s port %u", sockaddr_ntop(a, why, sizeof why),
		    sockaddr_port(a));
		listener_gtsm(d, l);
	}
	if (l)
		listener_keys(d, l);
}

/* One listener per distinct local address of the configured peers and
 * upstreams, but where an instance listens; and one per family port
 * (multisession redirects). */
static void daemon_listen(struct daemon *d)
{
	if (d->cfg->listen_port == 0)
		return;
	for (size_t i = 0; i < d->cfg->peer_count + d->cfg->upstream_count; i++) {
		struct sockaddr_mux a;
		const struct neighbor_config *nc = daemon_neighbor(d, i);
		neighbor_listen_addr(d, nc, &a);
		daemon_listen_at(d, nc, &a);
		for (uint8_t k = 0; k < nc->family_count; k++) {
			if (nc->family_ports[k] == 0)
				continue;
			sockaddr_set_port(&a, nc->family_ports[k]);
			daemon_listen_at(d, nc, &a);
		}
	}
}

static void daemon_unlisten(struct daemon *d)
{
	for (size_t i = 0; i < d->nlisteners; i++)
		listener_free(d->listeners[i]);
	d->nlisteners = 0;
}

/* ---- route dump (SIGUSR1, muxd/route_dump.h) ------------------------------ */

/* A plain peer's keys but its routes. */
static json_t *plain_peer_head(const struct plain_peer *pp)
{
	const struct neighbor_config *nc = peer_config(pp->peer);
	struct session *s = peer_session(pp->peer);
	char addr[64];

	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:o}",
	    "name", nc->name,
	    "address", sockaddr_ntop(&nc->remote, addr, sizeof addr),
	    "asn", (json_int_t)nc->remote_as,
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "flaps", (json_int_t)peer_flaps(pp->peer),
	    "peer", peer_to_json(pp->peer));
}

static bool write_plain_peer(struct route_json_writer *w, const struct plain_peer *pp)
{
	if (!route_json_open(w, plain_peer_head(pp), "routes"))
		return false;
	adjrib_walk(pp->rib, 0, route_json_write_cb, w);
	return route_json_close(w);
}

static bool write_view(struct route_json_writer *w, struct view *v)
{
	struct feed_cursor c;

	if (!route_json_open(w, view_to_json(v, false, peer_to_json), "routes"))
		return false;
	feed_cursor_init(&c, 0);
	feed_cursor_next(view_feed(v), &c, SIZE_MAX, route_json_write_cb, w);
	return route_json_close(w);
}

static bool write_json(FILE *f, json_t *j)
{
	bool ok = j != NULL && json_dumpf(j, f, JSON_COMPACT) == 0;
	json_decref(j);
	return ok;
}

/*
 * {"peers": [...], "views": [...], "instances": [...], "gateway": {...}},
 * the routes written one by one (in the dump's child): the memory it takes
 * is that of one route, not a tree of the whole table.
 */
static bool daemon_write_routes(FILE *f, void *arg, size_t *routes)
{
	struct daemon *d = arg;
	struct route_json_writer w = { .f = f };
	bool ok = fputs("{\"peers\":[", f) != EOF;

	for (const struct plain_peer *pp = d->peers; ok && pp; pp = pp->next) {
		ok = (pp == d->peers || fputc(',', f) != EOF) && write_plain_peer(&w, pp);
		*routes += w.routes;
	}
	ok = ok && fputs("],\"views\":[", f) != EOF;
	for (struct upstream *u = d->upstreams; ok && u; u = u->next) {
		ok = (u == d->upstreams || fputc(',', f) != EOF) && write_view(&w, u->view);
		*routes += w.routes;
	}
	ok = ok && fputs("],\"instances\":[", f) != EOF;
	bool first = true;
	for (const struct upstream *u = d->upstreams; ok && u; u = u->next) {
		if (u->inst == NULL)
			continue;
		ok = (first || fputc(',', f) != EOF) && write_json(f, instance_to_json(u->inst, peer_to_json));
		first = false;
	}
	ok = ok && fputs("],\"gateway\":", f) != EOF && write_json(f, gateway_to_json(d->gw)) &&
	    fputc('}', f) != EOF;
	return ok && !ferror(f);
}

static void daemon_reap_children(struct daemon *d)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0)
		route_dump_reaped(d->dump, pid, status, &ru);
}

/* ---- reload (SIGHUP) ------------------------------------------------------------ */

static const struct neighbor_config *config_peer(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->peer_count; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

static void daemon_start_peers(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->peer_count; i++) {
		if (plain_peer_find(d, d->cfg->peers[i].name) == NULL)
			peer_start(plain_peer_add(d, &d->cfg->peers[i])->peer);
	}
}

static void plain_peer_retire(struct plain_peer *pp, uint8_t subcode)
{
	pp->retiring = true;
	peer_shutdown(pp->peer, BGP_ERR_CEASE, subcode, NULL);
}

static void daemon_attach_stream(struct daemon *d);

/* state_dir holds the lock, the store and the archives of this process:
 * another one takes a restart. Until then the running one stays. */
static void reload_state_dir(struct daemon *d, struct config *next)
{
	if (strcmp(next->state_dir, d->cfg->state_dir) == 0)
		return;
	log_warnx("reload: state_dir changed from %s to %s: a new state_dir needs a "
	    "restart of muxd; until then it keeps using %s", d->cfg->state_dir,
	    next->state_dir, d->cfg->state_dir);
	free(next->state_dir);
	next->state_dir = xstrdup(d->cfg->state_dir);
}

/*
 * A new api.listen: the API's server (and the live stream on it) listens
 * there from now on, and stops listening at the old address once the new
 * one is bound; connections already open stay. If the new address cannot
 * be bound the old one stays, and so does its value in the running
 * configuration (a later reload tries again). An API that could not
 * listen at all tries again at each reload.
 */
static void reload_api_listen(struct daemon *d, struct config *next)
{
	char why[300];

	if (api_http(d->api) == NULL) {
		if (api_listen(d->api, next, why, sizeof why))
			daemon_attach_stream(d);
		else
			log_warnx("reload: api: %s; muxd runs on without its API", why);
		return;
	}
	if (sockaddr_equal(&d->cfg->api.listen, &next->api.listen))
		return;
	if (!api_rebind(d->api, &next->api.listen, why, sizeof why)) {
		log_warnx("reload: api.listen: %s", why);
		next->api.listen = d->cfg->api.listen;
	}
}

/*
 * Peers whose settings did not change stay up; changed ones restart with
 * Cease / Other Configuration Change; removed ones leave with Cease / Peer
 * De-configured. A change of the gateway's own AS or identifier restarts all.
 */
static void daemon_reload(struct daemon *d)
{
	struct jsonv errs = { 0 };
	struct config *next = config_load_file(d->config_path, &errs);

	if (next == NULL) {
		for (size_t i = 0; i < errs.count; i++)
			log_warnx("reload: %s: %s", d->config_path, errs.lines[i]);
		log_warnx("reload: keeping the running configuration");
		jsonv_free(&errs);
		return;
	}
	reload_state_dir(d, next);
	reload_api_listen(d, next);
	api_merge_clients(d->api, next);        /* provisioned clients stay */
	bool global_change = next->asn != d->cfg->asn || next->router_id != d->cfg->router_id;
	for (struct plain_peer *pp = d->peers; pp; pp = pp->next) {
		const struct neighbor_config *old = peer_config(pp->peer);
		const struct neighbor_config *nc = config_peer(next, old->name);
		if (pp->retiring)
			continue;
		if (nc && !limits_equal(&pp->limit_cfg, &nc->max_prefixes)) {
			pp->limit_cfg = nc->max_prefixes;
			pp->limit = (struct prefix_limit){ false, false };
		}
		if (nc == NULL)
			plain_peer_retire(pp, BGP_CEASE_PEER_DECONFIGURED);
		else if (!global_change && !neighbor_config_equal(old, nc) &&
		    neighbor_config_equal_but_families(old, nc))
			peer_set_families(pp->peer, nc);
		else if (global_change || !neighbor_config_equal(old, nc))
			plain_peer_retire(pp, BGP_CEASE_CONFIG_CHANGE);
	}
	daemon_unlisten(d);
	gateway_configure(d->gw, next);
	daemon_reload_upstreams(d, next, global_change);
	monitors_reconfigure(d->mon, next);
	config_free(d->cfg);
	d->cfg = next;
	log_set_level(next->log_level);
	session_set_open_timeout(next->open_timeout);
	daemon_listen(d);
	daemon_start_peers(d);  /* new peers, and replacements of retiring ones */
	log_info("reloaded %s", d->config_path);
}

/* ---- store and API (web/api.h) --------------------------------------------------- */

#define EVENTS_FLUSH_MS 100
#define EVENTS_BATCH 256

/* Every session state change goes to the store's history, batched. */
static void record_state(const struct peer *p, const struct session *s, size_t index,
    enum fsm_state from, enum fsm_state to, const char *reason, void *arg)
{
	struct daemon *d = arg;
	const struct session_params *sp = session_params(s);
	const struct session_negotiated *n = session_negotiated(s);
	bool up = to == FSM_ESTABLISHED || from == FSM_ESTABLISHED;
	struct ops_event ev = { .session = (unsigned)index + 1, .from = fsm_state_name(from),
		.to = fsm_state_name(to) };
	struct timespec ts;
	size_t len = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(ev.peer, sizeof ev.peer, "%s", peer_label(p));
	snprintf(ev.reason, sizeof ev.reason, "%s", reason ? reason : "");
	/* A NOTIFICATION we sent is named in the session's last error, not
	 * always in the reason ("Cease, Peer De-configured"). */
	if (!opstore_reason_code(reason, &ev.code, &ev.subcode) && to == FSM_IDLE)
		opstore_reason_code(session_last_error(s), &ev.code, &ev.subcode);
	for (size_t i = 0; i < (up ? n->family_count : sp->family_count); i++) {
		const char *f = family_name(up ? n->families[i] : sp->families[i]);
		len += (size_t)snprintf(ev.family + len, len < sizeof ev.family ?
		    sizeof ev.family - len : 0, "%s%s", i ? "," : "", f);
		if (len >= sizeof ev.family)
			break;
	}
	opstore_event_add(d->events, &ev);
}

static struct config *host_config(void *arg) { return ((struct daemon *)arg)->cfg; }

static size_t host_views(void *arg, struct view **out, size_t max)
{
	size_t n = 0;
	for (struct upstream *u = ((struct daemon *)arg)->upstreams; u; u = u->next, n++)
		if (n < max)
			out[n] = u->view;
	return n;
}

static size_t host_instances(void *arg, struct instance **out, size_t max)
{
	size_t n = 0;
	for (struct upstream *u = ((struct daemon *)arg)->upstreams; u; u = u->next) {
		if (u->inst && n < max)
			out[n] = u->inst;
		n += u->inst != NULL;
	}
	return n;
}

static size_t host_peers(void *arg, struct peer **out, size_t max)
{
	size_t n = 0;
	for (struct plain_peer *pp = ((struct daemon *)arg)->peers; pp; pp = pp->next) {
		if (!pp->retiring && n < max)
			out[n] = pp->peer;
		n += !pp->retiring;
	}
	return n;
}

static void host_client_added(void *arg, const struct client_config *cc)
{
	struct daemon *d = arg;
	for (struct upstream *u = d->upstreams; u; u = u->next)
		if (u->inst)
			instance_client_add(u->inst, cc);
}

static void host_client_removed(void *arg, const char *name)
{
	struct daemon *d = arg;
	for (struct upstream *u = d->upstreams; u; u = u->next)
		if (u->inst)
			instance_client_remove(u->inst, name);
}

/* The store, the session history and the API. Without the store muxd
 * runs on: no history, no provisioning. */
static void daemon_open_store(struct daemon *d)
{
	static const struct api_host host_ops = { host_config, host_views, host_instances,
		host_peers, host_client_added, host_client_removed, NULL };
	struct api_host host = host_ops;
	char path[4200], why[300];

	snprintf(path, sizeof path, "%s/bgpmux.db", d->cfg->state_dir);
	d->store = store_open(path, why, sizeof why);
	if (d->store && !opstore_migrate(d->store, why, sizeof why)) {
		store_close(d->store);
		d->store = NULL;
	}
	if (d->store == NULL) {
		log_warnx("store: %s: running without it (no session history, no "
		    "provisioning through the API)", why);
	} else {
		d->events = opstore_events_new(d->base, d->store, EVENTS_FLUSH_MS, EVENTS_BATCH);
		peer_observe_states(record_state, d);
	}
	host.arg = d;
	d->api = api_new(d->base, d->store, d->events, &host);
	api_merge_clients(d->api, d->cfg);
}

static void daemon_close_store(struct daemon *d)
{
	peer_observe_states(NULL, NULL);
	api_free(d->api);
	opstore_events_free(d->events);
	store_close(d->store);
}

/* ---- signals and the loop -------------------------------------------------------- */

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	log_warnx("sessions did not close within %d s; exiting anyway", SHUTDOWN_GRACE_SECS);
	event_base_loopexit(d->base, NULL);
}

static void daemon_shutdown(struct daemon *d)
{
	struct timeval tv = { SHUTDOWN_GRACE_SECS, 0 };

	if (d->stopping)
		return;
	d->stopping = true;
	log_info("shutting down: closing every session (Cease, Administrative Shutdown)");
	daemon_unlisten(d);
	for (struct plain_peer *pp = d->peers, *next; pp; pp = next) {
		next = pp->next;
		peer_shutdown(pp->peer, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	}
	while (d->upstreams) {
		struct upstream *u = d->upstreams;
		d->upstreams = u->next;
		upstream_stop(u, BGP_CEASE_ADMIN_SHUTDOWN);
		free(u);
	}
	evtimer_add(d->grace_ev, &tv);
	daemon_maybe_exit(d);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;

	if (sig == SIGTERM || sig == SIGINT)
		daemon_shutdown(d);
	else if (sig == SIGHUP && !d->stopping)
		daemon_reload(d);
	else if (sig == SIGUSR1)
		route_dump_request(d->dump);
	else if (sig == SIGCHLD)
		daemon_reap_children(d);
}

static void daemon_signals(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NSIGNALS; i++) {
		d->signals[i] = evsignal_new(d->base, sigs[i], signal_cb, d);
		evsignal_add(d->signals[i], NULL);
	}
}

/* The live stream (before the upstreams: they join it); it serves on the
 * API's listener once that listens. */
static void daemon_start_stream(struct daemon *d)
{
	d->stream = stream_new(d->base, d->cfg->stream_max_queue,
	    (unsigned)d->cfg->stream_idle_timeout);
	if (d->stream == NULL)
		log_warnx("live stream: out of memory: running without it");
}

static void daemon_attach_stream(struct daemon *d)
{
	struct evhttp *http = api_http(d->api);

	if (d->stream == NULL || http == NULL)
		return;
	if (!stream_attach(d->stream, http)) {
		log_warnx("live stream: /v1/ws/ or /v1/stream is taken on the API "
		    "server: running without the stream");
		return;
	}
	log_info("live stream: /v1/ws/ (WebSocket) and /v1/stream (SSE, NDJSON) "
	    "on the API's listener");
}

static void daemon_free(struct daemon *d)
{
	stream_free(d->stream);         /* before the API's HTTP server it took over */
	daemon_unlisten(d);
	daemon_close_store(d);
	for (size_t i = 0; i < NSIGNALS; i++)
		event_free(d->signals[i]);
	event_free(d->grace_ev);
	monitors_free(d->mon);
	route_dump_free(d->dump);
	gateway_free(d->gw);
	/* Peers still listed here did not finish closing in the grace time;
	 * the process is exiting, so their memory goes with it. */
	if (d->peers == NULL)
		attrstore_free(d->attrs);
	for (struct upstream *u = d->upstreams, *next; u; u = next) {
		next = u->next;
		free(u);
	}
	event_base_free(d->base);
	config_free(d->cfg);
	free(d);
}

int daemon_run(struct config *cfg, const char *config_path)
{
	struct daemon *d = xcalloc(1, sizeof *d);

	d->cfg = cfg;
	d->config_path = config_path;
	d->base = event_base_new();
	if (d->base == NULL)
		fatal("cannot create the event loop");
	d->attrs = attrstore_new();
	d->grace_ev = evtimer_new(d->base, grace_cb, d);
	gethostname(d->hostname, sizeof d->hostname - 1);
	if (mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST)
		log_warnx("cannot create state_dir %s: %s", cfg->state_dir, strerror(errno));
	log_set_level(cfg->log_level);
	session_set_open_timeout(cfg->open_timeout);
	d->dump = route_dump_new(cfg->state_dir, daemon_write_routes, d);
	d->gw = gateway_new(d->base, cfg);
	daemon_signals(d);
	d->mon = monitors_new(d->base, cfg, d->hostname);
	daemon_open_store(d);           /* provisioned clients join cfg's */
	daemon_start_stream(d);
	daemon_start_upstreams(d);      /* instances bind before the daemon's listeners */
	daemon_listen(d);
	char why[300];
	if (!api_listen(d->api, d->cfg, why, sizeof why))
		log_warnx("api: %s; muxd runs on without its API", why);
	daemon_attach_stream(d);
	daemon_start_peers(d);
	log_info("bgpmux running: AS %u, router id %u.%u.%u.%u, %zu peers, %zu upstreams, "
	    "%zu clients", cfg->asn, cfg->router_id >> 24, (cfg->router_id >> 16) & 255,
	    (cfg->router_id >> 8) & 255, cfg->router_id & 255, cfg->peer_count,
	    cfg->upstream_count, cfg->client_count);
	event_base_dispatch(d->base);
	daemon_free(d);
	log_info("bye");
	return 0;
}
