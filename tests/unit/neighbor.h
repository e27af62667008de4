/*
 * neighbor.h — the BGP neighbor a unit test plays against real sessions
 * and peers (test_session.c, test_peer.c).
 *
 * The neighbor's end of a connection is one end of a socketpair, or a
 * loopback TCP connection where the engine connects out; it lives on the
 * engine's own libevent base, so the test runs one loop for both sides.
 * The test writes messages encoded with the project's codec, whole or in
 * pieces, and reads what the engine sends message by message, running the
 * loop until one is there or a deadline passes.
 *
 * Times are in engine seconds (muxd/engine/timebase.h): nb_start shortens
 * the second, and a test's hold times, timeouts and deadlines shrink with
 * it.
 */
#ifndef BGPMUX_TEST_NEIGHBOR_H
#define BGPMUX_TEST_NEIGHBOR_H

#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/engine/timebase.h"
#include "muxd/lib/log.h"
#include "muxd/lib/sockaddr.h"
#include "muxd/lib/wbuf.h"

#define NB_IN_CAP (4 * BGP_EXT_MAX_LEN)

/* The neighbor's end of one connection. */
struct nb {
	int fd;
	struct event *ev;
	uint8_t in[NB_IN_CAP];
	size_t len;
	bool eof;                       /* the engine closed (or reset) it */
};

/* One message the engine sent. */
struct nb_msg {
	uint8_t type;
	uint8_t body[BGP_EXT_MAX_LEN];
	size_t len;                     /* of body, after the 19-byte header */
};

static struct event_base *nb_base;
static struct event *nb_wake;
static double nb_second = 1.0;          /* real seconds per engine second */
/* Every neighbor end attached, for nb_end. */
static struct nb *nb_all[64];
static size_t nb_count;

static double nb_real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Engine seconds since some fixed point. */
static inline double nb_now(void)
{
	return nb_real_now() / nb_second;
}

static void nb_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Another length of the engine second, before any timer is armed: tests
 * that measure a timer take a longer one, so that their bounds leave a
 * busy machine some slack. */
static inline void nb_set_second(unsigned second_us)
{
	timebase_set_second(second_us);
	nb_second = second_us / 1e6;
}

/* A loop for the test, with an engine second of second_us microseconds. */
static inline void nb_start(unsigned second_us)
{
	log_set_level(LOG_LVL_ERROR);
	signal(SIGPIPE, SIG_IGN);
	nb_set_second(second_us);
	nb_base = event_base_new();
	nb_wake = evtimer_new(nb_base, nb_wake_cb, NULL);
}

/* One pass of the loop, waiting at most until `until` (engine seconds).
 * False once the deadline has passed. */
static inline bool nb_run_once(double until)
{
	double left = (until - nb_now()) * nb_second;

	if (left <= 0)
		return false;
	struct timeval tv = { (time_t)left, (suseconds_t)((left - (time_t)left) * 1e6) };
	evtimer_add(nb_wake, &tv);
	event_base_loop(nb_base, EVLOOP_ONCE);
	return true;
}

/* Run the loop for secs engine seconds, whatever happens. */
static inline void nb_run(double secs)
{
	double until = nb_now() + secs;

	while (nb_run_once(until))
		;
}

/* Run the loop until cond(arg) holds; false if secs pass first. */
static inline bool nb_until(bool (*cond)(void *), void *arg, double secs)
{
	double until = nb_now() + secs;

	while (!cond(arg))
		if (!nb_run_once(until))
			return cond(arg);
	return true;
}

static void nb_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nb *n = arg;
	(void)what;

	for (;;) {
		ck_assert_msg(n->len < sizeof n->in, "the neighbor's buffer is full");
		ssize_t r = read(fd, n->in + n->len, sizeof n->in - n->len);
		if (r > 0) {
			n->len += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		n->eof = true;          /* closed, or reset */
		event_del(n->ev);
		return;
	}
}

/* Take fd (connected) as the neighbor's end. */
static inline void nb_attach(struct nb *n, int fd)
{
	memset(n, 0, sizeof *n);
	n->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	n->ev = event_new(nb_base, fd, EV_READ | EV_PERSIST, nb_read_cb, n);
	event_add(n->ev, NULL);
	ck_assert_uint_lt(nb_count, sizeof nb_all / sizeof nb_all[0]);
	nb_all[nb_count++] = n;
}

