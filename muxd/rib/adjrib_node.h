/*
 * adjrib_node.h — the inside of the Adj-RIB-In, shared by its files
 * (adjrib.c the table, adjrib_trie.c the order, adjrib_lookup.c lookups
 * and cursors): the per-family node pool, the node layout, the hash
 * table's probe, a node's paths, and the trie walks.
 *
 * Why both a trie and a hash table. The hash table alone gives O(1)
 * announce/withdraw but no order: a dump could not be resumed by key,
 * and "or longer" lookups would scan the whole table. The trie alone
 * gives order and prefix lookups but costs ~20 dependent loads per update
 * on a full table. With both, updates to prefixes already present (most
 * of the churn) touch the hash table only; the trie changes only when a
 * prefix appears or goes.
 *
 * Memory. Nodes live in per-family pools of fixed-size slots addressed by
 * 32-bit indices (half the size of pointers, no malloc header per node):
 * 32 bytes for an IPv4 node, 48 for IPv6. A node holds one path inline
 * (attribute set + path id, and its rib's id in the node's tag); a prefix
 * with more paths, of one rib (ADD-PATH) or of several ribs of the table,
 * points to an array of them sorted by (rib, path id) (muxd/rib/pathvec.h:
 * withdrawing one leaves a hole, so that withdrawing many costs no more
 * than adding them). The hash table slot is a node index plus the low 32
 * bits of the hash (8 bytes; probes compare those before touching a node,
 * and the bucket is derived from them, so rehashing never reads a node).
 *
 * Sharing. The nodes, the trie and the hash table belong to the table
 * (struct adjrib_table), not to a rib: a prefix that eight views carry
 * is one node (and the branch node above it) and one hash slot, 81 bytes
 * on a full table, instead of eight; each view's path is a 16-byte slot
 * of the prefix's array (a rib joins at ADJRIB_JOIN_ROUTES: until then it
 * is alone in a table of its own). A rib is its id and its counters. A
 * node is a branch node when no rib has a path there (TAG_EMPTY): the
 * trie's shape depends on the table, what a rib sees on the paths of its
 * id.
 *
 * Order on demand. A prefix new to the table gets its node and hash slot
 * at once (announce, withdraw and get need nothing else) but is linked
 * into the trie only when something reads the order (a walk, a cursor, a
 * longer or covering lookup, a shared clear) or when enough are waiting
 * (a prefix that comes in prefix order after the last one is linked at
 * once: its descent is short):
 * then the waiting nodes are sorted by address and linked in that order
 * (rfam_settle). A full table from a neighbor that sends in hash order
 * (BIRD, GoBGP) otherwise costs a descent of ~20 cache misses from the
 * root per prefix; sorted, each descent starts a few nodes from the last
 * (the finger), as a dump in prefix order does.
 *
 * The small helpers are inline here: announce and withdraw run through
 * them for every path.
 */
#ifndef BGPMUX_ADJRIB_NODE_H
#define BGPMUX_ADJRIB_NODE_H

#include <stdint.h>
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/rib/adjrib.h"
#include "muxd/rib/pathstore.h"
#include "muxd/rib/pathvec.h"

struct rnode {
	union {
		struct attrset *set;    /* one path: tag names its rib */
		struct pathvec *paths;  /* tag == TAG_PATHS: ascending (rib, path id) */
	} u;
	uint32_t child[2];      /* node indices, 0 = none */
	uint32_t parent;
	uint32_t len : 8;
	uint32_t tag : 24;      /* TAG_EMPTY, TAG_PATHS, or 1 + the rib id of the one path */
	uint32_t aux;           /* one path: its path id */
	uint8_t addr[];         /* 4 or 16 bytes, bits past len zero */
};

/* rnode.parent of a node waiting to be linked into the trie. */
#define NODE_PENDING UINT32_MAX

#define TAG_EMPTY 0u            /* no path of any rib: a branch node */
#define TAG_PATHS 0xffffffu     /* several paths: u.paths */
#define RIB_ID_MAX (TAG_PATHS - 2)

struct hslot {
	uint32_t node;          /* 0 = empty */
	uint32_t hlo;           /* low 32 bits of the prefix hash */
};

