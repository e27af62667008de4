/*
 * gateway.c — client routes from the clients' sessions to the upstreams'
 * views, through the allocation check, the rewrite and the gateway's own
 * table (see gateway.h for the path a route takes).
 */
#include "instances/gateway.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instances/alloc.h"
#include "instances/gateway_int.h"
#include "instances/origin.h"
#include "instances/origin_store.h"
#include "instances/rewrite.h"
#include "muxd/lib/log.h"
#include "muxd/bgp/update_walk.h"

/* Prefixes outside the allocation are logged in aggregate, per client
 * and instance: the first at once, then at most one line per this many
 * seconds with the count and an example. A client that announces the
 * view back (FRR does, without an export policy) sends the whole table. */
#define GW_REJECT_LOG_SECS 60

static void reject_cb(evutil_socket_t fd, short what, void *arg);

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* For log intervals: they need not survive a restart, and must not jump. */
static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- upstreams ------------------------------------------------------------- */

static struct gw_upstream *up_by_id(const struct gateway *gw, uint16_t id)
{
	for (size_t i = 0; i < gw->nups; i++)
		if (gw->ups[i].id == id)
			return &gw->ups[i];
	return NULL;
}

static struct gw_upstream *up_by_name(const struct gateway *gw, const char *name)
{
	for (size_t i = 0; i < gw->nups; i++)
		if (strcmp(gw->ups[i].name, name) == 0)
			return &gw->ups[i];
	return NULL;
}

uint16_t gw_id_of(const struct gateway *gw, const char *name)
{
	const struct gw_upstream *u = name ? up_by_name(gw, name) : NULL;
	return u ? u->id : 0;
}

/* ---- persistence ------------------------------------------------------------- */

static const char *names_name(uint16_t id, void *arg)
{
	const struct gw_upstream *u = up_by_id(arg, id);
	return u ? u->name : NULL;
}

static uint16_t names_id(const char *name, void *arg)
{
	return gw_id_of(arg, name);
}

static const struct client_config *client_cfg(const struct gateway *gw, const char *name)
{
	for (size_t i = 0; gw->cfg && i < gw->cfg->client_count; i++)
		if (strcmp(gw->cfg->clients[i].name, name) == 0)
			return &gw->cfg->clients[i];
	return NULL;
}

static uint64_t names_up_deadline(const char *client, uint16_t src, void *arg)
{
	const struct client_config *cc = client_cfg(arg, client);
	(void)src;
	return now_ms() + 1000ull * (cc ? cc->hold_down : ORIGIN_DEFAULT_HOLD_DOWN);
}

static struct origin_store_names store_names(struct gateway *gw)
{
	struct origin_store_names nm = { names_name, names_id, names_up_deadline, gw };
	return nm;
}

static void save_now(struct gateway *gw)
{
	struct origin_store_names nm = store_names(gw);
	char why[256];

	if (gw->store == NULL || !origin_dirty(gw->origin))
		return;
	if (origin_store_save(gw->store, gw->origin, &nm, why, sizeof why))
		origin_clear_dirty(gw->origin);
	else
		log_warnx("gateway: cannot save the announced routes to %s: %s (they stay "
		    "announced; a restart now would forget them)", ORIGIN_STORE_FILE, why);
}

static void save_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;
	(void)fd;
	(void)what;
	gw->save_queued = false;
	save_now(gw);
}

/* After every change: arm the timer for origin's next deadline, queue a
 * save at the end of the pass. */
static void gw_kick(struct gateway *gw)
{
	uint64_t due = origin_next_due(gw->origin), now = now_ms();

	evtimer_del(gw->timer_ev);
	if (due) {
		uint64_t ms = due > now ? due - now : 0;
		struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
		evtimer_add(gw->timer_ev, &tv);
	}
	if (origin_dirty(gw->origin) && !gw->save_queued) {
		gw->save_queued = true;
		event_active(gw->save_ev, 0, 0);
	}
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;
	(void)fd;
	(void)what;
	origin_run(gw->origin, now_ms());
	gw_kick(gw);
}

/* ---- what origin sends ------------------------------------------------------- */

