/*
 * adjrib.c — Adj-RIB-In: per family, a path-compressed binary trie of
 * prefixes plus a hash table that finds a prefix's trie node in O(1).
 *
 * Why both. The hash table alone gives O(1) announce/withdraw but no
 * order: a dump could not be resumed by key, and "or longer" lookups
 * would scan the whole table. The trie alone gives order and prefix
 * lookups but costs ~20 dependent loads per update on a full table. With
 * both, updates to prefixes already present (most of the churn) touch the
 * hash table only; the trie changes only when a prefix appears or goes.
 *
 * Why this trie. A Patricia trie (branch nodes only where two prefixes
 * part) keeps at most one branch node per prefix, and walking it in
 * pre-order (node, 0-side, 1-side) is exactly prefix order. Parent links
 * make unlinking O(1) and let iteration go on without a stack.
 *
 * Memory. Nodes live in per-family pools of fixed-size slots addressed by
 * 32-bit indices (half the size of pointers, no malloc header per node):
 * 32 bytes for an IPv4 node, 48 for IPv6. A node holds one path inline
 * (attribute set + path id); a prefix with more paths points to a sorted
 * array of them (muxd/rib/pathvec.h: withdrawing one leaves a hole, so that
 * withdrawing many costs no more than adding them). The hash table slot is a node index plus the low 32 bits
 * of the hash (8 bytes; probes compare those before touching a node, and
 * the bucket is derived from them, so rehashing never reads a node).
 */
#include "muxd/rib/adjrib.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/pathstore.h"
#include "muxd/rib/pathvec.h"

struct rnode {
	union {
		struct attrset *set;    /* npaths == 1 */
		struct pathvec *paths;  /* npaths > 1, ascending path id */
	} u;
	uint32_t child[2];      /* node indices, 0 = none */
	uint32_t parent;
	uint32_t len : 8;
	uint32_t npaths : 24;   /* 0: a branch node; at most ADJRIB_MAX_PATHS */
	uint32_t aux;           /* npaths == 1: the path id */
	uint8_t addr[];         /* 4 or 16 bytes, bits past len zero */
};

struct hslot {
	uint32_t node;          /* 0 = empty */
	uint32_t hlo;           /* low 32 bits of the prefix hash */
};

#define CHUNK_SHIFT 12
#define CHUNK_NODES (1u << CHUNK_SHIFT)
#define HASH_MIN_CAP 64

struct rfam {
	uint16_t afi;
	uint8_t width;          /* address bytes */
	uint8_t bits;           /* address bits */
	size_t esize;           /* pool slot size */
	uint8_t **chunks;
	uint32_t nchunks;
	uint32_t fresh;         /* next never-used node index (0 is "none") */
	uint32_t free_list;     /* freed nodes, linked through child[0] */
	uint32_t root;
	size_t nodes;
	struct hslot *slots;
	size_t cap;             /* power of two or 0 */
	size_t prefixes;        /* = entries in the hash table */
	size_t routes;
	size_t path_bytes;
	struct pathstore_seed seed;
};

struct adjrib {
	struct attrstore *store;
	struct rfam fam[2];     /* IPv4, IPv6 */
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
static unsigned first_diff(const uint8_t *a, const uint8_t *b, unsigned limit)
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

static void mask_addr(uint8_t *dst, const uint8_t *src, unsigned width, unsigned len)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned lo = i * 8;
		if (len >= lo + 8)
			dst[i] = src[i];
		else if (len > lo)
			dst[i] = (uint8_t)(src[i] & (0xff00u >> (len - lo)));
		else
			dst[i] = 0;
	}
}

static struct rfam *fam_of(const struct adjrib *rib, uint16_t afi)
{
	if (afi == BGP_AFI_IPV4)
		return (struct rfam *)&rib->fam[0];
	if (afi == BGP_AFI_IPV6)
		return (struct rfam *)&rib->fam[1];
	return NULL;
}

/* A valid prefix of a family this rib keeps: its family, with the
 * address masked into addr. */
