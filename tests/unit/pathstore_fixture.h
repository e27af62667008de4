/*
 * pathstore_fixture.h — what the path store's unit tests share
 * (test_pathstore.c, test_rib_model.c): attribute sets made from a few
 * AS paths and next hops (tests/unit/attrset_fixture.h), prefixes from
 * text (prefix_fixture.h), a cheap REQUIRE for hot loops.
 */
#ifndef BGPMUX_TEST_PATHSTORE_FIXTURE_H
#define BGPMUX_TEST_PATHSTORE_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/rib/hugemem.h"
#include "muxd/rib/pathstore.h"
#include "muxd/lib/wbuf.h"
#include "tests/unit/attrset_fixture.h"
#include "tests/unit/check_run.h"
#include "tests/unit/prefix_fixture.h"

#define BIT(t) BGP_ATTR_BIT(t)

/* For hot loops: ck_assert records every passing check (a write each),
 * which would dominate the run time of the model tests. */
#define REQUIRE(cond) do { \
	if (!(cond)) \
		ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond); \
} while (0)

/* AS_SEQUENCE 65010 1, in the 4-octet segment form. */
static const uint8_t path_a[] = { BGP_AS_SEQUENCE, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0, 1 };
/* AS_SEQUENCE 65020, AS_SET {2, 3}. */
static const uint8_t path_b[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xfc,
	BGP_AS_SET, 2, 0, 0, 0, 2, 0, 0, 0, 3 };
static const uint8_t comms[] = { 0xfd, 0xf2, 0, 1, 0xff, 0xff, 0xff, 0x01 };
static const uint8_t nh4_b[] = { 192, 0, 2, 2 };
static const uint8_t nh6[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1,
	0xfe, 0x80, [31] = 1 };

/* ORIGIN IGP, path, MED med, NEXT_HOP nh4_a (attrset_fixture.h). */
static inline void attrs_make(struct bgp_attrs *a, const uint8_t *path, size_t path_len,
    uint32_t med)
{
	attrs_med(a, path, path_len, true, med);
}

/* A set of path_a told apart by its MED. */
static inline struct attrset *intern_med(struct attrstore *s, uint32_t med)
{
	return intern_med_path(s, path_a, sizeof path_a, true, med);
}

/* A walk's routes written down, up to 512. */
struct seen {
	struct bgp_prefix p[512];
	struct attrset *set[512];
	size_t n;
	size_t stop_at;         /* return 1 after this many, 0 = never */
};

static inline int collect(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct seen *s = arg;
	ck_assert_uint_lt(s->n, 512);
	s->p[s->n] = *p;
	s->set[s->n] = set;
	s->n++;
	return s->stop_at && s->n == s->stop_at;
}

#endif
