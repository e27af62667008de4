/*
 * dp_host.c — the data plane on this host: with a "dataplane" key, the
 * checks at start (the client interface exists, no instance address is
 * taken by another interface, IP forwarding is on, muxd's table range and
 * rule priority hold nothing of anyone else), the clean-up of what a
 * previous run left (or, in an upgrade in place, the adoption of what the
 * previous process left), the state installed (dataplane/dataplane.h
 * through muxd/dp_kernel.h), and its removal at stop. Without the key nothing
 * here runs: not even a netlink socket is opened.
 *
 * What muxd owns in the kernel: routes of protocol KMSG_RTPROT_BGPMUX in
 * tables table_base .. table_base + the largest upstream id, rules at
 * DP_RULE_PRIORITY, and the macvlans of its instances. A run with another
 * configuration may have left more: the clean-up goes by what any
 * upstream id could have made (tables up to table_base + 65,535, a rule
 * "iif muxN lookup table_base+N", a macvlan on client_interface with the
 * MAC and name of some id N), so an upstream removed from the
 * configuration leaves nothing behind, and an operator's interface
 * (another MAC, another parent, another name) is never touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dataplane/dataplane.h"
#include "muxd/daemon_int.h"
#include "muxd/dp_kernel.h"
#include "muxd/kernel/knl.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

/* The tables muxd owns. */
static struct kroute_filter our_tables(const struct config *cfg)
{
	struct kroute_filter f = { .table_min = cfg->dataplane.table_base,
	    .table_max = cfg->dataplane.table_base };

	for (size_t i = 0; i < cfg->upstream_count; i++) {
		uint32_t t = dataplane_table(&cfg->dataplane, &cfg->upstreams[i]);
		if (t > f.table_max)
			f.table_max = t;
	}
	return f;
}

/* Every table a run with this table_base could have used: upstream ids
 * are 16 bits. */
static struct kroute_filter any_tables(const struct config *cfg)
{
	struct kroute_filter f = { .table_min = cfg->dataplane.table_base };
	uint64_t last = (uint64_t)cfg->dataplane.table_base + UINT16_MAX;

	f.table_max = last < UINT32_MAX ? (uint32_t)last : UINT32_MAX - 1;
	return f;
}

/* A rule as muxd makes them, for the id its table says: "iif muxN lookup
 * table_base+N" (an instance's) or "lookup table_base" (the inbound
 * table's), at DP_RULE_PRIORITY. */
static bool our_rule(const struct config *cfg, const struct krule *r)
{
	uint32_t base = cfg->dataplane.table_base;
	char name[16];

	if (r->priority != DP_RULE_PRIORITY || r->table < base ||
	    r->table - base > UINT16_MAX)
		return false;
	if (r->table == base + DP_INBOUND_ID)
		return r->iifname[0] == 0;
	dp_instance_ifname((uint16_t)(r->table - base), name);
	return strcmp(r->iifname, name) == 0;
}

/* The macvlans of muxd's instances: on client_interface, with the MAC
 * dp_instance_mac() gives some id and the name dp_instance_ifname() gives
 * the same id. */
struct our_links {
	uint32_t parent;
	struct {
		uint32_t index;
		char name[IF_NAMESIZE];
	} v[64];
	size_t n;
	bool full;
};

static bool is_our_link(const struct klink *l, uint32_t parent)
{
	uint8_t mac[6];
	char name[16];
	uint16_t id;

	if (strcmp(l->kind, "macvlan") != 0 || l->parent != parent || !l->has_mac)
		return false;
	id = (uint16_t)(l->mac[4] << 8 | l->mac[5]);
	dp_instance_mac(id, mac);
	dp_instance_ifname(id, name);
	return memcmp(mac, l->mac, sizeof mac) == 0 && strcmp(name, l->name) == 0;
}

static void our_link(const struct klink *l, void *arg)
{
	struct our_links *o = arg;

	if (!is_our_link(l, o->parent))
		return;
	if (o->n == sizeof o->v / sizeof o->v[0]) {
		o->full = true;
		return;
	}
	o->v[o->n].index = l->index;
	memcpy(o->v[o->n++].name, l->name, IF_NAMESIZE);
}

