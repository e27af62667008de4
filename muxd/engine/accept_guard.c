/*
 * accept_guard.c — connection limits and descriptor exhaustion for every
 * listening socket (accept_guard.h).
 */
#include "muxd/engine/accept_guard.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/lib/sockaddr.h"

#define SHED_MAX 64             /* waiting connections closed per pause */

/* A connection's source: its address, without the port. */
struct source {
	sa_family_t family;
	uint8_t addr[16];
};

struct guard_conn {
	evutil_socket_t fd;
	ino_t ino;                      /* the socket's: tells a reused fd */
	struct source src;
};

/* Refusals since the last log line. */
struct refusals {
	uint64_t no_fds, shed, over_listener, over_source;
	int last_errno;
	struct source last_src;         /* of the last one over per_source */
};

struct accept_guard {
	struct event_base *base;
	struct evconnlistener *lev;
	struct evhttp *http;            /* the server that accepts, or NULL */
	accept_guard_bev_fn *make;      /* http: makes its bufferevents, or NULL */
	void *make_arg;
	accept_guard_fn *cb;
	void *arg;
	char name[96];
	size_t max_conns;
	unsigned per_source;
	const void *refusal;
	size_t refusal_len;
	struct guard_conn *conns;       /* open, as far as we know */
	size_t n, cap;
	time_t swept_at;
	struct event *resume_ev, *log_ev, *settle_ev;
	struct bufferevent **pending;   /* http: made, not checked yet */
	size_t npending, pending_cap;
	struct refusals since;
	bool logging;                   /* an episode is on: log_ev is armed */
	struct accept_guard *next;
};

