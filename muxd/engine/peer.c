/*
 * peer.c — one neighbor: its sessions, restarts and collisions.
 */
#include "muxd/engine/peer.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp_multisession.h"
#include "muxd/lib/log.h"
#include "muxd/engine/ms_policy.h"
#include "web/session_json.h"

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
	struct timespec held_until;     /* peer_hold_down; zero: not held */
	bool hold_logged;               /* a refused connection was logged */

	/* Multisession (docs/multisession.md). Indexes follow cfg.families. */
	unsigned fam_id[BGP_MAX_FAMILIES];      /* session id, 0 = none yet */
	unsigned next_id;
	uint16_t redirect[BGP_MAX_FAMILIES];    /* port the neighbor sent us to */
	bool neighbor_single;           /* answered without multisession */
	struct ms_policy ms;            /* what to offer; what refusals taught */
	bool follow_redirect;           /* reconnect at once, to the new port */
	struct event *connect_ev;       /* open the next family's session */
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
	sp->graceful_restart = c->graceful_restart;
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
 * lock the neighbor out. Only from the listener (it frees a session). */
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
		session_abort(s);       /* on_closed frees its place */
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

static bool peer_has_live_session(const struct peer *p)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (!session_is_closing(p->sessions[i]))
			return true;
	return false;
}

/* ---- multisession: which session carries which family ------------------ */

static bool fam_eq(struct bgp_family a, struct bgp_family b)
{
	return a.afi == b.afi && a.safi == b.safi;
}

/* The families a session carries: once Established (or its OPEN agreed),
 * what was negotiated; before, what it offers. An accepted connection
 * still waiting for the neighbor's OPEN carries nothing yet. */
static bool session_carries(const struct session *s, struct bgp_family f)
{
	const struct session_negotiated *n = session_negotiated(s);
	const struct session_params *sp = session_params(s);

	if (session_is_closing(s) || session_awaiting_open(s))
		return false;
	if (session_state(s) >= FSM_OPENCONFIRM) {
		for (uint8_t i = 0; i < n->family_count; i++)
			if (fam_eq(n->families[i], f))
				return true;
		return false;
	}
	for (uint8_t i = 0; i < sp->family_count; i++)
		if (fam_eq(sp->families[i], f))
			return true;
	return false;
}

static struct session *peer_session_for(const struct peer *p, struct bgp_family f,
    const struct session *except)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (p->sessions[i] != except && session_carries(p->sessions[i], f))
			return p->sessions[i];
	return NULL;
}

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

/* The dialect an outgoing connection offers. */
static enum ms_dialect peer_offer_dialect(const struct peer *p)
{
	switch (p->cfg.multisession) {
	case MS_OFF: return MS_DIALECT_NONE;
	case MS_CISCO: return MS_DIALECT_CISCO;
	case MS_IETF: return MS_DIALECT_IETF;
	default: return p->ms.auto_offer;
	}
}

static ms_fams fam_bit(const struct peer *p, struct bgp_family f)
{
	int k = neighbor_family_index(&p->cfg, f);
	return k < 0 ? 0 : 1u << k;
}

/* The configured families among f. */
static ms_fams fams_of(const struct peer *p, const struct bgp_family *f, uint8_t n)
{
	ms_fams m = 0;
	for (uint8_t i = 0; i < n; i++)
		m |= fam_bit(p, f[i]);
	return m;
}

/* Our OPEN lists its families by AFI, then SAFI: the order ExaBGP sorts
 * its own in, and compares ours with, list against list. */
static void sort_families(struct bgp_family *f, uint8_t n)
{
	for (uint8_t i = 1; i < n; i++) {
		struct bgp_family x = f[i];
		uint8_t j = i;
		for (; j > 0 && (f[j - 1].afi > x.afi ||
		    (f[j - 1].afi == x.afi && f[j - 1].safi > x.safi)); j--)
			f[j] = f[j - 1];
		f[j] = x;
	}
}

