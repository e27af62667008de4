/*
 * session_json.c — renders a session's state and counters.
 */
#include "muxd/session_json.h"

#include "muxd/config.h"
#include "muxd/log.h"

json_t *session_counters_to_json(const struct session_counters *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "open", (json_int_t)c->msgs[1],
	    "update", (json_int_t)c->msgs[2],
	    "notification", (json_int_t)c->msgs[3],
	    "keepalive", (json_int_t)c->msgs[4],
	    "route_refresh", (json_int_t)c->msgs[5],
	    "bytes", (json_int_t)c->bytes,
	    "prefixes", (json_int_t)c->prefixes);
}

static json_t *families_json(const struct bgp_family *f, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(family_name(f[i])));
	return a;
}

static json_t *addr_json(const struct sockaddr_mux *a)
{
	char buf[64];
	return a->len ? json_string(sockaddr_ntop(a, buf, sizeof buf)) : json_null();
}

json_t *session_to_json(const struct session *s, const struct bgp_family *fams,
    uint8_t nfams)
{
	static const struct session_counters zero;
	const struct session_negotiated *n = s ? session_negotiated(s) : NULL;
	bool up = s && session_state(s) == FSM_ESTABLISHED;
	const char *err = s ? session_last_error(s) : NULL;
	json_t *j = json_pack("{s:s, s:I, s:o, s:o, s:o, s:I, s:o}",
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "uptime", (json_int_t)(s ? session_uptime(s) : 0),
	    "families", up ? families_json(n->families, n->family_count) :
	    families_json(fams, nfams),
	    "local_address", s ? addr_json(session_local_addr(s)) : json_null(),
	    "remote_address", s ? addr_json(session_remote_addr(s)) : json_null(),
	    "queue_bytes", (json_int_t)(s ? session_queue_len(s) : 0),
	    "last_error", err && err[0] ? json_string(err) : json_null());

	if (j == NULL)
		fatal("out of memory rendering a session");
	json_object_set_new(j, "remote_as", up ? json_integer(n->remote_as) : json_null());
	json_object_set_new(j, "hold_time", up ? json_integer(n->hold_time) : json_null());
	json_object_set_new(j, "messages", json_pack("{s:o, s:o}",
	    "received", session_counters_to_json(s ? session_counters_rx(s) : &zero),
	    "sent", session_counters_to_json(s ? session_counters_tx(s) : &zero)));
	return j;
}
