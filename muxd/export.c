/*
 * export.c — the sessions between the machines of a split gateway
 * (docs/scaleout.md), for the two roles of the configuration:
 *
 *   a view host ("export") listens on export.listen and takes one iBGP
 *   session from each configured instance host, known by its address;
 *   an instance host ("view_host") keeps one iBGP session to its view
 *   host up, connecting again with the peer's backoff.
 *
 * Both sides offer and require the VPN families (ipv4-vpn, ipv6-vpn: each
 * view one VPN), ADD-PATH both ways on them (every path of a view), route
 * refresh, and TCP-MD5 with a password. A neighbor that takes neither
 * family is refused in its OPEN (RFC 5492: Unsupported Capability). A
 * view host sends every view on each Established session (export_send.c)
 * and takes its instance hosts' client routes (export_clients_in.c); an
 * instance host fills its views from what it receives (export_recv.c)
 * and sends its clients' routes (export_clients.c), then End-of-RIB.
 *
 * Both sides offer Graceful Restart (RFC 4724, N of RFC 8538) with the
 * VPN families and F: an instance host keeps serving a lost view host's
 * paths as stale until the view host's End-of-RIB, which a view host
 * sends only once its views are whole again (export_gate.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/daemon_int.h"
#include "muxd/export_clients.h"
#include "muxd/export_clients_in.h"
#include "muxd/export_gate.h"
#include "muxd/export_send.h"
#include "muxd/engine/listener.h"
#include "muxd/engine/prefix_limit.h"
#include "muxd/engine/sockopt.h"
#include "muxd/engine/timebase.h"
#include "muxd/export_recv.h"
#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "muxd/restart_mark.h"
#include "views/feed.h"
#include "views/view.h"
#include "web/api.h"

/* One neighbor of the split: an instance host (on a view host), or the
 * view host (on an instance host). */
struct export_link {
	struct exports *x;
	struct export_host_config cfg;  /* on an instance host: name "view-host" */
	struct peer *peer;              /* NULL once it is gone */
	bool removed;                   /* deconfigured: freed when its peer is gone */
	uint64_t established;           /* sessions that reached Established */
	uint64_t eor_sent;              /* End-of-RIB markers sent */
	uint64_t updates_received;
	struct export_recv *recv;       /* an instance host's views; NULL on a view host */
	struct export_clients_in *in;   /* a view host's: the host's client routes */
	/* a view host's: every view on the Established session */
	struct export_send *send;
	struct session *session;
	struct export_send_stats sent;  /* of the sessions before */
	bool eor_held[2];               /* End-of-RIB waits, logged: ipv4-vpn, ipv6-vpn */
	struct export_link *next;
};

struct exports {
	struct daemon *d;
	struct listener *listener;      /* a view host's; NULL on an instance host */
	struct export_link *links;
	struct gr_speaker gr;           /* what the sessions' capability says */
	time_t eor_deadline;            /* End-of-RIB waits for no view after */
	bool eor_wait_absent;           /* ... and for views not up yet (export_gate.h) */
	struct export_clients *relay;   /* an instance host's clients' routes */
};

static const enum bgp_aid vpn_aids[] = { AID_IPV4_VPN, AID_IPV6_VPN };

/* What a neighbor's entry defaults to (muxd.json(5)): the export keys
 * have no timers of their own. */
#define EXPORT_HOLD_TIME 90             /* seconds */
#define EXPORT_CONNECT_RETRY 30         /* seconds, the longest backoff */

/* ---- the sessions ------------------------------------------------------- */

static bool negotiated(const struct session_negotiated *n, enum bgp_aid aid)
{
	for (uint8_t i = 0; i < n->family_count; i++)
		if (bgp_aid_of(n->families[i].afi, n->families[i].safi) == aid)
			return true;
	return false;
}

/* The sender's counts go to the link's, the sender with its session. */
static void link_send_stop(struct export_link *l)
{
	const struct export_send_stats *st;

	if (l->send == NULL)
		return;
	st = export_send_stats(l->send);
	l->sent.routes += st->routes;
	l->sent.views += st->views;
	l->eor_sent += st->eor;
	export_send_free(l->send);
	l->send = NULL;
	l->session = NULL;
}

