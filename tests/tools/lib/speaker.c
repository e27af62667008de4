/*
 * speaker.c — the socket side of a tool's BGP session (speaker.h): the
 * write queue and bulk bytes, reads, timers, and how a session ends.
 * What the neighbor's messages mean is speaker_rx.c.
 */
#include "tests/tools/lib/speaker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/tools/lib/net.h"
#include "tests/tools/lib/speaker_rx.h"
#include "tests/tools/lib/tool.h"

void speaker_open_init(struct bgp_open *op, uint32_t asn, uint32_t id, unsigned hold)
{
	struct bgp_caps *c = &op->caps;

	memset(op, 0, sizeof *op);
	op->version = BGP_VERSION;
	op->my_as = asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn;
	op->hold_time = (uint16_t)hold;
	op->bgp_id = id;
	c->present = BGP_CAPF_MP;
	c->mp[0] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	c->mp[1] = (struct bgp_family){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
	c->mp_count = 2;
}

bool speaker_init(struct speaker *sp, int fd, const struct speaker_config *cfg,
    const struct speaker_ops *ops, void *arg)
{
	struct wbuf w;

	memset(sp, 0, sizeof *sp);
	sp->fd = fd;
	sp->cfg = cfg;
	sp->ops = ops;
	sp->arg = arg;
	sp->hold = cfg->open.hold_time;
	sp->ctx.max_len = BGP_MAX_LEN;
	sp->last_rx = sp->last_tx = secs_mono();
	net_peer_name(fd, sp->name, sizeof sp->name);
	sp->in = malloc(cfg->in_cap);
	sp->out = malloc(cfg->out_cap);
	if (!sp->in || !sp->out || !net_nonblocking(fd)) {
		warnx_("cannot set up the connection to %s: %s", sp->name, strerror(errno));
		return false;
	}
	w = speaker_wbuf(sp);
	if (!bgp_open_encode(&w, &cfg->open)) {
		warnx_("cannot encode our OPEN");
		return false;
	}
	speaker_commit(sp, &w);
	return true;
}

void speaker_free(struct speaker *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->in);
	free(sp->out);
	sp->fd = -1;
	sp->in = sp->out = NULL;
}

/* ---- how it ends ------------------------------------------------------ */

/* The first reason to end wins; later ones are consequences. */
static void end_v(struct speaker *sp, enum speaker_end end, const char *fmt, va_list ap)
{
	if (speaker_ended(sp))
		return;
	sp->end = end;
	vsnprintf(sp->why, sizeof sp->why, fmt, ap);
}

void speaker_end_as(struct speaker *sp, enum speaker_end end, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_v(sp, end, fmt, ap);
	va_end(ap);
}

void speaker_stop(struct speaker *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_v(sp, SPEAKER_STOPPED, fmt, ap);
	va_end(ap);
}

/* Bulk bytes partly sent: nothing else can go out whole before the rest. */
static bool bulk_midway(const struct speaker *sp)
{
	return sp->bulk_off > 0 && sp->bulk_off < sp->bulk_len;
}

static bool write_queued(struct speaker *sp);

/* The last words: what is queued, within a deadline. */
static void flush_by(struct speaker *sp, double deadline)
{
	if (!write_queued(sp))
		return;
	while (speaker_pending(sp) > 0 && secs_mono() < deadline) {
		struct pollfd p = { .fd = sp->fd, .events = POLLOUT };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return;
		if (!write_queued(sp))
			return;
	}
}