static void on_send(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, void *arg)
{
	struct gateway *gw = arg;
	struct gw_upstream *u = up_by_id(gw, id);
	char pfx[BGP_PREFIX_STRLEN];

	bgp_prefix_format(p, pfx, sizeof pfx);
	log_info("gateway: upstream %s: %s %s (client %s's)", u ? u->name : "?",
	    len ? "announcing" : "withdrawing", pfx, owner);
	if (u && u->view)
		u->vops->originate(u->view, p, attrs, len);
	for (size_t i = 0; i < gw->nsubs; i++)
		if (gw->subs[i].id == id)
			gw->subs[i].cb(p, attrs, len, owner, gw->subs[i].arg);
}

static const struct origin_ops gw_origin_ops = { on_send };

/* ---- life ---------------------------------------------------------------------- */

static void load(struct gateway *gw, const char *state_dir)
{
	char path[4096], why[256];
	struct origin_store_names nm = store_names(gw);

	snprintf(path, sizeof path, "%s/%s", state_dir, ORIGIN_STORE_FILE);
	gw->store = origin_store_open(path, why, sizeof why);
	if (gw->store == NULL) {
		log_warnx("gateway: cannot use %s: %s; client routes will not survive a "
		    "restart", path, why);
		return;
	}
	long n = origin_store_load(gw->store, gw->origin, &nm, why, sizeof why);
	if (n < 0)
		log_warnx("gateway: cannot read %s: %s; starting with no client routes",
		    path, why);
	else if (n > 0)
		log_info("gateway: restored %ld announced client routes from %s; they stay "
		    "announced until their clients' hold-downs end", n, path);
}

struct gateway *gateway_new(struct event_base *base, const struct config *cfg)
{
	struct gateway *gw = xcalloc(1, sizeof *gw);

	gw->base = base;
	gw->origin = origin_new(&gw_origin_ops, gw);
	gw->timer_ev = evtimer_new(base, timer_cb, gw);
	gw->save_ev = event_new(base, -1, 0, save_cb, gw);
	gw->reject_ev = evtimer_new(base, reject_cb, gw);
	gw->reject_log_ms = GW_REJECT_LOG_SECS * 1000ull;
	gateway_configure(gw, cfg);
	load(gw, cfg->state_dir);
	gateway_configure(gw, cfg);     /* settings onto the restored sources */
	origin_clear_dirty(gw->origin);
	gw_kick(gw);
	return gw;
}

static void ups_free(struct gw_upstream *ups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ups[i].name);
	free(ups);
}

void gateway_configure(struct gateway *gw, const struct config *cfg)
{
	struct gw_upstream *ups = xcalloc(cfg->upstream_count + 1, sizeof *ups);

	for (size_t i = 0; i < cfg->upstream_count; i++) {
		const struct gw_upstream *old = up_by_name(gw, cfg->upstreams[i].n.name);
		ups[i].name = xstrdup(cfg->upstreams[i].n.name);
		ups[i].id = cfg->upstreams[i].id;
		ups[i].vops = old ? old->vops : NULL;
		ups[i].view = old ? old->view : NULL;
		ups[i].nh4 = cfg->upstreams[i].next_hop4;
		ups[i].nh6 = cfg->upstreams[i].next_hop6;
		if (ups[i].view)
			ups[i].vops->next_hops(ups[i].view,
			    ups[i].nh4.len ? &ups[i].nh4 : NULL, ups[i].nh6.len ? &ups[i].nh6 : NULL);
	}
	ups_free(gw->ups, gw->nups);
	gw->ups = ups;
	gw->nups = cfg->upstream_count;
	gw->asn = cfg->asn;
	gw->cfg = cfg;
	for (size_t i = 0; i < cfg->client_count; i++) {
		const struct client_config *cc = &cfg->clients[i];
		for (size_t k = 0; k < cc->upstream_count; k++) {
			uint16_t src = gw_id_of(gw, cc->upstreams[k]);
			if (src)
				origin_source_config(gw->origin, cc->name, src, cc->hold_down,
				    cc->min_interval);
		}
	}
}

void gateway_free(struct gateway *gw)
{
	if (gw == NULL)
		return;
	save_now(gw);
	origin_store_close(gw->store);
	origin_free(gw->origin);
	ups_free(gw->ups, gw->nups);
	for (size_t i = 0; i < gw->nsrcs; i++) {
		free(gw->srcs[i]->client);
		free(gw->srcs[i]);
	}
	free(gw->srcs);
	free(gw->subs);
	event_free(gw->timer_ev);
	event_free(gw->save_ev);
	event_free(gw->reject_ev);
	free(gw);
}

