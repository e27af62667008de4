/*
 * api_deadline.c — per-request deadlines on the API's connections.
 *
 * libevent 2.1 says nothing when a request begins or its headers end, so
 * this watches each connection's bytes:
 *  - api_deadlines_bev: the bufferevent of each accepted connection is
 *    made here (for the API's accept guard, which is evhttp's bevcb), with
 *    callbacks on its two buffers and a timer;
 *  - input: the empty line that ends a request's headers starts its body's
 *    time (the body's length is evhttp's business);
 *  - output: the first byte of an answer means the request was read whole
 *    (no deadline while answering); the output drained means the answer
 *    is out, and the next request's time starts;
 *  - the connection itself (for the close callback and to close it) is the
 *    argument evhttp gives its bufferevent callbacks: read right after the
 *    accept, holding a reference so that the bufferevent cannot go before.
 *    A bufferevent whose error callback is no longer evhttp's belongs to
 *    the live stream (it adopts connections): it is left alone.
 */
#include "web/api_deadline.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdlib.h>

#include "muxd/lib/log.h"
#include "web/api_refusals.h"

struct api_deadlines {
	struct api_refusals *rf;
	unsigned header_secs, body_secs;
	bufferevent_event_cb evhttp_event_cb;   /* evhttp's, learnt from a probe */
};

enum conn_phase { CONN_HEADERS, CONN_BODY, CONN_ANSWER, CONN_OFF };

struct api_conn {
	struct api_deadlines *d;
	struct bufferevent *bev;
	struct evhttp_connection *evcon;        /* once attached */
	struct event *timer;                    /* the attach, then the deadline */
	struct evbuffer_cb_entry *in_cb, *out_cb;
	enum conn_phase phase;
	uint8_t eol;            /* 0 in a line, 1 after "\n", 2 after "\n\r" */
	bool attached;
	bool idle;              /* no byte of the request yet */
	unsigned answers;       /* requests answered on this connection */
};

/* ---- who drives the bufferevent ------------------------------------------ */

enum owner { OWNER_EVHTTP, OWNER_NONE, OWNER_OTHER };

static enum owner conn_owner(const struct api_conn *c, struct evhttp_connection **evcon)
{
	bufferevent_event_cb ecb;
	void *arg;

	bufferevent_getcb(c->bev, NULL, NULL, &ecb, &arg);
	if (ecb == NULL)
		return OWNER_NONE;      /* bufferevent_free cleared them */
	if (ecb != c->d->evhttp_event_cb)
		return OWNER_OTHER;
	*evcon = arg;
	return OWNER_EVHTTP;
}

/* evhttp gives every connection's bufferevent the same error callback:
 * learnt from a connection never used. */
static bufferevent_event_cb learn_evhttp_cb(struct event_base *base)
{
	struct evhttp_connection *probe = evhttp_connection_base_bufferevent_new(base, NULL,
	    NULL, "127.0.0.1", 9);
	bufferevent_event_cb ecb = NULL;
	void *arg = NULL;

	if (probe == NULL)
		return NULL;
	bufferevent_getcb(evhttp_connection_get_bufferevent(probe), NULL, NULL, &ecb, &arg);
	if (arg != probe)
		ecb = NULL;
	evhttp_connection_free(probe);
	return ecb;
}

/* ---- a connection's life -------------------------------------------------- */

/* Stops looking at the connection's bytes (its buffers live on). */
static void conn_unwatch(struct api_conn *c)
{
	if (c->phase == CONN_OFF)
		return;
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
	evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->attached)
		evtimer_del(c->timer);
	c->phase = CONN_OFF;
}

static void conn_free(struct api_conn *c)
{
	conn_unwatch(c);
	event_free(c->timer);
	free(c);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	conn_free(arg);
}

static void conn_arm(struct api_conn *c, unsigned secs)
{
	struct timeval tv = { secs, 0 };

	if (c->attached)
		evtimer_add(c->timer, &tv);
}

/* ---- the bytes ---------------------------------------------------------------- */

/* Looks for the empty line that ends the headers; true when found. */
static bool headers_end(struct api_conn *c, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (c->eol)
				return true;
			c->eol = 1;
		} else {
			c->eol = p[i] == '\r' && c->eol == 1 ? 2 : 0;
		}
	}
	return false;
}

/* The buffer's bytes from offset from on, into headers_end. */
static bool scan(struct api_conn *c, struct evbuffer *buf, size_t from)
{
	size_t len = evbuffer_get_length(buf);
	struct evbuffer_iovec v[8];
	struct evbuffer_ptr pos;

	while (from < len) {
		if (evbuffer_ptr_set(buf, &pos, from, EVBUFFER_PTR_SET) < 0)
			return false;
		int n = evbuffer_peek(buf, (ev_ssize_t)(len - from), &pos, v, 8);
		if (n <= 0)
			return false;
		for (int i = 0; i < n && i < 8; i++) {
			c->idle = false;
			if (headers_end(c, v[i].iov_base, v[i].iov_len))
				return true;
			from += v[i].iov_len;
		}
	}
	return false;
}

