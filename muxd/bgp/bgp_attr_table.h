/*
 * bgp_attr_table.h — private to the attribute codec: the table of
 * attribute types (bgp_attr.c, one row each) and what the walks over a
 * section (bgp_attr_walk.c) hand a row. Not for other modules: they use
 * bgp_update.h.
 */
#ifndef BGPMUX_BGP_ATTR_TABLE_H
#define BGPMUX_BGP_ATTR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

struct attr_state;
struct attr_out;
struct attr_row;

/* One attribute on its way through the decoder. */
struct attr_in {
	struct attr_state *st;
	const struct attr_row *row;
	struct bgp_bytes whole;         /* flags to value: NOTIFICATION data */
	struct rbuf val;
};

enum attr_skip {
	ATTR_KEEP = 0,
	ATTR_SKIP_EBGP,         /* discarded unread from an external peer */
	ATTR_SKIP_AS4,          /* discarded unread on a 4-octet session */
};

struct attr_row {
	uint8_t type;
	uint8_t flags;                  /* the Optional and Transitive bits */
	uint16_t min_len, max_len;
	uint8_t flags_tier;             /* enum bgp_tier: cost of wrong O/T bits */
	uint8_t bad_tier;               /* enum bgp_tier: cost of a malformed value */
	uint8_t len_subcode;            /* subcode of a length out of bounds */
	uint8_t skip;                   /* enum attr_skip */
	uint8_t needs;                  /* the encoder writes only with this type present */
	uint8_t item;                   /* list rows: size of one item */
	size_t field;                   /* u32 and list rows: where in bgp_attrs */
	bool (*decode)(struct attr_in *in);
	/* Writes the value; false when there is nothing to write. */
	bool (*encode)(const struct attr_out *o);
};

/* One attribute on its way out: a row's encoder writes its value. */
struct attr_out {
	struct wbuf *w;
	const struct bgp_attrs *a;
	const struct attr_row *row;
	const struct bgp_codec_ctx *ctx;
};

/* The decoding of one section. */
struct attr_state {
	const struct bgp_codec_ctx *ctx;
	struct bgp_attrs *a;
	struct bgp_err *err;
	uint8_t *scratch;
	size_t scratch_cap;
	uint64_t seen[4];               /* one bit per type code */
	/* Kept for RFC 6793 §4.2.3 on a 2-octet session. */
	struct bgp_bytes as2_path;
	struct bgp_bytes as4_path;
	bool has_as4_path;
	bool has_as4_aggregator;
	uint32_t as4_aggregator_as;
	uint8_t as4_aggregator_addr[4];
};

/* The rows, in ascending type order (the encoder's order). */
extern const struct attr_row bgp_attr_rows[];
extern const size_t bgp_attr_row_count;

/* The row of a type code, NULL for a type we do not know. */
const struct attr_row *bgp_attr_row(unsigned type);

/* Record a malformed attribute at its row's tier (bad_tier); returns
 * false so a decoder can `return bgp_attr_fail(...)`. */
bool bgp_attr_fail(struct attr_in *in, uint8_t subcode, const char *why);

static inline bool bgp_attr_has(const struct bgp_attrs *a, unsigned type)
{
	return (a->present & BGP_ATTR_BIT(type)) != 0;
}

static inline struct bgp_bytes bgp_attr_bytes(const struct rbuf *r)
{
	struct bgp_bytes b = { r->p, (uint16_t)r->len };
	return b;
}

#endif