/* The first 64 macvlans of muxd's instances there are (o->full: more). */
static int find_our_links(struct knl *nl, struct our_links *o)
{
	o->n = 0;
	o->full = false;
	return knl_links_dump(nl, our_link, o);
}

/* An interface muxd makes: a configured instance's, or one a run with
 * other upstreams left (in o). */
static bool our_ifname(const struct config *cfg, const struct our_links *o,
    const char *name)
{
	char ours[16];

	for (size_t i = 0; i < cfg->upstream_count; i++) {
		dp_instance_ifname(cfg->upstreams[i].id, ours);
		if (strcmp(ours, name) == 0)
			return true;
	}
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].name, name) == 0)
			return true;
	return false;
}

static bool sysctl_on(const char *path)
{
	char v[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	ssize_t n = read(fd, v, sizeof v - 1);
	close(fd);
	return n > 0 && v[0] != '0';
}

static bool check_forwarding(const struct config *cfg)
{
	bool v6 = false;

	for (size_t i = 0; i < cfg->upstream_count; i++)
		if (cfg->upstreams[i].instance.next_hop_self &&
		    sockaddr_family(&cfg->upstreams[i].instance.addr) == AF_INET6)
			v6 = true;
	if (!sysctl_on("/proc/sys/net/ipv4/ip_forward")) {
		log_warnx("$.dataplane: net.ipv4.ip_forward is off, so the instances "
		    "would forward no packet: turn it on (sysctl -w net.ipv4.ip_forward=1, "
		    "and in /etc/sysctl.d/ to keep it) and start muxd again");
		return false;
	}
	if (v6 && !sysctl_on("/proc/sys/net/ipv6/conf/all/forwarding")) {
		log_warnx("$.dataplane: net.ipv6.conf.all.forwarding is off and an instance "
		    "has an IPv6 address: turn it on (sysctl -w "
		    "net.ipv6.conf.all.forwarding=1) and start muxd again");
		return false;
	}
	return true;
}

static bool same_addr(const struct sockaddr *sa, const struct sockaddr_mux *a)
{
	if (sa == NULL || sa->sa_family != sockaddr_family(a))
		return false;
	if (sa->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)sa)->sin_addr,
		    &a->u.sin.sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr,
	    &a->u.sin6.sin6_addr, 16) == 0;
}

/* Whether upstream u's instance address is on an interface that is not
 * one of muxd's (logged): the instance would not be the one answering for
 * it. */
static bool address_taken(const struct config *cfg, const struct our_links *o,
    const struct ifaddrs *ifa, size_t u)
{
	const struct upstream_config *uc = &cfg->upstreams[u];
	char a[64];

	for (const struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!same_addr(i->ifa_addr, &uc->instance.addr) ||
		    our_ifname(cfg, o, i->ifa_name))
			continue;
		log_warnx("$.upstreams[%zu].instance.address: %s is already on "
		    "interface %s: with a \"dataplane\" muxd puts it on the instance's "
		    "own macvlan; remove it from %s (or give the instance another "
		    "address)", u, sockaddr_ntop(&uc->instance.addr, a, sizeof a),
		    i->ifa_name, i->ifa_name);
		return true;
	}
	return false;
}

static bool check_addresses(const struct config *cfg, const struct our_links *o)
{
	struct ifaddrs *ifa;
	bool ok = true;

	if (getifaddrs(&ifa) < 0) {
		log_warnx("$.dataplane: cannot list the host's addresses: %s", strerror(errno));
		return false;
	}
	for (size_t u = 0; u < cfg->upstream_count; u++)
		if (cfg->upstreams[u].instance.next_hop_self && address_taken(cfg, o, ifa, u))
			ok = false;
	freeifaddrs(ifa);
	return ok;
}

struct foreign {
	const struct config *cfg;
	const struct kroute_filter *f;
	size_t routes, rules;
	char first[160];
};

