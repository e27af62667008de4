/*
 * accept_guard.h — the one door of every listening socket of muxd (BGP
 * listeners, the API's): how many connections it lets in, and what it
 * does when the process has no descriptor left.
 *
 * Limits, per listener: at most 1/fd_share of RLIMIT_NOFILE connections
 * open at once through it, at most per_source from one address. A
 * connection past a limit is refused at once: the listener's refusal
 * bytes (a BGP NOTIFICATION, an HTTP 503) go out if the socket takes
 * them, then it is closed. The guard is never told when a connection
 * closes: it keeps each one's descriptor and socket inode, and finds the
 * closed ones by looking (fstat) when a limit is reached.
 *
 * Out of descriptors (EMFILE, ENFILE; ENOBUFS and ENOMEM too), accept
 * fails and the socket stays readable: a loop that tries again at once
 * spins and logs without end. The guard instead closes a reserve
 * descriptor it keeps for this, accepts and closes what waits (the
 * neighbor sees the connection closed rather than hanging), opens the
 * reserve again and stops accepting on that listener for
 * ACCEPT_GUARD_PAUSE_MS; a timer turns it back on.
 *
 * Logging: the first refusal of an episode is logged at once, then one
 * line per listener every ACCEPT_GUARD_LOG_SECS while refusals go on,
 * with their counts.
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): accept_guard_free
 * frees it before it returns.
 */
#ifndef BGPMUX_ACCEPT_GUARD_H
#define BGPMUX_ACCEPT_GUARD_H

#include <event2/util.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct evhttp;
struct accept_guard;

#define ACCEPT_GUARD_PAUSE_MS 1000
#define ACCEPT_GUARD_LOG_SECS 10

struct accept_guard_limits {
	unsigned fd_share;              /* at most RLIMIT_NOFILE / fd_share open */
	unsigned per_source;            /* open from one address */
	const void *refusal;            /* sent to a connection past a limit */
	size_t refusal_len;
};

/* A connection within the limits; fd is the callee's now. */
typedef void accept_guard_fn(evutil_socket_t fd, const struct sockaddr *sa,
    socklen_t salen, void *arg);

/* Accept on listen_fd (listening already; the guard takes it: it closes
 * it when freed, or at once on failure) and hand each connection within
 * the limits to cb. name ("BGP listener 192.0.2.1 port 179") is for the
 * log. NULL if out of memory. */
struct accept_guard *accept_guard_new(struct event_base *base, evutil_socket_t listen_fd,
    const char *name, const struct accept_guard_limits *lim, accept_guard_fn *cb,
    void *arg);

/* The same for http, which accepts on listen_fd itself (it takes the
 * socket: evhttp_free closes it). The guard checks each connection as
 * soon as http has made it (it becomes http's bufferevent callback,
 * evhttp_set_bevcb, the one there is) and closes those past a limit; make
 * (if not NULL) makes each connection's bufferevent for it, as
 * evhttp_set_bevcb's callback would. Free the guard before http. */
typedef struct bufferevent *accept_guard_bev_fn(struct event_base *base, void *arg);
struct accept_guard *accept_guard_new_http(struct event_base *base,
    evutil_socket_t listen_fd, const char *name, const struct accept_guard_limits *lim,
    struct evhttp *http, accept_guard_bev_fn *make, void *make_arg);

void accept_guard_free(struct accept_guard *g);
evutil_socket_t accept_guard_fd(const struct accept_guard *g);
/* Every guard stops accepting (connections wait in the kernel's backlog)
 * or starts again: an upgrade hands the listening sockets over meanwhile. */
void accept_guard_pause_all(bool paused);
/* Connections it counts as open (after looking which have closed). */
size_t accept_guard_open(struct accept_guard *g);

#endif
