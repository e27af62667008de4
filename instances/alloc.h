/*
 * alloc.h — a client's allocation: the prefixes it may announce.
 *
 * A client announces only inside its configured "prefixes": the allocated
 * prefix itself, or a more specific one down to the client's max_length
 * for that family (default /24 for IPv4, /48 for IPv6). An allocated
 * prefix longer than max_length may still be announced exactly. Anything
 * else is treated as withdrawn by the caller (RFC 7606 style, never a
 * reset). Pure: no I/O, no allocation but the table itself.
 */
#ifndef BGPMUX_ALLOC_H
#define BGPMUX_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

#define ALLOC_DEFAULT_MAX_LEN4 24
#define ALLOC_DEFAULT_MAX_LEN6 48

enum alloc_verdict {
	ALLOC_OK = 0,
	ALLOC_OUTSIDE,          /* in no allocated prefix (or another family) */
	ALLOC_TOO_LONG,         /* inside, but more specific than max_length */
};

struct alloc {
	struct bgp_prefix *v;   /* the allocation, path ids 0 */
	size_t n;
	uint8_t max_len[AID_RIB_MAX];   /* by aid */
};

/* From the configuration's strings (already validated: an unparsable one
 * is skipped). max_len4/6 of 0 mean the defaults. alloc_free releases. */
void alloc_init(struct alloc *a, char *const *prefixes, size_t n,
    uint8_t max_len4, uint8_t max_len6);
void alloc_free(struct alloc *a);

/* Whether p (path id ignored) may be announced. */
enum alloc_verdict alloc_check(const struct alloc *a, const struct bgp_prefix *p);
const char *alloc_verdict_name(enum alloc_verdict v);

/* max_prefixes: true when holding `held` accepted prefixes breaks the
 * limit (more than max). RFC 4486 §4: the NOTIFICATION then carries AFI
 * (2 octets), SAFI (1) and the upper bound (4); alloc_limit_data writes
 * those 7 octets to out. */
bool alloc_over_limit(size_t held, uint32_t max);
#define ALLOC_LIMIT_DATA_LEN 7
void alloc_limit_data(uint16_t afi, uint8_t safi, uint32_t max,
    uint8_t out[ALLOC_LIMIT_DATA_LEN]);

#endif
