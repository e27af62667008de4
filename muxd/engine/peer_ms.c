/*
 * peer_ms.c — a peer's multisession side (docs/multisession.md): which
 * session carries which family, what the next connection offers, the
 * answer to a neighbor's offer, what a refusal teaches (ms_policy.c), and
 * families changed at run time.
 */
#include "muxd/engine/peer_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp_multisession.h"
#include "muxd/lib/log.h"

/* ---- multisession: which session carries which family ------------------ */

static bool fam_eq(struct bgp_family a, struct bgp_family b)
{
	return a.afi == b.afi && a.safi == b.safi;
}

/* The families a session carries: once Established (or its OPEN agreed),
 * what was negotiated; before, what it offers. An accepted connection
 * still waiting for the neighbor's OPEN carries nothing yet. */
bool peer_session_carries(const struct session *s, struct bgp_family f)
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

/* The session (but except) that carries f, NULL if none. */
static struct session *peer_session_for(const struct peer *p, struct bgp_family f,
    const struct session *except)
{
	for (size_t i = 0; i < p->nsessions; i++)
		if (p->sessions[i] != except && peer_session_carries(p->sessions[i], f))
			return p->sessions[i];
	return NULL;
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
uint8_t peer_next_offer(const struct peer *p, struct session_params *sp)
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

/* Session ids are the neighbor's, from 1, one per family group, kept for
 * the peer's life: a family's session comes back with the same id. */
void peer_name_session(struct peer *p, struct session *s)
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

/* ---- answers: the neighbor's OPEN on its connection, or on ours ------- */

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
bool peer_ms_answer(struct peer *p, struct session *s, const struct bgp_open *o)
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
bool peer_ms_check_answer(struct peer *p, struct session *s, const struct bgp_open *o)
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

/* ---- what a closed connection teaches ----------------------------------- */

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
void peer_learn_from_close(struct peer *p, struct session *s)
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

bool peer_has_uncovered(const struct peer *p)
{
	if (p->neighbor_single || peer_offer_dialect(p) == MS_DIALECT_NONE)
		return !peer_has_live_session(p);
	for (uint8_t i = 0; i < p->cfg.family_count; i++)
		if (!peer_session_for(p, p->cfg.families[i], NULL))
			return true;
	return false;
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
