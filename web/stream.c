/*
 * stream.c — the live stream's feed side: it follows each view's feed
 * while anyone subscribes, makes each event a RIS Live message (an UPDATE
 * with its raw bytes, the session's OPEN, KEEPALIVE and NOTIFICATION
 * messages, its ups and downs), and fans it out to the subscribers whose
 * subscriptions match, rendered at most once per form.
 */
#include "web/stream.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "views/view.h"
#include "web/ris_json.h"
#include "web/stream_int.h"

/* ---- fan-out ---------------------------------------------------------- */

/* A message as JSON, rendered once per form for every subscriber, and
 * shared by their queues. */
struct rendered {
	struct swmsg *m[2];             /* [0] without "raw", [1] with it */
	bool tried[2];
};

/* The first message lost since the last notice asks the writer to say
 * when the queue has drained to half: the notice goes then. */
static void lost(struct subscriber *c)
{
	if (++c->dropped - c->dropped_told == 1)
		swconn_arm(c->out, SW_NEWS_LOW);
}

/* Rendered into the stream's scratch buffer, copied out at its size. */
static struct swmsg *render(struct stream *st, struct rendered *r,
    const struct ris_msg *m, bool raw)
{
	if (!r->tried[raw]) {
		jb_reset(&st->json);
		ris_message_render(&st->json, m, raw);
		r->tried[raw] = true;
		r->m[raw] = st->json.oom ? NULL : swmsg_copy(st->json.p, st->json.len);
	}
	return r->m[raw];
}

/* The form of m subscriber c gets (0, or 1 with "raw"), rendered; -1 if
 * none: no subscription of c matches, or the message is lost — one that
 * would take the queue past max_queue is, so that answers always have
 * their ANSWER_ROOM. A notice of earlier losses is queued before it. */
static int form_for(struct subscriber *c, const struct ris_msg *m,
    struct rendered *r)
{
	bool want = false, want_raw = false;

	for (size_t i = 0; i < c->n_subs; i++) {
		if (ris_sub_matches(c->subs[i], m)) {
			want = true;
			want_raw |= c->subs[i]->include_raw;
		}
	}
	if (!want)
		return -1;
	if (sub_queued(c) >= c->st->max_queue) {
		lost(c);
		return -1;
	}
	struct swmsg *js = render(c->st, r, m, want_raw);
	if (js == NULL)
		return -1;
	if (sub_queued(c) + swmsg_len(js) + WS_HEADER_MAX > c->st->max_queue) {
		lost(c);
		return -1;
	}
	sub_tell_dropped(c);
	return want_raw;
}

/* Room in the stream's batch for two entries per subscriber (one per
 * form). */
static bool batch_reserve(struct stream *st)
{
	size_t n = 0;
	for (struct subscriber *c = st->subs; c; c = c->next)
		n++;
	if (2 * n <= st->batch_cap)
		return true;
	free(st->batch);
	free(st->batch_sub);
	st->batch = malloc(2 * n * sizeof *st->batch);
	st->batch_sub = malloc(2 * n * sizeof *st->batch_sub);
	st->batch_cap = st->batch && st->batch_sub ? 2 * n : 0;
	return st->batch_cap != 0;
}

/* Each form to its subscribers at once (swriter_push_many). */
static void deliver_batched(struct stream *st, const struct ris_msg *m,
    struct rendered *r)
{
	size_t n[2] = { 0, 0 }, half = st->batch_cap / 2;

	for (struct subscriber *c = st->subs; c; c = c->next) {
		int f = c->closing ? -1 : form_for(c, m, r);
		if (f < 0)
			continue;
		size_t k = (size_t)f * half + n[f]++;
		sub_frame(c, swmsg_len(r->m[f]), &st->batch[k]);
		st->batch_sub[k] = c;
	}
	for (int f = 0; f < 2; f++) {
		struct swpush *b = st->batch + (size_t)f * half;
		if (n[f] == 0)
			continue;
		swriter_push_many(st->writer, b, n[f], r->m[f]);
		for (size_t i = 0; i < n[f]; i++) {
			struct subscriber *c = st->batch_sub[(size_t)f * half + i];
			if (b[i].ok)
				c->sent++;
			else
				c->dropped++;
		}
	}
}

