/*
 * sockwriter.c — feed readers' output, written by a thread of its own
 * (sockwriter.h): messages, queues, connections and the writer's life;
 * the writing itself is sockwriter_io.c's (sockwriter_int.h says how the
 * two share the queues).
 */
#include "muxd/lib/sockwriter_int.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "muxd/lib/log.h"

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

/* Wait until the thread is not writing c. */
static void wait_not_busy(struct swconn *c)
{
	struct swriter *w = c->w;

	w->waiters++;
	while (c->busy)
		pthread_cond_wait(&w->idle_cv, &w->mu);
	w->waiters--;
}

static struct swblock *block_new(void)
{
	struct swblock *b = malloc(sizeof *b);

	if (b) {
		atomic_init(&b->next, NULL);
		atomic_init(&b->n, 0);
	}
	return b;
}

/* Empty c's queue (mu held, c not busy, so the thread is not in it; the
 * loop calls it, so nothing is being queued). keep_tail: the tail block
 * stays, empty, for what comes next. */
static void drop_items(struct swconn *c, bool keep_tail)
{
	for (struct swblock *b = c->head, *next; b; b = next) {
		next = atomic_load(&b->next);
		unsigned n = atomic_load(&b->n);
		for (unsigned i = b == c->head ? c->first : 0; i < n; i++)
			swmsg_unref(b->it[i].body);
		if (b != c->tail || !keep_tail)
			free(b);
	}
	if (keep_tail) {
		atomic_store(&c->tail->n, 0);
		atomic_store(&c->tail->next, NULL);
	}
	c->head = keep_tail ? c->tail : NULL;
	c->first = 0;
	c->offset = 0;
	atomic_store(&c->pushed, atomic_load(&c->written));
	c->full = false;
}

/* ---- connections ------------------------------------------------------ */

struct swconn *swconn_new(struct swriter *w, int fd, size_t low, void *arg)
{
	struct swconn *c = calloc(1, sizeof *c);

	if (c == NULL || (c->tail = block_new()) == NULL) {
		free(c);
		return NULL;
	}
	c->head = c->tail;
	c->w = w;
	c->fd = fd;
	c->low = low;
	c->arg = arg;
	atomic_init(&c->pushed, 0);
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
	drop_items(c, false);
	pthread_mutex_unlock(&w->mu);
	free(c);
}

/* Queue an entry, without mu (sockwriter_int.h: the loop owns the tail);
 * the caller counts body's references, which it takes before the thread
 * can see the entry. */
static bool push_item(struct swconn *c, const void *head, size_t hlen,
    struct swmsg *body, const char *tail, size_t tlen)
{
	struct swblock *b = c->tail;
	unsigned n = atomic_load_explicit(&b->n, memory_order_relaxed);

	if (hlen > SW_HEAD_MAX || tlen > UINT8_MAX)
		return false;
	if (n == SW_BLOCK_ITEMS) {
		struct swblock *nb = block_new();
		if (nb == NULL)
			return false;
		/* b's last touch by the loop: the thread may free it from now on */
		atomic_store_explicit(&b->next, nb, memory_order_release);
		c->tail = b = nb;
		n = 0;
	}
	struct switem *it = &b->it[n];
	if (hlen)
		memcpy(it->head, head, hlen);
	it->hlen = (uint8_t)hlen;
	it->body = body;
	it->tail = tail;
	it->tlen = (uint8_t)tlen;
	owned_add(&c->pushed, item_len(it));
	atomic_store_explicit(&b->n, n + 1, memory_order_release);
	return true;
}

bool swconn_push(struct swconn *c, const void *head, size_t hlen,
    struct swmsg *body, const char *tail, size_t tlen)
{
	if (body)
		atomic_fetch_add_explicit(&body->refs, 1, memory_order_relaxed);
	if (!push_item(c, head, hlen, body, tail, tlen)) {
		swmsg_unref(body);
		return false;
	}
	sw_work_came(c->w);
	return true;
}

