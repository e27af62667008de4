/*
 * adjrib.h — an Adj-RIB-In: every path one neighbor sent, for IPv4 and
 * IPv6 unicast, keyed by (prefix, ADD-PATH path id), each referring to an
 * interned attribute set.
 *
 * Order. Walks, lookups and cursors visit routes in prefix order: IPv4
 * before IPv6; within a family by address (as an unsigned big-endian
 * number), then prefix length, then path id — a covering prefix comes
 * before its more-specifics (10.0.0.0/8, 10.0.0.0/9, 10.0.0.0/24,
 * 10.128.0.0/9, 11.0.0.0/8). This is bgp_prefix_cmp's order.
 *
 * Cost. Announce and withdraw are O(1) on average for a prefix already
 * present (a hash table finds it); a new prefix, or the last path of one
 * going away, also links or unlinks one trie node: O(prefix length) for
 * the link, O(1) for the unlink. Memory, measured by bench_pathstore on
 * synthetic full tables: 72 bytes per IPv4 prefix, 118 per IPv6 prefix,
 * 35 per route when prefixes have 10 paths (16 per extra path, 16 per
 * prefix for its path array's header); the attribute sets are shared and
 * counted by their store. Ribs that share a table (below) pay for a
 * prefix once: 8 full tables of the same prefixes take 29 bytes per path
 * counted, 32 of RSS (bench_pathstore views 8), against 82 in tables of
 * their own.
 * Withdrawing the paths of one prefix one by one costs no more than
 * announcing them (muxd/rib/pathvec.h).
 *
 * Callbacks. Walks and lookups call cb(prefix, set, arg) for each route;
 * a non-zero return stops the walk and is returned. The prefix carries
 * the route's path id; the set is borrowed (attrset_get it to keep it).
 * A callback must not change the rib it is walking: to change it while
 * going through it, use a cursor (below) and change it between chunks.
 *
 * Not thread-safe: the event loop that owns the view owns its ribs.
 */
#ifndef BGPMUX_ADJRIB_H
#define BGPMUX_ADJRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/rib/attrset.h"
#include "muxd/bgp/bgp_update.h"

struct adjrib;

#define ADJRIB_MAX_PATHS ((1u << 24) - 1)   /* per prefix and table */

typedef int (*adjrib_cb)(const struct bgp_prefix *p, struct attrset *set,
    void *arg);

/*
 * A table: the prefixes of several ribs, each interned once. Ribs that
 * carry nearly the same prefixes (the views of full-table upstreams)
 * share one table: a prefix's trie node and hash slot are paid once, and
 * each rib's path costs a slot in the prefix's path array (16 bytes).
 * Every operation of a rib behaves as if the rib had the table alone,
 * except that a rib's walk, lookup and clear go over the table's nodes,
 * skipping those where the rib has no path, and ADJRIB_MAX_PATHS bounds
 * the paths of a prefix in the table, all ribs together. One thread owns
 * a table and all its ribs.
 */
struct adjrib_table;

/*
 * A rib of a table starts in a table of its own and moves into the
 * shared one when it holds ADJRIB_JOIN_ROUTES routes (once; it then
 * stays): small ribs (an IXP's peers with a few thousand prefixes of
 * their own) would gain little from sharing and would pay for it on
 * every walk, which goes over all the table's nodes; full tables gain
 * most. The move re-announces the rib's routes into the table: O(routes)
 * once (the first rib of a table moves its nodes over whole: O(1)).
 */
#define ADJRIB_JOIN_ROUTES 65536

struct adjrib_table *adjrib_table_new(void);
/* Ribs join at `routes` routes (0: at once, in adjrib_new_in). For tests;
 * set before any rib is made in t. */
void adjrib_table_join_at(struct adjrib_table *t, size_t routes);
/* Every rib in it must have been freed (else fatal). NULL is fine. */
void adjrib_table_free(struct adjrib_table *t);
/* Ribs in the table, or to join it. */
size_t adjrib_table_ribs(const struct adjrib_table *t);

