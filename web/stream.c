/*
 * stream.c — live stream subscribers: the connections (WebSocket, SSE,
 * NDJSON), the client's RIS Live requests, and the fan-out of each view's
 * messages with a bounded queue per subscriber.
 */
#include "web/stream.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <time.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/config/config.h"
#include "muxd/lib/log.h"
#include "muxd/msgtap.h"
#include "muxd/lib/outbatch.h"
#include "muxd/engine/peer.h"
#include "web/untrusted_json.h"
#include "views/view.h"
#include "web/http_util.h"
#include "web/ris_json.h"
#include "web/ris_sub.h"
#include "web/ws.h"

#define SUBS_PER_CLIENT 16              /* ris_subscribe per connection */
#define WS_MAX_MESSAGE (64 * 1024)      /* a client's message */
#define INPUT_MAX (WS_MAX_MESSAGE + WS_HEADER_MAX)
#define SOCKET_SNDBUF (128 * 1024)      /* the kernel's share of the queue */
#define MAX_SUBSCRIBERS 1024            /* connections, for the memory bound */
/* Answers to a client's own requests (pong, ris_subscribe_ok, ris_error)
 * may take its queue this far past max_queue, so that one that reads
 * slowly still gets them; one that asks without reading is dropped there. */
#define ANSWER_ROOM (WS_MAX_MESSAGE + 1024)
/* Frames taken from one client per loop pass; the rest waits for the next
 * pass, and the client meets TCP's window meanwhile. */
#define FRAMES_PER_PASS 32
#define CLOSE_WAIT_SECS 5               /* a close frame the client does not take */

enum sub_kind { SUB_WS, SUB_SSE, SUB_NDJSON };

struct subscriber {
	struct stream *st;
	struct subscriber *next, **pprev;
	enum sub_kind kind;
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	struct outbatch out;            /* what we write, batched */
	struct ws_reader rd;
	struct ris_sub *subs[SUBS_PER_CLIENT];
	size_t n_subs;
	uint64_t sent, dropped, dropped_told;
	uint64_t requests;              /* frames the client sent */
	bool closing;                   /* close queued: free once written */
	bool dead;                      /* left: the stream's reaper frees it */
	bool pinged;                    /* our ping is out and nothing heard since */
	bool more_pending;              /* more_ev is active */
	struct event *more_ev;          /* input left for the next loop pass */
	time_t heard_at;                /* monotonic: the client's last bytes */
	time_t progress_at;             /* monotonic: the socket last took bytes */
	uint64_t written_seen;          /* out.written at progress_at */
	char why[192];                  /* why it left, for the log */
	char client[CLIENT_NAME_MAX + 1];
};

struct stream_view {
	struct stream *st;
	struct view *v;
	struct feed_sub *sub;
	uint16_t afi;
	uint8_t addr[16];
	struct stream_view *next;
};

struct stream {
	struct event_base *base;
	size_t max_queue;
	unsigned idle_timeout;          /* seconds */
	struct stream_view *views;
	struct subscriber *subs;
	size_t n_subscribers;
	struct msgtap *tap;
	struct event *tick_ev;          /* idle checks, every second */
	struct event *reap_ev;          /* frees the subscribers that left */
	uint64_t seq, messages, dropped;
	uint64_t overrun, idle;         /* subscribers dropped for each */
	/* the UPDATE just received, until the view publishes it */
	struct session *raw_session;
	const uint8_t *raw;
	size_t raw_len;
	/* scratch for one UPDATE */
	struct bgp_prefix *prefixes;
	size_t prefix_cap;
	struct ris_path_item *items;
	size_t item_cap;
};

/* ---- writing to a subscriber --------------------------------------- */

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static size_t queued(const struct subscriber *c)
{
	return outbatch_queued(&c->out);
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
	if (queued(c) + len <= limit)
		return true;
	c->st->overrun++;
	sub_drop(c, "dropped: it sent %llu requests without reading the answers, "
	    "%zu bytes queued (limit %zu)", (unsigned long long)c->requests,
	    queued(c), limit);
	return false;
}

