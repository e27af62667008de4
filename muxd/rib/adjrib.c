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
#include "muxd/rib/hugemem.h"

/* ---- node pool ------------------------------------------------------ */

/* A table's first chunks come from malloc (a small rib's table stays
 * small: an IXP's peers); a table that outgrows them, a full table, gets
 * the rest carved from huge-page regions (hugemem.h). */
#define POOL_SMALL_CHUNKS 16

static uint8_t *chunk_alloc(struct rfam *f)
{
	size_t size = CHUNK_NODES * f->esize;
	if (f->nchunks < POOL_SMALL_CHUNKS)
		return xmalloc(size);
	if (f->region_left < size) {
		f->regions = xreallocarray(f->regions, f->nregions + 1, sizeof *f->regions);
		f->regions[f->nregions++] = hugemem_alloc(HUGEMEM_PAGE);
		f->region_left = HUGEMEM_PAGE;
	}
	f->region_left -= size;
	return f->regions[f->nregions - 1] + HUGEMEM_PAGE - f->region_left - size;
}

static void chunks_free(struct rfam *f)
{
	for (uint32_t c = 0; c < f->nchunks && c < POOL_SMALL_CHUNKS; c++)
		free(f->chunks[c]);
	free(f->chunks);
	for (uint32_t r = 0; r < f->nregions; r++)
		hugemem_free(f->regions[r], HUGEMEM_PAGE);
	free(f->regions);
}

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
			f->chunks[f->nchunks] = chunk_alloc(f);
			f->nchunks++;
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
	if (f->finger == i)
		f->finger = 0;
	n->child[0] = f->free_list;
	n->parent = 0;          /* not NODE_PENDING: rfam_settle skips it */
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

/* Slot arrays of 2 MiB and more (a full table's) in huge pages. */
static struct hslot *slots_alloc(size_t cap)
{
	if (cap * sizeof(struct hslot) >= HUGEMEM_PAGE)
		return hugemem_alloc(cap * sizeof(struct hslot));
	return xcalloc(cap, sizeof(struct hslot));
}

static void slots_free(struct hslot *slots, size_t cap)
{
	if (cap * sizeof(struct hslot) >= HUGEMEM_PAGE)
		hugemem_free(slots, cap * sizeof(struct hslot));
	else
		free(slots);
}

static void hash_resize(struct rfam *f, size_t cap)
{
	struct hslot *slots = slots_alloc(cap);
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i].node != 0)
			hash_place(slots, cap, f->slots[i].node, f->slots[i].hlo);
	slots_free(f->slots, f->cap);
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

/*
 * The room a prefix's array of paths is made with when a second rib's
 * path comes: one slot per rib of the table, as most prefixes of a full
 * table are in every full table (ribs join the table only when full
 * tables, ADJRIB_JOIN_ROUTES). When the upstreams send at once, every
 * prefix gets its ribs' paths one after the other: an array that grew
 * 2, 4, 8 cost two reallocs per prefix (11 % of muxd's CPU at 8 x 1M).
 * ADD-PATH paths of one rib start at two.
 */
#define PATHS_ROOM_MAX 64

static uint32_t paths_room(const struct adjrib_table *t, uint32_t rib_a, uint32_t rib_b)
{
	if (rib_a == rib_b)
		return 2;
	return t->ribs < PATHS_ROOM_MAX ? (uint32_t)t->ribs : PATHS_ROOM_MAX;
}

/* Set (rib id, path_id → set), taking a reference. 1 added, 2 replaced,
 * 0 the same set was there already or the prefix is full. */
static int paths_set(struct adjrib_table *t, struct rfam *f, struct rnode *n, uint32_t id,
    uint32_t path_id, struct attrset *set)
{
	if (n->tag == TAG_EMPTY) {
		n->u.set = attrset_get(set);
		n->aux = path_id;
		n->tag = id + 1;
		return 1;
	}
	if (n->tag == id + 1 && n->aux == path_id) {
		if (n->u.set == set)
			return 0;
		attrset_put(n->u.set);
		n->u.set = attrset_get(set);
		return 2;
	}
	if (n->tag != TAG_PATHS) {
		struct pathvec_slot one = { n->u.set, n->aux, n->tag - 1 };
		struct pathvec_slot add = { attrset_get(set), path_id, id };
		uint32_t room = paths_room(t, one.rib, add.rib);
		n->u.paths = pathvec_slot_key(&one) < pathvec_slot_key(&add) ?
		    pathvec_new(one, add, room, &f->path_bytes) :
		    pathvec_new(add, one, room, &f->path_bytes);
		n->aux = 0;
		n->tag = TAG_PATHS;
		return 1;
	}
	uint64_t key = pathvec_key(id, path_id);
	if (n->u.paths->live >= ADJRIB_MAX_PATHS && pathvec_find(n->u.paths, key) == PATHVEC_NONE)
		return 0;
	return pathvec_set(&n->u.paths, key, set, &f->path_bytes);
}

