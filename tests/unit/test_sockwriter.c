/*
 * test_sockwriter.c — feed readers' output (muxd/lib/sockwriter.h), with
 * its thread and without one (the loop writes), over socketpairs:
 *   - a reader that keeps up gets every message, framing and shared body,
 *     byte for byte in order, from several queues sharing the messages;
 *     with the thread, also while it writes and readers read on threads
 *     of their own (queueing takes no lock: the entries cross many
 *     blocks as the thread frees the ones written);
 *   - a reader that stops reading keeps the rest queued, and the news it
 *     was armed for (low mark, empty) comes once it reads again, once;
 *   - a reader that closes is SW_NEWS_ERROR, once, with errno;
 *   - discard drops what is queued; a connection freed while its
 *     thread writes is let go of first (many readers, freed mid-stream);
 *   - drain (at exit) returns once a reader has read it all, and gives
 *     up at its deadline on a reader that reads nothing, at once on one
 *     that has closed.
 * Built with -fsanitize=thread it checks the locking too (README of
 * `make tsan`).
 */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "muxd/lib/sockwriter.h"
#include "tests/unit/check_run.h"

#define READERS 4

struct reader {
	int fd[2];                      /* [0] the writer's, [1] the reader's */
	struct swconn *c;
	char *got;
	size_t got_len, got_cap;
	unsigned news, news_calls;
	int err;
};

static struct event_base *base;
static struct swriter *w;
static struct reader rd[READERS];
static bool threaded;

static void news_cb(struct swconn *c, unsigned news, int err, void *arg)
{
	struct reader *r = arg;
	(void)c;
	r->news |= news;
	r->news_calls++;
	if (news & SW_NEWS_ERROR)
		r->err = err;
}