/* A rib in table t; every set announced into it must come from store
 * (ribs of one table may have different stores). */
struct adjrib *adjrib_new_in(struct adjrib_table *t, struct attrstore *store);
/* A rib with a table of its own. */
struct adjrib *adjrib_new(struct attrstore *store);
/* Drops every reference the rib holds (and frees its own table). NULL is
 * fine. */
void adjrib_free(struct adjrib *rib);

/*
 * Add or replace the route (p, p->path_id) → set. The rib takes its own
 * reference to set; a replaced set loses the rib's reference. Returns
 * true if anything changed, false if the route was already there with
 * this very set, or p is not a valid IPv4/IPv6 prefix (an AFI other than
 * 1 or 2, or a length beyond 32/128), or the prefix already holds
 * 16,777,215 paths in the table (ADJRIB_MAX_PATHS). Host bits of p are
 * ignored.
 * A NULL set withdraws the route (adjrib_withdraw's result), so that an
 * attrset_intern that failed turns into treat-as-withdraw (RFC 7606).
 */
bool adjrib_announce(struct adjrib *rib, const struct bgp_prefix *p,
    struct attrset *set);
/*
 * A run of prefixes announced one by one, fetched ahead. On a full table
 * each announce waits on two or three cache misses (the prefix's hash
 * slot, its node, its paths), one after the other; while the prefixes of
 * an UPDATE wait in a batch, the memory of the later ones is fetched
 * (adjrib_prefetch) while the earlier ones are done, so the misses
 * overlap. fn(p, arg) runs for every prefix added, in order, by the time
 * adjrib_batch_flush returns (or earlier, when the batch fills); it may
 * change the rib but not add to the batch.
 */
#define ADJRIB_BATCH 32
struct adjrib_batch {
	const struct adjrib *rib;
	void (*fn)(const struct bgp_prefix *p, void *arg);
	void *arg;
	size_t n;
	struct bgp_prefix p[ADJRIB_BATCH];
};
void adjrib_batch_add(struct adjrib_batch *b, const struct bgp_prefix *p);
void adjrib_batch_flush(struct adjrib_batch *b);
/* Start fetching what an announce or withdraw of p reads: its hash slot
 * (depth 0); its node, through the slot (1); the node's paths array (2).
 * Each depth finds the level above it in memory an earlier call fetched.
 * Changes nothing. */
void adjrib_prefetch(const struct adjrib *rib, const struct bgp_prefix *p, int depth);
/* Remove the route (p, p->path_id); true if there was one. */
bool adjrib_withdraw(struct adjrib *rib, const struct bgp_prefix *p);
/* The set of route (p, p->path_id), borrowed; NULL if none. */
struct attrset *adjrib_get(const struct adjrib *rib, const struct bgp_prefix *p);

/* Withdraw everything (session down) and give the memory back. Returns
 * the number of routes removed. */
size_t adjrib_clear(struct adjrib *rib);
/* The same, calling cb (if not NULL) for each route, in prefix order,
 * just before it goes — e.g. to publish the withdrawals. cb's return
 * value is ignored; it must not touch the rib. */
size_t adjrib_clear_each(struct adjrib *rib, adjrib_cb cb, void *arg);
/* The same for one AFI only (a multisession session that carried it went
 * down); 0 for an AFI the rib does not keep. */
size_t adjrib_clear_afi(struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg);

/* Routes (prefix + path id pairs) and distinct prefixes of a family
 * (BGP_AFI_IPV4, BGP_AFI_IPV6, or 0 for both). */
size_t adjrib_count(const struct adjrib *rib, uint16_t afi);
size_t adjrib_prefix_count(const struct adjrib *rib, uint16_t afi);

/* Every route of afi (0 = IPv4 then IPv6), in prefix order. */
int adjrib_walk(const struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg);

/* Link the prefixes still waiting for their place in the trie now, as
 * the first walk would (adjrib_node.h, "Order on demand"): for a table
 * known whole (End-of-RIB), so that the load's linking is done with the
 * load, not by whoever reads the order next. The whole table, every rib
 * in it; nothing a reader sees changes. */
