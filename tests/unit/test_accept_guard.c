/*
 * test_accept_guard.c — the door of every listening socket, over
 * loopback: connections past the per-source limit get the refusal bytes
 * and are closed, a closed connection frees its place, and out of
 * descriptors the guard closes what waits and pauses instead of spinning,
 * then accepts again once descriptors are back.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/engine/accept_guard.h"
#include "tests/unit/check_run.h"

#define MAX_TAKEN 64

struct fixture {
	struct event_base *base;
	struct accept_guard *g;
	struct sockaddr_in addr;        /* where it listens */
	int taken[MAX_TAKEN];           /* what the guard handed on */
	int ntaken;
};

static void taken_cb(evutil_socket_t fd, const struct sockaddr *sa, socklen_t salen,
    void *arg)
{
	struct fixture *f = arg;
	(void)sa;
	(void)salen;
	ck_assert_int_lt(f->ntaken, MAX_TAKEN);
	f->taken[f->ntaken++] = fd;
}

static void setup(struct fixture *f, unsigned per_source)
{
	static const char no[] = "no\n";
	struct accept_guard_limits lim = { 1, per_source, no, 3 };
	socklen_t len = sizeof f->addr;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(f, 0, sizeof *f);
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&f->addr, sizeof f->addr), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&f->addr, &len), 0);
	f->base = event_base_new();
	f->g = accept_guard_new(f->base, fd, "test listener", &lim, taken_cb, f);
	ck_assert_ptr_nonnull(f->g);
}

static void teardown(struct fixture *f)
{
	for (int i = 0; i < f->ntaken; i++)
		close(f->taken[i]);
	accept_guard_free(f->g);
	event_base_free(f->base);
}

static void run_ms(struct fixture *f, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

static int client(const struct fixture *f)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (const struct sockaddr *)&f->addr, sizeof f->addr), 0);
	return fd;
}

/* What the server sent before closing; -1 if it is still open. */
static int closed_with(int fd, char *buf, size_t cap)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t n;

	while (poll(&p, 1, 500) == 1 && (n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	if (poll(&p, 1, 0) == 0)
		return -1;
	return (int)got;
}

START_TEST(test_per_source_limit)
{
	struct fixture f;
	char buf[64];
	int c[3];

	setup(&f, 2);
	for (int i = 0; i < 3; i++)
		c[i] = client(&f);
	run_ms(&f, 100);
	ck_assert_int_eq(f.ntaken, 2);
	ck_assert_uint_eq(accept_guard_open(f.g), 2);
	/* the third got the refusal, then the end */
	ck_assert_int_eq(closed_with(c[2], buf, sizeof buf), 3);
	ck_assert(memcmp(buf, "no\n", 3) == 0);
	/* the first two stay */
	ck_assert_int_eq(closed_with(c[0], buf, sizeof buf), -1);
	/* one closes: after the guard looks again (at most once a second),
	 * a new one takes its place */
	close(f.taken[0]);
	f.taken[0] = f.taken[--f.ntaken];
	usleep(1100 * 1000);
	int d = client(&f);
	run_ms(&f, 100);
	ck_assert_int_eq(f.ntaken, 2);
	ck_assert_int_eq(closed_with(d, buf, sizeof buf), -1);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(d);
	teardown(&f);
}
END_TEST

/* The process's descriptors are all taken: the waiting connection is
 * accepted and closed with the reserve, the listener pauses; once there
 * are descriptors again, it accepts. */
START_TEST(test_out_of_descriptors)
{
	struct fixture f;
	struct rlimit rl;
	char buf[64];
	int filler[256], nfill = 0;

	setup(&f, 16);
	int c1 = client(&f), fd;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)c1 + 40;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (nfill < 256 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		filler[nfill++] = fd;
	ck_assert_int_eq(errno, EMFILE);
	run_ms(&f, 200);
	ck_assert_int_eq(f.ntaken, 0);
	ck_assert_int_eq(closed_with(c1, buf, sizeof buf), 0);
	/* paused: a new connection waits in the backlog, not closed */
	close(filler[--nfill]);         /* room for the client's own socket */
	int c2 = client(&f);
	run_ms(&f, 300);
	ck_assert_int_eq(closed_with(c2, buf, sizeof buf), -1);
	while (nfill > 0)
		close(filler[--nfill]);
	run_ms(&f, ACCEPT_GUARD_PAUSE_MS + 200);
	ck_assert_int_eq(f.ntaken, 1);
	close(c1);
	close(c2);
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("accept_guard");
	TCase *tc = tcase_create("accept_guard");

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_per_source_limit);
	tcase_add_test(tc, test_out_of_descriptors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
