/*
 * stream_int.h — what the live stream's files share: the subscribers'
 * transport (web/stream_sub.c: queues, WebSocket frames and requests,
 * idle checks), the HTTP endpoints that take connections over
 * (web/stream_http.c), and the feed side (web/stream.c: each view's events
 * as RIS Live messages, fanned out to the subscribers).
 */
#ifndef BGPMUX_STREAM_INT_H
#define BGPMUX_STREAM_INT_H

#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "muxd/config/config.h"
#include "web/jbuf.h"
#include "web/ris_msg.h"
#include "web/ris_sub.h"
#include "web/stream.h"
#include "muxd/lib/sockwriter.h"
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
	struct swconn *out;             /* what we write: the writer thread's */
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
	uint64_t written_seen;          /* swconn_written at progress_at */
	char why[192];                  /* why it left, for the log */
	char client[CLIENT_NAME_MAX + 1];
};

/* One view the stream follows; sub is its feed subscription, which
 * wants nothing while the stream has no subscriber. */
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
	struct event *tick_ev;          /* idle checks, every second */
	struct event *reap_ev;          /* frees the subscribers that left */
	struct swriter *writer;         /* writes every subscriber's queue */
	uint64_t seq;
	/* scratch for one UPDATE */
	struct bgp_prefix *prefixes;
	size_t prefix_cap;
	struct ris_path_item *items;
	size_t item_cap;
	struct jbuf json;               /* each message rendered here first */
	struct swpush *batch;           /* one message's queue entries: those of
	                                 * form 0, then from batch_cap/2 of form 1 */
	struct subscriber **batch_sub;  /* whose each entry is */
	size_t batch_cap;
};

/* ---- subscribers (stream_sub.c) --------------------------------------- */

/* Take over req's connection as a subscriber of kind (NULL: too many, or
 * out of memory). client names it in the log (may be NULL). */
struct subscriber *sub_adopt(struct stream *st, struct evhttp_request *req,
    enum sub_kind kind, const char *client);
void sub_free(struct subscriber *c, const char *why);
/* Handle what a WebSocket client sent (the 101 queued before goes out with
 * the answers). */
void sub_ws_read(struct subscriber *c);
size_t sub_queued(const struct subscriber *c);
/* A message for the subscriber, framed for its kind (m: shared, a
 * reference taken). */
void sub_write_msg(struct subscriber *c, struct swmsg *m);
/* The queue entry's framing of a message of len bytes for c's kind. */
void sub_frame(struct subscriber *c, size_t len, struct swpush *p);
/* Queue bytes as they are (an HTTP response's head). */
void sub_write_raw(struct subscriber *c, const char *s, size_t len);
/* The writer's news of a subscriber (muxd/lib/sockwriter.h). */
void sub_news_cb(struct swconn *out, unsigned news, int err, void *arg);
/* Tell the subscriber what it lost since the last notice. */
void sub_tell_dropped(struct subscriber *c);
/* Event callbacks (arg: the stream): idle checks, and the reaper. */
void sub_tick_cb(evutil_socket_t fd, short what, void *arg);
void sub_reap_cb(evutil_socket_t fd, short what, void *arg);

/* ---- the feed side (stream.c) ----------------------------------------- */

/* The first subscriber came or the last left: the views' feeds give the
 * stream their events only while someone listens. */
void stream_follow(struct stream *st);

#endif
