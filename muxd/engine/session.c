/*
 * session.c — one TCP connection and its FSM, on libevent.
 *
 * The flow is always the same: an input (bytes, a timer, a connect
 * result, a request from the peer) becomes an FSM event; fsm_step says
 * what to do; session_apply does it, in one place, and is the only place
 * where the state changes and where state changes are reported.
 */
#include "muxd/engine/session.h"

#include <errno.h>
#include <stdarg.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/msgtap.h"
#include "muxd/engine/sockopt.h"

#define OPEN_TIMEOUT_DEFAULT 10       /* OpenSent's hold time (session.h) */
#define MAX_MSGS_PER_READ 256         /* then yield to the loop */
#define CLOSE_LINGER_SECS 2           /* flush a NOTIFICATION, then give up */
#define OUTPUT_LIMIT (64u << 20)      /* bytes queued before session_send refuses */
/* Our Graceful Restart capability lists no family: peers keep none of our
 * routes, whatever this says; 120 s is what routers commonly send. */
#define GR_OUR_RESTART_TIME 120

struct session {
	struct event_base *base;
	struct session_params p;
	const struct session_ops *ops;
	void *arg;

	enum fsm_state state;
	bool initiated_locally;
	bool closing;                   /* freed from free_ev, never inline */
	bool tcp_up;
	struct bufferevent *bev;
	struct event *connect_retry_ev, *hold_ev, *keepalive_ev, *continue_ev,
	    *free_ev, *linger_ev, *connect_fail_ev;

	struct session_negotiated neg;
	struct timespec last_rx;        /* for the lazily re-armed hold timer */
	time_t established_at;          /* CLOCK_MONOTONIC seconds */
	struct sockaddr_mux local_addr, remote_addr;

	struct session_counters rx, tx;
	unsigned id;                    /* within the peer (multisession) */
	bool open_deferred;             /* delay_open: ours not sent yet */
	bool was_established;           /* reached Established at some point */
	bool confirmed;                 /* heard from the neighbor since then */
	uint16_t redirect_port;         /* we set R: they must reconnect there */
	bool notif_rx, notif_tx;
	uint8_t notif_code, notif_subcode;
	char last_error[320];
	char shutdown_text[256];        /* goes with Cease 2/4 */
	uint8_t *scratch;               /* AS_PATH rewriting for the codec */
	size_t scratch_cap;
	/* The last OPEN [0] and NOTIFICATION [1], received [0] and sent [1],
	 * whole: monitors report them (BMP Peer Up and Peer Down). */
	struct { uint8_t *p; size_t len; } kept[2][2];
};

static void session_event(struct session *s, enum fsm_event ev, uint8_t code,
    uint8_t subcode, const char *reason);

static unsigned open_timeout = OPEN_TIMEOUT_DEFAULT;

/* ---- small helpers ---------------------------------------------------- */

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void timer_arm(struct event *ev, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };
	evtimer_add(ev, &tv);
}

static void set_last_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_last_error(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
	va_end(ap);
}

/* Keep a copy of an OPEN or a NOTIFICATION (see kept). */
static void session_keep(struct session *s, bool sent, const uint8_t *msg, size_t len)
{
	int t = msg[18] == BGP_OPEN ? 0 : msg[18] == BGP_NOTIFICATION ? 1 : -1;

	if (t < 0)
		return;
	uint8_t *p = xrealloc(s->kept[t][sent].p, len);

	memcpy(p, msg, len);
	s->kept[t][sent].p = p;
	s->kept[t][sent].len = len;
}

/* Write a whole encoded message and count it. */
static void session_write(struct session *s, const uint8_t *msg, size_t len)
{
	if (s->bev == NULL || len < BGP_HEADER_LEN)
		return;
	session_keep(s, true, msg, len);
	bufferevent_write(s->bev, msg, len);
	if (msgtap_active())
		msgtap_run(s, true, msg, len);
	if (msg[18] < 6)
		s->tx.msgs[msg[18]]++;
	s->tx.bytes += len;
}

