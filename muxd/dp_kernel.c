/*
 * dp_kernel.c — the data plane's kernel (struct dp_kernel_ops of
 * dataplane/dataplane.h) backed by muxd/kernel: a macvlan made is also
 * set up (ARP and reverse-path settings through netlink, link up); route changes are
 * queued and go to the kernel in batches at flush, and each refusal goes
 * back to the data plane (dp_route_failed), which logs and counts it.
 * Nothing here stops the process or a BGP session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "muxd/dp_kernel.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

/* Interface indexes looked up once per name: a full table's routes name
 * few interfaces. */
#define DPK_IFCACHE 32

struct dpk_if {
	char name[IF_NAMESIZE];
	uint32_t index;
};

struct dp_kernel {
	struct knl *nl;
	struct dataplane *dp;
	struct dpk_if ifs[DPK_IFCACHE];
	size_t nifs;
	struct kroute *set, *del;       /* queued changes */
	size_t nset, ndel, capset, capdel;
	/* an upgrade in place: the macvlans kept (dp_kernel_keep_link) */
	bool adopting;
	char (*kept)[IF_NAMESIZE];
	size_t nkept, capkept;
};

struct dp_kernel *dp_kernel_new(struct knl *nl)
{
	struct dp_kernel *k = xcalloc(1, sizeof *k);

	k->nl = nl;
	return k;
}

void dp_kernel_set_dataplane(struct dp_kernel *k, struct dataplane *dp)
{
	k->dp = dp;
}

void dp_kernel_free(struct dp_kernel *k)
{
	if (k == NULL)
		return;
	free(k->set);
	free(k->del);
	free(k->kept);
	free(k);
}

void dp_kernel_keep_link(struct dp_kernel *k, const char *name)
{
	k->kept = xgrow_array(k->kept, &k->capkept, k->nkept + 1, sizeof *k->kept);
	snprintf(k->kept[k->nkept++], IF_NAMESIZE, "%s", name);
}

void dp_kernel_adopting(struct dp_kernel *k, bool on)
{
	k->adopting = on;
}

/* 0 or a negative errno; failures are logged with knl_error's words. */
static int if_index(struct dp_kernel *k, const char *name, uint32_t *index)
{
	for (size_t i = 0; i < k->nifs; i++)
		if (strcmp(k->ifs[i].name, name) == 0) {
			*index = k->ifs[i].index;
			return 0;
		}
	int err = knl_link_index(k->nl, name, index);
	if (err < 0) {
		log_warnx("dataplane: %s", knl_error(k->nl));
		return err;
	}
	if (k->nifs < DPK_IFCACHE) {
		snprintf(k->ifs[k->nifs].name, IF_NAMESIZE, "%s", name);
		k->ifs[k->nifs++].index = *index;
	}
	return 0;
}

static int logged(struct dp_kernel *k, int err)
{
	if (err < 0)
		log_warnx("dataplane: %s", knl_error(k->nl));
	return err;
}

static bool kept_link(const struct dp_kernel *k, const char *name)
{
	for (size_t i = 0; k->adopting && i < k->nkept; i++)
		if (strcmp(k->kept[i], name) == 0)
			return true;
	return false;
}

/* While adopting, what the kernel already has is what was to be added. */
static int adopted(struct dp_kernel *k, int err)
{
	return err == -EEXIST && k->adopting ? 0 : logged(k, err);
}

/* The macvlan, then what makes it a forwarding identity: it answers ARP
 * only for its own address, takes packets whose source routes out of
 * another interface (rp_filter loose), and is up. */
static int op_link_add(const char *name, const char *parent, const uint8_t mac[6],
    void *arg)
{
	struct dp_kernel *k = arg;
	uint32_t pidx, idx;
	int err;

	if ((err = if_index(k, parent, &pidx)) < 0)
		return err;
	if (!kept_link(k, name) && (err = logged(k, knl_macvlan_add(k->nl, name, pidx,
	    mac))) < 0)
		return err;
	if ((err = if_index(k, name, &idx)) < 0)
		return err;
	if ((err = logged(k, knl_link_devconf(k->nl, idx))) < 0)
		return err;
	if ((err = logged(k, knl_link_devconf(k->nl, pidx))) < 0)
		return err;
	return logged(k, knl_link_up(k->nl, idx));
}

/* The interface and what is on it (its address) go; its index leaves
 * the cache, as a link of the same name made again gets another. */
static int op_link_del(const char *name, void *arg)
{
	struct dp_kernel *k = arg;
	uint32_t idx;
	int err = if_index(k, name, &idx);

	for (size_t i = 0; i < k->nifs; i++)
		if (strcmp(k->ifs[i].name, name) == 0)
			k->ifs[i] = k->ifs[--k->nifs];
	if (err < 0)
		return err;
	return logged(k, knl_link_del(k->nl, idx));
}

static int op_addr_add(const char *ifname, const struct sockaddr_mux *addr,
    uint8_t prefixlen, void *arg)
{
	struct dp_kernel *k = arg;
	uint32_t idx;
	int err = if_index(k, ifname, &idx);
	bool v6 = sockaddr_family(addr) == AF_INET6;
	const void *a = v6 ? (const void *)&addr->u.sin6.sin6_addr
	    : (const void *)&addr->u.sin.sin_addr;

	if (err < 0)
		return err;
	return adopted(k, knl_addr_add(k->nl, idx, v6 ? AF_INET6 : AF_INET, a, prefixlen));
}

static int rule_change(bool add, const char *iif, int family, uint32_t table,
    uint32_t priority, void *arg)
{
	struct dp_kernel *k = arg;
	struct krule r = { .family = (uint8_t)family, .table = table, .priority = priority };

	if (iif)
		snprintf(r.iifname, sizeof r.iifname, "%s", iif);
	return add ? adopted(k, knl_rule_add(k->nl, &r)) : logged(k, knl_rule_del(k->nl, &r));
}