static void foreign_route(const struct kroute *r, void *arg)
{
	struct foreign *fo = arg;
	char what[128];

	if (r->protocol == KMSG_RTPROT_BGPMUX)
		return;
	if (fo->routes++ == 0 && fo->rules == 0)
		snprintf(fo->first, sizeof fo->first, "route %s (protocol %u)",
		    kroute_str(r, what, sizeof what), r->protocol);
}

static int foreign_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct foreign *fo = arg;
	struct krule r;

	if (kmsg_rule_parse(nlh, &r) < 0)
		return 0;
	bool ours_table = r.table >= fo->f->table_min && r.table <= fo->f->table_max;
	bool ours_prio = r.priority == DP_RULE_PRIORITY;
	if (ours_table == ours_prio || our_rule(fo->cfg, &r))
		return 0;
	if (fo->rules++ == 0 && fo->routes == 0)
		snprintf(fo->first, sizeof fo->first, "rule priority %u iif %s lookup %u",
		    r.priority, r.iifname[0] ? r.iifname : "any", r.table);
	return 0;
}

/* Routes of another protocol in muxd's tables, rules of another priority
 * that look them up, rules at muxd's priority that look up other tables:
 * the clean-up would delete or break what belongs to someone else. */
static bool check_range(struct knl *nl, const struct config *cfg)
{
	struct kroute_filter f = our_tables(cfg);
	struct foreign fo = { .cfg = cfg, .f = &f };
	uint8_t buf[KMSG_MAX];
	int err = knl_routes_dump(nl, &f, foreign_route, &fo);

	for (int fam = 0; err == 0 && fam < 2; fam++)
		err = knl_dump(nl, kmsg_rule_dump(buf, fam ? AF_INET6 : AF_INET), foreign_rule,
		    &fo, "dump rules");
	if (err < 0) {
		log_warnx("$.dataplane: cannot read the host's routes and rules: %s",
		    knl_error(nl));
		return false;
	}
	if (fo.routes == 0 && fo.rules == 0)
		return true;
	log_warnx("$.dataplane.table_base: tables %u..%u and rule priority %u are muxd's, "
	    "but the host has %zu route(s) and %zu rule(s) of another owner there (first: "
	    "%s): choose another table_base or remove them", f.table_min, f.table_max,
	    DP_RULE_PRIORITY, fo.routes, fo.rules, fo.first);
	return false;
}

/* Deletes the macvlans of muxd's instances, in rounds of a bounded size;
 * false on a failure (logged). */
static bool clean_links(struct knl *nl, const struct config *cfg, const char *when,
    size_t *links)
{
	struct our_links o = { .full = true };

	if (knl_link_index(nl, cfg->dataplane.client_interface, &o.parent) < 0)
		return true;            /* no parent: no macvlan of ours either */
	while (o.full) {
		if (find_our_links(nl, &o) < 0) {
			log_warnx("dataplane: %s: listing links: %s", when, knl_error(nl));
			return false;
		}
		for (size_t i = 0; i < o.n; i++) {
			if (knl_link_del(nl, o.v[i].index) < 0) {
				log_warnx("dataplane: %s: removing a macvlan: %s", when,
				    knl_error(nl));
				return false;
			}
			(*links)++;
		}
	}
	return true;
}

/* Removes every route, rule and link of muxd's (a previous run's, or this
 * one's); true when all of it went. */
static bool dp_clean(struct knl *nl, const struct config *cfg, const char *when)
{
	struct kroute_filter f = any_tables(cfg);
	size_t routes = 0, rules = 0, links = 0;
	bool ok = true;

	if (knl_routes_flush(nl, &f, &routes) < 0) {
		log_warnx("dataplane: %s: removing routes: %s", when, knl_error(nl));
		ok = false;
	}
	if (knl_rules_flush(nl, DP_RULE_PRIORITY, &rules) < 0) {
		log_warnx("dataplane: %s: removing rules: %s", when, knl_error(nl));
		ok = false;
	}
	ok = clean_links(nl, cfg, when, &links) && ok;
	if (routes || rules || links)
		log_info("dataplane: %s: removed %zu route(s), %zu rule(s), %zu link(s) of "
		    "muxd's", when, routes, rules, links);
	return ok;
}