#define CHUNK_SHIFT 12
#define CHUNK_NODES (1u << CHUNK_SHIFT)
#define HASH_MIN_CAP 64

/* One family of a table: the nodes, the trie, the hash table, and the
 * totals of every rib in the table. */
struct rfam {
	uint16_t afi;
	uint8_t width;          /* address bytes */
	uint8_t bits;           /* address bits */
	size_t esize;           /* pool slot size */
	uint8_t **chunks;
	uint32_t nchunks;
	uint8_t **regions;      /* huge-page regions the chunks after the
	                         * first POOL_SMALL_CHUNKS are carved from */
	uint32_t nregions;
	size_t region_left;     /* bytes of the last region not carved yet */
	uint32_t fresh;         /* next never-used node index (0 is "none") */
	uint32_t free_list;     /* freed nodes, linked through child[0] */
	uint32_t root;
	uint32_t finger;        /* the node inserted last (0: none), where the
	                         * next insertion's descent may start */
	uint32_t *pending;      /* nodes not linked into the trie yet (their
	                         * parent is NODE_PENDING); may hold a node
	                         * freed since, or twice: rfam_settle skips */
	size_t npending, pending_cap;
	size_t nodes;
	struct hslot *slots;
	size_t cap;             /* power of two or 0 */
	size_t prefixes;        /* = entries in the hash table */
	size_t routes;          /* every rib's */
	size_t path_bytes;
	struct pathstore_seed seed;
};

/* The prefixes of several ribs, each interned once (adjrib.h). */
struct adjrib_table {
	struct rfam fam[AID_RIB_MAX];   /* by aid */
	size_t ribs;                    /* ribs with an id in the table */
	size_t waiting;                 /* ribs still in tables of their own */
	size_t join_routes;             /* adjrib_table_join_at */
	uint32_t next_id;               /* never given out yet */
	uint32_t *free_ids;             /* ids of ribs freed, to give out again */
	size_t nfree, free_cap;
};

struct adjrib {
	struct attrstore *store;
	struct adjrib_table *table;
	bool own_table;                 /* in a table of its own */
	struct adjrib_table *joins;     /* the table it moves to at join_routes */
	uint32_t id;                    /* in the table: the key of its paths */
	struct {
		size_t routes, prefixes;
	} cnt[AID_RIB_MAX];             /* this rib's, by aid */
};

/* ---- small helpers -------------------------------------------------- */

static inline struct rnode *node_at(const struct rfam *f, uint32_t i)
{
	return (struct rnode *)(f->chunks[i >> CHUNK_SHIFT] +
	    (size_t)(i & (CHUNK_NODES - 1)) * f->esize);
}

static inline unsigned addr_bit(const uint8_t *a, unsigned pos)
{
	return (a[pos >> 3] >> (7 - (pos & 7))) & 1;
}

/* The first bit position below limit where a and b differ, or limit. */
static inline unsigned first_diff(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	for (unsigned i = 0; i * 8 < limit; i++) {
		unsigned x = a[i] ^ b[i];
		if (x != 0) {
			unsigned pos = i * 8 + (unsigned)__builtin_clz(x) - 24;
			return pos < limit ? pos : limit;
		}
	}
	return limit;
}

/* The top bits of a word: bits of 0..64. */
static inline uint64_t high_bits(unsigned bits)
{
	return bits == 0 ? 0 : ~(uint64_t)0 << (64 - (bits > 64 ? 64 : bits));
}

static inline void mask_word32(uint8_t *dst, const uint8_t *src, unsigned len)
{
	uint32_t a;
	memcpy(&a, src, 4);
	a = __builtin_bswap32(__builtin_bswap32(a) & (uint32_t)(high_bits(len) >> 32));
	memcpy(dst, &a, 4);
}

static inline void mask_word64(uint8_t *dst, const uint8_t *src, unsigned len)
{
	uint64_t a;
	memcpy(&a, src, 8);
	a = __builtin_bswap64(__builtin_bswap64(a) & high_bits(len));
	memcpy(dst, &a, 8);
}

/*
 * dst = src with the bits past len zero. A whole word at a time: the hash
 * reads the address back as words at once, and words stored byte by byte
 * cannot be forwarded to such a load: it waits until they reach the
 * cache, four times a path (three in the batch's fetching ahead). Byte by
 * byte, muxd took 0.30 CPU s per M paths at 8 x 1M; word by word, 0.25.
 */
