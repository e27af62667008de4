/*
 * prefix_limit.c — max_prefixes (prefix_limit.h).
 */
#include "muxd/engine/prefix_limit.h"

#include "muxd/lib/log.h"

static size_t warning_level(const struct prefix_limit_config *cfg)
{
	return ((size_t)cfg->limit * cfg->warning + 99) / 100;
}

bool prefix_limit_check(struct prefix_limit *pl, const struct prefix_limit_config *cfg,
    size_t count, const char *who)
{
	if (cfg->limit == 0)
		return false;
	if (count > cfg->limit && cfg->teardown) {
		log_peer_warnx(who, "%zu paths, over its max_prefixes of %u: closing the "
		    "session with Cease/Maximum Number of Prefixes Reached (6/1); it stays "
		    "down for %u s", count, cfg->limit, cfg->restart);
		pl->warned = pl->over = false;  /* its paths go with the session */
		return true;
	}
	if (count > cfg->limit && !pl->over)
		log_peer_warnx(who, "%zu paths, over its max_prefixes of %u: keeping them "
		    "(action warn)", count, cfg->limit);
	else if (count >= warning_level(cfg) && !pl->warned && !pl->over)
		log_peer_warnx(who, "%zu paths, past %u %% of its max_prefixes of %u "
		    "(action %s over it)", count, cfg->warning, cfg->limit,
		    cfg->teardown ? "teardown" : "warn");
	pl->over = count > cfg->limit;
	pl->warned = count >= warning_level(cfg);
	return false;
}

void prefix_limit_data(uint16_t afi, uint8_t safi, uint32_t limit,
    uint8_t out[PREFIX_LIMIT_DATA_LEN])
{
	out[0] = (uint8_t)(afi >> 8);
	out[1] = (uint8_t)afi;
	out[2] = safi;
	out[3] = (uint8_t)(limit >> 24);
	out[4] = (uint8_t)(limit >> 16);
	out[5] = (uint8_t)(limit >> 8);
	out[6] = (uint8_t)limit;
}
