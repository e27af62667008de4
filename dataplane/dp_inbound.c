/*
 * dp_inbound.c — packets to a client's prefixes go to the client: a
 * route per prefix the gateway announces, via the client's address on
 * client_interface, in the inbound table.
 *
 * The gateway says, per upstream, what that upstream is sent and on
 * whose behalf (gateway_subscribe; origin.h decides, after hold-down and
 * damping), so the data plane follows exactly what the upstreams hear: a
 * prefix is routed while at least one upstream is announced it, to the
 * client that owns it toward the upstream with the lowest id (two
 * clients may hold one prefix toward different upstreams), and the route
 * goes when the last upstream is sent its withdrawal.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"
#include "instances/gateway.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

static const struct bgp_prefix *in_at(size_t i, const void *arg)
{
	return &((const struct dataplane *)arg)->in[i]->p;
}

/* The position of p in dp->in, or where it would go (*found false). */
static size_t in_find(const struct dataplane *dp, const struct bgp_prefix *p, bool *found)
{
	return bgp_prefix_search(dp->nin, in_at, dp, p, found);
}

static struct dp_in *in_get(struct dataplane *dp, const struct bgp_prefix *p, bool create)
{
	bool found;
	size_t i = in_find(dp, p, &found);
	struct dp_in *in;

	if (found || !create)
		return found ? dp->in[i] : NULL;
	dp->in = xgrow_array(dp->in, &dp->incap, dp->nin + 1, sizeof *dp->in);
	memmove(&dp->in[i + 1], &dp->in[i], (dp->nin - i) * sizeof *dp->in);
	in = xcalloc(1, sizeof *in);
	in->p = *p;
	dp->in[i] = in;
	dp->nin++;
	return in;
}

static void in_drop(struct dataplane *dp, struct dp_in *in)
{
	bool found;
	size_t i = in_find(dp, &in->p, &found);

	for (size_t k = 0; k < in->n; k++)
		free(in->v[k].owner);
	free(in->v);
	free(in);
	memmove(&dp->in[i], &dp->in[i + 1], (dp->nin - i - 1) * sizeof *dp->in);
	dp->nin--;
}

/* The address of client owner (a range's member is "NAME@ADDRESS"). */
static bool owner_addr(const struct dataplane *dp, const char *owner,
    struct sockaddr_mux *out)
{
	const char *at;

	for (size_t i = 0; i < dp->cfg->client_count; i++) {
		const struct client_config *cc = &dp->cfg->clients[i];
		if (strcmp(cc->name, owner) == 0 && cc->range_len == 0) {
			*out = cc->addr;
			return true;
		}
	}
	at = strrchr(owner, '@');
	return at && sockaddr_parse(at + 1, 0, out);
}

/* Where p's packets go now: false for nowhere. */
static bool in_target(struct dataplane *dp, const struct dp_in *in, uint8_t via[16])
{
	const struct dp_in_owner *best = NULL;
	struct sockaddr_mux a;
	int family = in->p.afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;

	for (size_t k = 0; k < in->n; k++)
		if (best == NULL || in->v[k].id < best->id)
			best = &in->v[k];
	if (best == NULL)
		return false;
	if (!owner_addr(dp, best->owner, &a) || sockaddr_family(&a) != family) {
		char pfx[BGP_PREFIX_STRLEN];
		bgp_prefix_format(&in->p, pfx, sizeof pfx);
		dp->inbound.skipped++;
		log_warnx("dataplane: no inbound route for %s: client %s has no address of "
		    "its family", pfx, best->owner);
		return false;
	}
	memset(via, 0, 16);
	memcpy(via, family == AF_INET6 ? (const void *)&a.u.sin6.sin6_addr
	    : (const void *)&a.u.sin.sin_addr, dp_addr_len(in->p.afi));
	return true;
}

/* Bring the route of in in line with its owners; in may be freed. */
static void in_sync(struct dataplane *dp, struct dp_in *in)
{
	uint8_t via[16];
	bool want = in_target(dp, in, via);

	if (want && (!in->installed || memcmp(via, in->via, sizeof via) != 0))
		dpq_put(dp, &dp->inbound, &in->p, in->installed, true, via, dp->parent);
	else if (!want && in->installed)
		dpq_put(dp, &dp->inbound, &in->p, true, false, NULL, NULL);
	in->installed = want;
	memcpy(in->via, want ? via : in->via, sizeof via);
	if (in->n == 0)
		in_drop(dp, in);
}

