/*
 * api_sessions.c — every session of every peer, named by a stable id:
 * "UPSTREAM/N" for an upstream's session, "INSTANCE/CLIENT/N" for a
 * client's session at one instance, "PEER/N" for a plain peer's (a view
 * too, of role VIEW_PEER: its sessions are of kind "peer"); N is the
 * engine's session id (1 normally; multisession peers have 1..N, one per
 * family, kept across resets), "newK" for a connection not yet up.
 */
#include "web/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/client.h"
#include "instances/instance.h"
#include "muxd/bgp/bgp.h"
#include "muxd/lib/log.h"
#include "muxd/engine/peer.h"
#include "web/session_json.h"
#include "views/view.h"

/* The peer's sessions, or one entry with session NULL when it has none. */
static int each_of_peer(struct api_session *as, const char *prefix,
    int (*cb)(const struct api_session *, void *), void *arg)
{
	struct session *ss[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(as->peer, ss, PEER_MAX_SESSIONS);
	int rc;

	for (size_t i = 0; i < (n ? n : 1); i++) {
		as->session = n ? ss[i] : NULL;
		as->index = (unsigned)i + 1;
		/* N: the engine's session id, stable per family across resets;
		 * a session not yet up has none, and is named by its place */
		unsigned sid = as->session ? session_id(as->session) : 0;
		if (sid)
			snprintf(as->id, sizeof as->id, "%s/%u", prefix, sid);
		else if (n)
			snprintf(as->id, sizeof as->id, "%s/new%u", prefix, as->index);
		else
			snprintf(as->id, sizeof as->id, "%s/1", prefix);
		if ((rc = cb(as, arg)) != 0)
			return rc;
	}
	return 0;
}

/* Every instance with its clients; *n gets the count. Free with
 * api_inst_clients_free. */
static struct inst_clients *api_inst_clients(struct api *a, size_t *n)
{
	struct instance *insts[API_MAX_OBJECTS];
	size_t ni = a->host.instances(a->host.arg, insts, API_MAX_OBJECTS);
	struct inst_clients *ic;

	if (ni > API_MAX_OBJECTS)
		ni = API_MAX_OBJECTS;
	ic = xcalloc(ni ? ni : 1, sizeof *ic);
	for (size_t i = 0; i < ni; i++) {
		size_t want = instance_clients(insts[i], NULL, 0);
		ic[i].inst = insts[i];
		ic[i].cl = xcalloc(want ? want : 1, sizeof *ic[i].cl);
		ic[i].n = instance_clients(insts[i], ic[i].cl, want);
		if (ic[i].n > want)
			ic[i].n = want;
	}
	*n = ni;
	return ic;
}

static void api_inst_clients_free(struct inst_clients *ic, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ic[i].cl);
	free(ic);
}

static int each_client(struct api *a, int (*cb)(const struct api_session *, void *),
    void *arg)
{
	size_t ni;
	struct inst_clients *ic = api_inst_clients(a, &ni);
	char prefix[160];
	int rc = 0;

	for (size_t i = 0; i < ni && rc == 0; i++) {
		for (size_t k = 0; k < ic[i].n && rc == 0; k++) {
			struct client *c = ic[i].cl[k];
			if (client_is_leg(c) || client_peer(c) == NULL)
				continue;       /* a leg: its sessions are its primary's peer's */
			struct api_session as = { .kind = "client", .name = client_name(c),
				.instance = instance_name(ic[i].inst), .peer = client_peer(c),
				.client = c };
			snprintf(prefix, sizeof prefix, "%s/%s", as.instance, as.name);
			rc = each_of_peer(&as, prefix, cb, arg);
		}
	}
	api_inst_clients_free(ic, ni);
	return rc;
}