/* ---- sending ---------------------------------------------------------- */

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
			if (p->families[i].safi != BGP_SAFI_UNICAST)
				continue;
			c->addpath[c->addpath_count].fam = p->families[i];
			c->addpath[c->addpath_count++].mode = p->add_path;
		}
	}
	if (p->graceful_restart) {
		c->present |= BGP_CAPF_GRACEFUL_RESTART;
		c->gr.restart_time = GR_OUR_RESTART_TIME;
	}
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

static void send_open(struct session *s)
{
	if (s->p.delay_open && !s->initiated_locally && s->open_deferred) {
		/* first call (TCP up): wait for theirs; handle_open sends it */
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

static void send_keepalive(struct session *s)
{
	uint8_t buf[BGP_HEADER_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	session_write(s, buf, bgp_keepalive_encode(&w));
}

static void send_notification(struct session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len)
{
	uint8_t buf[BGP_HEADER_LEN + 2 + 1 + 255 + BGP_ERR_DATA_MAX];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t n;

	if (code == BGP_ERR_CEASE && s->shutdown_text[0] &&
	    (subcode == BGP_CEASE_ADMIN_SHUTDOWN || subcode == BGP_CEASE_ADMIN_RESET))
		n = bgp_notification_encode_shutdown(&w, subcode, s->shutdown_text);
	else
		n = bgp_notification_encode(&w, code, subcode, data, data_len);
	session_write(s, buf, n);
	s->notif_tx = true;
	/* the log shows what went out, read back as the neighbor reads it */
	struct bgp_notification sent;
	struct bgp_err e = { 0 };
	char text[BGP_NOTIF_TEXT_LEN] = "";
	if (n > BGP_HEADER_LEN &&
	    bgp_notification_decode(buf + BGP_HEADER_LEN, n - BGP_HEADER_LEN, &sent, &e))
		bgp_notification_data_text(&sent, text, sizeof text);
	log_peer_warnx(s->p.label, "sent NOTIFICATION %u/%u (%s, %s)%s%s", code,
	    subcode, bgp_err_code_name(code), bgp_err_subcode_name(code, subcode),
	    text[0] ? ": " : "", text);
	set_last_error(s, "sent NOTIFICATION %u/%u (%s, %s)", code, subcode,
	    bgp_err_code_name(code), bgp_err_subcode_name(code, subcode));
}

/* ---- closing and freeing ------------------------------------------------ */

static void session_free(struct session *s)
{
	if (s->ops->closed)
		s->ops->closed(s, s->arg);
	if (s->bev)
		bufferevent_free(s->bev);
	struct event *evs[] = { s->connect_retry_ev, s->hold_ev, s->keepalive_ev,
		s->continue_ev, s->free_ev, s->linger_ev, s->connect_fail_ev };
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (evs[i])
			event_free(evs[i]);
	free(s->scratch);
	for (int t = 0; t < 2; t++)
		free(s->kept[t][0].p), free(s->kept[t][1].p);
	free(s);
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_free(arg);
}

static void schedule_free(struct session *s)
{
	s->closing = true;
	event_active(s->free_ev, 0, 0);
}

/* After the output is flushed: half-close and read until the neighbor
 * closes too. Closing with unread input would make the kernel send a RST,
 * and the neighbor could lose the NOTIFICATION we just sent. */
static void linger_read_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
}

static void linger_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		schedule_free(arg);
}

static void linger_drained_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_setcb(bev, linger_read_cb, NULL, linger_event_cb, s);
	bufferevent_enable(bev, EV_READ);
}

static void linger_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	schedule_free(arg);
}

/* Drop the TCP connection gracefully, then free the session. */
static void drop_tcp(struct session *s)
{
	s->closing = true;
	s->tcp_up = false;
	if (s->bev == NULL || bufferevent_getfd(s->bev) < 0) {
		schedule_free(s);
		return;
	}
	timer_arm(s->linger_ev, CLOSE_LINGER_SECS);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, linger_drained_cb, linger_event_cb, s);
	bufferevent_enable(s->bev, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		linger_drained_cb(s->bev, s);
}

/* ---- the FSM's actions -------------------------------------------------- */

static void session_connect(struct session *s);

static void start_hold(struct session *s, unsigned secs)
{
	clock_gettime(CLOCK_MONOTONIC, &s->last_rx);
	if (secs)
		timer_arm(s->hold_ev, secs);
}

