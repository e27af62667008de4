/*
 * instance.c — listening, clients, and the flow from feed to clients.
 *
 * The flow. Each feed route event is appended to a log — one per family
 * and kind: "paths" (every path with its id, for ADD-PATH clients) and
 * "prefixes" (the lowest-id path of a prefix after the change, for the
 * others; decided when the event comes, so the log can be replayed in
 * order). A log is kept only while some Established client needs it.
 * The logs are flushed from a deferred event at the end of the loop pass
 * (a pass reads at most a few hundred upstream UPDATEs), or at once when
 * they grow past FLUSH_MAX. A flush encodes each log once per encoding
 * class for the STEADY clients of the class, and once per walk for its
 * JOINING members, the part the walk has passed.
 *
 * Joining. A client that reaches Established joins a walk that has not
 * started yet and has its encoding classes, or starts one; a new walk
 * waits WALK_GATHER_USEC for others, so clients connecting together (after
 * a restart of muxd, say) share one walk. Walks move from a timer, one
 * chunk per walk per loop pass, paced by their members' output queues.
 *
 * Why no gap and no duplicate. A walk's cursor only moves in walk_cb, and
 * walk_cb flushes the logs first, so every logged change is judged against
 * the cursor as it stood when the change happened: passed → the members
 * had the route's old state, send the change; not passed → the walk will
 * send the route's state when it gets there (or nothing, if it is gone).
 */
#include "instances/instance.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instances/client.h"
#include "instances/c2c.h"
#include "instances/fanout.h"
#include "instances/gateway.h"
#include "instances/walk.h"
#include "muxd/engine/listener.h"
#include "muxd/lib/log.h"
#include "muxd/lib/nameidx.h"
#include "muxd/engine/sockopt.h"

/* Logged routes that trigger a flush right away (bounds the logs when a
 * whole table is withdrawn at once). */
#define FLUSH_MAX 65536
/* While every walk waits for its members' queues to drain. */
#define WALK_RETRY_USEC 1000
/* A new walk waits this long for more clients to join it. */
#define WALK_GATHER_USEC 50000

enum { LOG_PREFIXES = 0, LOG_PATHS = 1 };

struct inst_class {
	struct fanout_class *fc;
	unsigned refs;                  /* Established clients in it */
	struct inst_class *next;
};

struct rlog {
	struct fanout_route *v;
	size_t n, cap;
};

struct instance {
	struct event_base *base;
	char *name;
	struct instance_config cfg;
	struct bgp_family fams[BGP_MAX_FAMILIES];
	uint8_t nfams;
	uint32_t router_id;
	char hostname[64];
	size_t queue_limit;
	unsigned stall_secs;
	size_t split_queue;
	struct fanout_nh nh;
	struct gateway *gw;             /* client routes (issue 5) */

	struct feed *feed;
	struct feed_sub *sub;
	struct listener *listeners[1 + BGP_MAX_FAMILIES];   /* its address, then family ports */
	size_t nlisteners;

	struct client **clients;        /* retiring ones too, until freed */
	size_t nclients, cap;
	/* The configured clients by name (no leg, no range member); one that
	 * retires stays until freed or replaced: client_running checks. */
	struct nameidx by_name;
	struct inst_class *classes;
	struct walk **walks;
	size_t nwalks, walks_cap;

	struct rlog log[3][2];          /* [afi][LOG_*] */
	unsigned want[3][2];            /* Established clients per log */
	size_t logged;

	struct event *flush_ev, *walk_ev, *tick_ev, *free_ev;
	bool flush_queued;              /* flush_ev is active */
	struct session **dst;           /* scratch: a class's STEADY sessions */
	size_t dst_cap;

	bool stopping;
	void (*done)(struct instance *, void *);
	void *done_arg;
	struct instance_stats st;
};

static const struct client_ops inst_client_ops;
static void instance_flush(struct instance *inst);
static void walk_schedule(struct instance *inst, long usec);

/* ---- classes --------------------------------------------------------------- */

static struct fanout_class *class_get(struct instance *inst, const struct fanout_key *k)
{
	struct inst_class *ic;

	for (ic = inst->classes; ic; ic = ic->next)
		if (fanout_key_equal(fanout_class_key(ic->fc), k))
			break;
	if (ic == NULL) {
		ic = xcalloc(1, sizeof *ic);
		ic->fc = fanout_class_new(k, &inst->nh);
		ic->next = inst->classes;
		inst->classes = ic;
	}
	ic->refs++;
	return ic->fc;
}

