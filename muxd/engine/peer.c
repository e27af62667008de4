/*
 * peer.c — a peer's life: created, started, adopting the neighbor's
 * connections, restarting sessions that went down (backing off, or held
 * down after max_prefixes), shut down and freed; and what its sessions
 * tell it, passed on to the owner.
 */
#include "muxd/engine/peer_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/engine/timebase.h"

#define RESTART_FIRST_SECS 1

static const struct session_ops peer_session_ops;

/* ---- its sessions ---------------------------------------------------------- */

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
	sp->add_path_vpn = c->add_path_vpn;
	sp->require_family = c->require_family;
	sp->remote = c->remote;
	sp->local = c->local;
	sp->has_local = c->has_local;
	sp->password = c->password;
	sp->ttl_security = c->ttl_security;
	sp->graceful_restart = c->graceful_restart;
	sp->gr_speaker = p->local.gr;
	sp->hostname = p->hostname[0] ? p->hostname : NULL;
	/* An accepted connection answers in the neighbor's dialect. */
	sp->delay_open = c->multisession != MS_OFF;
}

/* A connection we accepted whose neighbor has sent no OPEN yet (it has
 * open_timeout for it), or one closing anyway. */
static bool session_silent(const struct session *s)
{
	return session_is_closing(s) ||
	    (session_state(s) == FSM_OPENSENT && !session_initiated_locally(s));
}

/* All places taken: a silent session gives its place to a newer
 * connection, so that silent sockets from a neighbor's address never
 * lock the neighbor out. Only from the listener, never inside a session's
 * own callbacks (session_abort). */
static void peer_make_room(struct peer *p)
{
	if (p->nsessions < PEER_MAX_SESSIONS)
		return;
	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *s = p->sessions[i];
		if (!session_silent(s))
			continue;
		if (!session_is_closing(s)) {
			log_peer_info(p->label, "a new connection takes the place of "
			    "one that has sent no OPEN");
			session_drop(s, "a new connection took its place");
		}
		/* its place is free now; its gone comes from the loop */
		p->sessions[i] = p->sessions[--p->nsessions];
		p->leaving++;
		session_abort(s);
		return;
	}
}

static struct session *peer_add_session(struct peer *p, const struct session_params *sp)
{
	if (p->nsessions == PEER_MAX_SESSIONS)
		return NULL;
	struct session *s = session_new(p->base, sp, &peer_session_ops, p);
	p->sessions[p->nsessions++] = s;
	return s;
}

bool peer_has_live_session(const struct peer *p)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (!session_is_closing(p->sessions[i]))
			return true;
	return false;
}

/* ---- connecting and restarting ------------------------------------------- */

/* A connection of ours not yet Established: one at a time. */
static bool peer_connecting(const struct peer *p)
{
	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *s = p->sessions[i];
		if (!session_is_closing(s) && session_state(s) != FSM_ESTABLISHED)
			return true;
	}
	return false;
}

/* Milliseconds the peer is still held down (peer_hold_down), 0 if not. */
static int64_t held_ms(const struct peer *p)
{
	if (p->held_until == 0)
		return 0;
	int64_t ms = p->held_until - timebase_now_ms();
	return ms > 0 ? ms : 0;
}

/* The same in whole seconds, rounded up. */
static unsigned held_for(const struct peer *p)
{
	return (unsigned)((held_ms(p) + 999) / 1000);
}

static void peer_connect_now(struct peer *p)
{
	struct session_params sp;

	if (p->stopping || !p->started || p->cfg.passive || peer_connecting(p) ||
	    held_for(p))
		return;
	if (p->ms.no_more && peer_has_live_session(p))
		return;         /* the neighbor refused a further connection */
	peer_params(p, &sp);
	if (peer_next_offer(p, &sp) == 0)
		return;
	struct session *s = peer_add_session(p, &sp);
	if (s)
		session_start(s);
}

static void connect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_connect_now(arg);
}

static void restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	(void)fd;
	(void)what;
	if (held_ms(p) > 0) {           /* the timer may run a little early */
		struct timeval tv = timebase_ms(held_ms(p) + 1);
		evtimer_add(p->restart_ev, &tv);
		return;
	}
	if (p->held_until) {
		p->held_until = 0;
		log_peer_info(p->label, "its max_prefixes hold-down is over: it may %s again",
		    p->cfg.passive ? "connect" : "be connected to");
	}
	peer_connect_now(p);
}

