/*
 * outbatch.c — paced, batched output to a feed reader (outbatch.h).
 */
#include "muxd/lib/outbatch.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <poll.h>

#include "muxd/lib/log.h"

/* writev calls per write: each takes at most 128 chains (libevent's
 * limit); past this the rest waits for the next tick */
#define WRITES_PER_TICK 16

/* Write until the socket is full. -1 with errno on a real error. */
static int write_some(struct outbatch *ob)
{
	for (int i = 0; i < WRITES_PER_TICK && evbuffer_get_length(ob->queue) > 0; i++) {
		int n = evbuffer_write(ob->queue, ob->fd);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return -1;
		}
		ob->written += (uint64_t)n;
	}
	return 0;
}

static void schedule(struct outbatch *ob)
{
	static const struct timeval later = { 0, OUTBATCH_MS * 1000 };

	if (!evtimer_pending(ob->tick, NULL))
		evtimer_add(ob->tick, &later);
}

/* The only place that calls back: the callback may free ob. */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbatch *ob = arg;
	(void)fd;
	(void)what;

	if (!ob->failed && write_some(ob) < 0)
		ob->failed = errno;
	if (ob->failed) {
		errno = ob->failed;
		ob->cb(ob, OUTBATCH_ERROR, ob->arg);
		return;
	}
	if (evbuffer_get_length(ob->queue) > 0)
		schedule(ob);
	if (evbuffer_get_length(ob->queue) <= ob->low)
		ob->cb(ob, OUTBATCH_LOW, ob->arg);
}

void outbatch_init(struct outbatch *ob, struct event_base *base, evutil_socket_t fd,
    size_t low, outbatch_cb *cb, void *arg)
{
	ob->fd = fd;
	ob->low = low;
	ob->cb = cb;
	ob->arg = arg;
	ob->failed = 0;
	ob->written = 0;
	ob->queue = evbuffer_new();
	ob->tick = evtimer_new(base, tick_cb, ob);
	if (ob->queue == NULL || ob->tick == NULL)
		fatal("out of memory for a feed reader's output");
}

void outbatch_free(struct outbatch *ob)
{
	if (ob->tick)
		event_free(ob->tick);
	if (ob->queue)
		evbuffer_free(ob->queue);
	ob->tick = NULL;
	ob->queue = NULL;
}

struct evbuffer *outbatch_queue(struct outbatch *ob)
{
	return ob->queue;
}

void outbatch_commit(struct outbatch *ob)
{
	if (evbuffer_get_length(ob->queue) > 0 && !ob->failed)
		schedule(ob);
}

void outbatch_add(struct outbatch *ob, const void *p, size_t len)
{
	evbuffer_add(ob->queue, p, len);
	outbatch_commit(ob);
}

void outbatch_flush(struct outbatch *ob)
{
	if (!ob->failed && write_some(ob) < 0)
		ob->failed = errno;
	/* what is left, an error, or "drained": the tick says it */
	schedule(ob);
}

int outbatch_finish(struct outbatch *ob, int ms)
{
	for (int waited = 0; evbuffer_get_length(ob->queue) > 0 && !ob->failed &&
	    waited < ms;) {
		struct pollfd p = { ob->fd, POLLOUT, 0 };
		int n = poll(&p, 1, 100);
		if (n < 0 || (p.revents & (POLLERR | POLLHUP)))
			break;
		if (n == 0) {
			waited += 100;
			continue;
		}
		if (write_some(ob) < 0)
			break;
	}
	return evbuffer_get_length(ob->queue) == 0;
}

size_t outbatch_queued(const struct outbatch *ob)
{
	return evbuffer_get_length(ob->queue);
}

void outbatch_discard(struct outbatch *ob)
{
	evbuffer_drain(ob->queue, evbuffer_get_length(ob->queue));
}