/* The instance host does not keep up: closed as a slow client is. */
static void link_send_fail(const char *why, void *arg)
{
	struct export_link *l = arg;

	log_peer_warnx(peer_label(l->peer), "closed with Cease/Out of Resources: %s; "
	    "its next session gets every view again", why);
	peer_close_session(l->peer, l->session, BGP_ERR_CEASE,
	    BGP_CEASE_OUT_OF_RESOURCES, NULL);
}

/* c: the configuration n runs with (at a reload, the next one). */
static void link_send_view(struct export_link *l, const struct neighbor *n,
    const struct config *c)
{
	const struct upstream_config *uc = config_upstream(c, view_name(n->view));

	if (uc)
		export_send_add_view(l->send, uc->n.name, view_feed(n->view), c->asn,
		    uc->id);
}

/* The views' upstreams not whole yet for afi (export_gate.h). */
static size_t views_waited_for(const struct exports *x, uint16_t afi)
{
	size_t n = 0;

	for (const struct neighbor *u = x->d->upstreams; u; u = u->next)
		if (config_upstream(x->d->cfg, view_name(u->view)) &&
		    !export_gate_view_ready(u->view, afi, x->eor_wait_absent))
			n++;
	return n;
}

/* End-of-RIB's gate: every view whole, or the deadline passed; each wait
 * logged once, when it begins and when it ends. */
static bool link_eor_ready(uint16_t afi, void *arg)
{
	struct export_link *l = arg;
	bool *held = &l->eor_held[afi == BGP_AFI_IPV6];
	time_t now = timebase_now();
	size_t waiting = now >= l->x->eor_deadline ? 0 : views_waited_for(l->x, afi);

	if (waiting && !*held)
		log_peer_info(peer_label(l->peer), "every view of %s sent; its End-of-RIB "
		    "waits for %zu views' upstreams to send theirs (at most %lld s more)",
		    bgp_af(bgp_aid_of(afi, BGP_SAFI_VPN))->name, waiting,
		    (long long)(l->x->eor_deadline - now));
	else if (!waiting && *held)
		log_peer_info(peer_label(l->peer), "End-of-RIB of %s goes: %s",
		    bgp_af(bgp_aid_of(afi, BGP_SAFI_VPN))->name, now >= l->x->eor_deadline ?
		    "the wait for the upstreams ran out" : "every view is whole");
	*held = waiting > 0;
	return waiting == 0;
}

/* A view host: every view, then End-of-RIB per VPN family. */
static void link_send_start(struct export_link *l, struct session *s)
{
	link_send_stop(l);
	l->session = s;
	l->send = export_send_new(l->x->d->base, s, peer_label(l->peer),
	    link_send_fail, l);
	l->eor_held[0] = l->eor_held[1] = false;
	export_send_gate(l->send, link_eor_ready, l);
	for (const struct neighbor *n = l->x->d->upstreams; n; n = n->next)
		link_send_view(l, n, l->x->d->cfg);
	export_send_start(l->send);
}

static bool link_relay_send(const uint8_t *msg, size_t len, void *arg)
{
	struct export_link *l = arg;
	return l->session && session_send(l->session, msg, len);
}

/* An instance host: its views fill from the session; it sends its
 * clients' routes (export_clients.h), then End-of-RIB (RFC 4724 §2) per
 * VPN family. */
static void link_send_eor(struct export_link *l, struct session *s)
{
	const struct session_negotiated *n = session_negotiated(s);
	uint8_t buf[64];

	if (l->recv)
		export_recv_up(l->recv, n);
	l->session = s;                 /* for link_send_fail */
	export_clients_start(l->x->relay, s, n, link_relay_send, link_send_fail, l);
	for (size_t i = 0; i < sizeof vpn_aids / sizeof vpn_aids[0]; i++) {
		const struct bgp_af *af = bgp_af(vpn_aids[i]);
		struct wbuf w = wbuf_make(buf, sizeof buf);
		size_t len;
		if (!negotiated(n, vpn_aids[i]))
			continue;
		len = bgp_eor_encode(&w, af->afi, af->safi);
		if (len && session_send(s, buf, len))
			l->eor_sent++;
	}
}

