/*
 * adjrib_trie.c — the order of the Adj-RIB-In: per family, a
 * path-compressed binary (Patricia) trie of prefixes, and the walks in
 * prefix order over it.
 *
 * A Patricia trie (branch nodes only where two prefixes part) keeps at
 * most one branch node per prefix, and walking it in pre-order (node,
 * 0-side, 1-side) is exactly prefix order. Parent links make unlinking
 * O(1) and let iteration go on without a stack.
 */
#include "muxd/rib/adjrib_node.h"

#include "muxd/lib/log.h"

static void replace_child(struct rfam *f, uint32_t parent, uint32_t old, uint32_t new)
{
	if (parent == 0) {
		f->root = new;
		return;
	}
	struct rnode *p = node_at(f, parent);
	p->child[p->child[0] == old ? 0 : 1] = new;
}

/*
 * Where the descent for addr/len may start: the lowest node on the way
 * up from the last node inserted (f->finger) whose key covers addr/len,
 * or the root. Every node above it covers addr/len too, so a descent
 * from the root would pass through it: starting there gives the same
 * result. A table dump comes in prefix order, so the next prefix is
 * usually a few nodes from the last one, all of them in the cache,
 * where a descent from the root takes ~20 cache misses on a full table.
 */
static uint32_t descent_start(const struct rfam *f, const uint8_t *addr, unsigned len)
{
	uint32_t i = f->finger;
	while (i != 0) {
		const struct rnode *n = node_at(f, i);
		if (n->len <= len && first_diff(addr, n->addr, n->len) == n->len)
			return i;
		i = n->parent;
	}
	return f->root;
}

/* rfam_trie_insert without the finger's update. */
static uint32_t trie_insert(struct rfam *f, const uint8_t *addr, unsigned len)
{
	if (f->root == 0)
		return f->root = rfam_node_new(f, addr, len);

	/* Down to the first prefix node at or past len along addr, or the
	 * last one on the way (branch nodes always have both children). */
	uint32_t i = descent_start(f, addr, len);
	struct rnode *n = node_at(f, i);
	while (n->len < len || node_empty(n)) {
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

	uint32_t k = rfam_node_new(f, addr, len);
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
	uint32_t g = rfam_node_new(f, addr, diff);
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

/* The node for addr/len, linked into the trie: an existing one (a branch
 * node at exactly that key is reused) or a new one with no paths. */
uint32_t rfam_trie_insert(struct rfam *f, const uint8_t *addr, unsigned len)
{
	uint32_t i = trie_insert(f, addr, len);
	f->finger = i;
	return i;
}

/* n has just lost its last path: keep it as a branch node if it has two
 * children, otherwise take it out, and a branch node left with one child
 * too. */
void rfam_trie_unlink(struct rfam *f, uint32_t i)
{
	struct rnode *n = node_at(f, i);
	if (n->child[0] != 0 && n->child[1] != 0)
		return;
	uint32_t c = n->child[0] ? n->child[0] : n->child[1];
	uint32_t p = n->parent;
	replace_child(f, p, i, c);
	rfam_node_free(f, i);
	if (c != 0) {
		node_at(f, c)->parent = p;
		return;
	}
	if (p == 0)
		return;
	struct rnode *pn = node_at(f, p);
	if (!node_empty(pn))
		return;
	uint32_t other = pn->child[0] ? pn->child[0] : pn->child[1];
	replace_child(f, pn->parent, p, other);
	node_at(f, other)->parent = pn->parent;
	rfam_node_free(f, p);
}

/* The node after i in pre-order, not leaving the subtree of top (0: the
 * whole trie); 0 at the end. */
uint32_t rfam_preorder_next(const struct rfam *f, uint32_t i, uint32_t top)
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

/* The first node at or after i in pre-order (within top) where rib id
 * has a path. */
uint32_t rfam_skip_branches(const struct rfam *f, uint32_t id, uint32_t i, uint32_t top)
{
	while (i != 0 && !node_has(node_at(f, i), id))
		i = rfam_preorder_next(f, i, top);
	return i;
}

/* The first node (prefix or branch) whose key is greater than addr/len,
 * in prefix order; 0 if none. */
uint32_t rfam_seek_after(const struct rfam *f, const uint8_t *addr, unsigned len)
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

int rfam_visit_node(const struct rfam *f, uint32_t id, const struct rnode *n,
    adjrib_cb cb, void *arg)
{
	struct rrange r = node_range(n, id);
	return rfam_visit_node_from(f, n, r, r.first, cb, arg);
}

int rfam_visit_node_from(const struct rfam *f, const struct rnode *n, struct rrange r,
    uint32_t k, adjrib_cb cb, void *arg)
{
	for (; k < r.end; k = node_next(n, r, k)) {
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

/* Every route of rib id at or after node i in pre-order, within top. */
int rfam_walk_from(const struct rfam *f, uint32_t id, uint32_t i, uint32_t top,
    adjrib_cb cb, void *arg)
{
	for (i = rfam_skip_branches(f, id, i, top); i != 0;
	    i = rfam_skip_branches(f, id, rfam_preorder_next(f, i, top), top)) {
		int rc = rfam_visit_node(f, id, node_at(f, i), cb, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}
