/*
 * pathstore.h — the path store (muxd/rib): what it is made of,
 * and the keyed hash its two halves share.
 *
 * The path store has two modules:
 *
 *   attrset.h  interned path attribute sets: hash-consed on their
 *              canonical wire form (4-octet AS encoding plus next hop),
 *              reference counted, the encoded bytes kept for re-export.
 *   adjrib.h   an Adj-RIB-In per neighbor: (prefix, path id) → attribute
 *              set, for IPv4 and IPv6 unicast, with ADD-PATH.
 *
 * JSON rendering of both lives in route_json.h (one data model, several
 * renderers). Including this header gives the whole layer.
 *
 * The hash below is written for short keys (a prefix is 5 or 17 bytes, an
 * attribute set about 40 to 200): 16 bytes per step through one 64×64→128
 * bit multiply, folded. Every table draws its own secret seed at creation
 * (pathstore_seed), so a neighbor that chooses its prefixes or attributes
 * cannot aim them at one probe chain. It is not a cryptographic MAC; it
 * only has to make collisions expensive to find blind.
 */
#ifndef BGPMUX_PATHSTORE_H
#define BGPMUX_PATHSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pathstore_seed {
	uint64_t k0, k1, k2;
};

/* A fresh secret seed from the kernel (getrandom), or from the clock and
 * an address if that fails (the tables work either way). */
void pathstore_seed_init(struct pathstore_seed *s);

/* 64×64 → 128-bit product, high half folded onto the low half. */
static inline uint64_t pathstore_mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t pathstore_load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Keyed hash of len bytes. Both operands of every multiply carry a secret,
 * so no input word can zero one of them without knowing the seed. */
static inline uint64_t pathstore_hash(const void *data, size_t len,
    const struct pathstore_seed *s)
{
	const uint8_t *p = data;
	uint64_t h = s->k0 ^ ((uint64_t)len * 0x9e3779b97f4a7c15ULL);

	while (len >= 16) {
		h = pathstore_mix(pathstore_load64(p) ^ s->k1,
		    pathstore_load64(p + 8) ^ h);
		p += 16;
		len -= 16;
	}
	if (len > 0) {
		uint64_t a = 0, b = 0;
		if (len > 8) {
			memcpy(&a, p, 8);
			memcpy(&b, p + 8, len - 8);
		} else {
			memcpy(&a, p, len);
		}
		h = pathstore_mix(a ^ s->k1, b ^ h ^ s->k2);
	}
	return pathstore_mix(h ^ s->k2, s->k0 | 1);
}

#include "muxd/rib/attrset.h"
#include "muxd/rib/adjrib.h"

#endif
