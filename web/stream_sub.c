/*
 * stream_sub.c — the live stream's subscribers, whatever they listen to:
 * their connections (WebSocket, SSE, NDJSON) taken over from evhttp, a
 * bounded queue each written paced, a WebSocket client's frames and RIS
 * Live requests, idle checks, and their going away.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/lib/log.h"
#include "web/untrusted_json.h"
#include "views/view.h"
#include "web/ris_json.h"
#include "web/stream_int.h"

/* ---- writing to a subscriber --------------------------------------- */

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

size_t sub_queued(const struct subscriber *c)
{
	return swconn_queued(c->out);
}

static void sub_drop(struct subscriber *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether an answer of len bytes (framing included) may be queued; if
 * not, the client asks faster than it reads: it is dropped. */
static bool answer_fits(struct subscriber *c, size_t len)
{
	size_t limit = c->st->max_queue + ANSWER_ROOM;

	if (c->dead)
		return false;
	if (sub_queued(c) + len <= limit)
		return true;
	sub_drop(c, "dropped: it sent %llu requests without reading the answers, "
	    "%zu bytes queued (limit %zu)", (unsigned long long)c->requests,
	    sub_queued(c), limit);
	return false;
}

/* The framing of a message for c's kind, in a queue entry: the message
 * itself is shared, no copy per subscriber. */
void sub_frame(struct subscriber *c, size_t len, struct swpush *p)
{
	p->c = c->out;
	p->hlen = p->tlen = 0;
	p->tail = NULL;
	switch (c->kind) {
	case SUB_WS:
		p->hlen = (uint8_t)ws_frame_header(p->head, true, WS_OP_TEXT, len, NULL);
		break;
	case SUB_SSE:
		memcpy(p->head, "data: ", 6);
		p->hlen = 6;
		p->tail = "\n\n";
		p->tlen = 2;
		break;
	case SUB_NDJSON:
		p->tail = "\n";
		p->tlen = 1;
		break;
	}
}

/* One that cannot be queued (out of memory) is lost. */
void sub_write_msg(struct subscriber *c, struct swmsg *m)
{
	struct swpush p;

	sub_frame(c, swmsg_len(m), &p);
	if (swconn_push(p.c, p.head, p.hlen, m, p.tail, p.tlen))
		c->sent++;
	else
		c->dropped++;
}

void sub_write_raw(struct subscriber *c, const char *s, size_t len)
{
	swconn_add(c->out, s, len);
}

/* A WebSocket control frame (pong, ping, close): an answer too. */
static void write_control(struct subscriber *c, uint8_t opcode, const void *data,
    size_t len)
{
	uint8_t h[WS_HEADER_MAX];
	struct swmsg *m;

	if (!answer_fits(c, WS_HEADER_MAX + len) || (m = swmsg_copy(data, len)) == NULL)
		return;
	swconn_push(c->out, h, ws_frame_header(h, true, opcode, len, NULL), m, NULL, 0);
	swmsg_unref(m);
}

/* An answer to the client (a JSON frame of type with data). */
static void send_frame(struct subscriber *c, const char *type, json_t *data)
{
	char *s = ris_frame_json(type, data);
	struct swmsg *m;

	if (s && answer_fits(c, strlen(s) + WS_HEADER_MAX) &&
	    (m = swmsg_copy(s, strlen(s)))) {
		sub_write_msg(c, m);
		swmsg_unref(m);
	}
	free(s);
}

static void send_error(struct subscriber *c, const char *msg)
{
	send_frame(c, "ris_error", json_pack("{s:o}", "message", untrusted_json(msg)));
}

/* Tell the subscriber what it lost since the last notice. */
void sub_tell_dropped(struct subscriber *c)
{
	uint64_t n = c->dropped - c->dropped_told;
	char msg[160];

	if (n == 0 || c->closing)
		return;
	snprintf(msg, sizeof msg, "%llu messages dropped: this subscriber reads "
	    "too slowly (its queue reached %zu bytes)", (unsigned long long)n,
	    c->st->max_queue);
	send_frame(c, "ris_error", json_pack("{s:s,s:I,s:I}", "message", msg,
	    "dropped", (json_int_t)n, "dropped_total", (json_int_t)c->dropped));
	c->dropped_told = c->dropped;
}

/* ---- subscriber life ------------------------------------------------ */

void sub_free(struct subscriber *c, const char *why)
{
	log_info("live stream: subscriber %s left (%s): %llu messages sent, "
	    "%llu dropped", c->client[0] ? c->client : "(no name)", why,
	    (unsigned long long)c->sent, (unsigned long long)c->dropped);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	if (--c->st->n_subscribers == 0)
		stream_follow(c->st);
	for (size_t i = 0; i < c->n_subs; i++)
		ris_sub_free(c->subs[i]);
	ws_reader_free(&c->rd);
	swconn_free(c->out);            /* the writer lets go of the socket */
	event_free(c->more_ev);
	/* frees the bufferevent and the request we never answered */
	evhttp_connection_free(c->evcon);
	free(c);
}

/* Leave now, whatever is queued: its memory goes back at once, the rest
 * from the stream's reaper (never inside a callback of c's own). */
static void sub_drop(struct subscriber *c, const char *fmt, ...)
{
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	c->dead = c->closing = true;
	swconn_discard(c->out);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->st->reap_ev, 0, 0);
}

