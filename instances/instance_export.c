/*
 * instance_export.c — the instance's export log: the view's changes and
 * the client routes appended as they come (instance_int.h says how), and
 * the flush that sends them to each encoding class's STEADY clients and
 * to each walk's members; then the clients that cannot keep up are
 * dropped.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "instances/c2c.h"
#include "instances/instance_int.h"
#include "instances/walk.h"
#include "muxd/engine/session_handover.h"
#include "muxd/lib/log.h"

/* Logged routes that trigger a flush right away (bounds the logs when a
 * whole table is withdrawn at once). Client routes never do: they come
 * from inside a client's callbacks, and their number is bounded by the
 * clients' max_prefixes. */
#define FLUSH_MAX 65536

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instance *inst = arg;
	(void)fd;
	(void)what;
	inst->flush_queued = false;
	inst_flush(inst);
}

void inst_export_init(struct instance *inst)
{
	inst->flush_ev = event_new(inst->base, -1, 0, flush_cb, inst);
}

void inst_export_free(struct instance *inst)
{
	FOR_EACH_RIB_AID(aid) {
		xlog_free(&inst->log[aid][LOG_PREFIXES]);
		xlog_free(&inst->log[aid][LOG_PATHS]);
	}
	if (inst->flush_ev)
		event_free(inst->flush_ev);
	free(inst->dst);
}

/* ---- logging ----------------------------------------------------------------- */

/*
 * For clients without ADD-PATH: whether this change alters the prefix's
 * lowest-id path, and what that path's set is now (NULL: none left).
 * The table already has the change (for a clearing withdrawal it still
 * has every route, and every path goes).
 */
static bool lowest_path_change(const struct instance *inst, const struct feed_event *ev,
    struct attrset **now)
{
	const struct bgp_prefix *p = ev->prefix;
	struct bgp_prefix first;
	struct attrset *set;

	*now = ev->set;
	if (ev->set != NULL && p->path_id == 0)
		return true;            /* no path id is lower (and no lookup) */
	bool any = feed_first_path(inst->feed, p, &first, &set);
	if (ev->set != NULL)            /* announce or replace */
		return !any || first.path_id == p->path_id;
	*now = NULL;
	if (ev->clearing)               /* once per prefix: at its first path */
		return !any || first.path_id == p->path_id;
	if (!any)
		return true;
	if (first.path_id < p->path_id)
		return false;
	*now = set;                     /* the next path moves up */
	return true;
}

/* The flush at the end of the pass. */
static void flush_soon(struct instance *inst)
{
	if (inst->logged && !inst->flush_queued) {
		inst->flush_queued = true;
		event_active(inst->flush_ev, 0, 0);
	}
}

void inst_log_route(struct instance *inst, const struct feed_event *ev)
{
	enum bgp_aid aid = bgp_aid_unicast(ev->prefix->afi);
	struct attrset *now;

	if (!bgp_aid_is_rib(aid))
		return;
	if (inst->want[aid][LOG_PATHS]) {
		xlog_append(&inst->log[aid][LOG_PATHS], ev->prefix, ev->set, NULL);
		inst->logged++;
	}
	if (inst->want[aid][LOG_PREFIXES] && lowest_path_change(inst, ev, &now)) {
		xlog_append_prefix(&inst->log[aid][LOG_PREFIXES], ev->prefix, now);
		inst->logged++;
	}
	inst->st.routes_logged++;
	if (inst->logged >= FLUSH_MAX)
		inst_flush(inst);
	else
		flush_soon(inst);
}

/* A client route goes to both logs as it is: path id 0, one per prefix. */
void inst_log_c2c(struct instance *inst, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len, const char *owner)
{
	struct attrset *set;
	enum bgp_aid aid = bgp_aid_unicast(p->afi);

	if (inst->c2c == NULL || !c2c_change(inst->c2c, p, attrs, len, owner, &set))
		return;         /* c2c_change takes IPv4 and IPv6 unicast only */
	for (int k = LOG_PREFIXES; k <= LOG_PATHS; k++) {
		if (inst->want[aid][k] == 0)
			continue;
		struct bgp_prefix q = *p;
		q.path_id = 0;
		xlog_append(&inst->log[aid][k], &q, set, owner);
		inst->logged++;
	}
	flush_soon(inst);
}