static struct rfam *key_of(const struct adjrib *rib, const struct bgp_prefix *p,
    uint8_t addr[16])
{
	struct rfam *f = fam_of(rib, p->afi);
	if (f == NULL || p->len > f->bits)
		return NULL;
	mask_addr(addr, p->addr, f->width, p->len);
	return f;
}

static uint32_t prefix_hash(const struct rfam *f, const uint8_t *addr, unsigned len)
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

static void node_prefix(const struct rfam *f, const struct rnode *n,
    uint32_t path_id, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = f->afi;
	p->len = (uint8_t)n->len;
	p->path_id = path_id;
	memcpy(p->addr, n->addr, f->width);
}

static void node_path(const struct rnode *n, uint32_t k, uint32_t *path_id,
    struct attrset **set)
{
	if (n->npaths == 1) {
		*path_id = n->aux;
		*set = n->u.set;
	} else {
		*path_id = n->u.paths->slot[k].path_id;
		*set = n->u.paths->slot[k].set;
	}
}

/* ---- node pool ------------------------------------------------------ */

static uint32_t node_new(struct rfam *f, const uint8_t *addr, unsigned len)
{
	uint32_t i;
	if (f->free_list != 0) {
		i = f->free_list;
		f->free_list = node_at(f, i)->child[0];
	} else {
		if (f->fresh == UINT32_MAX)
			fatal("RIB node pool exhausted (%zu nodes)", f->nodes);
		if ((f->fresh >> CHUNK_SHIFT) == f->nchunks) {
			f->chunks = xreallocarray(f->chunks, f->nchunks + 1, sizeof *f->chunks);
			f->chunks[f->nchunks++] = xmalloc(CHUNK_NODES * f->esize);
		}
		i = f->fresh++;
	}
	struct rnode *n = node_at(f, i);
	memset(n, 0, f->esize);
	n->len = len;
	mask_addr(n->addr, addr, f->width, len);
	f->nodes++;
	return i;
}

static void node_free(struct rfam *f, uint32_t i)
{
	struct rnode *n = node_at(f, i);
	n->child[0] = f->free_list;
	f->free_list = i;
	f->nodes--;
}

/* ---- hash table: prefix → node -------------------------------------- */

static void hash_place(struct hslot *slots, size_t cap, uint32_t node, uint32_t hlo)
{
	size_t mask = cap - 1;
	size_t i = hlo & mask;
	while (slots[i].node != 0)
		i = (i + 1) & mask;
	slots[i].node = node;
	slots[i].hlo = hlo;
}

static void hash_resize(struct rfam *f, size_t cap)
{
	struct hslot *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i].node != 0)
			hash_place(slots, cap, f->slots[i].node, f->slots[i].hlo);
	free(f->slots);
	f->slots = slots;
	f->cap = cap;
}

static uint32_t hash_find(const struct rfam *f, const uint8_t *addr,
    unsigned len, uint32_t hlo)
{
	if (f->cap == 0)
		return 0;
	size_t mask = f->cap - 1;
	for (size_t i = hlo & mask; f->slots[i].node != 0; i = (i + 1) & mask) {
		if (f->slots[i].hlo != hlo)
			continue;
		const struct rnode *n = node_at(f, f->slots[i].node);
		if (n->len == len && memcmp(n->addr, addr, f->width) == 0)
			return f->slots[i].node;
	}
	return 0;
}

static void hash_insert(struct rfam *f, uint32_t node, uint32_t hlo)
{
	if ((f->prefixes + 1) * 4 > f->cap * 3)
		hash_resize(f, f->cap ? f->cap * 2 : HASH_MIN_CAP);
	hash_place(f->slots, f->cap, node, hlo);
	f->prefixes++;
}

