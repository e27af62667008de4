/*
 * api_clients_list.c — GET /api/v1/clients (a page at a time, in name
 * order) and GET /api/v1/clients/{name}.
 *
 * A page is the file's clients and the started provisioned ones merged
 * from their two name indexes, from the first name after the cursor: its
 * cost is the page's size, whatever the number of clients, and a client
 * added or removed between two pages moves no other one. Each client's
 * sessions come from its instances' name index. A page of more than SLICE
 * clients is written SLICE clients per turn of the event loop
 * (api_pager.h): 1,000 clients are 50 ms of JSON.
 */
#include "web/api_int.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/client.h"
#include "instances/instance.h"
#include "muxd/lib/log.h"
#include "web/session_json.h"

#define PAGE_MAX 1000           /* clients per page: the default and the most */
#define SLICE 8                 /* clients written per turn of the event loop */

json_t *api_client_json(struct api *a, const struct client_config *cc,
    const struct prov_client *pc)
{
	struct instance *insts[API_MAX_OBJECTS];
	size_t ni = a->host.instances(a->host.arg, insts, API_MAX_OBJECTS);
	json_t *j = client_config_to_json(cc, false), *at = json_array();

	json_object_set_new(j, "source", json_string(pc ? "api" : "config"));
	json_object_set_new(j, "created_at", pc ? json_integer(pc->created_at) : json_null());
	json_object_set_new(j, "lifetime", pc && pc->lifetime ? json_integer(pc->lifetime) :
	    json_null());
	json_object_set_new(j, "expires_at", pc && pc->expires_at ?
	    json_integer(pc->expires_at) : json_null());
	for (size_t i = 0; i < ni && i < API_MAX_OBJECTS; i++) {
		struct client *c;
		if (!client_has_upstream(cc, instance_name(insts[i])) ||
		    (c = instance_client_named(insts[i], cc->name)) == NULL)
			continue;
		/* the client, then its multisession legs (one per session) */
		for (size_t k = 0; k <= c->nlegs; k++) {
			struct client *one = k ? c->legs[k - 1] : c;
			if (k && one->retiring)
				continue;
			json_t *cj = client_to_json(one, peer_to_json);
			json_object_set_new(cj, "instance", json_string(instance_name(insts[i])));
			json_array_append_new(at, cj);
		}
	}
	json_object_set_new(j, "instances", at);
	return j;
}

/* A walk over the running clients in name order: the file's (a->files)
 * and the started provisioned ones (a->prov), merged. */
struct client_walk {
	size_t f, p;            /* next position in each index */
};

static void walk_init(const struct api *a, struct client_walk *w, const char *after)
{
	w->f = nameidx_after(&a->files, after);
	w->p = nameidx_after(&a->prov, after);
}

/* The next client (*pc: the provisioned one, or NULL), or NULL at the end. */
static const struct client_config *walk_next(const struct api *a, struct client_walk *w,
    const struct prov_client **pc)
{
	const struct config *cfg = a->host.config(a->host.arg);

	while (w->p < a->prov.n && !((const struct prov_client *)a->prov.v[w->p].value)->running)
		w->p++;         /* not started: the file has its name or address */
	bool file = w->f < a->files.n, prov = w->p < a->prov.n;
	if (file && prov)
		file = strcmp(a->files.v[w->f].name, a->prov.v[w->p].name) < 0;
	*pc = NULL;
	if (file)
		return &cfg->clients[(uintptr_t)a->files.v[w->f++].value - 1];
	if (!prov)
		return NULL;
	*pc = a->prov.v[w->p++].value;
	return &(*pc)->cfg;
}

/* RFC 8288: where the next page is. */
static void link_next(struct http_req *r, long long limit, const char *last)
{
	char *enc = evhttp_uriencode(last, -1, 0);
	char link[600];

	if (enc == NULL)
		return;
	if (strlen(enc) < 400) {
		snprintf(link, sizeof link, "</api/v1/clients?limit=%lld&after=%s>; rel=\"next\"",
		    limit, enc);
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Link", link);
	}
	free(enc);
}

/* ---- a long page, a slice at a time (api_pager.h) ------------------------------- */

struct listing {
	char *after;                    /* the last client written; NULL: none yet */
	char *end;                      /* the page's last client */
	bool opened, wrote;             /* "[" written; a client written */
};

static void listing_free(void *state)
{
	struct listing *l = state;

	free(l->after);
	free(l->end);
	free(l);
}

/* The clients after l->after up to l->end, at most SLICE, as JSON text
 * (the page's "[" first, its "]" last); true at the page's end. */
static bool listing_slice(struct api *a, void *state, struct evbuffer *out)
{
	struct listing *l = state;
	const struct client_config *cc;
	const struct prov_client *pc;
	struct client_walk w;
	size_t n = 0;

	if (!l->opened)
		evbuffer_add(out, "[", 1);
	l->opened = true;
	walk_init(a, &w, l->after);
	while (n < SLICE && (cc = walk_next(a, &w, &pc)) != NULL &&
	    strcmp(cc->name, l->end) <= 0) {
		json_t *j = api_client_json(a, cc, pc);
		char *text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (text == NULL) {
			log_warnx("api: client %s cannot be written as JSON: left out of "
			    "the listing", cc->name);
		} else {
			evbuffer_add_printf(out, "%s%s", l->wrote ? "," : "", text);
			l->wrote = true;
			free(text);
		}
		free(l->after);
		l->after = xstrdup(cc->name);
		n++;
	}
	if (n == SLICE && strcmp(l->after, l->end) < 0)
		return false;
	evbuffer_add(out, "]", 1);
	return true;
}

static const struct api_pager_ops listing_ops = { listing_slice, listing_free };

void api_get_clients(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const char *after = http_query(r, "after");
	long long limit = api_query_int(r, "limit", PAGE_MAX, 1, PAGE_MAX), n = 0;
	const struct client_config *cc, *last = NULL;
	const struct prov_client *pc;
	struct client_walk w;

	if (limit < 0)
		return;
	/* the page's bounds first (a walk of names, no JSON): the Link
	 * header goes before the body */
	walk_init(a, &w, after);
	while (n < limit && (cc = walk_next(a, &w, &pc)) != NULL) {
		last = cc;
		n++;
	}
	if (last && walk_next(a, &w, &pc) != NULL)
		link_next(r, limit, last->name);
	if (n > SLICE) {
		struct listing *l = xcalloc(1, sizeof *l);
		l->after = after ? xstrdup(after) : NULL;
		l->end = xstrdup(last->name);
		api_pager_start(a, r, &listing_ops, l);
		return;
	}
	json_t *arr = json_array();
	walk_init(a, &w, after);
	for (long long k = 0; k < n && (cc = walk_next(a, &w, &pc)) != NULL; k++)
		json_array_append_new(arr, api_client_json(a, cc, pc));
	http_reply_json(r, 200, arr);
}

void api_get_client(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const struct prov_client *pc;
	const struct client_config *cc = api_client_config(a, r->captures[0], &pc);

	if (cc == NULL)
		http_reply_error(r, 404, NULL, "no client is named \"%s\"", r->captures[0]);
	else
		http_reply_json(r, 200, api_client_json(a, cc, pc));
}