/* ---- too slow ------------------------------------------------------------------ */

/* Reset, after a pass, every client marked too slow. Resetting calls the
 * down upcall, which changes classes and wants: never inside a pass. */
static void drop_marked(struct instance *inst)
{
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		if (!c->drop)
			continue;
		c->drop = false;
		c->st.drops++;
		inst->st.dropped++;
		client_reset(c, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES);
	}
}

void inst_check_slow(struct instance *inst)
{
	struct timespec ts;
	char why[160];
	bool any = false;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (size_t i = 0; i < inst->nclients; i++) {
		struct client *c = inst->clients[i];
		/* frozen by an upgrade, its queue waits for the new process */
		if (c->session == NULL || c->drop || session_is_frozen(c->session) ||
		    !client_too_slow(c, now_ms, why, sizeof why))
			continue;
		log_peer_warnx(client_label(c), "cannot keep up: %s; dropping it with "
		    "Cease/Out of Resources (the upstream and the other clients are not "
		    "affected; it may reconnect and will get the whole view again)", why);
		c->drop = true;
		any = true;
	}
	if (any)
		drop_marked(inst);
}

/* ---- flushing ------------------------------------------------------------------ */

static bool client_steady_in(const struct client *c, const struct fanout_class *fc)
{
	enum bgp_aid aid = fanout_class_key(fc)->aid;
	return c->session && c->state == CLIENT_STEADY && !c->drop && c->cls[aid] == fc;
}

/* The STEADY clients of a class, in inst->dst. */
static size_t class_clients(struct instance *inst, const struct fanout_class *fc)
{
	size_t n = 0;

	if (inst->dst_cap < inst->nclients) {
		inst->dst_cap = inst->nclients * 2;
		free(inst->dst);
		inst->dst = xcalloc(inst->dst_cap, sizeof *inst->dst);
	}
	for (size_t i = 0; i < inst->nclients; i++)
		if (client_steady_in(inst->clients[i], fc))
			inst->dst[n++] = inst->clients[i];
	return n;
}

static void flush_class(struct instance *inst, struct fanout_class *fc)
{
	const struct fanout_key *k = fanout_class_key(fc);
	const struct xlog *l = &inst->log[k->aid][k->addpath ? LOG_PATHS : LOG_PREFIXES];
	struct export_sent sent = { 0 };

	if (l->n == 0)
		return;
	size_t n = class_clients(inst, fc);
	export_send(fc, inst->dst, n, l->v, l->owner, l->n, &sent);
	inst->st.updates_shared += sent.updates;
	inst->st.updates_written += sent.written;
}

/* A walk's members share their classes: the first one says which log. */
static void flush_walk(struct instance *inst, struct walk *w)
{
	if (walk_refresh(w) || walk_member_count(w) == 0)
		return;
	struct client *c = walk_member(w, 0);
	FOR_EACH_RIB_AID(aid) {
		if (c->cls[aid] == NULL)
			continue;
		const struct xlog *l = &inst->log[aid][fanout_class_key(c->cls[aid])->addpath ?
		    LOG_PATHS : LOG_PREFIXES];
		if (l->n)
			walk_live(w, aid, l->v, l->owner, l->n);
	}
}

void inst_flush(struct instance *inst)
{
	if (inst->logged == 0)
		return;
	inst->st.flushes++;
	for (struct inst_class *ic = inst->classes; ic; ic = ic->next)
		flush_class(inst, ic->fc);
	for (size_t i = 0; i < inst->nwalks; i++)
		flush_walk(inst, inst->walks[i]);
	FOR_EACH_RIB_AID(aid) {
		xlog_clear(&inst->log[aid][LOG_PREFIXES]);
		xlog_clear(&inst->log[aid][LOG_PATHS]);
	}
	inst->logged = 0;
	inst_check_slow(inst);
}
