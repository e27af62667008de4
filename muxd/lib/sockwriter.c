/*
 * sockwriter.c — feed readers' output, written by a thread of its own
 * (sockwriter.h).
 *
 * One mutex guards every queue: the loop takes it to queue an entry, the
 * thread to gather entries into an iovec and to consume what a writev
 * took; the writev itself runs unlocked, with the connection marked busy,
 * and whoever would free or empty a busy queue waits for that one call
 * (a non-blocking socket: microseconds). Entries sit in blocks of
 * SW_BLOCK_ITEMS that never move, so the thread reads them unlocked.
 */
#include "muxd/lib/sockwriter.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "muxd/lib/log.h"

#define SW_BLOCK_ITEMS 256
#define SW_IOV 512              /* iovecs per writev: 170 messages or more */
#define WRITES_PER_PASS 16      /* writev calls per connection per tick */

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

/* ---- messages --------------------------------------------------------- */

/* One allocation, the text right after the header (a message per
 * UPDATE on a busy stream: one malloc, not two). */
struct swmsg *swmsg_copy(const void *p, size_t len)
{
	struct swmsg *m = malloc(sizeof *m + len);

	if (m == NULL)
		return NULL;
	atomic_init(&m->refs, 1);
	m->len = len;
	if (len)
		memcpy(m->data, p, len);
	return m;
}

void swmsg_unref(struct swmsg *m)
{
	if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
		free(m);
}

const char *swmsg_data(const struct swmsg *m) { return m->data; }
size_t swmsg_len(const struct swmsg *m) { return m->len; }

/* ---- queues (under mu) ------------------------------------------------ */

static size_t item_len(const struct switem *it)
{
	return it->hlen + (it->body ? it->body->len : 0) + it->tlen;
}

/* Wait until the thread is not writing c. */
static void wait_not_busy(struct swconn *c)
{
	struct swriter *w = c->w;

	w->waiters++;
	while (c->busy)
		pthread_cond_wait(&w->idle_cv, &w->mu);
	w->waiters--;
}

static void drop_items(struct swconn *c)
{
	for (struct swblock *b = c->head, *next; b; b = next) {
		next = b->next;
		for (unsigned i = b == c->head ? c->first : 0; i < b->n; i++)
			swmsg_unref(b->it[i].body);
		free(b);
	}
	c->head = c->tail = NULL;
	c->first = 0;
	c->offset = 0;
	atomic_store(&c->queued, 0);
}

/* c->queued changes only under mu, so no locked read-modify-write is
 * needed (one per message per subscriber on a busy stream); the loop
 * reads it without mu, as a bound. */
static void queued_add(struct swconn *c, size_t add, size_t sub)
{
	size_t q = atomic_load_explicit(&c->queued, memory_order_relaxed);

	atomic_store_explicit(&c->queued, q + add - sub, memory_order_relaxed);
}

