/*
 * listener.c — listening sockets and the refusal of unwanted connections.
 * Every connection comes through an accept guard (muxd/engine/accept_guard.h):
 * a BGP listener holds at most half of the process's descriptors, and
 * LISTENER_PER_SOURCE connections from one address.
 */
#include "muxd/engine/listener.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/engine/accept_guard.h"
#include "muxd/engine/listen_pool.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"

#define REJECT_LINGER_SECS 2

struct listener {
	struct accept_guard *guard;
	struct sockaddr_mux addr;
	listener_accept_fn cb;
	void *arg;
	struct event_base *base;
};

/* Send a NOTIFICATION on a raw connection, let it drain, close it. */
static void listener_reject(struct event_base *base, int fd, unsigned char code,
    unsigned char subcode);

static void accept_cb(evutil_socket_t fd, const struct sockaddr *sa, socklen_t salen,
    void *arg)
{
	struct listener *l = arg;
	struct sockaddr_mux remote, local;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (!sockaddr_from(sa, salen, &remote) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    !sockaddr_from((struct sockaddr *)&ss, len, &local)) {
		close(fd);
		return;
	}
	if (!l->cb(fd, &remote, &local, l->arg))
		listener_reject(l->base, fd, BGP_ERR_CEASE, BGP_CEASE_CONNECTION_REJECTED);
}

int listener_socket(const struct sockaddr_mux *addr)
{
	int fd = listen_pool_take(addr);

	if (fd >= 0)
		return fd;      /* handed over by the muxd this one replaced */
	fd = socket(sockaddr_family(addr), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sockaddr_family(addr) == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, &addr->u.sa, addr->len) < 0 || listen(fd, 64) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* A multisession neighbor has up to PEER_MAX_SESSIONS (8) connections at
 * once, and a closing one lingers a little: twice that. */
#define LISTENER_PER_SOURCE 16

/* What a BGP listener lets in; past it, Cease / Connection Rejected. */
static const struct accept_guard_limits *bgp_limits(void)
{
	static uint8_t refusal[BGP_HEADER_LEN + 2];
	static struct accept_guard_limits lim = { 2, LISTENER_PER_SOURCE, refusal, 0 };

	if (lim.refusal_len == 0) {
		struct wbuf w = wbuf_make(refusal, sizeof refusal);
		lim.refusal_len = bgp_notification_encode(&w, BGP_ERR_CEASE,
		    BGP_CEASE_CONNECTION_REJECTED, NULL, 0);
	}
	return &lim;
}

struct listener *listener_new(struct event_base *base, const struct sockaddr_mux *addr,
    listener_accept_fn cb, void *arg, char *why, size_t why_len)
{
	char a[64], name[96];
	int fd = listener_socket(addr);

	if (fd < 0) {
		snprintf(why, why_len, "cannot listen on %s port %u: %s",
		    sockaddr_ntop(addr, a, sizeof a), sockaddr_port(addr), strerror(errno));
		return NULL;
	}
	struct listener *l = xcalloc(1, sizeof *l);
	l->addr = *addr;
	l->cb = cb;
	l->arg = arg;
	l->base = base;
	snprintf(name, sizeof name, "BGP listener %s port %u", sockaddr_ntop(addr, a,
	    sizeof a), sockaddr_port(addr));
	l->guard = accept_guard_new(base, fd, name, bgp_limits(), accept_cb, l);
	if (l->guard == NULL)
		fatal("cannot create a listener event");
	return l;
}

void listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	accept_guard_free(l->guard);
	free(l);
}

int listener_fd(const struct listener *l) { return accept_guard_fd(l->guard); }
const struct sockaddr_mux *listener_addr(const struct listener *l) { return &l->addr; }

/* ---- refusing a connection -------------------------------------------- */

struct reject {
	struct bufferevent *bev;
	struct event *timeout;
};

static void reject_free(struct reject *r)
{
	bufferevent_free(r->bev);
	event_free(r->timeout);
	free(r);
}

static void reject_read_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void reject_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	reject_free(arg);
}

/* Written: half-close, then read until the neighbor closes, so the kernel
 * never answers its pending bytes with a RST that would eat our message. */
static void reject_write_cb(struct bufferevent *bev, void *arg)
{
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	bufferevent_setcb(bev, reject_read_cb, NULL, reject_event_cb, arg);
}

static void reject_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reject_free(arg);
}

static void listener_reject(struct event_base *base, int fd, unsigned char code,
    unsigned char subcode)
{
	uint8_t buf[BGP_HEADER_LEN + 2];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct reject *r = xcalloc(1, sizeof *r);
	struct timeval tv = { REJECT_LINGER_SECS, 0 };

	evutil_make_socket_nonblocking(fd);
	r->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	r->timeout = evtimer_new(base, reject_timeout_cb, r);
	size_t n = bgp_notification_encode(&w, code, subcode, NULL, 0);
	bufferevent_setcb(r->bev, reject_read_cb, reject_write_cb, reject_event_cb, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	bufferevent_write(r->bev, buf, n);
	evtimer_add(r->timeout, &tv);
}