static void send_to_view(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, uint16_t src, uint64_t sent_at, void *arg)
{
	const struct gw_upstream *u = arg;
	(void)id;
	(void)owner;
	(void)src;
	(void)sent_at;
	u->vops->originate(u->view, p, attrs, len);
}

void gateway_attach_view(struct gateway *gw, const char *upstream,
    const struct gateway_view_ops *ops, void *view)
{
	struct gw_upstream *u = up_by_name(gw, upstream);

	if (u == NULL)
		return;
	u->vops = ops;
	u->view = view;
	ops->next_hops(view, u->nh4.len ? &u->nh4 : NULL, u->nh6.len ? &u->nh6 : NULL);
	origin_each_sent(gw->origin, u->id, send_to_view, u);
}

void gateway_detach_view(struct gateway *gw, const char *upstream)
{
	struct gw_upstream *u = up_by_name(gw, upstream);
	if (u) {
		u->vops = NULL;
		u->view = NULL;
	}
}

/* ---- clients --------------------------------------------------------------------- */

static struct gw_source *source_get(struct gateway *gw, const char *client, uint16_t src)
{
	for (size_t i = 0; i < gw->nsrcs; i++)
		if (gw->srcs[i]->src == src && strcmp(gw->srcs[i]->client, client) == 0)
			return gw->srcs[i];
	gw->srcs = xreallocarray(gw->srcs, gw->nsrcs + 1, sizeof *gw->srcs);
	struct gw_source *s = xcalloc(1, sizeof *s);
	s->client = xstrdup(client);
	s->src = src;
	gw->srcs[gw->nsrcs++] = s;
	return s;
}

void gateway_client_up(struct gateway *gw, const struct client_config *cc,
    const char *upstream)
{
	uint16_t src = gw_id_of(gw, upstream);

	if (src && gw->relay)
		gw->relay->up(gw->relay_arg, cc, src);
	if (src == 0 || gw->relay)
		return;
	origin_source_config(gw->origin, cc->name, src, cc->hold_down, cc->min_interval);
	origin_source_up(gw->origin, cc->name, src);
	gw_kick(gw);
}

void gateway_client_down(struct gateway *gw, const struct client_config *cc,
    const char *upstream)
{
	uint16_t src = gw_id_of(gw, upstream);
	size_t n;

	if (src && gw->relay)
		gw->relay->down(gw->relay_arg, cc, src);
	if (src == 0 || gw->relay)
		return;
	n = origin_source_count(gw->origin, cc->name, src);
	origin_source_down(gw->origin, cc->name, src, now_ms());
	if (n)
		log_info("gateway: client %s left instance %s: its %zu routes stay announced "
		    "for its hold-down of %u s", cc->name, upstream, n, cc->hold_down);
	origin_run(gw->origin, now_ms());       /* a hold-down of 0 ends now */
	gw_kick(gw);
}

bool gateway_client_allowed(struct gateway *gw, const char *client, const char *upstream)
{
	uint16_t src = gw_id_of(gw, upstream);
	for (size_t i = 0; src && i < gw->nsrcs; i++)
		if (gw->srcs[i]->src == src && strcmp(gw->srcs[i]->client, client) == 0)
			return gw->srcs[i]->holdoff_until <= now_ms();
	return true;
}

/* ---- rejected prefixes, logged in aggregate --------------------------------------- */

static const char *upstream_name(const struct gateway *gw, uint16_t id)
{
	const struct gw_upstream *u = up_by_id(gw, id);
	return u ? u->name : "?";
}

/* One line for what gs rejected since its last one. */
static void rejected_line(struct gateway *gw, struct gw_source *gs, uint64_t now)
{
	char pfx[BGP_PREFIX_STRLEN], count[64] = "";

	bgp_prefix_format(&gs->example, pfx, sizeof pfx);
	if (gs->unlogged > 1)
		snprintf(count, sizeof count, "%llu prefixes, e.g. ",
		    (unsigned long long)gs->unlogged);
	log_warnx("instance %s client %s: announced %s%s, %s: treated as withdrawn "
	    "(%llu so far; further ones are summed up every %llu s)%s",
	    upstream_name(gw, gs->src), gs->client, count, pfx,
	    alloc_verdict_name(gs->example_why), (unsigned long long)gs->rejected,
	    (unsigned long long)(gw->reject_log_ms / 1000),
	    gs->example_loops ? "; its AS_PATH holds our AS: the client announces back "
	    "routes it got from us (give it an export filter)" : "; add it to the "
	    "client's \"prefixes\" or raise \"max_length\" to allow it");
	gs->unlogged = 0;
	gs->logged_at = now;
}