static void hash_remove(struct rfam *f, uint32_t node, uint32_t hlo)
{
	size_t mask = f->cap - 1;
	size_t hole = hlo & mask;
	while (f->slots[hole].node != node) {
		if (f->slots[hole].node == 0)
			fatal("RIB node %u missing from its hash table", node);
		hole = (hole + 1) & mask;
	}
	for (size_t j = (hole + 1) & mask; f->slots[j].node != 0; j = (j + 1) & mask) {
		size_t home = f->slots[j].hlo & mask;
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			f->slots[hole] = f->slots[j];
			hole = j;
		}
	}
	f->slots[hole].node = 0;
	f->prefixes--;
	if (f->cap > HASH_MIN_CAP && f->prefixes * 8 < f->cap)
		hash_resize(f, f->cap / 2);
}

/* ---- paths of one prefix -------------------------------------------- */

/* Slots of n's paths: [node_first, node_end), stepping with node_next
 * (one inline path: slot 0; more: the vector's slots, holes skipped). */
/* A path slot that stands for "the node's first path". */
#define SLOT_FIRST UINT32_MAX

static uint32_t node_first(const struct rnode *n)
{
	return n->npaths > 1 ? n->u.paths->head : 0;
}

static uint32_t node_end(const struct rnode *n)
{
	return n->npaths > 1 ? n->u.paths->end : n->npaths;
}

static uint32_t node_next(const struct rnode *n, uint32_t k)
{
	return n->npaths > 1 ? pathvec_next(n->u.paths, k) : k + 1;
}

/* The slot of the first path with id > path_id, node_end if none. */
static uint32_t paths_after(const struct rnode *n, uint32_t path_id)
{
	if (n->npaths == 1)
		return n->aux > path_id ? 0 : 1;
	return pathvec_after(n->u.paths, path_id);
}

/* Set (path_id → set), taking a reference. 1 added, 2 replaced, 0 the
 * same set was there already or the prefix is full. */
static int paths_set(struct rfam *f, struct rnode *n, uint32_t path_id,
    struct attrset *set)
{
	if (n->npaths == 0) {
		n->u.set = attrset_get(set);
		n->aux = path_id;
		n->npaths = 1;
		return 1;
	}
	if (n->npaths == 1 && n->aux == path_id) {
		if (n->u.set == set)
			return 0;
		attrset_put(n->u.set);
		n->u.set = attrset_get(set);
		return 2;
	}
	if (n->npaths == 1) {
		struct pathvec_slot one = { n->u.set, n->aux };
		struct pathvec_slot add = { attrset_get(set), path_id };
		n->u.paths = one.path_id < path_id ? pathvec_new(one, add, &f->path_bytes) :
		    pathvec_new(add, one, &f->path_bytes);
		n->aux = 0;
		n->npaths = 2;
		return 1;
	}
	if (n->npaths == ADJRIB_MAX_PATHS && pathvec_find(n->u.paths, path_id) == PATHVEC_NONE)
		return 0;
	int r = pathvec_set(&n->u.paths, path_id, set, &f->path_bytes);
	n->npaths = n->u.paths->live;
	return r;
}

/* Remove path_id; returns its set (the caller puts it) or NULL. */
static struct attrset *paths_remove(struct rfam *f, struct rnode *n, uint32_t path_id)
{
	struct attrset *set;
	if (n->npaths == 0)
		return NULL;
	if (n->npaths == 1) {
		if (n->aux != path_id)
			return NULL;
		set = n->u.set;
		n->u.set = NULL;
		n->npaths = 0;
		return set;
	}
	set = pathvec_remove(&n->u.paths, path_id, &f->path_bytes);
	if (set == NULL)
		return NULL;
	struct pathvec *v = n->u.paths;
	n->npaths = v->live;
	if (v->live == 1) {
		struct pathvec_slot last = v->slot[v->head];
		pathvec_free(v, &f->path_bytes);
		n->u.set = last.set;
		n->aux = last.path_id;
	}
	return set;
}

/* Drop every path of n (for clear). */
static void paths_drop_all(struct rfam *f, struct rnode *n)
{
	if (n->npaths == 1)
		attrset_put(n->u.set);
	else if (n->npaths > 1)
		pathvec_drop_all(n->u.paths, &f->path_bytes);
	n->npaths = 0;
}

/* ---- trie ----------------------------------------------------------- */