void sub_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;
	(void)fd;
	(void)what;

	for (struct subscriber *c = st->subs, *next; c; c = next) {
		next = c->next;
		if (c->dead)
			sub_free(c, c->why);
	}
}

/* Close after what is queued has been written. */
static void sub_close(struct subscriber *c, uint16_t ws_code)
{
	uint8_t code[2] = { (uint8_t)(ws_code >> 8), (uint8_t)ws_code };

	if (c->closing)
		return;
	if (c->kind == SUB_WS)
		write_control(c, WS_OP_CLOSE, code, 2);
	if (c->dead)
		return;
	swconn_flush(c->out);
	swconn_arm(c->out, SW_NEWS_EMPTY);      /* sub_news_cb drops c then */
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

/* Every second: a WebSocket client muxd has not heard from for half of
 * idle_timeout gets a ping (every client library answers it); one not
 * heard from for idle_timeout is dropped. SSE and NDJSON clients cannot
 * speak: one whose socket took nothing for idle_timeout is dropped (SSE
 * gets a comment line after half of it, so only a stalled one is). */
static void sub_check_idle(struct subscriber *c, time_t now)
{
	unsigned limit = c->st->idle_timeout;

	uint64_t written = swconn_written(c->out);

	if (written != c->written_seen) {
		c->written_seen = written;
		c->progress_at = now;
		if (c->kind != SUB_WS)
			c->pinged = false;
	}
	if (c->closing) {
		if (now - c->progress_at >= CLOSE_WAIT_SECS)
			sub_drop(c, "closed: it did not take the close in %d s", CLOSE_WAIT_SECS);
		return;
	}
	time_t quiet = c->kind == SUB_WS ? now - c->heard_at : now - c->progress_at;
	if (quiet >= (time_t)limit) {
		sub_drop(c, "idle for %u s (stream.idle_timeout): %s", limit,
		    c->kind == SUB_WS ? "nothing heard from it" : "nothing written to it");
	} else if (quiet >= (time_t)(limit + 1) / 2 && !c->pinged) {
		c->pinged = true;
		if (c->kind == SUB_WS)
			write_control(c, WS_OP_PING, NULL, 0);
		else if (c->kind == SUB_SSE && sub_queued(c) == 0)
			sub_write_raw(c, ":\n\n", 3);
	}
}

void sub_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;
	time_t now = mono_now();
	(void)fd;
	(void)what;

	for (struct subscriber *c = st->subs; c; c = c->next)
		if (!c->dead)
			sub_check_idle(c, now);
}

/* ---- requests from a WebSocket client ------------------------------ */

static void client_subscribe(struct subscriber *c, json_t *data)
{
	char err[256];
	struct ris_sub *s;

	if (c->n_subs == SUBS_PER_CLIENT) {
		send_error(c, "too many subscriptions on this connection (at most 16): "
		    "ris_unsubscribe one first");
		return;
	}
	if ((s = ris_sub_parse(data, err, sizeof err)) == NULL) {
		send_error(c, err);
		return;
	}
	c->subs[c->n_subs++] = s;
	if (s->acknowledge)
		send_frame(c, "ris_subscribe_ok", json_pack("{s:O,s:{s:b,s:b}}",
		    "subscription", s->spec, "socketOptions", "includeRaw",
		    s->include_raw, "acknowledge", s->acknowledge));
}

static void client_unsubscribe(struct subscriber *c, json_t *data)
{
	char err[256];
	struct ris_sub *want = ris_sub_parse(data, err, sizeof err);

	if (want == NULL) {
		send_error(c, err);
		return;
	}
	for (size_t i = 0; i < c->n_subs; i++) {
		if (json_equal(c->subs[i]->spec, want->spec)) {
			ris_sub_free(c->subs[i]);
			c->subs[i] = c->subs[--c->n_subs];
			ris_sub_free(want);
			return;
		}
	}
	ris_sub_free(want);
	send_error(c, "ris_unsubscribe: no such subscription on this connection");
}

static void client_rrc_list(struct subscriber *c)
{
	json_t *hosts = json_array();
	for (struct stream_view *sv = c->st->views; sv; sv = sv->next)
		json_array_append_new(hosts, json_string(view_name(sv->v)));
	send_frame(c, "ris_rrc_list", hosts);
}

