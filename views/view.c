/*
 * view.c — the upstream session's routes into an Adj-RIB-In, every change
 * out as a feed event.
 *
 * One UPDATE is applied route by route in update_walk's order. Its
 * announcements share one interned set per next hop, so interning costs
 * one hash of the attribute bytes per UPDATE, not per prefix. A route
 * whose set is the one it already had publishes nothing.
 */
#include "views/view.h"
#include "views/view_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/log.h"
#include "muxd/engine/prefix_limit.h"
#include "muxd/bgp/update_walk.h"
#include "muxd/lib/wbuf.h"
#include "views/originated.h"
#include "views/stale.h"

/* RFC 4724's stale-routes time: how long a restarted neighbor has for its
 * End-of-RIB (FRR's default) */
#define GR_STALE_SECS 360


static const struct peer_ops view_peer_ops;
static stale_sweep_cb stale_sweep_one;
static stale_expired_cb stale_expired;

/* What the log calls the view's neighbor. */
static const char *who(const struct view *v)
{
	return v->role == VIEW_UPSTREAM ? "upstream" : "peer";
}

/* A peer for the current settings (upstreams offer ADD-PATH receive
 * unless the configuration says otherwise: see config.c). */
static void view_new_peer(struct view *v, const struct peer_local *local)
{
	struct neighbor_config nc = v->cfg;
	struct peer_local pl = *local;

	pl.label = v->role == VIEW_UPSTREAM ? v->label : NULL;    /* NULL: "peer NAME" */
	v->peer = peer_new(v->base, &nc, &pl, &view_peer_ops, v);
	v->npeers++;
}

/* The table every view's Adj-RIB-In is in: upstreams with full tables
 * carry nearly the same prefixes, and a shared table keeps each once
 * (adjrib.h). Views live on the daemon's one event loop; the table goes
 * with the last view. */
static struct adjrib_table *view_table;

struct view *view_new(struct event_base *base, const struct neighbor_config *nc,
    const struct peer_local *local, enum view_role role, const struct view_ops *ops,
    void *arg)
{
	struct view *v = xcalloc(1, sizeof *v);

	v->base = base;
	v->role = role;
	v->ops = ops;
	v->arg = arg;
	neighbor_config_copy(&v->cfg, nc);
	v->name = xstrdup(nc->name);
	snprintf(v->label, sizeof v->label, "view %s peer", v->name);
	v->store = attrstore_new();
	if (view_table == NULL)
		view_table = adjrib_table_new();
	v->rib = adjrib_new_in(view_table, v->store);
	v->feed = feed_new(v->rib);
	v->own = originated_new();
	v->stale = stale_new(base, v->rib, v->store, stale_sweep_one, stale_expired, v);
	view_new_peer(v, local);
	return v;
}

void view_start(struct view *v)
{
	peer_start(v->peer);
}

void view_reconfigure(struct view *v, const struct neighbor_config *nc,
    const struct peer_local *local, uint8_t subcode)
{
	struct peer *old = v->peer;

	log_info("view %s: %s settings changed: restarting its session", v->name, who(v));
	peer_shutdown(old, BGP_ERR_CEASE, subcode, NULL);
	/* The old peer's down upcall has run (peer_shutdown closes
	 * synchronously); if it had not, its routes go now. */
	if (adjrib_count(v->rib, 0) || feed_session_up(v->feed))
		view_session_down(v, "upstream reconfigured");
	neighbor_config_release(&v->cfg);
	neighbor_config_copy(&v->cfg, nc);
	view_new_peer(v, local);
	peer_start(v->peer);
}

void view_shutdown(struct view *v, uint8_t code, uint8_t subcode)
{
	if (v->stopping)
		return;
	v->stopping = true;
	peer_shutdown(v->peer, code, subcode, NULL);
}

/* From the last peer's gone (the loop): the view's gone, then the free. */
static void view_free(struct view *v)
{
	if (v->ops && v->ops->gone)
		v->ops->gone(v, v->arg);
	stale_free(v->stale);
	feed_free(v->feed);
	originated_free(v->own);
	adjrib_free(v->rib);
	if (adjrib_table_ribs(view_table) == 0) {
		adjrib_table_free(view_table);
		view_table = NULL;
	}
	attrstore_free(v->store);
	neighbor_config_release(&v->cfg);
	free(v->name);
	free(v);
}