/* Fill iov from the queue's front; the entries stay put while c is busy. */
static int gather(struct swconn *c, struct iovec *iov, size_t *total)
{
	int n = 0;
	size_t skip = c->offset;

	*total = 0;
	for (struct swblock *b = c->head; b && n + 3 <= SW_IOV; b = b->next) {
		for (unsigned i = b == c->head ? c->first : 0; i < b->n && n + 3 <= SW_IOV; i++) {
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
	}
	return n;
}

/* The socket took len bytes from the front. */
static void consume(struct swconn *c, size_t len)
{
	queued_add(c, 0, len);
	atomic_fetch_add(&c->written, len);
	len += c->offset;
	while (c->head) {
		struct swblock *b = c->head;
		if (c->first == b->n) {
			if (b == c->tail) {     /* all written: the block is reused */
				b->n = 0;
				c->first = 0;
				break;
			}
			c->head = b->next;
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
static void check_news(struct swconn *c)
{
	struct swriter *w = c->w;
	size_t q = atomic_load(&c->queued);
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

static void news_cb(evutil_socket_t fd, short what, void *arg)
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
static void conn_write(struct swconn *c)
{
	struct swriter *w = c->w;
	struct iovec iov[SW_IOV];
	size_t total;

	for (int i = 0; i < WRITES_PER_PASS && !c->failed && atomic_load(&c->queued) > 0; i++) {
		int n = gather(c, iov, &total);
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
	check_news(c);
}

/* One tick: every queue written as far as its socket takes. Whether some
 * are left with bytes to write. */
static bool write_pass(struct swriter *w)
{
	bool more = false;

	for (struct swconn *c = w->conns; c; c = c->next) {
		conn_write(c);
		more |= !c->failed && atomic_load(&c->queued) > 0;
	}
	return more;
}

static void timespec_add_ms(struct timespec *t, long ms)
{
	t->tv_nsec += ms * 1000000L;
	t->tv_sec += t->tv_nsec / 1000000000L;
	t->tv_nsec %= 1000000000L;
}

/* Milliseconds from now to t, rounded up; 0 if t has come. */
static int ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (long long)(t->tv_sec - now.tv_sec) * 1000000000LL +
	    (t->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
}

static void wake_thread(struct swriter *w)
{
	uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_debug("%s: cannot wake the writer thread: %s", w->what, strerror(errno));
}

/* Sleep unlocked until woken or ms pass (-1: until woken). */
static void thread_sleep(struct swriter *w, int ms)
{
	struct pollfd p = { w->wake_fd, POLLIN, 0 };
	uint64_t n;

	pthread_mutex_unlock(&w->mu);
	if (poll(&p, 1, ms) > 0 && read(w->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_debug("%s: the writer thread's eventfd: %s", w->what, strerror(errno));
	pthread_mutex_lock(&w->mu);
}

/* Waits for work, then writes it a tick after it came (so that a tick's
 * messages go in one writev), and every tick while some is left. */
static void *writer_thread(void *arg)
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
		if (!w->work && !w->urgent) {
			w->idle = true;
			thread_sleep(w, -1);
			w->idle = false;
			clock_gettime(CLOCK_MONOTONIC, &tick);
			timespec_add_ms(&tick, SW_TICK_MS);
			continue;
		}
		if (!w->urgent && (ms = ms_until(&tick)) > 0) {
			thread_sleep(w, ms);
			continue;
		}
		/* work is what comes from now on: a message queued while the
		 * pass writes another connection is not forgotten */
		w->urgent = false;
		w->work = false;
		w->work |= write_pass(w);
		clock_gettime(CLOCK_MONOTONIC, &tick);
		timespec_add_ms(&tick, SW_TICK_MS);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Without a thread: the loop's timer writes. */
static void schedule(struct swriter *w)
{
	static const struct timeval later = { 0, SW_TICK_MS * 1000 };

	if (!evtimer_pending(w->tick_ev, NULL))
		evtimer_add(w->tick_ev, &later);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct swriter *w = arg;
	(void)fd;
	(void)what;

	pthread_mutex_lock(&w->mu);
	bool more = write_pass(w);
	pthread_mutex_unlock(&w->mu);
	if (more)
		schedule(w);
}

/* There is something to write (mu held). */
static void work_came(struct swriter *w)
{
	if (!w->threaded) {
		schedule(w);
	} else if (!w->work) {
		w->work = true;
		if (w->idle)
			wake_thread(w);
	}
}

/* ---- connections ------------------------------------------------------ */

struct swconn *swconn_new(struct swriter *w, int fd, size_t low, void *arg)
{
	struct swconn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->w = w;
	c->fd = fd;
	c->low = low;
	c->arg = arg;
	atomic_init(&c->queued, 0);
	atomic_init(&c->written, 0);
	pthread_mutex_lock(&w->mu);
	c->next = w->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &w->conns;
	w->conns = c;
	pthread_mutex_unlock(&w->mu);
	return c;
}

void swconn_free(struct swconn *c)
{
	struct swriter *w;

	if (c == NULL)
		return;
	w = c->w;
	pthread_mutex_lock(&w->mu);
	wait_not_busy(c);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	if (c->in_news) {
		struct swconn **p = &w->news_head;
		while (*p != c)
			p = &(*p)->news_next;
		if ((*p = c->news_next) == NULL)
			w->news_tail = p;
	}
	drop_items(c);
	pthread_mutex_unlock(&w->mu);
	free(c);
}

/* Queue an entry (mu held); the caller counts body's references. */
static bool push_locked(struct swconn *c, const void *head, size_t hlen,
    struct swmsg *body, const char *tail, size_t tlen)
{
	struct swblock *b;

	if (hlen > SW_HEAD_MAX || tlen > UINT8_MAX)
		return false;
	if ((b = c->tail) == NULL || b->n == SW_BLOCK_ITEMS) {
		if ((b = malloc(sizeof *b)) == NULL)
			return false;
		b->next = NULL;
		b->n = 0;
		if (c->tail)
			c->tail->next = b;
		else
			c->head = b;
		c->tail = b;
	}
	struct switem *it = &b->it[b->n];
	if (hlen)
		memcpy(it->head, head, hlen);
	it->hlen = (uint8_t)hlen;
	it->body = body;
	it->tail = tail;
	it->tlen = (uint8_t)tlen;
	b->n++;
	queued_add(c, item_len(it), 0);
	return true;
}

bool swconn_push(struct swconn *c, const void *head, size_t hlen,
    struct swmsg *body, const char *tail, size_t tlen)
{
	struct swriter *w = c->w;

	pthread_mutex_lock(&w->mu);
	bool ok = push_locked(c, head, hlen, body, tail, tlen);
	if (ok) {
		if (body)
			atomic_fetch_add_explicit(&body->refs, 1, memory_order_relaxed);
		work_came(w);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

void swriter_push_many(struct swriter *w, struct swpush *p, size_t n,
    struct swmsg *body)
{
	unsigned refs = 0;

	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < n; i++) {
		p[i].ok = push_locked(p[i].c, p[i].head, p[i].hlen, body, p[i].tail, p[i].tlen);
		refs += p[i].ok;
	}
	if (refs) {
		atomic_fetch_add_explicit(&body->refs, refs, memory_order_relaxed);
		work_came(w);
	}
	pthread_mutex_unlock(&w->mu);
}

bool swconn_add(struct swconn *c, const void *p, size_t len)
{
	struct swmsg *m = swmsg_copy(p, len);
	bool ok = m && swconn_push(c, NULL, 0, m, NULL, 0);

	swmsg_unref(m);
	return ok;
}

void swconn_flush(struct swconn *c)
{
	struct swriter *w = c->w;

	pthread_mutex_lock(&w->mu);
	if (!w->threaded) {
		conn_write(c);
		if (atomic_load(&c->queued) > 0 || c->failed)
			schedule(w);
	} else {
		w->urgent = true;
		wake_thread(w);
	}
	pthread_mutex_unlock(&w->mu);
}

void swconn_arm(struct swconn *c, unsigned news)
{
	pthread_mutex_lock(&c->w->mu);
	c->armed |= news & (SW_NEWS_LOW | SW_NEWS_EMPTY);
	check_news(c);
	pthread_mutex_unlock(&c->w->mu);
}

void swconn_discard(struct swconn *c)
{
	pthread_mutex_lock(&c->w->mu);
	wait_not_busy(c);
	drop_items(c);
	pthread_mutex_unlock(&c->w->mu);
}

/* Without a thread: write c here, waiting for the socket, until it is
 * all written or the deadline (mu held). */
static void drain_here(struct swconn *c, const struct timespec *deadline)
{
	struct swriter *w = c->w;
	int left;

	for (;;) {
		conn_write(c);
		if (atomic_load(&c->queued) == 0 || c->failed || (left = ms_until(deadline)) == 0)
			return;
		struct pollfd p = { c->fd, POLLOUT, 0 };
		pthread_mutex_unlock(&w->mu);
		(void)poll(&p, 1, left);
		pthread_mutex_lock(&w->mu);
	}
}

bool swconn_drain(struct swconn *c, int ms)
{
	struct swriter *w = c->w;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	timespec_add_ms(&deadline, ms);
	pthread_mutex_lock(&w->mu);
	if (w->threaded) {
		/* the thread broadcasts idle_cv after each write while someone waits */
		w->urgent = true;
		wake_thread(w);
		w->waiters++;
		while (atomic_load(&c->queued) > 0 && !c->failed &&
		    pthread_cond_timedwait(&w->idle_cv, &w->mu, &deadline) != ETIMEDOUT)
			;
		w->waiters--;
	} else {
		drain_here(c, &deadline);
	}
	bool done = atomic_load(&c->queued) == 0 && !c->failed;
	pthread_mutex_unlock(&w->mu);
	return done;
}

size_t swconn_queued(const struct swconn *c)
{
	return atomic_load_explicit(&c->queued, memory_order_relaxed);
}

uint64_t swconn_written(const struct swconn *c)
{
	return atomic_load_explicit(&c->written, memory_order_relaxed);
}

/* ---- the writer ------------------------------------------------------- */

static void close_fds(struct swriter *w)
{
	if (w->efd >= 0)
		close(w->efd);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->efd = w->wake_fd = -1;
}

/* Without it, the loop writes: the stream works, only slower; one line
 * says so. */
static bool start_thread(struct swriter *w)
{
	int rc;

	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0 || w->wake_fd < 0) {
		log_warnx("%s: cannot start its writer thread (eventfd: %s): "
		    "the event loop writes its output", w->what, strerror(errno));
		close_fds(w);
		return false;
	}
	w->threaded = true;
	if ((rc = pthread_create(&w->thread, NULL, writer_thread, w)) != 0) {
		log_warnx("%s: cannot start its writer thread (%s): "
		    "the event loop writes its output", w->what, strerror(rc));
		w->threaded = false;
		close_fds(w);
		return false;
	}
	return true;
}

/* idle_cv's waits have deadlines on the monotonic clock (swconn_drain). */
static void cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
}

struct swriter *swriter_new(struct event_base *base, swriter_news_cb *cb,
    bool threaded, const char *what)
{
	struct swriter *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	cond_init_monotonic(&w->idle_cv);
	w->news_tail = &w->news_head;
	w->cb = cb;
	w->what = what;
	w->efd = w->wake_fd = -1;
	if (threaded)
		start_thread(w);
	if (w->threaded)
		w->news_ev = event_new(base, w->efd, EV_READ | EV_PERSIST, news_cb, w);
	else
		w->news_ev = event_new(base, -1, 0, news_cb, w);
	w->tick_ev = evtimer_new(base, tick_cb, w);
	if (w->news_ev == NULL || w->tick_ev == NULL) {
		swriter_free(w);
		return NULL;
	}
	if (w->threaded)
		event_add(w->news_ev, NULL);
	return w;
}

void swriter_free(struct swriter *w)
{
	if (w == NULL)
		return;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		wake_thread(w);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		close_fds(w);
	}
	while (w->conns)
		swconn_free(w->conns);
	if (w->news_ev)
		event_free(w->news_ev);
	if (w->tick_ev)
		event_free(w->tick_ev);
	pthread_cond_destroy(&w->idle_cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

bool swriter_threaded(const struct swriter *w)
{
	return w->threaded;
}