static void class_put(struct instance *inst, struct fanout_class *fc)
{
	for (struct inst_class **pos = &inst->classes; *pos; pos = &(*pos)->next) {
		struct inst_class *ic = *pos;
		if (ic->fc != fc)
			continue;
		if (--ic->refs == 0) {
			*pos = ic->next;
			fanout_class_free(ic->fc);
			free(ic);
		}
		return;
	}
}

/* ---- logs -------------------------------------------------------------------- */

static void log_append(struct rlog *l, const struct bgp_prefix *p, struct attrset *set)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		struct fanout_route *v = realloc(l->v, l->cap * sizeof *v);
		if (v == NULL)
			fatal("out of memory for the fan-out log");
		l->v = v;
	}
	l->v[l->n].p = *p;
	l->v[l->n].set = set ? attrset_get(set) : NULL;
	l->n++;
}

static void log_release(struct rlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		attrset_put(l->v[i].set);
	l->n = 0;
}

/*
 * For clients without ADD-PATH: whether this change alters the prefix's
 * lowest-id path, and what that path's set is now (NULL: none left).
 * The table already has the change (for a clearing withdrawal it still
 * has every route, and every path goes).
 */
static bool lowest_path_change(const struct instance *inst, const struct feed_event *ev,
    struct attrset **now)
{
	const struct bgp_prefix *p = ev->prefix;
	struct bgp_prefix first;
	struct attrset *set;

	*now = ev->set;
	if (ev->set != NULL && p->path_id == 0)
		return true;            /* no path id is lower (and no lookup) */
	bool any = feed_first_path(inst->feed, p, &first, &set);
	if (ev->set != NULL)            /* announce or replace */
		return !any || first.path_id == p->path_id;
	*now = NULL;
	if (ev->clearing)               /* once per prefix: at its first path */
		return !any || first.path_id == p->path_id;
	if (!any)
		return true;
	if (first.path_id < p->path_id)
		return false;
	*now = set;                     /* the next path moves up */
	return true;
}

static void on_route(struct instance *inst, const struct feed_event *ev)
{
	uint16_t afi = ev->prefix->afi;
	struct attrset *now;

	if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
		return;
	if (inst->want[afi][LOG_PATHS]) {
		log_append(&inst->log[afi][LOG_PATHS], ev->prefix, ev->set);
		inst->logged++;
	}
	if (inst->want[afi][LOG_PREFIXES] && lowest_path_change(inst, ev, &now)) {
		struct bgp_prefix p = *ev->prefix;
		p.path_id = 0;
		log_append(&inst->log[afi][LOG_PREFIXES], &p, now);
		inst->logged++;
	}
	inst->st.routes_logged++;
	if (inst->logged >= FLUSH_MAX) {
		instance_flush(inst);
	} else if (inst->logged && !inst->flush_queued) {
		inst->flush_queued = true;
		event_active(inst->flush_ev, 0, 0);
	}
}

static void on_feed(const struct feed_event *ev, void *arg)
{
	struct instance *inst = arg;

	switch (ev->type) {
	case FEED_ROUTE:
		on_route(inst, ev);
		break;
	case FEED_SESSION_UP:
		log_info("instance %s: upstream session up; %zu clients Established",
		    inst->name, instance_clients_established(inst));
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

/* ---- flushing ------------------------------------------------------------------ */

static bool client_steady_in(const struct client *c, const struct fanout_class *fc)
{
	uint16_t afi = fanout_class_key(fc)->afi;
	return c->session && c->state == CLIENT_STEADY && !c->drop && c->cls[afi] == fc;
}

/* The sessions of the STEADY clients of a class, in inst->dst. */
static size_t class_sessions(struct instance *inst, const struct fanout_class *fc)
{
	size_t n = 0;

	if (inst->dst_cap < inst->nclients) {
		inst->dst_cap = inst->nclients * 2;
		free(inst->dst);
		inst->dst = xcalloc(inst->dst_cap, sizeof *inst->dst);
	}
	for (size_t i = 0; i < inst->nclients; i++)
		if (client_steady_in(inst->clients[i], fc))
			inst->dst[n++] = inst->clients[i]->session;
	return n;
}

/* Reset, after a pass, every client marked too slow. Resetting calls the
 * down upcall, which changes classes and wants: never inside a pass. */
static void drop_marked(struct instance *inst)
{
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (!c->drop)
			continue;
		c->drop = false;
		c->drops++;
		inst->st.dropped++;
		client_reset(c, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES);
	}
}

/* Mark the clients that cannot keep up. */
static void check_slow(struct instance *inst)
{
	struct timespec ts;
	char why[160];
	bool any = false;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (c->session == NULL || c->drop || !client_too_slow(c, now_ms, why, sizeof why))
			continue;
		log_peer_warnx(client_label(c), "cannot keep up: %s; dropping it with "
		    "Cease/Out of Resources (the upstream and the other clients are not "
		    "affected; it may reconnect and will get the whole view again)", why);
		c->drop = true;
		any = true;
	}
	if (any)
		drop_marked(inst);
}

