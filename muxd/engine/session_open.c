/*
 * session_open.c — the OPEN of a session: ours built from its parameters
 * (and, for a passive multisession answer, the offer its peer picked),
 * theirs checked and negotiated, both sides summed up in one log line.
 */
#include "muxd/engine/session_int.h"

#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/config/config.h"
#include "muxd/engine/timebase.h"
#include "muxd/lib/log.h"

/* As a receiving speaker only, our Graceful Restart capability lists no
 * family: peers keep none of our routes, whatever this says; 120 s is
 * what routers commonly send. */
#define GR_OUR_RESTART_TIME 120

/* ---- ours ----------------------------------------------------------------- */

/* RFC 4724 §3 and RFC 8538 §2. As a restarting speaker, every RIB family
 * of the session is listed: a helper keeps muxd's routes of those while
 * muxd restarts, and R says this start follows one. */
static void build_gr(const struct session_params *p, struct bgp_caps *c)
{
	const struct gr_speaker *g = p->gr_speaker;

	c->present |= BGP_CAPF_GRACEFUL_RESTART;
	c->gr.flags = BGP_GR_NOTIFICATION;
	c->gr.restart_time = GR_OUR_RESTART_TIME;
	if (g == NULL || g->restart_time == 0)
		return;
	c->gr.restart_time = g->restart_time;
	if (timebase_now() < g->restarted_until)
		c->gr.flags |= BGP_GR_RESTARTED;
	for (uint8_t i = 0; i < p->family_count && c->gr.count < BGP_MAX_FAMILIES; i++) {
		if (!bgp_aid_is_rib(bgp_aid_rib(p->families[i].afi, p->families[i].safi)) &&
		    !(g->vpn && p->families[i].safi == BGP_SAFI_VPN))
			continue;
		c->gr.fam[c->gr.count].fam = p->families[i];
		c->gr.fam[c->gr.count++].flags = g->forwarding ? BGP_GR_FORWARDING : 0;
	}
}

static void build_open(const struct session *s, struct bgp_open *o)
{
	const struct session_params *p = &s->p;
	struct bgp_caps *c = &o->caps;

	memset(o, 0, sizeof *o);
	o->version = BGP_VERSION;
	o->my_as = p->local_as > 65535 ? BGP_AS_TRANS : (uint16_t)p->local_as;
	o->hold_time = p->hold_time;
	o->bgp_id = p->local_id;
	c->present = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR |
	    BGP_CAPF_AS4 | BGP_CAPF_EXT_MESSAGE;
	for (uint8_t i = 0; i < p->family_count; i++)
		c->mp[c->mp_count++] = p->families[i];
	c->as4 = p->local_as;
	if (p->add_path) {
		c->present |= BGP_CAPF_ADD_PATH;
		for (uint8_t i = 0; i < p->family_count; i++) {
			if (p->families[i].safi != BGP_SAFI_UNICAST &&
			    !(p->add_path_vpn && p->families[i].safi == BGP_SAFI_VPN))
				continue;
			c->addpath[c->addpath_count].fam = p->families[i];
			c->addpath[c->addpath_count++].mode = p->add_path;
		}
	}
	if (p->graceful_restart)
		build_gr(p, c);
	if (p->hostname && *p->hostname) {
		c->present |= BGP_CAPF_FQDN;
		snprintf(c->fqdn_host, sizeof c->fqdn_host, "%s", p->hostname);
	}
	if (p->ms_offer == MS_DIALECT_CISCO) {
		c->present |= BGP_CAPF_MULTISESSION_CISCO;
		c->ms_cisco_flags = BGP_MS_CISCO_FLAGS_IOS;
	} else if (p->ms_offer == MS_DIALECT_IETF) {
		/* G clear: one family group per connection, never several. */
		c->present |= BGP_CAPF_MULTISESSION_IETF;
		c->ms_ietf.present = true;
		c->ms_ietf.redirect = s->redirect_port != 0;
		c->ms_ietf.redirect_port = s->redirect_port;
	}
}

