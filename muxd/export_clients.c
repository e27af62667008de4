/*
 * export_clients.c — an instance host's clients' routes, kept and sent
 * to its view host as VPN routes (export_clients.h).
 *
 * Each source (a client's number on one upstream) keeps its routes in an
 * array sorted by prefix, with their interned attribute sets: the
 * gateway asks whether a prefix is held and how many are for its
 * max_prefixes check, and a new session gets them all again.
 */
#include "muxd/export_clients.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_vpn.h"
#include "muxd/engine/session.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/attrset.h"
#include "muxd/rib/rib_vpn.h"

struct relay_route {
	struct bgp_prefix p;            /* path id 0 */
	struct attrset *set;
};

struct relay_source {
	uint32_t number;                /* the path id its routes carry */
	uint16_t src;                   /* the upstream's id */
	unsigned up;                    /* its sessions up (a range's members) */
	struct relay_route *routes;     /* sorted by prefix */
	size_t n, cap;
};

struct export_clients {
	const struct config *const *cfg;
	struct attrstore *store;
	struct relay_source **srcs;
	size_t nsrcs;
	const void *s;                  /* the Established session, or NULL */
	export_clients_send_cb *send;
	bool addpath[2];                /* per VPN family: path ids go out */
	size_t max_len;
	bool failed;                    /* the session refused a message */
	export_clients_fail_cb *fail;
	void *fail_arg;
	struct event *fail_ev;
	uint64_t routes_sent, stale_sent;
};

static void fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct export_clients *r = arg;
	(void)fd;
	(void)what;

	if (r->s && r->fail)
		r->fail("its queue is full: the client routes cannot be sent", r->fail_arg);
}

struct export_clients *export_clients_new(struct event_base *base,
    const struct config *const *cfg)
{
	struct export_clients *r = xcalloc(1, sizeof *r);

	r->cfg = cfg;
	r->store = attrstore_new();
	r->fail_ev = event_new(base, -1, 0, fail_cb, r);
	return r;
}

static void routes_put(struct relay_source *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		attrset_put(rs->routes[i].set);
	free(rs->routes);
	rs->routes = NULL;
	rs->n = rs->cap = 0;
}

void export_clients_free(struct export_clients *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nsrcs; i++) {
		routes_put(r->srcs[i]);
		free(r->srcs[i]);
	}
	free(r->srcs);
	event_free(r->fail_ev);
	attrstore_free(r->store);
	free(r);
}

/* ---- sources ----------------------------------------------------------------- */

/* The configured client cc stands for: itself, or the range whose member
 * it is (named NAME@ADDRESS, with the range's settings). */
static const char *configured_name(const struct config *c, const struct client_config *cc)
{
	for (size_t i = 0; i < c->client_count; i++)
		if (strcmp(c->clients[i].name, cc->name) == 0)
			return cc->name;
	for (size_t i = 0; i < c->client_count; i++)
		if (c->clients[i].range_len && client_addr_contains(&c->clients[i], &cc->addr))
			return c->clients[i].name;
	return cc->name;
}

static struct relay_source *source_find(struct export_clients *r,
    const struct client_config *cc, uint16_t src, bool create)
{
	uint32_t number = client_source_number(configured_name(*r->cfg, cc));
	struct relay_source *rs;

	for (size_t i = 0; i < r->nsrcs; i++)
		if (r->srcs[i]->number == number && r->srcs[i]->src == src)
			return r->srcs[i];
	if (!create)
		return NULL;
	r->srcs = xreallocarray(r->srcs, r->nsrcs + 1, sizeof *r->srcs);
	rs = r->srcs[r->nsrcs++] = xcalloc(1, sizeof *rs);
	rs->number = number;
	rs->src = src;
	return rs;
}

static const struct bgp_prefix *route_at(size_t i, const void *arg)
{
	return &((const struct relay_source *)arg)->routes[i].p;
}

/* Where p is in rs->routes, or would go; *found says which. */
static size_t route_index(const struct relay_source *rs, const struct bgp_prefix *p,
    bool *found)
{
	return bgp_prefix_search(rs->n, route_at, rs, p, found);
}

/* ---- the wire ------------------------------------------------------------------ */

