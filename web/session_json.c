/*
 * session_json.c — renders a session's state and counters, and a peer's
 * sessions, from their read-only accessors.
 */
#include "web/session_json.h"

#include "muxd/bgp/bgp.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "web/untrusted_json.h"

/* Message counters by type, bytes and prefixes. */
static json_t *session_counters_to_json(const struct session_counters *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "open", (json_int_t)c->msgs[BGP_OPEN],
	    "update", (json_int_t)c->msgs[BGP_UPDATE],
	    "notification", (json_int_t)c->msgs[BGP_NOTIFICATION],
	    "keepalive", (json_int_t)c->msgs[BGP_KEEPALIVE],
	    "route_refresh", (json_int_t)c->msgs[BGP_ROUTE_REFRESH],
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

static const char *dialect(const struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);

	if (session_state(s) < FSM_OPENCONFIRM)
		return "pending";
	return n->ms == MS_DIALECT_CISCO ? "cisco" : n->ms == MS_DIALECT_IETF ? "ietf" : "off";
}

json_t *session_to_json(const struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);
	const struct session_params *sp = session_params(s);
	bool agreed = session_state(s) >= FSM_OPENCONFIRM;
	const char *err = session_last_error(s);
	json_t *j = json_pack("{s:I, s:s, s:o, s:s, s:I, s:o, s:i, s:o, s:i, s:s, s:o, s:o, s:o, s:I}",
	    "id", (json_int_t)session_id(s),
	    "multisession", dialect(s),
	    "families", session_awaiting_open(s) ? json_array() : agreed ?
	    families_json(n->families, n->family_count) :
	    families_json(sp->families, sp->family_count),
	    "state", fsm_state_name(session_state(s)),
	    "uptime", (json_int_t)session_uptime(s),
	    "local_address", addr_json(session_local_addr(s)),
	    "local_port", (int)sockaddr_port(session_local_addr(s)),
	    "remote_address", addr_json(session_remote_addr(s)),
	    "remote_port", (int)sockaddr_port(session_remote_addr(s)),
	    "initiated", session_initiated_locally(s) ? "local" : "remote",
	    "messages_received", session_counters_to_json(session_counters_rx(s)),
	    "messages_sent", session_counters_to_json(session_counters_tx(s)),
	    /* it may quote a peer's text, cut anywhere */
	    "last_error", err && err[0] ? untrusted_json(err) : json_null(),
	    "queue_bytes", (json_int_t)session_queue_len(s));

	if (j == NULL)
		fatal("out of memory rendering a session");
	json_object_set_new(j, "remote_as", agreed ? json_integer(n->remote_as) : json_null());
	json_object_set_new(j, "hold_time", agreed ? json_integer(n->hold_time) : json_null());
	return j;
}

json_t *session_none_json(const struct bgp_family *fams, uint8_t nfams)
{
	static const struct session_counters zero;
	json_t *j = json_pack("{s:I, s:s, s:o, s:s, s:I, s:n, s:i, s:n, s:i, s:n, s:o, s:o, "
	    "s:n, s:I, s:n, s:n}",
	    "id", (json_int_t)0, "multisession", "pending",
	    "families", families_json(fams, nfams), "state", "Idle", "uptime", (json_int_t)0,
	    "local_address", "local_port", 0, "remote_address", "remote_port", 0,
	    "initiated", "messages_received", session_counters_to_json(&zero),
	    "messages_sent", session_counters_to_json(&zero), "last_error",
	    "queue_bytes", (json_int_t)0, "remote_as", "hold_time");

	if (j == NULL)
		fatal("out of memory rendering a session");
	return j;
}

json_t *peer_to_json(const struct peer *p)
{
	struct session *ss[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(p, ss, PEER_MAX_SESSIONS);
	json_t *arr = json_array();
	char summary[96];

	for (size_t i = 0; i < n; i++)
		if (!session_is_closing(ss[i]))
			json_array_append_new(arr, session_to_json(ss[i]));
	json_t *j = json_pack("{s:s, s:s, s:o}",
	    "multisession", ms_mode_name(peer_config(p)->multisession),
	    "summary", peer_summary(p, summary, sizeof summary), "sessions", arr);
	if (j == NULL)
		fatal("out of memory rendering a peer");
	return j;
}
