/*
 * attrset.c — interned attribute sets: an open-addressing hash table of
 * set pointers (linear probing, backward-shift deletion, no tombstones),
 * keyed by a seeded hash of the canonical bytes.
 *
 * Every attrset_intern encodes the attributes once into the store's
 * scratch buffer (the canonical form), hashes the bytes and looks them up;
 * only a new set costs an allocation, plus one decode/encode round trip to
 * prove the codec reads its own canonical form back to the same bytes
 * (that makes interning a decoded set a fixed point, so hash-consing
 * stays exact).
 */
#include "muxd/rib/attrset.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/rib/pathstore.h"
#include "muxd/lib/wbuf.h"

struct attrset {
	struct attrstore *store;
	uint64_t hash;
	uint32_t refcnt;
	uint32_t wire_len;
	uint8_t nh_len;
	uint8_t data[];         /* wire_len attribute bytes, then the next hop */
};

/* A slot holds the set's hash beside it: a probe compares hashes in the
 * slot array, which it reads in order, and touches a set (a cache miss
 * at random in the heap) only when they match. With the pointer alone,
 * a miss on a full store cost one set read per probe (~8 at load 0.75). */
struct aslot {
	struct attrset *set;    /* NULL: empty */
	uint64_t hash;
};

struct attrstore {
	struct aslot *slots;
	size_t cap;             /* power of two, or 0 before the first set */
	size_t count;
	size_t refs;
	size_t set_bytes;
	uint64_t interns;
	uint64_t hits;
	struct pathstore_seed seed;
	uint8_t *scratch;       /* canonical form being looked up */
	size_t scratch_cap;
};

#define STORE_MIN_CAP 64
#define SCRATCH_START 4096
#define SCRATCH_MAX (ATTRSET_MAX_WIRE + 64)

/* The neighbor every canonical form is encoded for: 4-octet AS, iBGP-like
 * so nothing is dropped for being eBGP. */
static const struct bgp_codec_ctx canon_ctx = {
	.as4 = true,
	.ebgp = false,
	.addpath = { false },
	.max_len = BGP_EXT_MAX_LEN,
};

struct attrstore *attrstore_new(void)
{
	struct attrstore *s = xcalloc(1, sizeof *s);
	pathstore_seed_init(&s->seed);
	s->scratch_cap = SCRATCH_START;
	s->scratch = xmalloc(s->scratch_cap);
	return s;
}

void attrstore_free(struct attrstore *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].set);
	free(s->slots);
	free(s->scratch);
	free(s);
}

static size_t set_alloc_size(size_t wire_len, size_t nh_len)
{
	return offsetof(struct attrset, data) + wire_len + nh_len;
}

/* ---- the table ------------------------------------------------------ */

static void table_place(struct aslot *slots, size_t cap, struct attrset *set,
    uint64_t hash)
{
	size_t mask = cap - 1;
	size_t i = (size_t)hash & mask;
	while (slots[i].set != NULL)
		i = (i + 1) & mask;
	slots[i] = (struct aslot){ set, hash };
}

static void table_resize(struct attrstore *s, size_t cap)
{
	struct aslot *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].set != NULL)
			table_place(slots, cap, s->slots[i].set, s->slots[i].hash);
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
}

/* The set whose canonical bytes are key (wire_len + nh_len bytes), or
 * NULL. */
static struct attrset *table_find(const struct attrstore *s, uint64_t hash,
    const uint8_t *key, size_t wire_len, size_t nh_len)
{
	if (s->cap == 0)
		return NULL;
	size_t mask = s->cap - 1;
	for (size_t i = (size_t)hash & mask; s->slots[i].set != NULL; i = (i + 1) & mask) {
		struct attrset *set = s->slots[i].set;
		if (s->slots[i].hash == hash && set->wire_len == wire_len &&
		    set->nh_len == nh_len &&
		    memcmp(set->data, key, wire_len + nh_len) == 0)
			return set;
	}
	return NULL;
}

static void table_insert(struct attrstore *s, struct attrset *set)
{
	if ((s->count + 1) * 4 > s->cap * 3)
		table_resize(s, s->cap ? s->cap * 2 : STORE_MIN_CAP);
	table_place(s->slots, s->cap, set, set->hash);
	s->count++;
}

/* Backward-shift deletion: every entry after the hole whose probe
 * sequence passes through the hole moves into it. */
static void table_remove(struct attrstore *s, const struct attrset *set)
{
	size_t mask = s->cap - 1;
	size_t hole = (size_t)set->hash & mask;
	while (s->slots[hole].set != set) {
		if (s->slots[hole].set == NULL)
			fatal("attrset %p missing from its store (refcount misuse)",
			    (const void *)set);
		hole = (hole + 1) & mask;
	}
	for (size_t j = (hole + 1) & mask; s->slots[j].set != NULL; j = (j + 1) & mask) {
		size_t home = (size_t)s->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			s->slots[hole] = s->slots[j];
			hole = j;
		}
	}
	s->slots[hole].set = NULL;
	s->count--;
	if (s->cap > STORE_MIN_CAP && s->count * 8 < s->cap)
		table_resize(s, s->cap / 2);
}

/* ---- interning ------------------------------------------------------ */

