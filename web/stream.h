/*
 * stream.h — the RIS Live-compatible live stream: every change of every
 * view, filtered per subscriber, over WebSocket (/v1/ws/) and over plain
 * HTTP as Server-Sent Events (/v1/stream) or newline-delimited JSON
 * (/v1/stream/?format=json). Message format and subscription protocol:
 * ../shared/specs/ris-live.md, web/ris_sub.h, web/ris_json.h.
 *
 * The stream is a feed subscriber of each view while anyone subscribes to
 * it: FEED_UPDATE (with the message's raw bytes, for includeRaw),
 * FEED_MESSAGE (OPEN, KEEPALIVE, NOTIFICATION) and the session's ups and
 * downs. With no subscriber it wants nothing of them, and costs nothing.
 *
 * It never slows a BGP session: each message is rendered at most twice
 * (with and without "raw") and queued to each matching subscriber without
 * waiting and without a copy; a thread of the stream's own writes the
 * queues, paced, once every few milliseconds, as much as each socket takes
 * (muxd/lib/sockwriter.h). A message that would take
 * a subscriber's queue past max_queue bytes is lost; when its queue has
 * drained to half, it gets a ris_error {"message", "dropped": N,
 * "dropped_total": M} before the next message, N counting the messages
 * lost since the last such notice.
 *
 * Answers to a client's own requests (pong, ris_subscribe_ok, ris_error,
 * ris_rrc_list) count in its queue too: one that leaves them past
 * max_queue + 65 KiB unread is dropped, logged with how many requests it
 * sent. A WebSocket client is read 32 frames per loop pass at most.
 *
 * Idle subscribers leave after idle_timeout seconds: a WebSocket client
 * muxd heard nothing from (after half of it muxd pings it, and every
 * client library answers), an SSE or NDJSON client whose socket took
 * nothing (SSE gets a comment line ":" after half of it).
 *
 * At most 1024 subscribers at a time (then 503); a WebSocket client's
 * messages are at most 64 KiB and its subscriptions at most 16.
 *
 * It plugs into an evhttp server on the daemon's event loop (muxd puts it
 * on the API's: web/api.h api_http): the handlers take over the HTTP
 * connection (its bufferevent) once the request is read and write the
 * response themselves. stream_free must run before that evhttp_free.
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): stream_free
 * frees it before it returns.
 */
#ifndef BGPMUX_STREAM_H
#define BGPMUX_STREAM_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct evhttp;
struct stream;
struct view;

#define STREAM_MAX_QUEUE_DEFAULT (4u << 20)
#define STREAM_IDLE_TIMEOUT_DEFAULT 120         /* seconds */

/* max_queue and idle_timeout 0: the defaults. */
struct stream *stream_new(struct event_base *base, size_t max_queue,
    unsigned idle_timeout);
/* Closes every subscriber and leaves every view. NULL is fine. */
void stream_free(struct stream *st);
/* Register /v1/ws, /v1/ws/, /v1/stream and /v1/stream/ on http. False if
 * a path is taken. */
bool stream_attach(struct stream *st, struct evhttp *http);
/* Follow v's feed until stream_view_remove (which must come before the
 * view is shut down). The view's name is its host name. */
void stream_view_add(struct stream *st, struct view *v);
void stream_view_remove(struct stream *st, struct view *v);

#endif
