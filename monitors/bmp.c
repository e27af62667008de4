/*
 * bmp.c — BMP export (see bmp.h).
 *
 * Each (view, collector) pair is in one of three states: PENDING (the
 * collector has not had this view yet: live changes are left to the dump),
 * DUMPING (its table is being walked: a live change is sent only if the
 * cursor has passed the route, feed_cursor_passed), SYNCED (everything is
 * sent live). A connection sets every view PENDING; its dump task takes the
 * views one after the other.
 *
 * Live route changes are batched per view — consecutive routes with the
 * same family, attribute set and set of collectors go in one UPDATE — and
 * the batch is flushed from a deferred event (after the UPDATEs the loop
 * is handling), before any other event of the view, and before a dump step.
 *
 * Each collector's connection and its output are bmp_conn.c's: the loop
 * encodes, a writer thread writes.
 */
#include "monitors/bmp_int.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "monitors/monpeer.h"
#include "muxd/lib/log.h"
#include "muxd/lib/sockwriter.h"

#define DUMP_CHUNK 2000                 /* routes per dump step */
#define STATS_SECS 30

enum vc_state { VC_PENDING, VC_DUMPING, VC_SYNCED };

struct bmp_view {
	struct bmp_exporter *x;
	struct mon_peer peer;
	struct feed_sub *sub;
	struct bmp_view *next;
	struct {
		enum vc_state st;
		struct feed_cursor c;
	} vc[BMP_MAX_COLLECTORS];
	struct batch live;
};

/* ---- sending -------------------------------------------------------------- */

static void send_mask(struct bmp_exporter *x, uint32_t mask, const uint8_t *p,
    size_t len)
{
	for (size_t i = 0; i < x->nconns; i++)
		if (mask & (1u << i))
			bmp_conn_send(&x->conns[i], p, len);
}

/* ---- per-peer header and messages -------------------------------------------- */

static void peer_hdr(const struct mon_peer *p, struct bmp_peer_hdr *h, bool now)
{
	struct timeval tv = p->up_at;

	memset(h, 0, sizeof *h);
	if (mon_addr_bytes(&p->remote, h->addr) == 16)
		h->flags |= BMP_PEER_FLAG_V;
	h->as = p->remote_as;
	h->bgp_id = p->remote_id;
	if (now)
		gettimeofday(&tv, NULL);
	h->ts_sec = (uint32_t)tv.tv_sec;
	h->ts_usec = (uint32_t)tv.tv_usec;
}

static void send_peer_up(struct bmp_view *v, uint32_t mask)
{
	struct bmp_exporter *x = v->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);
	struct bmp_peer_hdr h;
	uint8_t local[16];

	peer_hdr(&v->peer, &h, false);
	mon_addr_bytes(&v->peer.local, local);
	send_mask(x, mask, x->msg, bmp_peer_up_encode(&w, &h, local,
	    v->peer.local.len ? sockaddr_port(&v->peer.local) : 0,
	    v->peer.remote.len ? sockaddr_port(&v->peer.remote) : 0,
	    v->peer.open_sent, v->peer.open_sent_len,
	    v->peer.open_rcvd, v->peer.open_rcvd_len));
}

static void send_peer_down(struct bmp_view *v, uint32_t mask, const struct mon_down *d)
{
	struct bmp_exporter *x = v->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);
	struct bmp_peer_hdr h;
	static const uint8_t no_event[2];
	const uint8_t *data = d->notification;
	size_t len = d->len;

	if (d->reason == MON_DOWN_LOCAL_NO_NOTIFICATION) {
		data = no_event;        /* FSM event code 0: not known */
		len = 2;
	} else if (d->reason != MON_DOWN_LOCAL_NOTIFICATION &&
	    d->reason != MON_DOWN_REMOTE_NOTIFICATION) {
		data = NULL;
		len = 0;
	}
	peer_hdr(&v->peer, &h, true);
	send_mask(x, mask, x->msg, bmp_peer_down_encode(&w, &h, (uint8_t)d->reason, data, len));
}

static void send_update(struct bmp_view *v, uint32_t mask, const uint8_t *upd, size_t len)
{
	struct bmp_exporter *x = v->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);
	struct bmp_peer_hdr h;

	peer_hdr(&v->peer, &h, true);
	send_mask(x, mask, x->msg, bmp_route_monitoring_encode(&w, &h, upd, len));
}

