/*
 * test_view_messages.c — what a view's feed publishes of its upstream's
 * BGP messages, with the view's real peer and session on a loopback TCP
 * connection whose other end the test writes by hand:
 *   - FEED_MESSAGE for every message both ways, byte for byte, with the
 *     session, in the order they go (a received one before what it
 *     causes: the KEEPALIVE before FEED_SESSION_UP); a received UPDATE
 *     only as FEED_UPDATE, with its bytes;
 *   - two views side by side: each feed has its own session's messages
 *     and no other's (nothing process-wide);
 *   - a feed nobody asks for messages publishes none, and a subscriber
 *     that asks later (feed_set_mask) gets them from then on.
 */
#include <check.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"
#include "muxd/lib/wbuf.h"
#include "views/view.h"
#include "tests/unit/check_run.h"

#define MAX_SEEN 32
#define MSG_MAX 512

struct seen {
	enum feed_event_type type;
	bool sent;
	bool has_session;
	uint8_t raw[MSG_MAX];
	size_t raw_len;
};

struct recorder {
	struct feed_sub *sub;
	struct seen ev[MAX_SEEN];
	size_t n;
};

/* One view and the neighbor's end of its connection. */
struct upstream {
	struct view *v;
	int fd;
	struct recorder r;
	uint8_t open[MSG_MAX];          /* what the neighbor sent */
	size_t open_len;
};

static struct event_base *base;
static const uint8_t keepalive[BGP_HEADER_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19, BGP_KEEPALIVE,
};
/* 198.51.100.0/24, ORIGIN IGP, AS_PATH 65010 (4-octet), NEXT_HOP 192.0.2.1 */
static const uint8_t update[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 47, BGP_UPDATE,
	0, 0, 0, 20,
	0x40, 1, 1, 0,
	0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xf2,
	0x40, 3, 4, 192, 0, 2, 1,
	24, 198, 51, 100,
};

static void record(const struct feed_event *ev, void *arg)
{
	struct recorder *r = arg;
	struct seen *s = &r->ev[r->n];

	ck_assert_uint_lt(r->n, MAX_SEEN);
	r->n++;
	s->type = ev->type;
	s->sent = ev->sent;
	s->has_session = ev->session != NULL;
	ck_assert_uint_le(ev->raw_len, MSG_MAX);
	if (ev->raw)
		memcpy(s->raw, ev->raw, ev->raw_len);
	s->raw_len = ev->raw_len;
}

static void setup(void)
{
	base = event_base_new();
}

static void teardown(void)
{
	event_base_free(base);
}

static void view_stopped(struct view *v, void *arg);
static const struct view_ops view_ops = { .gone = view_stopped };

