/*
 * adjrib.c — the Adj-RIB-In's table: per family, a node pool and a hash
 * table that finds a prefix's node in O(1); a node's paths; announce,
 * withdraw, get, clear, counts and memory (adjrib.h). The order of the
 * prefixes is the trie's (adjrib_trie.c); adjrib_node.h says why both.
 */
#include "muxd/rib/adjrib_node.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

/* ---- node pool ------------------------------------------------------ */

uint32_t rfam_node_new(struct rfam *f, const uint8_t *addr, unsigned len)
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

void rfam_node_free(struct rfam *f, uint32_t i)
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
	FOR_EACH_RIB_AID(aid)
		fam_init(&rib->fam[aid], bgp_af(aid)->afi, bgp_af(aid)->addr_len);
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
		rfam_walk_from(f, f->root, 0, clear_route, &cc);
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
	size_t n = 0;

	FOR_EACH_RIB_AID(aid)
		n += fam_clear(&rib->fam[aid], cb, arg);
	return n;
}

size_t adjrib_clear_afi(struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	struct rfam *f = fam_of(rib, afi);

	return f ? fam_clear(f, cb, arg) : 0;
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
		i = rfam_trie_insert(f, addr, p->len);
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
		rfam_trie_unlink(f, i);
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
	size_t n = 0;

	if (f != NULL)
		return f->routes;
	if (afi == 0)
		FOR_EACH_RIB_AID(aid)
			n += rib->fam[aid].routes;
	return n;
}

size_t adjrib_prefix_count(const struct adjrib *rib, uint16_t afi)
{
	const struct rfam *f = fam_of(rib, afi);
	size_t n = 0;

	if (f != NULL)
		return f->prefixes;
	if (afi == 0)
		FOR_EACH_RIB_AID(aid)
			n += rib->fam[aid].prefixes;
	return n;
}

int adjrib_walk(const struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	FOR_EACH_RIB_AID(aid) {
		const struct rfam *f = &rib->fam[aid];
		if (afi != 0 && afi != f->afi)
			continue;
		int rc = rfam_walk_from(f, f->root, 0, cb, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void adjrib_stats(const struct adjrib *rib, struct adjrib_stats *st)
{
	memset(st, 0, sizeof *st);
	FOR_EACH_RIB_AID(aid) {
		const struct rfam *f = &rib->fam[aid];
		st->routes += f->routes;
		st->prefixes += f->prefixes;
		st->nodes += f->nodes;
		st->node_bytes += (size_t)f->nchunks * CHUNK_NODES * f->esize +
		    f->nchunks * sizeof *f->chunks;
		st->hash_bytes += f->cap * sizeof *f->slots;
		st->path_bytes += f->path_bytes;
	}
	st->bytes = st->node_bytes + st->hash_bytes + st->path_bytes;
}
