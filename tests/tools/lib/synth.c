/*
 * synth.c — the synthetic IPv4 table (synth.h).
 */
#include "tests/tools/lib/synth.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/lib/wbuf.h"
#include "tests/tools/lib/tool.h"

#define SYNTH_FIRST 0x0b000000u
#define SYNTH_END 0x64000000u

struct synth {
	uint64_t rng;
	uint32_t next_addr;             /* where the next prefix may start */
	uint32_t asn;
	uint8_t next_hop[4];
	struct bgp_prefix *order;       /* scattered: every prefix, shuffled */
	unsigned long norder, taken;
};

/* splitmix64: deterministic and well spread, all a benchmark needs. */
static uint64_t rng_next(struct synth *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct synth *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

static bool synth_next_prefix(struct synth *s, struct bgp_prefix *p)
{
	static const uint8_t lens[] = { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
	    24, 24, 24, 24, 24, 23, 23, 22, 22, 21 };
	unsigned len = lens[rng_below(s, sizeof lens)];
	uint32_t size = 1u << (32 - len);
	uint32_t start = (s->next_addr + size - 1) & ~(size - 1);

	if (start < s->next_addr || start >= SYNTH_END || SYNTH_END - start < size)
		return false;
	memset(p, 0, sizeof *p);
	p->afi = BGP_AFI_IPV4;
	p->len = (uint8_t)len;
	p->addr[0] = (uint8_t)(start >> 24);
	p->addr[1] = (uint8_t)(start >> 16);
	p->addr[2] = (uint8_t)(start >> 8);
	s->next_addr = start + size;
	return true;
}

/* The next prefix of the table: in address order, or the shuffled list's. */
static bool synth_prefix(struct synth *s, struct bgp_prefix *p)
{
	if (s->order == NULL)
		return synth_next_prefix(s, p);
	if (s->taken == s->norder)
		return false;
	*p = s->order[s->taken++];
	return true;
}

/* Every prefix of an n-prefix table made at once, then shuffled
 * (Fisher-Yates with the table's own generator). */
static bool synth_scatter(struct synth *s, unsigned long n)
{
	struct synth gen = *s;

	s->order = calloc(n, sizeof *s->order);
	if (s->order == NULL)
		return false;
	while (s->norder < n && synth_next_prefix(&gen, &s->order[s->norder]))
		s->norder++;
	for (unsigned long i = s->norder; i > 1; i--) {
		unsigned long k = (unsigned long)(rng_next(s) % i);
		struct bgp_prefix t = s->order[i - 1];
		s->order[i - 1] = s->order[k];
		s->order[k] = t;
	}
	return true;
}

/* A transit AS: mostly 2-octet, a fifth 4-octet; never 0 nor AS_TRANS. */
static uint32_t synth_asn(struct synth *s)
{
	if (rng_below(s, 5) == 0)
		return 131072 + rng_below(s, 270000);
	uint32_t as = 1 + rng_below(s, 64000);
	return as == BGP_AS_TRANS ? as + 1 : as;
}

static void synth_path(struct synth *s, struct wbuf *w)
{
	unsigned hops = 2 + rng_below(s, 5);    /* 2–6 ASNs */

	wbuf_u8(w, BGP_AS_SEQUENCE);
	wbuf_u8(w, (uint8_t)hops);
	wbuf_u32(w, s->asn);                    /* eBGP: the neighbor first */
	for (unsigned i = 1; i < hops; i++)
		wbuf_u32(w, synth_asn(s));
}

static void synth_communities(struct synth *s, struct wbuf *w)
{
	unsigned n = 1 + rng_below(s, 4);
	uint16_t hi = s->asn <= 0xffff ? (uint16_t)s->asn : 64512;

	for (unsigned i = 0; i < n; i++) {
		wbuf_u16(w, hi);
		wbuf_u16(w, (uint16_t)(100 + rng_below(s, 900)));
	}
}

/* One attribute set, encoded for the session in ctx. */
static size_t synth_attrs(struct synth *s, const struct bgp_codec_ctx *ctx,
    uint8_t *buf, size_t cap)
{
	uint8_t path[2 + 6 * 4], comm[4 * 4];
	struct wbuf pw = wbuf_make(path, sizeof path), cw = wbuf_make(comm, sizeof comm);
	struct wbuf out = wbuf_make(buf, cap);
	struct bgp_attrs a;

	memset(&a, 0, sizeof a);
	synth_path(s, &pw);
	synth_communities(s, &cw);
	a.present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) | BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	a.origin = rng_below(s, 10) == 0 ? BGP_ORIGIN_INCOMPLETE : BGP_ORIGIN_IGP;
	a.as_path = (struct bgp_bytes){ path, (uint16_t)pw.len };
	a.communities = (struct bgp_bytes){ comm, (uint16_t)cw.len };
	memcpy(a.next_hop, s->next_hop, 4);
	if (rng_below(s, 2)) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_MED);
		a.med = 10 * rng_below(s, 100);
	}
	bgp_attrs_encode(&out, &a, ctx);
	return out.overflow ? 0 : out.len;
}

static bool synth_emit(struct update_list *l, struct bgp_packer *pk, struct wbuf *w)
{
	struct update_ref ref = { .announced = (uint16_t)pk->count,
	    .families = 1u << BGP_AFI_IPV4 };
	size_t len = bgp_packer_finish(pk);
	bool ok = len == 0 || update_list_add(l, w->p, len, ref);

	w->len = 0;
	return ok;
}

/* One attribute set's prefixes. Returns how many were made, -1 on
 * failure. */
static long synth_group(struct synth *s, struct update_list *l,
    const struct bgp_codec_ctx *ctx, unsigned long left)
{
	uint8_t attrs[512], msg[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(msg, sizeof msg);
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .attrs = attrs, .max_len = BGP_MAX_LEN };
	struct bgp_packer pk;
	struct bgp_prefix p;
	unsigned long k = 50 + rng_below(s, 101), i;

	spec.attrs_len = synth_attrs(s, ctx, attrs, sizeof attrs);
	if (!spec.attrs_len || !bgp_packer_begin(&pk, &w, &spec))
		return -1;
	for (i = 0; i < k && i < left && synth_prefix(s, &p); i++) {
		if (bgp_packer_add(&pk, &p))
			continue;
		if (!synth_emit(l, &pk, &w) || !bgp_packer_begin(&pk, &w, &spec) ||
		    !bgp_packer_add(&pk, &p))
			return -1;
	}
	return synth_emit(l, &pk, &w) ? (long)i : -1;
}

bool synth_table(struct update_list *l, unsigned long n, uint32_t asn,
    uint32_t next_hop, bool as4, bool scattered)
{
	struct synth s = { .rng = 0x6267706d7578ull, .next_addr = SYNTH_FIRST, .asn = asn };
	struct bgp_codec_ctx ctx = { .as4 = as4, .ebgp = true, .max_len = BGP_MAX_LEN };
	unsigned long made = 0;
	bool ok = true;

	for (int i = 0; i < 4; i++)
		s.next_hop[i] = (uint8_t)(next_hop >> (24 - 8 * i));
	l->as4 = as4;
	if (scattered && !synth_scatter(&s, n))
		return false;
	while (ok && made < n) {
		long k = synth_group(&s, l, &ctx, n - made);
		if (k <= 0) {
			if (k == 0)
				warnx_("--synthetic: only %lu prefixes fit in "
				    "11.0.0.0-99.255.255.255", made);
			ok = false;
			break;
		}
		made += (unsigned long)k;
	}
	free(s.order);
	return ok;
}
