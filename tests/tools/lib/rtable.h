/*
 * rtable.h — the table of routes a neighbor sent a test tool: which
 * prefixes (with path ids) are announced now, each with the hash of its
 * attributes (attr_hash.h), applied UPDATE by UPDATE; and the routes a
 * table file says to expect, to tell what is missing, extra or changed.
 *
 * Table files: what rtable_dump writes and rtable_expect reads, "BGPTBL01",
 * the count, then one 28-byte record a route (afi, length, 0, path id,
 * attribute hash, 16 address bytes), big-endian.
 */
#ifndef BGPMUX_TOOLS_RTABLE_H
#define BGPMUX_TOOLS_RTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

enum { RT_USED = 1, RT_PRESENT = 2, RT_EXPECTED = 4, RT_SEEN = 8 };

/* One prefix (with its path id) ever announced or expected. Entries are
 * never removed: a withdrawn route only loses RT_PRESENT. */
struct rtable_route {
	uint8_t addr[16];
	uint32_t path_id;
	uint32_t attr;                  /* hash of the attributes received */
	uint32_t want;                  /* the expected hash, with RT_EXPECTED */
	uint8_t afi;
	uint8_t len;
	uint8_t flags;                  /* RT_* */
};

/* Open addressing, linear probing, at most 70 % full. */
struct rtable {
	struct rtable_route *slot;
	size_t cap;                     /* a power of two */
	size_t used;
	size_t present;                 /* routes announced now */
	size_t expected;                /* routes with RT_EXPECTED */
	size_t matched;                 /* present and expected */
	size_t extra;                   /* present, not expected */
	size_t seen;                    /* distinct routes ever announced */
	unsigned long stray;            /* withdrawals of absent routes */
	unsigned long announced, withdrawn;     /* prefixes in UPDATEs */
};

/* Room for about routes without growing. False when out of memory. */
bool rtable_init(struct rtable *t, size_t routes);
void rtable_free(struct rtable *t);

/* What one decoded UPDATE announces and withdraws (IPv4 and IPv6
 * unicast; treat-as-withdraw withdraws what it announces). False when out
 * of memory. */
bool rtable_apply(struct rtable *t, const struct bgp_update *u,
    const struct bgp_codec_ctx *ctx);

/* Present and expected, with other attributes than expected. */
unsigned long rtable_attr_mismatch(const struct rtable *t);

/* Used by the table files (rtable_file.c). */
struct rtable_route *rtable_get(struct rtable *t, const struct bgp_prefix *p, uint64_t h);
uint64_t rtable_prefix_hash(const struct bgp_prefix *p);

/* The routes present now, to path. False when it cannot be written
 * (logged). */
bool rtable_dump(const struct rtable *t, const char *path);
/* Replaces t by the routes of a dumped table, as the routes to expect.
 * False on a file that is not one (logged). */
bool rtable_expect(struct rtable *t, const char *path);

#endif
