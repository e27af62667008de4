/*
 * attrset.h — interned path attribute sets: hash-consed, reference counted.
 *
 * A full table carries about a million routes but only a few hundred
 * thousand distinct attribute sets, so every route refers to one shared
 * set. A set is identified by its canonical form:
 *
 *   the attributes encoded by bgp_attrs_encode for a 4-octet-AS neighbor
 *   (ctx.as4 = true, ctx.ebgp = false: everything kept, AS_PATH in the
 *   AS4 segment form, no AS4_PATH/AS4_AGGREGATOR, unknown optional
 *   transitive attributes with the Partial bit set, unknown optional
 *   non-transitive ones dropped, MP_REACH/MP_UNREACH never included),
 *   followed by the next hop: the NEXT_HOP value for IPv4 routes, the
 *   MP_REACH next hop for IPv6 ones (16 bytes global, or 32: global then
 *   link-local).
 *
 * Equal canonical bytes → the same set (pointer equality is set equality).
 * The set owns a copy of those bytes, so re-export to another 4-octet
 * neighbor can send them as they are (attrset_wire), and it decodes them
 * again on demand (attrset_attrs).
 *
 * Why decode on demand instead of keeping a decoded struct bgp_attrs in
 * each set: that struct is 960 bytes (32 inline slots for unknown
 * attributes), against 60–200 for the set itself; at 300,000 sets per full
 * table it would cost ~290 MB per upstream. Decoding the canonical bytes
 * takes well under a microsecond and happens once per set per use
 * (rendering JSON, packing an UPDATE for a 2-octet client).
 *
 * Ownership: attrset_intern and attrset_get return a reference the caller
 * puts with attrset_put; the last put frees the set and removes it from
 * its store. Not thread-safe: one event loop owns a store.
 */
#ifndef BGPMUX_ATTRSET_H
#define BGPMUX_ATTRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

struct attrstore;
struct attrset;

/* Canonical forms longer than this are refused (a 4096-byte message on a
 * 2-octet session widens to at most ~8 KB; this leaves room for extended
 * messages). */
#define ATTRSET_MAX_WIRE (256 * 1024)

struct attrstore *attrstore_new(void);
/* Frees the store and any set still in it: references still held become
 * invalid, so free every adjrib using the store first. NULL is fine. */
void attrstore_free(struct attrstore *s);

/*
 * The set for these attributes and next hop, with a new reference.
 * nh_len is 0, 4, 16 or 32. Returns NULL (nothing interned) if nh_len is
 * anything else, or the canonical form is longer than ATTRSET_MAX_WIRE, or
 * the codec does not decode its own encoding back cleanly (a codec bug;
 * the caller treats the routes as withdrawn). Out of memory is fatal().
 */
struct attrset *attrset_intern(struct attrstore *s, const struct bgp_attrs *a,
    const uint8_t *next_hop, size_t nh_len);

/* One more reference to set; returns set. */
struct attrset *attrset_get(struct attrset *set);
/* Drop one reference; the last one frees the set. NULL is fine. */
void attrset_put(struct attrset *set);

/* The canonical attribute bytes (without the next hop): a path attribute
 * section ready for a 4-octet-AS neighbor, minus MP_REACH/MP_UNREACH. */
const uint8_t *attrset_wire(const struct attrset *set, size_t *len);
/* The next hop bytes (0, 4, 16 or 32 of them). */
const uint8_t *attrset_next_hop(const struct attrset *set, size_t *len);
/* Decode the canonical bytes into *out. The pointers in *out point into
 * the set: valid while the caller holds a reference. MP_REACH/MP_UNREACH
 * are absent; the next hop is attrset_next_hop's. Always true for a set
 * attrset_intern returned (it checks the round trip once). */
bool attrset_attrs(const struct attrset *set, struct bgp_attrs *out);

uint32_t attrset_refcount(const struct attrset *set);
/* The keyed hash of the canonical bytes (stable for the set's lifetime;
 * differs between stores and runs). */
uint64_t attrset_hash(const struct attrset *set);
struct attrstore *attrset_store(const struct attrset *set);

/* Number of distinct sets in the store. */
size_t attrstore_count(const struct attrstore *s);

/* Memory and use counters, for the API and metrics. */
struct attrstore_stats {
	size_t sets;            /* distinct sets */
	size_t refs;            /* references held, all sets together */
	size_t set_bytes;       /* bytes allocated for the sets themselves */
	size_t table_bytes;     /* the hash table and encoding scratch */
	uint64_t interns;       /* attrset_intern calls that succeeded */
	uint64_t hits;          /* … that found an existing set */
};
void attrstore_stats(const struct attrstore *s, struct attrstore_stats *st);

#endif
