/*
 * mrt_sink.c — a queue of operations (open, data, close) that one thread
 * carries out in order with zlib's gz* functions ("wT" writes plain).
 */
#include "monitors/mrt_sink.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "muxd/lib/log.h"

#define BLOCK_SIZE (256 * 1024)
#define SINK_NICE 10
/* gzip level 1: a third of level 6's CPU for files about 15 % larger; the
 * updates stream is written all day long, on the gateway's cores. */
#define GZIP_MODE "wb1"

enum sink_op { OP_OPEN, OP_DATA, OP_CLOSE };

struct sink_item {
	enum sink_op op;
	uint8_t *data;
	size_t len;
	char *tmp, *final;
	bool gzip;
	struct sink_item *next;
};

struct mrt_sink {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sink_item *head, *tail;
	size_t queued;                  /* data bytes in the queue */
	size_t max_queued;
	bool stop;
	bool have_file;                 /* the loop's view: a file is open */
	uint8_t *block;                 /* the loop's block being filled */
	size_t block_len;
	struct mrt_sink_stats st;       /* files and errors: under mu */
	/* The thread's own. */
	gzFile gz;
	char *tmp, *final;
	bool write_failed;              /* the open file lost data */
};

static void item_free(struct sink_item *it)
{
	free(it->data);
	free(it->tmp);
	free(it->final);
	free(it);
}

/* ---- the thread ----------------------------------------------------- */

static void thread_close(struct mrt_sink *s)
{
	bool ok;

	if (s->gz == NULL)
		return;
	ok = gzclose(s->gz) == Z_OK && !s->write_failed;
	if (s->write_failed)
		errno = errno ? errno : EIO;
	s->gz = NULL;
	s->write_failed = false;
	if (ok && rename(s->tmp, s->final) == 0) {
		pthread_mutex_lock(&s->mu);
		s->st.files++;
		pthread_mutex_unlock(&s->mu);
	} else {
		/* An incomplete file is of no use to anyone: it goes now, not at
		 * the next start. */
		log_warnx("mrt: cannot complete %s: %s (is the state_dir's disk full?): "
		    "its temporary file is removed", s->final, strerror(errno));
		unlink(s->tmp);
		pthread_mutex_lock(&s->mu);
		s->st.errors++;
		pthread_mutex_unlock(&s->mu);
	}
	free(s->tmp);
	free(s->final);
	s->tmp = s->final = NULL;
}

static void thread_do(struct mrt_sink *s, struct sink_item *it)
{
	switch (it->op) {
	case OP_OPEN:
		thread_close(s);
		s->gz = gzopen(it->tmp, it->gzip ? GZIP_MODE : "wbT");
		if (s->gz == NULL) {
			log_warnx("mrt: cannot create %s: %s (is state_dir writable?)",
			    it->tmp, strerror(errno));
			break;
		}
		gzbuffer(s->gz, BLOCK_SIZE);
		s->tmp = it->tmp;
		s->final = it->final;
		it->tmp = it->final = NULL;
		break;
	case OP_DATA:
		/* A write that fails (disk full) ends the file: the rest of its
		 * interval is lost either way, and one line says so. */
		if (s->gz && gzwrite(s->gz, it->data, (unsigned)it->len) != (int)it->len) {
			s->write_failed = true;
			thread_close(s);
		}
		break;
	case OP_CLOSE:
		thread_close(s);
		break;
	}
}

static void *sink_thread(void *arg)
{
	struct mrt_sink *s = arg;

	/* Archiving is background work: on Linux a thread has a nice value of
	 * its own, and at 10 the compression yields the cores to the BGP
	 * sessions whenever they want them (the queue absorbs a burst). */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), SINK_NICE) < 0)
		log_debug("mrt: cannot lower the writer thread's priority: %s",
		    strerror(errno));
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->head == NULL && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		struct sink_item *it = s->head;
		if (it == NULL)
			break;
		s->head = it->next;
		if (s->head == NULL)
			s->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		thread_do(s, it);
		pthread_mutex_lock(&s->mu);
		s->queued -= it->op == OP_DATA ? it->len : 0;
		item_free(it);
	}
	pthread_mutex_unlock(&s->mu);
	thread_close(s);
	return NULL;
}

/* ---- the loop's side ---------------------------------------------------- */

static void push(struct mrt_sink *s, struct sink_item *it)
{
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->queued += it->op == OP_DATA ? it->len : 0;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void push_block(struct mrt_sink *s)
{
	struct sink_item *it;

	if (s->block_len == 0)
		return;
	it = xcalloc(1, sizeof *it);
	it->op = OP_DATA;
	it->data = s->block;
	it->len = s->block_len;
	s->block = xmalloc(BLOCK_SIZE);
	s->block_len = 0;
	push(s, it);
}

struct mrt_sink *mrt_sink_new(size_t max_queued)
{
	struct mrt_sink *s = xcalloc(1, sizeof *s);

	s->max_queued = max_queued;
	s->block = xmalloc(BLOCK_SIZE);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, sink_thread, s) != 0)
		fatal("mrt: cannot start the writer thread");
	(void)pthread_setname_np(s->thread, "mrt");     /* ps -L, top -H */
	return s;
}

void mrt_sink_open(struct mrt_sink *s, const char *tmp, const char *final, bool gzip)
{
	struct sink_item *it = xcalloc(1, sizeof *it);

	push_block(s);
	it->op = OP_OPEN;
	it->tmp = xstrdup(tmp);
	it->final = xstrdup(final);
	it->gzip = gzip;
	push(s, it);
	s->have_file = true;
}

/* Finish the current file (renamed to its final name). */
static void mrt_sink_close(struct mrt_sink *s)
{
	struct sink_item *it;

	if (!s->have_file)
		return;
	push_block(s);
	it = xcalloc(1, sizeof *it);
	it->op = OP_CLOSE;
	push(s, it);
	s->have_file = false;
}

bool mrt_sink_write(struct mrt_sink *s, const void *p, size_t len)
{
	size_t queued;

	pthread_mutex_lock(&s->mu);
	queued = s->queued;
	pthread_mutex_unlock(&s->mu);
	if (!s->have_file || queued + s->block_len + len > s->max_queued) {
		s->st.dropped++;
		return false;
	}
	if (s->block_len + len > BLOCK_SIZE)
		push_block(s);
	if (len > BLOCK_SIZE) {         /* never, for MRT records; still safe */
		struct sink_item *it = xcalloc(1, sizeof *it);
		it->op = OP_DATA;
		it->data = xmalloc(len);
		memcpy(it->data, p, len);
		it->len = len;
		push(s, it);
	} else {
		memcpy(s->block + s->block_len, p, len);
		s->block_len += len;
	}
	s->st.bytes += len;
	return true;
}

void mrt_sink_stats(struct mrt_sink *s, struct mrt_sink_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->st;
	pthread_mutex_unlock(&s->mu);
}

void mrt_sink_free(struct mrt_sink *s)
{
	if (s == NULL)
		return;
	mrt_sink_close(s);
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->block);
	free(s);
}
