/*
 * test_stream_feed.c — the live stream's feed side in one process: a
 * view's feed, the stream on an evhttp server on loopback, and an NDJSON
 * subscriber reading it over TCP.
 *   - the stream wants nothing of a view's feed while it has no
 *     subscriber (the view then publishes no UPDATE and no message for
 *     it), everything it shows while one is connected, nothing again once
 *     the last has left;
 *   - what it shows of the feed's events, in order, with includeRaw: OPEN
 *     and NOTIFICATION both ways, KEEPALIVE received only (not sent, and
 *     no ROUTE-REFRESH), the UPDATE with its raw bytes, the session's ups
 *     and downs; each "raw" is the event's message;
 *   - with a small stream.max_queue, a subscriber that keeps up gets every
 *     UPDATE in order while one that does not read loses what would
 *     take its queue past the bound, and once it reads, one ris_error
 *     tells it how many: what it got and what it was told it lost add up
 *     to what was published, in order.
 */
#include <check.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/bgp/bgp_msg.h"
#include "views/view.h"
#include "web/stream.h"
#include "tests/unit/check_run.h"

#define WANTED (FEED_MASK(FEED_UPDATE) | FEED_MASK(FEED_MESSAGE) | \
	FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN))

static struct event_base *base;
static struct evhttp *http;
static struct stream *st;
static struct view *view;
static uint16_t port;
static char got[1 << 16];               /* what the subscriber read */
static size_t got_len;
static size_t queue_limit;              /* stream.max_queue: 0, the default */