static void link_established(struct peer *p, struct session *s, void *owner)
{
	struct export_link *l = owner;
	const struct session_negotiated *n = session_negotiated(s);
	bool view_host = l->x->d->cfg->export.enabled;

	l->established++;
	if (view_host)
		link_send_start(l, s);
	else
		link_send_eor(l, s);
	log_peer_info(peer_label(p), "established: ADD-PATH ipv4-vpn %s, ipv6-vpn %s; %s",
	    addpath_mode_name((enum addpath_mode)n->vpn_addpath[0]),
	    addpath_mode_name((enum addpath_mode)n->vpn_addpath[1]), view_host ?
	    "sending every view, then End-of-RIB" : "its clients' routes sent, then End-of-RIB");
}

static void link_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct export_link *l = owner;
	bool restart = session_ended_as_restart(s);

	if (l->session == s)
		link_send_stop(l);
	if (l->recv && l->session == s) {
		export_clients_stop(l->x->relay, s);
		l->session = NULL;
	}
	if (l->in)
		export_clients_in_down(l->in);
	if (l->recv == NULL) {
		log_peer_info(peer_label(p), "down: %s", reason);
		return;
	}
	if (export_recv_down(l->recv, reason, restart))
		log_peer_info(peer_label(p), "down: %s; graceful restart: the views keep "
		    "their paths as stale for up to %u s, until the view host's "
		    "End-of-RIB", reason, export_recv_stale_secs(l->recv));
	else
		log_peer_info(peer_label(p), "down: %s; the views are cleared (%s)", reason,
		    !session_negotiated(s)->gr ? "no graceful restart negotiated" :
		    !restart ? "not a restart: a Hard Reset, or a NOTIFICATION without "
		    "RFC 8538's N" : "the view host's capability lists no VPN family");
}

static void link_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	struct export_link *l = owner;
	uint8_t data[PREFIX_LIMIT_DATA_LEN];

	l->updates_received++;
	if (l->recv)
		export_recv_update(l->recv, u, session_negotiated(s));
	if (l->in)
		export_clients_in_update(l->in, u, session_negotiated(s));
	if (l->recv && export_recv_over_limit(l->recv, data)) {
		peer_close_session_data(p, s, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, data,
		    sizeof data);
		peer_hold_down(p, EXPORT_RECV_LIMIT_HOLD);
	}
}

/* A view host sends the family's views again, an instance host its
 * clients' routes of it. */
static void link_refresh(struct peer *p, struct session *s, uint16_t afi,
    uint8_t safi, uint8_t subtype, void *owner)
{
	struct export_link *l = owner;

	if (subtype != BGP_RR_NORMAL) {
		/* the other side's BoRR or EoRR around a family sent again, not a
		 * request (RFC 7313): a view host's marks its views' paths stale,
		 * then withdraws those not sent again */
		if (l->recv && safi == BGP_SAFI_VPN)
			export_recv_refresh(l->recv, afi, subtype == BGP_RR_BORR);
		return;
	}
	log_peer_info(peer_label(p), "route refresh for AFI %u SAFI %u%s", afi, safi,
	    l->send && l->session == s ? ": every view again" : l->recv ?
	    ": the clients' routes again" : ": nothing to send");
	if (l->send && l->session == s)
		export_send_refresh(l->send, afi, safi);
	if (l->recv && safi == BGP_SAFI_VPN)
		export_clients_refresh(l->x->relay, s, afi);
}

static void link_free(struct export_link *l)
{
	export_host_config_release(&l->cfg);
	export_recv_free(l->recv);
	export_clients_in_free(l->in);
	free(l);
}

static void link_gone(struct peer *p, void *owner)
{
	struct export_link *l = owner;
	struct daemon *d = l->x->d;
	(void)p;

	link_send_stop(l);
	l->peer = NULL;
	d->views_alive--;
	if (l->removed)
		link_free(l);
	daemon_maybe_exit(d);
}

static const struct peer_ops link_ops = {
	.established = link_established, .down = link_down, .update = link_update,
	.route_refresh = link_refresh, .gone = link_gone,
};

