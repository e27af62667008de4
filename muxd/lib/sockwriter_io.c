/*
 * sockwriter_io.c — the feed readers' writing (sockwriter_int.h): the
 * writer thread, or the loop's timer without one, and the news they send
 * the loop.
 */
#include "muxd/lib/sockwriter_int.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "muxd/lib/log.h"

#define SW_IOV 512              /* iovecs per writev: 170 messages or more */
#define WRITES_PER_PASS 16      /* writev calls per connection per tick */
#define SW_POLL_MAX 64          /* full sockets watched between ticks */

/* ---- the queue's front ------------------------------------------------ */

/* Fill iov from the queue's front; the entries stay put while c is busy.
 * The next block is looked at only after one seen full: the loop may fill
 * a block and link the next between our reading its count and its link,
 * and the entries it added meanwhile would be skipped. */
static int gather(struct swconn *c, struct iovec *iov, size_t *total)
{
	int n = 0;
	size_t skip = c->offset;
	struct swblock *b = c->head;

	*total = 0;
	while (b && n + 3 <= SW_IOV) {
		unsigned bn = atomic_load_explicit(&b->n, memory_order_acquire);
		for (unsigned i = b == c->head ? c->first : 0; i < bn && n + 3 <= SW_IOV; i++) {
			struct switem *it = &b->it[i];
			const void *part[3] = { it->head, it->body ? it->body->data : NULL, it->tail };
			size_t len[3] = { it->hlen, it->body ? it->body->len : 0, it->tlen };
			for (int k = 0; k < 3; k++) {
				if (len[k] <= skip) {
					skip -= len[k];
					continue;
				}
				iov[n].iov_base = (char *)part[k] + skip;
				iov[n].iov_len = len[k] - skip;
				*total += iov[n++].iov_len;
				skip = 0;
			}
		}
		if (bn < SW_BLOCK_ITEMS)
			break;
		b = atomic_load_explicit(&b->next, memory_order_acquire);
	}
	return n;
}

/* The socket took len bytes from the front. A block all written goes
 * once it is full and the loop has gone on to the next (before that, the
 * loop may still be filling it). */
static void consume(struct swconn *c, size_t len)
{
	owned_add(&c->written, len);
	len += c->offset;
	for (;;) {
		struct swblock *b = c->head, *next;
		if (c->first == atomic_load_explicit(&b->n, memory_order_acquire)) {
			if (c->first < SW_BLOCK_ITEMS ||
			    (next = atomic_load_explicit(&b->next, memory_order_acquire)) == NULL)
				break;
			c->head = next;
			c->first = 0;
			free(b);
			continue;
		}
		size_t il = item_len(&b->it[c->first]);
		if (len < il)
			break;
		len -= il;
		swmsg_unref(b->it[c->first++].body);
	}
	c->offset = len;
}

/* ---- news to the loop -------------------------------------------------- */