static const uint8_t header_only[BGP_HEADER_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19, 0,
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
/* OPEN: AS 65010, hold 90, id 10.0.0.2, no capabilities */
static const uint8_t open_msg[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 29, BGP_OPEN,
	4, 0xfd, 0xf2, 0, 90, 10, 0, 0, 2, 0,
};
/* NOTIFICATION Cease / Administrative Shutdown */
static const uint8_t notification[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 21, BGP_NOTIFICATION,
	6, 2,
};

static void setup(void)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, 0x01020304, NULL, NULL, NULL };
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	base = event_base_new();
	memset(&nc, 0, sizeof nc);
	nc.name = "isp-f";
	ck_assert(sockaddr_parse("192.0.2.7", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.hold_time = 90;
	nc.families[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	nc.family_count = 1;
	view = view_new(base, &nc, &local, VIEW_UPSTREAM, NULL, NULL); /* never started */
	http = evhttp_new(base);
	struct evhttp_bound_socket *b = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(b);
	ck_assert(getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	st = stream_new(base, queue_limit, 0);
	ck_assert(st && stream_attach(st, http));
	stream_view_add(st, view);
	got_len = 0;
}

static void teardown(void)
{
	stream_free(st);
	view_shutdown(view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	event_base_loop(base, EVLOOP_NONBLOCK);
	evhttp_free(http);
	event_base_free(base);
}

/* Run the loop, reading fd (if ≥ 0) into got, until done() or 5 s. */
static void pump(int fd, bool (*done)(void))
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done()) {
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		ssize_t n = fd < 0 ? 0 : read(fd, got + got_len, sizeof got - 1 - got_len);
		if (n > 0)
			got_len += (size_t)n;
		got[got_len] = '\0';
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - t0.tv_sec < 5, "nothing came in 5 s: %s", got);
		usleep(1000);
	}
}

/* rcvbuf: the subscriber's socket receive buffer (0: the system's). */
static int subscribe_with(const char *query, int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[256];

	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

	ck_assert(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	int n = snprintf(req, sizeof req, "GET /v1/stream/?%s HTTP/1.1\r\nHost: t\r\n\r\n", query);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	return fd;
}

static int subscribe(const char *query)
{
	return subscribe_with(query, 0);
}

static bool headers_in(void) { return strstr(got, "\r\n\r\n") != NULL; }
static bool stream_wants(void) { return feed_wants(view_feed(view), WANTED); }
static bool stream_wants_nothing(void) { return !feed_wants(view_feed(view), FEED_MASK_ALL); }
static size_t want_lines;
static bool lines_in(void)
{
	const char *body = strstr(got, "\r\n\r\n");
	size_t n = 0;
	for (const char *p = body ? body + 4 : got + got_len; *p; p++)
		n += *p == '\n';
	return n >= want_lines;
}

START_TEST(follows_while_subscribed)
{
	ck_assert(stream_wants_nothing());
	int fd = subscribe("format=json");
	pump(fd, headers_in);
	ck_assert(strstr(got, "200 OK") != NULL);
	ck_assert(stream_wants());
	ck_assert_uint_eq(feed_subscribers(view_feed(view)), 1);
	close(fd);
	pump(-1, stream_wants_nothing);
	/* still subscribed, wanting nothing: the view's subscriber count holds */
	ck_assert_uint_eq(feed_subscribers(view_feed(view)), 1);
}
END_TEST

static void publish_message(bool sent, const uint8_t *msg, size_t len)
{
	struct feed_event ev = { .type = FEED_MESSAGE, .sent = sent, .raw = msg,
		.raw_len = (uint16_t)len };
	feed_publish(view_feed(view), &ev);
}

static void publish_update(void)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct session_negotiated neg = { .as4 = true };
	struct bgp_update u;
	struct bgp_err e;

	neg.rx = (struct bgp_codec_ctx){ .as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN };
	ck_assert(bgp_update_decode(update + BGP_HEADER_LEN, sizeof update - BGP_HEADER_LEN,
	    &neg.rx, scratch, sizeof scratch, &u, &e));
	u.msg = (struct bgp_bytes){ update, sizeof update };
	struct feed_event ev = { .type = FEED_UPDATE, .update = &u, .neg = &neg,
		.raw = update, .raw_len = sizeof update };
	feed_publish(view_feed(view), &ev);
}

static void publish_state(enum feed_event_type type)
{
	struct feed_event ev = { .type = type, .reason = "test" };
	feed_publish(view_feed(view), &ev);
}

static char *hex(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 1);
	for (size_t i = 0; i < len; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	return s;
}

/* The next NDJSON line's data: type, direction (or state), raw. */
static void expect(const char **line, const char *type, const char *dir,
    const uint8_t *raw, size_t raw_len)
{
	json_error_t err;
	const char *end = strchr(*line, '\n');
	ck_assert_ptr_nonnull(end);
	json_t *j = json_loadb(*line, (size_t)(end - *line), 0, &err);
	json_t *d = json_object_get(j, "data");

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(json_string_value(json_object_get(d, "type")), type);
	ck_assert_str_eq(json_string_value(json_object_get(d, "host")), "isp-f");
	ck_assert_str_eq(json_string_value(json_object_get(d, "peer")), "192.0.2.7");
	if (dir)
		ck_assert_str_eq(json_string_value(json_object_get(d,
		    strcmp(type, "RIS_PEER_STATE") ? "direction" : "state")), dir);
	if (raw) {
		char *want = hex(raw, raw_len);
		ck_assert_str_eq(json_string_value(json_object_get(d, "raw")), want);
		free(want);
	} else {
		ck_assert_ptr_null(json_object_get(d, "raw"));
	}
	json_decref(j);
	*line = end + 1;
}

START_TEST(what_it_shows)
{
	uint8_t keepalive[BGP_HEADER_LEN], refresh[BGP_HEADER_LEN + 4];

	memcpy(keepalive, header_only, sizeof keepalive);
	keepalive[18] = BGP_KEEPALIVE;
	memcpy(refresh, header_only, BGP_HEADER_LEN);
	refresh[17] = sizeof refresh;
	refresh[18] = BGP_ROUTE_REFRESH;
	memcpy(refresh + BGP_HEADER_LEN, (uint8_t[]){ 0, 1, 0, 1 }, 4);

	int fd = subscribe("format=json&includeRaw=true");
	pump(fd, headers_in);
	publish_message(true, open_msg, sizeof open_msg);
	publish_message(false, open_msg, sizeof open_msg);
	publish_message(true, keepalive, sizeof keepalive);     /* not shown */
	publish_message(false, keepalive, sizeof keepalive);
	publish_state(FEED_SESSION_UP);
	publish_message(false, refresh, sizeof refresh);        /* not shown */
	publish_update();
	publish_message(true, notification, sizeof notification);
	publish_message(false, notification, sizeof notification);
	publish_state(FEED_SESSION_DOWN);
	want_lines = 8;
	pump(fd, lines_in);

	const char *line = strstr(got, "\r\n\r\n") + 4;
	expect(&line, "OPEN", "sent", open_msg, sizeof open_msg);
	expect(&line, "OPEN", "received", open_msg, sizeof open_msg);
	expect(&line, "KEEPALIVE", NULL, keepalive, sizeof keepalive);
	expect(&line, "RIS_PEER_STATE", "connected", NULL, 0);
	expect(&line, "UPDATE", NULL, update, sizeof update);
	expect(&line, "NOTIFICATION", "sent", notification, sizeof notification);
	expect(&line, "NOTIFICATION", "received", notification, sizeof notification);
	expect(&line, "RIS_PEER_STATE", "down", NULL, 0);
	ck_assert_str_eq(line, "");
	close(fd);
}
END_TEST

/* An NDJSON subscriber read line by line: the UPDATEs it got (their ids'
 * sequence numbers must grow), the ris_error notices of messages lost. */
struct line_reader {
	int fd;
	char buf[1 << 16];
	size_t len;
	bool past_headers, in_order;
	unsigned long long updates, last_seq, notices, dropped, dropped_total;
};

static void line_seen(struct line_reader *r, const char *line, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(line, len, 0, &err);
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *d = json_object_get(j, "data");

	ck_assert_msg(type != NULL, "not a message: %.*s", (int)len, line);
	if (strcmp(type, "ris_message") == 0) {
		const char *id = json_string_value(json_object_get(d, "id"));
		unsigned long long seq = strtoull(strrchr(id, '-') + 1, NULL, 16);
		r->in_order &= seq > r->last_seq;
		r->last_seq = seq;
		r->updates++;
	} else if (strcmp(type, "ris_error") == 0) {
		r->notices++;
		r->dropped += (unsigned long long)json_integer_value(json_object_get(d, "dropped"));
		r->dropped_total = (unsigned long long)json_integer_value(
		    json_object_get(d, "dropped_total"));
	}
	json_decref(j);
}

static void line_read(struct line_reader *r)
{
	ssize_t n;

	while ((n = read(r->fd, r->buf + r->len, sizeof r->buf - r->len)) > 0) {
		r->len += (size_t)n;
		char *p = r->buf, *end = r->buf + r->len, *nl;
		if (!r->past_headers) {
			char *h = memmem(p, r->len, "\r\n\r\n", 4);
			if (h == NULL)
				continue;
			r->past_headers = true;
			p = h + 4;
		}
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			line_seen(r, p, (size_t)(nl - p));
			p = nl + 1;
		}
		r->len = (size_t)(end - p);
		memmove(r->buf, p, r->len);
	}
}

