/*
 * view_json.c — renders a view (views/view.h) through its accessors.
 */
#include "web/view_json.h"

#include "muxd/engine/fsm.h"
#include "muxd/engine/peer.h"
#include "muxd/lib/log.h"
#include "views/view.h"
#include "web/session_json.h"

json_t *view_to_json(const struct view *v)
{
	const struct neighbor_config *nc = view_config(v);
	struct peer *p = view_peer(v);
	struct session *s = p ? peer_session(p) : NULL;
	char addr[64];
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:o}",
	    "name", view_name(v),
	    "address", sockaddr_ntop(&nc->remote, addr, sizeof addr),
	    "asn", (json_int_t)nc->remote_as,
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "flaps", (json_int_t)(p ? peer_flaps(p) : 0),
	    "route_count", (json_int_t)feed_route_count(view_feed(v), 0),
	    "subscribers", (json_int_t)feed_subscribers(view_feed(v)),
	    "peer", p ? peer_to_json(p) : json_null());

	if (j == NULL)
		fatal("out of memory rendering view %s", view_name(v));
	json_object_set_new(j, "graceful_restart", json_pack("{s:b, s:I}",
	    "configured", nc->graceful_restart,
	    "stale_routes", (json_int_t)view_stale_count(v)));
	return j;
}