static void replace_child(struct rfam *f, uint32_t parent, uint32_t old, uint32_t new)
{
	if (parent == 0) {
		f->root = new;
		return;
	}
	struct rnode *p = node_at(f, parent);
	p->child[p->child[0] == old ? 0 : 1] = new;
}

/* The node for addr/len, linked into the trie: an existing one (a branch
 * node at exactly that key is reused) or a new one with no paths. */
static uint32_t trie_insert(struct rfam *f, const uint8_t *addr, unsigned len)
{
	if (f->root == 0)
		return f->root = node_new(f, addr, len);

	/* Down to the first prefix node at or past len along addr, or the
	 * last one on the way (branch nodes always have both children). */
	uint32_t i = f->root;
	struct rnode *n = node_at(f, i);
	while (n->len < len || n->npaths == 0) {
		uint32_t c = n->child[addr_bit(addr, n->len)];
		if (c == 0)
			break;
		i = c;
		n = node_at(f, i);
	}
	unsigned diff = first_diff(addr, n->addr, n->len < len ? n->len : len);
	/* Back up to the highest node at or below the first differing bit. */
	while (n->parent != 0 && node_at(f, n->parent)->len >= diff) {
		i = n->parent;
		n = node_at(f, i);
	}
	if (diff == len && n->len == len)
		return i;

	uint32_t k = node_new(f, addr, len);
	struct rnode *nk = node_at(f, k);
	if (n->len == diff) {
		/* addr/len lies below n, on a side n has not used yet. */
		unsigned b = addr_bit(addr, n->len);
		if (n->child[b] != 0)
			fatal("RIB trie corrupt: occupied child at /%u", diff);
		n->child[b] = k;
		nk->parent = i;
		return k;
	}
	if (len == diff) {
		/* addr/len covers n: it goes between n and n's parent. */
		nk->child[addr_bit(n->addr, len)] = i;
		nk->parent = n->parent;
		replace_child(f, n->parent, i, k);
		n->parent = k;
		return k;
	}
	/* They part at bit diff: a branch node there holds both. */
	uint32_t g = node_new(f, addr, diff);
	struct rnode *ng = node_at(f, g);
	unsigned b = addr_bit(addr, diff);
	ng->child[b] = k;
	ng->child[!b] = i;
	ng->parent = n->parent;
	replace_child(f, n->parent, i, g);
	n->parent = g;
	nk->parent = g;
	return k;
}

/* n has just lost its last path: keep it as a branch node if it has two
 * children, otherwise take it out, and a branch node left with one child
 * too. */
static void trie_unlink(struct rfam *f, uint32_t i)
{
	struct rnode *n = node_at(f, i);
	if (n->child[0] != 0 && n->child[1] != 0)
		return;
	uint32_t c = n->child[0] ? n->child[0] : n->child[1];
	uint32_t p = n->parent;
	replace_child(f, p, i, c);
	node_free(f, i);
	if (c != 0) {
		node_at(f, c)->parent = p;
		return;
	}
	if (p == 0)
		return;
	struct rnode *pn = node_at(f, p);
	if (pn->npaths != 0)
		return;
	uint32_t other = pn->child[0] ? pn->child[0] : pn->child[1];
	replace_child(f, pn->parent, p, other);
	node_at(f, other)->parent = pn->parent;
	node_free(f, p);
}

/* The node after i in pre-order, not leaving the subtree of top (0: the
 * whole trie); 0 at the end. */
static uint32_t preorder_next(const struct rfam *f, uint32_t i, uint32_t top)
{
	const struct rnode *n = node_at(f, i);
	if (n->child[0] != 0)
		return n->child[0];
	if (n->child[1] != 0)
		return n->child[1];
	while (i != top && n->parent != 0) {
		uint32_t p = n->parent;
		const struct rnode *pn = node_at(f, p);
		if (pn->child[0] == i && pn->child[1] != 0)
			return pn->child[1];
		i = p;
		n = pn;
	}
	return 0;
}

/* The first prefix node at or after i in pre-order (within top). */
static uint32_t skip_branches(const struct rfam *f, uint32_t i, uint32_t top)
{
	while (i != 0 && node_at(f, i)->npaths == 0)
		i = preorder_next(f, i, top);
	return i;
}