void swriter_push_many(struct swriter *w, struct swpush *p, size_t n,
    struct swmsg *body)
{
	unsigned refs = 0;

	/* the references first: the thread may write and let go of an
	 * entry as soon as it is published */
	atomic_fetch_add_explicit(&body->refs, (unsigned)n, memory_order_relaxed);
	for (size_t i = 0; i < n; i++) {
		p[i].ok = push_item(p[i].c, p[i].head, p[i].hlen, body, p[i].tail, p[i].tlen);
		refs += p[i].ok;
	}
	if (refs < n)
		atomic_fetch_sub_explicit(&body->refs, (unsigned)n - refs, memory_order_relaxed);
	if (refs)
		sw_work_came(w);
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
		sw_conn_write(c);
		if (sw_queued(c) > 0 || c->failed)
			sw_schedule(w);
	} else {
		w->urgent = true;
		sw_wake_thread(w);
	}
	pthread_mutex_unlock(&w->mu);
}

void swconn_arm(struct swconn *c, unsigned news)
{
	pthread_mutex_lock(&c->w->mu);
	c->armed |= news & (SW_NEWS_LOW | SW_NEWS_EMPTY);
	sw_check_news(c);
	pthread_mutex_unlock(&c->w->mu);
}

void swconn_discard(struct swconn *c)
{
	pthread_mutex_lock(&c->w->mu);
	wait_not_busy(c);
	drop_items(c, true);
	pthread_mutex_unlock(&c->w->mu);
}

/* Without a thread: write c here, waiting for the socket, until it is
 * all written or the deadline (mu held). */
static void drain_here(struct swconn *c, const struct timespec *deadline)
{
	struct swriter *w = c->w;
	int left;

	for (;;) {
		sw_conn_write(c);
		if (sw_queued(c) == 0 || c->failed || (left = sw_ms_until(deadline)) == 0)
			return;
		struct pollfd p = { c->fd, POLLOUT, 0 };
		pthread_mutex_unlock(&w->mu);
		(void)poll(&p, 1, left);
		pthread_mutex_lock(&w->mu);
	}
}

struct timespec swriter_deadline(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	sw_timespec_add_ms(&t, ms);
	return t;
}

bool swconn_drain(struct swconn *c, const struct timespec *deadline)
{
	struct swriter *w = c->w;

	pthread_mutex_lock(&w->mu);
	if (w->threaded) {
		/* the thread broadcasts idle_cv after each write while someone waits */
		w->urgent = true;
		sw_wake_thread(w);
		w->waiters++;
		while (sw_queued(c) > 0 && !c->failed &&
		    pthread_cond_timedwait(&w->idle_cv, &w->mu, deadline) != ETIMEDOUT)
			;
		w->waiters--;
	} else {
		drain_here(c, deadline);
	}
	bool done = sw_queued(c) == 0 && !c->failed;
	pthread_mutex_unlock(&w->mu);
	return done;
}

size_t swconn_queued(const struct swconn *c)
{
	return sw_queued(c);
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

/* The thread's name in ps -L, top -H and /proc/PID/task/TID/comm: what
 * it writes, cut to the kernel's 15 bytes. */
static void name_thread(pthread_t t, const char *what)
{
	char name[16];

	snprintf(name, sizeof name, "%s", what);
	(void)pthread_setname_np(t, name);      /* cosmetic: fine if refused */
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
	if ((rc = pthread_create(&w->thread, NULL, sw_writer_thread, w)) != 0) {
		log_warnx("%s: cannot start its writer thread (%s): "
		    "the event loop writes its output", w->what, strerror(rc));
		w->threaded = false;
		close_fds(w);
		return false;
	}
	name_thread(w->thread, w->what);
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
		w->news_ev = event_new(base, w->efd, EV_READ | EV_PERSIST, sw_news_cb, w);
	else
		w->news_ev = event_new(base, -1, 0, sw_news_cb, w);
	w->tick_ev = evtimer_new(base, sw_tick_cb, w);
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
		sw_wake_thread(w);
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