static void on_established(struct session *s)
{
	s->established_at = mono_now();
	s->was_established = true;
	s->confirmed = false;
	s->last_error[0] = '\0';
}

static void apply_actions(struct session *s, const struct fsm_result *r)
{
	uint32_t a = r->actions;

	if (a & FSM_A_STOP_CONNECT_RETRY)
		evtimer_del(s->connect_retry_ev);
	if (a & FSM_A_START_CONNECT_RETRY)
		timer_arm(s->connect_retry_ev, s->p.connect_retry);
	if (a & FSM_A_STOP_HOLD)
		evtimer_del(s->hold_ev);
	if (a & FSM_A_STOP_KEEPALIVE)
		evtimer_del(s->keepalive_ev);
	if ((a & FSM_A_SEND_NOTIFICATION) && s->tcp_up)
		send_notification(s, r->notify_code, r->notify_subcode, NULL, 0);
	if (a & FSM_A_DROP_TCP)
		drop_tcp(s);
	if (a & FSM_A_CONNECT)
		session_connect(s);
	if (a & FSM_A_SEND_OPEN)
		send_open(s);
	if (a & FSM_A_START_HOLD_LARGE)
		start_hold(s, open_timeout);
	if (a & FSM_A_START_HOLD)
		start_hold(s, s->neg.hold_time);
	if (a & FSM_A_SEND_KEEPALIVE)
		send_keepalive(s);
	if ((a & FSM_A_START_KEEPALIVE) && s->neg.keepalive)
		timer_arm(s->keepalive_ev, s->neg.keepalive);
	if (a & FSM_A_ESTABLISHED)
		on_established(s);
}

/*
 * The one entry to the FSM. err_data (the NOTIFICATION data of a decode
 * error) is sent with the NOTIFICATION the FSM asks for.
 */
static void session_event_data(struct session *s, enum fsm_event ev, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t data_len, const char *reason)
{
	enum fsm_state from = s->state;
	struct fsm_result r = fsm_step(s->state, ev, s->p.passive, code, subcode);
	uint8_t msg_type = r.unexpected_msg_type;

	if (data_len == 0 && r.notify_code == BGP_ERR_FSM && msg_type) {
		data = &msg_type;       /* RFC 6608 §4: the unexpected type */
		data_len = 1;
	}
	if (data_len && (r.actions & FSM_A_SEND_NOTIFICATION) && s->tcp_up) {
		/* Send the NOTIFICATION with its data here; the action is done. */
		send_notification(s, r.notify_code, r.notify_subcode, data, data_len);
		r.actions &= ~(uint32_t)FSM_A_SEND_NOTIFICATION;
	}
	s->state = r.state;
	apply_actions(s, &r);
	if (from != r.state) {
		log_peer_info(s->p.label, "%s -> %s (%s)", fsm_state_name(from),
		    fsm_state_name(r.state), reason);
		if (s->ops->state_changed)
			s->ops->state_changed(s, from, r.state, reason, s->arg);
	}
	if (r.state == FSM_IDLE && !s->closing) {
		if (s->bev && s->tcp_up)
			drop_tcp(s);
		else
			schedule_free(s);
	}
}

static void session_event(struct session *s, enum fsm_event ev, uint8_t code,
    uint8_t subcode, const char *reason)
{
	session_event_data(s, ev, code, subcode, NULL, 0, reason);
}

