/*
 * sockwriter.h — output to feed readers (live-stream subscribers, BMP
 * collectors), written to their sockets by a thread of its own.
 *
 * The event loop renders each message once and queues it, without a copy
 * and without a lock, to every reader that wants it: a queue entry is a few bytes of framing
 * and a reference to the shared message (struct swmsg). The writer's
 * thread writes each queue paced, at most once every SW_TICK_MS, as much
 * as the socket takes, in writev calls of many entries; so the copies
 * into the readers' sockets, the largest cost of a busy feed, leave the
 * loop that runs the BGP sessions.
 *
 * Why paced. Such a reader gets a small message for every UPDATE. Written
 * as the socket becomes writable, each pass makes a write of a few KiB
 * per reader, and on loopback or a LAN every write is a segment sent and
 * a reader woken: a full table cost 27,000 writes for 10 subscribers, a
 * fifth of the gateway's CPU. Paced, it is a few hundred writes per full
 * table per reader, for at most SW_TICK_MS of delay. Answers (a pong, a
 * handshake) go out at once with swconn_flush.
 *
 * The loop keeps everything else: the connection (reading it, closing it),
 * what each reader gets, the queue's bound and the drop accounting. It
 * learns what the thread saw through news (swriter_news_cb), delivered on
 * the loop: a queue drained to its low mark or to empty (each asked for
 * once with swconn_arm), a write that failed. The thread makes no libevent
 * call: it wakes the loop through an eventfd.
 *
 * Without a thread (pthread_create failed, or swriter_new was asked for
 * none) the same queues are written by a timer on the loop.
 *
 * Teardown: plain containers (muxd/lib/lifecycle.h). swconn_free returns
 * once the thread has let go of the socket, which its owner then closes;
 * swriter_free joins the thread, after every swconn_free.
 */
#ifndef BGPMUX_SOCKWRITER_H
#define BGPMUX_SOCKWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct swriter;
struct swconn;
struct swmsg;

#define SW_TICK_MS 10           /* the most a queued message waits */
#define SW_HEAD_MAX 16          /* framing before a message: a WebSocket header */

enum swconn_news {
	SW_NEWS_LOW = 1,        /* the queue is at or below its low mark */
	SW_NEWS_EMPTY = 2,      /* the queue is empty */
	SW_NEWS_ERROR = 4,      /* a write failed: err says why; nothing more is written */
};

/* On the loop, for each connection with news (a mask of swconn_news); arg
 * is the connection's (swconn_new). It may free the connection. */
typedef void swriter_news_cb(struct swconn *c, unsigned news, int err, void *arg);

/* threaded false: no thread, the loop writes (for tests of that path).
 * what names the output in log lines ("live stream", "bmp"; a string that
 * lives as long as the writer). NULL if out of memory. */
struct swriter *swriter_new(struct event_base *base, swriter_news_cb *cb,
    bool threaded, const char *what);
/* Stops and joins the thread. Every connection must be freed before. */
void swriter_free(struct swriter *w);
bool swriter_threaded(const struct swriter *w);

/* A rendered message, shared by the queues it is in: a copy of p's len
 * bytes. NULL if out of memory. */
struct swmsg *swmsg_copy(const void *p, size_t len);
void swmsg_unref(struct swmsg *m);
const char *swmsg_data(const struct swmsg *m);
size_t swmsg_len(const struct swmsg *m);

/* A socket to write (non-blocking; its owner keeps it), with its queue;
 * low: the mark of SW_NEWS_LOW. NULL if out of memory. */
struct swconn *swconn_new(struct swriter *w, int fd, size_t low, void *arg);
/* Drops what is queued; the thread never touches the socket again. */
void swconn_free(struct swconn *c);

/* Queue head (at most SW_HEAD_MAX bytes, copied), body (a reference
 * taken) and tail (a string that lives forever). False if out of memory:
 * nothing queued. */
bool swconn_push(struct swconn *c, const void *head, size_t hlen,
    struct swmsg *body, const char *tail, size_t tlen);
/* One connection's share of a message queued to many. */
struct swpush {
	struct swconn *c;
	uint8_t head[SW_HEAD_MAX];
	uint8_t hlen, tlen;
	const char *tail;
	bool ok;                /* set by swriter_push_many: queued */
};
/* body queued to each p[i].c (all of w's) as swconn_push would, with one
 * update of body's count: every message of a busy stream goes to every
 * subscriber, and two atomic updates per subscriber (with the lock
 * queueing took then) were a tenth of the loop's time. Queueing takes no
 * lock (sockwriter_int.h). */
void swriter_push_many(struct swriter *w, struct swpush *p, size_t n,
    struct swmsg *body);
/* Queue a copy of p. */
bool swconn_add(struct swconn *c, const void *p, size_t len);
/* Write now rather than at the next tick (an answer to the client). */
void swconn_flush(struct swconn *c);
/* Ask for SW_NEWS_LOW or SW_NEWS_EMPTY, once: it comes when a write
 * leaves the queue so, or at once if it already is. */
void swconn_arm(struct swconn *c, unsigned news);
/* Drop what is queued (a subscriber being dropped). */
void swconn_discard(struct swconn *c);
/* A deadline ms from now, on the clock swconn_drain counts in (one
 * deadline may serve several connections). */
struct timespec swriter_deadline(int ms);
/* At exit, the loop stopped: write what is queued now rather than at the
 * next tick, and wait until it is all written, a write fails, or the
 * deadline (swriter_deadline) passes. True if it was all written. */
bool swconn_drain(struct swconn *c, const struct timespec *deadline);

/* Bytes queued, not yet taken by the socket; bytes it took, ever. */
size_t swconn_queued(const struct swconn *c);
uint64_t swconn_written(const struct swconn *c);

#endif