const char *view_name(const struct view *v) { return v->name; }
enum view_role view_role(const struct view *v) { return v->role; }
struct feed *view_feed(const struct view *v) { return v->feed; }
struct peer *view_peer(const struct view *v) { return v->peer; }
const struct neighbor_config *view_config(const struct view *v) { return &v->cfg; }
const struct view_stats *view_stats(const struct view *v) { return &v->st; }
size_t view_stale_count(const struct view *v) { return stale_count(v->stale, 0); }

void view_set_prefix_limit(struct view *v, const struct prefix_limit_config *pl)
{
	v->cfg.max_prefixes = *pl;
	v->limit = (struct prefix_limit){ false, false };
}

void view_memory(const struct view *v, struct view_memory *m)
{
	struct adjrib_stats rs;
	struct attrstore_stats as;

	adjrib_stats(v->rib, &rs);
	attrstore_stats(v->store, &as);
	m->paths = rs.bytes;
	m->attributes = as.set_bytes + as.table_bytes;
}

/* ---- applying an UPDATE ------------------------------------------------ */

struct apply {
	struct view *v;
	const struct bgp_attrs *attrs;
	bool want_old;
	struct attrset *set;            /* interned for set_nh */
	const uint8_t *set_nh;
	size_t set_nh_len;
	bool tried;                     /* set_nh was interned (set may be NULL) */
	struct adjrib_batch batch;      /* announces of set, fetched ahead */
};

/*
 * A route's event starts as a copy of this, its fields set after: an
 * initializer zeroes the 88-byte event with `rep stos`, whose start-up
 * cost per route was half of announce_one's samples at 8 x 1M (the
 * copy is a few vector moves).
 */
static const struct feed_event route_event = { .type = FEED_ROUTE };

static void publish_route(struct view *v, enum feed_change change,
    const struct bgp_prefix *p, struct attrset *set, struct attrset *old)
{
	struct feed_event ev = route_event;

	ev.change = change;
	ev.prefix = p;
	ev.set = set;
	ev.old = old;
	feed_publish(v->feed, &ev);
}

static void apply_withdraw(const struct bgp_prefix *p, void *arg)
{
	struct apply *a = arg;
	struct view *v = a->v;
	struct attrset *old = NULL;

	adjrib_batch_flush(&a->batch);
	if (a->want_old && (old = adjrib_get(v->rib, p)) != NULL)
		attrset_get(old);
	stale_refreshed(v->stale, p);
	if (adjrib_withdraw(v->rib, p)) {
		v->st.withdrawn++;
		publish_route(v, FEED_WITHDRAW, p, NULL, old);
	} else {
		feed_counters(v->feed)->dup_withdrawn++;   /* changed nothing */
	}
	attrset_put(old);
}

static void apply_announce(const struct bgp_prefix *p, const uint8_t *nh,
    size_t nh_len, void *arg)
{
	struct apply *a = arg;
	struct view *v = a->v;

	if (!a->tried || nh_len != a->set_nh_len || memcmp(nh, a->set_nh, nh_len)) {
		adjrib_batch_flush(&a->batch);
		attrset_put(a->set);
		a->set = attrset_intern(v->store, a->attrs, nh, nh_len);
		a->set_nh = nh;
		a->set_nh_len = nh_len;
		a->tried = true;
	}
	if (a->set == NULL)             /* could not intern: treat as withdraw */
		apply_withdraw(p, arg);
	else
		adjrib_batch_add(&a->batch, p);
}

/* One prefix of the batch: announced with a->set. */
static void announce_one(const struct bgp_prefix *p, void *arg)
{
	struct apply *a = arg;
	struct view *v = a->v;
	struct attrset *old = NULL;
	if (a->want_old && (old = adjrib_get(v->rib, p)) != NULL)
		attrset_get(old);
	size_t before = adjrib_count(v->rib, p->afi);
	stale_refreshed(v->stale, p);
	if (adjrib_announce(v->rib, p, a->set)) {
		v->st.announced++;
		publish_route(v, adjrib_count(v->rib, p->afi) > before ?
		    FEED_ANNOUNCE : FEED_REPLACE, p, a->set, old);
	} else {
		feed_counters(v->feed)->dup_announced++;   /* changed nothing */
	}
	attrset_put(old);
}