/* ---- an upgrade in place: the kernel state the previous muxd left ---------- */

/* The upstream of cfg whose instance's macvlan is name (next_hop_self). */
static const struct upstream_config *instance_of(const struct config *cfg,
    const char *name)
{
	char ours[16];

	for (size_t i = 0; i < cfg->upstream_count; i++) {
		dp_instance_ifname(cfg->upstreams[i].id, ours);
		if (cfg->upstreams[i].instance.next_hop_self && strcmp(ours, name) == 0)
			return &cfg->upstreams[i];
	}
	return NULL;
}

/* Whether link name holds no address but the instance's own (an IPv6
 * link-local one aside): what start_identity would make of it. */
static bool link_as_made(const struct ifaddrs *ifa, const char *name,
    const struct upstream_config *uc)
{
	for (const struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (sa == NULL || strcmp(i->ifa_name, name) != 0 ||
		    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr))
			continue;
		if (!same_addr(sa, &uc->instance.addr))
			return false;
	}
	return true;
}

/* Every macvlan of muxd's instances there is (an upgrade keeps most of
 * them, so they are not taken in rounds as the clean-up takes them). */
struct link_list {
	uint32_t parent;
	struct klink *v;
	size_t n, cap;
};

static void link_listed(const struct klink *l, void *arg)
{
	struct link_list *o = arg;

	if (!is_our_link(l, o->parent))
		return;
	o->v = xgrow_array(o->v, &o->cap, o->n + 1, sizeof *o->v);
	o->v[o->n++] = *l;
}

/* The macvlans of the configuration's instances, with their address, are
 * kept as they are (the handed-over sockets are bound to it); the others
 * of muxd's (an upstream removed, an address changed) go, as a reload
 * would remove them. */
static bool adopt_links(struct knl *nl, struct dp_kernel *k, const struct config *cfg,
    size_t *kept, size_t *removed)
{
	struct link_list o = { 0 };
	struct ifaddrs *ifa;
	bool ok = true;

	if (knl_link_index(nl, cfg->dataplane.client_interface, &o.parent) < 0 ||
	    knl_links_dump(nl, link_listed, &o) < 0 || getifaddrs(&ifa) < 0) {
		log_warnx("dataplane: takeover: listing links: %s", knl_error(nl));
		free(o.v);
		return false;
	}
	for (size_t i = 0; ok && i < o.n; i++) {
		const struct upstream_config *uc = instance_of(cfg, o.v[i].name);
		if (uc != NULL && link_as_made(ifa, o.v[i].name, uc)) {
			dp_kernel_keep_link(k, o.v[i].name);
			(*kept)++;
		} else if (knl_link_del(nl, o.v[i].index) < 0) {
			log_warnx("dataplane: takeover: removing %s: %s", o.v[i].name,
			    knl_error(nl));
			ok = false;
		} else
			(*removed)++;
	}
	freeifaddrs(ifa);
	free(o.v);
	return ok;
}

/* The rules at muxd's priority, as a dump lists them (at most 2 per
 * upstream id and the inbound table's two). */
struct rule_list {
	struct krule *v;
	size_t n, cap;
};