static void flush_class(struct instance *inst, struct fanout_class *fc)
{
	const struct fanout_key *k = fanout_class_key(fc);
	struct rlog *l = &inst->log[k->afi][k->addpath ? LOG_PATHS : LOG_PREFIXES];
	struct fanout_out out;

	if (l->n == 0)
		return;
	size_t n = class_sessions(inst, fc);
	if (n == 0)
		return;
	fanout_out_init(&out, inst->dst, n);
	fanout_encode(fc, &out, l->v, l->n);
	fanout_out_finish(&out);
	inst->st.updates_shared += out.sent_updates;
	inst->st.updates_written += out.sent_updates * n;
}

/* A walk's members share their classes: the first one says which log. */
static void flush_walk(struct instance *inst, struct walk *w)
{
	if (walk_refresh(w) || walk_member_count(w) == 0)
		return;
	struct client *c = walk_member(w, 0);
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		if (!client_has_family(c, afi))
			continue;
		struct rlog *l = &inst->log[afi][client_addpath(c, afi) ? LOG_PATHS : LOG_PREFIXES];
		if (l->n)
			walk_live(w, afi, l->v, l->n);
	}
}

static void instance_flush(struct instance *inst)
{
	if (inst->logged == 0)
		return;
	inst->st.flushes++;
	for (struct inst_class *ic = inst->classes; ic; ic = ic->next)
		flush_class(inst, ic->fc);
	for (size_t i = 0; i < inst->nwalks; i++)
		flush_walk(inst, inst->walks[i]);
	for (int afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		log_release(&inst->log[afi][LOG_PREFIXES]);
		log_release(&inst->log[afi][LOG_PATHS]);
	}
	inst->logged = 0;
	check_slow(inst);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instance *inst = arg;
	(void)fd;
	(void)what;
	inst->flush_queued = false;
	instance_flush(inst);
}

/* ---- walks ------------------------------------------------------------------------ */

static void walk_schedule(struct instance *inst, long usec)
{
	struct timeval tv = { 0, usec };

	if (!evtimer_pending(inst->walk_ev, NULL))
		evtimer_add(inst->walk_ev, &tv);
}

static void walks_append(struct instance *inst, struct walk *w)
{
	if (inst->nwalks == inst->walks_cap) {
		inst->walks_cap = inst->walks_cap ? inst->walks_cap * 2 : 4;
		struct walk **v = realloc(inst->walks, inst->walks_cap * sizeof *v);
		if (v == NULL)
			fatal("out of memory for walks");
		inst->walks = v;
	}
	inst->walks[inst->nwalks++] = w;
}

static void walks_drop(struct instance *inst, size_t i)
{
	struct walk *w = inst->walks[i];

	for (size_t k = 0; k < walk_member_count(w); k++)
		walk_member(w, k)->walk = NULL;
	inst->walks[i] = inst->walks[--inst->nwalks];
	walk_free(w);
}

static size_t queued(const struct client *c)
{
	return c->session ? session_queue_len(c->session) : SIZE_MAX;
}

/* Whether w may send its next chunk: some member has room. Members far
 * behind the others leave for walks of their own first. */
