/*
 * test_rib_model.c — the Adj-RIB-In (adjrib) against a brute-force model
 * under thousands of random operations: IPv4 and IPv6, ADD-PATH ids,
 * ribs sharing one table of prefixes, cursors resumed across changes,
 * and many paths of one prefix (muxd/rib/pathvec.h), whose withdrawals
 * stay linear.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "tests/unit/pathstore_fixture.h"

/* ---- adjrib against a brute-force model -------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void mask_prefix(struct bgp_prefix *p)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (p->len >= lo + 8)
			continue;
		p->addr[i] = p->len > lo ? (uint8_t)(p->addr[i] & (0xff00u >> (p->len - lo))) : 0;
	}
}

/* Prefixes crowded into a few blocks, so that they nest and part at every
 * depth. */
static struct bgp_prefix random_prefix(uint16_t afi)
{
	struct bgp_prefix p;
	memset(&p, 0, sizeof p);
	p.afi = afi;
	p.path_id = rng() % 4;
	if (afi == BGP_AFI_IPV4) {
		static const uint8_t firsts[] = { 10, 11, 192, 0 };
		p.addr[0] = firsts[rng() % 4];
		p.addr[1] = (uint8_t)(rng() % 4);
		p.addr[2] = (uint8_t)rng();
		p.addr[3] = (uint8_t)rng();
		p.len = (uint8_t)(rng() % 5 == 0 ? rng() % 33 : 8 + rng() % 25);
	} else {
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[2] = 0x0d;
		p.addr[3] = (uint8_t)(0xb8 + rng() % 2);
		for (int i = 4; i < 16; i++)
			p.addr[i] = (uint8_t)(rng() % 3 == 0 ? rng() : 0);
		p.len = (uint8_t)(rng() % 5 == 0 ? rng() % 129 : 16 + rng() % 113);
	}
	mask_prefix(&p);
	return p;
}

/* A prefix next to p, as the next prefix of a table dump is: p with a
 * last bit flipped, one bit longer or shorter, or its last byte one up
 * (carried). */
static struct bgp_prefix near_prefix(struct bgp_prefix p)
{
	unsigned bits = p.afi == BGP_AFI_IPV4 ? 32 : 128;
	switch (rng() % 4) {
	case 0:
		if (p.len > 0)
			p.addr[(p.len - 1) / 8] ^= (uint8_t)(0x80 >> ((p.len - 1) % 8));
		break;
	case 1:
		p.len += p.len < bits;
		p.addr[(p.len - 1) / 8] |= (uint8_t)(rng() % 2 ? 0x80 >> ((p.len - 1) % 8) : 0);
		break;
	case 2:
		p.len -= p.len > 0;
		break;
	default:
		for (int i = (int)(p.len ? (p.len - 1) / 8 : 0); i >= 0; i--)
			if (++p.addr[i] != 0)
				break;
	}
	mask_prefix(&p);
	return p;
}

struct model_route {
	struct bgp_prefix p;
	struct attrset *set;
};

struct model {
	struct model_route *r;
	size_t n, cap;
};

static long model_find(const struct model *m, const struct bgp_prefix *p)
{
	for (size_t i = 0; i < m->n; i++)
		if (bgp_prefix_cmp(&m->r[i].p, p) == 0)
			return (long)i;
	return -1;
}

static int route_cmp(const void *a, const void *b)
{
	return bgp_prefix_cmp(&((const struct model_route *)a)->p,
	    &((const struct model_route *)b)->p);
}

static bool covers(const struct bgp_prefix *outer, const struct bgp_prefix *inner)
{
	if (outer->afi != inner->afi || outer->len > inner->len)
		return false;
	struct bgp_prefix t = *inner;
	t.len = outer->len;
	mask_prefix(&t);
	return memcmp(t.addr, outer->addr, 16) == 0;
}

struct walk_log {
	struct model_route *r;
	size_t n, cap;
};

static int log_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct walk_log *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->r = realloc(l->r, l->cap * sizeof *l->r);
	}
	l->r[l->n].p = *p;
	l->r[l->n].set = set;
	l->n++;
	return 0;
}