static void client_message(struct subscriber *c, const uint8_t *p, size_t len)
{
	json_error_t jerr;
	json_t *msg = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = json_string_value(json_object_get(msg, "type"));
	json_t *data = json_object_get(msg, "data");

	if (type == NULL)
		send_error(c, "expected a JSON object {\"type\": \"ris_subscribe\", "
		    "\"data\": {…}}");
	else if (strcmp(type, "ris_subscribe") == 0)
		client_subscribe(c, data);
	else if (strcmp(type, "ris_unsubscribe") == 0)
		client_unsubscribe(c, data);
	else if (strcmp(type, "request_rrc_list") == 0)
		client_rrc_list(c);
	else if (strcmp(type, "ping") == 0)
		send_frame(c, "pong", json_null());
	else
		send_error(c, "unknown message type (known: ris_subscribe, "
		    "ris_unsubscribe, request_rrc_list, ping)");
	json_decref(msg);
}

static void ws_control(struct subscriber *c, const struct ws_event *ev)
{
	if (ev->type == WS_EV_PING)
		write_control(c, WS_OP_PONG, ev->data, ev->len);
}

/* Handle what the client sent, FRAMES_PER_PASS frames at most (never
 * frees c: a close is queued, or c is left for the reaper). */
void sub_ws_read(struct subscriber *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct ws_event ev;

	for (int frames = 0; !c->closing && evbuffer_get_length(in) > 0; frames++) {
		if (frames == FRAMES_PER_PASS) {
			c->more_pending = true;
			event_active(c->more_ev, 0, 0);
			break;
		}
		size_t len = evbuffer_get_length(in);
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)len);
		size_t used = ws_reader_next(&c->rd, p, len, &ev);
		if (ev.type == WS_EV_ERROR) {
			sub_close(c, ev.close_code);
			break;
		}
		if (used == 0) {
			if (len >= INPUT_MAX)   /* cannot happen: frames are bounded */
				sub_close(c, WS_CLOSE_TOO_BIG);
			break;
		}
		c->requests++;
		if (ev.type == WS_EV_MESSAGE)
			client_message(c, ev.data, ev.len);
		else if (ev.type == WS_EV_CLOSE)
			sub_close(c, WS_CLOSE_NORMAL);
		else
			ws_control(c, &ev);
		evbuffer_drain(in, used);
	}
	if (!c->dead)   /* answers (pong, subscribe_ok, errors): no waiting */
		swconn_flush(c->out);
}

static void more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct subscriber *c = arg;
	(void)fd;
	(void)what;

	c->more_pending = false;
	if (!c->dead)
		sub_ws_read(c);
}

static void sub_read_cb(struct bufferevent *bev, void *arg)
{
	struct subscriber *c = arg;

	c->heard_at = mono_now();
	c->pinged = false;
	if (c->kind == SUB_WS && !c->more_pending)
		sub_ws_read(c);
	else if (c->kind != SUB_WS)     /* SSE and NDJSON clients have nothing to say */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* A write failed, or left the queue as armed: empty after a close, at
 * half of max_queue or less after a message was lost. */
void sub_news_cb(struct swconn *out, unsigned news, int err, void *arg)
{
	struct subscriber *c = arg;
	(void)out;
	(void)err;

	if (c->dead)
		return;
	if (news & SW_NEWS_ERROR)
		sub_drop(c, "connection error");
	else if (c->closing && sub_queued(c) == 0)
		sub_drop(c, "closed");
	else if (!c->closing)
		sub_tell_dropped(c);
}

static void sub_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct subscriber *c = arg;
	(void)bev;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		sub_drop(c, "%s", (what & BEV_EVENT_EOF) ? "connection closed" :
		    "connection error");
}

/* ---- taking over an HTTP connection -------------------------------- */

struct subscriber *sub_adopt(struct stream *st, struct evhttp_request *req,
    enum sub_kind kind, const char *client)
{
	struct subscriber *c;
	int sndbuf = SOCKET_SNDBUF;

	if (st->n_subscribers >= MAX_SUBSCRIBERS || (c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->more_ev = event_new(st->base, -1, 0, more_cb, c);
	c->out = swconn_new(st->writer, bufferevent_getfd(
	    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req))),
	    st->max_queue / 2, c);
	if (c->more_ev == NULL || c->out == NULL) {
		if (c->more_ev)
			event_free(c->more_ev);
		swconn_free(c->out);
		free(c);
		return NULL;
	}
	c->st = st;
	c->kind = kind;
	c->evcon = evhttp_request_get_connection(req);
	c->bev = evhttp_connection_get_bufferevent(c->evcon);
	snprintf(c->client, sizeof c->client, "%s", client ? client : "");
	ws_reader_init(&c->rd, WS_MAX_MESSAGE);
	c->heard_at = c->progress_at = mono_now();
	/* evhttp no longer sees this connection: the bufferevent reads for
	 * us, without timeouts; the writer thread writes; a small kernel
	 * buffer so that the queue limit is ours to keep */
	bufferevent_setcb(c->bev, sub_read_cb, NULL, sub_event_cb, c);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_MAX);
	setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof sndbuf);
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
	c->next = st->subs;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &st->subs;
	st->subs = c;
	if (st->n_subscribers++ == 0)
		stream_follow(st);
	return c;
}