static bool walk_ready(struct instance *inst, struct walk *w)
{
	size_t n = walk_member_count(w), room = 0;

	for (size_t k = 0; k < n; k++)
		room += queued(walk_member(w, k)) < WALK_QUEUE_HIGH;
	if (room == 0)
		return false;
	for (size_t k = 0; k < walk_member_count(w);) {
		struct client *c = walk_member(w, k);
		if (queued(c) < inst->split_queue || walk_member_count(w) == 1) {
			k++;
			continue;
		}
		c->walk = walk_split(w, c);     /* removes c from w */
		walks_append(inst, c->walk);
		log_peer_info(client_label(c), "falls behind the clients it joined "
		    "with: it goes on with the view at its own pace");
	}
	return true;
}

/* One chunk for each walk whose members have room. A timer, not
 * event_active: the loop polls its sockets between two chunks. */
static void walk_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instance *inst = arg;
	bool progressed = false;
	(void)fd;
	(void)what;

	instance_flush(inst);   /* before any cursor moves: see the top */
	for (size_t i = 0, n = inst->nwalks; i < n && i < inst->nwalks; i++) {
		struct walk *w = inst->walks[i];
		if (walk_member_count(w) == 0 || !walk_ready(inst, w))
			continue;
		walk_step(w, inst->feed, WALK_CHUNK);
		progressed = true;
	}
	for (size_t i = 0; i < inst->nwalks;) {
		if (walk_done(inst->walks[i]) || walk_member_count(inst->walks[i]) == 0)
			walks_drop(inst, i);
		else
			i++;
	}
	check_slow(inst);
	if (inst->nwalks)
		walk_schedule(inst, progressed ? 0 : WALK_RETRY_USEC);
}

/* ---- clients' upcalls --------------------------------------------------------------- */

static bool offered(const struct instance *inst, uint16_t afi)
{
	for (uint8_t i = 0; i < inst->nfams; i++)
		if (inst->fams[i].afi == afi && inst->fams[i].safi == BGP_SAFI_UNICAST)
			return true;
	return false;
}

static bool negotiated(const struct session_negotiated *n, uint16_t afi)
{
	for (uint8_t i = 0; i < n->family_count; i++)
		if (n->families[i].afi == afi && n->families[i].safi == BGP_SAFI_UNICAST)
			return true;
	return false;
}

static void on_client_established(struct client *c, void *arg)
{
	struct instance *inst = arg;
	const struct session_negotiated *n = session_negotiated(c->session);
	char fams[96] = "";

	if (inst->stopping)
		return;
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		struct fanout_key k;
		if (!offered(inst, afi) || !negotiated(n, afi))
			continue;
		fanout_key_from(&k, afi, n);
		c->cls[afi] = class_get(inst, &k);
		inst->want[afi][k.addpath ? LOG_PATHS : LOG_PREFIXES]++;
		snprintf(fams + strlen(fams), sizeof fams - strlen(fams), "%s%s%s",
		    fams[0] ? ", " : "", afi == BGP_AFI_IPV4 ? "IPv4" : "IPv6",
		    k.addpath ? " with ADD-PATH" : "");
	}
	c->state = CLIENT_JOINING;
	for (size_t i = 0; i < inst->nwalks && c->walk == NULL; i++) {
		if (walk_joinable(inst->walks[i], c->cls, c->fams, c->fam_count)) {
			c->walk = inst->walks[i];
			walk_add(c->walk, c);
		}
	}
	if (c->walk == NULL) {
		c->walk = walk_new(c->cls, c->fams, c->fam_count, 0, false);
		walk_add(c->walk, c);
		walks_append(inst, c->walk);
	}
	if (inst->gw && inst->cfg.client_to_client)
		c2c_client_joined(inst->gw, inst->name, c);
	log_peer_info(client_label(c), "joined: sending the view's %zu routes (%s; "
	    "%s AS numbers%s), then live changes", feed_route_count(inst->feed, 0),
	    fams[0] ? fams : "no family in common", n->tx.as4 ? "4-octet" : "2-octet",
	    n->ext_message ? ", extended messages" : "");
	walk_schedule(inst, WALK_GATHER_USEC);
}

static void client_leave_walk(struct instance *inst, struct client *c)
{
	for (size_t i = 0; i < inst->nwalks; i++) {
		if (inst->walks[i] != c->walk)
			continue;
		walk_remove(c->walk, c);
		c->walk = NULL;
		if (walk_member_count(inst->walks[i]) == 0)
			walks_drop(inst, i);
		return;
	}
	c->walk = NULL;
}

