/*
 * rtable.c — the table of routes a neighbor sent (rtable.h): the hash
 * table, and UPDATEs applied to it.
 */
#include "tests/tools/lib/rtable.h"

#include <string.h>
#include <sys/mman.h>

#include "muxd/bgp/bgp.h"
#include "muxd/lib/rbuf.h"
#include "tests/tools/lib/attr_hash.h"

static uint64_t mix64(uint64_t z)
{
	z ^= z >> 33;
	z *= 0xff51afd7ed558ccdull;
	z ^= z >> 33;
	z *= 0xc4ceb9fe1a85ec53ull;
	return z ^ (z >> 33);
}

static uint64_t key_hash(uint16_t afi, uint8_t len, uint32_t path_id,
    const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a ^ mix64(b ^ ((uint64_t)path_id << 16 | (uint64_t)afi << 8 | len)));
}

uint64_t rtable_prefix_hash(const struct bgp_prefix *p)
{
	return key_hash(p->afi, p->len, p->path_id, p->addr);
}

static bool route_is(const struct rtable_route *r, const struct bgp_prefix *p)
{
	return r->afi == p->afi && r->len == p->len && r->path_id == p->path_id &&
	    memcmp(r->addr, p->addr, sizeof r->addr) == 0;
}

/*
 * Slots come zeroed from mmap, on huge pages where the kernel has them
 * (THP "madvise" mode is common): a lookup is one cache miss at random
 * in tens of MiB, and without them a TLB miss too — half the sink's time.
 */
static struct rtable_route *slots_new(size_t cap)
{
	void *p = mmap(NULL, cap * sizeof(struct rtable_route), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, cap * sizeof(struct rtable_route), MADV_HUGEPAGE);
	return p;
}

static void slots_free(struct rtable_route *slot, size_t cap)
{
	if (slot)
		munmap(slot, cap * sizeof *slot);
}

bool rtable_init(struct rtable *t, size_t routes)
{
	size_t cap = 1u << 12;

	memset(t, 0, sizeof *t);
	while (cap < SIZE_MAX / 2 && cap * 7 < routes * 10 + 10)
		cap *= 2;
	t->slot = slots_new(cap);
	t->cap = cap;
	return t->slot != NULL;
}

void rtable_free(struct rtable *t)
{
	slots_free(t->slot, t->cap);
	memset(t, 0, sizeof *t);
}

static struct rtable_route *table_slot(struct rtable_route *slot, size_t cap,
    uint64_t h, const struct bgp_prefix *p)
{
	size_t mask = cap - 1, i = (size_t)h & mask;

	/* Never full (table_grow keeps it under 70 %): an empty slot ends it. */
	while ((slot[i].flags & RT_USED) && !route_is(&slot[i], p))
		i = (i + 1) & mask;
	return &slot[i];
}

static void route_prefix(const struct rtable_route *r, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = r->afi;
	p->len = r->len;
	p->path_id = r->path_id;
	memcpy(p->addr, r->addr, sizeof p->addr);
}

static bool table_grow(struct rtable *t)
{
	size_t cap = t->cap * 2;
	struct rtable_route *slot = slots_new(cap);
	struct bgp_prefix p;

	if (!slot)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		const struct rtable_route *r = &t->slot[i];
		if (!(r->flags & RT_USED))
			continue;
		route_prefix(r, &p);
		*table_slot(slot, cap, rtable_prefix_hash(&p), &p) = *r;
	}
	slots_free(t->slot, t->cap);
	t->slot = slot;
	t->cap = cap;
	return true;
}

/* Start loading the slot a lookup of hash h will read first. */
static void table_prefetch(const struct rtable *t, uint64_t h)
{
	__builtin_prefetch(&t->slot[(size_t)h & (t->cap - 1)]);
}

struct rtable_route *rtable_get(struct rtable *t, const struct bgp_prefix *p, uint64_t h)
{
	struct rtable_route *r;

	if ((t->used + 1) * 10 > t->cap * 7 && !table_grow(t))
		return NULL;
	r = table_slot(t->slot, t->cap, h, p);
	if (!(r->flags & RT_USED)) {
		memcpy(r->addr, p->addr, sizeof r->addr);
		r->path_id = p->path_id;
		r->afi = (uint8_t)p->afi;
		r->len = p->len;
		r->flags = RT_USED;
		t->used++;
	}
	return r;
}

static bool table_announce(struct rtable *t, const struct bgp_prefix *p, uint64_t h,
    uint32_t attr)
{
	struct rtable_route *r = rtable_get(t, p, h);

	if (!r)
		return false;
	r->attr = attr;
	if (!(r->flags & RT_SEEN))
		t->seen++;
	if (r->flags & RT_PRESENT)
		return true;
	r->flags |= RT_PRESENT | RT_SEEN;
	t->present++;
	if (r->flags & RT_EXPECTED)
		t->matched++;
	else
		t->extra++;
	return true;
}

