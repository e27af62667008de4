/*
 * test_outbatch.c — paced output to a feed reader, over a socketpair:
 * small messages are not written one by one but together at the next
 * tick; a flush writes at once; a reader that stops reading keeps the
 * rest queued; a closed reader is an OUTBATCH_ERROR; finish writes all;
 * written counts what the socket took; discard drops what is queued.
 */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/lib/outbatch.h"
#include "tests/unit/check_run.h"

struct fixture {
	struct event_base *base;
	int fd[2];                      /* [0] ours, [1] the reader's */
	struct outbatch ob;
	int lows, errors;
};

static void cb(struct outbatch *ob, enum outbatch_event what, void *arg)
{
	struct fixture *f = arg;
	(void)ob;
	if (what == OUTBATCH_LOW)
		f->lows++;
	else
		f->errors++;
}

static void setup(struct fixture *f, size_t low)
{
	memset(f, 0, sizeof *f);
	f->base = event_base_new();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fd), 0);
	fcntl(f->fd[0], F_SETFL, O_NONBLOCK);
	fcntl(f->fd[1], F_SETFL, O_NONBLOCK);
	outbatch_init(&f->ob, f->base, f->fd[0], low, cb, f);
}

static void teardown(struct fixture *f)
{
	outbatch_free(&f->ob);
	close(f->fd[0]);
	if (f->fd[1] >= 0)
		close(f->fd[1]);
	event_base_free(f->base);
}

/* Run the loop for a little more than one tick. */
static void one_tick(struct fixture *f)
{
	struct timeval tv = { 0, (OUTBATCH_MS + 20) * 1000 };
	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

static ssize_t drain(int fd, char *buf, size_t cap)
{
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, cap - (size_t)total)) > 0)
		total += n;
	return total;
}

START_TEST(test_batched_until_tick)
{
	struct fixture f;
	char buf[4096];

	setup(&f, 0);
	for (int i = 0; i < 100; i++)
		outbatch_add(&f.ob, "0123456789", 10);
	/* nothing reaches the reader before the tick */
	ck_assert_int_eq(read(f.fd[1], buf, sizeof buf), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(outbatch_queued(&f.ob), 1000);
	ck_assert_uint_eq(f.ob.written, 0);
	one_tick(&f);
	ck_assert_uint_eq(f.ob.written, 1000);
	ck_assert_int_eq(drain(f.fd[1], buf, sizeof buf), 1000);
	ck_assert_uint_eq(outbatch_queued(&f.ob), 0);
	ck_assert_int_eq(f.lows, 1);
	ck_assert_int_eq(f.errors, 0);
	teardown(&f);
}
END_TEST

START_TEST(test_flush_writes_now)
{
	struct fixture f;
	char buf[64];

	setup(&f, 0);
	outbatch_add(&f.ob, "pong", 4);
	outbatch_flush(&f.ob);
	ck_assert_int_eq(drain(f.fd[1], buf, sizeof buf), 4);
	ck_assert(memcmp(buf, "pong", 4) == 0);
	ck_assert_int_eq(f.lows, 0);    /* flush never calls back */
	one_tick(&f);
	ck_assert_int_eq(f.lows, 1);    /* the tick says it is drained */
	teardown(&f);
}
END_TEST

START_TEST(test_slow_reader_keeps_queue)
{
	struct fixture f;
	static char chunk[64 * 1024], buf[64 * 1024];
	size_t total = 2 * 1024 * 1024, got = 0, bad = 0;
	ssize_t n;

	setup(&f, 0);
	memset(chunk, 'x', sizeof chunk);
	for (size_t i = 0; i < total / sizeof chunk; i++)
		outbatch_add(&f.ob, chunk, sizeof chunk);
	one_tick(&f);
	/* the socket took what it could; the rest waits, in order */
	ck_assert_uint_gt(outbatch_queued(&f.ob), 0);
	ck_assert_uint_lt(outbatch_queued(&f.ob), total);
	ck_assert_int_eq(f.lows, 0);
	for (int ticks = 0; got < total && ticks < 1000; ticks++) {
		while ((n = read(f.fd[1], buf, sizeof buf)) > 0) {
			for (ssize_t i = 0; i < n; i++)
				bad += buf[i] != 'x';
			got += (size_t)n;
		}
		one_tick(&f);
	}
	ck_assert_uint_eq(got, total);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(outbatch_queued(&f.ob), 0);
	ck_assert_int_ge(f.lows, 1);
	teardown(&f);
}
END_TEST

START_TEST(test_closed_reader_is_an_error)
{
	struct fixture f;

	setup(&f, 0);
	close(f.fd[1]);
	f.fd[1] = -1;
	outbatch_add(&f.ob, "lost", 4);
	one_tick(&f);
	ck_assert_int_eq(f.errors, 1);
	ck_assert_int_eq(f.lows, 0);
	/* what follows is not written or reported again */
	outbatch_add(&f.ob, "more", 4);
	one_tick(&f);
	ck_assert_int_eq(f.errors, 1);
	teardown(&f);
}
END_TEST

/* A reader being dropped: its queue goes at once, nothing more is written. */
START_TEST(test_discard_drops_the_queue)
{
	struct fixture f;
	static char chunk[64 * 1024], buf[4096];

	setup(&f, 0);
	for (int i = 0; i < 32; i++)
		outbatch_add(&f.ob, chunk, sizeof chunk);
	one_tick(&f);
	uint64_t taken = f.ob.written;
	ck_assert_uint_gt(outbatch_queued(&f.ob), 0);
	outbatch_discard(&f.ob);
	ck_assert_uint_eq(outbatch_queued(&f.ob), 0);
	while (read(f.fd[1], buf, sizeof buf) > 0)
		;
	one_tick(&f);
	ck_assert_uint_eq(f.ob.written, taken);
	ck_assert_int_eq(f.errors, 0);
	teardown(&f);
}
END_TEST

START_TEST(test_finish_writes_all)
{
	struct fixture f;
	char buf[256];

	setup(&f, 0);
	outbatch_add(&f.ob, "termination", 11);
	ck_assert(outbatch_finish(&f.ob, 1000));
	ck_assert_int_eq(drain(f.fd[1], buf, sizeof buf), 11);
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outbatch");

	signal(SIGPIPE, SIG_IGN);       /* as muxd: a closed reader is EPIPE */
	TCase *tc = tcase_create("outbatch");

	tcase_add_test(tc, test_batched_until_tick);
	tcase_add_test(tc, test_flush_writes_now);
	tcase_add_test(tc, test_slow_reader_keeps_queue);
	tcase_add_test(tc, test_closed_reader_is_an_error);
	tcase_add_test(tc, test_discard_drops_the_queue);
	tcase_add_test(tc, test_finish_writes_all);
	suite_add_tcase(s, tc);
	return check_run(s);
}
