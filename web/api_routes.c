/*
 * api_routes.c — the looking glass: GET /api/v1/views/{name}/routes
 * ?prefix=P&match=exact|longer|covering&limit=N&after=PREFIX,PATH_ID.
 *
 * At most limit routes (default and most 10,000) in the lookup's order;
 * "truncated" says more matched, "next" is the after= that gives them
 * (null at the end): the cursor is a route, so a page costs its own
 * size whatever its depth (adjrib_lookup_after). An answer longer than a
 * slice is written a slice per turn of the event loop (api_pager.h):
 * 10,000 routes took 0.2-0.4 s of the loop in one go.
 */
#include "web/api_int.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "web/route_json.h"
#include "views/view.h"

#define ROUTES_MAX 10000        /* per answer: the default and the most */
#define ROUTES_SLICE 100        /* routes written per turn of the event loop */

static const char *const match_names[] = { "exact", "longer", "covering" };

struct routes_page {
	char *view;
	struct bgp_prefix p;
	enum adjrib_match m;
	struct bgp_prefix last;         /* the cursor: the last route written */
	bool has_last;
	size_t left, count;             /* routes still allowed, written */
	char *head;                     /* {"view":…,"prefix":…,"match":…,"routes":[ */
	struct evbuffer *pending;       /* the first slice, written at once */
};

static void page_free(void *state)
{
	struct routes_page *pg = state;

	if (pg->pending)
		evbuffer_free(pg->pending);
	free(pg->view);
	free(pg->head);
	free(pg);
}

/* "192.0.2.0/24,3": a route, as after= and "next" write it. */
static void cursor_text(const struct bgp_prefix *p, char *buf, size_t len)
{
	char pfx[BGP_PREFIX_STRLEN];

	bgp_prefix_format(p, pfx, sizeof pfx);
	snprintf(buf, len, "%s,%u", pfx, p->path_id);
}

static bool cursor_parse(const char *text, struct bgp_prefix *p)
{
	char buf[BGP_PREFIX_STRLEN + 16], *comma, *end;
	unsigned long id = 0;

	if (strlen(text) >= sizeof buf)
		return false;
	strcpy(buf, text);
	if ((comma = strchr(buf, ',')) != NULL) {
		*comma = 0;
		id = strtoul(comma + 1, &end, 10);
		if (comma[1] == 0 || *end || id > UINT32_MAX)
			return false;
	}
	if (!bgp_prefix_parse(buf, p))
		return false;
	p->path_id = (uint32_t)id;
	return true;
}

struct slice {
	struct routes_page *pg;
	struct evbuffer *out;
	size_t n, max;
	bool more;                      /* a route after the slice */
};

static int slice_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct slice *s = arg;
	json_t *j;
	char *text;

	if (s->n == s->max) {
		s->more = true;
		return 1;
	}
	j = route_to_json(p, set);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL) {
		log_warnx("api: a route of view %s cannot be written as JSON: left out",
		    s->pg->view);
	} else {
		evbuffer_add_printf(s->out, "%s%s", s->pg->count ? "," : "", text);
		s->pg->count++;
		free(text);
	}
	s->pg->last = *p;
	s->pg->has_last = true;
	s->n++;
	return 0;
}

/* The answer's end: "], count, truncated, next}". */
static void page_end(struct routes_page *pg, struct evbuffer *out, bool truncated)
{
	char next[BGP_PREFIX_STRLEN + 16];

	evbuffer_add_printf(out, "],\"count\":%zu,\"truncated\":%s,\"next\":", pg->count,
	    truncated ? "true" : "false");
	if (truncated && pg->has_last) {
		cursor_text(&pg->last, next, sizeof next);
		evbuffer_add_printf(out, "\"%s\"}", next);
	} else {
		evbuffer_add_printf(out, "null}");
	}
}