static void deliver(struct stream *st, struct ris_msg *m)
{
	struct rendered r = { { NULL, NULL }, { false, false } };
	struct timeval tv;

	gettimeofday(&tv, NULL);
	m->timestamp = tv.tv_sec + tv.tv_usec / 1e6;
	m->seq = ++st->seq;
	if (batch_reserve(st)) {
		deliver_batched(st, m, &r);
	} else {                        /* out of memory for the batch: one by one */
		for (struct subscriber *c = st->subs; c; c = c->next) {
			int f = c->closing ? -1 : form_for(c, m, &r);
			if (f >= 0)
				sub_write_msg(c, r.m[f]);
		}
	}
	swmsg_unref(r.m[0]);
	swmsg_unref(r.m[1]);
}

static void msg_init(struct ris_msg *m, const struct stream_view *sv,
    enum ris_type type)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->host = view_name(sv->v);
	m->peer_afi = sv->afi;
	memcpy(m->peer_addr, sv->addr, sizeof m->peer_addr);
	m->peer_asn = view_config(sv->v)->remote_as;
}

/* ---- from the feed ---------------------------------------------------- */

static bool scratch_reserve(struct stream *st, size_t prefixes, size_t items)
{
	if (prefixes > st->prefix_cap) {
		free(st->prefixes);
		st->prefixes = malloc(prefixes * sizeof *st->prefixes);
		st->prefix_cap = st->prefixes ? prefixes : 0;
	}
	if (items > st->item_cap) {
		free(st->items);
		st->items = malloc(items * sizeof *st->items);
		st->item_cap = st->items ? items : 0;
	}
	return st->prefixes && st->items;
}

static void on_update(struct stream_view *sv, const struct feed_event *ev)
{
	struct stream *st = sv->st;
	const struct bgp_update *u = ev->update;
	struct ris_msg m;
	/* every prefix takes at least one octet of the message */
	size_t body = u->withdrawn.len + u->nlri.len + u->attr_raw.len;

	msg_init(&m, sv, RIS_UPDATE);
	if (!scratch_reserve(st, RIS_PREFIXES_MAX(body), u->attrs.as_path.len / 4 + 1) ||
	    !ris_msg_from_update(&m, u, &ev->neg->rx, st->prefixes, st->prefix_cap,
	    st->items, st->item_cap))
		return;
	m.raw = ev->raw;
	m.raw_len = ev->raw_len;
	deliver(st, &m);
}

/* OPEN and NOTIFICATION both ways, KEEPALIVE received (RIS Live shows no
 * other message but the UPDATEs, which come as FEED_UPDATE). */
static void on_message(struct stream_view *sv, const struct feed_event *ev)
{
	struct ris_msg m;
	struct bgp_open o;
	struct bgp_notification n;
	struct bgp_err err = { 0 };

	if (ev->raw_len < BGP_HEADER_LEN)
		return;
	const uint8_t *body = ev->raw + BGP_HEADER_LEN;
	size_t blen = ev->raw_len - BGP_HEADER_LEN;
	switch (ev->raw[18]) {
	case BGP_OPEN:
		msg_init(&m, sv, RIS_OPEN);
		if (bgp_open_decode(body, blen, &o, &err))
			m.open = &o;
		break;
	case BGP_NOTIFICATION:
		msg_init(&m, sv, RIS_NOTIFICATION);
		if (bgp_notification_decode(body, blen, &n, &err))
			m.notification = &n;
		break;
	case BGP_KEEPALIVE:
		if (ev->sent)
			return;
		msg_init(&m, sv, RIS_KEEPALIVE);
		break;
	default:
		return;
	}
	m.sent = ev->sent;
	m.raw = ev->raw;
	m.raw_len = ev->raw_len;
	deliver(sv->st, &m);
}