static void send_eor(struct bmp_view *v, uint32_t mask)
{
	struct bmp_exporter *x = v->x;

	FOR_EACH_RIB_AID(aid) {
		struct wbuf w = wbuf_make(x->upd, sizeof x->upd);
		if (v->peer.unicast[aid])
			send_update(v, mask, x->upd,
			    bgp_eor_encode(&w, bgp_af(aid)->afi, bgp_af(aid)->safi));
	}
}

static void send_stats(struct bmp_view *v, uint32_t mask)
{
	struct bmp_exporter *x = v->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);
	struct bmp_peer_hdr h;
	const struct feed_counters *fc = feed_counters(v->peer.feed);
	struct bmp_stat st[] = {
		{ BMP_STAT_DUP_PREFIX_ADVERTS, 0, 0, fc->dup_announced },
		{ BMP_STAT_DUP_WITHDRAWS, 0, 0, fc->dup_withdrawn },
		{ BMP_STAT_ADJ_RIB_IN_ROUTES, 0, 0, feed_route_count(v->peer.feed, 0) },
		{ BMP_STAT_AFI_SAFI_ADJ_RIB_IN, BGP_AFI_IPV4, BGP_SAFI_UNICAST,
		  feed_route_count(v->peer.feed, BGP_AFI_IPV4) },
		{ BMP_STAT_AFI_SAFI_ADJ_RIB_IN, BGP_AFI_IPV6, BGP_SAFI_UNICAST,
		  feed_route_count(v->peer.feed, BGP_AFI_IPV6) },
		{ BMP_STAT_UPDATES_TREATED_AS_WITHDRAW, 0, 0, fc->taw_updates },
		{ BMP_STAT_PREFIXES_TREATED_AS_WITHDRAW, 0, 0, fc->taw_prefixes },
	};

	peer_hdr(&v->peer, &h, true);
	send_mask(x, mask, x->msg, bmp_stats_encode(&w, &h, st, sizeof st / sizeof st[0]));
}

/* ---- batches of routes ------------------------------------------------------- */

static void batch_flush(struct bmp_view *v, struct batch *b)
{
	struct bmp_exporter *x = v->x;
	size_t nh_len = 0, attrs_len = 0;
	struct bgp_pack_spec spec = {
		.afi = b->afi, .safi = BGP_SAFI_UNICAST, .addpath = mon_peer_addpath(&v->peer, b->afi),
		.withdraw = b->withdraw,
		.max_len = v->peer.ext_message ? BGP_EXT_MAX_LEN : BGP_MAX_LEN,
	};
	size_t k = 0;

	if (!b->active)
		return;
	if (b->set) {
		spec.attrs = attrset_wire(b->set, &attrs_len);
		spec.attrs_len = attrs_len;
		if (b->afi != BGP_AFI_IPV4) {
			spec.next_hop = attrset_next_hop(b->set, &nh_len);
			spec.next_hop_len = nh_len;
		}
	}
	while (k < b->n) {
		struct wbuf w = wbuf_make(x->upd, sizeof x->upd);
		struct bgp_packer pk;
		if (!bgp_packer_begin(&pk, &w, &spec))
			break;          /* attributes too long for any UPDATE */
		size_t first = k;
		while (k < b->n && bgp_packer_add(&pk, &b->p[k]))
			k++;
		size_t n = bgp_packer_finish(&pk);
		if (n == 0 || k == first)
			break;
		send_update(v, b->mask, x->upd, n);
	}
	attrset_put(b->set);
	b->set = NULL;
	b->active = false;
	b->n = 0;
}

static void batch_add(struct bmp_view *v, struct batch *b, const struct bgp_prefix *p,
    struct attrset *set, uint32_t mask)
{
	if (b->active && (b->afi != p->afi || b->withdraw != (set == NULL) ||
	    b->set != set || b->mask != mask || b->n == BATCH_MAX))
		batch_flush(v, b);
	if (!b->active) {
		b->active = true;
		b->afi = p->afi;
		b->withdraw = set == NULL;
		b->set = set ? attrset_get(set) : NULL;
		b->mask = mask;
	}
	b->p[b->n++] = *p;
}

static void flush_all(struct bmp_exporter *x)
{
	for (struct bmp_view *v = x->views; v; v = v->next)
		batch_flush(v, &v->live);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_all(arg);
}

/* ---- the feed ---------------------------------------------------------------- */