static int op_rule_add(const char *iif, int family, uint32_t table, uint32_t priority,
    void *arg)
{
	return rule_change(true, iif, family, table, priority, arg);
}

static int op_rule_del(const char *iif, int family, uint32_t table, uint32_t priority,
    void *arg)
{
	return rule_change(false, iif, family, table, priority, arg);
}

static void to_kroute(const struct bgp_prefix *dst, uint32_t table, struct kroute *kr)
{
	memset(kr, 0, sizeof *kr);
	kr->family = dst->afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;
	kr->dst_len = dst->len;
	kr->table = table;
	memcpy(kr->dst, dst->addr, kmsg_addr_len(kr->family));
}

static void to_prefix(const struct kroute *kr, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = kr->family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	p->len = kr->dst_len;
	memcpy(p->addr, kr->dst, kmsg_addr_len(kr->family));
}

/* A full queue goes to the kernel first: the queue stays bounded even if
 * the data plane flushes late. */
static struct kroute *queue_slot(struct dp_kernel *k, bool set)
{
	size_t *n = set ? &k->nset : &k->ndel;

	if (*n >= DP_BATCH_MAX)
		dp_kernel_flush(k);
	if (set)
		k->set = xgrow_array(k->set, &k->capset, k->nset + 1, sizeof *k->set);
	else
		k->del = xgrow_array(k->del, &k->capdel, k->ndel + 1, sizeof *k->del);
	return set ? &k->set[k->nset++] : &k->del[k->ndel++];
}

static void op_route_set(const struct dp_route *r, void *arg)
{
	struct dp_kernel *k = arg;
	struct kroute kr;
	uint32_t oif = 0;

	to_kroute(&r->dst, r->table, &kr);
	if (r->oif && if_index(k, r->oif, &oif) < 0) {
		if (k->dp)
			dp_route_failed(k->dp, r->table, &r->dst, ENODEV, "no such interface");
		return;
	}
	kr.oif = oif;
	kr.has_gw = r->has_gw;
	if (r->has_gw)
		memcpy(kr.gw, r->gw, sizeof kr.gw);
	kr.onlink = r->onlink;
	*queue_slot(k, true) = kr;
}

static void op_route_del(uint32_t table, const struct bgp_prefix *dst, void *arg)
{
	struct dp_kernel *k = arg;
	struct kroute kr;

	to_kroute(dst, table, &kr);
	*queue_slot(k, false) = kr;
}

static void route_refused(const struct kroute *r, int err, const char *ext, void *arg)
{
	struct dp_kernel *k = arg;
	struct bgp_prefix p;
	char why[256];

	to_prefix(r, &p);
	kroute_error_str(r, err, ext, why, sizeof why);
	if (k->dp)
		dp_route_failed(k->dp, r->table, &p, err, why);
	else
		log_warnx("dataplane: %s", why);
}

/* Sent again after its batch failed: a deletion that finds its route gone
 * is done (the batch may have taken it). */
static void del_refused_again(const struct kroute *r, int err, const char *ext, void *arg)
{
	if (err != ESRCH)
		route_refused(r, err, ext, arg);
}

/* The socket failed the batch v[0..n) as a whole, from v[done] on: one
 * line says so with the reason, it counts as a netlink error, and the
 * routes whose fate is unknown go again one per sendmsg (what a full
 * socket buffer or a sendmsg too large for it still takes). If one of
 * those fails at the socket too, it and the rest are counted as route
 * errors: nothing is lost without a count. */
static void batch_failed(struct dp_kernel *k, enum kroute_op op, const struct kroute *v,
    size_t n, size_t done)
{
	knl_route_fail_fn *again = op == KROUTE_DEL ? del_refused_again : route_refused;
	char why[256];
	size_t failed, i;

	snprintf(why, sizeof why, "%s", knl_error(k->nl));
	for (i = done; i < n; i++)
		if (knl_routes_apply(k->nl, op, &v[i], 1, again, k, &failed, NULL) < 0)
			break;
	if (i == n)
		log_warnx("dataplane: route batch of %zu failed: %s; its %zu unconfirmed "
		    "route(s) sent again one by one", n, why, n - done);
	else
		log_warnx("dataplane: route batch of %zu failed: %s; sent again one by one, "
		    "%s: %zu route(s) not installed, counted as route errors", n, why,
		    knl_error(k->nl), n - i);
	if (k->dp == NULL)
		return;
	dp_batch_failed(k->dp);
	for (; i < n; i++)
		dp_route_lost(k->dp, v[i].table);
}

static void apply(struct dp_kernel *k, enum kroute_op op, const struct kroute *v, size_t n)
{
	size_t failed, done;

	if (n > 0 && knl_routes_apply(k->nl, op, v, n, route_refused, k, &failed, &done) < 0)
		batch_failed(k, op, v, n, done);
}

void dp_kernel_flush(struct dp_kernel *k)
{
	size_t nset = k->nset, ndel = k->ndel;

	k->nset = k->ndel = 0;
	apply(k, KROUTE_DEL, k->del, ndel);
	apply(k, KROUTE_REPLACE, k->set, nset);
}

static void op_flush(void *arg)
{
	dp_kernel_flush(arg);
}

const struct dp_kernel_ops dp_kernel_ops = {
	.link_add = op_link_add,
	.link_del = op_link_del,
	.addr_add = op_addr_add,
	.rule_add = op_rule_add,
	.rule_del = op_rule_del,
	.route_set = op_route_set,
	.route_del = op_route_del,
	.flush = op_flush,
};