/* The rib's answer must be exactly the model's routes that match, sorted. */
static void expect_routes(struct walk_log *got, const struct model *m,
    const struct bgp_prefix *q, int kind)
{
	struct model_route *want = malloc((m->n + 1) * sizeof *want);
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct bgp_prefix *p = &m->r[i].p;
		bool match = kind < 0 ? (q == NULL || p->afi == q->afi) :
		    kind == ADJRIB_EXACT ? (p->afi == q->afi && p->len == q->len &&
			memcmp(p->addr, q->addr, 16) == 0) :
		    kind == ADJRIB_LONGER ? covers(q, p) : covers(p, q);
		if (match)
			want[n++] = m->r[i];
	}
	qsort(want, n, sizeof *want, route_cmp);
	REQUIRE(got->n == n);
	for (size_t i = 0; i < n; i++) {
		REQUIRE(bgp_prefix_cmp(&got->r[i].p, &want[i].p) == 0);
		REQUIRE(got->r[i].set == want[i].set);
	}
	free(want);
	got->n = 0;
}

static void check_rib(struct adjrib *rib, const struct model *m, uint16_t afi)
{
	struct walk_log log = { 0 };
	struct bgp_prefix fam = { .afi = afi };
	size_t count = 0;
	for (size_t i = 0; i < m->n; i++)
		count += m->r[i].p.afi == afi;
	REQUIRE(adjrib_count(rib, afi) == count);

	adjrib_walk(rib, afi, log_route, &log);
	expect_routes(&log, m, &fam, -1);

	/* Lookups: queries near and inside the model's prefixes. */
	for (int k = 0; k < 60; k++) {
		struct bgp_prefix q = random_prefix(afi);
		if (m->n && k % 2) {
			const struct model_route *r = &m->r[rng() % m->n];
			if (r->p.afi == afi) {
				q = r->p;
				if (k % 4 == 1 && q.len > 0) {
					q.len = (uint8_t)(rng() % q.len);
					mask_prefix(&q);
				}
			}
		}
		for (int kind = ADJRIB_EXACT; kind <= ADJRIB_COVERING; kind++) {
			adjrib_lookup(rib, &q, kind, log_route, &log);
			expect_routes(&log, m, &q, kind);
		}
	}
	free(log.r);
}

static void model_add(struct model *m, const struct bgp_prefix *p, struct attrset *set)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->r = realloc(m->r, m->cap * sizeof *m->r);
	}
	m->r[m->n].p = *p;
	m->r[m->n].set = set;
	m->n++;
}

/* One random announce or withdraw of p in rib, the same in its model;
 * returns p. */
static struct bgp_prefix model_step(struct adjrib *rib, struct model *m, struct attrset *const *sets,
    struct bgp_prefix p)
{
	long at = model_find(m, &p);
	if (rng() % 100 < 65) {
		struct attrset *set = sets[rng() % 5];
		bool changed = adjrib_announce(rib, &p, set);
		REQUIRE(changed == (at < 0 || m->r[at].set != set));
		if (at >= 0)
			m->r[at].set = set;
		else
			model_add(m, &p, set);
	} else {
		REQUIRE(adjrib_withdraw(rib, &p) == (at >= 0));
		if (at >= 0)
			m->r[at] = m->r[--m->n];
	}
	return p;
}

/* Clear one rib of a shared table (all of it or its family): the
 * callback must see exactly its routes, in order; the others keep
 * theirs (checked by the caller). */
static void model_clear(struct adjrib *rib, struct model *m, uint16_t afi)
{
	struct walk_log log = { 0 };
	struct bgp_prefix fam = { .afi = afi };
	size_t n = rng() % 2 ? adjrib_clear_each(rib, log_route, &log) :
	    adjrib_clear_afi(rib, afi, log_route, &log);
	REQUIRE(n == m->n);
	expect_routes(&log, m, &fam, -1);
	REQUIRE(adjrib_count(rib, 0) == 0 && adjrib_prefix_count(rib, 0) == 0);
	m->n = 0;
	free(log.r);
}

#define MODEL_RIBS 4

/* nribs ribs (each with a store of its own) in one table, joining it at
 * `join` routes, or one rib with a table of its own; random operations on
 * random ribs, drawing prefixes from every rib's routes so that ribs share
 * them; every rib checked against its model. */