/* A view on a connection just accepted from the neighbor (fd). */
static void upstream_start(struct upstream *u, const char *name, unsigned mask)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL, NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), ours;

	memset(&nc, 0, sizeof nc);
	nc.name = (char *)name;
	ck_assert(sockaddr_parse("127.0.0.1", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.hold_time = 90;
	nc.connect_retry = 30;
	nc.passive = true;              /* it never connects out */
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.family_count = 1;
	u->v = view_new(base, &nc, &local, VIEW_UPSTREAM, &view_ops, NULL);
	memset(&u->r, 0, sizeof u->r);
	u->r.sub = feed_subscribe(view_feed(u->v), mask, record, &u->r);
	view_start(u->v);

	ck_assert(lfd >= 0 && bind(lfd, (struct sockaddr *)&sin, len) == 0);
	ck_assert(listen(lfd, 1) == 0 && getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
	u->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(connect(u->fd, (struct sockaddr *)&sin, len) == 0);
	ck_assert((ours = accept(lfd, NULL, NULL)) >= 0);
	close(lfd);
	fcntl(ours, F_SETFL, fcntl(ours, F_GETFL) | O_NONBLOCK);
	fcntl(u->fd, F_SETFL, fcntl(u->fd, F_GETFL) | O_NONBLOCK);
	ck_assert(peer_accept(view_peer(u->v), ours));
}

static bool stopped;

static void view_stopped(struct view *v, void *arg)
{
	(void)v;
	(void)arg;
	stopped = true;
}

/* The view leaves (its NOTIFICATION is flushed, within the session's
 * linger time) and is freed. */
static void upstream_stop(struct upstream *u)
{
	struct timespec t0, now;

	feed_unsubscribe(u->r.sub);
	stopped = false;
	view_shutdown(u->v, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	close(u->fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!stopped && now.tv_sec - t0.tv_sec < 5);
	ck_assert(stopped);
}

/* The neighbor writes msg (small: the socket takes it at once). */
static void neighbor_send(struct upstream *u, const uint8_t *msg, size_t len)
{
	ck_assert_int_eq(write(u->fd, msg, len), (ssize_t)len);
}

static void neighbor_open(struct upstream *u, uint32_t id)
{
	struct bgp_open o = { .version = 4, .my_as = 65010, .hold_time = 90, .bgp_id = id };
	struct wbuf w = wbuf_make(u->open, sizeof u->open);

	o.caps.present = BGP_CAPF_MP | BGP_CAPF_AS4;
	o.caps.mp[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	o.caps.mp_count = 1;
	o.caps.as4 = 65010;
	u->open_len = bgp_open_encode(&w, &o);
	ck_assert_uint_gt(u->open_len, 0);
	neighbor_send(u, u->open, u->open_len);
}

static void neighbor_notify(struct upstream *u, uint8_t *buf, size_t *len)
{
	struct wbuf w = wbuf_make(buf, MSG_MAX);

	*len = bgp_notification_encode(&w, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL, 0);
	neighbor_send(u, buf, *len);
}

/* Where the first event of type (and for FEED_MESSAGE, direction and
 * message type) is; -1 if none. */
static int find(const struct recorder *r, enum feed_event_type type, bool sent,
    uint8_t msg_type)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct seen *s = &r->ev[i];
		if (s->type == type && (type != FEED_MESSAGE ||
		    (s->sent == sent && s->raw_len >= BGP_HEADER_LEN && s->raw[18] == msg_type)))
			return (int)i;
	}
	return -1;
}

static size_t count(const struct recorder *r, enum feed_event_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->ev[i].type == type;
	return n;
}

/* Run the loop until each upstream's recorder has an event of type, the
 * neighbors' sockets drained meanwhile; 5 s at most. */
static void run_until(struct upstream **us, size_t n, enum feed_event_type type)
{
	struct timespec t0, now;
	uint8_t sink[4096];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool all = true;
		for (size_t i = 0; i < n; i++) {
			while (read(us[i]->fd, sink, sizeof sink) > 0)
				;
			all &= find(&us[i]->r, type, false, 0) >= 0;
		}
		if (all)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - t0.tv_sec < 5, "no event of type %d in 5 s", type);
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		usleep(1000);
	}
}

static void assert_raw(const struct seen *s, const uint8_t *msg, size_t len)
{
	ck_assert_uint_eq(s->raw_len, len);
	ck_assert_mem_eq(s->raw, msg, len);
}

#define ALL_EVENTS (FEED_MASK(FEED_MESSAGE) | FEED_MASK(FEED_UPDATE) | \
	FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN))