/* A socketpair: the neighbor keeps one end; the other is returned for
 * session_accept or peer_accept. */
static inline int nb_pair(struct nb *n)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nb_attach(n, sv[0]);
	return sv[1];
}

static inline void nb_close(struct nb *n)
{
	if (n->ev)
		event_free(n->ev);
	if (n->fd >= 0)
		close(n->fd);
	n->ev = NULL;
	n->fd = -1;
}

/* The end of a test: every neighbor end closed, the loop freed (what the
 * engine still holds, the test frees first). */
static inline void nb_end(void)
{
	for (size_t i = 0; i < nb_count; i++)
		nb_close(nb_all[i]);
	nb_count = 0;
	event_free(nb_wake);
	event_base_free(nb_base);
	nb_base = NULL;
}

/* Write all of it (the engine reads on the same loop: never blocks long). */
static inline void nb_write(struct nb *n, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t w = write(n->fd, p, len);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			nb_run_once(nb_now() + 0.1);
			continue;
		}
		ck_assert_msg(w > 0, "write to the engine: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
}

/* version 4, AS (AS_TRANS above 65535, with the 4-octet AS capability),
 * hold time, BGP Identifier, route refresh, and multiprotocol for the
 * families given. */
static inline void nb_open_init(struct bgp_open *o, uint32_t as, uint32_t id,
    uint16_t hold, const struct bgp_family *fams, uint8_t nfams)
{
	memset(o, 0, sizeof *o);
	o->version = BGP_VERSION;
	o->my_as = as > 65535 ? BGP_AS_TRANS : (uint16_t)as;
	o->hold_time = hold;
	o->bgp_id = id;
	o->caps.present = BGP_CAPF_AS4 | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_MP;
	o->caps.as4 = as;
	memcpy(o->caps.mp, fams, nfams * sizeof fams[0]);
	o->caps.mp_count = nfams;
}

static inline void nb_send_open(struct nb *n, const struct bgp_open *o)
{
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t len = bgp_open_encode(&w, o);

	ck_assert(len > 0);
	nb_write(n, buf, len);
}