static void table_withdraw(struct rtable *t, const struct bgp_prefix *p)
{
	struct rtable_route *r = table_slot(t->slot, t->cap, rtable_prefix_hash(p), p);

	if (!(r->flags & RT_PRESENT)) {
		t->stray++;
		return;
	}
	r->flags &= (uint8_t)~RT_PRESENT;
	t->present--;
	if (r->flags & RT_EXPECTED)
		t->matched--;
	else
		t->extra--;
}

unsigned long rtable_attr_mismatch(const struct rtable *t)
{
	unsigned long n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		const struct rtable_route *r = &t->slot[i];
		if ((r->flags & (RT_PRESENT | RT_EXPECTED)) == (RT_PRESENT | RT_EXPECTED) &&
		    r->attr != r->want)
			n++;
	}
	return n;
}

/* ---- UPDATEs ---------------------------------------------------------- */

/* Prefixes go to the table in batches: their slots are fetched from
 * memory together, not one cache miss after another. */
#define ANNOUNCE_BATCH 32

static bool walk_announce(struct rtable *t, struct bgp_bytes nlri, uint16_t afi,
    bool addpath, uint32_t attr)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_prefix p[ANNOUNCE_BATCH];
	uint64_t h[ANNOUNCE_BATCH];
	bool more = true;
	size_t n, i;

	/* bgp_update_decode checked the block whole: this cannot stop early. */
	while (more) {
		for (n = 0; n < ANNOUNCE_BATCH &&
		    (more = bgp_nlri_next(&r, afi, addpath, &p[n])); n++) {
			h[n] = rtable_prefix_hash(&p[n]);
			table_prefetch(t, h[n]);
		}
		for (i = 0; i < n; i++)
			if (!table_announce(t, &p[i], h[i], attr))
				return false;
		t->announced += n;
	}
	return true;
}

static void walk_withdraw(struct rtable *t, struct bgp_bytes nlri, uint16_t afi,
    bool addpath)
{
	struct rbuf r = rbuf_make(nlri.p, nlri.len);
	struct bgp_prefix p;

	while (bgp_nlri_next(&r, afi, addpath, &p)) {
		table_withdraw(t, &p);
		t->withdrawn++;
	}
}

static bool unicast_v4v6(uint16_t afi, uint8_t safi)
{
	return safi == BGP_SAFI_UNICAST && (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6);
}

static bool has(const struct bgp_attrs *a, unsigned type)
{
	return (a->present & BGP_ATTR_BIT(type)) != 0;
}

static bool update_announce(struct rtable *t, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx)
{
	const struct bgp_attrs *a = &u->attrs;
	const struct bgp_mp_reach *mp = &a->mp_reach;
	uint64_t base;

	if (u->nlri.len == 0 && !has(a, BGP_ATTR_MP_REACH_NLRI))
		return true;
	base = attr_hash_base(a);
	if (u->nlri.len && !walk_announce(t, u->nlri, BGP_AFI_IPV4,
	    ctx->addpath[AID_IPV4_UNICAST],
	    attr_hash_finish(base, a->next_hop, sizeof a->next_hop)))
		return false;
	if (has(a, BGP_ATTR_MP_REACH_NLRI) && unicast_v4v6(mp->afi, mp->safi))
		return walk_announce(t, mp->nlri, mp->afi, bgp_ctx_addpath(ctx, mp->afi),
		    attr_hash_finish(base, mp->next_hop.p, mp->next_hop.len));
	return true;
}

static void update_withdraw(struct rtable *t, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx)
{
	const struct bgp_attrs *a = &u->attrs;
	const bool v4 = bgp_ctx_addpath(ctx, BGP_AFI_IPV4);

	walk_withdraw(t, u->withdrawn, BGP_AFI_IPV4, v4);
	if (has(a, BGP_ATTR_MP_UNREACH_NLRI) &&
	    unicast_v4v6(a->mp_unreach.afi, a->mp_unreach.safi))
		walk_withdraw(t, a->mp_unreach.nlri, a->mp_unreach.afi,
		    bgp_ctx_addpath(ctx, a->mp_unreach.afi));
	if (!u->treat_as_withdraw)
		return;
	/* RFC 7606: what it announces is withdrawn instead. */
	walk_withdraw(t, u->nlri, BGP_AFI_IPV4, v4);
	if (has(a, BGP_ATTR_MP_REACH_NLRI) &&
	    unicast_v4v6(a->mp_reach.afi, a->mp_reach.safi))
		walk_withdraw(t, a->mp_reach.nlri, a->mp_reach.afi,
		    bgp_ctx_addpath(ctx, a->mp_reach.afi));
}

bool rtable_apply(struct rtable *t, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx)
{
	update_withdraw(t, u, ctx);
	return u->treat_as_withdraw || update_announce(t, u, ctx);
}
