/*
 * fake_kernel.h — a kernel for the data plane's tests (struct
 * dp_kernel_ops): it records every call, keeps the routes it is given per
 * table as a kernel would (route_set adds or replaces, route_del of a
 * route it does not hold is counted in bad_dels; link_del takes the
 * link's addresses too), and can refuse: links
 * (link_fail, an errno) and every route of a flush (refuse_routes,
 * reported to fk.dp through dp_route_failed).
 */
#ifndef BGPMUX_TEST_FAKE_KERNEL_H
#define BGPMUX_TEST_FAKE_KERNEL_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/dataplane.h"

#define FK_MAX 16384

struct fk_route {
	uint32_t table;
	struct bgp_prefix p;
	bool has_gw;
	uint8_t gw[16];
	char oif[16];
	bool onlink;
};

static struct {
	char links[8][64];              /* "name parent mac" */
	size_t nlinks;
	char addrs[8][64];              /* "ifname addr/len" */
	size_t naddrs;
	char rules[16][64];             /* "iif family table prio" */
	size_t nrules;
	struct fk_route routes[FK_MAX];
	size_t nroutes;
	size_t sets, dels, flushes, bad_dels;
	size_t link_dels, rule_dels;
	size_t calls;                   /* every call of every op */
	int link_fail;                  /* errno link_add returns */
	bool refuse_routes;             /* flush reports every route refused */
	struct fk_route sent[DP_BATCH_MAX + 8];
	size_t nsent;
	struct dataplane *dp;           /* the one refusals are reported to */
} fk;

static int fk_find(uint32_t table, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < fk.nroutes; i++)
		if (fk.routes[i].table == table && bgp_prefix_cmp(&fk.routes[i].p, p) == 0)
			return (int)i;
	return -1;
}

static int fk_link_add(const char *name, const char *parent, const uint8_t mac[6], void *arg)
{
	(void)arg;
	fk.calls++;
	snprintf(fk.links[fk.nlinks++], 64, "%s %s %02x:%02x:%02x:%02x:%02x:%02x", name,
	    parent, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return -fk.link_fail;
}

/* Removes the entries of v[0..*n) that start with head; how many. */
static size_t fk_remove(char (*v)[64], size_t *n, const char *head)
{
	size_t k = 0, gone = 0;

	for (size_t i = 0; i < *n; i++) {
		if (strncmp(v[i], head, strlen(head)) == 0) {
			gone++;
			continue;
		}
		memmove(v[k++], v[i], 64);
	}
	*n = k;
	return gone;
}

/* The link and its addresses go, as the kernel's do. */
static int fk_link_del(const char *name, void *arg)
{
	char head[32];
	(void)arg;
	fk.calls++;
	fk.link_dels++;
	snprintf(head, sizeof head, "%s ", name);
	fk_remove(fk.addrs, &fk.naddrs, head);
	return fk_remove(fk.links, &fk.nlinks, head) ? 0 : -ENODEV;
}

static int fk_addr_add(const char *ifname, const struct sockaddr_mux *a, uint8_t len,
    void *arg)
{
	char buf[64];
	(void)arg;
	fk.calls++;
	snprintf(fk.addrs[fk.naddrs++], 64, "%s %s/%u", ifname,
	    sockaddr_ntop(a, buf, sizeof buf), len);
	return 0;
}

static int fk_rule_add(const char *iif, int family, uint32_t table, uint32_t prio, void *arg)
{
	(void)arg;
	fk.calls++;
	snprintf(fk.rules[fk.nrules++], 64, "%s %d %u %u", iif ? iif : "-",
	    family == AF_INET6 ? 6 : 4, table, prio);
	return 0;
}

static int fk_rule_del(const char *iif, int family, uint32_t table, uint32_t prio, void *arg)
{
	char rule[64];
	(void)arg;
	fk.calls++;
	fk.rule_dels++;
	snprintf(rule, 64, "%s %d %u %u", iif ? iif : "-", family == AF_INET6 ? 6 : 4,
	    table, prio);
	return fk_remove(fk.rules, &fk.nrules, rule) ? 0 : -ENOENT;
}

static void fk_route_set(const struct dp_route *r, void *arg)
{
	int i = fk_find(r->table, &r->dst);
	(void)arg;
	fk.calls++;
	fk.sets++;
	if (i < 0) {
		ck_assert_uint_lt(fk.nroutes, FK_MAX);
		i = (int)fk.nroutes++;
	}
	memset(&fk.routes[i], 0, sizeof fk.routes[i]);
	fk.routes[i].table = r->table;
	fk.routes[i].p = r->dst;
	fk.routes[i].has_gw = r->has_gw;
	memcpy(fk.routes[i].gw, r->gw, 16);
	snprintf(fk.routes[i].oif, 16, "%s", r->oif ? r->oif : "");
	fk.routes[i].onlink = r->onlink;
	if (fk.nsent < DP_BATCH_MAX + 8)
		fk.sent[fk.nsent++] = fk.routes[i];
}

static void fk_route_del(uint32_t table, const struct bgp_prefix *p, void *arg)
{
	int i = fk_find(table, p);
	(void)arg;
	fk.calls++;
	fk.dels++;
	if (i < 0) {
		fk.bad_dels++;          /* a route the kernel does not have */
		return;
	}
	fk.routes[i] = fk.routes[--fk.nroutes];
}

static void fk_flush(void *arg)
{
	(void)arg;
	fk.calls++;
	fk.flushes++;
	if (fk.refuse_routes)
		for (size_t i = 0; i < fk.nsent; i++)
			dp_route_failed(fk.dp, fk.sent[i].table, &fk.sent[i].p, ENETUNREACH, NULL);
	fk.nsent = 0;
}

static const struct dp_kernel_ops fk_ops = { fk_link_add, fk_link_del, fk_addr_add,
	fk_rule_add, fk_rule_del, fk_route_set, fk_route_del, fk_flush };

static size_t fk_count(uint32_t table)
{
	size_t n = 0;
	for (size_t i = 0; i < fk.nroutes; i++)
		n += fk.routes[i].table == table;
	return n;
}

static bool fk_has(const char (*v)[64], size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], want) == 0)
			return true;
	return false;
}

#endif
