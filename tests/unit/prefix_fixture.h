/*
 * prefix_fixture.h — a prefix from its text, for unit tests
 * (pathstore_fixture.h, test_route_json.c, test_stale.c).
 */
#ifndef BGPMUX_TEST_PREFIX_FIXTURE_H
#define BGPMUX_TEST_PREFIX_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

/* text ("10.0.0.0/24", "2001:db8::/32") with ADD-PATH id path_id; a bad
 * text fails the test. */
static inline struct bgp_prefix pfx(const char *text, uint32_t path_id)
{
	struct bgp_prefix p;
	if (!bgp_prefix_parse(text, &p))
		ck_abort_msg("bad test prefix %s", text);
	p.path_id = path_id;
	return p;
}

#endif
