/*
 * speaker_rx.c — what the neighbor sends to a tool's speaker: its OPEN,
 * checked and negotiated against ours; KEEPALIVE, UPDATE, NOTIFICATION
 * and ROUTE-REFRESH in the states they belong to (RFC 4271 §8, RFC 6608
 * subcodes for the others).
 */
#include "tests/tools/lib/speaker_rx.h"

#include <stdio.h>
#include <string.h>

#include "tests/tools/lib/tool.h"

/* RFC 6608: which state the unexpected message came in. */
static void unexpected(struct speaker *sp, uint8_t type)
{
	static const uint8_t sub[] = { [SPEAKER_OPENSENT] = BGP_ERR_FSM_OPENSENT,
	    [SPEAKER_OPENCONFIRM] = BGP_ERR_FSM_OPENCONFIRM,
	    [SPEAKER_ESTABLISHED] = BGP_ERR_FSM_ESTABLISHED };
	char why[64];

	snprintf(why, sizeof why, "%s in the wrong state", bgp_msg_type_name(type));
	speaker_fail(sp, BGP_ERR_FSM, sub[sp->state], why);
}

static bool addpath_receives(const struct bgp_caps *ours, const struct bgp_caps *theirs,
    uint16_t afi)
{
	return (bgp_caps_addpath_mode(ours, afi, BGP_SAFI_UNICAST) & BGP_ADDPATH_RECEIVE) &&
	    (bgp_caps_addpath_mode(theirs, afi, BGP_SAFI_UNICAST) & BGP_ADDPATH_SEND);
}

static bool both_have(const struct bgp_caps *ours, const struct bgp_caps *theirs,
    uint32_t capf)
{
	return (ours->present & capf) && (theirs->present & capf);
}

static void open_negotiate(struct speaker *sp, const struct bgp_open *op)
{
	const struct bgp_caps *ours = &sp->cfg->open.caps, *theirs = &op->caps;

	sp->peer_as = bgp_open_peer_as(op);
	sp->peer_id = op->bgp_id;
	if (op->hold_time < sp->hold)
		sp->hold = op->hold_time;
	sp->ctx.as4 = both_have(ours, theirs, BGP_CAPF_AS4);
	sp->ctx.ebgp = sp->peer_as != sp->cfg->asn;
	sp->ctx.addpath[AID_IPV4_UNICAST] = addpath_receives(ours, theirs, BGP_AFI_IPV4);
	sp->ctx.addpath[AID_IPV6_UNICAST] = addpath_receives(ours, theirs, BGP_AFI_IPV6);
	sp->ctx.max_len = both_have(ours, theirs, BGP_CAPF_EXT_MESSAGE) ?
	    BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++)
		if (bgp_caps_has_family(ours, afi, BGP_SAFI_UNICAST) &&
		    bgp_caps_has_family(theirs, afi, BGP_SAFI_UNICAST))
			sp->families |= 1u << afi;
	/* RFC 7313 §3: both route refresh and enhanced route refresh. */
	sp->enhanced_rr = both_have(ours, theirs, BGP_CAPF_ENHANCED_RR) &&
	    (theirs->present & (BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ROUTE_REFRESH_CISCO));
}

static void handle_open(struct speaker *sp, const uint8_t *body, size_t len)
{
	struct bgp_open op;
	/* Zeroed: bgp_err_set keeps the worst error it was given, so it
	 * must not start from garbage. */
	struct bgp_err e = { 0 };
	struct wbuf w;

	if (!bgp_open_decode(body, len, &op, &e) ||
	    !bgp_open_check(&op, sp->cfg->peer_as, sp->cfg->open.bgp_id, &e)) {
		speaker_notify(sp, &e);
		return;
	}
	open_negotiate(sp, &op);
	if (sp->ops->open && !sp->ops->open(sp, &op, &e)) {
		speaker_notify(sp, &e);
		return;
	}
	w = speaker_wbuf(sp);
	bgp_keepalive_encode(&w);
	speaker_commit(sp, &w);
	sp->state = SPEAKER_OPENCONFIRM;
}

static void handle_keepalive(struct speaker *sp)
{
	if (sp->state != SPEAKER_OPENCONFIRM)
		return;
	sp->state = SPEAKER_ESTABLISHED;
	if (sp->ops->established)
		sp->ops->established(sp);
}

static void handle_notification(struct speaker *sp, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	struct bgp_err e = { 0 };

	if (!bgp_notification_decode(body, len, &n, &e)) {
		speaker_end_as(sp, SPEAKER_NOTIFIED_BY, "%s sent a malformed NOTIFICATION",
		    sp->name);
		return;
	}
	speaker_end_as(sp, SPEAKER_NOTIFIED_BY, "%s sent NOTIFICATION %u/%u (%s, %s)%s%s",
	    sp->name, n.code, n.subcode, bgp_err_code_name(n.code),
	    bgp_err_subcode_name(n.code, n.subcode), n.shutdown_msg[0] ? ": " : "",
	    n.shutdown_msg);
	sp->peer_code = n.code;
}

static void handle_refresh(struct speaker *sp, const uint8_t *body, size_t len)
{
	struct bgp_route_refresh rr;
	struct bgp_err e = { 0 };

	if (!bgp_route_refresh_decode(body, len, &rr, &e)) {
		speaker_notify(sp, &e);
		return;
	}
	if (sp->ops->refresh)
		sp->ops->refresh(sp, &rr);
}

static void handle(struct speaker *sp, const uint8_t *msg, size_t len, uint8_t type)
{
	const uint8_t *body = msg + BGP_HEADER_LEN;
	size_t blen = len - BGP_HEADER_LEN;
	bool established = sp->state == SPEAKER_ESTABLISHED;

	if (type == BGP_NOTIFICATION)
		handle_notification(sp, body, blen);
	else if (type == BGP_OPEN && sp->state == SPEAKER_OPENSENT)
		handle_open(sp, body, blen);
	else if (type == BGP_KEEPALIVE && sp->state != SPEAKER_OPENSENT)
		handle_keepalive(sp);
	else if (type == BGP_UPDATE && established) {
		if (sp->ops->update)
			sp->ops->update(sp, msg, len);
	} else if (type == BGP_ROUTE_REFRESH && established)
		handle_refresh(sp, body, blen);
	else
		unexpected(sp, type);
}

void speaker_dispatch(struct speaker *sp)
{
	size_t off = 0;

	while (!speaker_ended(sp)) {
		struct bgp_header h;
		struct bgp_err e = { 0 };
		size_t max = sp->state == SPEAKER_ESTABLISHED ? sp->ctx.max_len : BGP_MAX_LEN;
		int n = bgp_header_decode(sp->in + off, sp->in_len - off, max, &h, &e);
		if (n == 0)
			break;
		if (n < 0) {
			speaker_notify(sp, &e);
			return;
		}
		handle(sp, sp->in + off, (size_t)n, h.type);
		off += (size_t)n;
	}
	memmove(sp->in, sp->in + off, sp->in_len - off);
	sp->in_len -= off;
}
