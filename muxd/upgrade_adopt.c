/*
 * upgrade_adopt.c — the new process takes the views' tables and the
 * sessions the process before handed over (upgrade_sessions.h).
 *
 * A view whose table is refused takes none of its sessions: they close
 * (the neighbor connects again and sends its routes anew) rather than
 * run on with a table that is not the neighbor's.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "instances/instance.h"
#include "muxd/daemon_int.h"
#include "muxd/engine/session_handover.h"
#include "muxd/lib/log.h"
#include "muxd/bgp/bgp.h"
#include "muxd/upgrade_sessions.h"
#include "muxd/upgrade_takeover.h"
#include "views/view.h"

static void counters_in(struct session_counters *c, const struct handover_counters *o)
{
	memset(c, 0, sizeof *c);
	memcpy(c->msgs, o->msgs, sizeof c->msgs);
	c->bytes = o->bytes;
	c->prefixes = o->prefixes;
}

/* Record r as session_adopt_established reads it, on fd. */
static void handover_of(struct session_handover *h, const struct handover_session *r, int fd)
{
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->open_rx = (uint8_t *)r->open_rx, h->open_rx_len = r->open_rx_len;
	h->open_tx = (uint8_t *)r->open_tx, h->open_tx_len = r->open_tx_len;
	counters_in(&h->rx, &r->rx);
	counters_in(&h->tx, &r->tx);
	h->uptime = r->uptime;
	h->id = r->id;
	h->initiated_locally = r->initiated_locally;
	h->unread = (uint8_t *)r->unread, h->unread_len = r->unread_len;
	h->unwritten = (uint8_t *)r->unwritten, h->unwritten_len = r->unwritten_len;
}

/* The configuration here no longer matches what the session was. */
static void refused(const struct handover_session *r, const char *why, int fd)
{
	upgrade_takeover_close(r, fd, BGP_CEASE_CONFIG_CHANGE, why);
}

static bool is_view_record(const struct handover_session *r, const struct view *v)
{
	uint8_t kind = view_role(v) == VIEW_UPSTREAM ? HANDOVER_UPSTREAM : HANDOVER_PEER;
	return r->kind == kind && strcmp(r->owner, view_name(v)) == 0;
}

/* v's table from the state; false (logged) when there is none or it is
 * refused. */
static bool load_table(const struct handover_state *st, struct view *v)
{
	char why[200];

	for (size_t i = 0; i < st->nviews; i++) {
		if (strcmp(st->views[i].name, view_name(v)) != 0)
			continue;
		if (view_load_table(v, st->views[i].table, st->views[i].table_len, why,
		    sizeof why))
			return true;
		log_warnx("upgrade: view %s: the table handed over is refused: %s",
		    view_name(v), why);
		return false;
	}
	return false;
}

void upgrade_adopt_view(struct daemon *d, struct view *v)
{
	struct upgrade_takeover *t = d->takeover;
	bool have_sessions = false, table = false, table_tried = false;
	char why[200];

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->st.nsessions; i++) {
		const struct handover_session *r = &t->st.sessions[i];
		if (!is_view_record(r, v) || t->fds[i] < 0)
			continue;
		if (!table_tried)
			table = load_table(&t->st, v);
		table_tried = have_sessions = true;
		struct session_handover h;
		handover_of(&h, r, upgrade_takeover_take(t, i));
		if (!table)
			refused(r, "its view's table is not here", h.fd);
		else if (!view_adopt_session(v, &h, why, sizeof why))
			refused(r, why, h.fd);
	}
	if (!have_sessions)
		log_info("view %s: no session handed over: it starts afresh", view_name(v));
}

void upgrade_adopt_clients(struct daemon *d, struct instance *inst)
{
	struct upgrade_takeover *t = d->takeover;
	char why[200];

	if (t == NULL || inst == NULL)
		return;
	for (size_t i = 0; i < t->st.nsessions; i++) {
		const struct handover_session *r = &t->st.sessions[i];
		if (r->kind != HANDOVER_CLIENT || t->fds[i] < 0 ||
		    strcmp(r->instance, instance_name(inst)) != 0)
			continue;
		struct session_handover h;
		struct client_handover ch = { r->owner, r->refreshing, r->refresh_afi };
		handover_of(&h, r, upgrade_takeover_take(t, i));
		if (!instance_adopt_client(inst, &ch, &h, why, sizeof why))
			refused(r, why, h.fd);
	}
}