/* The collectors a live change of route p goes to now. */
static uint32_t route_mask(const struct bmp_view *v, const struct bgp_prefix *p)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < v->x->nconns; i++) {
		if (!v->x->conns[i].up)
			continue;
		if (v->vc[i].st == VC_SYNCED ||
		    (v->vc[i].st == VC_DUMPING && feed_cursor_passed(&v->vc[i].c, p)))
			mask |= 1u << i;
	}
	return mask;
}

/* The collectors that have (or are being sent) this view. */
static uint32_t known_mask(const struct bmp_view *v)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < v->x->nconns; i++)
		if (v->x->conns[i].up && v->vc[i].st != VC_PENDING)
			mask |= 1u << i;
	return mask;
}

static void on_route(struct bmp_view *v, const struct feed_event *ev)
{
	uint32_t mask;

	if (ev->clearing)
		return;                 /* Peer Down already told the collectors */
	mask = route_mask(v, ev->prefix);
	if (mask == 0)
		return;
	batch_add(v, &v->live, ev->prefix, ev->change == FEED_WITHDRAW ? NULL : ev->set, mask);
	event_active(v->x->flush_ev, 0, 0);
}

static void on_session_down(struct bmp_view *v, const struct feed_event *ev)
{
	struct mon_down d;
	uint32_t mask = known_mask(v);

	mon_peer_down(&v->peer, ev, &d);
	send_peer_down(v, mask, &d);
	/* A walk in progress has nothing more to send. */
	for (size_t i = 0; i < v->x->nconns; i++)
		if (v->vc[i].st == VC_DUMPING)
			v->vc[i].st = VC_SYNCED;
}

/* The session is up and the view still holds routes (Graceful Restart kept
 * them): after Peer Up the collectors must get them again, as a collector
 * that connects does. */
static void redump(struct bmp_view *v)
{
	for (size_t i = 0; i < v->x->nconns; i++) {
		struct bmp_conn *c = &v->x->conns[i];
		if (!c->up)
			continue;
		v->vc[i].st = VC_PENDING;
		c->dump_done = false;
		bmp_schedule_dump(c);
	}
}

static void view_cb(const struct feed_event *ev, void *arg)
{
	struct bmp_view *v = arg;

	if (ev->type == FEED_ROUTE) {
		on_route(v, ev);
		return;
	}
	batch_flush(v, &v->live);
	if (ev->type == FEED_SESSION_UP) {
		mon_peer_up(&v->peer, ev);
		if (feed_route_count(v->peer.feed, 0) > 0)
			redump(v);
		else
			send_peer_up(v, known_mask(v));
	} else if (ev->type == FEED_SESSION_DOWN) {
		on_session_down(v, ev);
	}
}

/* ---- the initial dump ----------------------------------------------------------- */

struct dump_ctx {
	struct bmp_view *v;
	uint32_t mask;
};

static int dump_route(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct dump_ctx *d = arg;
	batch_add(d->v, &d->v->x->dump, p, set, d->mask);
	return 0;
}

/* One view's next step for collector i; false when the view is done. */
static size_t dump_view_step(struct bmp_view *v, unsigned i, size_t budget)
{
	struct dump_ctx d = { v, 1u << i };
	size_t n;

	if (v->vc[i].st == VC_PENDING) {
		if (!v->peer.up) {
			v->vc[i].st = VC_SYNCED;
			return 0;
		}
		send_peer_up(v, d.mask);
		v->vc[i].st = VC_DUMPING;
		feed_cursor_init(&v->vc[i].c, 0);
	}
	n = feed_cursor_next(v->peer.feed, &v->vc[i].c, budget, dump_route, &d);
	batch_flush(v, &v->x->dump);
	if (feed_cursor_done(&v->vc[i].c)) {
		send_eor(v, d.mask);
		send_stats(v, d.mask);  /* the counts at once, then every 30 s */
		v->vc[i].st = VC_SYNCED;
	}
	return n;
}

static void dump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bmp_conn *c = arg;
	size_t budget = DUMP_CHUNK;
	(void)fd;
	(void)what;

	flush_all(c->x);
	while (c->up && budget > 0) {
		struct bmp_view *v = c->x->views;
		while (v && v->vc[c->idx].st == VC_SYNCED)
			v = v->next;
		if (v == NULL) {
			if (!c->dump_done)
				log_info("bmp %s: every view sent; live changes from now on",
				    c->name);
			c->dump_done = true;
			return;
		}
		if (bmp_conn_paused(c))
			return;         /* scheduled again once drained */
		size_t n = dump_view_step(v, c->idx, budget);
		budget = n >= budget ? 0 : budget - n;
	}
	if (c->up)
		bmp_schedule_dump(c);
}