static void session_error(struct session *s, enum fsm_event ev,
    const struct bgp_err *e)
{
	char reason[400];
	snprintf(reason, sizeof reason, "%s (%s, %s)", e->why ? e->why : "error",
	    bgp_err_code_name(e->code), bgp_err_subcode_name(e->code, e->subcode));
	log_peer_warnx(s->p.label, "bad message: %s", reason);
	session_event_data(s, ev, e->code, e->subcode, e->data, e->data_len, reason);
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

/* ADD-PATH per AFI for unicast (RFC 7911 §4): we receive paths when we
 * offered to receive and they offered to send, and the other way round. */
static void negotiate_addpath(struct session *s, const struct bgp_caps *c)
{
	struct session_negotiated *n = &s->neg;

	for (uint16_t afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		uint8_t theirs = (c->present & BGP_CAPF_ADD_PATH) ?
		    bgp_caps_addpath_mode(c, afi, BGP_SAFI_UNICAST) : 0;
		n->rx.addpath[afi] = (s->p.add_path & BGP_ADDPATH_RECEIVE) &&
		    (theirs & BGP_ADDPATH_SEND);
		n->tx.addpath[afi] = (s->p.add_path & BGP_ADDPATH_SEND) &&
		    (theirs & BGP_ADDPATH_RECEIVE);
	}
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
	n->gr = s->p.graceful_restart && (c->present & BGP_CAPF_GRACEFUL_RESTART);
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

/* ---- receiving ------------------------------------------------------------ */

/* Scratch for AS_PATH rewriting: the event loop decodes one UPDATE at a
 * time and nothing keeps pointers into it past the update callback. */
static uint8_t update_scratch[16 * (BGP_EXT_MAX_LEN + 1)];

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

static void handle_open(struct session *s, const uint8_t *body, size_t len)
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
		send_open(s);
		if (!negotiate(s, &o, &e)) {
			session_error(s, FSM_EV_OPEN_ERR, &e);
			return;
		}
	}
	log_open(s, &o);
	session_event(s, FSM_EV_OPEN, 0, 0, "OPEN received");
}

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
	set_last_error(s, "%s", reason);
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

static void handle_message(struct session *s, uint8_t type, const uint8_t *body,
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
		handle_open(s, body, len);
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
			set_last_error(s, "did not follow the redirect to port %u",
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

/* Frame and handle at most MAX_MSGS_PER_READ messages, then yield. */
static void session_read_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (int n = 0; n < MAX_MSGS_PER_READ; n++) {
		size_t avail = evbuffer_get_length(in);
		struct bgp_header h;
		struct bgp_err e = { 0 };

		if (s->closing || avail < BGP_HEADER_LEN)
			return;
		const uint8_t *hp = evbuffer_pullup(in, BGP_HEADER_LEN);
		if (bgp_header_decode(hp, BGP_HEADER_LEN, s->neg.rx.max_len, &h, &e) < 0) {
			session_error(s, FSM_EV_HEADER_ERR, &e);
			return;
		}
		if (avail < h.len)
			return;
		const uint8_t *msg = evbuffer_pullup(in, h.len);
		session_keep(s, false, msg, h.len);
		if (msgtap_active())
			msgtap_run(s, false, msg, h.len);
		handle_message(s, h.type, msg + BGP_HEADER_LEN, h.len - BGP_HEADER_LEN);
		if (!s->closing)
			evbuffer_drain(in, h.len);
	}
	event_active(s->continue_ev, 0, 0);
}

static void continue_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	if (!s->closing && s->bev)
		session_read_cb(s->bev, s);
}

/* ---- TCP events and timers ------------------------------------------------ */

static void record_addrs(struct session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = bufferevent_getfd(s->bev);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_from((struct sockaddr *)&ss, len, &s->local_addr);
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_from((struct sockaddr *)&ss, len, &s->remote_addr);
}

static void session_tcp_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;
	char reason[160];
	(void)bev;

	if (what & BEV_EVENT_CONNECTED) {
		s->tcp_up = true;
		record_addrs(s);
		session_event(s, FSM_EV_TCP_ACKED, 0, 0, "connected");
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int err = EVUTIL_SOCKET_ERROR();
		snprintf(reason, sizeof reason, "%s",
		    (what & BEV_EVENT_EOF) ? "connection closed by neighbor" :
		    err ? strerror(err) : "connection failed");
		s->tcp_up = false;
		set_last_error(s, "%s", reason);
		session_event(s, FSM_EV_TCP_FAILS, 0, 0, reason);
	}
}

static void connect_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_event(arg, FSM_EV_CONNECT_RETRY_EXPIRES, 0, 0, "ConnectRetry timer expired");
}

/* The hold timer is re-armed lazily: receiving a message only records the
 * time; when the timer fires early it waits for the rest. */
static void hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct timespec now;
	bool opening = s->state == FSM_OPENSENT;
	unsigned limit = opening ? open_timeout : s->neg.hold_time;
	char why[96];
	(void)fd;
	(void)what;

	clock_gettime(CLOCK_MONOTONIC, &now);
	time_t idle = now.tv_sec - s->last_rx.tv_sec;
	if (limit && idle < (time_t)limit) {
		timer_arm(s->hold_ev, (unsigned)(limit - idle));
		return;
	}
	if (opening)
		snprintf(why, sizeof why, "Hold timer expired: no OPEN within "
		    "open_timeout (%u s)", limit);
	session_event(s, FSM_EV_HOLD_EXPIRES, 0, 0, opening ? why : "Hold timer expired");
}

