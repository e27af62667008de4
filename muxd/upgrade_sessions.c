/*
 * upgrade_sessions.c — the old process's sessions and views in an upgrade
 * in place (muxd/upgrade.h's ops): frozen, flushed, and each Established
 * one handed over with its view's table; thawed if the upgrade fails.
 *
 * What goes: every Established session of a view (upstream or plain
 * peer), and each client session that had the whole view — a configured
 * client's, each further one of a multisession client (a leg), a range
 * member's — with a ROUTE-REFRESH re-send under way noted, to start
 * again there. What stays and ends with this process (the neighbor sees
 * its connection close, and comes back to the new one): sessions not
 * Established and clients still joining.
 *
 * The new process does no I/O on a session before it answers "ready"
 * (its loop runs only after): until then this process may still thaw
 * them, and the stream of each stays whole.
 */
#include <stdlib.h>
#include <string.h>

#include "instances/client.h"
#include "instances/instance.h"
#include "muxd/daemon_int.h"
#include "muxd/engine/session_handover.h"
#include "muxd/handover_state.h"
#include "muxd/lib/log.h"
#include "muxd/upgrade.h"
#include "muxd/upgrade_sessions.h"
#include "views/view.h"

typedef void (*peer_fn)(struct peer *p, void *arg);

/* Every peer of the process: the views', then each client's (a leg shares
 * its primary's). */
static void for_each_peer(struct daemon *d, peer_fn fn, void *arg)
{
	struct neighbor *lists[2] = { d->upstreams, d->peers };

	for (size_t l = 0; l < 2; l++) {
		for (struct neighbor *n = lists[l]; n; n = n->next) {
			fn(view_peer(n->view), arg);
			if (n->inst == NULL)
				continue;
			size_t k = instance_clients(n->inst, NULL, 0);
			struct client **cs = xcalloc(k ? k : 1, sizeof *cs);
			k = instance_clients(n->inst, cs, k);
			for (size_t i = 0; i < k; i++)
				if (!client_is_leg(cs[i]))
					fn(client_peer(cs[i]), arg);
			free(cs);
		}
	}
}

static void freeze_one(struct peer *p, void *arg) { peer_freeze(p, *(bool *)arg); }

void upgrade_sessions_freeze(bool freeze, void *arg)
{
	for_each_peer(arg, freeze_one, &freeze);
}

static void queued_one(struct peer *p, void *arg) { *(size_t *)arg += peer_queued(p); }

size_t upgrade_sessions_queued(void *arg)
{
	size_t n = 0;

	for_each_peer(arg, queued_one, &n);
	return n;
}

/* ---- the records ----------------------------------------------------------- */

struct exporter {
	struct handover_state *st;
	struct upgrade_fds *fds;
	size_t cap;
};

static void counters_out(struct handover_counters *o, const struct session_counters *c)
{
	memcpy(o->msgs, c->msgs, sizeof o->msgs);
	o->bytes = c->bytes;
	o->prefixes = c->prefixes;
}

/* s's record, owned by owner (and instance, for a client); nothing
 * (NULL) if it is not a frozen Established session. Its bytes are the
 * record's until upgrade_sessions_release. */
static struct handover_session *export_session(struct exporter *x, struct session *s, enum handover_owner kind,
    const char *owner, const char *instance)
{
	struct session_handover h;

	if (x->st->nsessions >= HANDOVER_MAX_SESSIONS || !session_handover_export(s, &h))
		return NULL;
	x->st->sessions = xgrow_array(x->st->sessions, &x->cap, x->st->nsessions + 1,
	    sizeof *x->st->sessions);
	struct handover_session *r = &x->st->sessions[x->st->nsessions++];
	memset(r, 0, sizeof *r);
	r->fd_index = upgrade_fds_add(x->fds, h.fd);
	r->kind = (uint8_t)kind;
	r->id = h.id;
	r->uptime = h.uptime;
	r->initiated_locally = h.initiated_locally;
	snprintf(r->owner, sizeof r->owner, "%s", owner);
	snprintf(r->instance, sizeof r->instance, "%s", instance ? instance : "");
	counters_out(&r->rx, &h.rx);
	counters_out(&r->tx, &h.tx);
	r->open_rx = h.open_rx, r->open_rx_len = h.open_rx_len;
	r->open_tx = h.open_tx, r->open_tx_len = h.open_tx_len;
	r->unread = h.unread, r->unread_len = h.unread_len;
	r->unwritten = h.unwritten, r->unwritten_len = h.unwritten_len;
	return r;
}

static void export_view(struct exporter *x, struct view *v, size_t *vcap)
{
	struct peer *p = view_peer(v);
	struct session *ss[PEER_MAX_SESSIONS];
	enum handover_owner kind = view_role(v) == VIEW_UPSTREAM ? HANDOVER_UPSTREAM :
	    HANDOVER_PEER;

	peer_hold_output(p);
	size_t n = peer_sessions(p, ss, PEER_MAX_SESSIONS);
	for (size_t i = 0; i < n; i++)
		export_session(x, ss[i], kind, view_name(v), NULL);
	if (x->st->nviews >= HANDOVER_MAX_VIEWS)
		return;
	x->st->views = xgrow_array(x->st->views, vcap, x->st->nviews + 1,
	    sizeof *x->st->views);
	struct handover_view *r = &x->st->views[x->st->nviews++];
	snprintf(r->name, sizeof r->name, "%s", view_name(v));
	r->table = view_table_bytes(v, &r->table_len);
}

static void export_clients(struct exporter *x, struct instance *inst)
{
	size_t k = instance_clients(inst, NULL, 0);
	struct client **cs = xcalloc(k ? k : 1, sizeof *cs);

	k = instance_clients(inst, cs, k);
	for (size_t i = 0; i < k; i++) {
		/* a client still joining has not had the whole view: it starts
		 * again with the new process (a leg too: its name is its
		 * primary's, a range member's "RANGE@ADDRESS") */
		if (!client_session(cs[i]) || client_state(cs[i]) != CLIENT_STEADY)
			continue;
		peer_hold_output(client_peer(cs[i]));
		struct handover_session *r = export_session(x, client_session(cs[i]),
		    HANDOVER_CLIENT, client_name(cs[i]), instance_name(inst));
		if (r)
			r->refreshing = instance_client_refreshing(cs[i], &r->refresh_afi);
	}
	free(cs);
}

void upgrade_sessions_export(struct handover_state *st, struct upgrade_fds *fds, void *arg)
{
	struct daemon *d = arg;
	struct exporter x = { st, fds, 0 };
	struct neighbor *lists[2] = { d->upstreams, d->peers };
	size_t vcap = 0;

	for (size_t l = 0; l < 2; l++) {
		for (struct neighbor *n = lists[l]; n; n = n->next) {
			export_view(&x, n->view, &vcap);
			if (n->inst)
				export_clients(&x, n->inst);
		}
	}
}

void upgrade_sessions_release(struct handover_state *st, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < st->nsessions; i++) {
		struct handover_session *r = &st->sessions[i];
		free((void *)r->open_rx);
		free((void *)r->open_tx);
		free((void *)r->unread);
		free((void *)r->unwritten);
	}
	for (size_t i = 0; i < st->nviews; i++)
		free((void *)st->views[i].table);
	free(st->sessions);
	free(st->views);
	st->sessions = NULL;
	st->views = NULL;
	st->nsessions = st->nviews = 0;
}