static void view_feed_cb(const struct feed_event *ev, void *arg)
{
	struct stream_view *sv = arg;
	struct ris_msg m;

	switch (ev->type) {
	case FEED_UPDATE:
		if (ev->update && ev->neg)
			on_update(sv, ev);
		break;
	case FEED_MESSAGE:
		on_message(sv, ev);
		break;
	case FEED_SESSION_UP:
	case FEED_SESSION_DOWN:
		msg_init(&m, sv, RIS_PEER_STATE);
		m.state = ev->type == FEED_SESSION_UP ? "connected" : "down";
		deliver(sv->st, &m);
		break;
	default:
		break;
	}
}

/* What the stream wants of a view's feed: everything it shows while
 * anyone subscribes, else nothing (the view then publishes no UPDATE and
 * no message for it). */
static unsigned follow_mask(const struct stream *st)
{
	return st->n_subscribers == 0 ? 0 : FEED_MASK(FEED_UPDATE) |
	    FEED_MASK(FEED_MESSAGE) | FEED_MASK(FEED_SESSION_UP) |
	    FEED_MASK(FEED_SESSION_DOWN);
}

void stream_follow(struct stream *st)
{
	for (struct stream_view *sv = st->views; sv; sv = sv->next)
		feed_set_mask(sv->sub, follow_mask(st));
}

/* ---- the module ------------------------------------------------------- */

struct stream *stream_new(struct event_base *base, size_t max_queue,
    unsigned idle_timeout)
{
	struct stream *st = calloc(1, sizeof *st);
	struct timeval second = { 1, 0 };

	if (st == NULL)
		return NULL;
	st->base = base;
	st->max_queue = max_queue ? max_queue : STREAM_MAX_QUEUE_DEFAULT;
	st->idle_timeout = idle_timeout ? idle_timeout : STREAM_IDLE_TIMEOUT_DEFAULT;
	st->tick_ev = event_new(base, -1, EV_PERSIST, sub_tick_cb, st);
	st->reap_ev = event_new(base, -1, 0, sub_reap_cb, st);
	st->writer = swriter_new(base, sub_news_cb, true, "live stream");
	if (st->tick_ev == NULL || st->reap_ev == NULL || st->writer == NULL) {
		stream_free(st);
		return NULL;
	}
	evtimer_add(st->tick_ev, &second);
	return st;
}

void stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	while (st->subs)
		sub_free(st->subs, st->subs->dead ? st->subs->why : "the stream stops");
	while (st->views)
		stream_view_remove(st, st->views->v);
	if (st->tick_ev)
		event_free(st->tick_ev);
	if (st->reap_ev)
		event_free(st->reap_ev);
	swriter_free(st->writer);       /* after its connections: joins the thread */
	free(st->prefixes);
	free(st->items);
	jb_free(&st->json);
	free(st->batch);
	free(st->batch_sub);
	free(st);
}

void stream_view_add(struct stream *st, struct view *v)
{
	struct stream_view *sv = calloc(1, sizeof *sv);
	const struct sockaddr_mux *a = &view_config(v)->remote;

	if (sv == NULL)
		return;
	sv->st = st;
	sv->v = v;
	if (sockaddr_family(a) == AF_INET) {
		sv->afi = BGP_AFI_IPV4;
		memcpy(sv->addr, &a->u.sin.sin_addr, 4);
	} else {
		sv->afi = BGP_AFI_IPV6;
		memcpy(sv->addr, &a->u.sin6.sin6_addr, 16);
	}
	sv->sub = feed_subscribe(view_feed(v), follow_mask(st), view_feed_cb, sv);
	sv->next = st->views;
	st->views = sv;
}

void stream_view_remove(struct stream *st, struct view *v)
{
	for (struct stream_view **p = &st->views; *p; p = &(*p)->next) {
		if ((*p)->v == v) {
			struct stream_view *sv = *p;
			*p = sv->next;
			feed_unsubscribe(sv->sub);
			free(sv);
			return;
		}
	}
}