static void keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_event(arg, FSM_EV_KEEPALIVE_EXPIRES, 0, 0, "Keepalive timer");
}

static void attach_bev(struct session *s, int fd)
{
	s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		fatal("%s: cannot allocate a bufferevent", s->p.label);
	bufferevent_setcb(s->bev, session_read_cb, NULL, session_tcp_cb, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static void session_connect(struct session *s)
{
	char why[160];

	if (s->bev) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
	s->initiated_locally = true;
	int fd = sockopt_socket(&s->p, why, sizeof why);
	if (fd >= 0) {
		attach_bev(s, fd);
		if (bufferevent_socket_connect(s->bev, &s->p.remote.u.sa, s->p.remote.len) == 0)
			return;
		snprintf(why, sizeof why, "connect: %s", strerror(errno));
	}
	/* Report the failure from the loop, not from inside the FSM step. */
	log_peer_warnx(s->p.label, "cannot connect: %s", why);
	set_last_error(s, "%.180s", why);
	event_active(s->connect_fail_ev, 0, 0);
}

static void connect_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	if (!s->closing)
		session_event(s, FSM_EV_TCP_FAILS, 0, 0, s->last_error);
}

/* ---- public ---------------------------------------------------------------- */

struct session *session_new(struct event_base *base, const struct session_params *p,
    const struct session_ops *ops, void *arg)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->base = base;
	s->p = *p;
	s->ops = ops;
	s->arg = arg;
	s->state = FSM_IDLE;
	s->neg.rx.max_len = s->neg.tx.max_len = BGP_MAX_LEN;
	s->connect_retry_ev = evtimer_new(base, connect_retry_cb, s);
	s->hold_ev = evtimer_new(base, hold_cb, s);
	s->keepalive_ev = evtimer_new(base, keepalive_cb, s);
	s->continue_ev = event_new(base, -1, 0, continue_cb, s);
	s->free_ev = event_new(base, -1, 0, free_cb, s);
	s->linger_ev = evtimer_new(base, linger_timeout_cb, s);
	s->connect_fail_ev = event_new(base, -1, 0, connect_fail_cb, s);
	return s;
}

void session_start(struct session *s)
{
	session_event(s, s->p.passive ? FSM_EV_AUTO_START_PASSIVE : FSM_EV_AUTO_START,
	    0, 0, "start");
}

void session_accept(struct session *s, int fd)
{
	if (s->bev) {           /* an outgoing attempt loses to the accepted one */
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
	sockopt_accepted(fd, &s->p);
	attach_bev(s, fd);
	s->tcp_up = true;
	s->initiated_locally = false;
	s->open_deferred = s->p.delay_open;
	record_addrs(s);
	if (s->state == FSM_IDLE)
		session_event(s, FSM_EV_AUTO_START_PASSIVE, 0, 0, "incoming connection");
	session_event(s, FSM_EV_TCP_CONFIRMED, 0, 0, "connection accepted");
}

void session_close(struct session *s, uint8_t code, uint8_t subcode,
    const char *shutdown_text)
{
	enum fsm_event ev = FSM_EV_AUTO_STOP;
	char reason[128];

	if (s->closing)
		return;
	if (shutdown_text)
		snprintf(s->shutdown_text, sizeof s->shutdown_text, "%s", shutdown_text);
	if (code == BGP_ERR_CEASE && subcode == BGP_CEASE_COLLISION)
		ev = FSM_EV_COLLISION_DUMP;
	else if (code == BGP_ERR_CEASE && subcode == BGP_CEASE_ADMIN_SHUTDOWN)
		ev = FSM_EV_MANUAL_STOP;
	else if (code == BGP_ERR_OPEN &&
	    (s->state == FSM_OPENSENT || s->state == FSM_OPENCONFIRM))
		ev = FSM_EV_OPEN_ERR;   /* the owner refuses the OPEN: that code */
	snprintf(reason, sizeof reason, "%s, %s", bgp_err_code_name(code),
	    bgp_err_subcode_name(code, subcode));
	session_event(s, ev, code, subcode, reason);
}

void session_drop(struct session *s, const char *why)
{
	if (s->closing)
		return;
	set_last_error(s, "%.180s", why);
	session_event(s, FSM_EV_TCP_FAILS, 0, 0, why);
}

void session_abort(struct session *s)
{
	session_free(s);
}

void session_set_open_timeout(unsigned secs)
{
	open_timeout = secs ? secs : OPEN_TIMEOUT_DEFAULT;
}

void session_close_data(struct session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len)
{
	char reason[128];

	if (s->closing)
		return;
	snprintf(reason, sizeof reason, "%s, %s", bgp_err_code_name(code),
	    bgp_err_subcode_name(code, subcode));
	session_event_data(s, FSM_EV_AUTO_STOP, code, subcode, data, data_len, reason);
}

bool session_send(struct session *s, const uint8_t *msg, size_t len)
{
	if (s->closing || s->state != FSM_ESTABLISHED || s->bev == NULL)
		return false;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) > OUTPUT_LIMIT)
		return false;
	session_write(s, msg, len);
	return true;
}

