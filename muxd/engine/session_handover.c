/*
 * session_handover.c — a session across an upgrade in place
 * (session_handover.h).
 */
#include "muxd/engine/session_handover.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/engine/session_int.h"
#include "muxd/engine/timebase.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"

/*
 * A KEEPALIVE goes out as soon as a frozen session runs again (thawed, or
 * adopted by the new process): when the last one went is not known here,
 * and the neighbor's hold timer ran all along. Re-arming the whole
 * keepalive interval instead lets upgrades that come faster than it starve
 * the neighbor of KEEPALIVEs until its hold timer expires.
 */
static void keepalive_at_once(struct session *s)
{
	if (s->neg.keepalive)
		session_timer_arm(s->keepalive_ev, 0);
}

void session_freeze(struct session *s)
{
	if (s->frozen || s->closing)
		return;
	s->frozen = true;
	if (s->bev)
		bufferevent_disable(s->bev, EV_READ);
	event_del(s->hold_ev);
	event_del(s->keepalive_ev);
	event_del(s->continue_ev);
}

void session_thaw(struct session *s)
{
	if (!s->frozen || s->closing)
		return;
	s->frozen = false;
	if (s->bev)
		bufferevent_enable(s->bev, EV_READ | EV_WRITE);  /* and its output, held or not */
	s->last_rx = timebase_now();
	if (s->state == FSM_ESTABLISHED && s->neg.hold_time)
		session_timer_arm(s->hold_ev, s->neg.hold_time);
	if (s->state == FSM_ESTABLISHED)
		keepalive_at_once(s);
	event_active(s->continue_ev, 0, 0);     /* what arrived meanwhile */
}

bool session_is_frozen(const struct session *s) { return s->frozen; }

void session_hold_output(struct session *s)
{
	if (s->frozen && !s->closing && s->bev)
		bufferevent_disable(s->bev, EV_WRITE);
}

static uint8_t *copy_out(struct evbuffer *b, size_t *len)
{
	*len = evbuffer_get_length(b);
	if (*len == 0)
		return NULL;
	/* evbuffer_copyout refuses a buffer whose start is frozen, as a
	 * bufferevent's output is (only its socket drains it): peek instead */
	int n = evbuffer_peek(b, -1, NULL, NULL, 0);
	struct evbuffer_iovec *v = xcalloc((size_t)n, sizeof *v);
	uint8_t *p = xmalloc(*len);
	size_t off = 0;

	evbuffer_peek(b, -1, NULL, v, n);
	for (int i = 0; i < n && off < *len; i++) {
		size_t k = v[i].iov_len < *len - off ? v[i].iov_len : *len - off;
		memcpy(p + off, v[i].iov_base, k);
		off += k;
	}
	free(v);
	return p;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *q = xmalloc(len ? len : 1);
	memcpy(q, p, len);
	return q;
}

static uint32_t mono_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

bool session_handover_export(const struct session *s, struct session_handover *h)
{
	memset(h, 0, sizeof *h);
	if (!s->frozen || s->closing || s->state != FSM_ESTABLISHED || s->bev == NULL ||
	    s->kept[0][0].p == NULL || s->kept[0][1].p == NULL)
		return false;
	h->fd = bufferevent_getfd(s->bev);
	h->open_rx = dup_bytes(s->kept[0][0].p, s->kept[0][0].len);
	h->open_rx_len = s->kept[0][0].len;
	h->open_tx = dup_bytes(s->kept[0][1].p, s->kept[0][1].len);
	h->open_tx_len = s->kept[0][1].len;
	h->rx = s->rx;
	h->tx = s->tx;
	h->uptime = mono_secs() - (uint32_t)s->established_at;
	h->id = s->id;
	h->initiated_locally = s->initiated_locally;
	h->unread = copy_out(bufferevent_get_input(s->bev), &h->unread_len);
	h->unwritten = copy_out(bufferevent_get_output(s->bev), &h->unwritten_len);
	return true;
}

void session_handover_release(struct session_handover *h)
{
	free(h->open_rx);
	free(h->open_tx);
	free(h->unread);
	free(h->unwritten);
	memset(h, 0, sizeof *h);
}

/* A whole OPEN message's body, decoded; false with why. */
static bool decode_open(const uint8_t *msg, size_t len, struct bgp_open *o,
    const char *whose, char *why, size_t why_len)
{
	struct bgp_err e = { 0 };

	if (len < BGP_HEADER_LEN || msg[18] != BGP_OPEN ||
	    !bgp_open_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, o, &e)) {
		snprintf(why, why_len, "the OPEN %s does not decode", whose);
		return false;
	}
	return true;
}

