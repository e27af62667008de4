/*
 * export_recv.c — the VPN routes of an instance host's session to its
 * view host, into the views of its upstreams (export_recv.h).
 *
 * The views see the view host as their upstream: while the session is
 * Established each view's feed is up, with IPv4 and IPv6 unicast and
 * ADD-PATH (every path keeps its id), so instances, monitors and the
 * API treat it as any view.
 */
#include "muxd/export_recv.h"

#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/bgp/bgp_vpn.h"
#include "muxd/daemon_int.h"
#include "muxd/engine/prefix_limit.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/rib/rib_vpn.h"
#include "views/feed.h"
#include "views/view.h"

/* Distinguishers naming no upstream that are logged; past this many,
 * new ones are only counted. */
#define RECV_LOGGED_MAX 64
/* The longest the views keep a lost view host's paths (seconds), whatever
 * restart time it offers: RFC 4724's stale-routes time, as views use. */
#define RECV_STALE_MAX 360

struct export_recv {
	struct daemon *d;
	struct session_negotiated neg;  /* what the views were "negotiated" */
	uint64_t unknown;               /* routes of no configured upstream */
	struct bgp_rd logged[RECV_LOGGED_MAX];
	size_t nlogged;
	/* The last distinguisher looked up and its view (NULL: none), for
	 * one UPDATE: a reload may change the views between two. */
	struct bgp_rd last_rd;
	struct view *last_view;
	bool have_last;
	/* the paths bound of every view (export_recv.h) */
	size_t max_paths;
	bool over;                      /* broken by the UPDATE in hand */
	uint16_t over_afi;
};

/* The views' side of the session: both unicast families, every path. */
static void views_negotiated(struct session_negotiated *n)
{
	memset(n, 0, sizeof *n);
	n->as4 = true;
	n->families[n->family_count++] = (struct bgp_family){ BGP_AFI_IPV4,
		BGP_SAFI_UNICAST };
	n->families[n->family_count++] = (struct bgp_family){ BGP_AFI_IPV6,
		BGP_SAFI_UNICAST };
	n->rx.as4 = n->tx.as4 = true;
	n->rx.addpath[AID_IPV4_UNICAST] = n->rx.addpath[AID_IPV6_UNICAST] = true;
	n->rx.max_len = n->tx.max_len = BGP_MAX_LEN;
}

struct export_recv *export_recv_new(struct daemon *d)
{
	struct export_recv *r = xcalloc(1, sizeof *r);

	r->d = d;
	r->max_paths = EXPORT_RECV_MAX_PATHS;
	views_negotiated(&r->neg);
	return r;
}

void export_recv_free(struct export_recv *r)
{
	free(r);
}

uint64_t export_recv_unknown(const struct export_recv *r)
{
	return r->unknown;
}

/* The upstream view whose id rd names, NULL if none. */
static struct view *view_of(struct export_recv *r, const struct bgp_rd *rd)
{
	const struct config *c = r->d->cfg;

	if (r->have_last && memcmp(&r->last_rd, rd, sizeof *rd) == 0)
		return r->last_view;
	r->last_rd = *rd;
	r->have_last = true;
	r->last_view = NULL;
	for (struct neighbor *n = r->d->upstreams; n; n = n->next) {
		const struct upstream_config *uc = config_upstream(c, view_name(n->view));
		struct bgp_rd mine;
		if (uc && bgp_rd_make(c->asn, uc->id, &mine) &&
		    memcmp(&mine, rd, sizeof mine) == 0)
			return r->last_view = n->view;
	}
	return NULL;
}

static void unknown_rd(struct export_recv *r, const struct bgp_rd *rd)
{
	char text[BGP_RD_STRLEN];

	r->unknown++;
	for (size_t i = 0; i < r->nlogged; i++)
		if (memcmp(&r->logged[i], rd, sizeof *rd) == 0)
			return;
	if (r->nlogged == RECV_LOGGED_MAX)
		return;
	r->logged[r->nlogged++] = *rd;
	bgp_rd_format(rd, text, sizeof text);
	log_warnx("instance host: VPN routes of distinguisher %s name no upstream "
	    "of this configuration (the gateway's AS : an upstream's id): ignored%s",
	    text, r->nlogged == RECV_LOGGED_MAX ? "; further unknown distinguishers "
	    "are counted, not logged" : "");
}

/* Whether v may take one more path: past the bound, nothing more of this
 * UPDATE goes in, and the session is to be reset (logged once). */
static bool within_limit(struct export_recv *r, struct view *v, const struct bgp_prefix *p)
{
	size_t held = feed_route_count(view_feed(v), 0);

	if (r->over)
		return false;
	if (held < r->max_paths || feed_route(view_feed(v), p) != NULL)
		return true;
	r->over = true;
	r->over_afi = p->afi;
	log_warnx("instance host: view %s would hold more than %zu paths from the view "
	    "host: the session to it is reset with Cease/Maximum Number of Prefixes "
	    "Reached and held down %d s", view_name(v), r->max_paths,
	    EXPORT_RECV_LIMIT_HOLD);
	return false;
}

