/*
 * export.c — the export log's storage, and routes encoded once per run
 * of one owner for a set of clients' sessions.
 */
#include "instances/export.h"

#include <stdlib.h>
#include <string.h>

#include "instances/client_int.h"
#include "muxd/lib/log.h"

#define XLOG_FIRST_CAP 1024

/* Scratch: the sessions of one run (one event loop; nothing sent calls
 * back into export_send). */
static struct session **dst;
static size_t dst_cap;

void xlog_append(struct xlog *l, const struct bgp_prefix *p, struct attrset *set,
    const char *owner)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : XLOG_FIRST_CAP;
		l->v = xreallocarray(l->v, cap, sizeof *l->v);
		if (l->owner) {
			l->owner = xreallocarray(l->owner, cap, sizeof *l->owner);
		}
		l->cap = cap;
	}
	if (owner && l->owner == NULL)
		l->owner = xcalloc(l->cap, sizeof *l->owner);  /* the view's so far */
	l->v[l->n].p = *p;
	l->v[l->n].set = set ? attrset_get(set) : NULL;
	if (l->owner)
		l->owner[l->n] = owner ? xstrdup(owner) : NULL;
	l->n++;
}

void xlog_append_prefix(struct xlog *l, const struct bgp_prefix *p, struct attrset *set)
{
	xlog_append(l, p, set, NULL);
	l->v[l->n - 1].p.path_id = 0;
}

void xlog_clear(struct xlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		attrset_put(l->v[i].set);
	if (l->owner) {
		for (size_t i = 0; i < l->n; i++)
			free(l->owner[i]);
		free(l->owner);         /* client routes are rare: the next pass */
		l->owner = NULL;        /* is likely the view's alone */
	}
	l->n = 0;
}

void xlog_free(struct xlog *l)
{
	xlog_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

static bool is_owner(const struct client *c, const char *owner)
{
	return owner != NULL && strcmp(c->cfg.name, owner) == 0;
}

/* The sessions of cl but owner's, in dst. */
static size_t run_sessions(struct client *const *cl, size_t ncl, const char *owner)
{
	size_t n = 0;

	if (dst_cap < ncl) {
		dst_cap = ncl * 2;
		free(dst);
		dst = xcalloc(dst_cap, sizeof *dst);
	}
	for (size_t i = 0; i < ncl; i++)
		if (cl[i]->session != NULL && !is_owner(cl[i], owner))
			dst[n++] = cl[i]->session;
	return n;
}

static void send_run(struct fanout_class *fc, struct client *const *cl, size_t ncl,
    const struct fanout_route *r, size_t n, const char *owner, struct export_sent *sent)
{
	struct fanout_out out;
	size_t nd = run_sessions(cl, ncl, owner);

	if (nd == 0)
		return;
	fanout_out_init(&out, dst, nd);
	fanout_encode(fc, &out, r, n);
	fanout_out_finish(&out);
	if (sent) {
		sent->updates += out.sent_updates;
		sent->written += out.sent_updates * nd;
	}
}

static bool same_owner(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

void export_send(struct fanout_class *fc, struct client *const *cl, size_t ncl,
    const struct fanout_route *r, char *const *owner, size_t n, struct export_sent *sent)
{
	if (n == 0 || ncl == 0)
		return;
	if (owner == NULL) {
		send_run(fc, cl, ncl, r, n, NULL, sent);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && same_owner(owner[i], owner[j]))
			j++;
		send_run(fc, cl, ncl, r + i, j - i, owner[i], sent);
		i = j;
	}
}
