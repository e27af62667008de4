/*
 * attrset_fixture.h — attribute sets for unit tests, told apart by their
 * MED: ORIGIN IGP, an AS path, the MED, next hop 192.0.2.1. Used by
 * pathstore_fixture.h (test_pathstore.c, test_rib_model.c) and by
 * test_export_recv.c and test_export_send.c. Only static inline
 * functions, so that a test using one of them does not fail
 * -Werror=unused-function on the others.
 */
#ifndef BGPMUX_TEST_ATTRSET_FIXTURE_H
#define BGPMUX_TEST_ATTRSET_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "muxd/rib/attrset.h"

/* The next hop of every set made here. */
static const uint8_t nh4_a[] = { 192, 0, 2, 1 };
/* AS_SEQUENCE 65520, in the 4-octet segment form: the export tests' path. */
static const uint8_t path_65520[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfb, 0xf0 };

/* ORIGIN IGP, AS_PATH path, MED med; with nh_attr, NEXT_HOP nh4_a too
 * (without it the next hop is only the one given to attrset_intern, as
 * MP_REACH carries it). */
static inline void attrs_med(struct bgp_attrs *a, const uint8_t *path, size_t path_len,
    bool nh_attr, uint32_t med)
{
	memset(a, 0, sizeof *a);
	a->present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH) |
	    BGP_ATTR_BIT(BGP_ATTR_MED);
	a->origin = BGP_ORIGIN_IGP;
	a->as_path.p = path;
	a->as_path.len = (uint16_t)path_len;
	a->med = med;
	if (nh_attr) {
		a->present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a->next_hop, nh4_a, 4);
	}
}

/* Those attributes in store s, with next hop nh4_a. */
static inline struct attrset *intern_med_path(struct attrstore *s, const uint8_t *path,
    size_t path_len, bool nh_attr, uint32_t med)
{
	struct bgp_attrs a;

	attrs_med(&a, path, path_len, nh_attr, med);
	return attrset_intern(s, &a, nh4_a, 4);
}

/* A VPN route's set, as the export tests make them: AS_SEQUENCE 65520,
 * no NEXT_HOP attribute. */
static inline struct attrset *intern_vpn_med(struct attrstore *s, uint32_t med)
{
	return intern_med_path(s, path_65520, sizeof path_65520, false, med);
}

#endif