static void on_client_down(struct client *c, void *arg)
{
	struct instance *inst = arg;

	if (c->walk)
		client_leave_walk(inst, c);

	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		if (c->cls[afi] == NULL)
			continue;
		inst->want[afi][fanout_class_key(c->cls[afi])->addpath ? LOG_PATHS : LOG_PREFIXES]--;
		class_put(inst, c->cls[afi]);
		c->cls[afi] = NULL;
	}
}

static void on_client_refresh(struct client *c, uint16_t afi, void *arg)
{
	struct instance *inst = arg;

	if (c->state != CLIENT_STEADY || inst->stopping || !client_has_family(c, afi))
		return;         /* a joining client gets the whole table anyway */
	if (c->walk) {          /* a refresh already runs: restart it, wider */
		if (walk_afi(c->walk) != afi)
			afi = 0;
		client_leave_walk(inst, c);
	}
	log_peer_info(client_label(c), "ROUTE-REFRESH for %s: sending the view "
	    "again%s (from the view's table; the upstream is not asked)",
	    walk_afi_text(afi),
	    session_negotiated(c->session)->enhanced_rr ?
	    " between Beginning and End of Route Refresh (RFC 7313)" : "");
	c->refreshes++;
	c->walk = walk_new(c->cls, c->fams, c->fam_count, afi, true);
	walk_add(c->walk, c);
	walks_append(inst, c->walk);
	walk_schedule(inst, 0);
}

static void instance_unlisten(struct instance *inst);

static void instance_free(struct instance *inst)
{
	instance_unlisten(inst);
	if (inst->done)
		inst->done(inst, inst->done_arg);
	for (int afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		for (int k = 0; k < 2; k++) {
			log_release(&inst->log[afi][k]);
			free(inst->log[afi][k].v);
		}
	}
	while (inst->nwalks)
		walks_drop(inst, 0);
	free(inst->walks);
	while (inst->classes) {
		struct inst_class *ic = inst->classes;
		inst->classes = ic->next;
		fanout_class_free(ic->fc);
		free(ic);
	}
	event_free(inst->flush_ev);
	event_free(inst->walk_ev);
	event_free(inst->tick_ev);
	event_free(inst->free_ev);
	free(inst->clients);
	nameidx_free(&inst->by_name);
	free(inst->dst);
	free(inst->name);
	free(inst);
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

/* The primary's peer is gone, and with it every session of its legs. */
static void on_client_freed(struct client *c, void *arg)
{
	struct instance *inst = arg;

	for (size_t i = 0; i < c->nlegs; i++) {
		clients_remove(inst, c->legs[i]);
		client_free(c->legs[i]);
	}
	for (size_t i = 0; i < inst->nclients; i++)
		if (inst->clients[i]->range_of == c)
			inst->clients[i]->range_of = NULL;     /* shut down with it */
	clients_remove(inst, c);
	if (nameidx_get(&inst->by_name, c->cfg.name) == c)
		nameidx_del(&inst->by_name, c->cfg.name);
	client_free(c);
	if (inst->stopping && inst->nclients == 0)
		event_active(inst->free_ev, 0, 0);
}

static void clients_append(struct instance *inst, struct client *c)
{
	if (inst->nclients == inst->cap) {
		inst->cap = inst->cap ? inst->cap * 2 : 8;
		struct client **v = realloc(inst->clients, inst->cap * sizeof *v);
		if (v == NULL)
			fatal("out of memory for clients");
		inst->clients = v;
	}
	inst->clients[inst->nclients++] = c;
}

static struct client *on_client_leg(struct client *primary, void *arg)
{
	struct client *leg = client_new_leg(primary);
	clients_append(arg, leg);
	return leg;
}

static const struct client_ops inst_client_ops = {
	.established = on_client_established,
	.down = on_client_down,
	.route_refresh = on_client_refresh,
	.freed = on_client_freed,
	.leg_new = on_client_leg,
};

/* client_to_client: a change of what the upstream is sent goes to every
 * Established client but its owner. */
static void inst_c2c_route(const struct bgp_prefix *p, const uint8_t *attrs, size_t len,
    const char *owner, void *arg)
{
	struct instance *inst = arg;

	for (size_t i = 0; i < inst->nclients; i++)
		c2c_send(inst->clients[i], p, attrs, len, owner);
}

/* ---- listening ------------------------------------------------------------------ */

static void client_add_started(struct instance *inst, const struct client_config *cc,
    struct client *range_of);

/* The client a connection from a is for: the one with that address, or a
 * new member of a range that holds it. */
static struct client *client_by_addr(struct instance *inst, const struct sockaddr_mux *a)
{
	struct client *range = NULL;

	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (c->retiring || c->primary)
			continue;
		if (c->cfg.range_len == 0 && sockaddr_same_addr(&c->cfg.addr, a))
			return c;
		if (c->cfg.range_len && client_addr_contains(&c->cfg, a))
			range = c;
	}
	if (range == NULL)
		return NULL;
	struct client_config member = range->cfg;
	char addr[64], name[160];
	snprintf(name, sizeof name, "%s@%s", range->cfg.name, sockaddr_ntop(a, addr, sizeof addr));
	member.name = name;
	member.addr = *a;
	sockaddr_set_port(&member.addr, 0);
	member.range_len = 0;
	log_info("instance %s: %s is in client %s's range: it becomes client %s",
	    inst->name, addr, range->cfg.name, name);
	client_add_started(inst, &member, range);
	return inst->clients[inst->nclients - 1];
}

