/*
 * export_gate.c — whether a view is whole for a view host's End-of-RIB
 * (export_gate.h).
 */
#include "muxd/export_gate.h"

#include "muxd/bgp/bgp_family.h"
#include "muxd/engine/session.h"
#include "views/feed.h"
#include "views/view.h"

/* The upstream session negotiated afi's unicast family; a view up with no
 * session object of its own (tests, an instance host's views) goes by
 * its configuration. */
static bool carries(const struct view *v, uint16_t afi)
{
	const struct session *s = feed_upstream(view_feed(v));
	const struct session_negotiated *n = s ? session_negotiated(s) : NULL;
	const struct neighbor_config *nc = view_config(v);

	if (n) {
		for (uint8_t i = 0; i < n->family_count; i++)
			if (n->families[i].afi == afi && n->families[i].safi == BGP_SAFI_UNICAST)
				return true;
		return false;
	}
	for (uint8_t i = 0; i < nc->family_count; i++)
		if (nc->families[i].afi == afi && nc->families[i].safi == BGP_SAFI_UNICAST)
			return true;
	return false;
}

bool export_gate_view_ready(const struct view *v, uint16_t afi, bool wait_absent)
{
	enum bgp_aid aid = bgp_aid_unicast(afi);
	const struct view_stats *st = view_stats(v);

	if (!bgp_aid_is_rib(aid))
		return true;
	if (!feed_session_up(view_feed(v)))
		return st->sessions > 0 || !wait_absent;
	return st->eor[aid] || !carries(v, afi);
}