void view_apply_update(struct view *v, const struct bgp_update *u,
    const struct session_negotiated *n)
{
	static const struct update_walk_ops ops = { apply_withdraw, apply_announce };
	struct apply a = {
		.v = v, .attrs = &u->attrs,
		.want_old = feed_wants(v->feed, FEED_WANT_OLD),
		.batch = { .rib = v->rib, .fn = announce_one, .arg = &a },
	};
	struct update_walk_stats ws = { 0 };

	v->st.updates++;
	if (feed_wants(v->feed, FEED_MASK(FEED_UPDATE))) {
		struct feed_event ev = { .type = FEED_UPDATE, .update = u, .neg = n,
			.raw = u->msg.p, .raw_len = u->msg.len };
		feed_publish(v->feed, &ev);
	}
	update_walk(u, &n->rx, n->families, n->family_count, &ops, &a, &ws);
	adjrib_batch_flush(&a.batch);
	attrset_put(a.set);
	if (u->treat_as_withdraw) {
		feed_counters(v->feed)->taw_updates++;
		feed_counters(v->feed)->taw_prefixes += ws.withdrawn;
	}
	if (u->end_of_rib) {
		struct feed_event ev = { .type = FEED_END_OF_RIB, .afi = u->eor_afi,
			.safi = u->eor_safi };
		enum bgp_aid aid = bgp_aid_rib(u->eor_afi, u->eor_safi);
		if (bgp_aid_is_rib(aid)) {
			v->st.eor[aid] = true;
			adjrib_settle(v->rib);  /* the table is whole: order it now */
			if (stale_pending(v->stale, u->eor_afi))
				log_info("view %s: graceful restart of %s done: %zu stale "
				    "routes the upstream did not send again withdrawn", v->name,
				    family_name((struct bgp_family){ u->eor_afi, u->eor_safi }),
				    stale_sweep(v->stale, u->eor_afi));
		}
		log_info("view %s: End-of-RIB for %s from the %s: %zu IPv4 and "
		    "%zu IPv6 routes", v->name,
		    family_name((struct bgp_family){ u->eor_afi, u->eor_safi }), who(v),
		    adjrib_count(v->rib, BGP_AFI_IPV4), adjrib_count(v->rib, BGP_AFI_IPV6));
		feed_publish(v->feed, &ev);
	}
	if (ws.ignored)
		log_debug("view %s: ignored %zu prefixes of families not negotiated",
		    v->name, ws.ignored);
}

void view_put_path(struct view *v, const struct bgp_prefix *p,
    const struct bgp_attrs *attrs, const uint8_t *nh, size_t nh_len)
{
	struct apply a = { .v = v, .attrs = attrs,
		.want_old = feed_wants(v->feed, FEED_WANT_OLD),
		.batch = { .rib = v->rib, .fn = announce_one, .arg = &a } };
	if (attrs)
		apply_announce(p, nh, nh_len, &a);
	else
		apply_withdraw(p, &a);
	adjrib_batch_flush(&a.batch);   /* an announcement waits in the batch */
	attrset_put(a.set);
}

/* ---- Graceful Restart (RFC 4724, receiving speaker) ------------------ */

static void stale_sweep_one(const struct bgp_prefix *p, void *arg)
{
	struct view *v = arg;
	struct attrset *old = adjrib_get(v->rib, p);

	attrset_get(old);
	if (adjrib_withdraw(v->rib, p)) {
		v->st.withdrawn++;
		publish_route(v, FEED_WITHDRAW, p, NULL, old);
	}
	attrset_put(old);
}

static void stale_expired(uint16_t afi, size_t swept, void *arg)
{
	struct view *v = arg;

	log_info("view %s: graceful restart of %s: the upstream did not finish in "
	    "time: its %zu stale routes withdrawn", v->name,
	    family_name((struct bgp_family){ afi, BGP_SAFI_UNICAST }), swept);
}

void view_refresh_begin(struct view *v, uint16_t afi)
{
	size_t n = stale_mark(v->stale, afi, GR_STALE_SECS);

	log_debug("view %s: route refresh of %s begins: %zu routes stale until "
	    "sent again", v->name, family_name((struct bgp_family){ afi,
	    BGP_SAFI_UNICAST }), n);
}

size_t view_refresh_end(struct view *v, uint16_t afi)
{
	return stale_pending(v->stale, afi) ? stale_sweep(v->stale, afi) : 0;
}

/* The neighbor preserves afi across its restart (its capability lists the
 * family; the F bit is only asked of a session that comes back). */
