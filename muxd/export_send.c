/*
 * export_send.c — every view over one export session (export_send.h).
 */
#include "muxd/export_send.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/engine/session.h"
#include "muxd/engine/stall.h"
#include "muxd/engine/timebase.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/rib_vpn.h"
#include "views/feed.h"

/* [0] ipv4-vpn, [1] ipv6-vpn, as session_negotiated's vpn_addpath. */
#define VPN_FAMS 2
/* Routes per step, and the queue under which a step may go: the pacing
 * of an instance's walks (instances/walk.h), for the same reason. */
#define SEND_CHUNK 16384
#define SEND_QUEUE_HIGH (1u << 20)
/* Live changes past this many bytes queued (a full table arriving, or
 * going, on several views at once outruns any link) are not queued one
 * by one: the family is sent again from the views, paced, between BoRR
 * and EoRR (RFC 7313), and the instance host withdraws what did not come
 * again. The session's own bound (64 MiB) stays for a neighbor without
 * enhanced route refresh. */
#define SEND_LIVE_HIGH (16u << 20)
/* While the session's queue is over SEND_QUEUE_HIGH. */
#define SEND_RETRY_USEC 1000
/* An instance host that reads nothing for this long while bytes wait
 * for it (stall.h's rule) is closed, as a client is (CLIENT_STALL_SECS);
 * checked every engine second. */
#define EXPORT_STALL_SECS 10
/* Labels 0..15 are reserved (RFC 3032 §2.1): a view's is 16 + its id.
 * Nothing forwards on it; it keeps the routes well formed. */
#define VIEW_LABEL_BASE 16

static const uint16_t fam_afi[VPN_FAMS] = { BGP_AFI_IPV4, BGP_AFI_IPV6 };


struct xview {
	struct export_send *x;
	char *name;
	struct feed *feed;
	struct feed_sub *sub;
	struct rib_vpn_walk walk[VPN_FAMS];
	bool counted;                   /* its whole table went: st.views */
};

struct export_send {
	struct session *s;
	char *label;
	export_send_fail fail;
	void *arg;
	struct xview **views;
	size_t nviews, cap;
	bool fam[VPN_FAMS];             /* negotiated */
	bool addpath[VPN_FAMS];         /* we send path ids */
	size_t max_len;
	/* what ends the walk of a family in progress: EoRR (a refresh), then
	 * End-of-RIB (the first dump) */
	bool eorr_due[VPN_FAMS], eor_due[VPN_FAMS];
	size_t live_high;               /* SEND_LIVE_HIGH; tests set less */
	bool started, failed;
	export_send_ready ready;        /* End-of-RIB's gate; NULL: none */
	void *ready_arg;
	bool held;                      /* an End-of-RIB waits for the gate */
	struct event *tick;
	/* Live changes wait here for the end of the loop pass (flush_ev),
	 * or for the next walk step, whichever comes first. */
	struct rib_vpn_batch *batch;
	struct event *flush_ev;
	struct stall_clock stall;
	struct event *stall_ev;
	char why[160];                  /* why it failed */
	struct export_send_stats st;
};

static int fam_index(uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? 0 : afi == BGP_AFI_IPV6 ? 1 : -1;
}

static void schedule(struct export_send *x, long usec)
{
	struct timeval tv = { 0, usec };

	if (!evtimer_pending(x->tick, NULL))
		evtimer_add(x->tick, &tv);
}

/* Nothing more goes, and the owner closes the session from the loop
 * (never from inside a feed callback). */
static void fail_soon(struct export_send *x, const char *why)
{
	x->failed = true;
	snprintf(x->why, sizeof x->why, "%s", why);
	event_del(x->tick);
	event_active(x->tick, EV_TIMEOUT, 0);
}

static int emit(const uint8_t *msg, size_t len, void *arg)
{
	struct export_send *x = arg;

	if (x->failed)
		return -1;
	if (session_send(x->s, msg, len))
		return 0;
	fail_soon(x, "its output queue is full: the instance host does not keep up");
	return -1;
}

