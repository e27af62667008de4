/*
 * adjrib_lookup.c — reading the Adj-RIB-In by prefix: the looking glass
 * (exact, or longer, or covering), the same lookup resumed after a route
 * (pages of an API answer), and cursors that walk the whole rib in chunks
 * while it changes (adjrib.h); fetching ahead for a batch of announces.
 */
#include "muxd/rib/adjrib_node.h"

/* ---- looking glass -------------------------------------------------- */

static int lookup_longer(const struct rfam *f, uint32_t id, const uint8_t *addr,
    unsigned len, adjrib_cb cb, void *arg)
{
	uint32_t i = rfam_root(f);
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		if (n->len >= len) {
			if (first_diff(addr, n->addr, len) < len)
				return 0;
			return rfam_walk_from(f, id, i, i, cb, arg);
		}
		if (first_diff(addr, n->addr, n->len) < n->len)
			return 0;
		i = n->child[addr_bit(addr, n->len)];
	}
	return 0;
}

static int lookup_covering(const struct rfam *f, uint32_t id, const uint8_t *addr,
    unsigned len, adjrib_cb cb, void *arg)
{
	uint32_t i = rfam_root(f);
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		if (n->len > len || first_diff(addr, n->addr, n->len) < n->len)
			return 0;
		int rc = rfam_visit_node(f, id, n, cb, arg);
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
		return i ? rfam_visit_node(f, rib->id, node_at(f, i), cb, arg) : 0;
	}
	case ADJRIB_LONGER:
		return lookup_longer(f, rib->id, addr, p->len, cb, arg);
	case ADJRIB_COVERING:
		return lookup_covering(f, rib->id, addr, p->len, cb, arg);
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

/* The first route of rib id in f after `last`: node index (0 if none)
 * and path slot *k. */
static uint32_t route_after(const struct rfam *f, uint32_t id,
    const struct bgp_prefix *last, uint32_t *k)
{
	*k = SLOT_FIRST;
	(void)rfam_root(f);     /* the trie whole before stepping in it */
	uint32_t i = hash_find(f, last->addr, last->len,
	    prefix_hash(f, last->addr, last->len));
	if (i != 0) {
		const struct rnode *n = node_at(f, i);
		struct rrange r = node_range(n, id);
		*k = paths_after(n, r, id, last->path_id);
		if (*k < r.end)
			return i;
		*k = SLOT_FIRST;
		return rfam_skip_branches(f, id, rfam_preorder_next(f, i, 0), 0);
	}
	return rfam_skip_branches(f, id, rfam_seek_after(f, last->addr, last->len), 0);
}

/* LONGER from the first route after `after` (inside addr/len): the rest
 * of the subtree in pre-order, which ends at the first node outside it. */
