/*
 * test_handover_state.c — the upgrade's state (muxd/handover_state.h):
 * what is written reads back the same; a cut, bent or foreign state is
 * refused with a reason, never read past its end.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/handover_state.h"
#include "tests/unit/check_run.h"

static struct handover_listener ls[3];
static const uint8_t open_rx[] = { 0xff, 0xff, 0, 29, 1, 4 }, open_tx[] = { 9, 8, 7 };
static const uint8_t unread[] = { 0xff, 0xff, 0xff }, table[] = "RIBSNAP1 and so on";

static struct handover_state sample(void)
{
	struct handover_state s = { .generation = 7, .started = 0x123456789aULL,
	    .old_pid = 4242, .nfds = 6, .listeners = ls, .nlisteners = 3 };

	ck_assert(sockaddr_parse("127.0.230.1", 179, &ls[0].addr));
	ck_assert(sockaddr_parse("::1", 8179, &ls[1].addr));
	ck_assert(sockaddr_parse("0.0.0.0", 1790, &ls[2].addr));
	ls[0].fd_index = 3;
	ls[1].fd_index = 4;
	ls[2].fd_index = 5;
	return s;
}

static uint8_t *encoded(const struct handover_state *s, size_t *len)
{
	*len = handover_state_size(s);
	uint8_t *buf = malloc(*len);
	ck_assert_uint_eq(handover_state_encode(s, buf, *len), *len);
	return buf;
}

START_TEST(round_trip)
{
	struct handover_state s = sample(), d;
	size_t len;
	uint8_t *buf = encoded(&s, &len);
	char why[200];

	ck_assert_msg(handover_state_decode(buf, len, &d, why, sizeof why), "%s", why);
	ck_assert_uint_eq(d.generation, 7);
	ck_assert(d.started == 0x123456789aULL);
	ck_assert_uint_eq(d.old_pid, 4242);
	ck_assert_uint_eq(d.nfds, 6);
	ck_assert_uint_eq(d.nlisteners, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(d.listeners[i].fd_index, ls[i].fd_index);
		ck_assert(sockaddr_equal(&d.listeners[i].addr, &ls[i].addr));
	}
	handover_state_release(&d);
	free(buf);
}
END_TEST

static struct handover_session sess[2];
static struct handover_view views[1];

/* sample() with two sessions (an upstream's, a client's) and a view. */
static struct handover_state with_sessions(void)
{
	struct handover_state s = sample();

	s.nfds = 8;
	memset(sess, 0, sizeof sess);
	sess[0] = (struct handover_session){ .fd_index = 6, .kind = HANDOVER_UPSTREAM,
	    .id = 1, .uptime = 3600, .initiated_locally = true, .open_rx = open_rx,
	    .open_rx_len = sizeof open_rx, .open_tx = open_tx, .open_tx_len = sizeof open_tx,
	    .unread = unread, .unread_len = sizeof unread };
	snprintf(sess[0].owner, sizeof sess[0].owner, "isp-a");
	sess[0].rx.msgs[2] = 1000000;
	sess[0].tx.bytes = 1ULL << 40;
	sess[1] = (struct handover_session){ .fd_index = 7, .kind = HANDOVER_CLIENT,
	    .id = 2, .open_rx = open_tx, .open_rx_len = sizeof open_tx, .open_tx = open_rx,
	    .open_tx_len = sizeof open_rx, .unwritten = unread, .unwritten_len = 2 };
	sess[1].refreshing = true;
	sess[1].refresh_afi = 2;
	snprintf(sess[1].owner, sizeof sess[1].owner, "vnet-1");
	snprintf(sess[1].instance, sizeof sess[1].instance, "isp-a");
	snprintf(views[0].name, sizeof views[0].name, "isp-a");
	views[0].table = table;
	views[0].table_len = sizeof table;
	s.sessions = sess;
	s.nsessions = 2;
	s.views = views;
	s.nviews = 1;
	return s;
}

static void same_session(const struct handover_session *a, const struct handover_session *b)
{
	ck_assert(a->fd_index == b->fd_index && a->kind == b->kind && a->id == b->id &&
	    a->uptime == b->uptime && a->initiated_locally == b->initiated_locally &&
	    a->refreshing == b->refreshing && a->refresh_afi == b->refresh_afi);
	ck_assert_str_eq(a->owner, b->owner);
	ck_assert_str_eq(a->instance, b->instance);
	ck_assert(memcmp(&a->rx, &b->rx, sizeof a->rx) == 0);
	ck_assert(memcmp(&a->tx, &b->tx, sizeof a->tx) == 0);
	ck_assert(a->open_rx_len == b->open_rx_len && !memcmp(a->open_rx, b->open_rx, a->open_rx_len));
	ck_assert(a->open_tx_len == b->open_tx_len && !memcmp(a->open_tx, b->open_tx, a->open_tx_len));
	ck_assert(a->unread_len == b->unread_len &&
	    (a->unread_len == 0 || !memcmp(a->unread, b->unread, a->unread_len)));
	ck_assert(a->unwritten_len == b->unwritten_len &&
	    (a->unwritten_len == 0 || !memcmp(a->unwritten, b->unwritten, a->unwritten_len)));
}

