/*
 * session.c — a session's life and death, and the one entry to its FSM.
 *
 * The flow is always the same: an input (bytes, a timer, a connect
 * result, a request from the peer) becomes an FSM event; fsm_step says
 * what to do; session_event_data does it, in one place, and is the only
 * place where the state changes and where state changes are reported.
 * A session ends as muxd/lib/lifecycle.h says: closing, the owner's gone
 * from the loop, then the free.
 */
#include "muxd/engine/session_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"
#include "muxd/engine/sockopt.h"
#include "muxd/engine/timebase.h"

#define OPEN_TIMEOUT_DEFAULT 10       /* OpenSent's hold time (session.h) */
#define CLOSE_LINGER_SECS 2           /* flush a NOTIFICATION, then give up */

static unsigned open_timeout = OPEN_TIMEOUT_DEFAULT;

void session_set_open_timeout(unsigned secs)
{
	open_timeout = secs ? secs : OPEN_TIMEOUT_DEFAULT;
}

unsigned session_open_timeout(void)
{
	return open_timeout;
}

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void session_set_error(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
	va_end(ap);
}

/* ---- the end: gone from the loop, then freed ---------------------------- */

/* The connection closes and the timers stop: the session does nothing
 * more. */
static void session_disconnect(struct session *s)
{
	s->closing = true;
	s->tcp_up = false;
	if (s->bev)
		bufferevent_free(s->bev);
	s->bev = NULL;
	struct event *evs[] = { s->connect_retry_ev, s->hold_ev, s->keepalive_ev,
		s->continue_ev, s->linger_ev, s->connect_fail_ev };
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		event_del(evs[i]);
}

/* The owner hears gone (once, the last upcall), then the memory goes. */
static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;

	s->closing = true;
	s->tcp_up = false;
	if (s->ops->gone)
		s->ops->gone(s, s->arg);
	session_disconnect(s);
	struct event *evs[] = { s->connect_retry_ev, s->hold_ev, s->keepalive_ev,
		s->continue_ev, s->free_ev, s->linger_ev, s->connect_fail_ev };
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		event_free(evs[i]);
	for (int t = 0; t < 2; t++)
		free(s->kept[t][0].p), free(s->kept[t][1].p);
	free(s);
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
	session_timer_arm(s->linger_ev, CLOSE_LINGER_SECS);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, linger_drained_cb, linger_event_cb, s);
	bufferevent_enable(s->bev, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		linger_drained_cb(s->bev, s);
}

/* ---- the FSM's actions -------------------------------------------------- */

static void start_hold(struct session *s, unsigned secs)
{
	s->last_rx = timebase_now();
	if (secs)
		session_timer_arm(s->hold_ev, secs);
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
		session_timer_arm(s->connect_retry_ev, s->p.connect_retry);
	if (a & FSM_A_STOP_HOLD)
		evtimer_del(s->hold_ev);
	if (a & FSM_A_STOP_KEEPALIVE)
		evtimer_del(s->keepalive_ev);
	if ((a & FSM_A_SEND_NOTIFICATION) && s->tcp_up)
		session_send_notification(s, r->notify_code, r->notify_subcode, NULL, 0);
	if (a & FSM_A_DROP_TCP)
		drop_tcp(s);
	if (a & FSM_A_CONNECT)
		session_connect(s);
	if (a & FSM_A_SEND_OPEN)
		session_send_open(s);
	if (a & FSM_A_START_HOLD_LARGE)
		start_hold(s, open_timeout);
	if (a & FSM_A_START_HOLD)
		start_hold(s, s->neg.hold_time);
	if (a & FSM_A_SEND_KEEPALIVE)
		session_send_keepalive(s);
	if ((a & FSM_A_START_KEEPALIVE) && s->neg.keepalive)
		session_timer_arm(s->keepalive_ev, s->neg.keepalive);
	if (a & FSM_A_ESTABLISHED)
		on_established(s);
}

/*
 * The one entry to the FSM. data (the NOTIFICATION data of a decode
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
		session_send_notification(s, r.notify_code, r.notify_subcode, data, data_len);
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

void session_event(struct session *s, enum fsm_event ev, uint8_t code,
    uint8_t subcode, const char *reason)
{
	session_event_data(s, ev, code, subcode, NULL, 0, reason);
}

void session_error(struct session *s, enum fsm_event ev, const struct bgp_err *e)
{
	char reason[400];
	snprintf(reason, sizeof reason, "%s (%s, %s)", e->why ? e->why : "error",
	    bgp_err_code_name(e->code), bgp_err_subcode_name(e->code, e->subcode));
	log_peer_warnx(s->p.label, "bad message: %s", reason);
	session_event_data(s, ev, e->code, e->subcode, e->data, e->data_len, reason);
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
	session_io_init(s);
	s->free_ev = event_new(base, -1, 0, free_cb, s);
	s->linger_ev = evtimer_new(base, linger_timeout_cb, s);
	return s;
}

void session_start(struct session *s)
{
	session_event(s, s->p.passive ? FSM_EV_AUTO_START_PASSIVE : FSM_EV_AUTO_START,
	    0, 0, "start");
}

void session_accept(struct session *s, int fd)
{
	/* an outgoing attempt loses to the accepted one */
	sockopt_accepted(fd, &s->p);
	session_attach(s, fd);
	s->tcp_up = true;
	s->initiated_locally = false;
	s->open_deferred = s->p.delay_open;
	session_record_addrs(s);
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

void session_drop(struct session *s, const char *why)
{
	if (s->closing)
		return;
	session_set_error(s, "%.180s", why);
	session_event(s, FSM_EV_TCP_FAILS, 0, 0, why);
}

void session_abort(struct session *s)
{
	session_disconnect(s);
	schedule_free(s);
}

/* ---- what the session says of itself -------------------------------------- */

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

static bool is_hard_reset(uint8_t code, uint8_t subcode)
{
	return code == BGP_ERR_CEASE && subcode == BGP_CEASE_HARD_RESET;
}

bool session_ended_as_restart(const struct session *s)
{
	if (!session_notified(s))
		return true;
	return s->neg.gr_notification &&
	    !(s->notif_rx && is_hard_reset(s->notif_code, s->notif_subcode)) &&
	    !(s->notif_tx && is_hard_reset(s->notif_tx_code, s->notif_tx_subcode));
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
