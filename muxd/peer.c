/*
 * peer.c — one neighbor: its sessions, restarts and collisions.
 */
#include "muxd/peer.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/log.h"

#define RESTART_FIRST_SECS 1

struct peer {
	struct event_base *base;
	struct neighbor_config cfg;     /* own copy, strings included */
	struct peer_local local;
	char hostname[64];
	char label[160];
	const struct peer_ops *ops;
	void *owner;

	struct session *sessions[PEER_MAX_SESSIONS];
	size_t nsessions;
	struct event *restart_ev, *free_ev;
	unsigned backoff;               /* seconds until the next restart */
	bool started, stopping;
	uint32_t flaps;
};

static const struct session_ops peer_session_ops;

static void peer_params(const struct peer *p, struct session_params *sp)
{
	const struct neighbor_config *c = &p->cfg;

	memset(sp, 0, sizeof *sp);
	sp->label = p->label;
	sp->local_as = p->local.asn;
	sp->local_id = p->local.router_id;
	sp->remote_as = c->remote_as;
	sp->hold_time = c->hold_time;
	sp->connect_retry = c->connect_retry;
	sp->passive = c->passive;
	memcpy(sp->families, c->families, sizeof sp->families);
	sp->family_count = c->family_count;
	sp->add_path = (uint8_t)c->add_path;
	sp->remote = c->remote;
	sp->local = c->local;
	sp->has_local = c->has_local;
	sp->password = c->password;
	sp->ttl_security = c->ttl_security;
	sp->hostname = p->hostname[0] ? p->hostname : NULL;
}

static struct session *peer_add_session(struct peer *p)
{
	struct session_params sp;

	if (p->nsessions == PEER_MAX_SESSIONS)
		return NULL;
	peer_params(p, &sp);
	struct session *s = session_new(p->base, &sp, &peer_session_ops, p);
	p->sessions[p->nsessions++] = s;
	return s;
}

static bool peer_has_live_session(const struct peer *p)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (!session_is_closing(p->sessions[i]))
			return true;
	return false;
}

static void peer_connect_now(struct peer *p)
{
	if (p->stopping || p->cfg.passive || peer_has_live_session(p))
		return;
	struct session *s = peer_add_session(p);
	if (s)
		session_start(s);
}

static void restart_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_connect_now(arg);
}

/* Try again later, waiting longer after each failure, up to connect_retry. */
static void peer_schedule_restart(struct peer *p)
{
	struct timeval tv = { p->backoff, 0 };

	if (p->stopping || !p->started || p->cfg.passive || evtimer_pending(p->restart_ev, NULL))
		return;
	evtimer_add(p->restart_ev, &tv);
	p->backoff = p->backoff * 2 > p->cfg.connect_retry ? p->cfg.connect_retry : p->backoff * 2;
}

/* ---- session upcalls ---------------------------------------------------- */

static peer_state_observer state_observer;
static void *state_observer_arg;

void peer_observe_states(peer_state_observer cb, void *arg)
{
	state_observer = cb;
	state_observer_arg = arg;
}

static void notify_observer(struct peer *p, struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason)
{
	size_t i = 0;

	if (state_observer == NULL)
		return;
	while (i < p->nsessions && p->sessions[i] != s)
		i++;
	state_observer(p, s, i, from, to, reason, state_observer_arg);
}

static void on_state_changed(struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason, void *arg)
{
	struct peer *p = arg;

	notify_observer(p, s, from, to, reason);
	if (to == FSM_ESTABLISHED) {
		p->backoff = RESTART_FIRST_SECS;
		if (p->ops->established)
			p->ops->established(p, s, p->owner);
	} else if (from == FSM_ESTABLISHED) {
		p->flaps++;
		if (p->ops->down)
			p->ops->down(p, s, reason, p->owner);
	}
}

/*
 * RFC 4271 §6.8: when an OPEN arrives and another connection to the same
 * neighbor is past Connect, keep the one initiated by the side with the
 * higher BGP Identifier. We know the neighbor's identifier from this OPEN.
 */