static void model_run(uint16_t afi, uint64_t seed, int ops, unsigned nribs, size_t join)
{
	struct adjrib_table *t = nribs > 1 ? adjrib_table_new() : NULL;
	if (t != NULL)
		adjrib_table_join_at(t, join);
	struct attrstore *s[MODEL_RIBS];
	struct adjrib *rib[MODEL_RIBS];
	struct attrset *sets[MODEL_RIBS][5];
	struct model m[MODEL_RIBS] = { 0 };
	struct bgp_prefix last;

	rng_state = seed;
	last = random_prefix(afi);
	for (unsigned r = 0; r < nribs; r++) {
		s[r] = attrstore_new();
		rib[r] = t ? adjrib_new_in(t, s[r]) : adjrib_new(s[r]);
		for (uint32_t i = 0; i < 5; i++)
			sets[r][i] = intern_med(s[r], i);
	}
	for (int op = 0; op < ops; op++) {
		unsigned r = rng() % nribs;
		const struct model *from = &m[rng() % nribs];
		if (nribs > 1 && rng() % 1000 == 0)
			model_clear(rib[r], &m[r], afi);
		else
			last = model_step(rib[r], &m[r], sets[r], from->n > 0 && rng() % 3 == 0 ?
			    from->r[rng() % from->n].p : rng() % 2 ? near_prefix(last) :
			    random_prefix(afi));
		if (op % 1000 == 999)
			for (unsigned k = 0; k < nribs; k++)
				check_rib(rib[k], &m[k], afi);
	}
	for (unsigned r = 0; r < nribs; r++)
		check_rib(rib[r], &m[r], afi);

	/* Withdraw everything one by one, the ribs interleaved: the trie
	 * must end empty. */
	for (unsigned r = 0, left = nribs; left > 0; r = rng() % nribs) {
		if (m[r].n == 0) {
			left = 0;
			for (unsigned k = 0; k < nribs; k++)
				left += m[k].n > 0;
			continue;
		}
		size_t i = rng() % m[r].n;
		REQUIRE(adjrib_withdraw(rib[r], &m[r].r[i].p));
		m[r].r[i] = m[r].r[--m[r].n];
		if (m[r].n % 500 == 0)
			check_rib(rib[r], &m[r], afi);
	}
	struct adjrib_stats st;
	adjrib_stats(rib[0], &st);
	REQUIRE(st.nodes == 0);
	REQUIRE(st.routes == 0);
	if (t != NULL) {
		adjrib_table_stats(t, &st);
		REQUIRE(st.nodes == 0 && st.routes == 0 && st.prefixes == 0 && st.path_bytes == 0);
	}
	for (unsigned r = 0; r < nribs; r++) {
		adjrib_free(rib[r]);
		for (int i = 0; i < 5; i++) {
			REQUIRE(attrset_refcount(sets[r][i]) == 1);
			attrset_put(sets[r][i]);
		}
		free(m[r].r);
		attrstore_free(s[r]);
	}
	adjrib_table_free(t);
}

START_TEST(rib_model_ipv4)
{
	model_run(BGP_AFI_IPV4, 0x9e3779b97f4a7c15ULL + (uint64_t)_i, 8000, 1, 0);
}
END_TEST

START_TEST(rib_model_ipv6)
{
	model_run(BGP_AFI_IPV6, 0xd1b54a32d192ed03ULL + (uint64_t)_i, 8000, 1, 0);
}
END_TEST

/* Ribs sharing one table (adjrib_new_in, as the views do): joining it
 * at once, or after a few routes (each moves in the middle of the run),
 * or never (every rib stays in a table of its own). */
static const size_t model_join[] = { 0, 300, 100000 };

START_TEST(rib_shared_model_ipv4)
{
	model_run(BGP_AFI_IPV4, 0x632be59bd9b4e019ULL + (uint64_t)_i, 12000, MODEL_RIBS,
	    model_join[_i]);
}
END_TEST

START_TEST(rib_shared_model_ipv6)
{
	model_run(BGP_AFI_IPV6, 0x8cb92ba72f3d8dd7ULL + (uint64_t)_i, 12000, MODEL_RIBS,
	    model_join[_i]);
}
END_TEST

