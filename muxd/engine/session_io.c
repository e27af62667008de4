/*
 * session_io.c — a session's bytes and clock: framing what arrives,
 * writing what leaves, the TCP connection, the timers.
 *
 * Input is framed here and each whole message handed on (session_rx.c);
 * at most MAX_MSGS_PER_READ at a time, then the loop gets its turn. Every
 * message written goes through session_write, which counts it.
 */
#include "muxd/engine/session_int.h"

#include <errno.h>
#include <poll.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"
#include "muxd/engine/sockopt.h"
#include "muxd/engine/timebase.h"

#define MAX_MSGS_PER_READ 256         /* then yield to the loop */
#define OUTPUT_LIMIT (64u << 20)      /* bytes queued before session_send refuses */

void session_timer_arm(struct event *ev, unsigned secs)
{
	struct timeval tv = timebase_secs(secs);
	evtimer_add(ev, &tv);
}

/* ---- writing ------------------------------------------------------------ */

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
void session_write(struct session *s, const uint8_t *msg, size_t len)
{
	if (s->bev == NULL || len < BGP_HEADER_LEN)
		return;
	session_keep(s, true, msg, len);
	bufferevent_write(s->bev, msg, len);
	if (s->ops->message)
		s->ops->message(s, true, msg, len, s->arg);
	if (msg[18] < 6)
		s->tx.msgs[msg[18]]++;
	s->tx.bytes += len;
}

void session_send_keepalive(struct session *s)
{
	uint8_t buf[BGP_HEADER_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	session_write(s, buf, bgp_keepalive_encode(&w));
}

/*
 * RFC 8538 §5's table, for what muxd itself sends: a Cease that means to
 * end the neighbor's routes for good goes as Hard Reset once both sides
 * set N — max-prefix (the routes are refused), a neighbor removed from
 * the configuration, an operator's reset. Administrative Shutdown stays
 * a plain Cease although the RFC suggests Hard Reset for it: muxd sends
 * it only when its own process stops (SIGTERM), which is a restart far
 * more often than a retirement, and the neighbor then keeps muxd's
 * routes for the restart time muxd advertised and ends them itself if
 * muxd does not come back. Other Configuration Change, Out of Resources
 * and the rest are graceful, as the table says.
 */
static bool cease_ends_routes(uint8_t code, uint8_t subcode)
{
	return code == BGP_ERR_CEASE && (subcode == BGP_CEASE_MAX_PREFIXES ||
	    subcode == BGP_CEASE_PEER_DECONFIGURED || subcode == BGP_CEASE_ADMIN_RESET);
}

static size_t notification_encode(const struct session *s, struct wbuf *w,
    uint8_t code, uint8_t subcode, const uint8_t *data, size_t data_len)
{
	if (code == BGP_ERR_CEASE && s->shutdown_text[0] &&
	    (subcode == BGP_CEASE_ADMIN_SHUTDOWN || subcode == BGP_CEASE_ADMIN_RESET))
		return bgp_notification_encode_shutdown(w, subcode, s->shutdown_text);
	return bgp_notification_encode(w, code, subcode, data, data_len);
}

void session_send_notification(struct session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len)
{
	uint8_t buf[BGP_HEADER_LEN + 2 + 1 + 255 + BGP_ERR_DATA_MAX];
	uint8_t hard[sizeof buf + 2];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t n = notification_encode(s, &w, code, subcode, data, data_len);
	const uint8_t *msg = buf;

	if (n && s->neg.gr_notification && cease_ends_routes(code, subcode)) {
		struct wbuf wh = wbuf_make(hard, sizeof hard);
		size_t hn = bgp_notification_encode_hard_reset(&wh, buf, n);
		if (hn) {
			msg = hard, n = hn;
			code = BGP_ERR_CEASE, subcode = BGP_CEASE_HARD_RESET;
		}
	}
	session_write(s, msg, n);
	s->notif_tx = true;
	s->notif_tx_code = code;
	s->notif_tx_subcode = subcode;
	/* the log shows what went out, read back as the neighbor reads it */
	struct bgp_notification sent;
	struct bgp_err e = { 0 };
	char text[BGP_NOTIF_TEXT_LEN] = "";
	if (n > BGP_HEADER_LEN &&
	    bgp_notification_decode(msg + BGP_HEADER_LEN, n - BGP_HEADER_LEN, &sent, &e))
		bgp_notification_data_text(&sent, text, sizeof text);
	log_peer_warnx(s->p.label, "sent NOTIFICATION %u/%u (%s, %s)%s%s", code,
	    subcode, bgp_err_code_name(code), bgp_err_subcode_name(code, subcode),
	    text[0] ? ": " : "", text);
	session_set_error(s, "sent NOTIFICATION %u/%u (%s, %s)", code, subcode,
	    bgp_err_code_name(code), bgp_err_subcode_name(code, subcode));
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

bool session_socket_writable(const struct session *s)
{
	struct pollfd p = { s->bev ? bufferevent_getfd(s->bev) : -1, POLLOUT, 0 };

	return p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) &&
	    !(p.revents & (POLLERR | POLLHUP));
}

/* ---- reading ------------------------------------------------------------ */

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
		if (h.type != BGP_UPDATE && s->ops->message)
			s->ops->message(s, false, msg, h.len, s->arg);
		session_handle_message(s, h.type, msg + BGP_HEADER_LEN, h.len - BGP_HEADER_LEN);
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

void session_record_addrs(struct session *s)
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
		session_record_addrs(s);
		session_event(s, FSM_EV_TCP_ACKED, 0, 0, "connected");
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int err = EVUTIL_SOCKET_ERROR();
		snprintf(reason, sizeof reason, "%s",
		    (what & BEV_EVENT_EOF) ? "connection closed by neighbor" :
		    err ? strerror(err) : "connection failed");
		s->tcp_up = false;
		session_set_error(s, "%s", reason);
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
	bool opening = s->state == FSM_OPENSENT;
	unsigned limit = opening ? session_open_timeout() : s->neg.hold_time;
	char why[96];
	(void)fd;
	(void)what;

	time_t idle = timebase_now() - s->last_rx;
	if (limit && idle < (time_t)limit) {
		session_timer_arm(s->hold_ev, (unsigned)(limit - idle));
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

void session_attach(struct session *s, int fd)
{
	if (s->bev)             /* a connection given up for this one */
		bufferevent_free(s->bev);
	s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		fatal("%s: cannot allocate a bufferevent", s->p.label);
	bufferevent_setcb(s->bev, session_read_cb, NULL, session_tcp_cb, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

void session_connect(struct session *s)
{
	char why[160];

	if (s->bev) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
	s->initiated_locally = true;
	int fd = sockopt_socket(&s->p, why, sizeof why);
	if (fd >= 0) {
		session_attach(s, fd);
		if (bufferevent_socket_connect(s->bev, &s->p.remote.u.sa, s->p.remote.len) == 0)
			return;
		snprintf(why, sizeof why, "connect: %s", strerror(errno));
	}
	/* Report the failure from the loop, not from inside the FSM step. */
	log_peer_warnx(s->p.label, "cannot connect: %s", why);
	session_set_error(s, "%.180s", why);
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

void session_io_init(struct session *s)
{
	s->connect_retry_ev = evtimer_new(s->base, connect_retry_cb, s);
	s->hold_ev = evtimer_new(s->base, hold_cb, s);
	s->keepalive_ev = evtimer_new(s->base, keepalive_cb, s);
	s->continue_ev = event_new(s->base, -1, 0, continue_cb, s);
	s->connect_fail_ev = event_new(s->base, -1, 0, connect_fail_cb, s);
}