static int emit(const uint8_t *msg, size_t len, void *arg)
{
	struct export_clients *r = arg;

	if (r->s == NULL || r->failed)
		return -1;
	if (r->send(msg, len, r->fail_arg))
		return 0;
	r->failed = true;
	event_active(r->fail_ev, 0, 0);
	return -1;
}

/* How routes of upstream src go; false when they cannot (no session, an
 * AS and id with no distinguisher, no ADD-PATH to tell clients apart). */
static bool spec_for(const struct export_clients *r, uint16_t src, uint16_t afi,
    struct rib_vpn_spec *spec)
{
	int i = afi == BGP_AFI_IPV4 ? 0 : 1;

	memset(spec, 0, sizeof *spec);
	spec->label = EXPORT_LABEL_BASE + src;
	spec->addpath = true;
	spec->max_len = r->max_len;
	return r->s && !r->failed && r->addpath[i] && bgp_rd_make((*r->cfg)->asn, src,
	    &spec->rd);
}

static void send_route(struct export_clients *r, const struct relay_source *rs,
    const struct bgp_prefix *p, const struct attrset *set)
{
	struct rib_vpn_spec spec;
	struct rib_vpn_stats st = { 0 };
	struct bgp_prefix vp = *p;

	if (!spec_for(r, rs->src, p->afi, &spec))
		return;
	vp.path_id = rs->number;
	if (set)
		rib_vpn_announce(&vp, set, p->afi, &spec, emit, r, &st);
	else
		rib_vpn_withdraw(&vp, 1, p->afi, &spec, emit, r, &st);
	r->routes_sent += st.routes;
}

/* The set for a's attributes with LLGR_STALE taken out of its
 * communities and, when stale, appended (a new reference; NULL when none
 * can be made): a client's own LLGR_STALE would take it down on the view
 * host, so only the relay sets it. */
static struct attrset *intern_marked(struct export_clients *r, const struct bgp_attrs *in,
    const uint8_t *nh, size_t nh_len, bool stale)
{
	static const uint8_t mark[4] = { BGP_COMM_LLGR_STALE >> 24,
		(BGP_COMM_LLGR_STALE >> 16) & 0xFF, (BGP_COMM_LLGR_STALE >> 8) & 0xFF,
		BGP_COMM_LLGR_STALE & 0xFF };
	struct bgp_attrs a = *in;
	uint8_t *comm;
	size_t len = 0;
	struct attrset *out;

	if (a.communities.len > UINT16_MAX - sizeof mark)
		return NULL;            /* no room for the mark: not sent */
	comm = xmalloc(a.communities.len + sizeof mark);

	for (size_t i = 0; i + 4 <= a.communities.len; i += 4)
		if (memcmp(a.communities.p + i, mark, 4) != 0)
			memcpy(comm + len, a.communities.p + i, 4), len += 4;
	if (stale)
		memcpy(comm + len, mark, 4), len += 4;
	a.communities = (struct bgp_bytes){ comm, (uint16_t)len };
	if (len)
		a.present |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	else
		a.present &= ~BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	out = attrset_intern(r->store, &a, nh, nh_len);
	free(comm);
	return out;
}

/* A kept route's set, marked stale. */
static struct attrset *with_stale(struct export_clients *r, const struct attrset *set)
{
	struct bgp_attrs a;
	const uint8_t *nh;
	size_t nh_len;

	if (!attrset_attrs(set, &a))
		return NULL;
	nh = attrset_next_hop(set, &nh_len);
	return intern_marked(r, &a, nh, nh_len, true);
}

/* ---- what the gateway calls ------------------------------------------------------- */

static void relay_up(void *arg, const struct client_config *cc, uint16_t src)
{
	source_find(arg, cc, src, true)->up++;
}

/* The last session of the client went: its routes go once more, marked
 * stale, and are forgotten; the view host holds them down. */
static void relay_down(void *arg, const struct client_config *cc, uint16_t src)
{
	struct export_clients *r = arg;
	struct relay_source *rs = source_find(r, cc, src, false);

	if (rs == NULL || rs->up == 0 || --rs->up > 0)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		struct attrset *stale = with_stale(r, rs->routes[i].set);
		uint64_t before = r->routes_sent;
		if (stale)
			send_route(r, rs, &rs->routes[i].p, stale);
		r->stale_sent += r->routes_sent - before;
		attrset_put(stale);
	}
	if (rs->n)
		log_info("instance host: client %s left upstream %u's instance: its %zu routes "
		    "went to the view host marked LLGR_STALE (it holds them down)", cc->name,
		    src, rs->n);
	routes_put(rs);
}