static void rule_listed(const struct krule *r, void *arg)
{
	struct rule_list *l = arg;

	l->v = xgrow_array(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *r;
}

/* A rule dp_start makes for cfg: the inbound table's, or an instance's
 * "iif muxN lookup" its table. */
static bool rule_wanted(const struct config *cfg, const struct krule *r)
{
	const struct upstream_config *uc;

	if (!our_rule(cfg, r))
		return false;
	if (r->iifname[0] == 0)
		return r->table == cfg->dataplane.table_base + DP_INBOUND_ID;
	uc = instance_of(cfg, r->iifname);
	return uc != NULL && dataplane_table(&cfg->dataplane, uc) == r->table;
}

/* The rules dp_start would add stay; the others at muxd's priority go. */
static bool adopt_rules(struct knl *nl, const struct config *cfg, size_t *kept,
    size_t *removed)
{
	struct rule_list l = { 0 };
	bool ok = knl_rules_dump(nl, 0, DP_RULE_PRIORITY, rule_listed, &l) == 0;

	for (size_t i = 0; ok && i < l.n; i++) {
		if (rule_wanted(cfg, &l.v[i]))
			(*kept)++;
		else if (knl_rule_del(nl, &l.v[i]) == 0)
			(*removed)++;
		else
			ok = false;
	}
	if (!ok)
		log_warnx("dataplane: takeover: rules: %s", knl_error(nl));
	free(l.v);
	return ok;
}

/* Instead of the clean-up at start: what the new configuration keeps
 * stays, the rest goes; routes stay until the sweep (adopt_sweep). */
static bool dp_adopt(struct knl *nl, struct dp_kernel *k, const struct config *cfg)
{
	size_t links = 0, links_gone = 0, rules = 0, rules_gone = 0;

	if (!adopt_links(nl, k, cfg, &links, &links_gone) ||
	    !adopt_rules(nl, cfg, &rules, &rules_gone))
		return false;
	log_info("dataplane: takeover: kept %zu link(s) and %zu rule(s) of the previous "
	    "muxd, removed %zu link(s) and %zu rule(s) the configuration no longer has",
	    links, rules, links_gone, rules_gone);
	return true;
}

/* Routes of muxd's protocol the data plane does not want now. */
struct unwanted {
	struct dataplane *dp;
	struct kroute *v;
	size_t n, cap, seen;
};

static void route_listed(const struct kroute *r, void *arg)
{
	struct unwanted *u = arg;
	struct bgp_prefix p = { .afi = r->family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
	    .len = r->dst_len };

	u->seen++;
	memcpy(p.addr, r->dst, kmsg_addr_len(r->family));
	if (dp_route_wanted(u->dp, r->table, &p))
		return;
	u->v = xgrow_array(u->v, &u->cap, u->n + 1, sizeof *u->v);
	u->v[u->n++] = *r;
}

/* The sweep after a takeover, once the views, the gateway and the
 * defaults are all in the tables (every route the previous muxd left
 * that this one wants was replaced in place): the others go. Until the
 * data plane is settled it looks again a little later. */
static void adopt_sweep(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval again = { 0, 50 * 1000 };
	struct daemon *d = arg;
	struct kroute_filter f = any_tables(d->cfg);
	struct unwanted u = { .dp = d->dp };
	size_t failed = 0;
	(void)fd;
	(void)what;

	if (!dp_settled(d->dp)) {
		evtimer_add(d->dp_sweep_ev, &again);
		return;
	}
	f.protocol = KMSG_RTPROT_BGPMUX;
	if (knl_routes_dump(d->knl, &f, route_listed, &u) < 0 ||
	    (u.n > 0 && knl_routes_apply(d->knl, KROUTE_DEL, u.v, u.n, NULL, NULL, &failed,
	    NULL) < 0))
		log_warnx("dataplane: takeover: sweeping the routes: %s", knl_error(d->knl));
	log_info("dataplane: takeover: %zu route(s) of muxd's in the tables, %zu the "
	    "previous muxd left and this one does not want removed%s", u.seen, u.n - failed,
	    failed ? " (some refused)" : "");
	free(u.v);
}

static void adopt_sweep_later(struct daemon *d)
{
	static const struct timeval now = { 0, 0 };

	d->dp_sweep_ev = evtimer_new(d->base, adopt_sweep, d);
	evtimer_add(d->dp_sweep_ev, &now);
}

static bool check_host(struct knl *nl, const struct config *cfg)
{
	const char *ifname = cfg->dataplane.client_interface;
	struct our_links o;

	if (knl_link_index(nl, ifname, &o.parent) < 0) {
		log_warnx("$.dataplane.client_interface: no interface \"%s\" on this host "
		    "(%s): create it (the link to the clients) or name another", ifname,
		    knl_error(nl));
		return false;
	}
	if (find_our_links(nl, &o) < 0) {
		log_warnx("$.dataplane: cannot list the host's links: %s", knl_error(nl));
		return false;
	}
	return check_forwarding(cfg) && check_addresses(cfg, &o) && check_range(nl, cfg);
}

bool daemon_dataplane_start(struct daemon *d)
{
	bool adopt = d->takeover != NULL;       /* an upgrade in place */
	struct knl *nl;
	int err;

	if (!d->cfg->dataplane.enabled)
		return true;
	if ((err = knl_open(&nl)) < 0) {
		log_warnx("$.dataplane: cannot open a netlink socket (%s): muxd needs "
		    "CAP_NET_ADMIN for its data plane", strerror(-err));
		return false;
	}
	d->dpk = dp_kernel_new(nl);
	if (!check_host(nl, d->cfg) || !(adopt ? dp_adopt(nl, d->dpk, d->cfg)
	    : dp_clean(nl, d->cfg, "start"))) {
		/* no clean-up: what the checks found may be someone else's */
		dp_kernel_free(d->dpk);
		d->dpk = NULL;
		knl_close(nl);
		return false;
	}
	d->knl = nl;
	d->dp = dp_new(d->base, d->cfg, &dp_kernel_ops, d->dpk);
	dp_kernel_set_dataplane(d->dpk, d->dp);
	dp_kernel_adopting(d->dpk, adopt);
	size_t bad = dp_start(d->dp);
	dp_kernel_adopting(d->dpk, false);
	if (bad > 0) {
		log_warnx("$.dataplane: the kernel refused part of the data plane (above): "
		    "%s", adopt ? "the previous muxd goes on" : "nothing of it is left installed");
		daemon_dataplane_stop(d);
		return false;
	}
	dp_flush(d->dp);
	if (adopt)
		adopt_sweep_later(d);
	return true;
}

/* A reload's new identity: the check of its address that start makes
 * (the client interface, forwarding and the table range are the
 * "dataplane" section's, which a reload keeps). */
static bool admit_upstream(const struct config *cfg, size_t i, void *arg)
{
	struct daemon *d = arg;
	struct our_links o;
	struct ifaddrs *ifa;
	bool ok;

	if (knl_link_index(d->knl, cfg->dataplane.client_interface, &o.parent) < 0 ||
	    find_our_links(d->knl, &o) < 0 || getifaddrs(&ifa) < 0) {
		log_warnx("$.upstreams[%zu].instance: no data plane for it: cannot read "
		    "the host's links and addresses: %s", i, knl_error(d->knl));
		return false;
	}
	ok = !address_taken(cfg, &o, ifa, i);
	freeifaddrs(ifa);
	if (!ok)
		log_warnx("$.upstreams[%zu].instance: no data plane for upstream %s (its "
		    "sessions run; a reload after the fix adds it)", i,
		    cfg->upstreams[i].n.name);
	return ok;
}

/* Before the upstreams change: the identities follow the new
 * configuration; a refusal is logged and counted, never more. */
void daemon_dataplane_reload(struct daemon *d, const struct config *next)
{
	if (d->dp == NULL)
		return;
	if (dp_reconfigure(d->dp, next, admit_upstream, d) > 0)
		log_warnx("reload: the kernel refused part of the data plane's changes "
		    "(above); the rest is in place");
	dp_attach_gateway(d->dp, d->gw);        /* the upstreams of next */
}

/* After the upstreams: the inbound routes follow the gateway. */
void daemon_dataplane_attach(struct daemon *d)
{
	dp_attach_gateway(d->dp, d->gw);
}

void daemon_dataplane_stop(struct daemon *d)
{
	if (d->knl == NULL)
		return;
	dp_free(d->dp);
	d->dp = NULL;
	dp_kernel_free(d->dpk);
	d->dpk = NULL;
	if (d->dp_sweep_ev)
		event_free(d->dp_sweep_ev);
	d->dp_sweep_ev = NULL;
	/* After a handover the new muxd has the kernel state; a takeover
	 * that fails leaves it to the previous muxd, which goes on. */
	if (d->handed_over || d->takeover != NULL)
		log_info("dataplane: its routes, rules and links stay for the muxd that "
		    "%s", d->handed_over ? "took over" : "goes on");
	else
		dp_clean(d->knl, d->cfg, "stop");
	knl_close(d->knl);
	d->knl = NULL;
}