START_TEST(sessions_and_views_round_trip)
{
	struct handover_state s = with_sessions(), d;
	size_t len;
	uint8_t *buf = encoded(&s, &len);
	char why[200];

	ck_assert_msg(handover_state_decode(buf, len, &d, why, sizeof why), "%s", why);
	ck_assert_uint_eq(d.nsessions, 2);
	same_session(&d.sessions[0], &sess[0]);
	same_session(&d.sessions[1], &sess[1]);
	ck_assert_uint_eq(d.nviews, 1);
	ck_assert_str_eq(d.views[0].name, "isp-a");
	ck_assert(d.views[0].table_len == sizeof table &&
	    memcmp(d.views[0].table, table, sizeof table) == 0);
	handover_state_release(&d);
	/* every cut of it refused too */
	for (size_t cut = 0; cut < len; cut++) {
		ck_assert(!handover_state_decode(buf, cut, &d, why, sizeof why));
	}
	free(buf);
}
END_TEST

/* Two records naming one descriptor: two objects would adopt it. */
START_TEST(descriptor_named_twice_refused)
{
	struct handover_state s = with_sessions(), d;
	size_t len;
	char why[200];

	sess[1].fd_index = ls[0].fd_index;
	uint8_t *buf = encoded(&s, &len);
	ck_assert(!handover_state_decode(buf, len, &d, why, sizeof why));
	ck_assert_msg(strstr(why, "named twice") != NULL, "%s", why);
	free(buf);
}
END_TEST

START_TEST(short_buffer_writes_nothing_claimed)
{
	struct handover_state s = sample();
	size_t len = handover_state_size(&s);
	uint8_t *buf = malloc(len);

	ck_assert_uint_eq(handover_state_encode(&s, buf, len - 1), 0);
	free(buf);
}
END_TEST

/* Every cut of a good state is refused: the total length says so. */
START_TEST(truncated_refused)
{
	struct handover_state s = sample(), d;
	size_t len;
	uint8_t *buf = encoded(&s, &len);
	char why[200];

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		ck_assert_msg(!handover_state_decode(copy, cut, &d, why, sizeof why),
		    "accepted %zu of %zu bytes", cut, len);
		ck_assert(why[0] != '\0');
		free(copy);
	}
	free(buf);
}
END_TEST

START_TEST(garbage_refused)
{
	struct handover_state d;
	char why[200];
	uint8_t junk[64];

	memset(junk, 0xa5, sizeof junk);
	ck_assert(!handover_state_decode(junk, sizeof junk, &d, why, sizeof why));
	ck_assert(strstr(why, "not a muxd handover state") != NULL);
}
END_TEST

/* Byte 8-9 is the version; 22 onwards the process record's body. */
START_TEST(newer_version_refused)
{
	struct handover_state s = sample(), d;
	size_t len;
	uint8_t *buf = encoded(&s, &len);
	char why[200];

	buf[9] = HANDOVER_VERSION + 1;
	ck_assert(!handover_state_decode(buf, len, &d, why, sizeof why));
	ck_assert(strstr(why, "newer") != NULL);
	free(buf);
}
END_TEST

START_TEST(index_outside_refused)
{
	struct handover_state s = sample(), d;
	size_t len;
	char why[200];

	ls[1].fd_index = 6;     /* nfds is 6: indices 0..5 */
	uint8_t *buf = encoded(&s, &len);
	ck_assert(!handover_state_decode(buf, len, &d, why, sizeof why));
	ck_assert(strstr(why, "descriptor index") != NULL);
	free(buf);
}
END_TEST

/* A record type this build does not know (a newer writer's) is skipped. */
START_TEST(unknown_record_skipped)
{
	struct handover_state s = sample(), d;
	size_t len;
	uint8_t *buf = encoded(&s, &len);
	uint8_t extra[] = { 0xee, 0, 0, 0, 3, 1, 2, 3 };
	uint8_t *longer = malloc(len + sizeof extra);
	char why[200];

	memcpy(longer, buf, len);
	memcpy(longer + len, extra, sizeof extra);
	size_t total = len + sizeof extra;
	longer[12] = (uint8_t)(total >> 24);
	longer[13] = (uint8_t)(total >> 16);
	longer[14] = (uint8_t)(total >> 8);
	longer[15] = (uint8_t)total;
	ck_assert_msg(handover_state_decode(longer, total, &d, why, sizeof why), "%s", why);
	ck_assert_uint_eq(d.nlisteners, 3);
	handover_state_release(&d);
	free(longer);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handover_state");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, sessions_and_views_round_trip);
	tcase_add_test(tc, descriptor_named_twice_refused);
	tcase_add_test(tc, short_buffer_writes_nothing_claimed);
	tcase_add_test(tc, truncated_refused);
	tcase_add_test(tc, garbage_refused);
	tcase_add_test(tc, newer_version_refused);
	tcase_add_test(tc, index_outside_refused);
	tcase_add_test(tc, unknown_record_skipped);
	suite_add_tcase(s, tc);
	return check_run(s);
}