/* The neighbor as the engine sees it: iBGP, the VPN families, every path. */
static void link_neighbor(const struct config *c, const struct export_host_config *h,
    bool passive, struct neighbor_config *nc)
{
	memset(nc, 0, sizeof *nc);
	nc->name = h->name;
	nc->remote = h->addr;
	nc->remote_as = c->asn;
	nc->passive = passive;
	nc->hold_time = EXPORT_HOLD_TIME;
	nc->connect_retry = EXPORT_CONNECT_RETRY;
	for (size_t i = 0; i < sizeof vpn_aids / sizeof vpn_aids[0]; i++)
		nc->families[nc->family_count++] = (struct bgp_family){
			bgp_af(vpn_aids[i])->afi, bgp_af(vpn_aids[i])->safi };
	nc->password = h->password;
	if (!passive && c->view_host.has_local) {
		nc->local = c->view_host.local;
		nc->has_local = true;
	}
	nc->add_path = ADDPATH_BOTH;
	nc->add_path_vpn = true;
	nc->require_family = true;
	nc->multisession = MS_OFF;
	nc->graceful_restart = true;
}

/* cfg: the configuration the link runs with (at a reload, the next one). */
static struct export_link *link_new(struct exports *x, const struct config *cfg,
    const struct export_host_config *h, bool passive, const char *label)
{
	struct export_link *l = xcalloc(1, sizeof *l);
	struct peer_local local = daemon_local(x->d, cfg);
	struct neighbor_config nc;
	char text[128];

	l->x = x;
	export_host_config_copy(&l->cfg, h);
	if (passive)
		l->in = export_clients_in_new(x->d->gw, (const struct config *const *)&x->d->cfg,
		    h->name);
	link_neighbor(cfg, h, passive, &nc);
	snprintf(text, sizeof text, "%s %s", label, h->name);
	local.label = text;
	local.gr = &x->gr;
	l->peer = peer_new(x->d->base, &nc, &local, &link_ops, l);
	x->d->views_alive++;
	peer_start(l->peer);
	l->next = x->links;
	x->links = l;
	return l;
}

static void link_remove(struct export_link *l, uint8_t subcode)
{
	l->removed = true;
	if (l->peer)
		peer_shutdown(l->peer, BGP_ERR_CEASE, subcode, NULL);
	else
		link_free(l);
}

/* ---- a view host's listener ------------------------------------------------ */

static bool export_accept(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg)
{
	struct exports *x = arg;
	char ra[64], la[64];

	for (struct export_link *l = x->links; l; l = l->next)
		if (!l->removed && l->peer && peer_matches(l->peer, remote, local))
			return peer_accept(l->peer, fd);
	log_warnx("connection from %s port %u to %s refused: no instance host is "
	    "configured with that address (add it to \"export\".\"hosts\")",
	    sockaddr_ntop(remote, ra, sizeof ra), sockaddr_port(remote),
	    sockaddr_ntop(local, la, sizeof la));
	return false;
}

/* TCP-MD5 keys live on the listening socket too, or a signed SYN is
 * dropped. */
static void export_keys(struct exports *x, const struct export_config *e)
{
	int af = sockaddr_family(listener_addr(x->listener));

	for (size_t i = 0; i < e->host_count; i++) {
		const struct export_host_config *h = &e->hosts[i];
		if (h->password && sockaddr_family(&h->addr) == af &&
		    sockopt_md5(listener_fd(x->listener), &h->addr, h->password) < 0)
			log_warnx("export host %s: cannot set its TCP-MD5 key on the "
			    "export listener: %s", h->name, strerror(errno));
	}
}

static void export_listen(struct exports *x, const struct export_config *e)
{
	char why[200], a[64];

	x->listener = listener_new(x->d->base, &e->listen, export_accept, x, why,
	    sizeof why);
	if (x->listener == NULL) {
		log_warnx("export: %s: the instance hosts cannot connect until "
		    "export.listen is fixed and muxd restarted", why);
		return;
	}
	export_keys(x, e);
	log_info("export: listening on %s port %u for %zu instance hosts",
	    sockaddr_ntop(&e->listen, a, sizeof a), sockaddr_port(&e->listen),
	    e->host_count);
}

/* ---- the daemon's side -------------------------------------------------------- */