void bmp_schedule_dump(struct bmp_conn *c)
{
	event_active(c->dump_ev, 0, 0);
}

void bmp_collector_up(struct bmp_conn *c)
{
	struct bmp_exporter *x = c->x;
	struct wbuf w = wbuf_make(x->msg, sizeof x->msg);

	c->dump_done = false;
	log_info("bmp %s: connected: sending Initiation, then every view", c->name);
	flush_all(x);                   /* batches so far are not this one's */
	for (struct bmp_view *v = x->views; v; v = v->next)
		v->vc[c->idx].st = VC_PENDING;
	bmp_conn_send(c, x->msg, bmp_initiation_encode(&w, x->sys_name,
	    "bgpmux, a BGP session multiplexer gateway: every path of every upstream"));
	bmp_schedule_dump(c);
}

static void stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bmp_exporter *x = arg;
	(void)fd;
	(void)what;

	flush_all(x);
	for (struct bmp_view *v = x->views; v; v = v->next)
		if (v->peer.up)
			send_stats(v, known_mask(v));
}

/* ---- set-up -------------------------------------------------------------------- */

struct bmp_exporter *bmp_exporter_new(struct event_base *base,
    const struct sockaddr_mux *collectors, size_t n, const char *sys_name)
{
	struct bmp_exporter *x = xcalloc(1, sizeof *x);
	struct timeval every = { STATS_SECS, 0 };

	x->base = base;
	snprintf(x->sys_name, sizeof x->sys_name, "%s", sys_name);
	if (n > BMP_MAX_COLLECTORS) {
		log_warnx("bmp: %zu collectors configured; only the first %d are used", n,
		    BMP_MAX_COLLECTORS);
		n = BMP_MAX_COLLECTORS;
	}
	x->writer = bmp_writer_new(base);
	if (x->writer == NULL)
		fatal("bmp: cannot allocate its writer");
	x->flush_ev = event_new(base, -1, 0, flush_cb, x);
	x->stats_ev = event_new(base, -1, EV_PERSIST, stats_cb, x);
	evtimer_add(x->stats_ev, &every);
	for (size_t i = 0; i < n; i++) {
		struct bmp_conn *c = &x->conns[x->nconns];
		c->dump_ev = event_new(base, -1, 0, dump_cb, c);
		bmp_conn_start(c, x, (unsigned)x->nconns++, &collectors[i]);
	}
	return x;
}

void bmp_exporter_add_view(struct bmp_exporter *x, const char *view, struct feed *feed)
{
	struct bmp_view *v = xcalloc(1, sizeof *v), **tail = &x->views;

	v->x = x;
	mon_peer_init(&v->peer, view, feed);
	v->sub = feed_subscribe(feed, FEED_MASK(FEED_ROUTE) | FEED_MASK(FEED_SESSION_UP) |
	    FEED_MASK(FEED_SESSION_DOWN), view_cb, v);
	/* At the tail: a dump in progress reaches it too. */
	while (*tail)
		tail = &(*tail)->next;
	*tail = v;
	for (size_t i = 0; i < x->nconns; i++) {
		x->conns[i].dump_done = false;
		if (x->conns[i].up)
			bmp_schedule_dump(&x->conns[i]);
	}
}

static void view_free(struct bmp_view *v)
{
	feed_unsubscribe(v->sub);
	attrset_put(v->live.set);
	mon_peer_release(&v->peer);
	free(v);
}

void bmp_exporter_remove_view(struct bmp_exporter *x, struct feed *feed)
{
	for (struct bmp_view **pos = &x->views; *pos; pos = &(*pos)->next) {
		if ((*pos)->peer.feed == feed) {
			struct bmp_view *v = *pos;
			batch_flush(v, &v->live);
			*pos = v->next;
			view_free(v);
			return;
		}
	}
}

void bmp_exporter_free(struct bmp_exporter *x)
{
	if (x == NULL)
		return;
	flush_all(x);
	bmp_conns_terminate(x);
	for (size_t i = 0; i < x->nconns; i++)
		bmp_conn_free(&x->conns[i]);
	swriter_free(x->writer);        /* after every connection's swconn_free */
	while (x->views) {
		struct bmp_view *v = x->views;
		x->views = v->next;
		view_free(v);
	}
	event_free(x->flush_ev);
	event_free(x->stats_ev);
	free(x);
}