void adjrib_settle(const struct adjrib *rib);

/*
 * Looking glass. p->path_id is ignored: every path of a matching prefix
 * is visited, in path id order.
 *   ADJRIB_EXACT     p itself.
 *   ADJRIB_LONGER    p and every more-specific prefix inside it ("or
 *                    longer"), in prefix order.
 *   ADJRIB_COVERING  every prefix that covers p, p included ("or
 *                    shorter"), least specific first: the last one
 *                    visited is the longest match.
 * For an address lookup, pass a host prefix (/32, /128) with COVERING.
 */
enum adjrib_match { ADJRIB_EXACT, ADJRIB_LONGER, ADJRIB_COVERING };
int adjrib_lookup(const struct adjrib *rib, const struct bgp_prefix *p,
    enum adjrib_match match, adjrib_cb cb, void *arg);
/* The same lookup resumed: only the routes it visits after `after` (a
 * route it visited, e.g. the last one of a page: prefix and path id; it
 * need not be there any more). NULL: from the start. A LONGER lookup
 * resumes in O(depth), whatever the number of routes before the cursor;
 * an `after` outside p visits nothing. */
int adjrib_lookup_after(const struct adjrib *rib, const struct bgp_prefix *p,
    enum adjrib_match match, const struct bgp_prefix *after, adjrib_cb cb, void *arg);

/*
 * A resumable walk in chunks, e.g. a full dump to a new client from a
 * deferred event, with the rib changing in between. The cursor holds no
 * pointer into the rib, only the key of the last route visited: each
 * chunk goes on with the first route after that key in prefix order, so
 * any announce, withdraw or even clear between chunks is safe. A route
 * announced behind the cursor is not visited; one ahead of it is visited
 * with its set at that time; one withdrawn ahead of it is not visited.
 *
 * adjrib_cursor_passed says on which side of the cursor a route lies, for
 * "full dump, then live changes, no gap, no duplicate": forward a live
 * change of a route the cursor has passed (the client has that route's
 * old state), and drop one it has not (the dump will send the new state).
 *
 * Within one adjrib_cursor_next call the rule for callbacks applies: the
 * callback must not change the rib.
 */
struct adjrib_cursor {
	uint16_t afi;           /* family walked: 1, 2, or 0 for both */
	uint8_t state;          /* internal: not started, running, done */
	struct bgp_prefix last; /* the last route visited */
};

void adjrib_cursor_init(struct adjrib_cursor *c, uint16_t afi);
/* Visit up to max routes; returns how many were visited (fewer than max
 * only when the walk is done, or a callback returned non-zero: the route
 * it was called for counts as visited). */
size_t adjrib_cursor_next(const struct adjrib *rib, struct adjrib_cursor *c,
    size_t max, adjrib_cb cb, void *arg);
bool adjrib_cursor_done(const struct adjrib_cursor *c);
/* True if the route (p, p->path_id) is at or behind the cursor. A family
 * the cursor does not walk is never passed. */
bool adjrib_cursor_passed(const struct adjrib_cursor *c, const struct bgp_prefix *p);

/* Memory counters, for the API and metrics. What the ribs of a table
 * share (nodes, hash slots, path arrays) is split among them by their
 * share of the table's routes, so the figures of a table's ribs add up to
 * the table's. */
struct adjrib_stats {
	size_t routes;          /* both families */
	size_t prefixes;
	size_t nodes;           /* trie nodes in use, prefix and branch nodes */
	size_t bytes;           /* node pools, path arrays and hash tables */
	size_t node_bytes;      /* of bytes: the node pools (prefix and branch nodes) */
	size_t hash_bytes;      /* of bytes: the hash tables' slots */
	size_t path_bytes;      /* of bytes: the path arrays of prefixes with several */
};
void adjrib_stats(const struct adjrib *rib, struct adjrib_stats *st);
/* The same for a whole table: every rib's routes, distinct prefixes. */
void adjrib_table_stats(const struct adjrib_table *t, struct adjrib_stats *st);

#endif