bool session_send_ref(struct session *s, const uint8_t *msgs, size_t len,
    unsigned count, void (*release)(const void *msgs, size_t len, void *arg),
    void *arg)
{
	if (s->closing || s->state != FSM_ESTABLISHED || s->bev == NULL)
		return false;
	struct evbuffer *out = bufferevent_get_output(s->bev);
	if (evbuffer_get_length(out) > OUTPUT_LIMIT ||
	    evbuffer_add_reference(out, msgs, len, release, arg) != 0)
		return false;
	s->tx.msgs[BGP_UPDATE] += count;
	s->tx.bytes += len;
	return true;
}

size_t session_queue_len(const struct session *s)
{
	return s->bev ? evbuffer_get_length(bufferevent_get_output(s->bev)) : 0;
}

enum fsm_state session_state(const struct session *s) { return s->state; }
bool session_is_closing(const struct session *s) { return s->closing; }
bool session_initiated_locally(const struct session *s) { return s->initiated_locally; }
const struct session_negotiated *session_negotiated(const struct session *s) { return &s->neg; }
const struct session_counters *session_counters_rx(const struct session *s) { return &s->rx; }
const struct session_counters *session_counters_tx(const struct session *s) { return &s->tx; }
const struct session_params *session_params(const struct session *s) { return &s->p; }
const struct sockaddr_mux *session_local_addr(const struct session *s) { return &s->local_addr; }
const struct sockaddr_mux *session_remote_addr(const struct session *s) { return &s->remote_addr; }
const char *session_last_error(const struct session *s) { return s->last_error; }
bool session_awaiting_open(const struct session *s) { return s->open_deferred; }
void session_set_id(struct session *s, unsigned id) { s->id = id; }
unsigned session_id(const struct session *s) { return s->id; }

void session_set_offer(struct session *s, const struct bgp_family *fams, uint8_t n,
    enum ms_dialect ms, uint16_t redirect_port)
{
	memcpy(s->p.families, fams, n * sizeof fams[0]);
	s->p.family_count = n;
	s->p.ms_offer = ms;
	s->redirect_port = redirect_port;
}

bool session_notification_rx(const struct session *s, uint8_t *code, uint8_t *subcode)
{
	*code = s->notif_code;
	*subcode = s->notif_subcode;
	return s->notif_rx;
}

bool session_ever_established(const struct session *s)
{
	return s->was_established;
}

bool session_notified(const struct session *s)
{
	return s->notif_rx || s->notif_tx;
}

const uint8_t *session_kept_msg(const struct session *s, uint8_t type, bool sent,
    size_t *len)
{
	int t = type == BGP_OPEN ? 0 : type == BGP_NOTIFICATION ? 1 : -1;

	*len = t < 0 ? 0 : s->kept[t][sent].len;
	return t < 0 ? NULL : s->kept[t][sent].p;
}

time_t session_uptime(const struct session *s)
{
	return s->state == FSM_ESTABLISHED ? mono_now() - s->established_at : 0;
}
