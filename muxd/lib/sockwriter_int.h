/*
 * sockwriter_int.h — the inside of the feed readers' writer
 * (sockwriter.h), shared by its two files: sockwriter.c (messages, queues,
 * connections, the writer's life) and sockwriter_io.c (the writing: the
 * thread or the loop's timer, and the news it sends the loop).
 *
 * One mutex guards every queue: the loop takes it to queue an entry, the
 * thread to gather entries into an iovec and to consume what a writev
 * took; the writev itself runs unlocked, with the connection marked busy,
 * and whoever would free or empty a busy queue waits for that one call
 * (a non-blocking socket: microseconds). Entries sit in blocks of
 * SW_BLOCK_ITEMS that never move, so the thread reads them unlocked.
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
	struct swblock *next;
	unsigned n;                     /* items filled (under mu) */
	struct switem it[SW_BLOCK_ITEMS];
};

struct swconn {
	struct swriter *w;
	struct swconn *next, **pprev;   /* the writer's connections */
	struct swconn *news_next;       /* the writer's news list */
	int fd;
	void *arg;
	size_t low;
	struct swblock *head, *tail;
	unsigned first;                 /* head's first item not all written */
	size_t offset;                  /* bytes of it written */
	atomic_size_t queued;
	_Atomic uint64_t written;
	int failed;                     /* errno of a failed write */
	bool full;                      /* its socket took less than queued */
	bool error_told, busy, in_news;
	unsigned armed, news;
};

struct swriter {
	pthread_mutex_t mu;
	pthread_cond_t idle_cv;         /* a busy connection was let go */
	pthread_t thread;
	bool threaded, stop, idle, urgent, work;
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

/* c->queued changes only under mu, so no locked read-modify-write is
 * needed (one per message per subscriber on a busy stream); the loop
 * reads it without mu, as a bound. */
static inline void queued_add(struct swconn *c, size_t add, size_t sub)
{
	size_t q = atomic_load_explicit(&c->queued, memory_order_relaxed);

	atomic_store_explicit(&c->queued, q + add - sub, memory_order_relaxed);
}

/* ---- sockwriter_io.c --------------------------------------------------- */

/* Write c's queue until the socket is full (mu held; dropped around each
 * writev). */
void sw_conn_write(struct swconn *c);
/* What c has to tell the loop, if anything, queued for it (mu held). */
void sw_check_news(struct swconn *c);
/* There is something to write (mu held). */
void sw_work_came(struct swriter *w);
void sw_wake_thread(struct swriter *w);
/* The loop's writes without a thread (mu held). */
void sw_schedule(struct swriter *w);
/* The thread; the loop's news event; the loop's timer without a thread. */
void *sw_writer_thread(void *arg);
void sw_news_cb(evutil_socket_t fd, short what, void *arg);
void sw_tick_cb(evutil_socket_t fd, short what, void *arg);
void sw_timespec_add_ms(struct timespec *t, long ms);
/* Milliseconds from now to t, rounded up; 0 if t has come. */
int sw_ms_until(const struct timespec *t);

#endif