static bool page_slice(struct api *a, void *state, struct evbuffer *out)
{
	struct routes_page *pg = state;
	struct slice s = { pg, out, 0, pg->left < ROUTES_SLICE ? pg->left : ROUTES_SLICE, false };
	struct view *v;

	if (pg->pending) {
		evbuffer_add_buffer(out, pg->pending);
		evbuffer_free(pg->pending);
		pg->pending = NULL;
		return false;
	}
	if (pg->head) {
		evbuffer_add(out, pg->head, strlen(pg->head));
		free(pg->head);
		pg->head = NULL;
	}
	if ((v = api_find_view(a, pg->view)) == NULL) {
		page_end(pg, out, true);        /* the view went (a reload) */
		return true;
	}
	feed_lookup_after(view_feed(v), &pg->p, pg->m, pg->has_last ? &pg->last : NULL,
	    slice_cb, &s);
	pg->left -= s.n;
	if (s.more && pg->left > 0)
		return false;
	page_end(pg, out, s.more);
	return true;
}

static const struct api_pager_ops routes_ops = { page_slice, page_free };

/* The query, checked; NULL (answered 4xx) if wrong. */
static struct routes_page *page_new(struct api *a, struct http_req *r)
{
	const char *prefix = http_query(r, "prefix"), *match = http_query(r, "match");
	const char *after = http_query(r, "after");
	struct view *v = api_find_view(a, r->captures[0]);
	struct bgp_prefix p, last;
	long long limit;
	int m = -1;

	for (int i = 0; i < 3; i++)
		if (strcmp(match ? match : "exact", match_names[i]) == 0)
			m = i;
	if (v == NULL) {
		http_reply_error(r, 404, NULL, "no view is named \"%s\"", r->captures[0]);
	} else if (prefix == NULL || !bgp_prefix_parse(prefix, &p)) {
		http_reply_error(r, 400, "prefix", "prefix=%s: expected a prefix such as "
		    "184.164.224.0/24 or 2001:db8::/32", prefix ? prefix : "(missing)");
	} else if (m < 0) {
		http_reply_error(r, 400, "match", "match=%s: expected exact, longer or covering",
		    match);
	} else if (after && !cursor_parse(after, &last)) {
		http_reply_error(r, 400, "after", "after=%s: expected the \"next\" of the "
		    "previous page, PREFIX,PATH_ID (e.g. 184.164.224.0/24,0)", after);
	} else if ((limit = api_query_int(r, "limit", ROUTES_MAX, 1, ROUTES_MAX)) >= 0) {
		struct routes_page *pg = xcalloc(1, sizeof *pg);
		json_t *head = json_pack("{s:s, s:s, s:s}", "view", view_name(v),
		    "prefix", prefix, "match", match_names[m]);
		char *text = head ? json_dumps(head, JSON_COMPACT) : NULL;
		json_decref(head);
		if (text == NULL)
			fatal("out of memory answering a routes lookup");
		text[strlen(text) - 1] = 0;     /* the closing brace */
		if (asprintf(&pg->head, "%s,\"routes\":[", text) < 0)
			fatal("out of memory answering a routes lookup");
		free(text);
		pg->view = xstrdup(view_name(v));
		pg->p = p;
		pg->m = (enum adjrib_match)m;
		pg->left = (size_t)limit;
		if (after) {
			pg->last = last;
			pg->has_last = true;
		}
		return pg;
	}
	return NULL;
}

void api_get_routes(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct routes_page *pg = page_new(a, r);
	struct evbuffer *first;

	if (pg == NULL)
		return;
	if ((first = evbuffer_new()) == NULL)
		fatal("out of memory answering a routes lookup");
	if (page_slice(a, pg, first)) {
		size_t len = evbuffer_get_length(first);
		http_reply_text(r, 200, "application/json", (const char *)evbuffer_pullup(first,
		    -1), len);
		evbuffer_free(first);
		page_free(pg);
		return;
	}
	pg->pending = first;            /* written by the pager's first turn */
	api_pager_start(a, r, &routes_ops, pg);
}