void session_send_open(struct session *s)
{
	if (s->p.delay_open && !s->initiated_locally && s->open_deferred) {
		/* first call (TCP up): wait for theirs; session_handle_open sends it */
		return;
	}
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_open o;

	build_open(s, &o);
	size_t n = bgp_open_encode(&w, &o);
	if (n == 0)
		fatal("%s: our own OPEN does not fit in 4096 bytes", s->p.label);
	session_write(s, buf, n);
}

void session_set_offer(struct session *s, const struct bgp_family *fams, uint8_t n,
    enum ms_dialect ms, uint16_t redirect_port)
{
	memcpy(s->p.families, fams, n * sizeof fams[0]);
	s->p.family_count = n;
	s->p.ms_offer = ms;
	s->redirect_port = redirect_port;
}

/* ---- negotiation ---------------------------------------------------------- */

static void negotiate_families(struct session *s, const struct bgp_caps *c)
{
	struct session_negotiated *n = &s->neg;

	n->family_count = 0;
	n->offered_count = (c->present & BGP_CAPF_MP) ? c->mp_count : 1;
	if (c->present & BGP_CAPF_MP)
		memcpy(n->offered, c->mp, c->mp_count * sizeof c->mp[0]);
	else
		n->offered[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	for (uint8_t i = 0; i < s->p.family_count; i++) {
		struct bgp_family f = s->p.families[i];
		/* RFC 4760 §8: without MP capabilities, IPv4 unicast is implied. */
		bool theirs = (c->present & BGP_CAPF_MP) ?
		    bgp_caps_has_family(c, f.afi, f.safi) :
		    (f.afi == BGP_AFI_IPV4 && f.safi == BGP_SAFI_UNICAST);
		if (theirs)
			n->families[n->family_count++] = f;
	}
}

/* ADD-PATH per RIB family (RFC 7911 §4): we receive paths when we
 * offered to receive and they offered to send, and the other way round. */
static void negotiate_addpath(struct session *s, const struct bgp_caps *c)
{
	struct session_negotiated *n = &s->neg;

	FOR_EACH_RIB_AID(aid) {
		const struct bgp_af *af = bgp_af(aid);
		uint8_t theirs = (c->present & BGP_CAPF_ADD_PATH) ?
		    bgp_caps_addpath_mode(c, af->afi, af->safi) : 0;
		n->rx.addpath[aid] = (s->p.add_path & BGP_ADDPATH_RECEIVE) &&
		    (theirs & BGP_ADDPATH_SEND);
		n->tx.addpath[aid] = (s->p.add_path & BGP_ADDPATH_SEND) &&
		    (theirs & BGP_ADDPATH_RECEIVE);
	}
}

/* The VPN families' ADD-PATH, by the same rule (RFC 7911 applies to any
 * AFI/SAFI), for an export session only. */
static void negotiate_addpath_vpn(struct session *s, const struct bgp_caps *c)
{
	static const enum bgp_aid vpn[2] = { AID_IPV4_VPN, AID_IPV6_VPN };

	for (size_t i = 0; i < 2; i++) {
		const struct bgp_af *af = bgp_af(vpn[i]);
		uint8_t theirs = (s->p.add_path_vpn && (c->present & BGP_CAPF_ADD_PATH)) ?
		    bgp_caps_addpath_mode(c, af->afi, af->safi) : 0;
		s->neg.vpn_addpath[i] =
		    ((s->p.add_path & BGP_ADDPATH_RECEIVE) && (theirs & BGP_ADDPATH_SEND) ?
		    BGP_ADDPATH_RECEIVE : 0) |
		    ((s->p.add_path & BGP_ADDPATH_SEND) && (theirs & BGP_ADDPATH_RECEIVE) ?
		    BGP_ADDPATH_SEND : 0);
		/* The codec reads and writes path ids by these. */
		s->neg.rx.addpath[vpn[i]] = (s->neg.vpn_addpath[i] & BGP_ADDPATH_RECEIVE) != 0;
		s->neg.tx.addpath[vpn[i]] = (s->neg.vpn_addpath[i] & BGP_ADDPATH_SEND) != 0;
	}
}

/* RFC 5492 §3: the NOTIFICATION names the capabilities at fault — our
 * Multiprotocol capabilities (code 1, length 4: AFI, reserved, SAFI). */
static void refuse_no_family(const struct session *s, struct bgp_err *e)
{
	uint8_t data[BGP_MAX_FAMILIES * 6];
	size_t n = 0;

	for (uint8_t i = 0; i < s->p.family_count; i++) {
		const struct bgp_family f = s->p.families[i];
		const uint8_t cap[6] = { BGP_CAP_MP, 4, (uint8_t)(f.afi >> 8),
			(uint8_t)f.afi, 0, f.safi };
		memcpy(data + n, cap, sizeof cap);
		n += sizeof cap;
	}
	bgp_err_set(e, BGP_TIER_RESET, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, data, n,
	    "none of the families offered (Multiprotocol capability) is taken");
}

static bool negotiate(struct session *s, const struct bgp_open *o, struct bgp_err *e)
{
	struct session_negotiated *n = &s->neg;
	const struct bgp_caps *c = &o->caps;

	if (!fsm_hold_time_negotiate(s->p.hold_time, o->hold_time, &n->hold_time)) {
		bgp_err_set(e, BGP_TIER_RESET, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME,
		    NULL, 0, "hold time of 1 or 2 seconds");
		return false;
	}
	n->keepalive = n->hold_time / 3;
	n->remote_as = bgp_open_peer_as(o);
	n->remote_id = o->bgp_id;
	n->as4 = (c->present & BGP_CAPF_AS4) != 0;
	n->ext_message = (c->present & BGP_CAPF_EXT_MESSAGE) != 0;
	n->route_refresh = (c->present & (BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ROUTE_REFRESH_CISCO)) != 0;
	n->enhanced_rr = (c->present & BGP_CAPF_ENHANCED_RR) != 0;
	negotiate_families(s, c);
	negotiate_addpath(s, c);
	negotiate_addpath_vpn(s, c);
	if (s->p.require_family && n->family_count == 0) {
		refuse_no_family(s, e);
		return false;
	}
	n->gr = s->p.graceful_restart && (c->present & BGP_CAPF_GRACEFUL_RESTART);
	n->gr_notification = n->gr && (c->gr.flags & BGP_GR_NOTIFICATION);
	n->gr_restart_time = c->gr.restart_time;
	n->gr_flags = c->gr.flags;
	n->gr_count = c->gr.count;
	memcpy(n->gr_fam, c->gr.fam, c->gr.count * sizeof c->gr.fam[0]);
	n->ms = MS_DIALECT_NONE;
	if (s->p.ms_offer == MS_DIALECT_IETF && (c->present & BGP_CAPF_MULTISESSION_IETF))
		n->ms = MS_DIALECT_IETF;
	else if (s->p.ms_offer == MS_DIALECT_CISCO && (c->present & BGP_CAPF_MULTISESSION_CISCO))
		n->ms = MS_DIALECT_CISCO;
	n->redirect = (c->present & BGP_CAPF_MULTISESSION_IETF) && c->ms_ietf.redirect;
	n->redirect_port = n->redirect ? c->ms_ietf.redirect_port : 0;
	n->ms_lists_caps = (c->present & BGP_CAPF_MULTISESSION_IETF) &&
	    c->ms_ietf.session_caps_count > 0;
	n->rx.as4 = n->tx.as4 = n->as4;
	n->rx.ebgp = n->tx.ebgp = n->remote_as != s->p.local_as;
	n->rx.max_len = n->tx.max_len = n->ext_message ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	return true;
}

bool session_negotiate(struct session *s, const struct bgp_open *o, struct bgp_err *e)
{
	return negotiate(s, o, e);
}

const char *families_text(const struct bgp_family *f, uint8_t n, char *buf, size_t len)
{
	size_t at = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (uint8_t i = 0; i < n && at < len; i++) {
		const char *name = family_name(f[i]);
		int w = strcmp(name, "unknown-family") != 0 ?
		    snprintf(buf + at, len - at, "%s%s", i ? "+" : "", name) :
		    snprintf(buf + at, len - at, "%sAFI/SAFI %u/%u", i ? "+" : "",
		    f[i].afi, f[i].safi);
		at += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

static const char *ms_dialect_text(enum ms_dialect d)
{
	return d == MS_DIALECT_IETF ? "IETF (68)" : d == MS_DIALECT_CISCO ? "Cisco (131)" : "none";
}

/* What the neighbor offered (its capabilities, by name) and what the two
 * OPENs agreed on: a mismatch shows on one line. */
static void log_open(struct session *s, const struct bgp_open *o)
{
	const struct session_negotiated *n = &s->neg;
	const struct bgp_caps *c = &o->caps;
	char offered[200], agreed[200], ms[48] = "";

	families_text(n->offered, n->offered_count, offered, sizeof offered);
	families_text(n->families, n->family_count, agreed, sizeof agreed);
	if ((c->present & BGP_CAPF_MULTISESSION_IETF) && (c->present & BGP_CAPF_MULTISESSION_CISCO))
		snprintf(ms, sizeof ms, ", multisession IETF (68) and Cisco (131)");
	else if (c->present & (BGP_CAPF_MULTISESSION_IETF | BGP_CAPF_MULTISESSION_CISCO))
		snprintf(ms, sizeof ms, ", multisession %s", ms_dialect_text(
		    (c->present & BGP_CAPF_MULTISESSION_IETF) ? MS_DIALECT_IETF : MS_DIALECT_CISCO));
	log_peer_info(s->p.label, "OPEN received: AS %u, id %u.%u.%u.%u, hold %u; "
	    "offered %s%s%s; negotiated %s, hold %u%s%s%s", n->remote_as, o->bgp_id >> 24,
	    (o->bgp_id >> 16) & 255, (o->bgp_id >> 8) & 255, o->bgp_id & 255,
	    o->hold_time, offered, (c->present & BGP_CAPF_MP) ? "" : " (no multiprotocol "
	    "capability: IPv4 unicast implied)", ms,
	    n->family_count ? agreed : "no family in common", n->hold_time,
	    n->ms != MS_DIALECT_NONE ? (n->ms == MS_DIALECT_IETF ? ", multisession IETF" :
	    ", multisession Cisco") : "", n->as4 ? ", 4-octet AS" : "",
	    n->ext_message ? ", extended messages" : "");
}

/* ---- theirs --------------------------------------------------------------- */

/* RFC 6286 §2.2: a neighbor using our own BGP Identifier is an error on
 * iBGP only; on eBGP the AS numbers tell the two apart. 0 disables it. */
static uint32_t open_check_id(const struct session *s)
{
	return s->p.remote_as == s->p.local_as ? s->p.local_id : 0;
}

/* Bad Peer AS with both numbers: what the OPEN says (its My AS field and
 * 4-octet AS capability, which must agree) and what is configured. */
static const char *bad_peer_as_text(const struct session *s, const struct bgp_open *o,
    const char *why, char *buf, size_t len)
{
	char as[160];

	snprintf(buf, len, "%s: %s", why ? why : "bad peer AS",
	    bgp_open_peer_as_text(o, s->p.remote_as, as, sizeof as));
	return buf;
}

void session_handle_open(struct session *s, const uint8_t *body, size_t len)
{
	struct bgp_open o;
	struct bgp_err e = { 0 };

	if (s->state != FSM_OPENSENT) {
		session_event(s, FSM_EV_OPEN, 0, 0, "unexpected OPEN");
		return;
	}
	char why[200];
	if (!bgp_open_decode(body, len, &o, &e) ||
	    !bgp_open_check(&o, s->p.remote_as, open_check_id(s), &e) ||
	    !negotiate(s, &o, &e)) {
		if (e.code == BGP_ERR_OPEN && e.subcode == BGP_ERR_OPEN_PEER_AS)
			e.why = bad_peer_as_text(s, &o, e.why, why, sizeof why);
		session_error(s, FSM_EV_OPEN_ERR, &e);
		return;
	}
	if (s->ops->open_received && !s->ops->open_received(s, &o, s->arg))
		return;         /* refused, or lost a collision: already closing */
	if (s->open_deferred) {
		/* the owner picked our answer: send it, then agree on it */
		s->open_deferred = false;
		session_send_open(s);
		if (!negotiate(s, &o, &e)) {
			session_error(s, FSM_EV_OPEN_ERR, &e);
			return;
		}
	}
	log_open(s, &o);
	session_event(s, FSM_EV_OPEN, 0, 0, "OPEN received");
}

