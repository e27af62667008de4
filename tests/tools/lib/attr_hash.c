/*
 * attr_hash.c — the fingerprint of a route's path attributes (attr_hash.h):
 * FNV-1a over the decoded attributes; one multiply a byte is nothing next
 * to the decode.
 */
#include "tests/tools/lib/attr_hash.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void fnv_u32(uint64_t *h, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	fnv(h, b, sizeof b);
}

static void fnv_blob(uint64_t *h, struct bgp_bytes b)
{
	fnv_u32(h, b.len);
	fnv(h, b.p, b.len);
}

static int cmp4(const void *a, const void *b) { return memcmp(a, b, 4); }
static int cmp8(const void *a, const void *b) { return memcmp(a, b, 8); }
static int cmp12(const void *a, const void *b) { return memcmp(a, b, 12); }

/*
 * Communities are a set (RFC 1997, 4360, 8092): speakers sort them and
 * drop duplicates on the way (BIRD does), so they hash in sorted order,
 * once each. size is 4, 8 or 12 bytes; the list fits one message.
 */
static void fnv_set(uint64_t *h, struct bgp_bytes b, size_t size)
{
	static uint8_t sorted[BGP_EXT_MAX_LEN];
	size_t n = b.len / size, kept = 0;

	if (n == 0) {
		fnv_u32(h, 0);
		return;
	}
	memcpy(sorted, b.p, n * size);
	qsort(sorted, n, size, size == 4 ? cmp4 : size == 8 ? cmp8 : cmp12);
	for (size_t i = 0; i < n; i++) {
		if (i && memcmp(sorted + i * size, sorted + (i - 1) * size, size) == 0)
			continue;
		fnv(h, sorted + i * size, size);
		kept++;
	}
	fnv_u32(h, (uint32_t)kept);
}

uint64_t attr_hash_base(const struct bgp_attrs *a)
{
	const uint64_t keep = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) |
	    BGP_ATTR_BIT(BGP_ATTR_AS_PATH) | BGP_ATTR_BIT(BGP_ATTR_MED) |
	    BGP_ATTR_BIT(BGP_ATTR_ATOMIC_AGGREGATE) | BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR) |
	    BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES) | BGP_ATTR_BIT(BGP_ATTR_EXT_COMMUNITIES) |
	    BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	uint64_t present = a->present & keep, h = 0xcbf29ce484222325ull;

	fnv_u32(&h, (uint32_t)(present >> 32));
	fnv_u32(&h, (uint32_t)present);
	fnv_u32(&h, a->origin);
	fnv_blob(&h, a->as_path);
	if (present & BGP_ATTR_BIT(BGP_ATTR_MED))
		fnv_u32(&h, a->med);
	if (present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR)) {
		fnv_u32(&h, a->aggregator_as);
		fnv(&h, a->aggregator_addr, sizeof a->aggregator_addr);
	}
	fnv_set(&h, a->communities, 4);
	fnv_set(&h, a->ext_communities, 8);
	fnv_set(&h, a->large_communities, 12);
	for (unsigned i = 0; i < a->unknown_count; i++) {
		const struct bgp_raw_attr *u = &a->unknown[i];
		if ((u->flags & BGP_ATTR_F_OPTIONAL) && (u->flags & BGP_ATTR_F_TRANSITIVE)) {
			fnv_u32(&h, u->type);
			fnv_blob(&h, u->val);
		}
	}
	return h;
}

uint32_t attr_hash_finish(uint64_t h, const uint8_t *nh, size_t len)
{
	fnv(&h, nh, len > 16 ? 16 : len);
	return (uint32_t)(h ^ (h >> 32));
}