static int longer_after(const struct rfam *f, uint32_t id, const uint8_t *addr,
    unsigned len, const struct bgp_prefix *after, adjrib_cb cb, void *arg)
{
	uint32_t k, i = route_after(f, id, after, &k);

	for (; i != 0; i = rfam_skip_branches(f, id, rfam_preorder_next(f, i, 0), 0),
	    k = SLOT_FIRST) {
		const struct rnode *n = node_at(f, i);
		if (n->len < len || first_diff(addr, n->addr, len) < len)
			return 0;
		struct rrange r = node_range(n, id);
		int rc = rfam_visit_node_from(f, n, r, k == SLOT_FIRST ? r.first : k, cb, arg);
		if (rc != 0)
			return rc;
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
	return longer_after(f, rib->id, addr, p->len, &last, cb, arg);
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

size_t adjrib_cursor_next(const struct adjrib *rib, struct adjrib_cursor *c,
    size_t max, adjrib_cb cb, void *arg)
{
	if (c->state == CURSOR_DONE || max == 0)
		return 0;
	if (c->afi != 0 && fam_of(rib, c->afi) == NULL) {
		c->state = CURSOR_DONE;
		return 0;
	}
	const struct rfam *f, *last_fam = &rib->table->fam[AID_RIB_MAX - 1];
	uint32_t id = rib->id, i, k = SLOT_FIRST;
	if (c->state == CURSOR_START) {
		f = c->afi ? fam_of(rib, c->afi) : &rib->table->fam[0];
		i = rfam_skip_branches(f, id, rfam_root(f), 0);
	} else {
		f = fam_of(rib, c->last.afi);
		i = route_after(f, id, &c->last, &k);
	}
	size_t visited = 0;
	for (;;) {
		if (i == 0) {
			/* every family: on to the next, in aid order */
			if (c->afi == 0 && f != last_fam) {
				f++;
				i = rfam_skip_branches(f, id, rfam_root(f), 0);
				k = SLOT_FIRST;
				continue;
			}
			c->state = CURSOR_DONE;
			return visited;
		}
		if (visited == max)
			return visited;
		const struct rnode *n = node_at(f, i);
		struct rrange r = node_range(n, id);
		uint32_t path_id;
		struct attrset *set;
		if (k == SLOT_FIRST)
			k = r.first;
		node_path(n, k, &path_id, &set);
		node_prefix(f, n, path_id, &c->last);
		c->state = CURSOR_RUNNING;
		visited++;
		struct bgp_prefix p = c->last;
		if (cb(&p, set, arg) != 0)
			return visited;
		if ((k = node_next(n, r, k)) >= r.end) {
			k = SLOT_FIRST;
			i = rfam_skip_branches(f, id, rfam_preorder_next(f, i, 0), 0);
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
	enum bgp_aid aid = bgp_aid_unicast(p->afi);

	if (!bgp_aid_is_rib(aid))
		return false;
	if (c->state == CURSOR_START)
		return false;
	if (c->state == CURSOR_DONE)
		return true;
	uint8_t addr[16] = { 0 };
	unsigned width = bgp_af(aid)->addr_len;
	mask_addr(addr, p->addr, width, p->len);
	return key_cmp(p, addr, &c->last) <= 0;
}

/* ---- fetching ahead ------------------------------------------------- */

/* A prefix's array of paths spans several lines (a full table's eight
 * views: 16 + 8 x 16 bytes); its search reads the middle ones, so all are
 * fetched. A fetch past the array's end is harmless: it never faults. */
static void prefetch_paths(const struct pathvec *v)
{
	const char *b = (const char *)v;
	__builtin_prefetch(b, 1);
	__builtin_prefetch(b + 64, 1);
	__builtin_prefetch(b + 128, 1);
}

void adjrib_prefetch(const struct adjrib *rib, const struct bgp_prefix *p, int depth)
{
	uint8_t addr[16];
	const struct rfam *f = key_of(rib, p, addr);
	if (f == NULL || f->cap == 0)
		return;
	uint32_t hlo = prefix_hash(f, addr, p->len);
	size_t mask = f->cap - 1;
	size_t i = hlo & mask;
	if (depth == 0) {
		__builtin_prefetch(&f->slots[i], 1);
		return;
	}
	for (; f->slots[i].node != 0; i = (i + 1) & mask) {
		if (f->slots[i].hlo != hlo)
			continue;
		const struct rnode *n = node_at(f, f->slots[i].node);
		if (depth == 1)
			__builtin_prefetch(n, 1);
		else if (n->tag == TAG_PATHS)
			prefetch_paths(n->u.paths);
		return;
	}
}

/* How far ahead each level is fetched: a slot early enough for the node
 * read through it to hit, the node before its paths. */
#define AHEAD_SLOT 12
#define AHEAD_NODE 6
#define AHEAD_PATHS 2

void adjrib_batch_flush(struct adjrib_batch *b)
{
	size_t n = b->n;
	b->n = 0;
	for (size_t i = 0; i < n && i < AHEAD_SLOT; i++)
		adjrib_prefetch(b->rib, &b->p[i], 0);
	for (size_t i = 0; i < n; i++) {
		if (i + AHEAD_SLOT < n)
			adjrib_prefetch(b->rib, &b->p[i + AHEAD_SLOT], 0);
		if (i + AHEAD_NODE < n)
			adjrib_prefetch(b->rib, &b->p[i + AHEAD_NODE], 1);
		if (i + AHEAD_PATHS < n)
			adjrib_prefetch(b->rib, &b->p[i + AHEAD_PATHS], 2);
		b->fn(&b->p[i], b->arg);
	}
}

void adjrib_batch_add(struct adjrib_batch *b, const struct bgp_prefix *p)
{
	b->p[b->n++] = *p;
	if (b->n == ADJRIB_BATCH)
		adjrib_batch_flush(b);
}