/* The timer at due (monotonic ms), unless it goes off sooner already. */
static void reject_schedule(struct gateway *gw, uint64_t due, uint64_t now)
{
	uint64_t ms = due > now ? due - now : 0;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (evtimer_pending(gw->reject_ev, NULL) && gw->reject_due <= due)
		return;
	gw->reject_due = due;
	evtimer_add(gw->reject_ev, &tv);
}

/* The lines that are due; the timer again for the next one. */
static void reject_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gateway *gw = arg;
	uint64_t now = mono_ms(), next = 0;
	(void)fd;
	(void)what;

	for (size_t i = 0; i < gw->nsrcs; i++) {
		struct gw_source *gs = gw->srcs[i];
		if (gs->unlogged == 0)
			continue;
		uint64_t due = gs->logged_at + gw->reject_log_ms;
		if (now >= due)
			rejected_line(gw, gs, now);
		else if (next == 0 || due < next)
			next = due;
	}
	if (next)
		reject_schedule(gw, next, now);
}

void gateway_set_reject_log_interval(struct gateway *gw, unsigned ms)
{
	gw->reject_log_ms = ms;
}

bool gateway_client_rejected(const struct gateway *gw, const char *client,
    const char *upstream, uint64_t *count)
{
	uint16_t src = gw_id_of(gw, upstream);

	for (size_t i = 0; src && i < gw->nsrcs; i++) {
		if (gw->srcs[i]->src == src && strcmp(gw->srcs[i]->client, client) == 0) {
			*count = gw->srcs[i]->rejected;
			return true;
		}
	}
	*count = 0;
	return src != 0;
}

/* ---- one UPDATE from a client ------------------------------------------------------ */

struct upd {
	struct gateway *gw;
	const struct client_config *cc;
	const char *upstream;
	uint16_t src;
	struct gw_source *gs;
	struct alloc alloc;
	const struct bgp_attrs *attrs;
	uint64_t now;
	uint64_t mono;                  /* for the log's intervals */
	/* the UPDATE's rewritten forms, made at its first allocated prefix */
	bool made, bad_path;
	struct origin_out *outs;
	size_t nouts;
	uint8_t *buf;
	/* max_prefixes broken: the rest of the UPDATE is ignored */
	bool over;
	uint16_t over_afi;
};

static void log_rejected(struct upd *c, const struct bgp_prefix *p, enum alloc_verdict v)
{
	struct gw_source *gs = c->gs;

	gs->rejected++;
	c->gw->rejected++;
	if (gs->unlogged++ == 0) {
		gs->example = *p;
		gs->example_why = v;
		gs->example_loops = bgp_aspath_contains(c->attrs->as_path, c->gw->asn);
	}
	if (gs->logged_at == 0 || c->mono >= gs->logged_at + c->gw->reject_log_ms)
		rejected_line(c->gw, gs, c->mono);
	else
		reject_schedule(c->gw, gs->logged_at + c->gw->reject_log_ms, c->mono);
}

/* The rewritten forms of this UPDATE's attributes, one per upstream the
 * control communities send it to. */
static void make_outs(struct upd *c)
{
	struct rewrite_ctl ctl;
	struct rewrite_params rp = { c->gw->asn, c->cc->asn, c->cc->keep_asn };

	c->made = true;
	rewrite_control_read(c->attrs, c->gw->asn, &ctl);
	c->outs = xcalloc(c->gw->nups + 1, sizeof *c->outs);
	c->buf = xmalloc((c->gw->nups + 1) * REWRITE_ATTRS_MAX);
	for (size_t i = 0; i < c->gw->nups; i++) {
		unsigned prepend;
		uint16_t id = c->gw->ups[i].id;
		if (!rewrite_goes_to(&ctl, c->src, id, &prepend))
			continue;
		uint8_t *b = c->buf + c->nouts * REWRITE_ATTRS_MAX;
		struct wbuf w = wbuf_make(b, REWRITE_ATTRS_MAX);
		if (!rewrite_attrs(c->attrs, &rp, prepend, &w)) {
			c->bad_path = true;
			return;
		}
		c->outs[c->nouts++] = (struct origin_out){ id, b, w.len };
	}
}