static const struct bgp_gr_family *gr_family(const struct session_negotiated *n,
    uint16_t afi)
{
	for (uint8_t i = 0; n->gr && i < n->gr_count; i++)
		if (n->gr_fam[i].fam.afi == afi && n->gr_fam[i].fam.safi == BGP_SAFI_UNICAST)
			return &n->gr_fam[i];
	return NULL;
}

/* Keep afi's routes as stale, rather than withdraw them, when a session
 * that negotiated Graceful Restart ended as a restart (restart: without a
 * NOTIFICATION, or with one but Hard Reset when both set N, RFC 8538). */
static bool gr_keeps(const struct view *v, bool restart,
    const struct session_negotiated *n, uint16_t afi)
{
	return restart && n && !v->stopping && n->gr && gr_family(n, afi) != NULL;
}

static void gr_log_negotiated(const struct view *v, const struct session_negotiated *n)
{
	char fams[160] = "";
	size_t off = 0;

	for (uint8_t i = 0; i < n->gr_count && off < sizeof fams; i++)
		off += (size_t)snprintf(fams + off, sizeof fams - off, "%s%s%s",
		    i ? ", " : "", family_name(n->gr_fam[i].fam),
		    (n->gr_fam[i].flags & BGP_GR_FORWARDING) ? " (forwarding state kept)" : "");
	log_info("view %s: graceful restart negotiated: the upstream's restart time "
	    "is %u s%s%s; families it preserves: %s", v->name, n->gr_restart_time,
	    (n->gr_flags & BGP_GR_RESTARTED) ? ", it has just restarted" : "",
	    n->gr_notification ? ", NOTIFICATIONs but Hard Reset keep its routes "
	    "(RFC 8538)" : "", off ? fams : "none");
}

/* A session is back: for each family it carries that waits, go on waiting
 * for its End-of-RIB if the neighbor kept its forwarding state (F), else
 * withdraw the stale routes now. */
static void gr_session_up(struct view *v, const struct session_negotiated *n)
{
	if (n->gr)
		gr_log_negotiated(v, n);
	for (uint8_t i = 0; i < n->family_count; i++) {
		uint16_t afi = n->families[i].afi;
		const struct bgp_gr_family *g = gr_family(n, afi);

		if (n->families[i].safi != BGP_SAFI_UNICAST || !stale_pending(v->stale, afi))
			continue;
		if (g && (g->flags & BGP_GR_FORWARDING)) {
			log_info("view %s: graceful restart of %s: upstream back, %zu stale "
			    "routes wait for its End-of-RIB (at most %u s)", v->name,
			    family_name(n->families[i]), stale_count(v->stale, afi),
			    GR_STALE_SECS);
			stale_wait(v->stale, afi, GR_STALE_SECS);
		} else {
			log_info("view %s: graceful restart of %s: upstream back without "
			    "its forwarding state: %zu stale routes withdrawn", v->name,
			    family_name(n->families[i]), stale_sweep(v->stale, afi));
		}
	}
}

void view_publish_up(struct view *v, const struct session_negotiated *n,
    const struct session *s)
{
	struct feed_event ev = { .type = FEED_SESSION_UP, .neg = n, .session = s };

	v->st.sessions++;
	v->up++;
	for (uint8_t i = 0; i < n->family_count; i++) {
		enum bgp_aid aid = bgp_aid_rib(n->families[i].afi, n->families[i].safi);
		if (bgp_aid_is_rib(aid))
			v->st.eor[aid] = false;
	}
	feed_set_session(v->feed, true);
	feed_set_upstream(v->feed, s);
	feed_publish(v->feed, &ev);
	gr_session_up(v, n);
}

void view_session_up(struct view *v, const struct session_negotiated *n)
{
	view_publish_up(v, n, NULL);
}

static int clear_cb(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct view *v = arg;
	struct feed_event ev = route_event;

	ev.change = FEED_WITHDRAW;
	ev.prefix = p;
	ev.old = set;
	ev.clearing = true;

	v->st.withdrawn++;
	feed_publish(v->feed, &ev);
	return 0;
}

static size_t clear_family(struct view *v, enum bgp_aid aid)
{
	bool publish = feed_wants(v->feed, FEED_MASK(FEED_ROUTE));
	uint16_t afi = bgp_af(aid)->afi;

	v->st.eor[aid] = false;
	stale_forget(v->stale, afi);
	return adjrib_clear_afi(v->rib, afi, publish ? clear_cb : NULL, v);
}

