/*
 * dataplane.h — the data plane's desired state: what the kernel must hold
 * so that packets follow the control plane (the "dataplane" section of the
 * configuration, docs/configuration.md).
 *
 *   per instance (an upstream with next_hop self): a macvlan "muxU" on
 *     client_interface with a stable locally administered MAC derived
 *     from the upstream id U, the instance's address on it, and a rule
 *     "iif muxU lookup table_base+U" (IPv4 and IPv6) at DP_RULE_PRIORITY;
 *   per upstream table: "fib": "default" — one default route per family of
 *     the upstream's address, via that address; "fib": "full" — the best
 *     path (lowest path id, as the view's rule says) of every prefix of
 *     the view, kept in step with its feed;
 *   inbound: every prefix the gateway announces for a client, to any
 *     upstream, routed to that client's address on client_interface, in
 *     table DP_INBOUND_TABLE (table_base + 0, which no upstream takes:
 *     ids start at 1), looked up by a rule without a selector at the same
 *     priority, added before the instances' rules so it is consulted
 *     first. A table of its own rather than main: everything muxd owns is
 *     then in its table range and under its rule priority, which is what
 *     the clean-up at start and stop goes by, and the operator's main
 *     table is never touched.
 *
 * Pure: no netlink and no sockets. The kernel is reached through struct
 * dp_kernel_ops, which the composition root wires to muxd/kernel; tests
 * give a fake that records. Route changes are queued and go to the ops
 * from a deferred event, DP_BATCH_MAX per loop pass, so that a full
 * table's withdrawal never holds the loop: one change per (table,
 * prefix) bounds the queue by the tables' routes and the views' prefixes,
 * a change of a prefix already queued replaces the queued one (counted as
 * coalesced), and nothing ever waits.
 *
 * Without a "dataplane" key dp_new returns NULL and no op is ever called.
 */
#ifndef BGPMUX_DATAPLANE_H
#define BGPMUX_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/config/config.h"
#include "muxd/lib/sockaddr.h"

struct event_base;
struct feed;
struct gateway;
struct dataplane;

/* The priority of every rule muxd adds (what marks them as its own). */
#define DP_RULE_PRIORITY 1000
/* Route changes sent to the ops per loop pass (and per ops flush). */
#define DP_BATCH_MAX 1024
/* Routes of a view read per loop pass when a feed is attached to a table
 * that already holds routes. */
#define DP_WALK_CHUNK 4096
/* The inbound table is table_base + this. */
#define DP_INBOUND_ID 0

/* One route of a table of ours. */
struct dp_route {
	uint32_t table;
	struct bgp_prefix dst;          /* path_id 0 */
	bool has_gw;
	uint8_t gw[16];                 /* of dst's family */
	const char *oif;                /* an interface name; NULL: the kernel's choice */
	/* gw is on oif's link though no address of the host covers it
	 * (RTNH_F_ONLINK): inbound routes to a client's address */
	bool onlink;
};

/*
 * The kernel, as muxd/kernel offers it. The first three return 0 or a
 * negative errno (the data plane logs and counts a refusal and goes on).
 * route_set (add or replace) and route_del may only queue: flush sends
 * what was queued, and a route the kernel refuses is reported back with
 * dp_route_failed.
 */
struct dp_kernel_ops {
	int (*link_add)(const char *name, const char *parent, const uint8_t mac[6],
	    void *arg);
	/* the link and its addresses */
	int (*link_del)(const char *name, void *arg);
	int (*addr_add)(const char *ifname, const struct sockaddr_mux *addr,
	    uint8_t prefixlen, void *arg);
	/* family AF_INET or AF_INET6; iif NULL: every packet */
	int (*rule_add)(const char *iif, int family, uint32_t table, uint32_t priority,
	    void *arg);
	int (*rule_del)(const char *iif, int family, uint32_t table, uint32_t priority,
	    void *arg);
	void (*route_set)(const struct dp_route *r, void *arg);
	void (*route_del)(uint32_t table, const struct bgp_prefix *dst, void *arg);
	void (*flush)(void *arg);
};

/* NULL when cfg has no data plane. cfg is borrowed (dp_set_config for a
 * new one); ops and arg too. */
struct dataplane *dp_new(struct event_base *base, const struct config *cfg,
    const struct dp_kernel_ops *ops, void *arg);
/* Unsubscribes from feeds and the gateway (so before they are freed),
 * drops what is queued, frees. Leaves the kernel as it is (the root's
 * clean-up removes it). NULL is fine. */
void dp_free(struct dataplane *dp);
/* The running configuration (a reload, a client provisioned): clients'
 * addresses for inbound routes, which follow a changed address at once.
 * The "dataplane" section itself changes only with a restart. */
void dp_set_config(struct dataplane *dp, const struct config *cfg);

