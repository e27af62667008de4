/*
 * view_int.h — a view's state, shared by the files of the view
 * (view.c, view_handover.c); nothing outside views/ includes it.
 */
#ifndef BGPMUX_VIEW_INT_H
#define BGPMUX_VIEW_INT_H

#include "muxd/engine/prefix_limit.h"
#include "views/originated.h"
#include "views/stale.h"
#include "views/view.h"

struct view {
	struct event_base *base;
	char *name;
	enum view_role role;
	struct neighbor_config cfg;     /* own copy, strings included */
	char label[96];                 /* "view isp-a peer" */
	struct attrstore *store;
	struct adjrib *rib;
	struct feed *feed;
	struct peer *peer;              /* the current one */
	unsigned npeers;                /* current + retired, not yet freed */
	unsigned up;                    /* its sessions Established (multisession: several) */
	bool stopping;
	const struct view_ops *ops;
	void *arg;
	struct view_stats st;
	struct originated *own;         /* the gateway's own routes toward it */
	struct stale *stale;            /* Graceful Restart: routes kept stale */
	struct prefix_limit limit;      /* max_prefixes: what has been logged */
};

/* A session of the view is up: counted, told to the feed, Graceful
 * Restart's state taken from its negotiation. */
void view_publish_up(struct view *v, const struct session_negotiated *n,
    const struct session *s);

#endif