static bool carries(const struct session_negotiated *n, uint16_t afi)
{
	for (uint8_t i = 0; n && i < n->family_count; i++)
		if (n->families[i].afi == afi && n->families[i].safi == BGP_SAFI_UNICAST)
			return true;
	return n == NULL;
}

/* n: the families that went down with their session s; NULL: all of them
 * (no Graceful Restart then). restart: the session ended as a restart. */
static void session_down(struct view *v, const struct session_negotiated *n,
    const char *reason, const struct session *s, bool restart)
{
	struct feed_event ev = { .type = FEED_SESSION_DOWN, .reason = reason, .neg = n,
		.session = s };
	size_t gone = 0, kept = 0;
	unsigned secs = n ? n->gr_restart_time : 0;

	v->up = n && v->up ? v->up - 1 : 0;
	feed_set_session(v->feed, v->up > 0);
	if (v->up == 0 || feed_upstream(v->feed) == s)
		feed_set_upstream(v->feed, NULL);
	bool keep[AID_RIB_MAX] = { false };
	FOR_EACH_RIB_AID(aid) {
		uint16_t afi = bgp_af(aid)->afi;
		ev.kept |= keep[aid] = carries(n, afi) && gr_keeps(v, restart, n, afi);
	}
	feed_publish(v->feed, &ev);
	FOR_EACH_RIB_AID(aid) {
		if (keep[aid])
			kept += stale_mark(v->stale, bgp_af(aid)->afi, secs);
		else if (carries(n, bgp_af(aid)->afi))
			gone += clear_family(v, aid);
	}
	if (gone)
		log_info("view %s: %s session down (%s): withdrew its %zu routes "
		    "from %zu subscribers%s", v->name, who(v), reason, gone, feed_subscribers(v->feed),
		    v->up ? " (its other sessions stay up)" : "");
	if (kept)
		log_info("view %s: upstream session down (%s): graceful restart: keeping "
		    "its %zu routes as stale for up to %u s", v->name, reason, kept, secs);
}

void view_session_down(struct view *v, const char *reason)
{
	session_down(v, NULL, reason, NULL, false);
}

void view_session_lost(struct view *v, const struct session_negotiated *n,
    const char *reason, bool restart)
{
	session_down(v, n, reason, NULL, restart);
}

void view_set_families(struct view *v, const struct neighbor_config *nc)
{
	memcpy(v->cfg.families, nc->families, sizeof nc->families);
	memcpy(v->cfg.family_ports, nc->family_ports, sizeof nc->family_ports);
	v->cfg.family_count = nc->family_count;
	log_info("view %s: %s families changed: only the sessions concerned "
	    "change", v->name, who(v));
	peer_set_families(v->peer, nc);
}

/* ---- the peer's upcalls ------------------------------------------------ */

/* After our initial announcements, one End-of-RIB per family (RFC 4724
 * §2): a restarting upstream waits for it to finish its recovery. */
static void send_end_of_rib(struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);
	uint8_t buf[64];

	for (uint8_t i = 0; i < n->family_count; i++) {
		struct wbuf w = wbuf_make(buf, sizeof buf);
		size_t len = bgp_eor_encode(&w, n->families[i].afi, n->families[i].safi);
		if (len)
			session_send(s, buf, len);
	}
}

static void on_established(struct peer *p, struct session *s, void *owner)
{
	struct view *v = owner;
	if (p != v->peer)
		return;
	view_publish_up(v, session_negotiated(s), s);
	if (originated_count(v->own))
		log_info("view %s: announcing the gateway's own %zu routes upstream: %zu "
		    "sent", v->name, originated_count(v->own), originated_send_all(v->own, s));
	if (session_negotiated(s)->gr)
		send_end_of_rib(s);
}

static void on_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct view *v = owner;
	if (p == v->peer)
		session_down(v, session_negotiated(s), reason, s, session_ended_as_restart(s));
}

static size_t grown(const struct view *v, const size_t before[AID_RIB_MAX],
    enum bgp_aid aid)
{
	return adjrib_count(v->rib, bgp_af(aid)->afi) - before[aid];
}

/* max_prefixes broken: the session that brought the paths closes with
 * 6/1 naming the family that grew most, and the upstream stays down. */