static void write_text(struct subscriber *c, const char *s, size_t len)
{
	uint8_t h[WS_HEADER_MAX];
	struct evbuffer *out = outbatch_queue(&c->out);

	switch (c->kind) {
	case SUB_WS:
		evbuffer_add(out, h, ws_frame_header(h, true, WS_OP_TEXT, len, NULL));
		evbuffer_add(out, s, len);
		break;
	case SUB_SSE:
		evbuffer_add(out, "data: ", 6);
		evbuffer_add(out, s, len);
		evbuffer_add(out, "\n\n", 2);
		break;
	case SUB_NDJSON:
		evbuffer_add(out, s, len);
		evbuffer_add(out, "\n", 1);
		break;
	}
	outbatch_commit(&c->out);
	c->sent++;
}

/* A WebSocket control frame (pong, ping, close): an answer too. */
static void write_control(struct subscriber *c, uint8_t opcode, const void *data,
    size_t len)
{
	uint8_t h[WS_HEADER_MAX];
	struct evbuffer *out = outbatch_queue(&c->out);

	if (!answer_fits(c, WS_HEADER_MAX + len))
		return;
	evbuffer_add(out, h, ws_frame_header(h, true, opcode, len, NULL));
	if (len)
		evbuffer_add(out, data, len);
	outbatch_commit(&c->out);
}

/* An answer to the client (a JSON frame of type with data). */
static void send_frame(struct subscriber *c, const char *type, json_t *data)
{
	char *s = ris_frame_json(type, data);
	if (s && answer_fits(c, strlen(s) + WS_HEADER_MAX))
		write_text(c, s, strlen(s));
	free(s);
}

static void send_error(struct subscriber *c, const char *msg)
{
	send_frame(c, "ris_error", json_pack("{s:o}", "message", untrusted_json(msg)));
}

/* Tell the subscriber what it lost since the last notice. */
static void tell_dropped(struct subscriber *c)
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

static void sub_free(struct subscriber *c, const char *why)
{
	log_info("live stream: subscriber %s left (%s): %llu messages sent, "
	    "%llu dropped", c->client[0] ? c->client : "(no name)", why,
	    (unsigned long long)c->sent, (unsigned long long)c->dropped);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->st->n_subscribers--;
	for (size_t i = 0; i < c->n_subs; i++)
		ris_sub_free(c->subs[i]);
	ws_reader_free(&c->rd);
	outbatch_free(&c->out);
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
	outbatch_discard(&c->out);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->st->reap_ev, 0, 0);
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
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
	outbatch_flush(&c->out);        /* sub_out_cb frees c once it is all out */
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

	if (c->out.written != c->written_seen) {
		c->written_seen = c->out.written;
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
		c->st->idle++;
		sub_drop(c, "idle for %u s (stream.idle_timeout): %s", limit,
		    c->kind == SUB_WS ? "nothing heard from it" : "nothing written to it");
	} else if (quiet >= (time_t)(limit + 1) / 2 && !c->pinged) {
		c->pinged = true;
		if (c->kind == SUB_WS)
			write_control(c, WS_OP_PING, NULL, 0);
		else if (c->kind == SUB_SSE && queued(c) == 0)
			outbatch_add(&c->out, ":\n\n", 3);
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
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
static void ws_read(struct subscriber *c)
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
		outbatch_flush(&c->out);
}

static void more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct subscriber *c = arg;
	(void)fd;
	(void)what;

	c->more_pending = false;
	if (!c->dead)
		ws_read(c);
}

