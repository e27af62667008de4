/*
 * export_clients_in.c — an instance host's client routes, on its view
 * host, into the gateway (export_clients_in.h).
 */
#include "muxd/export_clients_in.h"

#include <stdlib.h>
#include <string.h>

#include "instances/gateway.h"
#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_vpn.h"
#include "muxd/config/config.h"
#include "muxd/engine/session.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/rib_vpn.h"

/* Unknown distinguishers and client numbers logged; past this many of
 * each, new ones are only counted. */
#define IN_LOGGED_MAX 64

/* A client on one upstream, as the instance host sends it; known by
 * number and id, as a reload may change the configuration in between. */
struct in_source {
	uint16_t id;
	uint32_t number;
	bool up;                                /* came up through this session */
};

struct export_clients_in {
	struct gateway *gw;
	const struct config *const *cfg;
	char *host;
	struct in_source *srcs;
	size_t nsrcs, cap;
	struct bgp_rd rds[IN_LOGGED_MAX];
	size_t nrds;
	uint32_t numbers[IN_LOGGED_MAX];
	size_t nnumbers;
	struct export_clients_in_stats st;
};

struct export_clients_in *export_clients_in_new(struct gateway *gw,
    const struct config *const *cfg, const char *host)
{
	struct export_clients_in *in = xcalloc(1, sizeof *in);

	in->gw = gw;
	in->cfg = cfg;
	in->host = xstrdup(host);
	return in;
}

void export_clients_in_free(struct export_clients_in *in)
{
	if (in == NULL)
		return;
	export_clients_in_down(in);
	free(in->srcs);
	free(in->host);
	free(in);
}

/* ---- who a route is ----------------------------------------------------------- */

static const struct upstream_config *upstream_of(const struct config *c,
    const struct bgp_rd *rd)
{
	for (size_t i = 0; i < c->upstream_count; i++) {
		struct bgp_rd mine;
		if (bgp_rd_make(c->asn, c->upstreams[i].id, &mine) &&
		    memcmp(&mine, rd, sizeof mine) == 0)
			return &c->upstreams[i];
	}
	return NULL;
}

static const struct client_config *client_of(const struct config *c, uint32_t number,
    const char *upstream)
{
	for (size_t i = 0; i < c->client_count; i++)
		if (!c->clients[i].monitor && client_has_upstream(&c->clients[i], upstream) &&
		    client_source_number(c->clients[i].name) == number)
			return &c->clients[i];
	return NULL;
}

static void unknown_upstream(struct export_clients_in *in, const struct bgp_rd *rd)
{
	char text[BGP_RD_STRLEN];

	in->st.unknown_upstream++;
	for (size_t i = 0; i < in->nrds; i++)
		if (memcmp(&in->rds[i], rd, sizeof *rd) == 0)
			return;
	if (in->nrds == IN_LOGGED_MAX)
		return;
	in->rds[in->nrds++] = *rd;
	bgp_rd_format(rd, text, sizeof text);
	log_warnx("export host %s: client routes of distinguisher %s name no upstream of "
	    "this configuration (the gateway's AS : an upstream's id): ignored", in->host,
	    text);
}

static void unknown_client(struct export_clients_in *in, uint32_t number,
    const char *upstream)
{
	in->st.unknown_client++;
	for (size_t i = 0; i < in->nnumbers; i++)
		if (in->numbers[i] == number)
			return;
	if (in->nnumbers == IN_LOGGED_MAX)
		return;
	in->numbers[in->nnumbers++] = number;
	log_warnx("export host %s: client routes on upstream %s with number %u (path id) "
	    "name no client of that upstream here: ignored (configure the instance "
	    "host's clients on the view host too, with the same names)", in->host, upstream,
	    number);
}

/* The source for (cc, upstream), made when new. */
static struct in_source *source_of(struct export_clients_in *in,
    const struct client_config *cc, const struct upstream_config *uc)
{
	uint32_t number = client_source_number(cc->name);

	for (size_t i = 0; i < in->nsrcs; i++)
		if (in->srcs[i].number == number && in->srcs[i].id == uc->id)
			return &in->srcs[i];
	in->srcs = xgrow_array(in->srcs, &in->cap, in->nsrcs + 1, sizeof *in->srcs);
	in->srcs[in->nsrcs] = (struct in_source){ uc->id, number, false };
	return &in->srcs[in->nsrcs++];
}

/* ---- routes --------------------------------------------------------------------- */

/* One route (a: NULL for a withdrawal). */
static void on_route(struct export_clients_in *in, const struct bgp_vpn_prefix *vp,
    const struct bgp_attrs *a, const uint8_t *nh, size_t nh_len)
{
	const struct config *c = *in->cfg;
	const struct upstream_config *uc = upstream_of(c, &vp->rd);
	const struct client_config *cc;
	struct in_source *s;
	struct bgp_prefix p = vp->p;

	in->st.routes++;
	if (uc == NULL) {
		unknown_upstream(in, &vp->rd);
		return;
	}
	if ((cc = client_of(c, vp->p.path_id, uc->n.name)) == NULL) {
		unknown_client(in, vp->p.path_id, uc->n.name);
		return;
	}
	s = source_of(in, cc, uc);
	if (a && bgp_communities_has(a->communities, BGP_COMM_LLGR_STALE)) {
		if (s->up)
			gateway_client_down(in->gw, cc, uc->n.name);
		s->up = false;
		return;
	}
	if (a && !s->up) {
		gateway_client_up(in->gw, cc, uc->n.name);
		s->up = true;
	}
	p.path_id = 0;
	if (!gateway_source_route(in->gw, cc, uc->n.name, &p, a, nh, nh_len) &&
	    in->st.over_limit++ == 0)
		log_warnx("export host %s: client %s announced more than its max_prefixes of "
		    "%u on upstream %s: the rest is ignored (its instance host should have "
		    "closed it: are the two configurations the same?)", in->host, cc->name,
		    cc->max_prefixes, uc->n.name);
}

static void on_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	on_route(arg, vp, a, nh, nh_len);
}

static void on_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	on_route(arg, vp, NULL, NULL, 0);
}

void export_clients_in_update(struct export_clients_in *in, const struct bgp_update *u,
    const struct session_negotiated *n)
{
	static const struct rib_vpn_import_ops ops = { on_announce, on_withdraw };

	rib_vpn_import(u, &n->rx, &ops, in);
}

void export_clients_in_down(struct export_clients_in *in)
{
	const struct config *c = *in->cfg;
	size_t n = 0;

	for (size_t i = 0; i < in->nsrcs; i++) {
		const struct upstream_config *uc = NULL;
		const struct client_config *cc = NULL;
		if (!in->srcs[i].up)
			continue;
		in->srcs[i].up = false;
		n++;
		for (size_t k = 0; k < c->upstream_count && uc == NULL; k++)
			if (c->upstreams[k].id == in->srcs[i].id)
				uc = &c->upstreams[k];
		if (uc && (cc = client_of(c, in->srcs[i].number, uc->n.name)) != NULL)
			gateway_client_down(in->gw, cc, uc->n.name);
	}
	if (n)
		log_info("export host %s: session down: its %zu clients' routes are held "
		    "down", in->host, n);
}

void export_clients_in_stats(const struct export_clients_in *in,
    struct export_clients_in_stats *st)
{
	*st = in->st;
	st->sources_up = 0;
	for (size_t i = 0; i < in->nsrcs; i++)
		st->sources_up += in->srcs[i].up;
}