static void stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct export_send *x = arg;
	uint64_t idle_ms = stall_clock_idle_ms(&x->stall, x->s,
	    (uint64_t)timebase_now_ms());
	char why[160];
	(void)fd;
	(void)what;

	if (x->failed || idle_ms < EXPORT_STALL_SECS * 1000)
		return;
	snprintf(why, sizeof why, "it has not read a byte for %.1f s with %zu bytes "
	    "waiting: the instance host does not keep up", idle_ms / 1000.0,
	    session_queue_len(x->s));
	fail_soon(x, why);
}

/* ---- live changes ---------------------------------------------------------- */

/* What waits goes before anything else is sent (a walk step, a marker),
 * so the wire keeps the order things happened in. */
static void flush_changes(struct export_send *x)
{
	if (rib_vpn_batch_pending(x->batch))
		rib_vpn_batch_flush(x->batch);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_changes(arg);
}

static void send_again(struct export_send *x, int i);

/* Too much waits for the instance host to queue this change: the family
 * goes again from the views, paced (SEND_LIVE_HIGH). False when the
 * neighbor cannot tell what did not come again (no enhanced refresh). */
static bool overrun(struct export_send *x, int i)
{
	size_t queued = session_queue_len(x->s);

	if (queued < x->live_high || !session_negotiated(x->s)->enhanced_rr)
		return false;
	log_info("%s: %zu bytes wait for it: %s goes again from the views, paced, "
	    "between BoRR and EoRR, rather than change by change", x->label, queued,
	    i == 0 ? "ipv4-vpn" : "ipv6-vpn");
	x->st.overruns++;
	send_again(x, i);
	return true;
}

/* A change the walk has passed goes now (batched with the others of this
 * loop pass); one ahead of it is the walk's. */
static void on_route(const struct feed_event *ev, void *arg)
{
	struct xview *v = arg;
	struct export_send *x = v->x;
	int i = fam_index(ev->prefix->afi);

	if (x->failed || i < 0 || !x->fam[i] ||
	    !adjrib_cursor_passed(&v->walk[i].cursor, ev->prefix) || overrun(x, i))
		return;
	size_t before = rib_vpn_batch_stats(x->batch)->routes;
	rib_vpn_batch_add(x->batch, ev->prefix,
	    ev->change == FEED_WITHDRAW ? NULL : ev->set, fam_afi[i], &v->walk[i].spec);
	x->st.routes += rib_vpn_batch_stats(x->batch)->routes - before;
	if (rib_vpn_batch_pending(x->batch))
		event_active(x->flush_ev, EV_TIMEOUT, 0);
}

/* ---- the dump ------------------------------------------------------------------ */

/* End-of-RIB (RFC 4724 §2), or a ROUTE-REFRESH marker (RFC 7313). */
static bool send_marker(struct export_send *x, int i, bool eor, uint8_t subtype)
{
	flush_changes(x);
	const struct bgp_af *af = bgp_af(bgp_aid_of(fam_afi[i], BGP_SAFI_VPN));
	uint8_t buf[64];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_route_refresh rr = { af->afi, subtype, af->safi };
	size_t len = eor ? bgp_eor_encode(&w, af->afi, af->safi) :
	    bgp_route_refresh_encode(&w, &rr);

	return len && emit(buf, len, x) == 0;
}

static bool view_done(const struct export_send *x, const struct xview *v)
{
	for (int i = 0; i < VPN_FAMS; i++)
		if (x->fam[i] && !rib_vpn_walk_done(&v->walk[i]))
			return false;
	return true;
}

/* One step of the first walk not done, families in turn (every view of
 * ipv4-vpn, then of ipv6-vpn), a family's end marker once every view of
 * it is sent. False when nothing is left. */