/* A template leaves: so do the members of its range. */
static void range_members_shutdown(struct instance *inst, struct client *tmpl,
    uint8_t subcode)
{
	for (size_t i = 0; i < inst->nclients; i++)
		if (inst->clients[i]->range_of == tmpl && !inst->clients[i]->retiring)
			client_shutdown(inst->clients[i], BGP_ERR_CEASE, subcode);
}

static bool inst_accept(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg)
{
	struct instance *inst = arg;
	struct client *c = client_by_addr(inst, remote);
	char ra[64], la[64];

	if (c != NULL && inst->gw && !gateway_client_allowed(inst->gw, c->cfg.name, inst->name)) {
		log_peer_warnx(client_label(c), "connection refused: it broke max_prefixes "
		    "less than %d s ago", GATEWAY_LIMIT_HOLDOFF_SECS);
		return false;
	}
	if (c != NULL && !inst->stopping)
		return peer_accept(c->peer, fd);
	inst->st.rejected++;
	log_warnx("instance %s: connection from %s port %u to %s refused with "
	    "Cease/Connection Rejected: no client with that address is configured "
	    "for upstream %s (add it to \"clients\" with \"upstreams\": [\"%s\"])",
	    inst->name, sockaddr_ntop(remote, ra, sizeof ra), sockaddr_port(remote),
	    sockaddr_ntop(local, la, sizeof la), inst->name, inst->name);
	return false;
}

static void listener_key(struct instance *inst, const struct client_config *cc,
    const char *key)
{
	struct sockaddr_mux a = cc->addr;

	if (sockaddr_family(&a) != sockaddr_family(&inst->cfg.addr))
		return;
	for (size_t i = 0; i < inst->nlisteners; i++)
		if (sockopt_md5_prefix(listener_fd(inst->listeners[i]), &a, cc->range_len,
		    key) < 0 && key)
			log_warnx("instance %s: client %s: cannot set its TCP-MD5 key on "
			    "the listener: %s", inst->name, cc->name, strerror(errno));
}

/* The instance's address, and its family ports (multisession redirects). */
static bool instance_listen(struct instance *inst, char *why, size_t why_len)
{
	struct sockaddr_mux a = inst->cfg.addr;

	for (int k = -1; k < BGP_MAX_FAMILIES; k++) {
		if (k >= 0 && inst->cfg.family_ports[k] == 0)
			continue;
		if (k >= 0)
			sockaddr_set_port(&a, inst->cfg.family_ports[k]);
		struct listener *l = listener_new(inst->base, &a, inst_accept, inst, why, why_len);
		if (l == NULL)
			return false;
		inst->listeners[inst->nlisteners++] = l;
	}
	return true;
}

static void instance_unlisten(struct instance *inst)
{
	for (size_t i = 0; i < inst->nlisteners; i++)
		listener_free(inst->listeners[i]);
	inst->nlisteners = 0;
}

/* ---- timers ----------------------------------------------------------------------- */

/* A range member exists for a connection from its address; one whose
 * connections all ended before any reached Established (a silent socket,
 * a scan) goes, so that a range never fills with clients nobody uses. */