/* The rib under test, for loop index i: 0 a rib alone; otherwise a rib
 * in a table with a noise rib (made before it when i is odd, after it
 * when even, so that its paths sort before or after the rib's), which
 * noise() fills with paths beside the rib's: they must never show. */
struct noisy {
	struct adjrib_table *t;
	struct attrstore *ns;
	struct adjrib *rib, *noise;
	struct attrset *nset;
};

static struct adjrib *noisy_new(struct noisy *n, struct attrstore *s, int i)
{
	memset(n, 0, sizeof *n);
	if (i == 0)
		return n->rib = adjrib_new(s);
	n->t = adjrib_table_new();
	adjrib_table_join_at(n->t, 0);
	n->ns = attrstore_new();
	n->nset = intern_med(n->ns, 99);
	if (i % 2)
		n->noise = adjrib_new_in(n->t, n->ns);
	n->rib = adjrib_new_in(n->t, s);
	if (i % 2 == 0)
		n->noise = adjrib_new_in(n->t, n->ns);
	return n->rib;
}

/* Paths of the noise rib at p: p's own path id and a neighbour. */
static void noise(struct noisy *n, struct bgp_prefix p)
{
	if (n->noise == NULL)
		return;
	adjrib_announce(n->noise, &p, n->nset);
	p.path_id ^= 1;
	adjrib_announce(n->noise, &p, n->nset);
}

static void noisy_free(struct noisy *n)
{
	adjrib_free(n->rib);
	if (n->noise == NULL)
		return;
	adjrib_free(n->noise);
	REQUIRE(attrset_refcount(n->nset) == 1);
	attrset_put(n->nset);
	attrstore_free(n->ns);
	adjrib_table_free(n->t);
}

/* A chunked walk with random changes between chunks: keys strictly
 * increase; every route present throughout is visited exactly once, with
 * its set; nothing withdrawn before the cursor got there is visited; and
 * cursor_passed agrees with what was visited. */
START_TEST(rib_cursor_model)
{
	struct attrstore *s = attrstore_new();
	struct noisy nz;
	struct adjrib *rib = noisy_new(&nz, s, _i);
	struct attrset *sets[3];
	struct model m = { 0 };
	struct walk_log log = { 0 };

	rng_state = 0x2545f4914f6cdd1dULL + (uint64_t)_i;
	for (uint32_t i = 0; i < 3; i++)
		sets[i] = intern_med(s, i);
	for (int i = 0; i < 3000; i++) {
		struct bgp_prefix p = random_prefix(i % 3 ? BGP_AFI_IPV4 : BGP_AFI_IPV6);
		noise(&nz, p);
		if (adjrib_announce(rib, &p, sets[0])) {
			if (m.n == m.cap) {
				m.cap = m.cap ? 2 * m.cap : 256;
				m.r = realloc(m.r, m.cap * sizeof *m.r);
			}
			m.r[m.n].p = p;
			m.r[m.n].set = sets[0];
			m.n++;
		}
	}
	/* touched[i]: route i of the model was changed during the walk. */
	bool *touched = calloc(m.n, sizeof *touched);
	size_t stable = m.n;
	struct adjrib_cursor c;
	adjrib_cursor_init(&c, 0);
	while (!adjrib_cursor_done(&c)) {
		size_t before = log.n;
		size_t got = adjrib_cursor_next(rib, &c, 1 + rng() % 40, log_route, &log);
		REQUIRE(got == log.n - before);
		for (size_t i = before; i < log.n; i++) {
			if (i > 0)
				REQUIRE(bgp_prefix_cmp(&log.r[i - 1].p, &log.r[i].p) < 0);
			REQUIRE(adjrib_cursor_passed(&c, &log.r[i].p));
			REQUIRE(log.r[i].set != nz.nset || nz.noise == NULL);
		}
		/* Often take away the route the cursor stands on: the next
		 * chunk must find its way on from a key no longer there. */
		if (!adjrib_cursor_done(&c) && rng() % 2) {
			adjrib_withdraw(rib, &c.last);
			long at = model_find(&m, &c.last);
			if (at >= 0 && (size_t)at < stable)
				touched[at] = true;
		}
		/* Change a few of the original routes. */
		for (int k = 0; k < 5; k++) {
			size_t i = rng() % stable;
			touched[i] = true;
			if (rng() % 2)
				adjrib_withdraw(rib, &m.r[i].p);
			else
				adjrib_announce(rib, &m.r[i].p, sets[1 + rng() % 2]);
		}
		/* And add some new ones. */
		for (int k = 0; k < 3; k++) {
			struct bgp_prefix p = random_prefix(k ? BGP_AFI_IPV4 : BGP_AFI_IPV6);
			p.path_id = 100 + rng() % 4;    /* not among the originals */
			adjrib_announce(rib, &p, sets[2]);
			noise(&nz, p);
		}
	}
	for (size_t i = 0; i < stable; i++) {
		if (touched[i])
			continue;
		size_t hits = 0;
		for (size_t j = 0; j < log.n; j++) {
			if (bgp_prefix_cmp(&log.r[j].p, &m.r[i].p) == 0) {
				hits++;
				REQUIRE(log.r[j].set == sets[0]);
			}
		}
		REQUIRE(hits == 1);
	}
	REQUIRE(adjrib_cursor_next(rib, &c, 10, log_route, &log) == 0);
	free(touched);
	free(log.r);
	free(m.r);
	noisy_free(&nz);
	for (int i = 0; i < 3; i++)
		attrset_put(sets[i]);
	attrstore_free(s);
}
END_TEST