static bool dump_step(struct export_send *x)
{
	x->held = false;
	for (int i = 0; i < VPN_FAMS; i++) {
		if (!x->fam[i])
			continue;
		for (size_t k = 0; k < x->nviews; k++) {
			struct xview *v = x->views[k];
			struct rib_vpn_stats st = { 0 };
			if (rib_vpn_walk_done(&v->walk[i]))
				continue;
			rib_vpn_walk_step(feed_table(v->feed), &v->walk[i], SEND_CHUNK, emit,
			    x, &st);
			x->st.routes += st.routes;
			if (!v->counted && view_done(x, v)) {
				v->counted = true;
				x->st.views++;
			}
			return true;
		}
		if (x->eorr_due[i]) {
			x->eorr_due[i] = false;
			send_marker(x, i, false, BGP_RR_EORR);
			return true;
		}
		if (x->eor_due[i]) {
			if (x->ready && !x->ready(fam_afi[i], x->ready_arg)) {
				x->held = true;
				continue;
			}
			if (send_marker(x, i, true, 0))
				x->st.eor++;
			x->eor_due[i] = false;
			return true;
		}
	}
	return false;
}

/* A timer, not event_active: the loop polls its sockets between steps. */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct export_send *x = arg;
	(void)fd;
	(void)what;

	if (x->failed) {
		/* the owner frees x: nothing of x after this */
		x->fail(x->why, x->arg);
		return;
	}
	if (session_queue_len(x->s) >= SEND_QUEUE_HIGH) {
		schedule(x, SEND_RETRY_USEC);
		return;
	}
	flush_changes(x);       /* before the cursor moves */
	if (dump_step(x))
		schedule(x, 0);
	else if (x->held)
		schedule(x, EXPORT_SEND_GATE_MS * 1000L);
}

/* ---- the sender ------------------------------------------------------------------ */

struct export_send *export_send_new(struct event_base *base, struct session *s,
    const char *label, export_send_fail fail, void *arg)
{
	struct export_send *x = xcalloc(1, sizeof *x);
	const struct session_negotiated *n = session_negotiated(s);

	x->s = s;
	x->label = xstrdup(label);
	x->fail = fail;
	x->arg = arg;
	for (uint8_t k = 0; k < n->family_count; k++) {
		int i = n->families[k].safi == BGP_SAFI_VPN ?
		    fam_index(n->families[k].afi) : -1;
		if (i >= 0)
			x->fam[i] = true;
	}
	for (int i = 0; i < VPN_FAMS; i++)
		x->addpath[i] = (n->vpn_addpath[i] & BGP_ADDPATH_SEND) != 0;
	x->max_len = n->ext_message ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	x->live_high = SEND_LIVE_HIGH;
	x->tick = evtimer_new(base, tick_cb, x);
	x->batch = rib_vpn_batch_new(emit, x);
	x->flush_ev = event_new(base, -1, 0, flush_cb, x);
	x->stall_ev = event_new(base, -1, EV_PERSIST, stall_cb, x);
	struct timeval second = timebase_secs(1);
	event_add(x->stall_ev, &second);
	return x;
}

void export_send_free(struct export_send *x)
{
	if (x == NULL)
		return;
	for (size_t k = 0; k < x->nviews; k++) {
		feed_unsubscribe(x->views[k]->sub);
		free(x->views[k]->name);
		free(x->views[k]);
	}
	free(x->views);
	rib_vpn_batch_free(x->batch);   /* before the views' sets can go */
	event_free(x->flush_ev);
	event_free(x->stall_ev);
	event_free(x->tick);
	free(x->label);
	free(x);
}