static void wake_loop(struct swriter *w)
{
	uint64_t one = 1;

	if (!w->threaded)
		event_active(w->news_ev, EV_READ, 0);
	else if (write(w->efd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_debug("%s: cannot wake the event loop: %s", w->what, strerror(errno));
}

/* What c has to tell, if anything, queued for the loop. */
void sw_check_news(struct swconn *c)
{
	struct swriter *w = c->w;
	size_t q = sw_queued(c);
	unsigned news = 0;

	if (c->failed && !c->error_told) {
		news |= SW_NEWS_ERROR;
		c->error_told = true;
	}
	if ((c->armed & SW_NEWS_LOW) && q <= c->low)
		news |= SW_NEWS_LOW;
	if ((c->armed & SW_NEWS_EMPTY) && q == 0)
		news |= SW_NEWS_EMPTY;
	if (news == 0)
		return;
	c->armed &= ~news;
	c->news |= news;
	if (c->in_news)
		return;
	c->in_news = true;
	c->news_next = NULL;
	*w->news_tail = c;
	w->news_tail = &c->news_next;
	if (w->news_head == c)
		wake_loop(w);
}

void sw_news_cb(evutil_socket_t fd, short what, void *arg)
{
	struct swriter *w = arg;
	uint64_t n;
	(void)what;

	if (w->threaded && read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_debug("%s: writer's eventfd: %s", w->what, strerror(errno));
	for (;;) {
		pthread_mutex_lock(&w->mu);
		struct swconn *c = w->news_head;
		if (c == NULL) {
			pthread_mutex_unlock(&w->mu);
			return;
		}
		if ((w->news_head = c->news_next) == NULL)
			w->news_tail = &w->news_head;
		c->in_news = false;
		unsigned news = c->news;
		int err = c->failed;
		c->news = 0;
		pthread_mutex_unlock(&w->mu);
		w->cb(c, news, err, c->arg);    /* may free c */
	}
}

/* ---- writing ----------------------------------------------------------- */

/* Write c's queue until the socket is full (mu held; dropped around each
 * writev). */
void sw_conn_write(struct swconn *c)
{
	struct swriter *w = c->w;
	struct iovec iov[SW_IOV];
	size_t total;
	bool unseen = false;

	for (int i = 0; i < WRITES_PER_PASS && !c->failed && sw_queued(c) > 0; i++) {
		int n = gather(c, iov, &total);
		if (n == 0) {   /* counted by the loop, not yet published: work comes */
			unseen = true;
			break;
		}
		c->busy = true;
		pthread_mutex_unlock(&w->mu);
		ssize_t r = writev(c->fd, iov, n);
		int err = errno;
		pthread_mutex_lock(&w->mu);
		c->busy = false;
		if (w->waiters)
			pthread_cond_broadcast(&w->idle_cv);
		if (r < 0) {
			if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
				c->failed = err;
			break;
		}
		consume(c, (size_t)r);
		if ((size_t)r < total)
			break;          /* the socket is full */
	}
	c->full = !c->failed && !unseen && sw_queued(c) > 0;
	sw_check_news(c);
}

/* One tick: every queue written as far as its socket takes. Whether some
 * are left with bytes to write. */
static bool write_pass(struct swriter *w)
{
	bool more = false;

	for (struct swconn *c = w->conns; c; c = c->next) {
		sw_conn_write(c);
		more |= !c->failed && sw_queued(c) > 0;
	}
	return more;
}

void sw_timespec_add_ms(struct timespec *t, long ms)
{
	t->tv_nsec += ms * 1000000L;
	t->tv_sec += t->tv_nsec / 1000000000L;
	t->tv_nsec %= 1000000000L;
}

/* Milliseconds from now to t, rounded up; 0 if t has come. */
int sw_ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (long long)(t->tv_sec - now.tv_sec) * 1000000000LL +
	    (t->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
}

void sw_wake_thread(struct swriter *w)
{
	uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_debug("%s: cannot wake the writer thread: %s", w->what, strerror(errno));
}

/*
 * Sleep unlocked until woken, ms pass (-1: until woken), or the socket of
 * a connection left full has room again: that one is written at once.
 * Pacing is for a trickle of small messages; a reader behind by more than
 * its socket holds would otherwise get a socketful a tick (on loopback
 * ~200 KB every 10 ms, while a burst of 10,000 UPDATEs queues 4 MB in a
 * few tens of milliseconds, and a reader that keeps up lost messages to
 * the queue's bound).
 */
static void thread_sleep(struct swriter *w, int ms)
{
	struct pollfd p[1 + SW_POLL_MAX] = { { w->wake_fd, POLLIN, 0 } };
	nfds_t n = 1;
	uint64_t v;

	for (struct swconn *c = w->conns; c && n < 1 + SW_POLL_MAX; c = c->next)
		if (c->full)
			p[n++] = (struct pollfd){ c->fd, POLLOUT, 0 };
	pthread_mutex_unlock(&w->mu);
	int ready = poll(p, n, ms);
	if (ready > 0 && p[0].revents && read(w->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
		log_debug("%s: the writer thread's eventfd: %s", w->what, strerror(errno));
	pthread_mutex_lock(&w->mu);
	if (ready <= 0)
		return;
	/* the list may have changed meanwhile: a connection is written if it
	 * is still there, still full, and its socket said so */
	for (nfds_t i = 1; i < n; i++)
		for (struct swconn *c = w->conns; c && p[i].revents; c = c->next)
			if (c->full && c->fd == p[i].fd) {
				sw_conn_write(c);
				break;
			}
}

/* Waits for work, then writes it a tick after it came (so that a tick's
 * messages go in one writev), and every tick while some is left. */
void *sw_writer_thread(void *arg)
{
	struct swriter *w = arg;
	struct timespec tick;
	sigset_t all;
	int ms;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);  /* signals are the loop's */
	/* work queued before the thread ran is written at once */
	clock_gettime(CLOCK_MONOTONIC, &tick);
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		if (!atomic_load(&w->work) && !w->urgent) {
			/* the loop sets work, then looks at idle; here the other
			 * way round (sockwriter_int.h) */
			atomic_store(&w->woken, false);
			atomic_store(&w->idle, true);
			if (!atomic_load(&w->work))
				thread_sleep(w, -1);
			atomic_store(&w->idle, false);
			clock_gettime(CLOCK_MONOTONIC, &tick);
			sw_timespec_add_ms(&tick, SW_TICK_MS);
			continue;
		}
		if (!w->urgent && (ms = sw_ms_until(&tick)) > 0) {
			thread_sleep(w, ms);
			continue;
		}
		/* work is what comes from now on: a message queued while the
		 * pass writes another connection is not forgotten */
		w->urgent = false;
		/* an exchange: what the loop queued before it set work is seen */
		atomic_exchange(&w->work, false);
		if (write_pass(w))
			atomic_store(&w->work, true);
		clock_gettime(CLOCK_MONOTONIC, &tick);
		sw_timespec_add_ms(&tick, SW_TICK_MS);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Without a thread: the loop's timer writes. */
void sw_schedule(struct swriter *w)
{
	static const struct timeval later = { 0, SW_TICK_MS * 1000 };

	if (!evtimer_pending(w->tick_ev, NULL))
		evtimer_add(w->tick_ev, &later);
}

void sw_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct swriter *w = arg;
	(void)fd;
	(void)what;

	pthread_mutex_lock(&w->mu);
	bool more = write_pass(w);
	pthread_mutex_unlock(&w->mu);
	if (more)
		sw_schedule(w);
}

/* There is something to write (the loop, without mu). */
void sw_work_came(struct swriter *w)
{
	if (!w->threaded)
		sw_schedule(w);
	else if (!atomic_exchange(&w->work, true) && atomic_load(&w->idle) &&
	    !atomic_exchange(&w->woken, true))
		sw_wake_thread(w);
}