static inline void mask_addr(uint8_t *dst, const uint8_t *src, unsigned width, unsigned len)
{
	if (width == 4) {
		mask_word32(dst, src, len);
		return;
	}
	mask_word64(dst, src, len);     /* IPv6: the only other RIB family */
	mask_word64(dst + 8, src + 8, len > 64 ? len - 64 : 0);
}

static inline struct rfam *fam_of(const struct adjrib *rib, uint16_t afi)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);

	return bgp_aid_is_rib(aid) ? &rib->table->fam[aid] : NULL;
}

/* The rib's own counters for family f of its table. */
static inline size_t rib_aid(const struct adjrib *rib, const struct rfam *f)
{
	return (size_t)(f - rib->table->fam);
}

/* A valid prefix of a family this rib keeps: its family, with the
 * address masked into addr. */
static inline struct rfam *key_of(const struct adjrib *rib, const struct bgp_prefix *p,
    uint8_t addr[16])
{
	struct rfam *f = fam_of(rib, p->afi);
	if (f == NULL || p->len > f->bits)
		return NULL;
	mask_addr(addr, p->addr, f->width, p->len);
	return f;
}

static inline uint32_t prefix_hash(const struct rfam *f, const uint8_t *addr, unsigned len)
{
	const struct pathstore_seed *s = &f->seed;
	if (f->width == 4) {
		uint32_t a;
		memcpy(&a, addr, 4);
		uint64_t w = (uint64_t)len << 32 | a;
		return (uint32_t)pathstore_mix(w ^ s->k1, s->k2 | 1);
	}
	uint64_t h = pathstore_mix(pathstore_load64(addr) ^ s->k1,
	    pathstore_load64(addr + 8) ^ s->k2);
	return (uint32_t)pathstore_mix(h ^ len ^ s->k0, s->k1 | 1);
}

static inline void node_prefix(const struct rfam *f, const struct rnode *n,
    uint32_t path_id, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = f->afi;
	p->len = (uint8_t)n->len;
	p->path_id = path_id;
	memcpy(p->addr, n->addr, f->width);
}

static inline bool node_empty(const struct rnode *n)
{
	return n->tag == TAG_EMPTY;
}

static inline void node_path(const struct rnode *n, uint32_t k, uint32_t *path_id,
    struct attrset **set)
{
	if (n->tag != TAG_PATHS) {
		*path_id = n->aux;
		*set = n->u.set;
	} else {
		*path_id = n->u.paths->slot[k].path_id;
		*set = n->u.paths->slot[k].set;
	}
}

/* ---- the hash table's probe ------------------------------------------ */

/* a's and b's first width (4 or 16) bytes equal: inline, where memcmp
 * with a width known only at run time is a call into libc on every probe
 * (3 % of the loop at 8 x 1M). */