static void reap_range_members(struct instance *inst)
{
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (c->range_of == NULL || c->retiring || c->joins > 0 ||
		    peer_session(c->peer) != NULL)
			continue;
		log_peer_info(client_label(c), "no session of it reached Established: "
		    "removed (a new connection from its address makes it again)");
		client_shutdown(c, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED);
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_slow(arg);
	reap_range_members(arg);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	instance_free(arg);
}

/* ---- public ------------------------------------------------------------------------ */

struct instance *instance_new(struct event_base *base, const struct instance_params *p,
    struct feed *feed, char *why, size_t why_len)
{
	struct instance *inst = xcalloc(1, sizeof *inst);
	struct timeval sec = { 1, 0 };

	inst->base = base;
	inst->name = xstrdup(p->name);
	inst->cfg = p->cfg;
	inst->nfams = p->family_count;
	memcpy(inst->fams, p->families, p->family_count * sizeof inst->fams[0]);
	inst->router_id = p->router_id;
	if (p->hostname)
		snprintf(inst->hostname, sizeof inst->hostname, "%s", p->hostname);
	inst->queue_limit = p->queue_limit;
	inst->stall_secs = p->stall_secs;
	inst->split_queue = p->walk_split_queue ? p->walk_split_queue : WALK_SPLIT_QUEUE;
	fanout_nh_init(&inst->nh, &p->cfg.addr, p->cfg.next_hop_self);
	inst->feed = feed;
	inst->gw = p->gw;
	inst->flush_ev = event_new(base, -1, 0, flush_cb, inst);
	inst->walk_ev = evtimer_new(base, walk_cb, inst);
	inst->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, inst);
	inst->free_ev = event_new(base, -1, 0, free_cb, inst);
	evtimer_add(inst->tick_ev, &sec);
	if (!instance_listen(inst, why, why_len)) {
		instance_free(inst);
		return NULL;
	}
	inst->sub = feed_subscribe(feed, FEED_MASK(FEED_ROUTE) |
	    FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN), on_feed, inst);
	if (inst->gw && inst->cfg.client_to_client)
		gateway_subscribe(inst->gw, inst->name, inst_c2c_route, inst);
	return inst;
}

static void client_add(struct instance *inst, const struct client_config *cc)
{
	client_add_started(inst, cc, NULL);
	struct client *c = inst->clients[inst->nclients - 1];
	nameidx_put(&inst->by_name, c->cfg.name, c);
}

/* A template (a range) is not started: it never connects, its members do. */
static void client_add_started(struct instance *inst, const struct client_config *cc,
    struct client *range_of)
{
	struct client_params cp = {
		.instance = inst->name, .local = inst->cfg.addr,
		.local_as = inst->cfg.local_as, .router_id = inst->router_id,
		.hostname = inst->hostname[0] ? inst->hostname : NULL,
		.families = inst->fams, .family_count = inst->nfams,
		.family_ports = inst->cfg.family_ports,
		.queue_limit = inst->queue_limit, .stall_secs = inst->stall_secs,
		.gw = inst->gw,
	};
	struct client *c = client_new(inst->base, cc, &cp, &inst_client_ops, inst);
	c->range_of = range_of;
	clients_append(inst, c);
	if (range_of == NULL)
		listener_key(inst, cc, cc->password);   /* a range's covers its members */
	if (cc->range_len == 0)
		client_start(c);
}

/* A client leaves the configuration: Cease/Peer De-configured, and so
 * do the members of its range. */
static void client_deconfigure(struct instance *inst, struct client *c)
{
	log_info("instance %s: client %s removed from the configuration: closing it "
	    "with Cease/Peer De-configured", inst->name, c->cfg.name);
	listener_key(inst, &c->cfg, NULL);
	client_shutdown(c, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED);
	range_members_shutdown(inst, c, BGP_CEASE_PEER_DECONFIGURED);
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
			range_members_shutdown(inst, c, BGP_CEASE_CONFIG_CHANGE);
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
			client_add(inst, cc);
	}
}