static bool on_open_received(struct session *s, const struct bgp_open *o, void *arg)
{
	struct peer *p = arg;
	bool keep_local = fsm_collision_keep_local(p->local.router_id, o->bgp_id);

	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *t = p->sessions[i];
		if (t == s || session_is_closing(t))
			continue;
		switch (session_state(t)) {
		case FSM_ESTABLISHED:
			session_close(s, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			return false;
		case FSM_OPENSENT:
		case FSM_OPENCONFIRM: {
			struct session *loser =
			    session_initiated_locally(s) == keep_local ? t : s;
			log_peer_info(p->label, "connection collision: keeping the "
			    "connection %s initiated", keep_local ? "we" : "the neighbor");
			session_close(loser, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			if (loser == s)
				return false;
			break;
		}
		default:        /* a connect still in progress: give it up */
			session_close(t, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL);
			break;
		}
	}
	return true;
}

static void on_update(struct session *s, const struct bgp_update *u, void *arg)
{
	struct peer *p = arg;
	if (p->ops->update)
		p->ops->update(p, s, u, p->owner);
}

static void on_route_refresh(struct session *s, uint16_t afi, uint8_t safi,
    uint8_t subtype, void *arg)
{
	struct peer *p = arg;
	if (p->ops->route_refresh)
		p->ops->route_refresh(p, s, afi, safi, subtype, p->owner);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	(void)fd;
	(void)what;
	if (p->ops->freed)
		p->ops->freed(p, p->owner);
	event_free(p->restart_ev);
	event_free(p->free_ev);
	free(p->cfg.name);
	free(p->cfg.password);
	free(p);
}

static void on_closed(struct session *s, void *arg)
{
	struct peer *p = arg;

	for (size_t i = 0; i < p->nsessions; i++) {
		if (p->sessions[i] == s) {
			p->sessions[i] = p->sessions[--p->nsessions];
			break;
		}
	}
	if (p->stopping && p->nsessions == 0)
		event_active(p->free_ev, 0, 0);
	else if (!peer_has_live_session(p))
		peer_schedule_restart(p);
}

static const struct session_ops peer_session_ops = {
	.state_changed = on_state_changed,
	.open_received = on_open_received,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.closed = on_closed,
};

/* ---- public ---------------------------------------------------------------- */

struct peer *peer_new(struct event_base *base, const struct neighbor_config *cfg,
    const struct peer_local *local, const struct peer_ops *ops, void *owner)
{
	struct peer *p = xcalloc(1, sizeof *p);
	char addr[64];

	p->base = base;
	p->cfg = *cfg;
	p->cfg.name = xstrdup(cfg->name);
	p->cfg.password = cfg->password ? xstrdup(cfg->password) : NULL;
	p->local = *local;
	if (local->hostname)
		snprintf(p->hostname, sizeof p->hostname, "%s", local->hostname);
	p->local.hostname = NULL;
	if (local->label)
		snprintf(p->label, sizeof p->label, "%s %s", local->label,
		    sockaddr_ntop(&p->cfg.remote, addr, sizeof addr));
	else
		snprintf(p->label, sizeof p->label, "peer %s %s", p->cfg.name,
		    sockaddr_ntop(&p->cfg.remote, addr, sizeof addr));
	p->local.label = NULL;
	p->ops = ops;
	p->owner = owner;
	p->backoff = RESTART_FIRST_SECS;
	p->restart_ev = evtimer_new(base, restart_cb, p);
	p->free_ev = event_new(base, -1, 0, free_cb, p);
	return p;
}

void peer_start(struct peer *p)
{
	p->started = true;
	peer_connect_now(p);
}

void peer_shutdown(struct peer *p, uint8_t code, uint8_t subcode, const char *text)
{
	p->stopping = true;
	evtimer_del(p->restart_ev);
	/* session_close may free nothing synchronously; iterate over a copy
	 * anyway, since on_closed reorders the array. */
	struct session *copy[PEER_MAX_SESSIONS];
	size_t n = p->nsessions;
	memcpy(copy, p->sessions, n * sizeof copy[0]);
	for (size_t i = 0; i < n; i++)
		session_close(copy[i], code, subcode, text);
	if (p->nsessions == 0)
		event_active(p->free_ev, 0, 0);
}

bool peer_accept(struct peer *p, int fd)
{
	struct session *target = NULL;

	if (p->stopping || !p->started)
		return false;
	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *s = p->sessions[i];
		if (session_is_closing(s))
			continue;
		if (session_state(s) == FSM_ESTABLISHED) {
			log_peer_info(p->label, "incoming connection refused: a session is already Established");
			return false;
		}
		if (session_state(s) == FSM_CONNECT || session_state(s) == FSM_ACTIVE)
			target = s;
	}
	if (target == NULL)
		target = peer_add_session(p);
	if (target == NULL)
		return false;
	evtimer_del(p->restart_ev);
	session_accept(target, fd);
	return true;
}

const struct neighbor_config *peer_config(const struct peer *p) { return &p->cfg; }
const char *peer_label(const struct peer *p) { return p->label; }
uint32_t peer_flaps(const struct peer *p) { return p->flaps; }

struct session *peer_session(const struct peer *p)
{
	struct session *best = NULL;
	for (size_t i = 0; i < p->nsessions; i++)
		if (best == NULL || session_state(p->sessions[i]) > session_state(best))
			best = p->sessions[i];
	return best;
}

size_t peer_sessions(const struct peer *p, struct session **out, size_t max)
{
	size_t n = p->nsessions < max ? p->nsessions : max;
	memcpy(out, p->sessions, n * sizeof out[0]);
	return n;
}

bool peer_matches(const struct peer *p, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local)
{
	if (!sockaddr_same_addr(&p->cfg.remote, remote))
		return false;
	return !p->cfg.has_local || sockaddr_same_addr(&p->cfg.local, local);
}
