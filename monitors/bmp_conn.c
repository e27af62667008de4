/*
 * bmp_conn.c — one BMP collector's connection (bmp_int.h): connecting
 * with back-off, the output, its bound, and Termination at exit.
 *
 * The loop only encodes. A connection's messages gather in its buffer
 * (pend), queued with one copy to the exporter's writer thread
 * (muxd/lib/sockwriter.h) at the end of the loop's pass or when the
 * buffer fills: the copies into the collector's socket run beside the
 * BGP sessions, not on their loop. The bufferevent only reads: a
 * collector sends nothing, but its close shows there.
 */
#include "monitors/bmp_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/sockwriter.h"

#define BACKOFF_MAX 60
#define CLOSE_FLUSH_MS 2000

static void conn_reconnect_later(struct bmp_conn *c)
{
	struct timeval tv = { c->backoff, 0 };

	evtimer_add(c->retry_ev, &tv);
	c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : c->backoff * 2;
}

static void conn_close(struct bmp_conn *c)
{
	event_del(c->push_ev);
	c->pend_len = 0;
	swconn_free(c->out);            /* before the socket closes */
	c->out = NULL;
	if (c->bev)
		bufferevent_free(c->bev);
	c->bev = NULL;
	c->up = false;
	event_del(c->dump_ev);
}

/* Closed now, connected again after the back-off; a new connection gets
 * the full state again. */
static void conn_retry(struct bmp_conn *c)
{
	conn_close(c);
	conn_reconnect_later(c);
}

/* ---- output ---------------------------------------------------------- */

static size_t conn_queued(const struct bmp_conn *c)
{
	return swconn_queued(c->out) + c->pend_len;
}

/* What gathered in pend, to the writer thread. False if the connection
 * was dropped for want of memory. */
static bool conn_push(struct bmp_conn *c)
{
	size_t len = c->pend_len;

	if (len == 0)
		return true;
	c->pend_len = 0;
	if (swconn_add(c->out, c->pend, len))
		return true;
	c->drops++;
	log_warnx("bmp %s: out of memory queueing %zu bytes: dropping the connection",
	    c->name, len);
	conn_retry(c);
	return false;
}

static void push_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_push(arg);
}

void bmp_conn_send(struct bmp_conn *c, const uint8_t *p, size_t len)
{
	if (!c->up || len == 0)
		return;
	if (conn_queued(c) > OUT_LIMIT) {
		c->drops++;
		log_warnx("bmp %s: more than %u MB unread: dropping the connection (%llu so "
		    "far); it gets the full state again when it reconnects", c->name,
		    OUT_LIMIT >> 20, (unsigned long long)c->drops);
		conn_retry(c);
		return;
	}
	if (c->pend_len + len > sizeof c->pend && !conn_push(c))
		return;
	if (c->pend_len == 0)
		event_active(c->push_ev, 0, 0);
	memcpy(c->pend + c->pend_len, p, len);
	c->pend_len += len;
}

bool bmp_conn_paused(struct bmp_conn *c)
{
	if (conn_queued(c) <= OUT_PAUSE)
		return false;
	swconn_arm(c->out, SW_NEWS_LOW);
	return true;
}

/* From the writer thread, on the loop: a write failed, or the output has
 * drained to OUT_PAUSE / 2 (the dump may go on). */
static void conn_news(struct swconn *out, unsigned news, int err, void *arg)
{
	struct bmp_conn *c = arg;
	(void)out;

	if (news & SW_NEWS_ERROR) {
		log_warnx("bmp %s: %s: reconnecting in %u s", c->name, strerror(err),
		    c->backoff);
		conn_retry(c);
	} else if ((news & SW_NEWS_LOW) && c->up && !c->dump_done) {
		bmp_schedule_dump(c);
	}
}

struct swriter *bmp_writer_new(struct event_base *base)
{
	return swriter_new(base, conn_news, true, "bmp");
}

/* ---- connecting -------------------------------------------------------- */

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));    /* collectors send nothing */
}

static void conn_up(struct bmp_conn *c)
{
	c->out = swconn_new(c->x->writer, bufferevent_getfd(c->bev), OUT_PAUSE / 2, c);
	if (c->out == NULL) {
		log_warnx("bmp %s: out of memory: reconnecting in %u s", c->name, c->backoff);
		conn_retry(c);
		return;
	}
	bufferevent_disable(c->bev, EV_WRITE);
	c->up = true;
	c->backoff = 1;
	c->connects++;
	bmp_collector_up(c);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bmp_conn *c = arg;
	(void)bev;

	if (what & BEV_EVENT_CONNECTED) {
		conn_up(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int err = EVUTIL_SOCKET_ERROR();
		log_warnx("bmp %s: %s: reconnecting in %u s", c->name,
		    (what & BEV_EVENT_EOF) ? "connection closed by the collector" :
		    err ? strerror(err) : "connection failed", c->backoff);
		conn_retry(c);
	}
}

static void conn_connect(struct bmp_conn *c)
{
	c->bev = bufferevent_socket_new(c->x->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatal("bmp: cannot allocate a bufferevent");
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, &c->addr.u.sa, c->addr.len) < 0) {
		log_warnx("bmp %s: cannot connect: %s", c->name, strerror(errno));
		conn_retry(c);
	}
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_connect(arg);
}

void bmp_conn_start(struct bmp_conn *c, struct bmp_exporter *x, unsigned idx,
    const struct sockaddr_mux *addr)
{
	char a[64];

	c->x = x;
	c->idx = idx;
	c->addr = *addr;
	c->backoff = 1;
	snprintf(c->name, sizeof c->name, "collector %s port %u",
	    sockaddr_ntop(&c->addr, a, sizeof a), sockaddr_port(&c->addr));
	c->retry_ev = evtimer_new(x->base, retry_cb, c);
	c->push_ev = event_new(x->base, -1, 0, push_cb, c);
	conn_connect(c);
}

/* ---- the end ---------------------------------------------------------- */

/* Termination queued to the writer thread. */
static void conn_queue_termination(struct bmp_conn *c)
{
	struct bmp_exporter *x = c->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);

	if (!c->up)
		return;
	bmp_conn_send(c, x->msg, bmp_termination_encode(&w, BMP_TERM_ADMIN_CLOSE,
	    "bgpmux shutting down"));
	if (c->up)
		conn_push(c);
}

void bmp_conns_terminate(struct bmp_exporter *x)
{
	for (size_t i = 0; i < x->nconns; i++)
		conn_queue_termination(&x->conns[i]);
	/* one deadline for all: the thread writes them all meanwhile */
	struct timespec deadline = swriter_deadline(CLOSE_FLUSH_MS);
	for (size_t i = 0; i < x->nconns; i++) {
		struct bmp_conn *c = &x->conns[i];
		if (!c->up)
			continue;
		bool sent = swconn_drain(c->out, &deadline);
		log_info("bmp %s: %s", c->name, sent ? "sent Termination" :
		    "could not send Termination within 2 s");
	}
}

void bmp_conn_free(struct bmp_conn *c)
{
	conn_close(c);
	event_free(c->retry_ev);
	event_free(c->push_ev);
	event_free(c->dump_ev);
}