/*
 * What the next outgoing connection offers: the families without a
 * session that the policy picks (ms_policy_offer: all, one in Cisco's
 * dialect or once narrowed, or the group the neighbor asked for); those
 * the neighbor redirected go together to their port. Returns the count,
 * 0 when every family has its session.
 */
static uint8_t peer_next_offer(const struct peer *p, struct session_params *sp)
{
	enum ms_dialect d = peer_offer_dialect(p);
	uint16_t port = 0;
	uint8_t n = 0;
	ms_fams open = 0;

	if (d == MS_DIALECT_NONE || p->neighbor_single) {
		if (peer_has_live_session(p))
			return 0;
		d = p->neighbor_single ? MS_DIALECT_NONE : d;
	}
	for (uint8_t i = 0; i < p->cfg.family_count; i++)
		if (!peer_session_for(p, p->cfg.families[i], NULL))
			open |= 1u << i;
	ms_fams pick = ms_policy_offer(&p->ms, d, open, p->cfg.family_count);
	for (uint8_t i = 0; i < p->cfg.family_count; i++) {
		if (!(pick & (1u << i)))
			continue;
		if (n == 0)
			port = p->redirect[i];
		else if (p->redirect[i] != port)
			continue;
		sp->families[n++] = p->cfg.families[i];
	}
	sort_families(sp->families, n);
	sp->family_count = n;
	sp->ms_offer = d;
	if (port)
		sockaddr_set_port(&sp->remote, port);
	return n;
}

/* Milliseconds the peer is still held down (peer_hold_down), 0 if not. */
static int64_t held_ms(const struct peer *p)
{
	struct timespec now;

	if (p->held_until.tv_sec == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(p->held_until.tv_sec - now.tv_sec) * 1000 +
	    (p->held_until.tv_nsec - now.tv_nsec) / 1000000;
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
		struct timeval tv = { held_ms(p) / 1000, held_ms(p) % 1000 * 1000 + 1000 };
		evtimer_add(p->restart_ev, &tv);
		return;
	}
	if (p->held_until.tv_sec) {
		p->held_until.tv_sec = 0;
		log_peer_info(p->label, "its max_prefixes hold-down is over: it may %s again",
		    p->cfg.passive ? "connect" : "be connected to");
	}
	peer_connect_now(p);
}

/* Try again later, waiting longer after each failure, up to connect_retry. */
static void peer_schedule_restart(struct peer *p)
{
	struct timeval tv = { p->backoff, 0 };

	if (p->stopping || !p->started || p->cfg.passive || evtimer_pending(p->restart_ev, NULL))
		return;
	if (held_for(p) > p->backoff)
		tv.tv_sec = held_for(p);
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

static size_t peer_live_count(const struct peer *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsessions; i++)
		n += !session_is_closing(p->sessions[i]);
	return n;
}

static size_t peer_established_count(const struct peer *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsessions; i++)
		n += !session_is_closing(p->sessions[i]) &&
		    session_state(p->sessions[i]) == FSM_ESTABLISHED;
	return n;
}

/* Session ids are the neighbor's, from 1, one per family group, kept for
 * the peer's life: a family's session comes back with the same id. */
static void peer_name_session(struct peer *p, struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);
	unsigned id = 0;
	char fams[160];

	for (uint8_t i = 0; i < n->family_count && id == 0; i++) {
		int k = neighbor_family_index(&p->cfg, n->families[i]);
		if (k >= 0)
			id = p->fam_id[k];
	}
	if (id == 0)
		id = ++p->next_id;
	for (uint8_t i = 0; i < n->family_count; i++) {
		int k = neighbor_family_index(&p->cfg, n->families[i]);
		if (k >= 0)
			p->fam_id[k] = id;
	}
	session_set_id(s, id);
	p->neighbor_single = n->ms == MS_DIALECT_NONE;
	if (n->ms == MS_DIALECT_NONE)
		return;
	families_text(n->families, n->family_count, fams, sizeof fams);
	log_peer_info(p->label, "multisession (%s): session %u Up for %s; %zu of "
	    "%zu sessions established", n->ms == MS_DIALECT_CISCO ? "Cisco" : "IETF",
	    id, fams, peer_established_count(p), peer_live_count(p));
}