/* Try again later, waiting longer after each failure, up to connect_retry. */
static void peer_schedule_restart(struct peer *p)
{
	struct timeval tv = timebase_secs(p->backoff);

	if (p->stopping || !p->started || p->cfg.passive || evtimer_pending(p->restart_ev, NULL))
		return;
	if (held_for(p) > p->backoff)
		tv = timebase_secs(held_for(p));
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

void peer_notify_observer(struct peer *p, struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason)
{
	size_t i = 0;

	if (state_observer == NULL)
		return;
	while (i < p->nsessions && p->sessions[i] != s)
		i++;
	state_observer(p, s, i, from, to, reason, state_observer_arg);
}

size_t peer_live_count(const struct peer *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsessions; i++)
		n += !session_is_closing(p->sessions[i]);
	return n;
}

size_t peer_established_count(const struct peer *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsessions; i++)
		n += !session_is_closing(p->sessions[i]) &&
		    session_state(p->sessions[i]) == FSM_ESTABLISHED;
	return n;
}

static void on_state_changed(struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason, void *arg)
{
	struct peer *p = arg;

	peer_notify_observer(p, s, from, to, reason);
	if (to == FSM_ESTABLISHED) {
		p->backoff = RESTART_FIRST_SECS;
		ms_policy_established(&p->ms);
		peer_name_session(p, s);
		if (p->ops->established)
			p->ops->established(p, s, p->owner);
		/* the next family's session, from the loop; ExaBGP settles a
		 * collision per neighbor block, not per family: a connection
		 * that arrives while it is still in OpenConfirm on this one
		 * replaces it. So after such a neighbor, wait until it has
		 * spoken on this session (on_confirmed). */
		if (!session_negotiated(s)->ms_lists_caps || session_negotiated(s)->hold_time == 0)
			event_active(p->connect_ev, 0, 0);
	} else if (from == FSM_ESTABLISHED) {
		p->flaps++;
		ms_policy_session_down(&p->ms);
		if (session_negotiated(s)->ms != MS_DIALECT_NONE)
			log_peer_info(p->label, "multisession: session %u down (%s); %zu "
			    "other sessions established", session_id(s), reason,
			    peer_established_count(p));
		if (p->ops->down)
			p->ops->down(p, s, reason, p->owner);
	}
}