void export_send_add_view(struct export_send *x, const char *name, struct feed *f,
    uint32_t asn, uint16_t id)
{
	struct rib_vpn_spec spec = { .label = VIEW_LABEL_BASE + id };
	struct xview *v;

	if (!bgp_rd_make(asn, id, &spec.rd)) {
		log_warnx("%s: view %s is not exported: its id %u does not fit a route "
		    "distinguisher of AS %u", x->label, name, id, asn);
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->x = x;
	v->name = xstrdup(name);
	v->feed = f;
	spec.max_len = x->max_len;
	for (int i = 0; i < VPN_FAMS; i++) {
		spec.addpath = x->addpath[i];
		rib_vpn_walk_init(&v->walk[i], fam_afi[i], &spec);
	}
	x->views = xgrow_array(x->views, &x->cap, x->nviews + 1, sizeof *x->views);
	x->views[x->nviews++] = v;
	v->sub = feed_subscribe(f, FEED_MASK(FEED_ROUTE), on_route, v);
	if (x->started)
		schedule(x, 0);
}

void export_send_remove_view(struct export_send *x, const struct feed *f)
{
	for (size_t k = 0; k < x->nviews; k++) {
		struct xview *v = x->views[k];
		if (v->feed != f)
			continue;
		flush_changes(x);       /* the batch may hold one of its sets */
		feed_unsubscribe(v->sub);
		free(v->name);
		free(v);
		memmove(x->views + k, x->views + k + 1, (x->nviews - k - 1) * sizeof *x->views);
		x->nviews--;
		return;
	}
}

/* What the instance host holds of one family of v: every route the walk
 * has passed (a live change behind it went out as it happened). */
struct sent_walk {
	struct export_send *x;
	const struct rib_vpn_walk *w;
};

static int withdraw_sent(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct sent_walk *sw = arg;
	(void)set;

	if (adjrib_cursor_passed(&sw->w->cursor, p))
		rib_vpn_batch_add(sw->x->batch, p, NULL, sw->w->afi, &sw->w->spec);
	return 0;
}

void export_send_view_id(struct export_send *x, const struct feed *f, uint32_t asn,
    uint16_t id)
{
	struct xview *v = NULL;
	struct bgp_rd rd;

	for (size_t k = 0; k < x->nviews && v == NULL; k++)
		v = x->views[k]->feed == f ? x->views[k] : NULL;
	if (v == NULL || x->failed || !bgp_rd_make(asn, id, &rd))
		return;
	flush_changes(x);
	size_t before = rib_vpn_batch_stats(x->batch)->routes;
	for (int i = 0; i < VPN_FAMS; i++) {
		struct sent_walk sw = { x, &v->walk[i] };
		struct rib_vpn_spec spec = v->walk[i].spec;
		if (x->fam[i])
			adjrib_walk(feed_table(f), fam_afi[i], withdraw_sent, &sw);
		flush_changes(x);
		spec.rd = rd;
		spec.label = VIEW_LABEL_BASE + id;
		rib_vpn_walk_init(&v->walk[i], fam_afi[i], &spec);
	}
	x->st.routes += rib_vpn_batch_stats(x->batch)->routes - before;
	if (x->started)
		schedule(x, 0);
}

void export_send_start(struct export_send *x)
{
	x->started = true;
	for (int i = 0; i < VPN_FAMS; i++)
		x->eor_due[i] = x->fam[i];
	schedule(x, 0);
}

void export_send_gate(struct export_send *x, export_send_ready ready, void *arg)
{
	x->ready = ready;
	x->ready_arg = arg;
}

/* Every view's walk of family i from the start, between BoRR and EoRR
 * when enhanced refresh is negotiated (a first dump still going ends with
 * its End-of-RIB after the EoRR). Changes ahead of the walks are theirs. */
static void send_again(struct export_send *x, int i)
{
	if (session_negotiated(x->s)->enhanced_rr && send_marker(x, i, false, BGP_RR_BORR))
		x->eorr_due[i] = true;
	for (size_t k = 0; k < x->nviews; k++) {
		struct rib_vpn_spec spec = x->views[k]->walk[i].spec;
		rib_vpn_walk_init(&x->views[k]->walk[i], fam_afi[i], &spec);
	}
	schedule(x, 0);
}

void export_send_refresh(struct export_send *x, uint16_t afi, uint8_t safi)
{
	int i = safi == BGP_SAFI_VPN ? fam_index(afi) : -1;

	if (i >= 0 && x->fam[i] && !x->failed)
		send_again(x, i);
}

void export_send_set_live_high(struct export_send *x, size_t bytes)
{
	x->live_high = bytes;
}

const struct export_send_stats *export_send_stats(const struct export_send *x)
{
	return &x->st;
}