/* ---- linking new prefixes in batches (adjrib_node.h, rfam_settle) ------ */

/* 10.X.Y.0/len, len 16..24: a space small enough for a bitmap model,
 * dense enough that most new prefixes nest under or above others and land
 * on branch nodes of the trie. */
#define BATCH_LENS 9
#define BATCH_ADDRS 65536

static struct bgp_prefix batch_prefix(uint32_t xy, unsigned len)
{
	struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = (uint8_t)len };
	p.addr[0] = 10;
	p.addr[1] = (uint8_t)(xy >> 8);
	p.addr[2] = (uint8_t)xy;
	mask_prefix(&p);
	return p;
}

/* The whole rib walked in prefix order, against the bitmap. */
static void check_batch(struct adjrib *rib, const uint8_t (*on)[BATCH_ADDRS],
    struct attrset *set)
{
	struct walk_log log = { 0 };
	size_t k = 0;
	adjrib_walk(rib, BGP_AFI_IPV4, log_route, &log);
	for (uint32_t xy = 0; xy < BATCH_ADDRS; xy++) {
		for (unsigned l = 0; l < BATCH_LENS; l++) {
			if (!on[l][xy])
				continue;
			struct bgp_prefix want = batch_prefix(xy, 16 + l);
			REQUIRE(k < log.n && bgp_prefix_cmp(&log.r[k].p, &want) == 0);
			REQUIRE(log.r[k].set == set);
			k++;
		}
	}
	REQUIRE(k == log.n && adjrib_count(rib, BGP_AFI_IPV4) == k);
	free(log.r);
}

/* Tens of thousands of new prefixes in random order with no walk between
 * them: the waiting nodes are linked in batches as they pile up, among
 * withdrawals of nodes still waiting, nodes freed and made again (in the
 * waiting list twice), and prefixes that land on a branch node. */
