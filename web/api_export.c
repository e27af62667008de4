/*
 * api_export.c — the split gateway in the API (docs/scaleout.md): GET
 * /api/v1/export lists the sessions between the machines — a view host's
 * instance hosts, an instance host's view host — each with its state,
 * uptime, families, ADD-PATH and counters; /api/v1/status says the role
 * and, on an instance host, the view host session's state. No password
 * ever appears.
 */
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/engine/peer.h"
#include "web/api_int.h"
#include "web/http_util.h"

/* Every session fits one answer: export.hosts has at most this many. */
#define API_MAX_EXPORT_LINKS CONFIG_EXPORT_HOSTS_MAX

const char *api_role(const struct config *c)
{
	return c->export.enabled ? "view-host" : c->view_host.enabled ?
	    "instance-host" : "single";
}

static json_t *families_json(const struct session_negotiated *n)
{
	json_t *fams = json_array();

	for (uint8_t i = 0; i < n->family_count; i++)
		json_array_append_new(fams, json_string(family_name(n->families[i])));
	return fams;
}

/* What the neighbor and muxd agreed on: ADD-PATH per VPN family. */
static json_t *add_path_json(const struct session_negotiated *n)
{
	static const enum bgp_aid vpn[2] = { AID_IPV4_VPN, AID_IPV6_VPN };
	json_t *o = json_object();

	for (size_t i = 0; i < 2; i++)
		json_object_set_new(o, bgp_af(vpn[i])->name,
		    json_string(addpath_mode_name((enum addpath_mode)n->vpn_addpath[i])));
	return o;
}

static json_t *link_json(const struct api_export_link *l)
{
	const struct session *s = l->peer ? peer_session(l->peer) : NULL;
	bool up = s && session_state(s) == FSM_ESTABLISHED;
	char addr[64];
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
	    "name", l->name, "address", sockaddr_ntop(l->addr, addr, sizeof addr),
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "established", (json_int_t)l->established,
	    "end_of_rib_sent", (json_int_t)l->eor_sent,
	    "updates_received", (json_int_t)l->updates_received,
	    "routes_sent", (json_int_t)l->routes_sent,
	    "views_sent", (json_int_t)l->views_sent);

	json_object_set_new(o, "uptime", up ? json_integer((json_int_t)session_uptime(s)) :
	    json_null());
	json_object_set_new(o, "families", up ? families_json(session_negotiated(s)) :
	    json_array());
	json_object_set_new(o, "add_path", up ? add_path_json(session_negotiated(s)) :
	    json_object());
	json_object_set_new(o, "flaps", json_integer(l->peer ?
	    (json_int_t)peer_flaps(l->peer) : 0));
	json_object_set_new(o, "client_routes_received",
	    json_integer((json_int_t)l->client_routes_received));
	json_object_set_new(o, "client_routes_sent",
	    json_integer((json_int_t)l->client_routes_sent));
	json_object_set_new(o, "clients_up", json_integer((json_int_t)l->clients_up));
	return o;
}

/* The sessions (NULL when the host shows none: a single machine). */
static json_t *links_json(struct api *a)
{
	struct api_export_link links[API_MAX_EXPORT_LINKS];
	size_t n = a->host.export_links ?
	    a->host.export_links(a->host.arg, links, API_MAX_EXPORT_LINKS) : 0;
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, link_json(&links[i]));
	return arr;
}

void api_get_export(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const struct config *cfg = a->host.config(a->host.arg);

	http_reply_json(r, 200, json_pack("{s:s, s:o}", "role", api_role(cfg),
	    "hosts", links_json(a)));
}

void api_status_role(struct api *a, json_t *status)
{
	const struct config *cfg = a->host.config(a->host.arg);
	json_t *links;

	json_object_set_new(status, "role", json_string(api_role(cfg)));
	if (!cfg->view_host.enabled)
		return;
	links = links_json(a);
	json_object_set(status, "view_host", json_array_size(links) ?
	    json_array_get(links, 0) : json_null());
	json_decref(links);
}
