/*
 * session_rx.c — what the neighbor sends, message by message once framed
 * (session_io.c): each becomes an FSM event, and what passed the codec
 * goes up to the owner (UPDATE, ROUTE-REFRESH). OPENs go to
 * session_open.c.
 */
#include "muxd/engine/session_int.h"

#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/lib/log.h"

/* Scratch for AS_PATH rewriting: the event loop decodes one UPDATE at a
 * time and nothing keeps pointers into it past the update callback. */
static uint8_t update_scratch[16 * (BGP_EXT_MAX_LEN + 1)];

/* RFC 7606 findings are logged the first few times per session, then once
 * every LOG_7606_EVERY: a neighbor that sends the same fault in every
 * UPDATE of a full table must not flood the log. The counters say all. */
#define LOG_7606_FIRST 3
#define LOG_7606_EVERY 10000

static void log_rfc7606(struct session *s, const struct bgp_err *e)
{
	bool withdraw = e->tier == BGP_TIER_WITHDRAW;
	uint64_t n = withdraw ? ++s->rx.treat_as_withdraw : ++s->rx.attr_discarded;

	if (n > LOG_7606_FIRST && n % LOG_7606_EVERY != 0)
		return;
	log_peer_warnx(s->p.label, "UPDATE %s (RFC 7606): %s [%llu so far on this session%s]",
	    withdraw ? "treated as withdraw" : "attribute discarded",
	    e->why ? e->why : "malformed attribute", (unsigned long long)n,
	    n == LOG_7606_FIRST ? "; further ones logged every 10000" : "");
}

static void handle_update(struct session *s, const uint8_t *body, size_t len)
{
	struct bgp_update u;
	struct bgp_err e = { 0 };

	if (s->state != FSM_ESTABLISHED) {
		session_event(s, FSM_EV_UPDATE, 0, 0, "UPDATE before Established");
		return;
	}
	if (!bgp_update_decode(body, len, &s->neg.rx, update_scratch,
	    sizeof update_scratch, &u, &e)) {
		session_error(s, FSM_EV_UPDATE_ERR, &e);
		return;
	}
	if (e.tier == BGP_TIER_WITHDRAW || e.tier == BGP_TIER_ATTR_DISCARD)
		log_rfc7606(s, &e);
	session_event(s, FSM_EV_UPDATE, 0, 0, "UPDATE");
	/* the header is right before the body: session_read_cb frames whole
	 * messages */
	u.msg = (struct bgp_bytes){ body - BGP_HEADER_LEN, (uint16_t)(len + BGP_HEADER_LEN) };
	if (s->ops->update && !s->closing)
		s->ops->update(s, &u, s->arg);
}

static void handle_notification(struct session *s, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	struct bgp_err e = { 0 };
	char data[BGP_NOTIF_TEXT_LEN], reason[BGP_NOTIF_TEXT_LEN + 200];

	if (!bgp_notification_decode(body, len, &n, &e))
		memset(&n, 0, sizeof n);
	bgp_notification_data_text(&n, data, sizeof data);
	snprintf(reason, sizeof reason, "received NOTIFICATION %u/%u (%s, %s)%s%s",
	    n.code, n.subcode, bgp_err_code_name(n.code),
	    bgp_err_subcode_name(n.code, n.subcode), data[0] ? ": " : "", data);
	log_peer_warnx(s->p.label, "%s", reason);
	session_set_error(s, "%s", reason);
	s->notif_rx = true;
	s->notif_code = n.code;
	s->notif_subcode = n.subcode;
	s->tcp_up = false;      /* RFC 4271: the sender closes; send nothing more */
	session_event(s, n.code == BGP_ERR_OPEN && n.subcode == BGP_ERR_OPEN_VERSION ?
	    FSM_EV_NOTIF_VERSION_ERR : FSM_EV_NOTIF, 0, 0, reason);
}

static void handle_route_refresh(struct session *s, const uint8_t *body, size_t len)
{
	struct bgp_route_refresh rr;
	struct bgp_err e = { 0 };

	if (s->state != FSM_ESTABLISHED) {
		session_event(s, FSM_EV_ROUTE_REFRESH, 0, 0, "ROUTE-REFRESH before Established");
		return;
	}
	if (!bgp_route_refresh_decode(body, len, &rr, &e)) {
		session_error(s, FSM_EV_UPDATE_ERR, &e);
		return;
	}
	session_event(s, FSM_EV_ROUTE_REFRESH, 0, 0, "ROUTE-REFRESH");
	if (rr.subtype <= BGP_RR_EORR && s->ops->route_refresh && !s->closing)
		s->ops->route_refresh(s, rr.afi, rr.safi, rr.subtype, s->arg);
}

void session_handle_message(struct session *s, uint8_t type, const uint8_t *body,
    size_t len)
{
	s->rx.msgs[type]++;
	s->rx.bytes += len + BGP_HEADER_LEN;
	if (s->state == FSM_ESTABLISHED && !s->confirmed) {
		s->confirmed = true;
		if (s->ops->confirmed)
			s->ops->confirmed(s, s->arg);
	}
	switch (type) {
	case BGP_OPEN:
		session_handle_open(s, body, len);
		break;
	case BGP_UPDATE:
		handle_update(s, body, len);
		break;
	case BGP_NOTIFICATION:
		handle_notification(s, body, len);
		break;
	case BGP_KEEPALIVE:
		if (s->redirect_port && s->state == FSM_OPENCONFIRM) {
			log_peer_warnx(s->p.label, "the neighbor did not follow our "
			    "redirect to port %u: closing with Redirect Required",
			    s->redirect_port);
			session_set_error(s, "did not follow the redirect to port %u",
			    s->redirect_port);
			session_close(s, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_REDIRECT_REQUIRED, NULL);
			break;
		}
		session_event(s, FSM_EV_KEEPALIVE, 0, 0, "KEEPALIVE received");
		break;
	case BGP_ROUTE_REFRESH:
		handle_route_refresh(s, body, len);
		break;
	}
}
