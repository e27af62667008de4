/*
 * test_sdnotify.c — systemd's notification protocol as systemd receives
 * it: a datagram on the socket $NOTIFY_SOCKET names (a path or an
 * abstract '@' name), nothing without it, a soft failure on a bad one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "muxd/sdnotify.h"
#include "tests/unit/check_run.h"

/* A datagram socket bound where name says, as systemd's is. */
static int listen_at(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

	ck_assert_int_eq(n, (ssize_t)strlen(want));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(test_path_socket)
{
	char path[64];

	snprintf(path, sizeof path, "/tmp/test_sdnotify.%d", (int)getpid());
	unlink(path);
	int fd = listen_at(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert(sdnotify("READY=1"));
	expect_datagram(fd, "READY=1");
	ck_assert(sdnotify("RELOADING=1"));
	expect_datagram(fd, "RELOADING=1");
	close(fd);
	unlink(path);
	/* nobody listens any more: a soft failure */
	ck_assert(!sdnotify("STOPPING=1"));
}
END_TEST

START_TEST(test_abstract_socket)
{
	char name[64];

	snprintf(name, sizeof name, "@test_sdnotify.%d", (int)getpid());
	int fd = listen_at(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert(sdnotify("STOPPING=1"));
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(test_no_socket)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert(sdnotify("READY=1"));         /* not under systemd: nothing to do */
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert(!sdnotify("READY=1"));
	char longname[200];
	memset(longname, 'x', sizeof longname - 1);
	longname[0] = '/';
	longname[sizeof longname - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	ck_assert(!sdnotify("READY=1"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdnotify");
	TCase *tc = tcase_create("sdnotify");

	tcase_add_test(tc, test_path_socket);
	tcase_add_test(tc, test_abstract_socket);
	tcase_add_test(tc, test_no_socket);
	suite_add_tcase(s, tc);
	return check_run(s);
}
