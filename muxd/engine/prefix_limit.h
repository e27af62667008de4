/*
 * prefix_limit.h — "max_prefixes" of a peer or an upstream: how many paths
 * a neighbor may make muxd keep.
 *
 * Without a bound, one neighbor (a leak, a misconfigured ADD-PATH sender)
 * can grow muxd's memory without end. As BIRD's `import limit N action
 * warn|restart` and OpenBGPD's `max-prefix N restart M`:
 *
 *   - at `warning` percent of the limit, one log line (again only after
 *     the count has fallen below that level);
 *   - over the limit with "action": "warn", one log line, and the paths
 *     are kept;
 *   - over the limit with "action": "teardown", the session that brought
 *     the UPDATE is closed with Cease / Maximum Number of Prefixes Reached
 *     (6/1) carrying RFC 4486's data (AFI, SAFI, the limit), its paths go,
 *     and the neighbor stays down for `restart` seconds (peer_hold_down):
 *     no connection to it, and its own connections refused, until then.
 *
 * The count is taken after each UPDATE, so at most one UPDATE's worth of
 * paths goes past the limit before the session closes.
 */
#ifndef BGPMUX_PREFIX_LIMIT_H
#define BGPMUX_PREFIX_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/config/config.h"

/* What has been logged, per neighbor. */
struct prefix_limit {
	bool warned;                    /* at or above the warning level */
	bool over;                      /* over the limit (action warn) */
};

/* After an UPDATE: the neighbor (who, for the log) holds count paths.
 * Logs what cfg asks for; true when the session must be torn down. */
bool prefix_limit_check(struct prefix_limit *pl, const struct prefix_limit_config *cfg,
    size_t count, const char *who);

/* Cease 6/1's data, RFC 4486 §4: AFI (2), SAFI (1), the limit (4). */
#define PREFIX_LIMIT_DATA_LEN 7
void prefix_limit_data(uint16_t afi, uint8_t safi, uint32_t limit,
    uint8_t out[PREFIX_LIMIT_DATA_LEN]);

#endif