START_TEST(rib_links_in_batches)
{
	static uint8_t on[BATCH_LENS][BATCH_ADDRS];
	struct attrstore *s = attrstore_new();
	struct adjrib *rib = adjrib_new(s);
	struct attrset *set = intern_med(s, 1);

	memset(on, 0, sizeof on);
	rng_state = 0x94d049bb133111ebULL + (uint64_t)_i;
	for (int round = 0; round < 3; round++) {
		for (int op = 0; op < 40000; op++) {
			unsigned l = rng() % BATCH_LENS;
			/* masked to its length: the bitmap's index is the key */
			uint32_t xy = (rng() % BATCH_ADDRS) & ~((1u << (8 - l)) - 1) & 0xffff;
			struct bgp_prefix p = batch_prefix(xy, 16 + l);
			bool announce = rng() % 100 < (round == 2 ? 20 : 75);
			if (announce)
				REQUIRE(adjrib_announce(rib, &p, set) == !on[l][xy]);
			else
				REQUIRE(adjrib_withdraw(rib, &p) == on[l][xy]);
			on[l][xy] = announce;
		}
		check_batch(rib, (const uint8_t (*)[BATCH_ADDRS])on, set);
	}
	for (uint32_t xy = 0; xy < BATCH_ADDRS; xy++)
		for (unsigned l = 0; l < BATCH_LENS; l++)
			if (on[l][xy]) {
				struct bgp_prefix p = batch_prefix(xy, 16 + l);
				REQUIRE(adjrib_withdraw(rib, &p));
			}
	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	REQUIRE(st.nodes == 0 && st.routes == 0);
	adjrib_free(rib);
	REQUIRE(attrset_refcount(set) == 1);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

static int prefix_qsort(const void *a, const void *b)
{
	return bgp_prefix_cmp(a, b);
}

/* A table loaded in random order, then settled, has the trie a load in
 * prefix order makes (a Patricia trie is one for one set of prefixes,
 * whatever their order): as many nodes, the same walk. Before the settle
 * the last nodes still wait (fewer nodes: their branch nodes are not made
 * yet). */
START_TEST(rib_settle_links_what_waits)
{
	static uint8_t on[BATCH_LENS][BATCH_ADDRS];
	struct attrstore *s = attrstore_new();
	struct adjrib *shuffled = adjrib_new(s), *sorted = adjrib_new(s);
	struct attrset *set = intern_med(s, 1);
	size_t n = 0, cap = 30000;
	struct bgp_prefix *p = calloc(cap, sizeof *p);

	memset(on, 0, sizeof on);
	rng_state = 0x2545f4914f6cdd1dULL;
	while (n < cap) {
		unsigned l = rng() % BATCH_LENS;
		uint32_t xy = (rng() % BATCH_ADDRS) & ~((1u << (8 - l)) - 1) & 0xffff;
		if (on[l][xy])
			continue;
		on[l][xy] = 1;
		p[n] = batch_prefix(xy, 16 + l);
		REQUIRE(adjrib_announce(shuffled, &p[n++], set));
	}
	qsort(p, n, sizeof *p, prefix_qsort);
	for (size_t i = 0; i < n; i++)
		REQUIRE(adjrib_announce(sorted, &p[i], set));

	struct adjrib_stats before, after, want, walked;
	adjrib_stats(shuffled, &before);
	adjrib_stats(sorted, &want);
	REQUIRE(before.nodes < want.nodes);     /* some wait: the case is real */
	adjrib_settle(shuffled);
	adjrib_stats(shuffled, &after);
	REQUIRE(after.nodes == want.nodes);
	check_batch(shuffled, (const uint8_t (*)[BATCH_ADDRS])on, set);
	adjrib_stats(shuffled, &walked);
	REQUIRE(walked.nodes == want.nodes);    /* nothing was left for the walk */

	free(p);
	adjrib_free(shuffled);
	adjrib_free(sorted);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST

#ifndef __SANITIZE_ADDRESS__    /* ASan's own mappings cannot live under the cap */
static uint32_t order_last;
static bool order_ok;

static int order_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	uint32_t a = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
	    (uint32_t)p->addr[2] << 8 | p->addr[3];
	(void)set;
	order_ok &= *(size_t *)arg == 0 || a > order_last;
	order_last = a;
	++*(size_t *)arg;
	return 0;
}

static void announce_range(struct adjrib *rib, struct attrset *set, uint32_t first,
    uint32_t step, size_t n, bool withdraw)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t a = first + (uint32_t)i * step;
		struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24,
		    .addr = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8) } };
		REQUIRE(withdraw ? adjrib_withdraw(rib, &p) : adjrib_announce(rib, &p, set));
	}
}

/* Out of memory for the sort buffer: the waiting nodes are linked in the
 * list's order (slower), and nothing is lost. The address space is capped
 * just above what the process uses once 150,000 nodes wait (their sort
 * wants 2.4 MB); the pool's free list holds the nodes the links need. */