static void on_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	struct export_recv *r = arg;
	struct view *v = view_of(r, &vp->rd);

	if (v == NULL)
		unknown_rd(r, &vp->rd);
	else if (within_limit(r, v, &vp->p))
		view_put_path(v, &vp->p, a, nh, nh_len);
}

static void on_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	struct export_recv *r = arg;
	struct view *v = view_of(r, &vp->rd);

	if (v == NULL)
		unknown_rd(r, &vp->rd);
	else
		view_put_path(v, &vp->p, NULL, NULL, 0);
}

/* The view host's End-of-RIB of afi's VPN family: each view's of afi's
 * unicast family, as its upstream would send it. */
static void end_of_rib(struct export_recv *r, uint16_t afi)
{
	uint8_t buf[64], scratch[64];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t len = bgp_eor_encode(&w, afi, BGP_SAFI_UNICAST);
	struct bgp_update u;
	struct bgp_err e;

	if (len < BGP_HEADER_LEN || !bgp_update_decode(buf + BGP_HEADER_LEN,
	    len - BGP_HEADER_LEN, &r->neg.rx, scratch, sizeof scratch, &u, &e) ||
	    !u.end_of_rib)
		return;
	u.msg = (struct bgp_bytes){ buf, (uint16_t)len };
	for (struct neighbor *n = r->d->upstreams; n; n = n->next)
		view_apply_update(n->view, &u, &r->neg);
}

void export_recv_update(struct export_recv *r, const struct bgp_update *u,
    const struct session_negotiated *n)
{
	static const struct rib_vpn_import_ops ops = { on_announce, on_withdraw };

	r->have_last = false;
	rib_vpn_import(u, &n->rx, &ops, r);
	if (u->end_of_rib && u->eor_safi == BGP_SAFI_VPN &&
	    bgp_aid_unicast(u->eor_afi) != AID_NONE)
		end_of_rib(r, u->eor_afi);
}

bool export_recv_over_limit(struct export_recv *r, uint8_t data[7])
{
	if (!r->over)
		return false;
	r->over = false;
	prefix_limit_data(r->over_afi, BGP_SAFI_VPN, (uint32_t)r->max_paths, data);
	return true;
}

void export_recv_set_max_paths(struct export_recv *r, size_t max)
{
	r->max_paths = max ? max : EXPORT_RECV_MAX_PATHS;
}

void export_recv_refresh(struct export_recv *r, uint16_t afi, bool begin)
{
	size_t swept = 0;

	if (bgp_aid_unicast(afi) == AID_NONE)
		return;
	for (struct neighbor *n = r->d->upstreams; n; n = n->next) {
		if (begin)
			view_refresh_begin(n->view, afi);
		else
			swept += view_refresh_end(n->view, afi);
	}
	if (!begin)
		log_info("instance host: the view host's refresh of %s VPN routes done: "
		    "%zu paths it did not send again withdrawn", afi == BGP_AFI_IPV4 ?
		    "IPv4" : "IPv6", swept);
}

void export_recv_map_gr(struct session_negotiated *views,
    const struct session_negotiated *s)
{
	views->gr = s->gr;
	views->gr_notification = s->gr_notification;
	views->gr_flags = s->gr_flags;
	views->gr_restart_time = s->gr_restart_time < RECV_STALE_MAX ?
	    s->gr_restart_time : RECV_STALE_MAX;
	views->gr_count = 0;
	for (uint8_t i = 0; s->gr && i < s->gr_count; i++) {
		const struct bgp_gr_family *g = &s->gr_fam[i];
		if (g->fam.safi != BGP_SAFI_VPN || bgp_aid_unicast(g->fam.afi) == AID_NONE)
			continue;
		views->gr_fam[views->gr_count++] = (struct bgp_gr_family){
			{ g->fam.afi, BGP_SAFI_UNICAST }, g->flags };
	}
}

void export_recv_up(struct export_recv *r, const struct session_negotiated *s)
{
	export_recv_map_gr(&r->neg, s);
	for (struct neighbor *n = r->d->upstreams; n; n = n->next)
		view_session_up(n->view, &r->neg);
}

bool export_recv_down(struct export_recv *r, const char *reason, bool restart)
{
	bool kept = restart && r->neg.gr && r->neg.gr_count > 0;

	for (struct neighbor *n = r->d->upstreams; n; n = n->next)
		view_session_lost(n->view, &r->neg, reason, restart);
	return kept;
}

unsigned export_recv_stale_secs(const struct export_recv *r)
{
	return r->neg.gr_restart_time;
}
