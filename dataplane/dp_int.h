/*
 * dp_int.h — the data plane's own structs, shared by its files:
 * dataplane.c (life, the instances' identities, fib default, status),
 * dp_queue.c (the bounded queue of route changes), dp_fib.c (fib full
 * from a view's feed), dp_inbound.c (client prefixes from the gateway).
 */
#ifndef BGPMUX_DP_INT_H
#define BGPMUX_DP_INT_H

#include "dataplane/dataplane.h"
#include "views/feed.h"

/* One table of ours and what it counts. */
struct dp_table {
	uint32_t id;                    /* the kernel's table number */
	uint64_t routes, pending, coalesced, errors, skipped;
};

/* A queued change of one route: the state the kernel had before the
 * first change queued (was) and the state wanted now. */
struct dp_change {
	struct dp_table *t;
	struct bgp_prefix dst;
	bool was, want;
	bool has_gw;
	uint8_t gw[16];
	const char *oif;
	uint32_t slot;                  /* its slot in the index */
};

/* The queue (dp_queue.c): changes v[head..n), one per (table, prefix), in
 * the order they came, so at most one per route of the tables and per
 * prefix to come; an open-addressing index (nslots, a power of two) finds
 * the one of a prefix. */
struct dp_queue {
	struct dp_change *v;
	size_t head, n, cap;
	uint32_t *slot;                 /* 0 free, 1 sent, else position + 2 */
	size_t nslots, used;            /* used: slots not free */
};

/* An upstream with a forwarding identity. */
struct dp_up {
	struct dataplane *dp;
	char *name;
	uint16_t id;
	struct sockaddr_mux remote;     /* the upstream's address (fib default) */
	struct sockaddr_mux addr;       /* the instance's address */
	char ifname[16];
	uint8_t mac[6];
	struct dp_table t;
	bool identity;                  /* its macvlan is made (start_identity) */
	/* gone from the configuration (dp_reconfigure): its identity goes
	 * once its table's routes have (dp_sweep) */
	bool retired;
	/* fib full */
	struct feed *feed;
	struct feed_sub *sub;
	struct feed_cursor walk;
	bool walking;
	/* the routes of a feed detached, still to remove: v[next..n), sent
	 * DP_BATCH_MAX a loop pass; a feed attached meanwhile waits for them */
	struct {
		struct bgp_prefix *v;
		size_t n, next, cap;
	} gone;
};

/* A prefix the gateway announces: to which upstreams, for which client
 * (the owner toward each), and the route installed for it. */
struct dp_in_owner {
	uint16_t id;
	char *owner;
};
struct dp_in {
	struct bgp_prefix p;
	struct dp_in_owner *v;
	size_t n, cap;
	bool installed;
	uint8_t via[16];                /* the client's address the route goes to */
};

/* The gateway's subscription for one upstream (its routes to it). */
struct dp_insub {
	struct dataplane *dp;
	uint16_t id;
};

struct dataplane {
	struct event_base *base;
	const struct config *cfg;
	const struct dp_kernel_ops *ops;
	void *arg;
	char *parent;                   /* client_interface */
	uint32_t table_base;
	enum dataplane_fib fib;
	/* pointers: a feed's subscription and the queue's changes hold an
	 * upstream's address across a reload that adds some */
	struct dp_up **ups;
	size_t nups, capups;
	struct dp_table inbound;
	/* inbound routes, sorted by prefix (bgp_prefix_cmp) */
	struct dp_in **in;
	size_t nin, incap;
	struct gateway *gw;
	struct dp_insub *insubs;
	size_t ninsubs;
	struct dp_queue q;
	struct event *flush_ev;
	uint64_t batch_errors;          /* dp_batch_failed */
};

/* dp_queue.c */
/* Queue a change of (t, dst): want with gw and oif, or its removal; was:
 * whether the kernel holds a route for it before this change (ignored
 * when a change of it is already queued). */
void dpq_put(struct dataplane *dp, struct dp_table *t, const struct bgp_prefix *dst,
    bool was, bool want, const uint8_t *gw, const char *oif);
/* Every queued change to the ops, DP_BATCH_MAX per ops flush. */
void dpq_flush(struct dataplane *dp);
/* Drop what is queued and the queue's memory (dp_free). */
void dpq_clear(struct dataplane *dp);
/* The deferred flush at the end of this loop pass. */
void dp_kick(struct dataplane *dp);

/* dp_fib.c */
/* The next chunk of every walk of a feed just attached; true while one
 * is not done. */
bool dp_fib_walks(struct dataplane *dp);
void dp_fib_detach(struct dp_up *u);
/* Drops the removals still to send (dp_free, shutdown). */
void dp_fib_forget(struct dp_up *u);
/* Whether u's table holds a route for p by its feed now. */
bool dp_fib_wants(const struct dp_up *u, const struct bgp_prefix *p);

/* dp_inbound.c */
void dp_inbound_free(struct dataplane *dp);
/* Every inbound route to its owner's address in dp->cfg now. */
void dp_inbound_resync(struct dataplane *dp);
/* Whether the inbound table holds a route for p now. */
bool dp_inbound_wants(const struct dataplane *dp, const struct bgp_prefix *p);

/* dataplane.c */
/* The upstream of that name with an identity, not a retired one. */
struct dp_up *dp_up_by_name(struct dataplane *dp, const char *name);
/* Retired upstreams whose routes are gone lose their identity and go. */
void dp_sweep(struct dataplane *dp);
size_t dp_addr_len(uint16_t afi);

#endif