static inline void nb_send_keepalive(struct nb *n)
{
	uint8_t buf[BGP_HEADER_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	nb_write(n, buf, bgp_keepalive_encode(&w));
}

static inline void nb_send_notification(struct nb *n, uint8_t code, uint8_t subcode)
{
	uint8_t buf[BGP_HEADER_LEN + 2];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	nb_write(n, buf, bgp_notification_encode(&w, code, subcode, NULL, 0));
}

/* The next whole message the engine sent, within secs; false on timeout
 * or once the connection is closed with nothing left to read. */
static inline bool nb_recv(struct nb *n, struct nb_msg *m, double secs)
{
	double until = nb_now() + secs;

	for (;;) {
		struct bgp_header h;
		struct bgp_err e = { 0 };
		int r = bgp_header_decode(n->in, n->len, BGP_EXT_MAX_LEN, &h, &e);
		ck_assert_msg(r >= 0, "the engine sent a malformed message");
		if (r > 0) {
			m->type = h.type;
			m->len = h.len - BGP_HEADER_LEN;
			memcpy(m->body, n->in + BGP_HEADER_LEN, m->len);
			memmove(n->in, n->in + h.len, n->len - h.len);
			n->len -= h.len;
			return true;
		}
		if (n->eof || !nb_run_once(until))
			return false;
	}
}

/* The next message that is not a KEEPALIVE (unless type is KEEPALIVE),
 * which must be of that type. */
static inline bool nb_expect(struct nb *n, uint8_t type, struct nb_msg *m, double secs)
{
	double until = nb_now() + secs;

	do {
		if (!nb_recv(n, m, until - nb_now()))
			return false;
	} while (m->type == BGP_KEEPALIVE && type != BGP_KEEPALIVE);
	return m->type == type;
}

/* The engine's OPEN, decoded (it points into m). */
static inline bool nb_expect_open(struct nb *n, struct nb_msg *m, struct bgp_open *o,
    double secs)
{
	struct bgp_err e = { 0 };

	return nb_expect(n, BGP_OPEN, m, secs) && bgp_open_decode(m->body, m->len, o, &e);
}

/* A NOTIFICATION with this code and subcode comes next (KEEPALIVEs
 * aside), and then the engine closes the connection. */
static inline bool nb_expect_notification(struct nb *n, uint8_t code, uint8_t subcode,
    double secs)
{
	struct nb_msg m = { 0 };

	if (!nb_expect(n, BGP_NOTIFICATION, &m, secs)) {
		ck_assert_msg(0, "no NOTIFICATION %u/%u (got type %u)", code, subcode,
		    m.type);
		return false;
	}
	ck_assert_msg(m.len >= 2 && m.body[0] == code && m.body[1] == subcode,
	    "NOTIFICATION %u/%u, expected %u/%u", m.body[0], m.body[1], code, subcode);
	return true;
}

/* The engine closes the connection within secs (what it still sends is
 * read and dropped). */
static inline bool nb_wait_eof(struct nb *n, double secs)
{
	double until = nb_now() + secs;

	while (!n->eof) {
		n->len = 0;
		if (!nb_run_once(until))
			return n->eof;
	}
	return true;
}

/* A listening TCP socket on addr, port chosen by the kernel (*port). */
static inline int nb_listen(const char *addr, uint16_t *port)
{
	struct sockaddr_mux sa;
	int one = 1;

	ck_assert(sockaddr_parse(addr, 0, &sa));
	int fd = socket(sockaddr_family(&sa), SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_msg(bind(fd, &sa.u.sa, sa.len) == 0, "bind %s: %s", addr, strerror(errno));
	ck_assert_int_eq(listen(fd, 16), 0);
	socklen_t len = sizeof sa.u;
	ck_assert_int_eq(getsockname(fd, &sa.u.sa, &len), 0);
	sa.len = len;
	*port = sockaddr_port(&sa);
	return fd;
}

/* A connection the engine opened to lfd, within secs. */
static inline bool nb_accept(int lfd, struct nb *n, double secs)
{
	double until = nb_now() + secs;
	struct event *ready = event_new(nb_base, lfd, EV_READ | EV_PERSIST, nb_wake_cb, NULL);
	bool ok = false;

	event_add(ready, NULL);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			nb_attach(n, fd);
			ok = true;
			break;
		}
		ck_assert_msg(errno == EAGAIN || errno == EINTR, "accept: %s", strerror(errno));
		if (!nb_run_once(until))
			break;
	}
	event_free(ready);
	return ok;
}

/* A loopback TCP connection: the neighbor keeps the end that connected;
 * the accepted end is returned for peer_accept, with a real local port
 * (a socketpair has none). */
static inline int nb_tcp_pair(struct nb *n)
{
	uint16_t port;
	struct sockaddr_mux to;
	int lfd = nb_listen("127.0.0.1", &port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(sockaddr_parse("127.0.0.1", port, &to));
	ck_assert_msg(connect(fd, &to.u.sa, to.len) == 0, "connect: %s", strerror(errno));
	struct pollfd pfd = { lfd, POLLIN, 0 };
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	int afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);
	close(lfd);
	nb_attach(n, fd);
	return afd;
}

/* An UPDATE announcing 10.0.0.0/8, AS_PATH 65010 (4 octets), next hop
 * 192.0.2.1, into buf; its length. */
static inline size_t nb_update_msg(uint8_t *buf, size_t cap)
{
	static const uint8_t attrs[] = {
		0x40, BGP_ATTR_ORIGIN, 1, 0,
		0x40, BGP_ATTR_AS_PATH, 6, BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xf2,
		0x40, BGP_ATTR_NEXT_HOP, 4, 192, 0, 2, 1,
	};
	static const uint8_t nlri[] = { 8, 10 };
	struct wbuf w = wbuf_make(buf, cap);
	size_t start = bgp_msg_begin(&w, BGP_UPDATE);

	wbuf_u16(&w, 0);
	wbuf_u16(&w, sizeof attrs);
	wbuf_bytes(&w, attrs, sizeof attrs);
	wbuf_bytes(&w, nlri, sizeof nlri);
	bgp_msg_finish(&w, start);
	ck_assert(!w.overflow);
	return w.len;
}

#endif