/* Whether upstream cfg->upstreams[i] may have a forwarding identity on
 * this host (the root's checks; it logs why not). */
typedef bool dp_admit_fn(const struct config *cfg, size_t i, void *arg);
/*
 * A reload, before the views change (cfg becomes the running one, as
 * dp_set_config). An upstream gone loses its table's routes (a feed's a
 * batch a loop pass), then its rules and macvlan with its address; one
 * whose id changed loses its identity at once and its old table's routes
 * likewise, and its new table follows the same feed; one whose instance
 * address alone changed keeps its table and gets a new macvlan. A new
 * identity is made as dp_start makes it, when admit says so; one the
 * kernel refused is tried again at the next reload. Returns how many
 * kernel calls failed (each logged and counted).
 */
size_t dp_reconfigure(struct dataplane *dp, const struct config *cfg,
    dp_admit_fn *admit, void *arg);

/* The instances' links, addresses and rules, the inbound rule and, with
 * "fib": "default", the default routes. Returns how many the kernel
 * refused (each logged and counted). */
size_t dp_start(struct dataplane *dp);

/* "fib": "full": the table of upstream follows feed (what it holds now,
 * walked in chunks, then every change). Nothing with "fib": "default" or
 * an upstream without a forwarding identity. */
void dp_attach_feed(struct dataplane *dp, const char *upstream, struct feed *f);
/* The view of upstream goes (removed or restarted by a reload): the table
 * stops following it, and the routes its feed put in the table (read from
 * the feed now) are removed, DP_BATCH_MAX a loop pass; a feed attached
 * again meanwhile is walked once they are gone. */
void dp_detach_feed(struct dataplane *dp, const char *upstream);
/* Shutdown: every table stops following its feed and keeps what it holds,
 * for the root's clean-up to remove in one go. */
void dp_release_feeds(struct dataplane *dp);

/* Inbound routes follow what gw announces (now and every change), to
 * the upstreams of the running configuration: after a reload, attached
 * again, an upstream added is followed too and the routes only a removed
 * one was sent go. */
void dp_attach_gateway(struct dataplane *dp, struct gateway *gw);
void dp_detach_gateway(struct dataplane *dp);

/*
 * An upgrade in place: the new muxd adopts the kernel state the old one
 * left (routes are installed with replace, so the table it inherits is
 * never emptied). Once the data plane is settled — every walk done,
 * every removal and change sent — the root sweeps the routes of muxd's
 * protocol in its tables that dp_route_wanted does not want: those the
 * old process installed for a prefix gone since, or for an upstream the
 * new configuration no longer has.
 */
bool dp_settled(const struct dataplane *dp);
bool dp_route_wanted(struct dataplane *dp, uint32_t table, const struct bgp_prefix *dst);

/* Send what is queued now (the deferred event does it otherwise). */
void dp_flush(struct dataplane *dp);
/* The kernel refused a route of table (from the ops' flush): logged with
 * why and counted in that table's errors. */
void dp_route_failed(struct dataplane *dp, uint32_t table, const struct bgp_prefix *dst,
    int err, const char *why);
/* A whole batch the kernel's socket failed (the sendmsg refused, ENOBUFS,
 * no answer): counted as a netlink error; the ops log it once, with the
 * reason, and send its routes again. A change of table whose fate stays
 * unknown after that is counted in the table's errors, not logged (the
 * ops' one line says how many). */
void dp_batch_failed(struct dataplane *dp);
void dp_route_lost(struct dataplane *dp, uint32_t table);

/* ---- status, for the API and metrics ---------------------------------- */

struct dp_table_stats {
	const char *upstream;           /* NULL for the inbound table */
	uint32_t table;
	char ifname[16];                /* "" for the inbound table */
	uint8_t mac[6];
	uint64_t routes;                /* routes sent to the table (refused ones too) */
	uint64_t pending;               /* changes queued, not yet sent */
	uint64_t coalesced;             /* changes replaced by a later one while queued */
	uint64_t errors;                /* refusals reported for it */
	uint64_t skipped;               /* routes it cannot hold (next hop of another family) */
};
/* The tables: one per instance, then the inbound table. */
size_t dp_tables(const struct dataplane *dp);
void dp_table_stats(const struct dataplane *dp, size_t i, struct dp_table_stats *st);
/* Batches the kernel's socket failed as a whole (dp_batch_failed). */
uint64_t dp_batch_errors(const struct dataplane *dp);

/* "mux" + the upstream id (at most 8 characters) and the MAC
 * 02:62:6d:78:HI:LO ("bmx" and the id): the same on every start. */
void dp_instance_ifname(uint16_t id, char name[16]);
void dp_instance_mac(uint16_t id, uint8_t mac[6]);

#endif