/* Remove (rib id, path_id); returns its set (the caller puts it) or
 * NULL. */
static struct attrset *paths_remove(struct rfam *f, struct rnode *n, uint32_t id,
    uint32_t path_id)
{
	struct attrset *set;
	if (n->tag != TAG_PATHS) {
		if (n->tag != id + 1 || n->aux != path_id)
			return NULL;
		set = n->u.set;
		n->u.set = NULL;
		n->tag = TAG_EMPTY;
		return set;
	}
	set = pathvec_remove(&n->u.paths, pathvec_key(id, path_id), &f->path_bytes);
	if (set == NULL)
		return NULL;
	struct pathvec *v = n->u.paths;
	if (v->live == 1) {
		struct pathvec_slot last = v->slot[v->head];
		pathvec_free(v, &f->path_bytes);
		n->u.set = last.set;
		n->aux = last.path_id;
		n->tag = last.rib + 1;
	}
	return set;
}

/* Drop every path of n, whatever its rib (a table cleared whole). */
static void paths_drop_all(struct rfam *f, struct rnode *n)
{
	if (n->tag == TAG_PATHS)
		pathvec_drop_all(n->u.paths, &f->path_bytes);
	else if (n->tag != TAG_EMPTY)
		attrset_put(n->u.set);
	n->tag = TAG_EMPTY;
}

/* Drop rib id's paths of n; returns how many. */
static size_t paths_drop_rib(struct rfam *f, struct rnode *n, uint32_t id)
{
	size_t dropped = 0;
	for (struct rrange r = node_range(n, id); r.first < r.end; r = node_range(n, id)) {
		uint32_t path_id;
		struct attrset *set;
		node_path(n, r.first, &path_id, &set);
		attrset_put(paths_remove(f, n, id, path_id));
		dropped++;
	}
	return dropped;
}

/* ---- the table -------------------------------------------------------- */

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

/* Give the family's memory back (every path already dropped). */
static void fam_reset(struct rfam *f)
{
	chunks_free(f);
	slots_free(f->slots, f->cap);
	free(f->pending);
	struct pathstore_seed seed = f->seed;
	fam_init(f, f->afi, f->width);
	f->seed = seed;
}

struct adjrib_table *adjrib_table_new(void)
{
	struct adjrib_table *t = xcalloc(1, sizeof *t);
	t->join_routes = ADJRIB_JOIN_ROUTES;
	FOR_EACH_RIB_AID(aid)
		fam_init(&t->fam[aid], bgp_af(aid)->afi, bgp_af(aid)->addr_len);
	return t;
}

void adjrib_table_free(struct adjrib_table *t)
{
	if (t == NULL)
		return;
	if (t->ribs + t->waiting != 0)
		fatal("adjrib_table_free: %zu ribs still in the table",
		    t->ribs + t->waiting);
	FOR_EACH_RIB_AID(aid)
		fam_reset(&t->fam[aid]);
	free(t->free_ids);
	free(t);
}

size_t adjrib_table_ribs(const struct adjrib_table *t) { return t->ribs + t->waiting; }

/* ---- the rib -------------------------------------------------------- */

/* Give rib an id in t: it is in t from now on. */
static void rib_enter(struct adjrib *rib, struct adjrib_table *t)
{
	rib->table = t;
	if (t->nfree > 0) {
		rib->id = t->free_ids[--t->nfree];
	} else {
		/* 16 million ribs in one table: a bug, not a load. */
		if (t->next_id > RIB_ID_MAX)
			fatal("adjrib: more than %u ribs in one table", RIB_ID_MAX);
		rib->id = t->next_id++;
	}
	t->ribs++;
}

/* Take rib out of its table, giving its id back. */
static void rib_leave(struct adjrib *rib)
{
	struct adjrib_table *t = rib->table;
	t->ribs--;
	t->free_ids = xgrow_array(t->free_ids, &t->free_cap, t->nfree + 1,
	    sizeof *t->free_ids);
	t->free_ids[t->nfree++] = rib->id;
}

struct adjrib *adjrib_new(struct attrstore *store)
{
	struct adjrib *rib = xcalloc(1, sizeof *rib);
	rib->store = store;
	rib->own_table = true;
	rib_enter(rib, adjrib_table_new());
	return rib;
}