static inline bool addr_eq(const uint8_t *a, const uint8_t *b, unsigned width)
{
	if (width == 4) {
		uint32_t x, y;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	uint64_t x[2], y[2];
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline uint32_t hash_find(const struct rfam *f, const uint8_t *addr,
    unsigned len, uint32_t hlo)
{
	if (f->cap == 0)
		return 0;
	size_t mask = f->cap - 1;
	for (size_t i = hlo & mask; f->slots[i].node != 0; i = (i + 1) & mask) {
		if (f->slots[i].hlo != hlo)
			continue;
		const struct rnode *n = node_at(f, f->slots[i].node);
		if (n->len == len && addr_eq(n->addr, addr, f->width))
			return f->slots[i].node;
	}
	return 0;
}

/* ---- one rib's paths of one prefix ---------------------------------- */

/* A path slot that stands for "the first path of the rib at the node". */
#define SLOT_FIRST UINT32_MAX

/*
 * The paths of rib `rib` at node n are the slots [first, end) (holes
 * skipped, stepping with node_next): the one inline path is slot 0 of
 * [0, 1); in a vector, the run of the rib's keys. first == end: none.
 */
struct rrange {
	uint32_t first, end;
};

static inline struct rrange node_range(const struct rnode *n, uint32_t rib)
{
	if (n->tag != TAG_PATHS) {
		uint32_t one = n->tag == rib + 1;
		return (struct rrange){ one ? 0 : 1, 1 };
	}
	const struct pathvec *v = n->u.paths;
	uint32_t end = pathvec_lower(v, pathvec_key(rib + 1, 0));
	uint32_t first = pathvec_lower(v, pathvec_key(rib, 0));
	while (first < end && v->slot[first].set == NULL)
		first++;
	return (struct rrange){ first, end };
}

/* Whether rib has a path at n: one search, not the two of node_range
 * (walks ask it of every node of the table). */
static inline bool node_has(const struct rnode *n, uint32_t rib)
{
	if (n->tag != TAG_PATHS)
		return n->tag == rib + 1;
	const struct pathvec *v = n->u.paths;
	for (uint32_t k = pathvec_lower(v, pathvec_key(rib, 0));
	    k < v->end && v->slot[k].rib == rib; k++)
		if (v->slot[k].set != NULL)
			return true;
	return false;
}

/* The path after slot k of the range r (r.end if none). */
static inline uint32_t node_next(const struct rnode *n, struct rrange r, uint32_t k)
{
	if (n->tag != TAG_PATHS)
		return r.end;
	uint32_t j = pathvec_next(n->u.paths, k);
	return j < r.end ? j : r.end;
}

/* The slot of the rib's first path with id > path_id, r.end if none. */
static inline uint32_t paths_after(const struct rnode *n, struct rrange r, uint32_t rib,
    uint32_t path_id)
{
	if (n->tag != TAG_PATHS)
		return r.first < r.end && n->aux > path_id ? 0 : r.end;
	uint32_t k = pathvec_after(n->u.paths, pathvec_key(rib, path_id));
	return k < r.end ? k : r.end;
}

/* ---- node pool (adjrib.c) ------------------------------------------- */

/* A zeroed node for addr/len (masked), not linked anywhere. */
uint32_t rfam_node_new(struct rfam *f, const uint8_t *addr, unsigned len);
/* Node i back to the pool. */
void rfam_node_free(struct rfam *f, uint32_t i);

/* ---- the trie (adjrib_trie.c) ---------------------------------------- */

/* Node k (new, with its key, no paths yet) into the trie: linked now if
 * it comes in prefix order after the last one, otherwise it waits. */
void rfam_trie_add(struct rfam *f, uint32_t k);
/* Link every waiting node into the trie, in address order. */
void rfam_settle(struct rfam *f);
/* The trie's root, every waiting node linked first. The order is part of
 * what a const table promises its readers, so a reader may settle it:
 * no route, count or result changes, only how the nodes are linked. */
static inline uint32_t rfam_root(const struct rfam *f)
{
	if (f->npending != 0)
		rfam_settle((struct rfam *)f);
	return f->root;
}
/* Node i has just lost its last path: unlinked (and freed) unless it
 * stays as a branch node. */
void rfam_trie_unlink(struct rfam *f, uint32_t i);
/* The node after i in pre-order, not leaving the subtree of top (0: the
 * whole trie); 0 at the end. */
uint32_t rfam_preorder_next(const struct rfam *f, uint32_t i, uint32_t top);
/* The first node at or after i in pre-order (within top) where rib id
 * has a path. */
uint32_t rfam_skip_branches(const struct rfam *f, uint32_t id, uint32_t i, uint32_t top);
/* The first node (prefix or branch) whose key is greater than addr/len,
 * in prefix order; 0 if none. */
uint32_t rfam_seek_after(const struct rfam *f, const uint8_t *addr, unsigned len);
/* Each route of rib id at node n, in path id order; a non-zero cb
 * return stops. */
int rfam_visit_node(const struct rfam *f, uint32_t id, const struct rnode *n,
    adjrib_cb cb, void *arg);
/* The same from slot k of the range r on (a resumed walk). */
int rfam_visit_node_from(const struct rfam *f, const struct rnode *n, struct rrange r,
    uint32_t k, adjrib_cb cb, void *arg);
/* Every route of rib id at or after node i in pre-order, within top. */
int rfam_walk_from(const struct rfam *f, uint32_t id, uint32_t i, uint32_t top,
    adjrib_cb cb, void *arg);

#endif