static void relay_route(void *arg, const struct client_config *cc, uint16_t src,
    const struct bgp_prefix *p, const struct bgp_attrs *a, const uint8_t *nh,
    size_t nh_len)
{
	struct export_clients *r = arg;
	struct relay_source *rs = source_find(r, cc, src, true);
	struct bgp_prefix key = *p;
	struct attrset *set;
	bool found;
	size_t i;

	key.path_id = 0;
	i = route_index(rs, &key, &found);
	set = a ? intern_marked(r, a, nh, nh_len, false) : NULL;
	if (set == NULL) {              /* withdrawn, or a next hop no set takes */
		if (!found)
			return;
		attrset_put(rs->routes[i].set);
		memmove(&rs->routes[i], &rs->routes[i + 1], (rs->n - i - 1) * sizeof *rs->routes);
		rs->n--;
		send_route(r, rs, &key, NULL);
		return;
	}
	if (found) {
		attrset_put(rs->routes[i].set);
	} else {
		rs->routes = xgrow_array(rs->routes, &rs->cap, rs->n + 1, sizeof *rs->routes);
		memmove(&rs->routes[i + 1], &rs->routes[i], (rs->n - i) * sizeof *rs->routes);
		rs->n++;
	}
	rs->routes[i] = (struct relay_route){ key, set };
	send_route(r, rs, &key, set);
}

static bool relay_has(void *arg, const struct client_config *cc, uint16_t src,
    const struct bgp_prefix *p)
{
	struct relay_source *rs = source_find(arg, cc, src, false);
	struct bgp_prefix key = *p;
	bool found = false;

	key.path_id = 0;
	if (rs)
		route_index(rs, &key, &found);
	return found;
}

static size_t relay_count(void *arg, const struct client_config *cc, uint16_t src)
{
	struct relay_source *rs = source_find(arg, cc, src, false);
	return rs ? rs->n : 0;
}

const struct gateway_relay_ops export_clients_relay_ops = {
	relay_up, relay_down, relay_route, relay_has, relay_count,
};

/* ---- the session ---------------------------------------------------------------------- */

/* Every route kept of afi (0: both) on the session; how many. */
static size_t send_all(struct export_clients *r, uint16_t afi)
{
	size_t routes = 0;

	for (size_t k = 0; k < r->nsrcs; k++)
		for (size_t i = 0; i < r->srcs[k]->n; i++) {
			const struct relay_route *rt = &r->srcs[k]->routes[i];
			if (afi && rt->p.afi != afi)
				continue;
			send_route(r, r->srcs[k], &rt->p, rt->set);
			routes++;
		}
	return routes;
}

void export_clients_start(struct export_clients *r, const void *key,
    const struct session_negotiated *n, export_clients_send_cb *send,
    export_clients_fail_cb *fail, void *arg)
{
	size_t routes;

	r->s = key;
	r->send = send;
	r->failed = false;
	r->fail = fail;
	r->fail_arg = arg;
	r->max_len = n->ext_message ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	for (int i = 0; i < 2; i++)
		r->addpath[i] = (n->vpn_addpath[i] & BGP_ADDPATH_SEND) != 0;
	if (!r->addpath[0] || !r->addpath[1])
		log_warnx("instance host: the view host takes no ADD-PATH for ipv4-vpn or "
		    "ipv6-vpn: client routes of that family are not sent (their path id "
		    "names the client)");
	routes = send_all(r, 0);
	if (routes)
		log_info("instance host: %zu client routes sent to the view host", routes);
}

void export_clients_refresh(struct export_clients *r, const void *key, uint16_t afi)
{
	if (r->s == key)
		send_all(r, afi);
}

void export_clients_stop(struct export_clients *r, const void *key)
{
	if (r->s != key)
		return;
	r->s = NULL;
	event_del(r->fail_ev);
}

void export_clients_stats(const struct export_clients *r,
    struct export_clients_stats *st)
{
	memset(st, 0, sizeof *st);
	st->routes_sent = r->routes_sent;
	st->stale_sent = r->stale_sent;
	for (size_t i = 0; i < r->nsrcs; i++) {
		st->routes += r->srcs[i]->n;
		st->sources += r->srcs[i]->up > 0;
	}
}
