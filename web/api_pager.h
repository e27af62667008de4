/*
 * api_pager.h — a long JSON answer (a page of 1,000 clients, 10,000
 * routes) written a slice per turn of the event loop: one slice of one
 * answer per turn, the answers in progress taking turns, so that however
 * many clients list, the BGP sessions wait for one slice at most.
 *
 * The answer's state is a cursor of the caller's (a name, a route): what
 * changes between two slices is seen or not as the cursor says, never
 * twice. A client that leaves in the middle ends its answer at the next
 * turn.
 */
#ifndef BGPMUX_API_PAGER_H
#define BGPMUX_API_PAGER_H

#include <stdbool.h>

struct api;
struct evbuffer;
struct http_req;

struct api_pager_ops {
	/* Appends the next slice to out; true when the answer is complete. */
	bool (*slice)(struct api *a, void *state, struct evbuffer *out);
	void (*free)(void *state);
};

/* Answers r with 200 and application/json (and the headers r has so
 * far), then the slices. Takes state (ops->free). */
void api_pager_start(struct api *a, struct http_req *r, const struct api_pager_ops *ops,
    void *state);
/* Drops the answers in progress (before evhttp_free, which frees their
 * requests). */
void api_pagers_free(struct api *a);

#endif