/* A request begins: its headers' time starts (those already here count). */
static void request_begin(struct api_conn *c)
{
	c->phase = CONN_HEADERS;
	c->eol = 0;
	c->idle = true;
	if (scan(c, bufferevent_get_input(c->bev), 0)) {
		c->phase = CONN_BODY;
		conn_arm(c, c->d->body_secs);
	} else {
		conn_arm(c, c->d->header_secs);
	}
}

static void conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct api_conn *c = arg;
	size_t len = evbuffer_get_length(buf);

	if (c->phase != CONN_HEADERS || info->n_added == 0 || info->n_added > len)
		return;
	if (scan(c, buf, len - info->n_added)) {
		c->phase = CONN_BODY;
		conn_arm(c, c->d->body_secs);
	}
}

static void conn_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct api_conn *c = arg;
	struct evhttp_connection *evcon;

	if (info->n_added && c->phase != CONN_ANSWER) {
		c->phase = CONN_ANSWER;         /* the request was read whole */
		if (c->attached)
			evtimer_del(c->timer);
	} else if (info->n_deleted && evbuffer_get_length(buf) == 0 &&
	    c->phase == CONN_ANSWER) {
		if (c->attached && conn_owner(c, &evcon) != OWNER_EVHTTP) {
			conn_unwatch(c);
			return;
		}
		c->answers++;
		request_begin(c);       /* the answer is out: the next request */
	}
}

/* ---- the timer: attach, then deadlines ------------------------------------------- */

/* Right after the accept: the connection evhttp made around our
 * bufferevent, for its close callback. */
static void conn_attach(struct api_conn *c)
{
	struct evhttp_connection *evcon = NULL;
	enum owner o = conn_owner(c, &evcon);

	c->attached = true;
	if (o != OWNER_EVHTTP) {
		/* gone already, or the stream's: nothing to watch */
		conn_unwatch(c);
		bufferevent_decref(c->bev);     /* may free it: last */
		conn_free(c);
		return;
	}
	bufferevent_decref(c->bev);     /* ours until now (api_deadlines_bev): evhttp's only */
	c->evcon = evcon;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	if (c->phase == CONN_HEADERS)
		conn_arm(c, c->d->header_secs);
	else if (c->phase == CONN_BODY)
		conn_arm(c, c->d->body_secs);
}

static void conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;
	struct evhttp_connection *evcon = NULL;
	char *host = NULL;
	ev_uint16_t port;
	(void)fd;
	(void)what;

	if (!c->attached) {
		conn_attach(c);
		return;
	}
	if (conn_owner(c, &evcon) != OWNER_EVHTTP) {
		conn_unwatch(c);        /* the stream's now; it frees evcon */
		return;
	}
	if (c->phase != CONN_HEADERS && c->phase != CONN_BODY)
		return;
	/* evhttp reads with its read callback set, and writes an answer with
	 * none: an answer written in slices (api_pager.h) may drain the
	 * output between two of them, and is not a request to time */
	bufferevent_data_cb reading;
	bufferevent_getcb(c->bev, &reading, NULL, NULL, NULL);
	if (reading == NULL) {
		c->phase = CONN_ANSWER;
		return;
	}
	/* an idle kept-alive connection just ends; a slow request is counted */
	if (!(c->phase == CONN_HEADERS && c->idle && c->answers)) {
		evhttp_connection_get_peer(evcon, &host, &port);
		api_refused(c->d->rf, host ? host : "?", c->phase == CONN_HEADERS ?
		    API_REFUSED_SLOW_HEADERS : API_REFUSED_SLOW_BODY);
	}
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	conn_free(c);
	evhttp_connection_free(evcon);
}

struct bufferevent *api_deadlines_bev(struct event_base *base, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct api_deadlines *d = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct api_conn *c;

	if (bev == NULL || d->evhttp_event_cb == NULL)
		return bev;     /* unwatched (evhttp makes its own if NULL) */
	c = xcalloc(1, sizeof *c);
	c->d = d;
	c->bev = bev;
	c->phase = CONN_HEADERS;
	c->idle = true;
	c->timer = evtimer_new(base, conn_timer, c);
	c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), conn_output, c);
	if (c->timer == NULL || c->in_cb == NULL || c->out_cb == NULL)
		fatal("out of memory accepting an API connection");
	bufferevent_incref(bev);        /* until conn_attach */
	evtimer_add(c->timer, &now);    /* conn_attach, once evhttp has it */
	return bev;
}

/* ---- life --------------------------------------------------------------------------- */

struct api_deadlines *api_deadlines_new(struct event_base *base, struct api_refusals *rf,
    unsigned header_secs, unsigned body_secs)
{
	struct api_deadlines *d = xcalloc(1, sizeof *d);

	d->rf = rf;
	d->header_secs = header_secs;
	d->body_secs = body_secs;
	d->evhttp_event_cb = learn_evhttp_cb(base);
	if (d->evhttp_event_cb == NULL)
		log_warnx("api: cannot learn how evhttp drives its connections: requests "
		    "have no header or body deadline (only the 30 s idle timeout)");
	return d;
}

void api_deadlines_set(struct api_deadlines *d, unsigned header_secs, unsigned body_secs)
{
	d->header_secs = header_secs;
	d->body_secs = body_secs;
}

void api_deadlines_free(struct api_deadlines *d)
{
	free(d);
}
