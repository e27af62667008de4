/*
 * api_pager.c — answers written a slice per turn of the event loop.
 */
#include "web/api_int.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>

#include "muxd/lib/log.h"

struct api_pager {
	struct evhttp_request *req;     /* ours until evhttp_send_reply_end */
	const struct api_pager_ops *ops;
	void *state;
	struct api_pager *next;         /* a->pagers: the next one's turn */
};

static void pager_free(struct api_pager *pg)
{
	pg->ops->free(pg->state);
	free(pg);
}

void api_pagers_free(struct api *a)
{
	while (a->pagers) {
		struct api_pager *pg = a->pagers;
		a->pagers = pg->next;
		pager_free(pg);         /* evhttp_free frees its request */
	}
	if (a->pager_ev)
		event_free(a->pager_ev);
	a->pager_ev = NULL;
}

/* One slice of pg; true when pg is over (answered, or its client left). */
static bool pager_slice(struct api *a, struct api_pager *pg)
{
	struct evbuffer *out;
	bool done;

	/* a connection that fails mid-answer leaves us the request */
	if (evhttp_request_get_connection(pg->req) == NULL) {
		evhttp_send_reply_end(pg->req);         /* frees it */
		return true;
	}
	if ((out = evbuffer_new()) == NULL)
		fatal("out of memory writing an API answer");
	done = pg->ops->slice(a, pg->state, out);
	evhttp_send_reply_chunk(pg->req, out);
	evbuffer_free(out);
	if (done)
		evhttp_send_reply_end(pg->req);
	return done;
}

static void append(struct api *a, struct api_pager *pg)
{
	struct api_pager **tail = &a->pagers;

	while (*tail)
		tail = &(*tail)->next;
	pg->next = NULL;
	*tail = pg;
}

static void pagers_turn(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct api *a = arg;
	struct api_pager *pg = a->pagers;
	(void)fd;
	(void)what;

	if (pg == NULL)
		return;
	a->pagers = pg->next;
	if (pager_slice(a, pg))
		pager_free(pg);
	else
		append(a, pg);
	/* a timer, not a deferred callback: the loop polls its sockets
	 * between two slices */
	if (a->pagers)
		evtimer_add(a->pager_ev, &now);
}

void api_pager_start(struct api *a, struct http_req *r, const struct api_pager_ops *ops,
    void *state)
{
	static const struct timeval now = { 0, 0 };
	struct api_pager *pg = xcalloc(1, sizeof *pg);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

	pg->req = r->req;
	pg->ops = ops;
	pg->state = state;
	append(a, pg);
	if (a->pager_ev == NULL)
		a->pager_ev = evtimer_new(a->base, pagers_turn, a);
	if (!evtimer_pending(a->pager_ev, NULL))
		evtimer_add(a->pager_ev, &now);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(r->req, 200, "OK");
}
