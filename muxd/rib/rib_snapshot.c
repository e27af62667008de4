/*
 * rib_snapshot.c — an Adj-RIB-In written and read (rib_snapshot.h).
 */
#include "muxd/rib/rib_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/rbuf.h"
#include "muxd/lib/xalloc.h"

#define MAGIC "RIBSNAP1"
#define MAGIC_LEN 8

/* ---- writing -------------------------------------------------------------- */

struct growbuf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct growbuf *b, const void *src, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put32(struct growbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 4);
}

static void put8(struct growbuf *b, uint8_t v) { put(b, &v, 1); }

/* Set pointer → index, open addressing (a set is written once). */
struct setmap {
	const struct attrset **keys;
	uint32_t *idx;
	size_t cap, n;
};

static size_t slot_of(const struct setmap *m, const struct attrset *set)
{
	size_t i = (size_t)(((uintptr_t)set >> 4) * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);

	while (m->keys[i] && m->keys[i] != set)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void setmap_grow(struct setmap *m)
{
	struct setmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->idx = xcalloc(m->cap, sizeof *m->idx);
	for (size_t i = 0; i < old.cap; i++) {
		if (old.keys[i] == NULL)
			continue;
		size_t s = slot_of(m, old.keys[i]);
		m->keys[s] = old.keys[i];
		m->idx[s] = old.idx[i];
	}
	free(old.keys);
	free(old.idx);
}

struct writer {
	struct setmap map;
	struct growbuf sets, paths;
	uint32_t nsets, npaths;
};

static uint32_t set_index(struct writer *w, const struct attrset *set)
{
	if ((w->map.n + 1) * 2 > w->map.cap)
		setmap_grow(&w->map);
	size_t s = slot_of(&w->map, set);
	if (w->map.keys[s])
		return w->map.idx[s];
	size_t wlen, nhlen;
	const uint8_t *wire = attrset_wire(set, &wlen), *nh = attrset_next_hop(set, &nhlen);
	put32(&w->sets, (uint32_t)wlen);
	put(&w->sets, wire, wlen);
	put8(&w->sets, (uint8_t)nhlen);
	put(&w->sets, nh, nhlen);
	w->map.keys[s] = set;
	w->map.idx[s] = w->nsets;
	w->map.n++;
	return w->nsets++;
}

static int write_path(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct writer *w = arg;
	uint32_t idx = set_index(w, set);

	put8(&w->paths, (uint8_t)p->afi);
	put8(&w->paths, p->len);
	put32(&w->paths, p->path_id);
	put(&w->paths, p->addr, ((size_t)p->len + 7) / 8);
	put32(&w->paths, idx);
	w->npaths++;
	return 0;
}

uint8_t *rib_snapshot_write(const struct adjrib *rib, size_t *len)
{
	struct writer w = { 0 };
	struct growbuf out = { 0 };

	adjrib_walk(rib, BGP_AFI_IPV4, write_path, &w);
	adjrib_walk(rib, BGP_AFI_IPV6, write_path, &w);
	put(&out, MAGIC, MAGIC_LEN);
	put32(&out, w.nsets);
	put32(&out, w.npaths);
	if (w.sets.len)
		put(&out, w.sets.p, w.sets.len);
	if (w.paths.len)
		put(&out, w.paths.p, w.paths.len);
	free(w.sets.p);
	free(w.paths.p);
	free(w.map.keys);
	free(w.map.idx);
	*len = out.len;
	return out.p;
}

/* ---- reading -------------------------------------------------------------- */

static const struct bgp_codec_ctx snapshot_ctx = { .as4 = true, .ebgp = false,
	.max_len = BGP_EXT_MAX_LEN };

/* One set, interned: its bytes must be its canonical form. */
static struct attrset *read_set(struct rbuf *r, struct attrstore *store)
{
	uint32_t wlen;
	uint8_t nhlen;
	struct rbuf wire;
	struct bgp_attrs a;
	struct bgp_err err;
	const uint8_t *nh;

	memset(&err, 0, sizeof err);
	if (!rbuf_u32(r, &wlen) || wlen > ATTRSET_MAX_WIRE || !rbuf_sub(r, wlen, &wire) ||
	    !rbuf_u8(r, &nhlen) || (nhlen != 0 && nhlen != 4 && nhlen != 16 && nhlen != 32) ||
	    r->len < nhlen)
		return NULL;
	nh = r->p;
	rbuf_skip(r, nhlen);
	if (!bgp_attrs_decode(wire.p, wire.len, &snapshot_ctx, NULL, 0, &a, &err) ||
	    err.tier != BGP_TIER_OK)
		return NULL;
	struct attrset *set = attrset_intern(store, &a, nh, nhlen);
	size_t got;
	const uint8_t *canon = set ? attrset_wire(set, &got) : NULL;
	if (set && (got != wire.len || memcmp(canon, wire.p, got) != 0)) {
		attrset_put(set);
		return NULL;
	}
	return set;
}

static bool read_path(struct rbuf *r, uint32_t nsets, struct bgp_prefix *p, uint32_t *idx)
{
	uint8_t afi;

	memset(p, 0, sizeof *p);
	if (!rbuf_u8(r, &afi) || (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6) ||
	    !rbuf_u8(r, &p->len) || p->len > (afi == BGP_AFI_IPV4 ? 32 : 128) ||
	    !rbuf_u32(r, &p->path_id) || !rbuf_copy(r, p->addr, ((size_t)p->len + 7) / 8) ||
	    !rbuf_u32(r, idx) || *idx >= nsets)
		return false;
	p->afi = afi;
	return true;
}

static void put_sets(struct attrset **sets, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		attrset_put(sets[i]);
	free(sets);
}

/* Every path checked before the first one goes in: a refused snapshot
 * leaves the rib as it was. */
static bool read_paths(struct rbuf r, uint32_t npaths, struct attrset **sets,
    uint32_t nsets, struct adjrib *rib)
{
	struct rbuf check = r;
	struct bgp_prefix p;
	uint32_t idx;

	for (uint32_t i = 0; i < npaths; i++)
		if (!read_path(&check, nsets, &p, &idx))
			return false;
	if (!rbuf_empty(&check))
		return false;
	for (uint32_t i = 0; i < npaths; i++) {
		read_path(&r, nsets, &p, &idx);
		adjrib_announce(rib, &p, sets[idx]);
	}
	return true;
}

bool rib_snapshot_read(struct adjrib *rib, struct attrstore *store, const uint8_t *p,
    size_t len, size_t *paths, char *why, size_t why_len)
{
	struct rbuf r = rbuf_make(p, len);
	char magic[MAGIC_LEN];
	uint32_t nsets, npaths, i;

	*paths = 0;
	if (!rbuf_copy(&r, magic, MAGIC_LEN) || memcmp(magic, MAGIC, MAGIC_LEN) != 0 ||
	    !rbuf_u32(&r, &nsets) || !rbuf_u32(&r, &npaths) ||
	    nsets > r.len / 5 || npaths > r.len / 10) {
		snprintf(why, why_len, "not a table snapshot, or its counts exceed its %zu "
		    "bytes", len);
		return false;
	}
	struct attrset **sets = xcalloc(nsets ? nsets : 1, sizeof *sets);
	for (i = 0; i < nsets; i++)
		if ((sets[i] = read_set(&r, store)) == NULL)
			break;
	if (i < nsets) {
		snprintf(why, why_len, "attribute set %u of %u is malformed or not "
		    "canonical", i, nsets);
		put_sets(sets, i);
		return false;
	}
	bool ok = read_paths(r, npaths, sets, nsets, rib);
	if (!ok)
		snprintf(why, why_len, "a path of the %u is malformed, names no set, or "
		    "bytes follow the last", npaths);
	else
		*paths = npaths;
	put_sets(sets, nsets);
	return ok;
}