struct adjrib *adjrib_new_in(struct adjrib_table *t, struct attrstore *store)
{
	if (t->join_routes == 0) {
		struct adjrib *rib = xcalloc(1, sizeof *rib);
		rib->store = store;
		rib_enter(rib, t);
		return rib;
	}
	struct adjrib *rib = adjrib_new(store);
	rib->joins = t;
	t->waiting++;
	return rib;
}

void adjrib_table_join_at(struct adjrib_table *t, size_t routes)
{
	t->join_routes = routes;
}

static int join_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	adjrib_announce(arg, p, set);
	return 0;
}

static bool table_empty(const struct adjrib_table *t)
{
	if (t->ribs != 0)
		return false;
	FOR_EACH_RIB_AID(aid)
		if (t->fam[aid].nodes != 0)
			return false;
	return true;
}

/* The rib has grown to the table's join_routes: its routes move from its
 * own table into the one it joins (once: it stays there). Into a table
 * with no rib yet (the first full table), the families move over whole:
 * no id is in use there, so the rib takes the id it has in its own table
 * (the first, 0) and its nodes' tags stay right. */
static void rib_join(struct adjrib *rib)
{
	struct adjrib old = *rib;
	struct adjrib_table *t = rib->joins;

	t->waiting--;
	rib->joins = NULL;
	rib->own_table = false;
	if (table_empty(t) && old.id == 0) {
		t->next_id = 0;
		t->nfree = 0;
		FOR_EACH_RIB_AID(aid) {
			struct rfam f = t->fam[aid];
			t->fam[aid] = old.table->fam[aid];
			old.table->fam[aid] = f;
		}
		rib_enter(rib, t);
	} else {
		memset(rib->cnt, 0, sizeof rib->cnt);
		rib_enter(rib, t);
		adjrib_walk(&old, 0, join_route, rib);
		adjrib_clear(&old);
	}
	old.table->ribs--;
	adjrib_table_free(old.table);
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

/* Clear a family whose only rib is this one: visit in order, then drop
 * every node's paths; the trie is thrown away whole, so it need not stay
 * consistent while going. */
static size_t fam_clear_alone(struct rfam *f, uint32_t id, adjrib_cb cb, void *arg)
{
	struct clear_ctx cc = { cb, arg, 0 };
	if (cb != NULL)
		rfam_walk_from(f, id, rfam_root(f), 0, clear_route, &cc);
	else
		cc.removed = f->routes;
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i].node != 0)
			paths_drop_all(f, node_at(f, f->slots[i].node));
	fam_reset(f);
	return cc.removed;
}

/* Clear the rib's paths of a family other ribs share: node by node in
 * prefix order, unlinking the nodes left with no path. The next node is
 * found before unlinking: unlinking a node frees it and perhaps its
 * parent, never the node after it in pre-order (a child of it, which
 * takes its place, or a node outside its parent's subtree). */
static size_t fam_clear_shared(struct rfam *f, uint32_t id, adjrib_cb cb, void *arg)
{
	size_t removed = 0;
	for (uint32_t i = rfam_skip_branches(f, id, rfam_root(f), 0); i != 0;) {
		struct rnode *n = node_at(f, i);
		struct clear_ctx cc = { cb, arg, 0 };
		if (cb != NULL)
			rfam_visit_node(f, id, n, clear_route, &cc);
		removed += paths_drop_rib(f, n, id);
		uint32_t next = rfam_preorder_next(f, i, 0);
		if (node_empty(n)) {
			hash_remove(f, i, prefix_hash(f, n->addr, n->len));
			rfam_trie_unlink(f, i);
		}
		i = rfam_skip_branches(f, id, next, 0);
	}
	f->routes -= removed;
	if (f->prefixes == 0)
		fam_reset(f);
	return removed;
}

static size_t fam_clear(struct adjrib *rib, struct rfam *f, adjrib_cb cb, void *arg)
{
	size_t aid = rib_aid(rib, f);
	size_t removed = rib->table->ribs == 1 ? fam_clear_alone(f, rib->id, cb, arg) :
	    rib->cnt[aid].routes == 0 ? 0 : fam_clear_shared(f, rib->id, cb, arg);
	rib->cnt[aid].routes = 0;
	rib->cnt[aid].prefixes = 0;
	return removed;
}

size_t adjrib_clear_each(struct adjrib *rib, adjrib_cb cb, void *arg)
{
	size_t n = 0;

	FOR_EACH_RIB_AID(aid)
		n += fam_clear(rib, &rib->table->fam[aid], cb, arg);
	return n;
}