/* The first node (prefix or branch) whose key is greater than addr/len,
 * in prefix order; 0 if none. */
static uint32_t trie_seek_after(const struct rfam *f, const uint8_t *addr, unsigned len)
{
	uint32_t cand = 0;
	uint32_t i = f->root;
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		unsigned check = n->len < len ? n->len : len;
		unsigned d = first_diff(addr, n->addr, check);
		if (d < check)
			return addr_bit(addr, d) == 0 ? i : cand;
		if (n->len > len)
			return i;       /* addr/len covers all of n's subtree */
		if (n->len == len) {
			uint32_t c = n->child[0] ? n->child[0] : n->child[1];
			return c ? c : cand;
		}
		unsigned b = addr_bit(addr, n->len);
		if (b == 0 && n->child[1] != 0)
			cand = n->child[1];
		i = n->child[b];
	}
	return cand;
}

/* ---- visiting ------------------------------------------------------- */

static int visit_node(const struct rfam *f, const struct rnode *n,
    adjrib_cb cb, void *arg)
{
	for (uint32_t k = node_first(n); k < node_end(n); k = node_next(n, k)) {
		struct bgp_prefix p;
		uint32_t path_id;
		struct attrset *set;
		node_path(n, k, &path_id, &set);
		node_prefix(f, n, path_id, &p);
		int rc = cb(&p, set, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Every route at or after node i in pre-order, within top. */
static int walk_from(const struct rfam *f, uint32_t i, uint32_t top,
    adjrib_cb cb, void *arg)
{
	for (i = skip_branches(f, i, top); i != 0;
	    i = skip_branches(f, preorder_next(f, i, top), top)) {
		int rc = visit_node(f, node_at(f, i), cb, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- the rib -------------------------------------------------------- */

static void fam_init(struct rfam *f, uint16_t afi, unsigned width)
{
	memset(f, 0, sizeof *f);
	f->afi = afi;
	f->width = (uint8_t)width;
	f->bits = (uint8_t)(width * 8);
	size_t size = offsetof(struct rnode, addr) + width;
	f->esize = (size + 7) & ~(size_t)7;
	f->fresh = 1;
	pathstore_seed_init(&f->seed);
}

struct adjrib *adjrib_new(struct attrstore *store)
{
	struct adjrib *rib = xcalloc(1, sizeof *rib);
	rib->store = store;
	fam_init(&rib->fam[0], BGP_AFI_IPV4, 4);
	fam_init(&rib->fam[1], BGP_AFI_IPV6, 16);
	return rib;
}

struct clear_ctx {
	adjrib_cb cb;
	void *arg;
	size_t removed;
};

static int clear_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct clear_ctx *cc = arg;
	cc->cb(p, set, cc->arg);
	cc->removed++;
	return 0;
}

static size_t fam_clear(struct rfam *f, adjrib_cb cb, void *arg)
{
	struct clear_ctx cc = { cb, arg, 0 };
	/* Visit in order, then drop every node's paths: the trie is thrown
	 * away whole, so it need not stay consistent while going. */
	if (cb != NULL)
		walk_from(f, f->root, 0, clear_route, &cc);
	else
		cc.removed = f->routes;
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i].node != 0)
			paths_drop_all(f, node_at(f, f->slots[i].node));
	for (uint32_t c = 0; c < f->nchunks; c++)
		free(f->chunks[c]);
	free(f->chunks);
	free(f->slots);
	struct pathstore_seed seed = f->seed;
	fam_init(f, f->afi, f->width);
	f->seed = seed;
	return cc.removed;
}

size_t adjrib_clear_each(struct adjrib *rib, adjrib_cb cb, void *arg)
{
	return fam_clear(&rib->fam[0], cb, arg) + fam_clear(&rib->fam[1], cb, arg);
}

size_t adjrib_clear_afi(struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
		return 0;
	return fam_clear(&rib->fam[afi - 1], cb, arg);
}

size_t adjrib_clear(struct adjrib *rib)
{
	return adjrib_clear_each(rib, NULL, NULL);
}

void adjrib_free(struct adjrib *rib)
{
	if (rib == NULL)
		return;
	adjrib_clear(rib);
	free(rib);
}

bool adjrib_announce(struct adjrib *rib, const struct bgp_prefix *p,
    struct attrset *set)
{
	if (set == NULL)
		return adjrib_withdraw(rib, p);
	uint8_t addr[16];
	struct rfam *f = key_of(rib, p, addr);
	if (f == NULL)
		return false;
	if (attrset_store(set) != rib->store)
		fatal("adjrib_announce: attribute set from another store");
	uint32_t hlo = prefix_hash(f, addr, p->len);
	uint32_t i = hash_find(f, addr, p->len, hlo);
	if (i == 0) {
		i = trie_insert(f, addr, p->len);
		hash_insert(f, i, hlo);
	}
	int r = paths_set(f, node_at(f, i), p->path_id, set);
	if (r == 1)
		f->routes++;
	return r != 0;
}

bool adjrib_withdraw(struct adjrib *rib, const struct bgp_prefix *p)
{
	uint8_t addr[16];
	struct rfam *f = key_of(rib, p, addr);
	if (f == NULL)
		return false;
	uint32_t hlo = prefix_hash(f, addr, p->len);
	uint32_t i = hash_find(f, addr, p->len, hlo);
	if (i == 0)
		return false;
	struct rnode *n = node_at(f, i);
	struct attrset *set = paths_remove(f, n, p->path_id);
	if (set == NULL)
		return false;
	attrset_put(set);
	f->routes--;
	if (n->npaths == 0) {
		hash_remove(f, i, hlo);
		trie_unlink(f, i);
	}
	return true;
}

struct attrset *adjrib_get(const struct adjrib *rib, const struct bgp_prefix *p)
{
	uint8_t addr[16];
	const struct rfam *f = key_of(rib, p, addr);
	if (f == NULL)
		return NULL;
	uint32_t i = hash_find(f, addr, p->len, prefix_hash(f, addr, p->len));
	if (i == 0)
		return NULL;
	const struct rnode *n = node_at(f, i);
	if (n->npaths == 1)
		return n->aux == p->path_id ? n->u.set : NULL;
	uint32_t k = pathvec_find(n->u.paths, p->path_id);
	return k != PATHVEC_NONE ? n->u.paths->slot[k].set : NULL;
}

size_t adjrib_count(const struct adjrib *rib, uint16_t afi)
{
	const struct rfam *f = fam_of(rib, afi);
	if (f != NULL)
		return f->routes;
	return afi == 0 ? rib->fam[0].routes + rib->fam[1].routes : 0;
}

size_t adjrib_prefix_count(const struct adjrib *rib, uint16_t afi)
{
	const struct rfam *f = fam_of(rib, afi);
	if (f != NULL)
		return f->prefixes;
	return afi == 0 ? rib->fam[0].prefixes + rib->fam[1].prefixes : 0;
}

int adjrib_walk(const struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	for (int k = 0; k < 2; k++) {
		const struct rfam *f = &rib->fam[k];
		if (afi != 0 && afi != f->afi)
			continue;
		int rc = walk_from(f, f->root, 0, cb, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- looking glass -------------------------------------------------- */

static int lookup_longer(const struct rfam *f, const uint8_t *addr,
    unsigned len, adjrib_cb cb, void *arg)
{
	uint32_t i = f->root;
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		if (n->len >= len) {
			if (first_diff(addr, n->addr, len) < len)
				return 0;
			return walk_from(f, i, i, cb, arg);
		}
		if (first_diff(addr, n->addr, n->len) < n->len)
			return 0;
		i = n->child[addr_bit(addr, n->len)];
	}
	return 0;
}

static int lookup_covering(const struct rfam *f, const uint8_t *addr,
    unsigned len, adjrib_cb cb, void *arg)
{
	uint32_t i = f->root;
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		if (n->len > len || first_diff(addr, n->addr, n->len) < n->len)
			return 0;
		int rc = visit_node(f, n, cb, arg);
		if (rc != 0 || n->len == len)
			return rc;
		i = n->child[addr_bit(addr, n->len)];
	}
	return 0;
}

int adjrib_lookup(const struct adjrib *rib, const struct bgp_prefix *p,
    enum adjrib_match match, adjrib_cb cb, void *arg)
{
	uint8_t addr[16];
	const struct rfam *f = key_of(rib, p, addr);
	if (f == NULL)
		return 0;
	switch (match) {
	case ADJRIB_EXACT: {
		uint32_t i = hash_find(f, addr, p->len, prefix_hash(f, addr, p->len));
		return i ? visit_node(f, node_at(f, i), cb, arg) : 0;
	}
	case ADJRIB_LONGER:
		return lookup_longer(f, addr, p->len, cb, arg);
	case ADJRIB_COVERING:
		return lookup_covering(f, addr, p->len, cb, arg);
	}
	return 0;
}

/* ---- a looking-glass lookup resumed after a route ------------------ */

/* Skips the routes an EXACT or COVERING lookup visited up to `after`:
 * those visit by prefix length, then path id. */
struct skip_to {
	const struct bgp_prefix *after;
	adjrib_cb cb;
	void *arg;
};

static int skip_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	const struct skip_to *s = arg;

	if (p->len < s->after->len || (p->len == s->after->len &&
	    p->path_id <= s->after->path_id))
		return 0;
	return s->cb(p, set, s->arg);
}

static uint32_t route_after(const struct rfam *f, const struct bgp_prefix *last,
    uint32_t *k);

/* LONGER from the first route after `after` (inside addr/len): the rest
 * of the subtree in pre-order, which ends at the first node outside it. */
static int longer_after(const struct rfam *f, const uint8_t *addr, unsigned len,
    const struct bgp_prefix *after, adjrib_cb cb, void *arg)
{
	uint32_t k, i = route_after(f, after, &k);

	for (; i != 0; i = skip_branches(f, preorder_next(f, i, 0), 0), k = SLOT_FIRST) {
		const struct rnode *n = node_at(f, i);
		if (n->len < len || first_diff(addr, n->addr, len) < len)
			return 0;
		for (k = k == SLOT_FIRST ? node_first(n) : k; k < node_end(n); k = node_next(n, k)) {
			struct bgp_prefix p;
			uint32_t path_id;
			struct attrset *set;
			node_path(n, k, &path_id, &set);
			node_prefix(f, n, path_id, &p);
			int rc = cb(&p, set, arg);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int adjrib_lookup_after(const struct adjrib *rib, const struct bgp_prefix *p,
    enum adjrib_match match, const struct bgp_prefix *after, adjrib_cb cb, void *arg)
{
	uint8_t addr[16], aaddr[16];
	const struct rfam *f;
	struct skip_to s = { after, cb, arg };

	if (after == NULL)
		return adjrib_lookup(rib, p, match, cb, arg);
	if ((f = key_of(rib, p, addr)) == NULL || key_of(rib, after, aaddr) != f)
		return 0;
	if (match != ADJRIB_LONGER)
		return adjrib_lookup(rib, p, match, skip_cb, &s);
	if (after->len < p->len || first_diff(addr, aaddr, p->len) < p->len)
		return 0;       /* not a route of this lookup */
	struct bgp_prefix last = *after;
	memcpy(last.addr, aaddr, f->width);
	return longer_after(f, addr, p->len, &last, cb, arg);
}

/* ---- cursor --------------------------------------------------------- */

enum { CURSOR_START, CURSOR_RUNNING, CURSOR_DONE };

void adjrib_cursor_init(struct adjrib_cursor *c, uint16_t afi)
{
	memset(c, 0, sizeof *c);
	c->afi = afi;
	c->state = CURSOR_START;
}

bool adjrib_cursor_done(const struct adjrib_cursor *c)
{
	return c->state == CURSOR_DONE;
}

/* The first route of f after `last`: node index (0 if none) and path
 * slot *k. */
static uint32_t route_after(const struct rfam *f, const struct bgp_prefix *last,
    uint32_t *k)
{
	*k = SLOT_FIRST;
	uint32_t i = hash_find(f, last->addr, last->len,
	    prefix_hash(f, last->addr, last->len));
	if (i != 0) {
		const struct rnode *n = node_at(f, i);
		*k = paths_after(n, last->path_id);
		if (*k < node_end(n))
			return i;
		*k = SLOT_FIRST;
		return skip_branches(f, preorder_next(f, i, 0), 0);
	}
	return skip_branches(f, trie_seek_after(f, last->addr, last->len), 0);
}

size_t adjrib_cursor_next(const struct adjrib *rib, struct adjrib_cursor *c,
    size_t max, adjrib_cb cb, void *arg)
{
	if (c->state == CURSOR_DONE || max == 0)
		return 0;
	if (c->afi != 0 && fam_of(rib, c->afi) == NULL) {
		c->state = CURSOR_DONE;
		return 0;
	}
	const struct rfam *f;
	uint32_t i, k = SLOT_FIRST;
	if (c->state == CURSOR_START) {
		f = fam_of(rib, c->afi ? c->afi : BGP_AFI_IPV4);
		i = skip_branches(f, f->root, 0);
	} else {
		f = fam_of(rib, c->last.afi);
		i = route_after(f, &c->last, &k);
	}
	size_t visited = 0;
	for (;;) {
		if (i == 0) {
			if (c->afi == 0 && f->afi == BGP_AFI_IPV4) {
				f = fam_of(rib, BGP_AFI_IPV6);
				i = skip_branches(f, f->root, 0);
				k = SLOT_FIRST;
				continue;
			}
			c->state = CURSOR_DONE;
			return visited;
		}
		if (visited == max)
			return visited;
		const struct rnode *n = node_at(f, i);
		uint32_t path_id;
		struct attrset *set;
		if (k == SLOT_FIRST)
			k = node_first(n);
		node_path(n, k, &path_id, &set);
		node_prefix(f, n, path_id, &c->last);
		c->state = CURSOR_RUNNING;
		visited++;
		struct bgp_prefix p = c->last;
		if (cb(&p, set, arg) != 0)
			return visited;
		if ((k = node_next(n, k)) >= node_end(n)) {
			k = SLOT_FIRST;
			i = skip_branches(f, preorder_next(f, i, 0), 0);
		}
	}
}

static int key_cmp(const struct bgp_prefix *a, const uint8_t *a_addr,
    const struct bgp_prefix *b)
{
	if (a->afi != b->afi)
		return a->afi < b->afi ? -1 : 1;
	int c = memcmp(a_addr, b->addr, 16);
	if (c != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->path_id != b->path_id)
		return a->path_id < b->path_id ? -1 : 1;
	return 0;
}

bool adjrib_cursor_passed(const struct adjrib_cursor *c, const struct bgp_prefix *p)
{
	if (c->afi != 0 && p->afi != c->afi)
		return false;
	if (p->afi != BGP_AFI_IPV4 && p->afi != BGP_AFI_IPV6)
		return false;
	if (c->state == CURSOR_START)
		return false;
	if (c->state == CURSOR_DONE)
		return true;
	uint8_t addr[16] = { 0 };
	unsigned width = p->afi == BGP_AFI_IPV4 ? 4 : 16;
	mask_addr(addr, p->addr, width, p->len);
	return key_cmp(p, addr, &c->last) <= 0;
}

void adjrib_stats(const struct adjrib *rib, struct adjrib_stats *st)
{
	memset(st, 0, sizeof *st);
	for (int k = 0; k < 2; k++) {
		const struct rfam *f = &rib->fam[k];
		st->routes += f->routes;
		st->prefixes += f->prefixes;
		st->nodes += f->nodes;
		st->bytes += (size_t)f->nchunks * CHUNK_NODES * f->esize +
		    f->nchunks * sizeof *f->chunks +
		    f->cap * sizeof *f->slots + f->path_bytes;
	}
}