static struct line_reader fast, slow;
static unsigned long long want_updates;
static bool reading_slow;

static bool fast_has_all(void) { return fast.updates >= want_updates; }
static bool both_in(void) { return fast.past_headers && slow.past_headers; }
static bool slow_accounted(void)
{
	return slow.notices > 0 && slow.updates + slow.dropped_total >= want_updates;
}

/* Run the loop and the readers (slow only while reading_slow). */
static void pump_readers(bool (*done)(void))
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done()) {
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		line_read(&fast);
		if (reading_slow)
			line_read(&slow);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec - t0.tv_sec < 10, "not done in 10 s: fast %llu, "
		    "slow %llu + %llu dropped", fast.updates, slow.updates, slow.dropped_total);
		usleep(500);
	}
}

START_TEST(slow_subscriber_loses_fast_one_gets_all)
{
	const unsigned batches = 40, per_batch = 100;

	memset(&fast, 0, sizeof fast);
	memset(&slow, 0, sizeof slow);
	fast.in_order = slow.in_order = true;
	fast.fd = subscribe("format=json");
	slow.fd = subscribe_with("format=json", 4096);
	reading_slow = true;
	pump_readers(both_in);
	reading_slow = false;                   /* from now on it reads nothing */
	for (unsigned b = 0; b < batches; b++) {
		for (unsigned i = 0; i < per_batch; i++)
			publish_update();
		want_updates = (unsigned long long)(b + 1) * per_batch;
		pump_readers(fast_has_all);
	}
	ck_assert_uint_eq(fast.updates, batches * per_batch);
	ck_assert(fast.in_order);
	ck_assert_uint_eq(fast.notices, 0);

	reading_slow = true;
	pump_readers(slow_accounted);
	ck_assert_uint_gt(slow.dropped_total, 0);
	ck_assert_uint_lt(slow.updates, batches * per_batch);
	ck_assert_uint_eq(slow.updates + slow.dropped_total, batches * per_batch);
	ck_assert_uint_eq(slow.dropped, slow.dropped_total);
	ck_assert(slow.in_order);
	close(fast.fd);
	close(slow.fd);
}
END_TEST

static void setup_small_queue(void)
{
	queue_limit = 64 * 1024;
	setup();
}

static Suite *stream_feed_suite(void)
{
	Suite *s = suite_create("stream_feed");
	TCase *t = tcase_create("feed");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, follows_while_subscribed);
	tcase_add_test(t, what_it_shows);
	suite_add_tcase(s, t);
	t = tcase_create("max_queue");
	tcase_add_checked_fixture(t, setup_small_queue, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, slow_subscriber_loses_fast_one_gets_all);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(stream_feed_suite());
}
