/*
 * sockwriter_int.h — the inside of the feed readers' writer
 * (sockwriter.h), shared by its two files: sockwriter.c (messages, queues,
 * connections, the writer's life) and sockwriter_io.c (the writing: the
 * thread or the loop's timer, and the news it sends the loop).
 *
 * A queue has one producer, the loop, and one consumer, the thread, and
 * the loop queues without a lock: it owns the tail block, fills an entry
 * and publishes it by storing the block's count (release); the thread
 * owns the head (head, first, offset), reads the counts (acquire) and
 * frees a block once it is full, written and followed by another. The
 * bytes queued are the loop's `pushed` less the thread's `written`, each
 * written by its owner alone. A mutex (mu) guards the rest: the
 * connection list, news, arming, and the head, which the thread gathers
 * and consumes under it; the writev itself runs unlocked, with the
 * connection marked busy, and whoever would free or empty a queue (the
 * loop) takes mu and waits for that one call (a non-blocking socket:
 * microseconds). Why no lock for queueing: every message of a busy
 * stream is queued to every subscriber, and with the thread holding mu
 * to gather and consume, the loop slept on it ~1,000 times in a full
 * table (~140 µs each on two busy cores): 0.14 s of a 0.86 s fan-out.
 *
 * Waking the thread: the loop sets `work` (an exchange) after queueing;
 * only when it was not set and the thread is `idle` does it write the
 * thread's eventfd (once: `woken`). The thread sets idle before it looks
 * at work a last time and sleeps; both sides are sequentially
 * consistent, so one of them sees the other.
 */
#ifndef BGPMUX_SOCKWRITER_INT_H
#define BGPMUX_SOCKWRITER_INT_H

#include <event2/util.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "muxd/lib/sockwriter.h"

#define SW_BLOCK_ITEMS 256

struct swmsg {
	atomic_uint refs;
	size_t len;
	char data[];
};

struct switem {
	struct swmsg *body;
	const char *tail;
	uint8_t head[SW_HEAD_MAX];
	uint8_t hlen, tlen;
};

struct swblock {
	struct swblock *_Atomic next;   /* set by the loop once, when this one is full */
	atomic_uint n;                  /* items published by the loop */
	struct switem it[SW_BLOCK_ITEMS];
};

struct swconn {
	struct swriter *w;
	struct swconn *next, **pprev;   /* the writer's connections */
	struct swconn *news_next;       /* the writer's news list */
	int fd;
	void *arg;
	size_t low;
	struct swblock *head;           /* the thread's (and drop_items') */
	struct swblock *tail;           /* the loop's; never NULL */
	unsigned first;                 /* head's first item not all written */
	size_t offset;                  /* bytes of it written */
	_Atomic uint64_t pushed;        /* bytes ever queued: stored by the loop only */
	_Atomic uint64_t written;       /* bytes ever written: stored by the thread only */
	int failed;                     /* errno of a failed write */
	bool full;                      /* its socket took less than queued */
	bool error_told, busy, in_news;
	unsigned armed, news;
};

struct swriter {
	pthread_mutex_t mu;
	pthread_cond_t idle_cv;         /* a busy connection was let go */
	pthread_t thread;
	bool threaded, stop, urgent;    /* (under mu) */
	atomic_bool work, idle, woken;  /* the lock-free wake (above) */
	unsigned waiters;               /* on idle_cv */
	struct swconn *conns;
	struct swconn *news_head, **news_tail;
	int efd;                        /* the thread wakes the loop (threaded) */
	int wake_fd;                    /* the loop wakes the thread (threaded) */
	struct event *news_ev;
	struct event *tick_ev;          /* the loop's writes (not threaded) */
	swriter_news_cb *cb;
	const char *what;               /* for log lines */
};

/* ---- small queue helpers (mu held) ------------------------------------ */

static inline size_t item_len(const struct switem *it)
{
	return it->hlen + (it->body ? it->body->len : 0) + it->tlen;
}

/* Bytes queued, not yet taken by the socket. */
static inline size_t sw_queued(const struct swconn *c)
{
	return (size_t)(atomic_load_explicit(&c->pushed, memory_order_relaxed) -
	    atomic_load_explicit(&c->written, memory_order_relaxed));
}

/* Add to a counter only its owner stores: no locked read-modify-write
 * (one per message per subscriber on a busy stream). */
static inline void owned_add(_Atomic uint64_t *v, uint64_t add)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + add,
	    memory_order_relaxed);
}

/* ---- sockwriter_io.c --------------------------------------------------- */

/* Write c's queue until the socket is full (mu held; dropped around each
 * writev). */
void sw_conn_write(struct swconn *c);
/* What c has to tell the loop, if anything, queued for it (mu held). */
void sw_check_news(struct swconn *c);
/* There is something to write (the loop, without mu). */
void sw_work_came(struct swriter *w);
void sw_wake_thread(struct swriter *w);
/* The loop's writes without a thread: its timer armed. */
void sw_schedule(struct swriter *w);
/* The thread; the loop's news event; the loop's timer without a thread. */
void *sw_writer_thread(void *arg);
void sw_news_cb(evutil_socket_t fd, short what, void *arg);
void sw_tick_cb(evutil_socket_t fd, short what, void *arg);
void sw_timespec_add_ms(struct timespec *t, long ms);
/* Milliseconds from now to t, rounded up; 0 if t has come. */
int sw_ms_until(const struct timespec *t);

#endif
