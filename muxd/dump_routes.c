/*
 * dump_routes.c — the document STATE_DIR/routes.json holds (SIGUSR1;
 * muxd/route_dump.h runs the child that writes it):
 *
 *   {"peers": [...], "views": [...], "instances": [...], "gateway": {...}}
 *
 * "peers" are the plain peers' views (name, address, asn, state, flaps,
 * peer, routes), "views" the upstreams' (view_to_json and routes). The
 * routes are written one by one: the memory the child takes is that of
 * one route, not a tree of the whole table.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "instances/gateway.h"
#include "instances/instance.h"
#include "muxd/daemon_int.h"
#include "views/view.h"
#include "web/instance_json.h"
#include "web/route_json.h"
#include "web/session_json.h"
#include "web/view_json.h"

/* A plain peer's keys but its routes. */
static json_t *plain_peer_head(struct view *v)
{
	const struct neighbor_config *nc = view_config(v);
	struct peer *p = view_peer(v);
	struct session *s = p ? peer_session(p) : NULL;
	char addr[64];

	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:o}",
	    "name", nc->name,
	    "address", sockaddr_ntop(&nc->remote, addr, sizeof addr),
	    "asn", (json_int_t)nc->remote_as,
	    "state", s ? fsm_state_name(session_state(s)) : "Idle",
	    "flaps", (json_int_t)(p ? peer_flaps(p) : 0),
	    "peer", p ? peer_to_json(p) : json_null());
}

/* head, then "routes": every route of the view. */
static bool write_view(struct route_json_writer *w, struct view *v, json_t *head)
{
	struct feed_cursor c;

	if (!route_json_open(w, head, "routes"))
		return false;
	feed_cursor_init(&c, 0);
	feed_cursor_next(view_feed(v), &c, SIZE_MAX, route_json_write_cb, w);
	return route_json_close(w);
}

static bool write_json(FILE *f, json_t *j)
{
	bool ok = j != NULL && json_dumpf(j, f, JSON_COMPACT) == 0;
	json_decref(j);
	return ok;
}

static bool write_views(FILE *f, const struct neighbor *list, bool plain, size_t *routes)
{
	struct route_json_writer w = { .f = f };
	bool ok = true;

	for (const struct neighbor *n = list; ok && n; n = n->next) {
		json_t *head = plain ? plain_peer_head(n->view) : view_to_json(n->view);
		ok = (n == list || fputc(',', f) != EOF) && write_view(&w, n->view, head);
		*routes += w.routes;
	}
	return ok;
}

bool daemon_write_routes(FILE *f, void *arg, size_t *routes)
{
	struct daemon *d = arg;
	bool ok = fputs("{\"peers\":[", f) != EOF && write_views(f, d->peers, true, routes);
	bool first = true;

	ok = ok && fputs("],\"views\":[", f) != EOF &&
	    write_views(f, d->upstreams, false, routes);
	ok = ok && fputs("],\"instances\":[", f) != EOF;
	for (const struct neighbor *n = d->upstreams; ok && n; n = n->next) {
		if (n->inst == NULL)
			continue;
		ok = (first || fputc(',', f) != EOF) && write_json(f, instance_to_json(n->inst));
		first = false;
	}
	ok = ok && fputs("],\"gateway\":", f) != EOF && write_json(f, gateway_to_json(d->gw)) &&
	    fputc('}', f) != EOF;
	return ok && !ferror(f);
}