void instance_client_add(struct instance *inst, const struct client_config *cc)
{
	if (!inst->stopping && client_has_upstream(cc, inst->name) &&
	    client_running(inst, cc->name) == NULL)
		client_add(inst, cc);
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

void instance_shutdown(struct instance *inst, uint8_t code, uint8_t subcode,
    void (*done)(struct instance *, void *), void *arg)
{
	inst->stopping = true;
	inst->done = done;
	inst->done_arg = arg;
	feed_unsubscribe(inst->sub);
	inst->sub = NULL;
	if (inst->gw)
		gateway_unsubscribe(inst->gw, inst);
	instance_unlisten(inst);
	event_del(inst->tick_ev);
	event_del(inst->walk_ev);
	for (size_t i = 0; i < inst->nclients; i++)
		if (!inst->clients[i]->retiring && !inst->clients[i]->primary)
			client_shutdown(inst->clients[i], code, subcode);
	if (inst->nclients == 0)
		event_active(inst->free_ev, 0, 0);
}

void instance_set_families(struct instance *inst, const struct bgp_family *fams, uint8_t n)
{
	inst->nfams = n;
	memcpy(inst->fams, fams, n * sizeof fams[0]);
	for (size_t i = 0; i < inst->nclients; i++)
		if (!inst->clients[i]->retiring && !inst->clients[i]->primary)
			client_set_families(inst->clients[i], fams, n, inst->cfg.family_ports);
}

const char *instance_name(const struct instance *inst) { return inst->name; }
const struct instance_config *instance_config(const struct instance *inst) { return &inst->cfg; }
const struct instance_stats *instance_stats(const struct instance *inst) { return &inst->st; }

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

size_t instance_clients_joining(const struct instance *inst)
{
	size_t n = 0;
	for (size_t i = 0; i < inst->nclients; i++)
		n += inst->clients[i]->state == CLIENT_JOINING;
	return n;
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *class_json(const struct inst_class *ic)
{
	const struct fanout_key *k = fanout_class_key(ic->fc);
	const struct fanout_class_stats *s = fanout_class_stats(ic->fc);

	return json_pack("{s:s, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "family", k->afi == BGP_AFI_IPV4 ? "ipv4-unicast" : "ipv6-unicast",
	    "as4", k->as4, "add_path", k->addpath, "ebgp", k->ebgp,
	    "max_len", (json_int_t)k->max_len,
	    "clients", (json_int_t)ic->refs,
	    "updates", (json_int_t)s->updates,
	    "bytes", (json_int_t)s->bytes,
	    "routes", (json_int_t)s->routes,
	    "attrs_stored", (json_int_t)s->attrs_stored,
	    "attrs_rewritten", (json_int_t)s->attrs_rewritten,
	    "attrs_encoded", (json_int_t)s->attrs_encoded,
	    "attrs_cached", (json_int_t)s->attrs_cached,
	    "skipped", (json_int_t)s->skipped);
}

json_t *instance_to_json(const struct instance *inst,
    json_t *(*peer_json)(const struct peer *p))
{
	char addr[64];
	json_t *clients = json_array(), *classes = json_array();

	for (size_t i = 0; i < inst->nclients; i++)
		if (!inst->clients[i]->retiring)
			json_array_append_new(clients, client_to_json(inst->clients[i], peer_json));
	for (const struct inst_class *ic = inst->classes; ic; ic = ic->next)
		json_array_append_new(classes, class_json(ic));
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", inst->name,
	    "address", sockaddr_ntop(&inst->cfg.addr, addr, sizeof addr),
	    "port", (json_int_t)sockaddr_port(&inst->cfg.addr),
	    "local_as", (json_int_t)inst->cfg.local_as,
	    "next_hop", inst->cfg.next_hop_self ? "self" : "unchanged",
	    "clients", clients,
	    "classes", classes,
	    "walks", (json_int_t)inst->nwalks,
	    "routes_logged", (json_int_t)inst->st.routes_logged,
	    "flushes", (json_int_t)inst->st.flushes,
	    "updates_shared", (json_int_t)inst->st.updates_shared,
	    "updates_written", (json_int_t)inst->st.updates_written,
	    "rejected", (json_int_t)inst->st.rejected,
	    "dropped", (json_int_t)inst->st.dropped,
	    /* every instance's: the chunks slow clients still hold */
	    "queued_chunk_bytes", (json_int_t)fanout_chunk_bytes_alive());
	if (j == NULL)
		fatal("out of memory rendering instance %s", inst->name);
	return j;
}