size_t adjrib_clear_afi(struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	struct rfam *f = fam_of(rib, afi);

	return f ? fam_clear(rib, f, cb, arg) : 0;
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
	if (rib->joins != NULL)
		rib->joins->waiting--;
	if (rib->own_table) {
		rib->table->ribs--;
		adjrib_table_free(rib->table);
	} else {
		rib_leave(rib);
	}
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
		i = rfam_node_new(f, addr, p->len);
		hash_insert(f, i, hlo);
		rfam_trie_add(f, i);
	}
	struct rnode *n = node_at(f, i);
	bool had = node_has(n, rib->id);
	int r = paths_set(rib->table, f, n, rib->id, p->path_id, set);
	if (r == 1) {
		size_t aid = rib_aid(rib, f);
		f->routes++;
		rib->cnt[aid].routes++;
		rib->cnt[aid].prefixes += !had;
		if (rib->joins != NULL && adjrib_count(rib, 0) >= rib->joins->join_routes)
			rib_join(rib);
	}
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
	struct attrset *set = paths_remove(f, n, rib->id, p->path_id);
	if (set == NULL)
		return false;
	attrset_put(set);
	size_t aid = rib_aid(rib, f);
	f->routes--;
	rib->cnt[aid].routes--;
	rib->cnt[aid].prefixes -= !node_has(n, rib->id);
	if (node_empty(n)) {
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
	if (n->tag != TAG_PATHS)
		return n->tag == rib->id + 1 && n->aux == p->path_id ? n->u.set : NULL;
	uint32_t k = pathvec_find(n->u.paths, pathvec_key(rib->id, p->path_id));
	return k != PATHVEC_NONE ? n->u.paths->slot[k].set : NULL;
}

size_t adjrib_count(const struct adjrib *rib, uint16_t afi)
{
	const struct rfam *f = fam_of(rib, afi);
	size_t n = 0;

	if (f != NULL)
		return rib->cnt[rib_aid(rib, f)].routes;
	if (afi == 0)
		FOR_EACH_RIB_AID(aid)
			n += rib->cnt[aid].routes;
	return n;
}

size_t adjrib_prefix_count(const struct adjrib *rib, uint16_t afi)
{
	const struct rfam *f = fam_of(rib, afi);
	size_t n = 0;

	if (f != NULL)
		return rib->cnt[rib_aid(rib, f)].prefixes;
	if (afi == 0)
		FOR_EACH_RIB_AID(aid)
			n += rib->cnt[aid].prefixes;
	return n;
}

int adjrib_walk(const struct adjrib *rib, uint16_t afi, adjrib_cb cb, void *arg)
{
	FOR_EACH_RIB_AID(aid) {
		const struct rfam *f = &rib->table->fam[aid];
		if (afi != 0 && afi != f->afi)
			continue;
		int rc = rfam_walk_from(f, rib->id, rfam_root(f), 0, cb, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void adjrib_settle(const struct adjrib *rib)
{
	FOR_EACH_RIB_AID(aid)
		(void)rfam_root(&rib->table->fam[aid]);
}

/* x's share of a family's total: this rib's routes of all the table's. */
static size_t share(size_t x, size_t routes, size_t total, size_t ribs)
{
	if (total == 0)
		return ribs == 1 ? x : 0;
	return (size_t)((unsigned __int128)x * routes / total);
}

/* Family f's figures, scaled by routes / f->routes (the whole family:
 * routes = f->routes). */
static void fam_stats(const struct rfam *f, size_t routes, size_t ribs,
    struct adjrib_stats *st)
{
	st->nodes += share(f->nodes, routes, f->routes, ribs);
	st->node_bytes += share((size_t)f->nchunks * CHUNK_NODES * f->esize +
	    f->nchunks * sizeof *f->chunks, routes, f->routes, ribs);
	st->hash_bytes += share(f->cap * sizeof *f->slots, routes, f->routes, ribs);
	st->path_bytes += share(f->path_bytes, routes, f->routes, ribs);
}

void adjrib_stats(const struct adjrib *rib, struct adjrib_stats *st)
{
	const struct adjrib_table *t = rib->table;

	memset(st, 0, sizeof *st);
	FOR_EACH_RIB_AID(aid) {
		st->routes += rib->cnt[aid].routes;
		st->prefixes += rib->cnt[aid].prefixes;
		fam_stats(&t->fam[aid], rib->cnt[aid].routes, t->ribs, st);
	}
	st->bytes = st->node_bytes + st->hash_bytes + st->path_bytes;
}

void adjrib_table_stats(const struct adjrib_table *t, struct adjrib_stats *st)
{
	memset(st, 0, sizeof *st);
	FOR_EACH_RIB_AID(aid) {
		const struct rfam *f = &t->fam[aid];
		st->routes += f->routes;
		st->prefixes += f->prefixes;
		fam_stats(f, f->routes, 1, st);
	}
	st->bytes = st->node_bytes + st->hash_bytes + st->path_bytes;
}