static void sub_read_cb(struct bufferevent *bev, void *arg)
{
	struct subscriber *c = arg;

	c->heard_at = mono_now();
	c->pinged = false;
	if (c->kind == SUB_WS && !c->more_pending)
		ws_read(c);
	else if (c->kind != SUB_WS)     /* SSE and NDJSON clients have nothing to say */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* A paced write left the queue at half of max_queue or less, or failed. */
static void sub_out_cb(struct outbatch *ob, enum outbatch_event what, void *arg)
{
	struct subscriber *c = arg;
	(void)ob;

	if (c->dead)
		return;
	if (what == OUTBATCH_ERROR)
		sub_drop(c, "connection error");
	else if (c->closing && queued(c) == 0)
		sub_drop(c, "closed");
	else if (!c->closing)
		tell_dropped(c);
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

static struct subscriber *sub_adopt(struct stream *st, struct evhttp_request *req,
    enum sub_kind kind, const char *client)
{
	struct subscriber *c;
	int sndbuf = SOCKET_SNDBUF;

	if (st->n_subscribers >= MAX_SUBSCRIBERS || (c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if ((c->more_ev = event_new(st->base, -1, 0, more_cb, c)) == NULL) {
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
	 * us, without timeouts; the outbatch writes; a small kernel buffer so
	 * that the queue limit is ours to keep */
	outbatch_init(&c->out, st->base, bufferevent_getfd(c->bev), st->max_queue / 2,
	    sub_out_cb, c);
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
	st->n_subscribers++;
	return c;
}

static const char *header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

/* Whether a comma-separated header value holds token (any case). */
static bool header_has(const char *value, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = value; p && *p; ) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

static const char *query_get(struct evhttp_request *req, const char *key,
    struct evkeyvalq *q)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(q);
	if (query && evhttp_parse_query_str(query, q) != 0)
		return NULL;
	return evhttp_find_header(q, key);
}

/* ?client= names the subscriber in the log: a client name (config.h), or
 * 400. */
static bool client_param_ok(struct evhttp_request *req, const char *client)
{
	char why[200], msg[220];

	if (client == NULL || client_name_ok(client, CLIENT_NAME_MAX, why, sizeof why))
		return true;
	snprintf(msg, sizeof msg, "client: %s", why);
	http_send_error(req, 400, msg);
	return false;
}

static void ws_handler(struct evhttp_request *req, void *arg)
{
	struct stream *st = arg;
	char accept[WS_ACCEPT_LEN + 1];
	struct evkeyvalq q;
	const char *version = header(req, "Sec-WebSocket-Version");

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    !header_has(header(req, "Upgrade"), "websocket") ||
	    !header_has(header(req, "Connection"), "upgrade")) {
		evhttp_send_error(req, 400, "a WebSocket upgrade (GET with Upgrade: "
		    "websocket) is expected here");
		return;
	}
	if (version == NULL || strcmp(version, "13") != 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Sec-WebSocket-Version", "13");
		evhttp_send_error(req, 426, "WebSocket version 13 is required");
		return;
	}
	if (!ws_accept_key(header(req, "Sec-WebSocket-Key"), accept)) {
		evhttp_send_error(req, 400, "Sec-WebSocket-Key must be 16 bytes in base64");
		return;
	}
	const char *client = query_get(req, "client", &q);
	if (!client_param_ok(req, client)) {
		evhttp_clear_headers(&q);
		return;
	}
	struct subscriber *c = sub_adopt(st, req, SUB_WS, client);
	evhttp_clear_headers(&q);
	if (c == NULL) {
		evhttp_send_error(req, 503, "too many stream subscribers: try again later");
		return;
	}
	evbuffer_add_printf(outbatch_queue(&c->out), "HTTP/1.1 101 Switching "
	    "Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	/* a frame may have come with the request; ws_read sends the 101 too */
	ws_read(c);
}

/* The query string as a ris_subscribe "data" object: prefix may repeat
 * or hold a comma-separated list; booleans are "true"/"false". */
static json_t *query_subscription(struct evkeyvalq *q, const char **format,
    const char **client, char *err, size_t errlen)
{
	json_t *data = json_object(), *opts = json_object();
	json_t *prefixes = json_array();

	for (struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
		const char *k = kv->key, *v = kv->value;
		if (strcmp(k, "format") == 0) {
			*format = v;
		} else if (strcmp(k, "client") == 0) {
			*client = v;
		} else if (strcmp(k, "prefix") == 0) {
			char *dup = strdup(v), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
				json_array_append_new(prefixes, json_string(t));
			free(dup);
		} else if (!strcmp(k, "moreSpecific") || !strcmp(k, "lessSpecific")) {
			json_object_set_new(data, k, json_boolean(strcmp(v, "true") == 0));
		} else if (!strcmp(k, "includeRaw")) {
			json_object_set_new(opts, k, json_boolean(strcmp(v, "true") == 0));
		} else {
			json_object_set_new(data, k, json_string(v));
		}
	}
	if (json_array_size(prefixes))
		json_object_set(data, "prefix", prefixes);
	if (json_object_size(opts))
		json_object_set(data, "socketOptions", opts);
	json_decref(prefixes);
	json_decref(opts);
	(void)err;
	(void)errlen;
	return data;
}

static void http_stream_handler(struct evhttp_request *req, void *arg)
{
	struct stream *st = arg;
	struct evkeyvalq q;
	const char *format = "sse", *client = NULL;
	char err[256] = "";

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	query_get(req, "format", &q);
	json_t *data = query_subscription(&q, &format, &client, err, sizeof err);
	struct ris_sub *s = ris_sub_parse(data, err, sizeof err);
	json_decref(data);
	bool json = strcmp(format, "json") == 0;
	if (s == NULL || (!json && strcmp(format, "sse") != 0)) {
		evhttp_clear_headers(&q);
		ris_sub_free(s);
		/* err may quote the query: JSON, never the status line or HTML */
		http_send_error(req, 400, s ? "format: sse (default) or json" : err);
		return;
	}
	if (!client_param_ok(req, client)) {
		evhttp_clear_headers(&q);
		ris_sub_free(s);
		return;
	}
	struct subscriber *c = sub_adopt(st, req, json ? SUB_NDJSON : SUB_SSE, client);
	evhttp_clear_headers(&q);
	if (c == NULL) {
		ris_sub_free(s);
		evhttp_send_error(req, 503, "too many stream subscribers: try again later");
		return;
	}
	c->subs[c->n_subs++] = s;
	evbuffer_add_printf(outbatch_queue(&c->out), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: %s\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
	    json ? "application/x-ndjson" : "text/event-stream");
	outbatch_flush(&c->out);
}

/* ---- fan-out ---------------------------------------------------------- */

/* A message as JSON, rendered once per form for every subscriber. */
struct rendered {
	char *js[2];                    /* [0] without "raw", [1] with it */
	size_t len[2];
};

static void lost(struct subscriber *c)
{
	c->dropped++;
	c->st->dropped++;
}

/* A message that would take the queue past max_queue is lost: messages
 * never hold more, so that answers always have their ANSWER_ROOM. */
static void deliver_one(struct subscriber *c, const struct ris_msg *m,
    struct rendered *r)
{
	bool want = false, want_raw = false;

	for (size_t i = 0; i < c->n_subs; i++) {
		if (ris_sub_matches(c->subs[i], m)) {
			want = true;
			want_raw |= c->subs[i]->include_raw;
		}
	}
	if (!want)
		return;
	if (queued(c) >= c->st->max_queue) {
		lost(c);
		return;
	}
	if (r->js[want_raw] == NULL && (r->js[want_raw] = ris_message_json(m, want_raw)))
		r->len[want_raw] = strlen(r->js[want_raw]);
	if (r->js[want_raw] == NULL)
		return;
	if (queued(c) + r->len[want_raw] + WS_HEADER_MAX > c->st->max_queue) {
		lost(c);
		return;
	}
	tell_dropped(c);
	write_text(c, r->js[want_raw], r->len[want_raw]);
}

static void deliver(struct stream *st, struct ris_msg *m)
{
	struct rendered r = { { NULL, NULL }, { 0, 0 } };
	struct timeval tv;

	gettimeofday(&tv, NULL);
	m->timestamp = tv.tv_sec + tv.tv_usec / 1e6;
	m->seq = ++st->seq;
	st->messages++;
	for (struct subscriber *c = st->subs; c; c = c->next)
		if (!c->closing)
			deliver_one(c, m, &r);
	free(r.js[0]);
	free(r.js[1]);
}

static void msg_init(struct ris_msg *m, const struct stream_view *sv,
    enum ris_type type)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->host = view_name(sv->v);
	m->peer_afi = sv->afi;
	memcpy(m->peer_addr, sv->addr, sizeof m->peer_addr);
	m->peer_asn = view_config(sv->v)->remote_as;
}

static bool session_of_view(const struct stream_view *sv, const struct session *s)
{
	struct session *all[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(view_peer(sv->v), all, PEER_MAX_SESSIONS);
	for (size_t i = 0; i < n; i++)
		if (all[i] == s)
			return true;
	return false;
}

static bool scratch_reserve(struct stream *st, size_t prefixes, size_t items)
{
	if (prefixes > st->prefix_cap) {
		free(st->prefixes);
		st->prefixes = malloc(prefixes * sizeof *st->prefixes);
		st->prefix_cap = st->prefixes ? prefixes : 0;
	}
	if (items > st->item_cap) {
		free(st->items);
		st->items = malloc(items * sizeof *st->items);
		st->item_cap = st->items ? items : 0;
	}
	return st->prefixes && st->items;
}

static void on_update(struct stream_view *sv, const struct feed_event *ev)
{
	struct stream *st = sv->st;
	const struct bgp_update *u = ev->update;
	struct ris_msg m;
	/* every prefix takes at least one octet of the message */
	size_t body = u->withdrawn.len + u->nlri.len + u->attr_raw.len;

	msg_init(&m, sv, RIS_UPDATE);
	if (!scratch_reserve(st, RIS_PREFIXES_MAX(body), u->attrs.as_path.len / 4 + 1) ||
	    !ris_msg_from_update(&m, u, &ev->neg->rx, st->prefixes, st->prefix_cap,
	    st->items, st->item_cap))
		return;
	if (st->raw && st->raw_session && session_of_view(sv, st->raw_session)) {
		m.raw = st->raw;
		m.raw_len = st->raw_len;
	}
	st->raw = NULL;
	deliver(st, &m);
}

static void view_feed_cb(const struct feed_event *ev, void *arg)
{
	struct stream_view *sv = arg;
	struct ris_msg m;

	if (sv->st->subs == NULL) {
		sv->st->raw = NULL;
		return;
	}
	if (ev->type == FEED_UPDATE) {
		if (ev->update && ev->neg)
			on_update(sv, ev);
		return;
	}
	msg_init(&m, sv, RIS_PEER_STATE);
	m.state = ev->type == FEED_SESSION_UP ? "connected" : "down";
	deliver(sv->st, &m);
}

static struct stream_view *view_of_session(struct stream *st, const struct session *s)
{
	for (struct stream_view *sv = st->views; sv; sv = sv->next)
		if (session_of_view(sv, s))
			return sv;
	return NULL;
}

/* OPEN, KEEPALIVE (received) and NOTIFICATION of the views' sessions. */
static void tap_other(struct stream *st, struct stream_view *sv, bool sent,
    const uint8_t *msg, size_t len)
{
	struct ris_msg m;
	struct bgp_open o;
	struct bgp_notification n;
	struct bgp_err err = { 0 };
	const uint8_t *body = msg + BGP_HEADER_LEN;
	size_t blen = len - BGP_HEADER_LEN;

	switch (msg[18]) {
	case BGP_OPEN:
		msg_init(&m, sv, RIS_OPEN);
		if (bgp_open_decode(body, blen, &o, &err))
			m.open = &o;
		break;
	case BGP_NOTIFICATION:
		msg_init(&m, sv, RIS_NOTIFICATION);
		if (bgp_notification_decode(body, blen, &n, &err))
			m.notification = &n;
		break;
	case BGP_KEEPALIVE:
		if (sent)
			return;
		msg_init(&m, sv, RIS_KEEPALIVE);
		break;
	default:
		return;
	}
	m.sent = sent;
	m.raw = msg;
	m.raw_len = len;
	deliver(st, &m);
}

static void stream_tap(struct session *s, bool sent, const uint8_t *msg,
    size_t len, void *arg)
{
	struct stream *st = arg;

	if (len < BGP_HEADER_LEN)
		return;
	if (msg[18] == BGP_UPDATE) {
		/* the view publishes it next; kept whoever listens, so that
		 * what on_update finds is always this message */
		if (!sent) {
			st->raw_session = s;
			st->raw = msg;
			st->raw_len = len;
		}
		return;
	}
	if (st->subs == NULL)
		return;
	struct stream_view *sv = view_of_session(st, s);
	if (sv)
		tap_other(st, sv, sent, msg, len);
}

/* ---- the module ------------------------------------------------------- */

struct stream *stream_new(struct event_base *base, size_t max_queue,
    unsigned idle_timeout)
{
	struct stream *st = calloc(1, sizeof *st);
	struct timeval second = { 1, 0 };

	if (st == NULL)
		return NULL;
	st->base = base;
	st->max_queue = max_queue ? max_queue : STREAM_MAX_QUEUE_DEFAULT;
	st->idle_timeout = idle_timeout ? idle_timeout : STREAM_IDLE_TIMEOUT_DEFAULT;
	st->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, st);
	st->reap_ev = event_new(base, -1, 0, reap_cb, st);
	if (st->tick_ev == NULL || st->reap_ev == NULL) {
		stream_free(st);
		return NULL;
	}
	evtimer_add(st->tick_ev, &second);
	st->tap = msgtap_add(stream_tap, st);
	return st;
}

void stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	while (st->subs)
		sub_free(st->subs, st->subs->dead ? st->subs->why : "the stream stops");
	while (st->views)
		stream_view_remove(st, st->views->v);
	if (st->tap)
		msgtap_remove(st->tap);
	if (st->tick_ev)
		event_free(st->tick_ev);
	if (st->reap_ev)
		event_free(st->reap_ev);
	free(st->prefixes);
	free(st->items);
	free(st);
}

bool stream_attach(struct stream *st, struct evhttp *http)
{
	return evhttp_set_cb(http, "/v1/ws", ws_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/ws/", ws_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/stream", http_stream_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/stream/", http_stream_handler, st) == 0;
}

void stream_view_add(struct stream *st, struct view *v)
{
	struct stream_view *sv = calloc(1, sizeof *sv);
	const struct sockaddr_mux *a = &view_config(v)->remote;

	if (sv == NULL)
		return;
	sv->st = st;
	sv->v = v;
	if (sockaddr_family(a) == AF_INET) {
		sv->afi = BGP_AFI_IPV4;
		memcpy(sv->addr, &a->u.sin.sin_addr, 4);
	} else {
		sv->afi = BGP_AFI_IPV6;
		memcpy(sv->addr, &a->u.sin6.sin6_addr, 16);
	}
	sv->sub = feed_subscribe(view_feed(v), FEED_MASK(FEED_UPDATE) |
	    FEED_MASK(FEED_SESSION_UP) | FEED_MASK(FEED_SESSION_DOWN), view_feed_cb, sv);
	sv->next = st->views;
	st->views = sv;
}

void stream_view_remove(struct stream *st, struct view *v)
{
	for (struct stream_view **p = &st->views; *p; p = &(*p)->next) {
		if ((*p)->v == v) {
			struct stream_view *sv = *p;
			*p = sv->next;
			feed_unsubscribe(sv->sub);
			free(sv);
			return;
		}
	}
}

json_t *stream_to_json(const struct stream *st)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "subscribers",
	    (json_int_t)st->n_subscribers, "messages", (json_int_t)st->messages,
	    "dropped", (json_int_t)st->dropped, "overrun", (json_int_t)st->overrun,
	    "idle", (json_int_t)st->idle);
}