static void limit_teardown(struct view *v, struct peer *p, struct session *s,
    const size_t before[AID_RIB_MAX])
{
	uint8_t data[PREFIX_LIMIT_DATA_LEN];
	enum bgp_aid most = AID_IPV4_UNICAST;

	FOR_EACH_RIB_AID(aid)           /* the first family wins a tie */
		if (grown(v, before, aid) > grown(v, before, most))
			most = aid;
	prefix_limit_data(bgp_af(most)->afi, bgp_af(most)->safi, v->cfg.max_prefixes.limit, data);
	peer_close_session_data(p, s, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, data, sizeof data);
	peer_hold_down(p, v->cfg.max_prefixes.restart);
}

static void on_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	struct view *v = owner;
	size_t before[AID_RIB_MAX];

	FOR_EACH_RIB_AID(aid)
		before[aid] = adjrib_count(v->rib, bgp_af(aid)->afi);

	if (p != v->peer || session_is_closing(s))
		return;
	view_apply_update(v, u, session_negotiated(s));
	if (prefix_limit_check(&v->limit, &v->cfg.max_prefixes, adjrib_count(v->rib, 0),
	    peer_label(p)))
		limit_teardown(v, p, s, before);
}

/* The messages of the current peer's sessions, for the subscribers that
 * want them (a received UPDATE comes with its FEED_UPDATE instead). */
static void on_message(struct peer *p, struct session *s, bool sent,
    const uint8_t *msg, size_t len, void *owner)
{
	struct view *v = owner;

	if (!feed_wants(v->feed, FEED_MASK(FEED_MESSAGE)) || p != v->peer)
		return;
	struct feed_event ev = { .type = FEED_MESSAGE, .session = s, .sent = sent,
		.raw = msg, .raw_len = (uint16_t)len };
	feed_publish(v->feed, &ev);
}

static void on_peer_gone(struct peer *p, void *owner)
{
	struct view *v = owner;

	if (p == v->peer)
		v->peer = NULL;
	if (--v->npeers == 0 && v->stopping)
		view_free(v);
}

static void send_refresh_mark(struct session *s, uint16_t afi, uint8_t safi,
    uint8_t subtype)
{
	uint8_t buf[32];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_route_refresh rr = { afi, subtype, safi };
	size_t len = bgp_route_refresh_encode(&w, &rr);

	if (len)
		session_send(s, buf, len);
}

/* The neighbor asks for what the view sends it, again (RFC 2918): the
 * gateway's own routes of that family, between BoRR and EoRR with
 * enhanced route refresh (RFC 7313 §4). A view that sends nothing (a
 * plain peer) answers with the empty pair: the neighbor learns it has
 * everything. A BoRR or EoRR of the neighbor's asks for nothing. */
static void on_route_refresh(struct peer *p, struct session *s, uint16_t afi,
    uint8_t safi, uint8_t subtype, void *owner)
{
	struct view *v = owner;
	bool enhanced = session_negotiated(s)->enhanced_rr;
	size_t sent = 0;

	if (p != v->peer || subtype != BGP_RR_NORMAL)
		return;
	if (enhanced)
		send_refresh_mark(s, afi, safi, BGP_RR_BORR);
	if (safi == BGP_SAFI_UNICAST)
		sent = originated_send_afi(v->own, s, afi);
	if (enhanced)
		send_refresh_mark(s, afi, safi, BGP_RR_EORR);
	if (sent)
		log_info("view %s: route refresh for %s: the gateway's own %zu routes sent "
		    "again", v->name, family_name((struct bgp_family){ afi, safi }), sent);
}

static const struct peer_ops view_peer_ops = {
	.established = on_established,
	.down = on_down,
	.update = on_update,
	.route_refresh = on_route_refresh,
	.gone = on_peer_gone,
	.message = on_message,
};

/* ---- the gateway's own routes ----------------------------------------- */

void view_originate(struct view *v, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len)
{
	struct session *ss[PEER_MAX_SESSIONS];

	if (!originated_set(v->own, p, attrs, len) || v->peer == NULL)
		return;
	/* every session: each sends only the families it negotiated */
	size_t n = peer_sessions(v->peer, ss, PEER_MAX_SESSIONS);
	for (size_t i = 0; i < n; i++)
		originated_send(v->own, ss[i], p, attrs, len);
}

size_t view_originated_count(const struct view *v) { return originated_count(v->own); }

void view_set_originated_next_hops(struct view *v, const struct sockaddr_mux *v4,
    const struct sockaddr_mux *v6)
{
	originated_set_next_hops(v->own, v4, v6);
}