/* An instance host's one session, to its view host. */
static void view_host_link(struct exports *x, const struct config *c)
{
	struct export_host_config vh = { .name = (char *)"view-host",
		.addr = c->view_host.addr, .password = c->view_host.password };

	link_new(x, c, &vh, false, "instance host: session to")->recv =
	    export_recv_new(x->d);
	if (x->relay == NULL) {
		x->relay = export_clients_new(x->d->base, (const struct config *const *)&x->d->cfg);
		gateway_set_relay(x->d->gw, &export_clients_relay_ops, x->relay);
	}
}

/* The restart time of the "graceful_restart" key, else the default; R
 * after a start that follows a run that did not stop cleanly; F: the
 * other host keeps the paths (a view host's views fill again from their
 * upstreams, an instance host's clients' routes are held down). */
static void export_gr(struct exports *x, const struct config *c)
{
	x->gr.restart_time = c->gr_restart_time ? c->gr_restart_time :
	    CONFIG_GR_RESTART_TIME_DEFAULT;
	x->gr.restarted_until = x->d->restarted ? timebase_now() + x->gr.restart_time : 0;
	x->gr.forwarding = true;
	x->gr.vpn = true;
}

/* End-of-RIB waits for the views (export_gate.h); for those not up yet
 * too when a view host ran on this state_dir before: its instance hosts
 * may keep their paths. */
static void export_gate_start(struct exports *x, const struct config *c)
{
	x->eor_deadline = timebase_now() + EXPORT_GATE_WAIT;
	x->eor_wait_absent = state_mark_take(c->state_dir, EXPORT_MARK_FILE, "its next "
	    "start will not wait for its upstreams before End-of-RIB, and instance "
	    "hosts may withdraw paths merely late");
	if (x->eor_wait_absent)
		log_info("export: a view host ran on %s before: its instance hosts may "
		    "keep its paths (graceful restart), so End-of-RIB waits for every "
		    "view's upstream, at most %d s", c->state_dir, EXPORT_GATE_WAIT);
}

void daemon_export_start(struct daemon *d)
{
	const struct config *c = d->cfg;
	struct exports *x;

	if (!c->export.enabled && !c->view_host.enabled)
		return;
	x = d->exports = xcalloc(1, sizeof *x);
	x->d = d;
	export_gr(x, c);
	if (c->export.enabled) {
		export_gate_start(x, c);
		export_listen(x, &c->export);
		for (size_t i = 0; i < c->export.host_count; i++)
			link_new(x, c, &c->export.hosts[i], true, "export host");
		return;
	}
	view_host_link(x, c);
}

void daemon_export_stop(struct daemon *d, uint8_t subcode)
{
	struct exports *x = d->exports;

	if (x == NULL)
		return;
	listener_free(x->listener);
	x->listener = NULL;
	while (x->links) {
		struct export_link *l = x->links;
		x->links = l->next;
		link_remove(l, subcode);
	}
}

/* Links whose peers did not finish closing stay, as views do: the
 * process is exiting. */
void daemon_export_free(struct daemon *d)
{
	if (d->exports == NULL)
		return;
	listener_free(d->exports->listener);
	if (d->exports->relay)
		gateway_set_relay(d->gw, NULL, NULL);
	export_clients_free(d->exports->relay);
	free(d->exports);
	d->exports = NULL;
}

static struct export_link *link_find(struct exports *x, const char *name)
{
	for (struct export_link *l = x->links; l; l = l->next)
		if (strcmp(l->cfg.name, name) == 0)
			return l;
	return NULL;
}

/* Hosts removed leave (Cease / Peer De-configured), changed ones start
 * again (Cease / Other Configuration Change), new ones are taken; with a
 * new AS or router id (global) every session starts again. */
static void export_sync_hosts(struct exports *x, const struct config *cfg, bool global)
{
	const struct export_config *next = &cfg->export;
	struct export_link **pp = &x->links;

	while (*pp) {
		struct export_link *l = *pp;
		const struct export_host_config *h = config_export_host(next, l->cfg.name);
		if (h && !global && export_host_config_equal(h, &l->cfg)) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		log_info("export host %s: %s", l->cfg.name, h ? "changed: its session "
		    "starts again" : "removed");
		link_remove(l, h ? BGP_CEASE_CONFIG_CHANGE : BGP_CEASE_PEER_DECONFIGURED);
	}
	for (size_t i = 0; i < next->host_count; i++)
		if (link_find(x, next->hosts[i].name) == NULL)
			link_new(x, cfg, &next->hosts[i], true, "export host");
	if (x->listener)
		export_keys(x, next);
}

