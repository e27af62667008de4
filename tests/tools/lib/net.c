/*
 * net.c — sockets for the tools' BGP sessions (net.h).
 */
#include "tests/tools/lib/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "tests/tools/lib/tool.h"

#define RETRY_PAUSE_MS 100      /* between connection attempts */

bool net_parse_hostport(const char *s, struct sockaddr_mux *sa)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strrchr(s, ':');
	unsigned long p = BGP_PORT;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return false;
		n = (size_t)(close - s - 1);
		port = close[1] ? close + 2 : NULL;
		s++;
	} else if (colon && strchr(s, ':') == colon) {
		n = (size_t)(colon - s);        /* one colon: IPv4 with a port */
		port = colon + 1;
	} else {
		n = strlen(s);
	}
	if (n >= sizeof host || (port && (!parse_ulong(port, 65535, &p) || !p)))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	return sockaddr_parse(host, (uint16_t)p, sa);
}

static bool bind_local(int fd, const char *bind_addr, int family)
{
	struct sockaddr_mux local;
	int one = 1;

	if (!sockaddr_parse(bind_addr, 0, &local) || sockaddr_family(&local) != family) {
		warnx_("--bind %s: not an address of the neighbor's family", bind_addr);
		return false;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, &local.u.sa, local.len) < 0) {
		warnx_("--bind %s: %s (is the address on an interface? "
		    "127.0.0.0/8 always is)", bind_addr, strerror(errno));
		return false;
	}
	return true;
}

/* One attempt: the fd, -1 to give up, -2 to try again (errno says why). */
static int connect_once(const struct sockaddr_mux *to, const char *bind_addr)
{
	int fd = socket(sockaddr_family(to), SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0) {
		warnx_("socket: %s", strerror(errno));
		return -1;
	}
	if (bind_addr && !bind_local(fd, bind_addr, sockaddr_family(to))) {
		close(fd);
		return -1;
	}
	if (connect(fd, &to->u.sa, to->len) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -2;
}

int net_connect(const char *to, const char *bind_addr, double wait)
{
	struct sockaddr_mux sa;
	double give_up = secs_mono() + wait;
	int fd;

	if (!net_parse_hostport(to, &sa)) {
		warnx_("--connect %s: want ADDR, ADDR:PORT or [ADDR6]:PORT", to);
		return -1;
	}
	while ((fd = connect_once(&sa, bind_addr)) == -2) {
		if (stop_signal || secs_mono() > give_up) {
			warnx_("cannot connect to %s: %s", to, strerror(errno));
			return -1;
		}
		poll(NULL, 0, RETRY_PAUSE_MS);
	}
	return fd;
}

int net_listen(const char *on, int backlog, bool nonblock, struct sockaddr_mux *at)
{
	struct sockaddr_mux sa;
	int one = 1, fd;

	if (!net_parse_hostport(on, &sa)) {
		warnx_("--listen %s: want ADDR, ADDR:PORT or [ADDR6]:PORT", on);
		return -1;
	}
	fd = socket(sockaddr_family(&sa), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, &sa.u.sa, sa.len) < 0 || listen(fd, backlog) < 0 ||
	    (nonblock && !net_nonblocking(fd))) {
		warnx_("cannot listen on %s: %s", on, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (at)
		*at = sa;
	return fd;
}

int net_accept(int lfd, const char *on, double timeout)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int n = poll(&p, 1, timeout < 0 ? -1 : (int)(timeout * 1000));

	if (n > 0)
		return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (n < 0 || stop_signal)
		warnx_("accept on %s: %s", on,
		    stop_signal ? "stopped by a signal" : strerror(errno));
	else
		warnx_("nobody connected to %s within %.0f s", on, timeout);
	return -1;
}

bool net_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL), one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

uint32_t net_local_ipv4(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_INET)
		return 0;
	return ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
}

void net_peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct sockaddr_mux a;

	snprintf(buf, len, "neighbor");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sockaddr_from((struct sockaddr *)&ss, sl, &a))
		sockaddr_ntop(&a, buf, len);
}

int net_unacked(int fd)
{
	int n = 0;

	return ioctl(fd, SIOCOUTQ, &n) < 0 ? 0 : n;
}