/* Upstream id is sent p for owner (len > 0), or p's withdrawal. */
static void on_gateway(const struct bgp_prefix *p0, const uint8_t *attrs, size_t len,
    const char *owner, void *arg)
{
	struct dp_insub *s = arg;
	struct bgp_prefix p = *p0;
	struct dp_in *in;
	size_t k;
	(void)attrs;

	p.path_id = 0;
	if ((in = in_get(s->dp, &p, len > 0)) == NULL)
		return;
	for (k = 0; k < in->n && in->v[k].id != s->id; k++)
		;
	if (k < in->n) {
		free(in->v[k].owner);
		in->v[k] = in->v[--in->n];
	}
	if (len > 0) {
		if (in->n == in->cap)
			in->v = xgrow_array(in->v, &in->cap, in->n + 1, sizeof *in->v);
		in->v[in->n++] = (struct dp_in_owner){ s->id, xstrdup(owner ? owner : "") };
	}
	in_sync(s->dp, in);
}

static bool configured_id(const struct config *cfg, uint16_t id)
{
	for (size_t i = 0; i < cfg->upstream_count; i++)
		if (cfg->upstreams[i].id == id)
			return true;
	return false;
}

/* Owners toward an upstream the configuration no longer has (a reload
 * removed it): no withdrawal of theirs comes once it is gone. */
static void drop_gone_owners(struct dataplane *dp)
{
	for (size_t i = 0; i < dp->nin;) {
		struct dp_in *in = dp->in[i];
		size_t n = in->n, before = dp->nin;
		for (size_t k = 0; k < in->n;) {
			if (configured_id(dp->cfg, in->v[k].id)) {
				k++;
				continue;
			}
			free(in->v[k].owner);
			in->v[k] = in->v[--in->n];
		}
		if (in->n != n)
			in_sync(dp, in);        /* may drop it */
		i += dp->nin == before;
	}
}

void dp_attach_gateway(struct dataplane *dp, struct gateway *gw)
{
	const struct config *cfg;

	if (dp == NULL)
		return;
	dp_detach_gateway(dp);
	drop_gone_owners(dp);
	cfg = dp->cfg;
	dp->gw = gw;
	dp->insubs = xcalloc(cfg->upstream_count ? cfg->upstream_count : 1,
	    sizeof *dp->insubs);
	for (size_t i = 0; i < cfg->upstream_count; i++) {
		struct dp_insub *s = &dp->insubs[dp->ninsubs++];
		*s = (struct dp_insub){ dp, cfg->upstreams[i].id };
		gateway_subscribe(gw, cfg->upstreams[i].n.name, on_gateway, s);
		gateway_each(gw, cfg->upstreams[i].n.name, on_gateway, s);
	}
}

void dp_detach_gateway(struct dataplane *dp)
{
	if (dp == NULL || dp->gw == NULL)
		return;
	for (size_t i = 0; i < dp->ninsubs; i++)
		gateway_unsubscribe(dp->gw, &dp->insubs[i]);
	free(dp->insubs);
	dp->insubs = NULL;
	dp->ninsubs = 0;
	dp->gw = NULL;
}

void dp_inbound_resync(struct dataplane *dp)
{
	/* every entry has an owner (in_sync drops one with none), so none
	 * goes while this runs */
	for (size_t i = 0; i < dp->nin; i++)
		in_sync(dp, dp->in[i]);
}

bool dp_inbound_wants(const struct dataplane *dp, const struct bgp_prefix *p)
{
	bool found;
	size_t i = in_find(dp, p, &found);

	return found && dp->in[i]->installed;
}

void dp_inbound_free(struct dataplane *dp)
{
	while (dp->nin)
		in_drop(dp, dp->in[dp->nin - 1]);
	free(dp->in);
	dp->in = NULL;
	dp->incap = 0;
}