static void open_reader(struct reader *r, int rcvbuf)
{
	memset(r, 0, sizeof *r);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, r->fd), 0);
	fcntl(r->fd[0], F_SETFL, O_NONBLOCK);
	fcntl(r->fd[1], F_SETFL, O_NONBLOCK);
	if (rcvbuf) {
		setsockopt(r->fd[0], SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
		setsockopt(r->fd[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	r->c = swconn_new(w, r->fd[0], 1000, r);
	ck_assert_ptr_nonnull(r->c);
}

static void close_reader(struct reader *r)
{
	swconn_free(r->c);
	r->c = NULL;
	close(r->fd[0]);
	if (r->fd[1] >= 0)
		close(r->fd[1]);
	free(r->got);
}

static void setup_with(bool thread)
{
	signal(SIGPIPE, SIG_IGN);
	threaded = thread;
	base = event_base_new();
	w = swriter_new(base, news_cb, thread, "test");
	ck_assert_ptr_nonnull(w);
	ck_assert(swriter_threaded(w) == thread);
	for (int i = 0; i < READERS; i++)
		open_reader(&rd[i], 0);
}

static void setup_threaded(void) { setup_with(true); }
static void setup_loop(void) { setup_with(false); }

static void teardown(void)
{
	for (int i = 0; i < READERS; i++)
		close_reader(&rd[i]);
	swriter_free(w);
	event_base_free(base);
}

/* Read what is there into r->got. */
static void drain(struct reader *r)
{
	for (;;) {
		if (r->got_cap - r->got_len < 65536) {
			r->got_cap = r->got_cap * 2 + 65536;
			r->got = realloc(r->got, r->got_cap);
		}
		ssize_t n = read(r->fd[1], r->got + r->got_len, r->got_cap - r->got_len);
		if (n <= 0)
			return;
		r->got_len += (size_t)n;
	}
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Run the loop (its news, its writes without a thread) and read the
 * readers in reading[], until done() or 5 s. */
static void pump(const bool *reading, bool (*done)(void))
{
	double t0 = now_s();

	while (!done()) {
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		for (int i = 0; i < READERS; i++)
			if (reading[i])
				drain(&rd[i]);
		ck_assert_msg(now_s() - t0 < 5, "not done in 5 s");
		usleep(500);
	}
}

/* Run the loop for ms, reading nothing. */
static void idle_ms(int ms)
{
	double t0 = now_s();
	while (now_s() - t0 < ms / 1000.0) {
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		usleep(500);
	}
}

/* c has written len bytes, all it had: once the thread has counted what
 * its last writev took (a reader may have read it already), at most 5 s. */
static void written_all(struct swconn *c, size_t len)
{
	double t0 = now_s();

	while (swconn_written(c) < len && now_s() - t0 < 5)
		usleep(1000);
	ck_assert_uint_eq(swconn_written(c), len);
	ck_assert_uint_eq(swconn_queued(c), 0);
}

/* swconn_drain with a deadline ms from now. */
static bool drain_ms(struct swconn *c, int ms)
{
	struct timespec d = swriter_deadline(ms);

	return swconn_drain(c, &d);
}

static size_t want_len;
static bool all_read(void)
{
	for (int i = 0; i < READERS; i++)
		if (rd[i].got_len < want_len)
			return false;
	return true;
}

/* Message i: a body of its own length, shared by every queue. */
static struct swmsg *message(unsigned i)
{
	char buf[600];
	int n = snprintf(buf, sizeof buf, "{\"n\":%u,\"pad\":\"%*s\"}", i, (int)(i % 500), "");
	return swmsg_copy(buf, (size_t)n);
}

/* (Even messages go to the readers in one swriter_push_many, odd ones
 * one swconn_push each.) */
START_TEST(every_message_in_order)
{
	const unsigned n = 20000;
	char *want = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&want, &len);
	bool reading[READERS] = { true, true, true, true };

	for (unsigned i = 0; i < n; i++) {
		struct swmsg *m = message(i);
		uint8_t head[2] = { 0x81, (uint8_t)(i & 0x7f) };
		if (i % 2) {
			for (int r = 0; r < READERS; r++)
				ck_assert(swconn_push(rd[r].c, head, 2, m, "\n", 1));
		} else {        /* every reader at once: the same bytes */
			struct swpush p[READERS];
			for (int r = 0; r < READERS; r++) {
				p[r] = (struct swpush){ .c = rd[r].c, .hlen = 2, .tail = "\n",
				    .tlen = 1, .ok = false };
				memcpy(p[r].head, head, 2);
			}
			swriter_push_many(w, p, READERS, m);
			for (int r = 0; r < READERS; r++)
				ck_assert(p[r].ok);
		}
		fputc(head[0], f);
		fputc(head[1], f);
		fwrite(swmsg_data(m), 1, swmsg_len(m), f);
		fputc('\n', f);
		swmsg_unref(m);
		if (i % 1000 == 999) {  /* the readers read while messages come */
			fflush(f);
			want_len = len;
			pump(reading, all_read);
		}
	}
	fclose(f);
	want_len = len;
	pump(reading, all_read);
	for (int r = 0; r < READERS; r++) {
		ck_assert_uint_eq(rd[r].got_len, len);
		ck_assert(memcmp(rd[r].got, want, len) == 0);
		written_all(rd[r].c, len);
		ck_assert_uint_eq(rd[r].news, 0);       /* nothing armed, no error */
	}
	free(want);
}
END_TEST

/* A reader on a thread of its own: reads until it has want bytes or 20 s
 * pass. */
static void *read_on_thread(void *arg)
{
	struct reader *r = arg;
	double t0 = now_s();

	while (r->got_len < want_len && now_s() - t0 < 20) {
		struct pollfd p = { r->fd[1], POLLIN, 0 };
		(void)poll(&p, 1, 100);
		drain(r);
	}
	return NULL;
}

/* The loop queues small messages as fast as it can while the thread
 * writes them and the readers read: every reader gets every byte in
 * order. */
START_TEST(queued_while_the_thread_writes)
{
	const unsigned n = 60000;
	char *want = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&want, &len);
	pthread_t th[READERS];

	for (unsigned i = 0; i < n; i++) {  /* the bytes first: readers know when to stop */
		fprintf(f, "%u\n", i);
	}
	fclose(f);
	want_len = len;
	for (int r = 0; r < READERS; r++)
		ck_assert_int_eq(pthread_create(&th[r], NULL, read_on_thread, &rd[r]), 0);
	for (unsigned i = 0; i < n; i++) {
		char text[16];
		int tl = snprintf(text, sizeof text, "%u", i);
		struct swmsg *m = swmsg_copy(text, (size_t)tl);
		struct swpush p[READERS];
		for (int r = 0; r < READERS; r++)
			p[r] = (struct swpush){ .c = rd[r].c, .tail = "\n", .tlen = 1 };
		swriter_push_many(w, p, READERS, m);
		for (int r = 0; r < READERS; r++)
			ck_assert(p[r].ok);
		swmsg_unref(m);
	}
	for (int r = 0; r < READERS; r++)
		pthread_join(th[r], NULL);
	for (int r = 0; r < READERS; r++) {
		ck_assert_uint_eq(rd[r].got_len, len);
		ck_assert(memcmp(rd[r].got, want, len) == 0);
		written_all(rd[r].c, len);
	}
	free(want);
}
END_TEST

static bool r0_took_some(void) { return swconn_written(rd[0].c) > 0; }

/* Wait until the writer has written to rd[0] all its socket takes: its
 * count stays put for 50 ms (and the thread is not in a writev). */
static void until_socket_full(void)
{
	bool none[READERS] = { false };
	uint64_t before;

	pump(none, r0_took_some);
	do {
		before = swconn_written(rd[0].c);
		idle_ms(50);
	} while (swconn_written(rd[0].c) != before);
}

static bool r0_empty_told(void) { return rd[0].news & SW_NEWS_EMPTY; }
static size_t r0_want;
static bool r0_read(void) { return rd[0].got_len >= r0_want; }
static unsigned r0_calls_want;
static bool r0_calls(void) { return rd[0].news_calls >= r0_calls_want; }

START_TEST(stalled_reader_then_news_once)
{
	bool none[READERS] = { false }, first[READERS] = { true };
	char chunk[4000];
	size_t pushed = 0;

	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 200; i++) {         /* 800 KB: more than the socket holds */
		ck_assert(swconn_add(rd[0].c, chunk, sizeof chunk));
		pushed += sizeof chunk;
	}
	until_socket_full();
	size_t queued = swconn_queued(rd[0].c);
	ck_assert_uint_gt(queued, 1000);
	ck_assert_uint_lt(queued, pushed);      /* the socket took some */
	ck_assert_uint_eq(swconn_written(rd[0].c) + queued, pushed);
	swconn_arm(rd[0].c, SW_NEWS_LOW | SW_NEWS_EMPTY);
	idle_ms(50);
	ck_assert_uint_eq(rd[0].news, 0);       /* not read: neither low nor empty */

	pump(first, r0_empty_told);             /* read it all */
	ck_assert_uint_eq(rd[0].got_len, pushed);
	ck_assert(rd[0].news & SW_NEWS_LOW);
	ck_assert(!(rd[0].news & SW_NEWS_ERROR));
	ck_assert_uint_le(rd[0].news_calls, 2);
	unsigned calls = rd[0].news_calls;

	ck_assert(swconn_add(rd[0].c, "more", 4));
	r0_want = pushed + 4;
	pump(first, r0_read);
	idle_ms(50);
	ck_assert_uint_eq(rd[0].news_calls, calls);     /* armed once, told once */

	swconn_arm(rd[0].c, SW_NEWS_EMPTY);     /* already empty: told at once */
	r0_calls_want = calls + 1;
	pump(none, r0_calls);
	ck_assert_uint_eq(rd[0].news_calls, calls + 1);
}
END_TEST

START_TEST(closed_reader_is_an_error_once)
{
	bool none[READERS] = { false };

	close(rd[0].fd[1]);
	rd[0].fd[1] = -1;
	ck_assert(swconn_add(rd[0].c, "lost", 4));
	swconn_flush(rd[0].c);
	r0_calls_want = 1;
	pump(none, r0_calls);
	ck_assert(rd[0].news & SW_NEWS_ERROR);
	ck_assert(rd[0].err == EPIPE || rd[0].err == ECONNRESET);
	ck_assert(swconn_add(rd[0].c, "more", 4));
	swconn_flush(rd[0].c);
	idle_ms(50);
	ck_assert_uint_eq(rd[0].news_calls, 1);
	ck_assert_uint_eq(swconn_written(rd[0].c), 0);
}
END_TEST

START_TEST(discard_drops_what_is_queued)
{
	bool reading[READERS] = { true };
	char chunk[4000];

	memset(chunk, 'y', sizeof chunk);
	for (int i = 0; i < 200; i++)
		swconn_add(rd[0].c, chunk, sizeof chunk);
	until_socket_full();
	swconn_discard(rd[0].c);                /* waits for a writev in progress */
	uint64_t written = swconn_written(rd[0].c);
	ck_assert_uint_eq(swconn_queued(rd[0].c), 0);
	r0_want = written;
	pump(reading, r0_read);
	idle_ms(50);
	drain(&rd[0]);
	ck_assert_uint_eq(rd[0].got_len, written);      /* nothing after the discard */
	ck_assert(swconn_add(rd[0].c, "z", 1));         /* still usable */
	r0_want = written + 1;
	pump(reading, r0_read);
}
END_TEST

/* Readers freed while the thread writes to them: swconn_free waits for
 * the writev in progress, and nothing is written after it returns (the
 * socket is closed right after, as the stream closes a subscriber's). */
START_TEST(freed_while_writing)
{
	char chunk[2000];

	memset(chunk, 'z', sizeof chunk);
	for (int round = 0; round < 50; round++) {
		struct reader extra[8];
		for (int i = 0; i < 8; i++) {
			open_reader(&extra[i], 0);
			for (int k = 0; k < 40; k++)
				swconn_add(extra[i].c, chunk, sizeof chunk);
			swconn_flush(extra[i].c);
		}
		for (int i = 0; i < 8; i++) {
			drain(&extra[i]);
			close_reader(&extra[i]);
		}
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	}
}
END_TEST

/* A reader on a thread of its own, as a collector reads while muxd
 * exits: it reads until it has want bytes or 5 s pass. */
struct side_reader {
	struct reader *r;
	size_t want;
};

static void *side_read(void *arg)
{
	struct side_reader *s = arg;
	double t0 = now_s();

	while (s->r->got_len < s->want && now_s() - t0 < 5) {
		drain(s->r);
		usleep(200);
	}
	return NULL;
}

START_TEST(drain_waits_for_the_reader_or_its_deadline)
{
	char chunk[4000];
	size_t pushed = 0;
	pthread_t t;

	memset(chunk, 'd', sizeof chunk);
	for (int i = 0; i < 200; i++) {         /* 800 KB: more than the socket holds */
		ck_assert(swconn_add(rd[0].c, chunk, sizeof chunk));
		pushed += sizeof chunk;
	}
	/* nobody reads: it gives up at its deadline, the rest still queued */
	double t0 = now_s();
	ck_assert(!drain_ms(rd[0].c, 150));
	double took = now_s() - t0;
	ck_assert_msg(took >= 0.14 && took < 3, "gave up after %.3f s", took);
	ck_assert_uint_gt(swconn_queued(rd[0].c), 0);

	/* a reader reads: it returns with everything written */
	struct side_reader s = { &rd[0], pushed };
	ck_assert_int_eq(pthread_create(&t, NULL, side_read, &s), 0);
	bool done = drain_ms(rd[0].c, 5000);
	pthread_join(t, NULL);
	ck_assert(done);
	ck_assert_uint_eq(swconn_queued(rd[0].c), 0);
	ck_assert_uint_eq(swconn_written(rd[0].c), pushed);
	ck_assert_uint_eq(rd[0].got_len, pushed);

	/* a reader that has closed: false at once */
	close(rd[1].fd[1]);
	rd[1].fd[1] = -1;
	ck_assert(swconn_add(rd[1].c, chunk, sizeof chunk));
	t0 = now_s();
	ck_assert(!drain_ms(rd[1].c, 5000));
	ck_assert_msg(now_s() - t0 < 3, "a failed write waited for the deadline");
}
END_TEST

static Suite *sockwriter_suite(void)
{
	Suite *s = suite_create("sockwriter");
	const char *names[2] = { "thread", "loop" };
	void (*setups[2])(void) = { setup_threaded, setup_loop };

	for (int i = 0; i < 2; i++) {
		TCase *t = tcase_create(names[i]);
		tcase_add_checked_fixture(t, setups[i], teardown);
		tcase_set_timeout(t, 60);
		tcase_add_test(t, every_message_in_order);
		tcase_add_test(t, stalled_reader_then_news_once);
		tcase_add_test(t, closed_reader_is_an_error_once);
		tcase_add_test(t, discard_drops_what_is_queued);
		tcase_add_test(t, freed_while_writing);
		tcase_add_test(t, drain_waits_for_the_reader_or_its_deadline);
		if (setups[i] == setup_threaded)
			tcase_add_test(t, queued_while_the_thread_writes);
		suite_add_tcase(s, t);
	}
	return s;
}

int main(void)
{
	return check_run(sockwriter_suite());
}