START_TEST(rib_links_without_memory)
{
	struct attrstore *s = attrstore_new();
	struct adjrib *rib = adjrib_new(s);
	struct attrset *set = intern_med(s, 1);

	announce_range(rib, set, 0x0b000000u, 512, 200000, false);   /* in order: linked */
	announce_range(rib, set, 0x64000000u, 256, 150000, false);   /* nodes for later */
	announce_range(rib, set, 0x64000000u, 256, 150000, true);
	/* odd /24s from the top down: every one waits (fewer than half) */
	announce_range(rib, set, 0x0b000000u + 256 * (2 * 150000 - 1), (uint32_t)-512,
	    150000, false);
	struct rlimit old, tight;
	REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
	long vm_kb = 0;
	FILE *st = fopen("/proc/self/status", "r");
	char line[128];
	while (st && fgets(line, sizeof line, st))
		if (sscanf(line, "VmSize: %ld kB", &vm_kb) == 1)
			break;
	if (st)
		fclose(st);
	REQUIRE(vm_kb > 0);
	tight = old;
	tight.rlim_cur = (rlim_t)vm_kb * 1024 + (256u << 10);
	REQUIRE(setrlimit(RLIMIT_AS, &tight) == 0);
	/* the cap holds for a mapping smaller than the sort's */
	void *probe = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(probe == MAP_FAILED);
	size_t n = 0;
	order_ok = true;
	/* a lookup reads the order: the settle happens here, unsorted */
	adjrib_lookup(rib, &(struct bgp_prefix){ .afi = BGP_AFI_IPV4 }, ADJRIB_LONGER,
	    order_cb, &n);
	REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
	REQUIRE(n == 350000 && adjrib_count(rib, BGP_AFI_IPV4) == 350000);
	REQUIRE(order_ok);
	adjrib_free(rib);
	attrset_put(set);
	attrstore_free(s);
}
END_TEST
#endif

/* ---- many paths of one prefix (muxd/rib/pathvec.h) ------------------------ */

/* The model: set[id] for path ids 0..MP_IDS-1 (NULL: none). Every check
 * compares the rib's exact lookup, gets and a chunked cursor walk with it. */
#define MP_IDS 3000

static void check_paths(struct adjrib *rib, struct bgp_prefix p,
    struct attrset *const *model)
{
	struct walk_log log = { 0 };
	size_t n = 0;

	adjrib_lookup(rib, &p, ADJRIB_EXACT, log_route, &log);
	for (uint32_t id = 0; id < MP_IDS; id++) {
		if (model[id] == NULL)
			continue;
		REQUIRE(n < log.n && log.r[n].p.path_id == id && log.r[n].set == model[id]);
		n++;
	}
	REQUIRE(n == log.n && adjrib_count(rib, 0) == n);
	for (uint32_t k = 0; k < 50; k++) {
		p.path_id = rng() % MP_IDS;
		REQUIRE(adjrib_get(rib, &p) == model[p.path_id]);
	}
	struct walk_log walk = { 0 };
	struct adjrib_cursor c;
	adjrib_cursor_init(&c, 0);
	while (!adjrib_cursor_done(&c))
		adjrib_cursor_next(rib, &c, 1 + rng() % 9, log_route, &walk);
	REQUIRE(walk.n == log.n);
	for (size_t i = 0; i < walk.n; i++)
		REQUIRE(walk.r[i].p.path_id == log.r[i].p.path_id && walk.r[i].set == log.r[i].set);
	free(log.r);
	free(walk.r);
}

/* Announce and withdraw paths of one prefix in runs of ascending,
 * descending and random ids (holes at the front, the back and inside,
 * re-announced ids filling them), checked against the model. */