/* p withdrawn: from the table, or through the relay. */
static void upd_forget(struct upd *c, const struct bgp_prefix *p)
{
	const struct gateway *gw = c->gw;

	if (gw->relay)
		gw->relay->route(gw->relay_arg, c->cc, c->src, p, NULL, NULL, 0);
	else
		origin_withdraw(gw->origin, c->cc->name, c->src, p, c->now);
}

/* Whether p, new to the source, would take it past max_prefixes. */
static bool upd_over_limit(const struct upd *c, const struct bgp_prefix *p)
{
	const struct gateway *gw = c->gw;
	const char *name = c->cc->name;

	if (gw->relay ? gw->relay->has(gw->relay_arg, c->cc, c->src, p) :
	    origin_has(gw->origin, name, c->src, p))
		return false;
	return alloc_over_limit(1 + (gw->relay ? gw->relay->count(gw->relay_arg, c->cc,
	    c->src) : origin_source_count(gw->origin, name, c->src)), c->cc->max_prefixes);
}

static void upd_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct upd *c = arg;
	if (!c->over)
		upd_forget(c, p);
}

static void upd_announce(const struct bgp_prefix *p, const uint8_t *nh, size_t nh_len,
    void *arg)
{
	struct upd *c = arg;
	struct origin *o = c->gw->origin;
	enum alloc_verdict v = alloc_check(&c->alloc, p);

	if (c->over)
		return;
	if (v != ALLOC_OK) {
		log_rejected(c, p, v);
		upd_forget(c, p);
		return;
	}
	if (upd_over_limit(c, p)) {
		c->over = true;
		c->over_afi = p->afi;
		return;
	}
	if (c->gw->relay) {
		c->gw->relay->route(c->gw->relay_arg, c->cc, c->src, p, c->attrs, nh, nh_len);
		return;
	}
	if (!c->made)
		make_outs(c);
	if (c->bad_path) {
		origin_withdraw(o, c->cc->name, c->src, p, c->now);
		return;
	}
	origin_announce(o, c->cc->name, c->src, p, c->outs, c->nouts, c->now);
}

/* The routes of one UPDATE (attrs) of cc on upstream's instance; false
 * when upstream has no id. */
static bool upd_begin(struct upd *c, struct gateway *gw, const struct client_config *cc,
    const char *upstream, const struct bgp_attrs *attrs)
{
	*c = (struct upd){ .gw = gw, .cc = cc, .upstream = upstream, .mono = mono_ms(),
		.src = gw_id_of(gw, upstream), .attrs = attrs, .now = now_ms() };
	if (c->src == 0)
		return false;
	c->gs = source_get(gw, cc->name, c->src);
	alloc_init(&c->alloc, cc->prefixes, cc->prefix_count, cc->max_len4, cc->max_len6);
	return true;
}

static bool upd_end(struct upd *c, uint16_t *afi)
{
	alloc_free(&c->alloc);
	free(c->outs);
	free(c->buf);
	if (c->over) {
		c->gw->limit_resets++;
		c->gs->holdoff_until = c->now + GATEWAY_LIMIT_HOLDOFF_SECS * 1000ull;
		*afi = c->over_afi;
	}
	gw_kick(c->gw);
	return !c->over;
}

bool gateway_client_update(struct gateway *gw, const struct client_config *cc,
    const char *upstream, const struct bgp_update *u,
    const struct session_negotiated *n, uint16_t *afi)
{
	static const struct update_walk_ops ops = { upd_withdraw, upd_announce };
	struct update_walk_stats ws = { 0 };
	struct upd c;

	if (!upd_begin(&c, gw, cc, upstream, &u->attrs))
		return true;
	update_walk(u, &n->rx, n->families, n->family_count, &ops, &c, &ws);
	return upd_end(&c, afi);
}

bool gateway_source_route(struct gateway *gw, const struct client_config *cc,
    const char *upstream, const struct bgp_prefix *p, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len)
{
	uint16_t afi;
	struct upd c;

	if (!upd_begin(&c, gw, cc, upstream, a))
		return true;
	if (a)
		upd_announce(p, nh, nh_len, &c);
	else
		upd_withdraw(p, &c);
	return upd_end(&c, &afi);
}

void gateway_set_relay(struct gateway *gw, const struct gateway_relay_ops *ops,
    void *arg)
{
	gw->relay = ops;
	gw->relay_arg = arg;
}