void speaker_notify(struct speaker *sp, const struct bgp_err *e)
{
	struct wbuf w;

	if (speaker_ended(sp))
		return;
	if (bulk_midway(sp)) {
		/* Cut off inside a message: no NOTIFICATION can follow. */
		sp->bulk_len = sp->bulk_off;
		sp->out_off = sp->out_len = 0;
	} else {
		w = speaker_wbuf(sp);
		bgp_notification_encode(&w, e->code, e->subcode, e->data, e->data_len);
		if (!w.overflow)
			sp->out_len += w.len;
	}
	speaker_end_as(sp, SPEAKER_NOTIFIED, "sent NOTIFICATION %u/%u (%s, %s) to %s: %s",
	    e->code, e->subcode, bgp_err_code_name(e->code),
	    bgp_err_subcode_name(e->code, e->subcode), sp->name,
	    e->why ? e->why : "protocol error");
	flush_by(sp, secs_mono() + sp->cfg->close_wait);
}

void speaker_fail(struct speaker *sp, uint8_t code, uint8_t subcode, const char *why)
{
	struct bgp_err e = { 0 };

	bgp_err_set(&e, BGP_TIER_RESET, code, subcode, NULL, 0, why);
	speaker_notify(sp, &e);
}

/* Until the neighbor closes, or the deadline. */
static void drain_until(struct speaker *sp, double deadline)
{
	while (secs_mono() < deadline) {
		struct pollfd p = { .fd = sp->fd, .events = POLLIN };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		ssize_t n = read(sp->fd, sp->in, sp->cfg->in_cap);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
}

void speaker_close(struct speaker *sp, const char *text)
{
	double deadline = secs_mono() + sp->cfg->close_wait;
	bool cease = sp->end == SPEAKER_RUNNING || sp->end == SPEAKER_STOPPED;
	struct wbuf w;

	if (sp->fd < 0)
		return;
	if (cease && sp->out && !bulk_midway(sp)) {
		w = speaker_wbuf(sp);
		bgp_notification_encode_shutdown(&w, BGP_CEASE_ADMIN_SHUTDOWN, text);
		if (!w.overflow)
			sp->out_len += w.len;
		flush_by(sp, deadline);
	}
	speaker_end_as(sp, SPEAKER_STOPPED, "%s", text);
	if (sp->in && sp->end != SPEAKER_CLOSED && sp->end != SPEAKER_NOTIFIED_BY) {
		shutdown(sp->fd, SHUT_WR);
		drain_until(sp, deadline);
	}
	close(sp->fd);
	sp->fd = -1;
}

/* ---- writing ---------------------------------------------------------- */

size_t speaker_pending(const struct speaker *sp)
{
	return sp->out_len - sp->out_off + (sp->bulk_len - sp->bulk_off);
}

struct wbuf speaker_wbuf(struct speaker *sp)
{
	size_t cap = sp->cfg->out_cap, queued = sp->out_len - sp->out_off;

	/* Move what waits to the front when that frees room. */
	if (sp->out_off > 0 && cap - sp->out_len < cap / 2) {
		memmove(sp->out, sp->out + sp->out_off, queued);
		sp->out_off = 0;
		sp->out_len = queued;
	}
	return wbuf_make(sp->out + sp->out_len, cap - sp->out_len);
}

bool speaker_commit(struct speaker *sp, const struct wbuf *w)
{
	if (w->overflow) {
		speaker_stop(sp, "output queue to %s full: it does not read", sp->name);
		return false;
	}
	sp->out_len += w->len;
	return true;
}

void speaker_send_bulk(struct speaker *sp, const uint8_t *bytes, size_t len)
{
	sp->bulk = bytes;
	sp->bulk_off = 0;
	sp->bulk_len = len;
}

/* What goes out next: the bulk bytes once begun, else the queue, else
 * the bulk bytes. */
static const uint8_t *next_bytes(struct speaker *sp, size_t *len, bool *bulk)
{
	size_t queued = sp->out_len - sp->out_off;

	*bulk = bulk_midway(sp) || (queued == 0 && sp->bulk_off < sp->bulk_len);
	if (*bulk) {
		*len = sp->bulk_len - sp->bulk_off;
		return sp->bulk + sp->bulk_off;
	}
	*len = queued;
	return sp->out + sp->out_off;
}

/* Until the socket is full (or write_chunk bytes): false on an error. */
static bool write_queued(struct speaker *sp)
{
	size_t limit = sp->cfg->write_chunk ? sp->cfg->write_chunk : SIZE_MAX, len;
	bool bulk;

	while (speaker_pending(sp) > 0 && limit > 0) {
		const uint8_t *p = next_bytes(sp, &len, &bulk);
		ssize_t n = send(sp->fd, p, len < limit ? len : limit, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			speaker_end_as(sp, SPEAKER_CLOSED, "writing to %s: %s", sp->name,
			    strerror(errno));
			return false;
		}
		if (bulk)
			sp->bulk_off += (size_t)n;
		else
			sp->out_off += (size_t)n;
		limit -= (size_t)n;
		sp->last_tx = secs_mono();
	}
	if (sp->out_off == sp->out_len)
		sp->out_off = sp->out_len = 0;
	return true;
}

bool speaker_flush(struct speaker *sp)
{
	return write_queued(sp) && !speaker_ended(sp);
}

/* ---- reading and timers ----------------------------------------------- */

static void speaker_read(struct speaker *sp)
{
	ssize_t n = read(sp->fd, sp->in + sp->in_len, sp->cfg->in_cap - sp->in_len);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		speaker_end_as(sp, SPEAKER_CLOSED, "%s closed the connection%s%s", sp->name,
		    n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return;
	}
	sp->rx_last = (size_t)n;
	sp->in_len += (size_t)n;
	sp->last_rx = secs_mono();
	speaker_dispatch(sp);
}

double speaker_next_timer(const struct speaker *sp)
{
	double ka = sp->last_tx + sp->hold / 3.0, expiry = sp->last_rx + sp->hold;

	if (sp->state == SPEAKER_OPENSENT || sp->hold == 0 || speaker_ended(sp))
		return 0;
	/* A KEEPALIVE waits for the queue to empty (speaker_timers). */
	return ka < expiry && speaker_pending(sp) == 0 ? ka : expiry;
}

/* Hold timer and KEEPALIVEs (RFC 4271 §10: a third of the hold time).
 * A KEEPALIVE waits for an empty queue so it lands between messages. */
static void speaker_timers(struct speaker *sp)
{
	double t = secs_mono();
	struct wbuf w;

	if (sp->state == SPEAKER_OPENSENT || sp->hold == 0 || speaker_ended(sp))
		return;
	if (t > sp->last_rx + sp->hold) {
		speaker_fail(sp, BGP_ERR_HOLD, 0, "hold timer expired");
		return;
	}
	if (t >= sp->last_tx + sp->hold / 3.0 && speaker_pending(sp) == 0) {
		w = speaker_wbuf(sp);
		bgp_keepalive_encode(&w);
		speaker_commit(sp, &w);
		sp->last_tx = t;
	}
}

short speaker_poll_events(const struct speaker *sp)
{
	return speaker_pending(sp) > 0 ? POLLIN | POLLOUT : POLLIN;
}

bool speaker_handle(struct speaker *sp, short revents)
{
	sp->rx_last = 0;
	if ((revents & POLLOUT) && !speaker_ended(sp))
		speaker_flush(sp);
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !speaker_ended(sp))
		speaker_read(sp);
	speaker_timers(sp);
	return !speaker_ended(sp);
}

bool speaker_pump(struct speaker *sp, int timeout_ms)
{
	struct pollfd p = { .fd = sp->fd, .events = speaker_poll_events(sp) };

	if (speaker_ended(sp))
		return false;
	if (poll(&p, 1, timeout_ms) < 0) {
		/* A signal: the caller looks at stop_signal. */
		if (errno != EINTR)
			speaker_end_as(sp, SPEAKER_CLOSED, "poll: %s", strerror(errno));
		return !speaker_ended(sp);
	}
	return speaker_handle(sp, p.revents);
}