int api_each_session(struct api *a, int (*cb)(const struct api_session *, void *),
    void *arg)
{
	struct view *views[API_MAX_OBJECTS];
	size_t nv = a->host.views(a->host.arg, views, API_MAX_OBJECTS);
	int rc;

	for (size_t i = 0; i < nv && i < API_MAX_OBJECTS; i++) {
		bool plain = view_role(views[i]) == VIEW_PEER;
		struct api_session as = { .kind = plain ? "peer" : "upstream",
			.name = view_name(views[i]), .peer = view_peer(views[i]) };
		if (as.peer && (rc = each_of_peer(&as, as.name, cb, arg)) != 0)
			return rc;
	}
	return each_client(a, cb, arg);
}

static json_t *api_session_json(const struct api_session *s)
{
	const struct neighbor_config *nc = peer_config(s->peer);
	char addr[64];
	json_t *j = s->session ? session_to_json(s->session) :
	    session_none_json(nc->families, nc->family_count);

	/* the engine's multisession id (0 until the session is named) */
	json_object_set(j, "multisession_id", json_object_get(j, "id"));
	json_object_set_new(j, "index", json_integer(s->index));
	json_object_set_new(j, "id", json_string(s->id));
	json_object_set_new(j, "kind", json_string(s->kind));
	json_object_set_new(j, "name", json_string(s->name));
	json_object_set_new(j, "instance", s->instance ? json_string(s->instance) : json_null());
	json_object_set_new(j, "peer", json_string(peer_label(s->peer)));
	json_object_set_new(j, "neighbor", json_string(sockaddr_ntop(&nc->remote, addr,
	    sizeof addr)));
	json_object_set_new(j, "neighbor_as", json_integer(nc->remote_as));
	json_object_set_new(j, "flaps", json_integer(peer_flaps(s->peer)));
	char summary[96];
	json_object_set_new(j, "neighbor_summary",
	    json_string(peer_summary(s->peer, summary, sizeof summary)));
	json_object_set_new(j, "neighbor_multisession", json_string(ms_mode_name(nc->multisession)));
	return j;
}

static int append_session(const struct api_session *s, void *arg)
{
	json_array_append_new(arg, api_session_json(s));
	return 0;
}

void api_get_sessions(struct http_req *r, void *arg)
{
	json_t *arr = json_array();

	api_each_session(arg, append_session, arr);
	http_reply_json(r, 200, arr);
}

struct find_ctx {
	const char *id;
	struct api_session found;
};

static int find_session(const struct api_session *s, void *arg)
{
	struct find_ctx *f = arg;

	if (strcmp(s->id, f->id) != 0)
		return 0;
	f->found = *s;
	return 1;
}

/* POST /api/v1/sessions/{id}/reset: Cease / Administrative Reset (6/4);
 * the peer (or the client) connects again as it would after any reset. */
void api_reset_session(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct find_ctx f = { .id = r->captures[0] };
	char who[128];

	if (!api_authorized(a, r, who, sizeof who))
		return;
	if (!api_each_session(a, find_session, &f)) {
		api_audit(a, r, who, f.id, 404);
		http_reply_error(r, 404, "id", "no session has the id \"%s\" (GET "
		    "/api/v1/sessions lists them)", f.id);
		return;
	}
	if (f.found.session == NULL || session_is_closing(f.found.session)) {
		api_audit(a, r, who, f.id, 409);
		http_reply_error(r, 409, "id", "session %s is not connected: nothing to reset",
		    f.id);
		return;
	}
	log_info("api: %s resets session %s (%s): Cease/Administrative Reset", who, f.id,
	    peer_label(f.found.peer));
	if (f.found.client && client_session(f.found.client) == f.found.session)
		client_reset(f.found.client, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET);
	else
		peer_close_session(f.found.peer, f.found.session, BGP_ERR_CEASE,
		    BGP_CEASE_ADMIN_RESET, "reset through the bgpmux API");
	api_audit(a, r, who, f.id, 200);
	http_reply_json(r, 200, json_pack("{s:s, s:s}", "reset", f.id,
	    "notification", "6/4 Cease, Administrative Reset"));
}
