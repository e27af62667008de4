/*
 * dataplane.c — the data plane's life, the instances' forwarding
 * identities (macvlan, MAC, address, rule), "fib": "default" and the
 * status (dataplane.h says what the kernel is made to hold).
 */
#include "dataplane/dataplane.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

void dp_instance_ifname(uint16_t id, char name[16])
{
	snprintf(name, 16, "mux%u", (unsigned)id);
}

void dp_instance_mac(uint16_t id, uint8_t mac[6])
{
	/* 0x02: locally administered, unicast; then "bmx" and the id */
	static const uint8_t head[4] = { 0x02, 0x62, 0x6d, 0x78 };

	memcpy(mac, head, sizeof head);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

/* An upstream is a forwarding identity when its instance announces
 * itself as the next hop: only then do clients send packets to it. */
static void up_init(struct dataplane *dp, struct dp_up *u, const struct upstream_config *uc)
{
	free(u->name);
	u->name = xstrdup(uc->n.name);
	u->id = uc->id;
	u->remote = uc->n.remote;
	u->addr = uc->instance.addr;
	dp_instance_ifname(uc->id, u->ifname);
	dp_instance_mac(uc->id, u->mac);
	u->t.id = dataplane_table(&dp->cfg->dataplane, uc);
}

static struct dp_up *add_upstream(struct dataplane *dp, const struct upstream_config *uc)
{
	struct dp_up *u = xcalloc(1, sizeof *u);

	dp->ups = xgrow_array(dp->ups, &dp->capups, dp->nups + 1, sizeof *dp->ups);
	dp->ups[dp->nups++] = u;
	u->dp = dp;
	up_init(dp, u, uc);
	return u;
}

static void up_free(struct dp_up *u)
{
	dp_fib_detach(u);
	dp_fib_forget(u);
	free(u->name);
	free(u);
}

struct dataplane *dp_new(struct event_base *base, const struct config *cfg,
    const struct dp_kernel_ops *ops, void *arg)
{
	struct dataplane *dp;

	if (!cfg->dataplane.enabled)
		return NULL;
	dp = xcalloc(1, sizeof *dp);
	dp->base = base;
	dp->cfg = cfg;
	dp->ops = ops;
	dp->arg = arg;
	dp->parent = xstrdup(cfg->dataplane.client_interface);
	dp->table_base = cfg->dataplane.table_base;
	dp->fib = cfg->dataplane.fib;
	dp->inbound.id = dp->table_base + DP_INBOUND_ID;
	for (size_t i = 0; i < cfg->upstream_count; i++)
		if (cfg->upstreams[i].instance.next_hop_self)
			add_upstream(dp, &cfg->upstreams[i]);
	return dp;
}

void dp_free(struct dataplane *dp)
{
	if (dp == NULL)
		return;
	dp_detach_gateway(dp);
	dpq_clear(dp);          /* queued changes point at the tables freed next */
	for (size_t i = 0; i < dp->nups; i++)
		up_free(dp->ups[i]);
	dp_inbound_free(dp);
	if (dp->flush_ev)
		event_free(dp->flush_ev);
	free(dp->ups);
	free(dp->parent);
	free(dp);
}

void dp_set_config(struct dataplane *dp, const struct config *cfg)
{
	if (dp == NULL)
		return;
	dp->cfg = cfg;
	dp_inbound_resync(dp);
}

struct dp_up *dp_up_by_name(struct dataplane *dp, const char *name)
{
	for (size_t i = 0; i < dp->nups; i++)
		if (!dp->ups[i]->retired && strcmp(dp->ups[i]->name, name) == 0)
			return dp->ups[i];
	return NULL;
}

/* ---- start: identities, rules, default routes ------------------------------- */

static size_t refused(struct dp_table *t, int rc, const char *what, const char *name)
{
	if (rc == 0)
		return 0;
	t->errors++;
	log_warnx("dataplane: %s %s: refused: %s", what, name, strerror(-rc));
	return 1;
}

static uint8_t host_len(const struct sockaddr_mux *a)
{
	return sockaddr_family(a) == AF_INET6 ? 128 : 32;
}

/* The macvlan, its address and the rules that send its packets to the
 * upstream's table. */
static size_t start_identity(struct dataplane *dp, struct dp_up *u)
{
	const struct dp_kernel_ops *o = dp->ops;
	size_t bad = 0;

	bad += refused(&u->t, o->link_add(u->ifname, dp->parent, u->mac, dp->arg),
	    "macvlan", u->ifname);
	if (bad)
		return bad;     /* no link: no address or rule can name it */
	u->identity = true;
	bad += refused(&u->t, o->addr_add(u->ifname, &u->addr, host_len(&u->addr), dp->arg),
	    "address on", u->ifname);
	bad += refused(&u->t, o->rule_add(u->ifname, AF_INET, u->t.id, DP_RULE_PRIORITY,
	    dp->arg), "IPv4 rule for", u->ifname);
	bad += refused(&u->t, o->rule_add(u->ifname, AF_INET6, u->t.id, DP_RULE_PRIORITY,
	    dp->arg), "IPv6 rule for", u->ifname);
	return bad;
}

/* Whether the upstream's session carries afi. */
static bool has_afi(const struct dataplane *dp, const struct dp_up *u, uint16_t afi)
{
	const struct upstream_config *uc = config_upstream(dp->cfg, u->name);

	for (size_t i = 0; uc && i < uc->n.family_count; i++)
		if (uc->n.families[i].afi == afi)
			return true;
	return false;
}

/* One default route per family the upstream has, via its address (or
 * its removal: want false); a family of the other kind than the address
 * has no gateway to go by. */
static void default_routes(struct dataplane *dp, struct dp_up *u, bool want)
{
	static const uint16_t afis[] = { BGP_AFI_IPV4, BGP_AFI_IPV6 };
	bool v6 = sockaddr_family(&u->remote) == AF_INET6;
	const uint8_t *gw = v6 ? (const uint8_t *)&u->remote.u.sin6.sin6_addr
	    : (const uint8_t *)&u->remote.u.sin.sin_addr;

	for (size_t i = 0; i < 2; i++) {
		struct bgp_prefix any = { .afi = afis[i] };
		if (!has_afi(dp, u, afis[i]))
			continue;
		if ((afis[i] == BGP_AFI_IPV6) != v6) {
			if (!want)
				continue;
			u->t.skipped++;
			log_warnx("dataplane: table %u: no %s default route: upstream %s's "
			    "address is of the other family", u->t.id,
			    v6 ? "IPv4" : "IPv6", u->name);
			continue;
		}
		dpq_put(dp, &u->t, &any, !want, want, gw, NULL);
	}
}

size_t dp_start(struct dataplane *dp)
{
	size_t bad = 0;
	uint32_t last = dp->inbound.id;

	bad += refused(&dp->inbound, dp->ops->rule_add(NULL, AF_INET, dp->inbound.id,
	    DP_RULE_PRIORITY, dp->arg), "IPv4 rule for", "the inbound table");
	bad += refused(&dp->inbound, dp->ops->rule_add(NULL, AF_INET6, dp->inbound.id,
	    DP_RULE_PRIORITY, dp->arg), "IPv6 rule for", "the inbound table");
	for (size_t i = 0; i < dp->nups; i++) {
		bad += start_identity(dp, dp->ups[i]);
		if (dp->ups[i]->t.id > last)
			last = dp->ups[i]->t.id;
		if (dp->fib == DATAPLANE_FIB_DEFAULT)
			default_routes(dp, dp->ups[i], true);
	}
	log_info("dataplane: %zu instance(s) on %s, tables %u..%u, fib %s%s", dp->nups,
	    dp->parent, dp->inbound.id, last,
	    dataplane_fib_name(dp->fib), bad ? " (with refusals)" : "");
	return bad;
}

/* ---- an upgrade in place: what the tables are to hold ----------------------- */

bool dp_settled(const struct dataplane *dp)
{
	if (dp->q.head < dp->q.n)
		return false;
	for (size_t i = 0; i < dp->nups; i++)
		if (dp->ups[i]->walking || dp->ups[i]->gone.n > 0 || dp->ups[i]->retired)
			return false;
	return true;
}

/* "fib": "default": the default route of a family the upstream has, of
 * its address's family (default_routes). */
static bool default_wanted(const struct dataplane *dp, const struct dp_up *u,
    const struct bgp_prefix *dst)
{
	bool v6 = sockaddr_family(&u->remote) == AF_INET6;

	return dst->len == 0 && (dst->afi == BGP_AFI_IPV6) == v6 && has_afi(dp, u, dst->afi);
}

bool dp_route_wanted(struct dataplane *dp, uint32_t table, const struct bgp_prefix *dst)
{
	if (table == dp->inbound.id)
		return dp_inbound_wants(dp, dst);
	for (size_t i = 0; i < dp->nups; i++) {
		const struct dp_up *u = dp->ups[i];
		if (u->retired || !u->identity || u->t.id != table)
			continue;
		return dp->fib == DATAPLANE_FIB_DEFAULT ? default_wanted(dp, u, dst)
		    : dp_fib_wants(u, dst);
	}
	return false;
}

void dp_flush(struct dataplane *dp)
{
	dpq_flush(dp);
}

/* ---- route errors and status -------------------------------------------------- */

static struct dp_table *table_of(struct dataplane *dp, uint32_t table)
{
	if (table == dp->inbound.id)
		return &dp->inbound;
	for (size_t i = 0; i < dp->nups; i++)
		if (dp->ups[i]->t.id == table)
			return &dp->ups[i]->t;
	return NULL;
}

void dp_route_failed(struct dataplane *dp, uint32_t table, const struct bgp_prefix *dst,
    int err, const char *why)
{
	struct dp_table *t = table_of(dp, table);
	char pfx[BGP_PREFIX_STRLEN];

	bgp_prefix_format(dst, pfx, sizeof pfx);
	if (t)
		t->errors++;
	log_warnx("dataplane: route %s table %u refused: %s", pfx, table,
	    why ? why : strerror(err));
}

void dp_batch_failed(struct dataplane *dp)
{
	dp->batch_errors++;
}

void dp_route_lost(struct dataplane *dp, uint32_t table)
{
	struct dp_table *t = table_of(dp, table);

	if (t)
		t->errors++;
}

uint64_t dp_batch_errors(const struct dataplane *dp)
{
	return dp->batch_errors;
}

/* The i-th upstream that is not retired, or NULL. */
static const struct dp_up *live_up(const struct dataplane *dp, size_t i)
{
	for (size_t k = 0; k < dp->nups; k++)
		if (!dp->ups[k]->retired && i-- == 0)
			return dp->ups[k];
	return NULL;
}

size_t dp_tables(const struct dataplane *dp)
{
	size_t n = 1;

	for (size_t k = 0; k < dp->nups; k++)
		n += !dp->ups[k]->retired;
	return n;
}

void dp_table_stats(const struct dataplane *dp, size_t i, struct dp_table_stats *st)
{
	const struct dp_table *t = &dp->inbound;

	const struct dp_up *u = live_up(dp, i);

	memset(st, 0, sizeof *st);
	if (u != NULL) {
		t = &u->t;
		st->upstream = u->name;
		memcpy(st->ifname, u->ifname, sizeof st->ifname);
		memcpy(st->mac, u->mac, sizeof st->mac);
	}
	st->table = t->id;
	st->routes = t->routes;
	st->pending = t->pending;
	st->coalesced = t->coalesced;
	st->errors = t->errors;
	st->skipped = t->skipped;
}

/* ---- reload: identities that go, change or come ------------------------------ */

/* The rules, then the macvlan with its address. */
static size_t drop_identity(struct dataplane *dp, struct dp_up *u)
{
	const struct dp_kernel_ops *o = dp->ops;
	size_t bad = 0;

	if (!u->identity)
		return 0;
	u->identity = false;
	bad += refused(&u->t, o->rule_del(u->ifname, AF_INET, u->t.id, DP_RULE_PRIORITY,
	    dp->arg), "removing the IPv4 rule for", u->ifname);
	bad += refused(&u->t, o->rule_del(u->ifname, AF_INET6, u->t.id, DP_RULE_PRIORITY,
	    dp->arg), "removing the IPv6 rule for", u->ifname);
	bad += refused(&u->t, o->link_del(u->ifname, dp->arg), "removing macvlan", u->ifname);
	return bad;
}

void dp_sweep(struct dataplane *dp)
{
	size_t k = 0;

	for (size_t i = 0; i < dp->nups; i++) {
		struct dp_up *u = dp->ups[i];
		if (u->retired && u->t.pending == 0 && u->gone.n == 0) {
			drop_identity(dp, u);
			log_info("dataplane: %s and table %u removed", u->ifname, u->t.id);
			up_free(u);
			continue;
		}
		dp->ups[k++] = u;
	}
	dp->nups = k;
}

/* Its table's routes go (a feed's a batch a loop pass); its identity
 * with them (dp_sweep), or now when another takes its place (drop). Runs
 * with the old configuration still dp->cfg (default_routes reads it). */
static size_t retire(struct dataplane *dp, struct dp_up *u, bool drop)
{
	log_info("dataplane: %s (table %u) leaves the configuration or changes: its "
	    "routes go, then its macvlan and rules", u->ifname, u->t.id);
	if (u->feed != NULL)
		dp_detach_feed(dp, u->name);
	else if (dp->fib == DATAPLANE_FIB_DEFAULT)
		default_routes(dp, u, false);
	u->retired = true;
	dp_kick(dp);
	return drop ? drop_identity(dp, u) : 0;
}

/* A retired upstream of that table: its routes still going, it takes
 * the new one's place (the queue holds its table's changes in order). */
static struct dp_up *retired_of(struct dataplane *dp, uint32_t table)
{
	for (size_t i = 0; i < dp->nups; i++)
		if (dp->ups[i]->retired && dp->ups[i]->t.id == table)
			return dp->ups[i];
	return NULL;
}

/* An identity for cfg->upstreams[i], as dp_start gives it: u's (an
 * upstream that stays without one), a retired one's of the same table, or
 * a new one's. */
static size_t arrive(struct dataplane *dp, size_t i, struct dp_up *u, struct feed *feed)
{
	const struct upstream_config *uc = &dp->cfg->upstreams[i];
	bool kept = u != NULL;          /* its table and routes stay as they are */
	size_t bad = 0;

	if (u == NULL && (u = retired_of(dp, dataplane_table(&dp->cfg->dataplane, uc)))) {
		u->retired = false;
		if (u->identity && !sockaddr_equal(&u->addr, &uc->instance.addr))
			bad += drop_identity(dp, u);
	}
	if (u != NULL)
		up_init(dp, u, uc);
	else
		u = add_upstream(dp, uc);
	if (!u->identity)
		bad += start_identity(dp, u);
	log_info("dataplane: %s for upstream %s, table %u%s", u->ifname, u->name, u->t.id,
	    bad ? " (with refusals)" : "");
	if (dp->fib == DATAPLANE_FIB_DEFAULT && !kept)
		default_routes(dp, u, true);
	if (feed != NULL)
		dp_attach_feed(dp, u->name, feed);
	return bad;
}

/* "fib": "default" of an upstream that stays in its table: its default
 * routes go by its address and families, so a change of either re-points
 * them (the removal and the new route of one prefix meet in the queue as
 * one replace: the table is never without a default route). */
static bool defaults_move(const struct dataplane *dp, const struct dp_up *u,
    const struct upstream_config *nu)
{
	const struct upstream_config *old = config_upstream(dp->cfg, u->name);

	return dp->fib == DATAPLANE_FIB_DEFAULT && old != NULL &&
	    (!sockaddr_equal(&nu->n.remote, &u->remote) ||
	    !neighbor_families_equal(&old->n, &nu->n));
}

size_t dp_reconfigure(struct dataplane *dp, const struct config *cfg,
    dp_admit_fn *admit, void *arg)
{
	struct feed **carry;
	bool *repoint;
	size_t bad = 0;

	if (dp == NULL)
		return 0;
	carry = xcalloc(cfg->upstream_count ? cfg->upstream_count : 1, sizeof *carry);
	repoint = xcalloc(cfg->upstream_count ? cfg->upstream_count : 1, sizeof *repoint);
	for (size_t i = 0; i < dp->nups; i++) {
		struct dp_up *u = dp->ups[i];
		const struct upstream_config *nu = config_upstream(cfg, u->name);
		bool stays = nu != NULL && nu->instance.next_hop_self;
		if (u->retired)
			continue;
		if (!stays || nu->id != u->id) {
			if (stays)      /* the same view, another table: it follows */
				carry[nu - cfg->upstreams] = u->feed;
			bad += retire(dp, u, stays);
			continue;
		}
		if (!sockaddr_equal(&nu->instance.addr, &u->addr))
			/* the same table: only the macvlan and its address move */
			bad += drop_identity(dp, u);
		if (defaults_move(dp, u, nu)) {
			default_routes(dp, u, false);   /* by the old families */
			repoint[nu - cfg->upstreams] = true;
		}
	}
	dp->cfg = cfg;
	for (size_t i = 0; i < cfg->upstream_count; i++) {
		struct dp_up *u = dp_up_by_name(dp, cfg->upstreams[i].n.name);
		if (repoint[i]) {
			u->remote = cfg->upstreams[i].n.remote;
			default_routes(dp, u, true);
		}
		/* one without an identity (moved, or refused by the kernel at
		 * the last reload) gets one */
		if (cfg->upstreams[i].instance.next_hop_self && (u == NULL || !u->identity) &&
		    admit(cfg, i, arg))
			bad += arrive(dp, i, u, carry[i]);
	}
	free(carry);
	free(repoint);
	dp_kick(dp);
	return bad;
}