static struct accept_guard *guards;     /* to find a guard by its listener */
static bool all_paused;                 /* an upgrade is handing them over */
static int reserve_fd = -1;

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void source_of(const struct sockaddr *sa, struct source *s)
{
	memset(s, 0, sizeof *s);
	s->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(s->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(s->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

static const char *source_str(const struct source *s, char *buf, size_t len)
{
	if (s->family != AF_INET && s->family != AF_INET6)
		return "?";
	return evutil_inet_ntop(s->family, s->addr, buf, len) ? buf : "?";
}

static size_t nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	return (size_t)rl.rlim_cur;
}

/* ---- counting open connections ---------------------------------------- */

static bool conn_open(const struct guard_conn *c)
{
	struct stat sb;
	return fstat(c->fd, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_ino == c->ino;
}

/* Forget the connections that have closed. */
static void guard_sweep(struct accept_guard *g)
{
	size_t j = 0;

	for (size_t i = 0; i < g->n; i++)
		if (conn_open(&g->conns[i]))
			g->conns[j++] = g->conns[i];
	g->n = j;
	g->swept_at = mono_now();
}

static size_t count_source(const struct accept_guard *g, const struct source *s)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		n += memcmp(&g->conns[i].src, s, sizeof *s) == 0;
	return n;
}

enum verdict { ADMIT, OVER_LISTENER, OVER_SOURCE };

/* Whether fd (from s) may stay; if so it is counted. At a limit, look
 * which connections have closed first, at most once a second. */
static enum verdict guard_admit(struct accept_guard *g, evutil_socket_t fd,
    const struct source *s)
{
	struct stat sb;
	size_t from_s;

	/* a descriptor number is never open twice: one we have is closed */
	for (size_t i = 0; i < g->n; i++) {
		if (g->conns[i].fd == fd) {
			g->conns[i] = g->conns[--g->n];
			break;
		}
	}
	from_s = count_source(g, s);
	if ((g->n >= g->max_conns || from_s >= g->per_source) &&
	    g->swept_at != mono_now()) {
		guard_sweep(g);
		from_s = count_source(g, s);
	}
	if (g->n >= g->max_conns)
		return OVER_LISTENER;
	if (from_s >= g->per_source)
		return OVER_SOURCE;
	if (fstat(fd, &sb) != 0)
		return ADMIT;           /* cannot be counted: let it in */
	struct guard_conn *p = grow_array(g->conns, &g->cap, g->n + 1, sizeof *p);
	if (p == NULL)
		return ADMIT;
	g->conns = p;
	g->conns[g->n++] = (struct guard_conn){ fd, sb.st_ino, *s };
	return ADMIT;
}

/* ---- logging ------------------------------------------------------------ */

static void log_refusals(struct accept_guard *g, bool first)
{
	struct refusals *r = &g->since;
	char src[INET6_ADDRSTRLEN], what[384] = "";
	size_t len = 0;

	if (r->no_fds)
		len += (size_t)snprintf(what + len, sizeof what - len, "; accept failed "
		    "%llu times (%s; RLIMIT_NOFILE %zu): %llu waiting connections "
		    "closed, accepting paused %d ms each time",
		    (unsigned long long)r->no_fds, strerror(r->last_errno), nofile(),
		    (unsigned long long)r->shed, ACCEPT_GUARD_PAUSE_MS);
	if (r->over_listener && len < sizeof what)
		len += (size_t)snprintf(what + len, sizeof what - len, "; %llu refused: "
		    "%zu connections open through it already (its limit)",
		    (unsigned long long)r->over_listener, g->max_conns);
	if (r->over_source && len < sizeof what)
		snprintf(what + len, sizeof what - len, "; %llu refused: %u connections "
		    "open from one address already (its limit; the last from %s)",
		    (unsigned long long)r->over_source, g->per_source,
		    source_str(&r->last_src, src, sizeof src));
	if (first)
		log_warnx("%s: refusing connections%s", g->name, what);
	else
		log_warnx("%s: in the last %d s%s", g->name, ACCEPT_GUARD_LOG_SECS, what);
	memset(r, 0, sizeof *r);
}

/* Every ACCEPT_GUARD_LOG_SECS while refusals go on; then the episode ends. */
static void log_cb(evutil_socket_t fd, short what, void *arg)
{
	struct accept_guard *g = arg;
	struct timeval tv = { ACCEPT_GUARD_LOG_SECS, 0 };
	const struct refusals *r = &g->since;
	(void)fd;
	(void)what;

	if (r->no_fds + r->over_listener + r->over_source == 0) {
		g->logging = false;
		return;
	}
	log_refusals(g, false);
	evtimer_add(g->log_ev, &tv);
}

/* A refusal was counted: the first of an episode is logged now. */
static void noted(struct accept_guard *g)
{
	struct timeval tv = { ACCEPT_GUARD_LOG_SECS, 0 };

	if (g->logging)
		return;
	g->logging = true;
	log_refusals(g, true);
	evtimer_add(g->log_ev, &tv);
}

static void note_limit(struct accept_guard *g, enum verdict v, const struct source *s)
{
	if (v == OVER_LISTENER) {
		g->since.over_listener++;
	} else {
		g->since.over_source++;
		g->since.last_src = *s;
	}
	noted(g);
}

/* ---- refusing ----------------------------------------------------------- */

/* Say why if the socket takes it, read what came (closing with unread
 * bytes would send a RST that can overtake our words), close. */
static void refuse(struct accept_guard *g, evutil_socket_t fd)
{
	char sink[2048];

	if (g->refusal_len)
		(void)send(fd, g->refusal, g->refusal_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 4 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		;
	if (g->http)    /* http owns it: it sees the end and frees its side */
		shutdown(fd, SHUT_RD);
	else
		evutil_closesocket(fd);
}

/* ---- accepting ---------------------------------------------------------- */

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct accept_guard *g = arg;
	struct source s;
	(void)lev;

	source_of(sa, &s);
	enum verdict v = guard_admit(g, fd, &s);
	if (v == ADMIT) {
		g->cb(fd, sa, (socklen_t)salen, g->arg);
		return;
	}
	refuse(g, fd);
	note_limit(g, v, &s);
}

static struct accept_guard *guard_of(const struct evconnlistener *lev)
{
	for (struct accept_guard *g = guards; g; g = g->next)
		if (g->lev == lev)
			return g;
	return NULL;
}

static void reserve_open(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* With the reserve descriptor free, accept and close what waits. */
static void shed(struct accept_guard *g)
{
	evutil_socket_t lfd = evconnlistener_get_fd(g->lev);

	if (reserve_fd >= 0) {
		close(reserve_fd);
		reserve_fd = -1;
	}
	for (int i = 0; i < SHED_MAX; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			break;
		close(fd);
		g->since.shed++;
	}
	reserve_open();
}

static void error_cb(struct evconnlistener *lev, void *unused)
{
	struct accept_guard *g = guard_of(lev);
	struct timeval tv = { 0, ACCEPT_GUARD_PAUSE_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	(void)unused;

	evconnlistener_disable(lev);
	if (g == NULL)
		return;
	/* whatever the error, trying again at once would spin */
	evtimer_add(g->resume_ev, &tv);
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
		shed(g);
	g->since.no_fds++;
	g->since.last_errno = err;
	noted(g);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct accept_guard *g = arg;
	(void)fd;
	(void)what;
	if (!all_paused)
		evconnlistener_enable(g->lev);
}

void accept_guard_pause_all(bool paused)
{
	all_paused = paused;
	for (struct accept_guard *g = guards; g; g = g->next)
		paused ? evconnlistener_disable(g->lev) : evconnlistener_enable(g->lev);
}

/* ---- evhttp's connections ----------------------------------------------- */

/* http makes a bufferevent for each connection it accepts, and gives it
 * the socket right after: kept (with a reference) until settle_cb. */
static struct bufferevent *http_bev_cb(struct event_base *base, void *arg)
{
	struct accept_guard *g = arg;
	struct bufferevent *bev = g->make ? g->make(base, g->make_arg) :
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		return NULL;
	struct bufferevent **p = grow_array(g->pending, &g->pending_cap, g->npending + 1,
	    sizeof *p);
	if (p == NULL)
		return bev;     /* not counted */
	g->pending = p;
	bufferevent_incref(bev);
	g->pending[g->npending++] = bev;
	event_active(g->settle_ev, 0, 0);
	return bev;
}

/* In the same loop pass, before any byte is read: count or refuse. */
static void settle_cb(evutil_socket_t unused, short what, void *arg)
{
	struct accept_guard *g = arg;
	(void)unused;
	(void)what;

	for (size_t i = 0; i < g->npending; i++) {
		struct bufferevent *bev = g->pending[i];
		evutil_socket_t fd = bufferevent_getfd(bev);
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		struct source s;

		if (bufferevent_decref(bev) == 1 || fd < 0 ||
		    getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
			continue;       /* http has freed it already */
		source_of((struct sockaddr *)&ss, &s);
		enum verdict v = guard_admit(g, fd, &s);
		if (v != ADMIT) {
			refuse(g, fd);
			note_limit(g, v, &s);
		}
	}
	g->npending = 0;
}

/* ---- life --------------------------------------------------------------- */

static struct accept_guard *guard_alloc(struct event_base *base, const char *name,
    const struct accept_guard_limits *lim)
{
	struct accept_guard *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->base = base;
	snprintf(g->name, sizeof g->name, "%s", name);
	g->max_conns = nofile() / (lim->fd_share ? lim->fd_share : 2);
	if (g->max_conns == 0)
		g->max_conns = 1;
	g->per_source = lim->per_source;
	g->refusal = lim->refusal;
	g->refusal_len = lim->refusal_len;
	g->resume_ev = evtimer_new(base, resume_cb, g);
	g->log_ev = evtimer_new(base, log_cb, g);
	g->settle_ev = event_new(base, -1, 0, settle_cb, g);
	if (g->resume_ev == NULL || g->log_ev == NULL || g->settle_ev == NULL) {
		accept_guard_free(g);
		return NULL;
	}
	reserve_open();
	return g;
}

static void guard_link(struct accept_guard *g)
{
	evconnlistener_set_error_cb(g->lev, error_cb);
	g->next = guards;
	guards = g;
}

struct accept_guard *accept_guard_new(struct event_base *base, evutil_socket_t listen_fd,
    const char *name, const struct accept_guard_limits *lim, accept_guard_fn *cb,
    void *arg)
{
	struct accept_guard *g = guard_alloc(base, name, lim);

	if (g == NULL ||
	    (g->lev = evconnlistener_new(base, accept_cb, g, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, 0, listen_fd)) == NULL) {
		evutil_closesocket(listen_fd);
		accept_guard_free(g);
		return NULL;
	}
	g->cb = cb;
	g->arg = arg;
	guard_link(g);
	return g;
}

struct accept_guard *accept_guard_new_http(struct event_base *base,
    evutil_socket_t listen_fd, const char *name, const struct accept_guard_limits *lim,
    struct evhttp *http, accept_guard_bev_fn *make, void *make_arg)
{
	struct accept_guard *g = guard_alloc(base, name, lim);

	if (g == NULL ||
	    (g->lev = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED, 0, listen_fd)) == NULL) {
		evutil_closesocket(listen_fd);
		accept_guard_free(g);
		return NULL;
	}
	if (evhttp_bind_listener(http, g->lev) == NULL) {
		accept_guard_free(g);   /* closes the socket */
		return NULL;
	}
	evconnlistener_enable(g->lev);
	g->http = http;
	g->make = make;
	g->make_arg = make_arg;
	evhttp_set_bevcb(http, http_bev_cb, g);
	guard_link(g);
	return g;
}

void accept_guard_free(struct accept_guard *g)
{
	if (g == NULL)
		return;
	for (struct accept_guard **p = &guards; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			break;
		}
	}
	for (size_t i = 0; i < g->npending; i++)
		bufferevent_decref(g->pending[i]);
	if (g->http)
		evhttp_set_bevcb(g->http, NULL, NULL);
	else if (g->lev)
		evconnlistener_free(g->lev);
	if (g->resume_ev)
		event_free(g->resume_ev);
	if (g->log_ev)
		event_free(g->log_ev);
	if (g->settle_ev)
		event_free(g->settle_ev);
	free(g->pending);
	free(g->conns);
	free(g);
}

evutil_socket_t accept_guard_fd(const struct accept_guard *g)
{
	return evconnlistener_get_fd(g->lev);
}

size_t accept_guard_open(struct accept_guard *g)
{
	guard_sweep(g);
	return g->n;
}