START_TEST(messages_both_ways)
{
	struct upstream u, *us[] = { &u };
	uint8_t notif[MSG_MAX];
	size_t notif_len;

	upstream_start(&u, "isp-m", ALL_EVENTS);
	neighbor_open(&u, 0x0a000002);
	neighbor_send(&u, keepalive, sizeof keepalive);
	run_until(us, 1, FEED_SESSION_UP);
	neighbor_send(&u, update, sizeof update);
	run_until(us, 1, FEED_UPDATE);
	neighbor_notify(&u, notif, &notif_len);
	run_until(us, 1, FEED_SESSION_DOWN);

	const struct recorder *r = &u.r;
	int open_out = find(r, FEED_MESSAGE, true, BGP_OPEN);
	int open_in = find(r, FEED_MESSAGE, false, BGP_OPEN);
	int ka_out = find(r, FEED_MESSAGE, true, BGP_KEEPALIVE);
	int ka_in = find(r, FEED_MESSAGE, false, BGP_KEEPALIVE);
	int up = find(r, FEED_SESSION_UP, false, 0);
	int upd = find(r, FEED_UPDATE, false, 0);
	int notif_in = find(r, FEED_MESSAGE, false, BGP_NOTIFICATION);
	int down = find(r, FEED_SESSION_DOWN, false, 0);
	ck_assert(open_out >= 0 && ka_out >= 0);
	ck_assert(open_in >= 0 && open_in < ka_in && ka_in < up && up < upd &&
	    upd < notif_in && notif_in < down);
	assert_raw(&r->ev[open_in], u.open, u.open_len);
	assert_raw(&r->ev[ka_in], keepalive, sizeof keepalive);
	assert_raw(&r->ev[upd], update, sizeof update);
	assert_raw(&r->ev[notif_in], notif, notif_len);
	assert_raw(&r->ev[ka_out], keepalive, sizeof keepalive);
	ck_assert_uint_eq(r->ev[open_out].raw[0], 0xff);
	/* the received UPDATE comes once, as FEED_UPDATE */
	ck_assert_int_eq(find(r, FEED_MESSAGE, false, BGP_UPDATE), -1);
	ck_assert_uint_eq(count(r, FEED_UPDATE), 1);
	for (size_t i = 0; i < r->n; i++)
		if (r->ev[i].type == FEED_MESSAGE)
			ck_assert(r->ev[i].has_session);
	upstream_stop(&u);
}
END_TEST

START_TEST(each_view_its_own)
{
	struct upstream a, b, *us[] = { &a, &b };

	upstream_start(&a, "isp-a", ALL_EVENTS);
	upstream_start(&b, "isp-b", ALL_EVENTS);
	neighbor_open(&a, 0x0a000002);
	neighbor_open(&b, 0x0a000003);
	neighbor_send(&a, keepalive, sizeof keepalive);
	neighbor_send(&b, keepalive, sizeof keepalive);
	run_until(us, 2, FEED_SESSION_UP);
	for (size_t i = 0; i < 2; i++) {
		const struct recorder *r = &us[i]->r;
		size_t opens_in = 0;
		for (size_t k = 0; k < r->n; k++) {
			const struct seen *s = &r->ev[k];
			if (s->type == FEED_MESSAGE && !s->sent && s->raw[18] == BGP_OPEN) {
				opens_in++;
				assert_raw(s, us[i]->open, us[i]->open_len);
			}
		}
		ck_assert_uint_eq(opens_in, 1);
		ck_assert_uint_eq(count(r, FEED_SESSION_UP), 1);
	}
	upstream_stop(&a);
	upstream_stop(&b);
}
END_TEST

START_TEST(messages_only_when_wanted)
{
	struct upstream u, *us[] = { &u };
	uint8_t notif[MSG_MAX];
	size_t notif_len;

	upstream_start(&u, "isp-w", FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN));
	ck_assert(!feed_wants(view_feed(u.v), FEED_MASK(FEED_MESSAGE)));
	neighbor_open(&u, 0x0a000002);
	neighbor_send(&u, keepalive, sizeof keepalive);
	run_until(us, 1, FEED_SESSION_UP);
	ck_assert_uint_eq(count(&u.r, FEED_MESSAGE), 0);
	feed_set_mask(u.r.sub, ALL_EVENTS);
	ck_assert(feed_wants(view_feed(u.v), FEED_MASK(FEED_MESSAGE)));
	neighbor_notify(&u, notif, &notif_len);
	run_until(us, 1, FEED_SESSION_DOWN);
	ck_assert_uint_eq(count(&u.r, FEED_MESSAGE), 1);
	assert_raw(&u.r.ev[find(&u.r, FEED_MESSAGE, false, BGP_NOTIFICATION)], notif, notif_len);
	feed_set_mask(u.r.sub, 0);
	ck_assert(!feed_wants(view_feed(u.v), FEED_MASK_ALL));
	upstream_stop(&u);
}
END_TEST

static Suite *view_messages_suite(void)
{
	Suite *s = suite_create("view_messages");
	TCase *t = tcase_create("feed");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, messages_both_ways);
	tcase_add_test(t, each_view_its_own);
	tcase_add_test(t, messages_only_when_wanted);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(view_messages_suite());
}
