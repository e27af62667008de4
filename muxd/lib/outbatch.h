/*
 * outbatch.h — output to a feed reader (a live-stream subscriber, a BMP
 * collector): queued without waiting, written in paced batches.
 *
 * Such a reader gets a small message for every UPDATE. Written as the
 * socket becomes writable, each loop pass makes a write of a few KiB per
 * reader, and on loopback or a LAN every write is a segment sent and a
 * reader woken: a full table cost 27,000 writes for 10 subscribers, a
 * fifth of the gateway's CPU. An outbatch writes at most once every
 * OUTBATCH_MS, as much as the socket takes: a few hundred writes per full
 * table per reader, for at most OUTBATCH_MS of delay. Answers (a pong, a
 * handshake) go out at once with outbatch_flush.
 *
 * The outbatch writes to the socket itself; whoever owns the socket keeps
 * reading it (a bufferevent with nothing in its output buffer is fine).
 */
#ifndef BGPMUX_OUTBATCH_H
#define BGPMUX_OUTBATCH_H

#include <event2/util.h>
#include <stddef.h>
#include <stdint.h>

struct event;
struct event_base;
struct evbuffer;

#define OUTBATCH_MS 10

enum outbatch_event {
	OUTBATCH_LOW,           /* a write left at most `low` bytes queued */
	OUTBATCH_ERROR,         /* the socket failed: errno says why */
};

struct outbatch;
/* Called from the outbatch's own timer only; may free the outbatch (and
 * its owner). OUTBATCH_LOW comes after every paced write that leaves the
 * queue at or below `low`. */
typedef void outbatch_cb(struct outbatch *ob, enum outbatch_event what, void *arg);

struct outbatch {
	evutil_socket_t fd;
	struct evbuffer *queue;
	struct event *tick;             /* the next write */
	size_t low;
	outbatch_cb *cb;
	void *arg;
	int failed;                     /* errno of a failed write, else 0 */
	uint64_t written;               /* bytes the socket took, ever */
};

void outbatch_init(struct outbatch *ob, struct event_base *base, evutil_socket_t fd,
    size_t low, outbatch_cb *cb, void *arg);
/* Drops what is queued; leaves the socket to its owner. */
void outbatch_free(struct outbatch *ob);

/* Queue bytes: outbatch_add, or several pieces into outbatch_queue() and
 * then outbatch_commit. */
void outbatch_add(struct outbatch *ob, const void *p, size_t len);
struct evbuffer *outbatch_queue(struct outbatch *ob);
void outbatch_commit(struct outbatch *ob);

/* Write what the socket takes now; the rest follows paced. Never calls
 * back: the next tick reports an error, or the queue being low. */
void outbatch_flush(struct outbatch *ob);

/* At exit, with the loop stopped: write it all, waiting at most ms.
 * True if everything was written. */
int outbatch_finish(struct outbatch *ob, int ms);

/* Bytes queued, not yet in the kernel. */
size_t outbatch_queued(const struct outbatch *ob);

/* Drop what is queued (its memory goes back now); the outbatch stays
 * usable. For a reader that is being dropped. */
void outbatch_discard(struct outbatch *ob);

#endif
