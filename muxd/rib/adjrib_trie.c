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

#include <stdlib.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/hugemem.h"

/* Fewer waiting nodes than this are linked only when the order is read;
 * more than PENDING_MAX (a sort buffer of 16 MiB) are linked at once
 * whatever the table's size. */
#define PENDING_MIN 4096
#define PENDING_MAX (1u << 20)

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

/* Node k takes the place of branch node i, which has k's key. */
static void take_branch(struct rfam *f, uint32_t i, uint32_t k)
{
	struct rnode *n = node_at(f, i), *nk = node_at(f, k);
	if (!node_empty(n))
		fatal("RIB trie corrupt: two nodes for one prefix /%u", n->len);
	nk->child[0] = n->child[0];
	nk->child[1] = n->child[1];
	nk->parent = n->parent;
	replace_child(f, n->parent, i, k);
	for (int b = 0; b < 2; b++)
		if (nk->child[b] != 0)
			node_at(f, nk->child[b])->parent = k;
	rfam_node_free(f, i);
}

/* Link node k (its key, no children) into the trie. */
static void trie_link(struct rfam *f, uint32_t k)
{
	struct rnode *nk = node_at(f, k);
	const uint8_t *addr = nk->addr;
	unsigned len = nk->len;

	nk->parent = 0;
	if (f->root == 0) {
		f->root = k;
		return;
	}
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
	if (diff == len && n->len == len) {
		take_branch(f, i, k);
		return;
	}
	if (n->len == diff) {
		/* addr/len lies below n, on a side n has not used yet. */
		unsigned b = addr_bit(addr, n->len);
		if (n->child[b] != 0)
			fatal("RIB trie corrupt: occupied child at /%u", diff);
		n->child[b] = k;
		nk->parent = i;
		return;
	}
	if (len == diff) {
		/* addr/len covers n: it goes between n and n's parent. */
		nk->child[addr_bit(n->addr, len)] = i;
		nk->parent = n->parent;
		replace_child(f, n->parent, i, k);
		n->parent = k;
		return;
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
}

/* Whether node k's key comes after the finger's, as in a dump in prefix
 * order: its descent then starts a few nodes away, in the cache. */
static bool follows_finger(const struct rfam *f, const struct rnode *nk)
{
	if (f->root == 0)
		return true;
	if (f->finger == 0)
		return false;
	const struct rnode *n = node_at(f, f->finger);
	int c = memcmp(n->addr, nk->addr, f->width);
	return c < 0 || (c == 0 && n->len < nk->len);
}

/* Link k, and start the next descent there. */
static void link_at_finger(struct rfam *f, uint32_t k)
{
	trie_link(f, k);
	f->finger = k;
}

void rfam_trie_add(struct rfam *f, uint32_t k)
{
	struct rnode *nk = node_at(f, k);
	uint32_t *list;
	if (f->npending == 0 && follows_finger(f, nk)) {
		link_at_finger(f, k);
		return;
	}
	list = grow_array(f->pending, &f->pending_cap, f->npending + 1, sizeof *list);
	if (list == NULL) {
		link_at_finger(f, k);   /* no room to wait: linked now, slower */
		return;
	}
	f->pending = list;
	nk->parent = NODE_PENDING;
	f->pending[f->npending++] = k;
	/* Linking in batches as large as the trie already is keeps the sort
	 * and the link at a constant cost per prefix, and the list bounded. */
	if (f->npending >= PENDING_MAX ||
	    (f->npending >= PENDING_MIN && f->npending * 2 >= f->prefixes))
		rfam_settle(f);
}

/* ---- sorting the waiting nodes ---------------------------------------- */

/* A waiting node for the sort: the first 32 bits of its address
 * (big-endian) above its index. Sorted approximately is enough: the order
 * only makes the links cheap (an IPv6 prefix's bits past 32 and the
 * length are left out). */
static uint64_t pend_entry(const struct rfam *f, uint32_t k)
{
	const uint8_t *a = node_at(f, k)->addr;
	uint32_t key = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	return (uint64_t)key << 32 | k;
}

/* LSD radix sort of a[0..n) by the key half, a byte a pass; tmp holds n.
 * A byte every key shares costs no pass. */
static uint64_t *pend_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t count[4][256] = { { 0 } };
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 4; d++)
			count[d][(a[i] >> (32 + 8 * d)) & 0xff]++;
	for (int d = 0; d < 4; d++) {
		unsigned shift = 32 + 8 * (unsigned)d;
		size_t sum = 0, *c = count[d];
		if (c[(a[0] >> shift) & 0xff] == n)
			continue;
		for (int v = 0; v < 256; v++) {
			size_t x = c[v];
			c[v] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			tmp[c[(a[i] >> shift) & 0xff]++] = a[i];
		uint64_t *t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

#define SETTLE_AHEAD 8

/* Link the waiting nodes in the list's order: what a settle does when it
 * cannot have its sort buffer (out of memory costs speed, not a route). */
static void settle_unsorted(struct rfam *f)
{
	for (size_t i = 0; i < f->npending; i++)
		if (node_at(f, f->pending[i])->parent == NODE_PENDING)
			link_at_finger(f, f->pending[i]);
	f->npending = 0;
}

/* The sort's buffer: a full table's in huge pages (a fresh buffer of
 * megabytes in 4 KiB pages is thousands of page faults). */
static uint64_t *sort_buffer(size_t n, size_t *bytes)
{
	*bytes = n * sizeof(uint64_t);
	if (*bytes < HUGEMEM_PAGE)
		return malloc(*bytes);
	*bytes = (*bytes + HUGEMEM_PAGE - 1) / HUGEMEM_PAGE * HUGEMEM_PAGE;
	return hugemem_try_alloc(*bytes);
}

static void sort_buffer_free(uint64_t *a, size_t bytes)
{
	if (bytes < HUGEMEM_PAGE)
		free(a);
	else
		hugemem_free(a, bytes);
}

void rfam_settle(struct rfam *f)
{
	size_t n = 0, bytes;
	uint64_t *a = sort_buffer(f->npending * 2, &bytes);
	if (a == NULL) {
		settle_unsorted(f);
		return;
	}
	for (size_t i = 0; i < f->npending; i++)
		if (node_at(f, f->pending[i])->parent == NODE_PENDING)
			a[n++] = pend_entry(f, f->pending[i]);
	f->npending = 0;
	uint64_t *s = n ? pend_sort(a, a + n, n) : a;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)s[i];
		if (i + SETTLE_AHEAD < n)
			__builtin_prefetch(node_at(f, (uint32_t)s[i + SETTLE_AHEAD]), 1);
		if (node_at(f, k)->parent == NODE_PENDING)
			link_at_finger(f, k);   /* else: in the list twice */
	}
	sort_buffer_free(a, bytes);
}

/* n has just lost its last path: keep it as a branch node if it has two
 * children, otherwise take it out, and a branch node left with one child
 * too. */
void rfam_trie_unlink(struct rfam *f, uint32_t i)
{
	struct rnode *n = node_at(f, i);
	if (n->parent == NODE_PENDING) {
		rfam_node_free(f, i);   /* never linked */
		return;
	}
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