static void on_confirmed(struct session *s, void *arg)
{
	struct peer *p = arg;

	if (session_negotiated(s)->ms_lists_caps)
		event_active(p->connect_ev, 0, 0);
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

static void on_message(struct session *s, bool sent, const uint8_t *msg, size_t len,
    void *arg)
{
	struct peer *p = arg;
	if (p->ops->message)
		p->ops->message(p, s, sent, msg, len, p->owner);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	(void)fd;
	(void)what;
	if (p->ops->gone)
		p->ops->gone(p, p->owner);
	event_free(p->restart_ev);
	event_free(p->free_ev);
	event_free(p->connect_ev);
	neighbor_config_release(&p->cfg);
	free(p);
}

/* A session of p's, or one it gave up (peer_make_room), is gone. */
static void on_session_gone(struct session *s, void *arg)
{
	struct peer *p = arg;
	size_t i = 0;

	while (i < p->nsessions && p->sessions[i] != s)
		i++;
	if (i < p->nsessions)
		p->sessions[i] = p->sessions[--p->nsessions];
	else
		p->leaving--;
	peer_learn_from_close(p, s);
	if (!peer_has_live_session(p))
		p->neighbor_single = false;
	if (p->stopping && p->nsessions == 0 && p->leaving == 0)
		event_active(p->free_ev, 0, 0);
	else if (p->follow_redirect) {
		p->follow_redirect = false;
		event_active(p->connect_ev, 0, 0);
	} else if (peer_has_uncovered(p))
		peer_schedule_restart(p);
}

static const struct session_ops peer_session_ops = {
	.state_changed = on_state_changed,
	.open_received = peer_open_received,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.confirmed = on_confirmed,
	.gone = on_session_gone,
	.message = on_message,
};

/* ---- public ---------------------------------------------------------------- */

struct peer *peer_new(struct event_base *base, const struct neighbor_config *cfg,
    const struct peer_local *local, const struct peer_ops *ops, void *owner)
{
	struct peer *p = xcalloc(1, sizeof *p);
	char addr[64];

	p->base = base;
	neighbor_config_copy(&p->cfg, cfg);
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
	p->connect_ev = event_new(base, -1, 0, connect_cb, p);
	ms_policy_init(&p->ms);
	return p;
}

void peer_start(struct peer *p)
{
	p->started = true;
	peer_connect_now(p);
}

void peer_shutdown(struct peer *p, uint8_t code, uint8_t subcode, const char *text)
{
	if (p->stopping)
		return;
	p->stopping = true;
	evtimer_del(p->restart_ev);
	event_del(p->connect_ev);
	/* session_close frees nothing synchronously; iterate over a copy
	 * anyway, since on_session_gone reorders the array. */
	struct session *copy[PEER_MAX_SESSIONS];
	size_t n = p->nsessions;
	memcpy(copy, p->sessions, n * sizeof copy[0]);
	for (size_t i = 0; i < n; i++)
		session_close(copy[i], code, subcode, text);
	if (p->nsessions == 0 && p->leaving == 0)
		event_active(p->free_ev, 0, 0);
}

bool peer_accept(struct peer *p, int fd)
{
	struct session *target = NULL;

	struct session_params sp;

	if (p->stopping || !p->started)
		return false;
	if (held_for(p)) {
		if (!p->hold_logged)
			log_peer_info(p->label, "incoming connection refused: held down for "
			    "%u s more after it broke max_prefixes", held_for(p));
		p->hold_logged = true;
		return false;
	}
	peer_params(p, &sp);
	peer_make_room(p);
	if (p->cfg.multisession != MS_OFF) {
		/* which family it is for shows in its OPEN: collisions and
		 * duplicates are settled then (peer_open_received) */
		target = peer_add_session(p, &sp);
		if (target == NULL) {
			log_peer_warnx(p->label, "incoming connection refused: %d "
			    "sessions already", PEER_MAX_SESSIONS);
			return false;
		}
		evtimer_del(p->restart_ev);
		session_accept(target, fd);
		return true;
	}
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
		target = peer_add_session(p, &sp);
	if (target == NULL)
		return false;
	evtimer_del(p->restart_ev);
	session_accept(target, fd);
	return true;
}

void peer_hold_down(struct peer *p, unsigned secs)
{
	struct timeval tv = timebase_secs(secs);

	p->held_until = timebase_now_ms() + (int64_t)secs * 1000;
	p->hold_logged = false;
	/* the timer that ends it: also for a passive peer, to say so */
	evtimer_del(p->restart_ev);
	evtimer_add(p->restart_ev, &tv);
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

/* Whether s is one of p's sessions and not closing already. */
static bool peer_may_close(const struct peer *p, const struct session *s)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (p->sessions[i] == s)
			return !session_is_closing(s);
	return false;
}

bool peer_close_session(struct peer *p, struct session *s, uint8_t code,
    uint8_t subcode, const char *text)
{
	if (!peer_may_close(p, s))
		return false;
	session_close(s, code, subcode, text);
	return true;
}

bool peer_close_session_data(struct peer *p, struct session *s, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t data_len)
{
	if (!peer_may_close(p, s))
		return false;
	session_close_data(s, code, subcode, data, data_len);
	return true;
}

bool peer_matches(const struct peer *p, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local)
{
	if (!sockaddr_same_addr(&p->cfg.remote, remote))
		return false;
	return !p->cfg.has_local || sockaddr_same_addr(&p->cfg.local, local);
}

/* ---- status ------------------------------------------------------------------ */

const char *peer_summary(const struct peer *p, char *buf, size_t len)
{
	size_t up = 0, live = 0;
	bool multi = false;

	for (size_t i = 0; i < p->nsessions; i++) {
		const struct session *s = p->sessions[i];
		if (session_is_closing(s))
			continue;
		live++;
		up += session_state(s) == FSM_ESTABLISHED;
		multi |= session_state(s) >= FSM_OPENCONFIRM &&
		    session_negotiated(s)->ms != MS_DIALECT_NONE;
	}
	if (multi)
		snprintf(buf, len, "multisession with %zu sessions (%zu established)", live, up);
	else
		snprintf(buf, len, "single session%s", up ? " (established)" : "");
	return buf;
}

/* ---- upgrade in place (peer_handover.c) ------------------------------------ */

void peer_session_setup(const struct peer *p, struct session_params *sp,
    const struct session_ops **ops)
{
	peer_params(p, sp);
	*ops = &peer_session_ops;
}