static void on_state_changed(struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason, void *arg)
{
	struct peer *p = arg;

	notify_observer(p, s, from, to, reason);
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

/*
 * RFC 4271 §6.8: when an OPEN arrives and another connection to the same
 * neighbor is past Connect, keep the one initiated by the side with the
 * higher BGP Identifier. We know the neighbor's identifier from this OPEN.
 */
static enum ms_dialect open_dialect(const struct bgp_open *o)
{
	if (o->caps.present & BGP_CAPF_MULTISESSION_IETF)
		return MS_DIALECT_IETF;
	if (o->caps.present & BGP_CAPF_MULTISESSION_CISCO)
		return MS_DIALECT_CISCO;
	return MS_DIALECT_NONE;
}

static bool refuse(struct session *s, uint8_t code, uint8_t subcode)
{
	session_close(s, code, subcode, NULL);
	return false;
}

static bool refuse_no_cisco(struct peer *p, struct session *s)
{
	log_peer_warnx(p->label, "the neighbor's OPEN has no Cisco multisession "
	    "capability (131) and this neighbor is configured \"multisession\": "
	    "\"cisco\": refusing with Unsupported Capability (2/7), as a Cisco "
	    "router does; set \"auto\" or \"off\" to accept one ordinary session");
	return refuse(s, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY);
}

/* Is family k served on this local port? Families with a port of their
 * own there, the others on any port that is no family's. */
static bool served_on(const struct peer *p, uint8_t k, uint16_t lport)
{
	if (p->cfg.family_ports[k])
		return p->cfg.family_ports[k] == lport;
	for (uint8_t i = 0; i < p->cfg.family_count; i++)
		if (p->cfg.family_ports[i] == lport)
			return false;
	return true;
}

/* The families of answer as the neighbor's OPEN lists them: a speaker
 * that wants its own set back may compare the lists in order (ExaBGP
 * does). Returns the count. */
static uint8_t answer_in_their_order(const struct peer *p, const struct bgp_open *o,
    ms_fams answer, struct bgp_family *out)
{
	uint8_t n = 0;

	for (uint8_t i = 0; i < o->caps.mp_count && (o->caps.present & BGP_CAPF_MP); i++) {
		ms_fams bit = fam_bit(p, o->caps.mp[i]);
		if (answer & bit) {
			out[n++] = o->caps.mp[i];
			answer &= ~bit;
		}
	}
	for (uint8_t k = 0; k < p->cfg.family_count; k++)      /* IPv4 implied */
		if (answer & (1u << k))
			out[n++] = p->cfg.families[k];
	return n;
}

/* Say why an answer carries several families: the draft's passive side
 * answers with a subset, and muxd with one family unless told. */
static void log_whole_group(const struct peer *p, const struct bgp_open *o,
    const struct bgp_family *pick, uint8_t n)
{
	char fams[160];

	log_peer_info(p->label, "multisession (IETF): answering with the neighbor's "
	    "whole group, %s: %s", families_text(pick, n, fams, sizeof fams),
	    o->caps.ms_ietf.session_caps_count ? "its capability 68 names the "
	    "capabilities that define its session (draft -06/-07, as ExaBGP sends)" :
	    "it refused an answer with fewer families before");
}

/*
 * Passive side: the neighbor's OPEN arrived first; pick our answer. In its
 * dialect (as configured allows), from its families that have no session
 * yet: the first one, or all of them for a neighbor that wants its own
 * group back (ms_policy_answer) — or, when the first one's port is
 * another, the redirect there (IETF). Without either capability: one
 * ordinary session.
 */
static bool ms_answer(struct peer *p, struct session *s, const struct bgp_open *o)
{
	enum ms_dialect theirs = open_dialect(o), d = theirs;
	uint16_t lport = sockaddr_port(session_local_addr(s));
	struct bgp_family pick[BGP_MAX_FAMILIES];
	ms_fams here = 0;
	int first = -1;
	uint8_t n = 0;

	if (p->cfg.multisession == MS_CISCO && !(o->caps.present & BGP_CAPF_MULTISESSION_CISCO))
		return refuse_no_cisco(p, s);
	if (p->cfg.multisession == MS_CISCO)
		d = MS_DIALECT_CISCO;
	else if (p->cfg.multisession == MS_IETF && theirs != MS_DIALECT_IETF)
		d = MS_DIALECT_NONE;
	if (d == MS_DIALECT_NONE) {
		session_set_offer(s, p->cfg.families, p->cfg.family_count, d, 0);
		return true;
	}
	for (uint8_t k = 0; k < p->cfg.family_count; k++) {
		struct bgp_family f = p->cfg.families[k];
		if (!bgp_caps_has_family(&o->caps, f.afi, f.safi) || peer_session_for(p, f, s))
			continue;
		bool served = served_on(p, k, lport);
		if (!served && d == MS_DIALECT_CISCO)
			continue;
		if (first < 0)
			first = k;
		if (served)
			here |= 1u << k;
	}
	if (first >= 0 && !(here & (1u << first))) {
		log_peer_info(p->label, "multisession (IETF): redirecting the %s session "
		    "to port %u", family_name(p->cfg.families[first]),
		    p->cfg.family_ports[first]);
		session_set_offer(s, &p->cfg.families[first], 1, d, p->cfg.family_ports[first]);
		return true;
	}
	ms_fams answer = ms_policy_answer(&p->ms, d, here, d == MS_DIALECT_IETF &&
	    o->caps.ms_ietf.session_caps_count > 0);
	if (answer == 0) {
		log_peer_warnx(p->label, "multisession: the neighbor offers no family that "
		    "is configured and without a session: refusing with %u/%u (%s)",
		    BGP_ERR_OPEN, BGP_ERR_OPEN_MS_NO_AFI_SAFI,
		    bgp_err_subcode_name(BGP_ERR_OPEN, BGP_ERR_OPEN_MS_NO_AFI_SAFI));
		return refuse(s, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_NO_AFI_SAFI);
	}
	n = answer_in_their_order(p, o, answer, pick);
	if (n > 1)
		log_whole_group(p, o, pick, n);
	if (d == MS_DIALECT_IETF && o->caps.ms_ietf.session_caps_count &&
	    n < ((o->caps.present & BGP_CAPF_MP) ? o->caps.mp_count : 1))
		log_peer_warnx(p->label, "multisession (IETF): the neighbor wants its "
		    "own families back and offers %u; %u of them are configured here "
		    "without a session: it will refuse this answer (ExaBGP does, with "
		    "2/8); configure the same families on both sides",
		    (o->caps.present & BGP_CAPF_MP) ? o->caps.mp_count : 1, n);
	session_set_offer(s, pick, n, d, 0);
	return true;
}

/*
 * Active side: the neighbor answered our offer. Cisco's dialect needs its
 * capability back; an IETF redirect is followed: close with Redirecting
 * Now and connect to the port it gave, for the families it answered.
 */
static bool ms_check_answer(struct peer *p, struct session *s, const struct bgp_open *o)
{
	const struct session_params *sp = session_params(s);
	const struct session_negotiated *n = session_negotiated(s);

	if (sp->ms_offer == MS_DIALECT_CISCO && !(o->caps.present & BGP_CAPF_MULTISESSION_CISCO))
		return refuse_no_cisco(p, s);
	if (sp->ms_offer != MS_DIALECT_IETF || !n->redirect)
		return true;
	if (n->redirect_port == 0 || n->redirect_port == sockaddr_port(&sp->remote)) {
		log_peer_warnx(p->label, "multisession: the neighbor redirects us to "
		    "port %u, where we are: refusing", n->redirect_port);
		return refuse(s, BGP_ERR_OPEN, 0);
	}
	for (uint8_t i = 0; i < n->family_count; i++) {
		int k = neighbor_family_index(&p->cfg, n->families[i]);
		if (k >= 0)
			p->redirect[k] = n->redirect_port;
	}
	log_peer_info(p->label, "multisession (IETF): the neighbor redirects this "
	    "session to port %u: closing with Redirecting Now and reconnecting there",
	    n->redirect_port);
	session_close(s, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_REDIRECTING_NOW, NULL);
	p->follow_redirect = true;
	return false;
}

static bool groups_overlap(const struct session *s, const struct session *t)
{
	const struct session_params *sp = session_params(s);
	for (uint8_t i = 0; i < sp->family_count; i++)
		if (session_carries(t, sp->families[i]))
			return true;
	return false;
}

/*
 * RFC 4724 §4.2: an OPEN with Graceful Restart while the session that
 * negotiated it is still Established means the neighbor restarted before
 * we noticed (a reboot sends no FIN): close the old connection without a
 * NOTIFICATION — its routes are kept as stale, as for any restart — and
 * go on with the new one.
 */
static bool restarted(struct peer *p, struct session *old, const struct bgp_open *o)
{
	if (!session_negotiated(old)->gr || !(o->caps.present & BGP_CAPF_GRACEFUL_RESTART))
		return false;
	log_peer_info(p->label, "graceful restart: a new OPEN while session %u is "
	    "Established: the neighbor restarted; closing the old connection",
	    session_id(old));
	session_drop(old, "the neighbor restarted (graceful restart)");
	return true;
}

static bool on_open_received(struct session *s, const struct bgp_open *o, void *arg)
{
	struct peer *p = arg;
	bool keep_local = fsm_collision_keep_local(p->local.router_id, o->bgp_id);

	if (!(session_awaiting_open(s) ? ms_answer(p, s, o) : ms_check_answer(p, s, o)))
		return false;
	for (size_t i = 0; i < p->nsessions; i++) {
		struct session *t = p->sessions[i];
		if (t == s || session_is_closing(t) || !groups_overlap(s, t))
			continue;
		switch (session_state(t)) {
		case FSM_ESTABLISHED:
			if (restarted(p, t, o))
				break;
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

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	(void)fd;
	(void)what;
	if (p->ops->freed)
		p->ops->freed(p, p->owner);
	event_free(p->restart_ev);
	event_free(p->free_ev);
	event_free(p->connect_ev);
	neighbor_config_release(&p->cfg);
	free(p);
}

/* A connection the neighbor refused after our OPEN went out and before
 * it came up: with a NOTIFICATION, or (code 0) by closing a connection
 * we opened before its OPEN came: what we offered or answered, what it
 * offered, what it said. */
static bool refusal_of(const struct peer *p, const struct session *s, struct ms_refusal *r)
{
	const struct session_params *sp = session_params(s);
	const struct session_negotiated *n = session_negotiated(s);
	uint8_t code, sub;

	if (session_ever_established(s) || session_counters_tx(s)->msgs[BGP_OPEN] == 0)
		return false;
	if (!session_notification_rx(s, &code, &sub)) {
		if (session_notified(s) || !session_initiated_locally(s) ||
		    session_counters_rx(s)->msgs[BGP_OPEN] != 0)
			return false;
		code = sub = 0;
	}
	memset(r, 0, sizeof *r);
	r->ours = session_initiated_locally(s);
	r->offered = sp->ms_offer;
	r->fams = fams_of(p, sp->families, sp->family_count);
	r->got_open = n->remote_id != 0;
	r->theirs = r->got_open ? fams_of(p, n->offered, n->offered_count) : 0;
	r->code = code;
	r->subcode = sub;
	r->others_up = peer_established_count(p) > 0;
	return true;
}

/*
 * What a closed connection teaches (muxd/engine/ms_policy.c): a refused offer or
 * answer changes the next one, and the log says how; a redirect port that
 * refused the connection is forgotten.
 */
static void learn_from_close(struct peer *p, struct session *s)
{
	const struct session_params *sp = session_params(s);
	struct ms_refusal r;
	char text[640];

	if (p->cfg.multisession != MS_OFF && refusal_of(p, s, &r)) {
		enum ms_lesson l = ms_policy_learn(&p->ms, p->cfg.multisession,
		    p->cfg.family_count, &r);
		if (l != MS_LESSON_NONE)
			log_peer_info(p->label, "%s", ms_lesson_text(&p->ms, &r, l,
			    p->cfg.families, p->cfg.family_count, text, sizeof text));
	}
	if (!session_initiated_locally(s))
		return;
	uint16_t port = sockaddr_port(&sp->remote);
	if (session_negotiated(s)->remote_id == 0 && port != sockaddr_port(&p->cfg.remote))
		for (uint8_t i = 0; i < p->cfg.family_count; i++)
			if (p->redirect[i] == port)
				p->redirect[i] = 0;
}

static bool peer_has_uncovered(const struct peer *p)
{
	if (p->neighbor_single || peer_offer_dialect(p) == MS_DIALECT_NONE)
		return !peer_has_live_session(p);
	for (uint8_t i = 0; i < p->cfg.family_count; i++)
		if (!peer_session_for(p, p->cfg.families[i], NULL))
			return true;
	return false;
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
	learn_from_close(p, s);
	if (!peer_has_live_session(p))
		p->neighbor_single = false;
	if (p->stopping && p->nsessions == 0)
		event_active(p->free_ev, 0, 0);
	else if (p->follow_redirect) {
		p->follow_redirect = false;
		event_active(p->connect_ev, 0, 0);
	} else if (peer_has_uncovered(p))
		peer_schedule_restart(p);
}

static const struct session_ops peer_session_ops = {
	.state_changed = on_state_changed,
	.open_received = on_open_received,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.confirmed = on_confirmed,
	.closed = on_closed,
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
	p->stopping = true;
	evtimer_del(p->restart_ev);
	event_del(p->connect_ev);
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
		 * duplicates are settled then (on_open_received) */
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
	struct timeval tv = { secs, 0 };

	clock_gettime(CLOCK_MONOTONIC, &p->held_until);
	p->held_until.tv_sec += secs;
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

bool peer_matches(const struct peer *p, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local)
{
	if (!sockaddr_same_addr(&p->cfg.remote, remote))
		return false;
	return !p->cfg.has_local || sockaddr_same_addr(&p->cfg.local, local);
}

/* ---- families at run time ---------------------------------------------------- */

static bool group_configured(const struct peer *p, const struct bgp_family *f, uint8_t n,
    struct bgp_family *gone)
{
	for (uint8_t i = 0; i < n; i++) {
		if (neighbor_family_index(&p->cfg, f[i]) < 0) {
			*gone = f[i];
			return false;
		}
	}
	return true;
}

/* Ids and redirects follow their family into the new order. */
static void remap_families(struct peer *p, const struct neighbor_config *nc)
{
	unsigned ids[BGP_MAX_FAMILIES] = { 0 };
	uint16_t redirect[BGP_MAX_FAMILIES] = { 0 };

	for (uint8_t i = 0; i < nc->family_count; i++) {
		int k = neighbor_family_index(&p->cfg, nc->families[i]);
		if (k >= 0) {
			ids[i] = p->fam_id[k];
			redirect[i] = p->redirect[k];
		}
	}
	memcpy(p->fam_id, ids, sizeof ids);
	memcpy(p->redirect, redirect, sizeof redirect);
	memcpy(p->cfg.families, nc->families, sizeof nc->families);
	memcpy(p->cfg.family_ports, nc->family_ports, sizeof nc->family_ports);
	p->cfg.family_count = nc->family_count;
}

static bool has_family(const struct bgp_family *f, uint8_t n, struct bgp_family x)
{
	for (uint8_t i = 0; i < n; i++)
		if (fam_eq(f[i], x))
			return true;
	return false;
}

/*
 * One ordinary session carries every family its OPENs agreed on: a change
 * needs new OPENs, so a reset — but only when it would change what is
 * negotiated (a family removed that it carries, or one added that the
 * neighbor offered). Otherwise the neighbor has to enable the family too,
 * and its reset will bring it: each family costs one reset, not two.
 */
static bool single_needs_reset(const struct peer *p, const struct session *s,
    struct bgp_family *why)
{
	const struct session_negotiated *n = session_negotiated(s);

	for (uint8_t i = 0; i < n->family_count; i++)
		if (neighbor_family_index(&p->cfg, n->families[i]) < 0)
			return *why = n->families[i], true;
	for (uint8_t i = 0; i < p->cfg.family_count; i++) {
		struct bgp_family f = p->cfg.families[i];
		if (!has_family(n->families, n->family_count, f) &&
		    has_family(n->offered, n->offered_count, f))
			return *why = f, true;
	}
	return false;
}

void peer_set_families(struct peer *p, const struct neighbor_config *nc)
{
	struct session *copy[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(p, copy, PEER_MAX_SESSIONS);
	struct bgp_family f;

	remap_families(p, nc);
	ms_policy_families_changed(&p->ms);
	for (size_t i = 0; i < n; i++) {
		struct session *s = copy[i];
		const struct session_params *sp = session_params(s);
		if (session_is_closing(s))
			continue;
		if (session_state(s) != FSM_ESTABLISHED) {
			/* its OPEN offered the old families: start over */
			session_close(s, BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE, NULL);
		} else if (session_negotiated(s)->ms == MS_DIALECT_NONE) {
			if (!single_needs_reset(p, s, &f)) {
				log_peer_info(p->label, "families changed: the session carries "
				    "on (what it negotiated is unchanged until the neighbor "
				    "enables the same families)");
				continue;
			}
			log_peer_info(p->label, "capability changed (%s): resetting the "
			    "session with Cease/Other Configuration Change", family_name(f));
			session_close(s, BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE, NULL);
		} else if (!group_configured(p, sp->families, sp->family_count, &f)) {
			log_peer_info(p->label, "multisession: %s removed: closing its "
			    "session %u with Cease/Other Configuration Change (the others "
			    "stay up)", family_name(f), session_id(s));
			session_close(s, BGP_ERR_CEASE, BGP_CEASE_CONFIG_CHANGE, NULL);
		}
	}
	event_active(p->connect_ev, 0, 0);
}

bool peer_reset_family(struct peer *p, struct bgp_family f)
{
	struct session *s = peer_session_for(p, f, NULL);

	if (s == NULL)
		return false;
	log_peer_info(p->label, "resetting session %u (%s) on request, with "
	    "Cease/Administrative Reset", session_id(s), family_name(f));
	session_close(s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, NULL);
	return true;
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

json_t *peer_to_json(const struct peer *p)
{
	json_t *arr = json_array();
	char summary[96];

	for (size_t i = 0; i < p->nsessions; i++)
		if (!session_is_closing(p->sessions[i]))
			json_array_append_new(arr, session_to_json(p->sessions[i]));
	json_t *j = json_pack("{s:s, s:s, s:o}", "multisession", ms_mode_name(p->cfg.multisession),
	    "summary", peer_summary(p, summary, sizeof summary), "sessions", arr);
	if (j == NULL)
		fatal("out of memory rendering a peer");
	return j;
}
