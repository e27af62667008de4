/*
 * alloc.c — allocation checks: prefix containment by leading bits.
 */
#include "instances/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"

void alloc_init(struct alloc *a, char *const *prefixes, size_t n,
    uint8_t max_len4, uint8_t max_len6)
{
	memset(a, 0, sizeof *a);
	a->v = n ? xcalloc(n, sizeof *a->v) : NULL;
	for (size_t i = 0; i < n; i++)
		if (bgp_prefix_parse(prefixes[i], &a->v[a->n]))
			a->n++;
	a->max_len[AID_IPV4_UNICAST] = max_len4 ? max_len4 : ALLOC_DEFAULT_MAX_LEN4;
	a->max_len[AID_IPV6_UNICAST] = max_len6 ? max_len6 : ALLOC_DEFAULT_MAX_LEN6;
}

void alloc_free(struct alloc *a)
{
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* Whether inner lies within outer (same AFI, outer no longer, same
 * leading bits). */
static bool alloc_covers(const struct bgp_prefix *outer, const struct bgp_prefix *inner)
{
	if (outer->afi != inner->afi || outer->len > inner->len)
		return false;
	unsigned whole = outer->len / 8, rest = outer->len % 8;
	if (memcmp(outer->addr, inner->addr, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (outer->addr[whole] & mask) == (inner->addr[whole] & mask);
}

enum alloc_verdict alloc_check(const struct alloc *a, const struct bgp_prefix *p)
{
	enum alloc_verdict best = ALLOC_OUTSIDE;
	enum bgp_aid aid = bgp_aid_unicast(p->afi);

	if (!bgp_aid_is_rib(aid))
		return ALLOC_OUTSIDE;
	for (size_t i = 0; i < a->n; i++) {
		if (!alloc_covers(&a->v[i], p))
			continue;
		if (p->len == a->v[i].len || p->len <= a->max_len[aid])
			return ALLOC_OK;
		best = ALLOC_TOO_LONG;
	}
	return best;
}

const char *alloc_verdict_name(enum alloc_verdict v)
{
	switch (v) {
	case ALLOC_OK: return "inside its allocation";
	case ALLOC_OUTSIDE: return "outside its allocation";
	case ALLOC_TOO_LONG: return "more specific than its max_length";
	}
	return "?";
}

bool alloc_over_limit(size_t held, uint32_t max)
{
	return held > max;
}

void alloc_limit_data(uint16_t afi, uint8_t safi, uint32_t max,
    uint8_t out[ALLOC_LIMIT_DATA_LEN])
{
	out[0] = (uint8_t)(afi >> 8);
	out[1] = (uint8_t)afi;
	out[2] = safi;
	out[3] = (uint8_t)(max >> 24);
	out[4] = (uint8_t)(max >> 16);
	out[5] = (uint8_t)(max >> 8);
	out[6] = (uint8_t)max;
}