/* Our offer as the OPEN we sent made it: negotiation gives what it gave. */
static bool offer_from_sent(struct session_params *p, const struct bgp_open *o,
    char *why, size_t why_len)
{
	const struct bgp_caps *c = &o->caps;
	uint32_t as = (c->present & BGP_CAPF_AS4) ? c->as4 : o->my_as;

	if (as != p->local_as || o->bgp_id != p->local_id) {
		snprintf(why, why_len, "our AS or BGP identifier changed (the OPEN we sent "
		    "says AS %u)", as);
		return false;
	}
	p->hold_time = o->hold_time;
	p->family_count = 0;
	if (c->present & BGP_CAPF_MP)
		for (uint8_t i = 0; i < c->mp_count && i < BGP_MAX_FAMILIES; i++)
			p->families[p->family_count++] = c->mp[i];
	else
		p->families[p->family_count++] = (struct bgp_family){ BGP_AFI_IPV4,
		    BGP_SAFI_UNICAST };
	p->add_path = 0;
	for (uint8_t i = 0; i < c->addpath_count; i++)
		p->add_path |= c->addpath[i].mode;
	p->graceful_restart = (c->present & BGP_CAPF_GRACEFUL_RESTART) != 0;
	p->ms_offer = (c->present & BGP_CAPF_MULTISESSION_IETF) ? MS_DIALECT_IETF :
	    (c->present & BGP_CAPF_MULTISESSION_CISCO) ? MS_DIALECT_CISCO : MS_DIALECT_NONE;
	return true;
}

static void keep_copy(struct session *s, int dir, const uint8_t *msg, size_t len)
{
	s->kept[0][dir].p = dup_bytes(msg, len);
	s->kept[0][dir].len = len;
}

/* The connection and its bytes: unwritten ones out first, unread ones
 * framed from the loop as if just read. */
static void adopt_connection(struct session *s, const struct session_handover *h)
{
	session_attach(s, h->fd);
	session_record_addrs(s);
	if (h->unwritten_len)
		bufferevent_write(s->bev, h->unwritten, h->unwritten_len);
	if (h->unread_len) {
		/* the end of a bufferevent's input is frozen: only its socket adds */
		struct evbuffer *in = bufferevent_get_input(s->bev);
		evbuffer_unfreeze(in, 0);
		if (evbuffer_add(in, h->unread, h->unread_len) < 0)
			fatal("%s: out of memory adopting the connection", s->p.label);
		evbuffer_freeze(in, 0);
		event_active(s->continue_ev, 0, 0);
	}
}

struct session *session_adopt_established(struct event_base *base,
    const struct session_params *p, const struct session_ops *ops, void *arg,
    const struct session_handover *h, char *why, size_t why_len)
{
	struct session_params offer = *p;
	struct bgp_open theirs, ours;
	struct bgp_err e = { 0 };

	if (!decode_open(h->open_rx, h->open_rx_len, &theirs, "received", why, why_len) ||
	    !decode_open(h->open_tx, h->open_tx_len, &ours, "sent", why, why_len) ||
	    !offer_from_sent(&offer, &ours, why, why_len))
		return NULL;
	if (!bgp_open_check(&theirs, p->remote_as, 0, &e)) {
		snprintf(why, why_len, "the neighbor's OPEN no longer matches its "
		    "configuration: %s", e.why ? e.why : "bad peer AS");
		return NULL;
	}
	struct session *s = session_new(base, &offer, ops, arg);
	if (!session_negotiate(s, &theirs, &e)) {
		snprintf(why, why_len, "the OPENs no longer agree: %s", e.why ? e.why : "");
		session_abort(s);
		return NULL;
	}
	s->state = FSM_ESTABLISHED;
	s->tcp_up = s->was_established = s->confirmed = true;
	s->initiated_locally = h->initiated_locally;
	s->id = h->id;
	s->rx = h->rx;
	s->tx = h->tx;
	s->established_at = (time_t)(mono_secs() - h->uptime);
	keep_copy(s, 0, h->open_rx, h->open_rx_len);
	keep_copy(s, 1, h->open_tx, h->open_tx_len);
	adopt_connection(s, h);
	s->last_rx = timebase_now();
	if (s->neg.hold_time)
		session_timer_arm(s->hold_ev, s->neg.hold_time);
	keepalive_at_once(s);
	return s;
}