/* Encode a's canonical form into the scratch buffer, leaving `extra`
 * bytes free after it. Returns its length, or SIZE_MAX if too long. */
static size_t encode_canonical(struct attrstore *s, const struct bgp_attrs *a,
    size_t extra)
{
	for (;;) {
		struct wbuf w = wbuf_make(s->scratch, s->scratch_cap);
		bgp_attrs_encode(&w, a, &canon_ctx);
		if (!w.overflow && w.len + extra <= s->scratch_cap)
			return w.len <= ATTRSET_MAX_WIRE ? w.len : SIZE_MAX;
		if (s->scratch_cap >= SCRATCH_MAX)
			return SIZE_MAX;
		size_t cap = s->scratch_cap * 4;
		s->scratch_cap = cap < SCRATCH_MAX ? cap : SCRATCH_MAX;
		free(s->scratch);
		s->scratch = xmalloc(s->scratch_cap);
	}
}

/* True if the set's bytes decode cleanly and encode back to themselves. */
static bool set_round_trips(struct attrstore *s, const struct attrset *set)
{
	struct bgp_attrs a;
	if (!attrset_attrs(set, &a))
		return false;
	struct wbuf w = wbuf_make(s->scratch, s->scratch_cap);
	bgp_attrs_encode(&w, &a, &canon_ctx);
	return !w.overflow && w.len == set->wire_len &&
	    memcmp(w.p, set->data, w.len) == 0;
}

struct attrset *attrset_intern(struct attrstore *s, const struct bgp_attrs *a,
    const uint8_t *next_hop, size_t nh_len)
{
	if (nh_len != 0 && nh_len != 4 && nh_len != 16 && nh_len != 32)
		return NULL;
	size_t wire_len = encode_canonical(s, a, nh_len + 1);
	if (wire_len == SIZE_MAX)
		return NULL;
	/* Key = wire bytes, next hop, and the next hop length as a last byte
	 * so that where one ends and the other starts is part of the key. */
	if (nh_len)
		memcpy(s->scratch + wire_len, next_hop, nh_len);
	s->scratch[wire_len + nh_len] = (uint8_t)nh_len;
	uint64_t hash = pathstore_hash(s->scratch, wire_len + nh_len + 1, &s->seed);

	struct attrset *set = table_find(s, hash, s->scratch, wire_len, nh_len);
	if (set != NULL) {
		s->interns++;
		s->hits++;
		return attrset_get(set);
	}

	size_t size = set_alloc_size(wire_len, nh_len);
	set = xmalloc(size);
	set->store = s;
	set->hash = hash;
	set->refcnt = 1;
	set->wire_len = (uint32_t)wire_len;
	set->nh_len = (uint8_t)nh_len;
	memcpy(set->data, s->scratch, wire_len + nh_len);
	if (!set_round_trips(s, set)) {
		log_warnx("path store: an attribute set of %zu bytes does not "
		    "decode back to itself (codec bug); its routes are treated "
		    "as withdrawn — please report it with the UPDATE", wire_len);
		free(set);
		return NULL;
	}
	table_insert(s, set);
	s->set_bytes += size;
	s->refs++;
	s->interns++;
	return set;
}

struct attrset *attrset_get(struct attrset *set)
{
	if (set->refcnt == UINT32_MAX)
		fatal("attrset %p: reference count overflow", (void *)set);
	set->refcnt++;
	set->store->refs++;
	return set;
}

void attrset_put(struct attrset *set)
{
	if (set == NULL)
		return;
	struct attrstore *s = set->store;
	if (set->refcnt == 0)
		fatal("attrset %p put with no reference held", (void *)set);
	s->refs--;
	if (--set->refcnt > 0)
		return;
	table_remove(s, set);
	s->set_bytes -= set_alloc_size(set->wire_len, set->nh_len);
	free(set);
}

/* ---- accessors ------------------------------------------------------ */

const uint8_t *attrset_wire(const struct attrset *set, size_t *len)
{
	*len = set->wire_len;
	return set->data;
}

const uint8_t *attrset_next_hop(const struct attrset *set, size_t *len)
{
	*len = set->nh_len;
	return set->data + set->wire_len;
}

bool attrset_attrs(const struct attrset *set, struct bgp_attrs *out)
{
	struct bgp_err err;
	memset(&err, 0, sizeof err);
	/* 4-octet form without AS4_PATH: the decoder needs no scratch, and
	 * passing none guarantees every pointer in *out is into the set. */
	if (!bgp_attrs_decode(set->data, set->wire_len, &canon_ctx, NULL, 0,
	    out, &err))
		return false;
	return err.tier == BGP_TIER_OK;
}

uint32_t attrset_refcount(const struct attrset *set) { return set->refcnt; }
uint64_t attrset_hash(const struct attrset *set) { return set->hash; }
struct attrstore *attrset_store(const struct attrset *set) { return set->store; }

size_t attrstore_count(const struct attrstore *s) { return s->count; }

void attrstore_stats(const struct attrstore *s, struct attrstore_stats *st)
{
	st->sets = s->count;
	st->refs = s->refs;
	st->set_bytes = s->set_bytes;
	st->table_bytes = s->cap * sizeof *s->slots + s->scratch_cap;
	st->interns = s->interns;
	st->hits = s->hits;
}
