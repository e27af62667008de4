/*
 * export.h — what an instance sends its clients: the export log, and the
 * one way routes reach clients' sessions.
 *
 * A log (xlog) holds the changes of one event-loop pass for one family
 * and one kind (every path, or the lowest path of each prefix: see
 * instance_int.h), in the order they happened: the view's routes as its
 * feed reports them, and client routes (client_to_client, c2c.h) as the
 * gateway reports them. A client route carries its owner, the client it
 * came from, which never gets it back.
 *
 * export_send encodes routes once per run of one owner and hands the same
 * bytes to the sessions of a set of clients — the STEADY clients of an
 * encoding class, the members of a walk — less the owner's. The view's
 * routes are one run: encoded once for all.
 */
#ifndef BGPMUX_EXPORT_H
#define BGPMUX_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "instances/fanout.h"

struct client;

struct xlog {
	struct fanout_route *v;         /* each holds a reference to its set */
	char **owner;                   /* parallel to v; NULL until a client route */
	size_t n, cap;
};

/* Append a change (set NULL: withdrawn; owner NULL: the view's). */
void xlog_append(struct xlog *l, const struct bgp_prefix *p, struct attrset *set,
    const char *owner);
/* The view's change of a prefix without its path id (a log of each
 * prefix's lowest path). Zeroed in the log's copy: copying a copy whose
 * path id was just stored stalls the copy's wide load (a 4-byte store
 * cannot be forwarded to it: most of xlog_append's samples at 8 x 1M). */
void xlog_append_prefix(struct xlog *l, const struct bgp_prefix *p, struct attrset *set);
/* Empty it (the memory stays for the next pass). */
void xlog_clear(struct xlog *l);
void xlog_free(struct xlog *l);

struct export_sent {
	uint64_t updates;               /* UPDATEs encoded … */
	uint64_t written;               /* … times the sessions they went to */
};

/*
 * Routes r[0..n) of fc's family, in order, to the sessions of the clients
 * cl[0..ncl) that have one; owner (parallel, or NULL when every route is
 * the view's) leaves out a client route's owner. sent, if not NULL, is
 * added to.
 */
void export_send(struct fanout_class *fc, struct client *const *cl, size_t ncl,
    const struct fanout_route *r, char *const *owner, size_t n, struct export_sent *sent);

#endif
