/*
 * sdnotify.c — systemd's notification protocol (sd_notify(3)) without
 * libsystemd: a datagram of "KEY=VALUE" lines to the AF_UNIX socket in
 * $NOTIFY_SOCKET, a path or, with a leading '@', an abstract name.
 */
#include "muxd/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "muxd/lib/log.h"

/* The address $NOTIFY_SOCKET names; its length, or 0 when it names none. */
static socklen_t notify_addr(const char *name, struct sockaddr_un *sun)
{
	size_t len = strlen(name);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (len < 2 || len > sizeof sun->sun_path || (name[0] != '/' && name[0] != '@'))
		return 0;
	if (name[0] == '/' && len == sizeof sun->sun_path)
		return 0;               /* no room for the path's final NUL */
	memcpy(sun->sun_path, name, len);
	if (name[0] == '@')
		sun->sun_path[0] = '\0';        /* abstract: no NUL at the end */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (name[0] == '/'));
}

bool sdnotify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t alen;

	if (name == NULL || name[0] == '\0')
		return true;
	if ((alen = notify_addr(name, &sun)) == 0) {
		log_warnx("systemd: NOTIFY_SOCKET=%.108s is not a socket address: not "
		    "telling it %s", name, state);
		return false;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warnx("systemd: cannot open a socket to tell it %s: %s", state,
		    strerror(errno));
		return false;
	}
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, alen);
	int err = errno;
	close(fd);
	if (n < 0) {
		log_warnx("systemd: cannot tell %s %s: %s", name, state, strerror(err));
		return false;
	}
	return true;
}