/*
 * A role is set at start: "export" or "view_host" appearing, going or
 * changing, and a new export.listen, take a restart; until then the
 * running ones stay (copied into next). Export hosts follow at once.
 */
void daemon_export_reload(struct daemon *d, struct config *next)
{
	const struct config *c = d->cfg;
	bool global = next->asn != c->asn || next->router_id != c->router_id;

	if (c->export.enabled != next->export.enabled ||
	    !view_host_config_equal(&c->view_host, &next->view_host)) {
		log_warnx("reload: \"export\" or \"view_host\" changed: a host's role "
		    "(single machine, view host, instance host) changes at a restart "
		    "of muxd only; until then it keeps the running one");
		export_config_release(&next->export);
		export_config_copy(&next->export, &c->export);
		view_host_config_release(&next->view_host);
		view_host_config_copy(&next->view_host, &c->view_host);
	}
	if (d->exports == NULL)
		return;
	if (next->view_host.enabled && global) {
		log_info("instance host: AS or router id changed: the session to the view "
		    "host starts again");
		while (d->exports->links) {
			struct export_link *l = d->exports->links;
			d->exports->links = l->next;
			link_remove(l, BGP_CEASE_CONFIG_CHANGE);
		}
		view_host_link(d->exports, next);
	}
	if (!next->export.enabled)
		return;
	if (!sockaddr_equal(&c->export.listen, &next->export.listen)) {
		log_warnx("reload: export.listen changed: a new export address takes a "
		    "restart of muxd; until then it listens where it did");
		next->export.listen = c->export.listen;
	}
	export_sync_hosts(d->exports, next, global);
}

/* ---- what the API shows ------------------------------------------------------ */

static void link_client_counts(const struct export_link *l, struct api_export_link *o)
{
	struct export_clients_in_stats in;
	struct export_clients_stats rs;

	if (l->in) {
		export_clients_in_stats(l->in, &in);
		o->client_routes_received = in.routes;
		o->clients_up = in.sources_up;
	} else if (l->recv && l->x->relay) {
		export_clients_stats(l->x->relay, &rs);
		o->client_routes_sent = rs.routes_sent;
		o->clients_up = rs.sources;
	}
}

size_t daemon_export_links(const struct daemon *d, struct api_export_link *out,
    size_t max)
{
	size_t n = 0;

	if (d->exports == NULL)
		return 0;
	for (const struct export_link *l = d->exports->links; l && n < max; l = l->next) {
		if (l->removed)
			continue;
		const struct export_send_stats *st = l->send ? export_send_stats(l->send) :
		    &(struct export_send_stats){ 0 };
		out[n] = (struct api_export_link){ l->cfg.name, &l->cfg.addr, l->peer,
			l->established, l->eor_sent + st->eor, l->updates_received,
			l->sent.routes + st->routes, l->sent.views + st->views, 0, 0, 0 };
		link_client_counts(l, &out[n++]);
	}
	return n;
}

/* ---- views coming and going (neighbors.c) -------------------------------------- */

void daemon_export_view_added(struct daemon *d, const struct neighbor *n,
    const struct config *cfg)
{
	if (d->exports == NULL)
		return;
	for (struct export_link *l = d->exports->links; l; l = l->next)
		if (l->send)
			link_send_view(l, n, cfg);
}

void daemon_export_view_id(struct daemon *d, const struct neighbor *n, uint32_t asn,
    uint16_t id)
{
	if (d->exports == NULL)
		return;
	for (struct export_link *l = d->exports->links; l; l = l->next)
		if (l->send)
			export_send_view_id(l->send, view_feed(n->view), asn, id);
}

void daemon_export_view_gone(struct daemon *d, const struct feed *f)
{
	if (d->exports == NULL)
		return;
	for (struct export_link *l = d->exports->links; l; l = l->next)
		if (l->send)
			export_send_remove_view(l->send, f);
}