START_TEST(rib_many_paths_model)
{
	struct attrstore *s = attrstore_new();
	struct noisy nz;
	struct adjrib *rib = noisy_new(&nz, s, _i);
	struct attrset *sets[4], **model = calloc(MP_IDS, sizeof *model);
	struct bgp_prefix p = pfx("192.0.2.0/24", 0);

	rng_state = 0x5851f42d4c957f2dULL + (uint64_t)_i;
	for (uint32_t i = 0; i < 4; i++)
		sets[i] = intern_med(s, i);
	for (int round = 0; round < 40; round++) {
		uint32_t from = rng() % MP_IDS, len = 1 + rng() % 800, step = rng() % 3;
		bool announce = rng() % 100 < 55;
		for (uint32_t k = 0; k < len; k++) {
			uint32_t id = step == 0 ? (from + k) % MP_IDS :
			    step == 1 ? (from + MP_IDS - k) % MP_IDS : rng() % MP_IDS;
			struct attrset *set = sets[rng() % 4];
			p.path_id = id;
			if (rng() % 8 == 0)
				noise(&nz, p);
			if (announce) {
				REQUIRE(adjrib_announce(rib, &p, set) == (model[id] != set));
				model[id] = set;
			} else {
				REQUIRE(adjrib_withdraw(rib, &p) == (model[id] != NULL));
				model[id] = NULL;
			}
		}
		check_paths(rib, p, model);
	}
	for (uint32_t id = 0; id < MP_IDS; id++) {
		p.path_id = id;
		REQUIRE(adjrib_withdraw(rib, &p) == (model[id] != NULL));
	}
	struct adjrib_stats st;
	adjrib_stats(rib, &st);
	REQUIRE(st.routes == 0 && st.nodes == 0);
	noisy_free(&nz);
	for (int i = 0; i < 4; i++) {
		REQUIRE(attrset_refcount(sets[i]) == 1);
		attrset_put(sets[i]);
	}
	free(model);
	attrstore_free(s);
}
END_TEST

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * 300,000 paths of one prefix withdrawn in ascending, then in random
 * order, the lowest path looked up after each withdrawal (what an
 * instance does for its clients without ADD-PATH): linear work, 0.1 CPU
 * s (1.5 s under the sanitizers on a loaded machine; the bound is 5 s),
 * where a packed array, moving every path behind each one withdrawn,
 * takes 15 to 18 s in ascending order.
 */
START_TEST(rib_many_paths_withdraw_linear)
{
	enum { N = 300000 };
	struct attrstore *s = attrstore_new();
	struct adjrib *rib = adjrib_new(s);
	struct attrset *set = intern_med(s, 1);
	struct bgp_prefix p = pfx("2001:db8::/32", 0);
	uint32_t *ids = malloc(N * sizeof *ids);
	struct seen one = { .stop_at = 1 };

	rng_state = 0x9fb21c651e98df25ULL;
	for (int order = 0; order < 2; order++) {
		for (uint32_t i = 0; i < N; i++)
			ids[i] = i + 1;
		for (uint32_t i = N - 1; order == 1 && i > 0; i--) {
			uint32_t j = rng() % (i + 1), x = ids[i];
			ids[i] = ids[j];
			ids[j] = x;
		}
		for (uint32_t id = 1; id <= N; id++) {
			p.path_id = id;
			REQUIRE(adjrib_announce(rib, &p, set));
		}
		double t = cpu_seconds();
		for (uint32_t i = 0; i < N; i++) {
			p.path_id = ids[i];
			REQUIRE(adjrib_withdraw(rib, &p));
			one.n = 0;
			adjrib_lookup(rib, &p, ADJRIB_EXACT, collect, &one);
		}
		t = cpu_seconds() - t;
		ck_assert_msg(t < 5, "withdrawing %d paths of one prefix (%s order) took "
		    "%.2f CPU s", N, order ? "random" : "ascending", t);
		ck_assert_uint_eq(adjrib_count(rib, 0), 0);
	}
	adjrib_free(rib);
	attrset_put(set);
	free(ids);
	attrstore_free(s);
}
END_TEST

static Suite *rib_model_suite(void)
{
	Suite *s = suite_create("rib_model");
	TCase *t = tcase_create("model");
	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, rib_model_ipv4, 0, 3);
	tcase_add_loop_test(t, rib_model_ipv6, 0, 3);
	tcase_add_loop_test(t, rib_shared_model_ipv4, 0, 3);
	tcase_add_loop_test(t, rib_shared_model_ipv6, 0, 3);
	tcase_add_loop_test(t, rib_cursor_model, 0, 3);
	tcase_add_loop_test(t, rib_links_in_batches, 0, 2);
	tcase_add_test(t, rib_settle_links_what_waits);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test(t, rib_links_without_memory);
#endif
	tcase_add_loop_test(t, rib_many_paths_model, 0, 4);
	tcase_add_test(t, rib_many_paths_withdraw_linear);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(rib_model_suite());
}
