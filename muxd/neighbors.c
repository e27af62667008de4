/*
 * neighbors.c — the views the daemon runs, and what each joins: every
 * view feeds the monitors (MRT, BMP) and the live stream; an upstream's
 * view also has an instance in front of it and takes the gateway's own
 * routes (instances/gateway.h). A plain peer is a view with no instance:
 * nothing is re-exported from it and nothing is sent to it.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "instances/gateway.h"
#include "instances/instance.h"
#include "muxd/daemon_int.h"
#include "muxd/engine/timebase.h"
#include "muxd/export_recv.h"
#include "muxd/lib/log.h"
#include "muxd/restart_mark.h"
#include "muxd/upgrade_sessions.h"
#include "monitors/monitors.h"
#include "views/view.h"
#include "web/stream.h"

struct peer_local daemon_local(struct daemon *d, const struct config *cfg)
{
	struct peer_local l = { cfg->asn, cfg->router_id, d->hostname, NULL, &d->gr };
	return l;
}

void daemon_gr_configure(struct daemon *d, const struct config *cfg)
{
	d->gr.restart_time = cfg->gr_restart_time;
	/* F: the data plane's kernel routes are removed when muxd starts
	 * (dp_host.c's clean-up), so with it nothing muxd forwarded survives.
	 * Without it muxd holds no forwarding state at all: traffic to the
	 * routes it announces goes on through the host's (or the clients')
	 * own routes while muxd restarts. */
	d->gr.forwarding = !cfg->dataplane.enabled;
}

void daemon_gr_start(struct daemon *d, bool takeover)
{
	const struct config *cfg = d->cfg;
	bool restarted = restart_mark_take(cfg->state_dir) && !takeover;

	daemon_gr_configure(d, cfg);
	d->restarted = restarted;
	if (!restarted)
		return;
	if (cfg->gr_restart_time == 0) {
		log_info("the previous muxd on %s did not stop cleanly; no \"graceful_restart\" "
		    "is configured, so its neighbors have withdrawn its routes", cfg->state_dir);
		return;
	}
	d->gr.restarted_until = timebase_now() + cfg->gr_restart_time;
	log_info("graceful restart: the previous muxd on %s did not stop cleanly: "
	    "sessions opened in the next %u s set the restart bit, and each upstream "
	    "gets the gateway's own routes again before its End-of-RIB (forwarding "
	    "state kept: %s)", cfg->state_dir, cfg->gr_restart_time,
	    d->gr.forwarding ? "yes" : "no, the data plane starts afresh");
}

static void view_gone(struct view *v, void *arg)
{
	struct daemon *d = arg;

	monitors_remove_view(d->mon, view_feed(v));
	daemon_export_view_gone(d, view_feed(v));
	d->views_alive--;
	daemon_maybe_exit(d);
}

static void instance_gone(struct instance *inst, void *arg)
{
	struct daemon *d = arg;
	(void)inst;
	d->views_alive--;
	daemon_maybe_exit(d);
}

static const struct view_ops neighbor_view_ops = { .gone = view_gone };
static const struct instance_ops upstream_instance_ops = { .gone = instance_gone };

void instance_stop(struct daemon *d, struct instance *inst, uint8_t subcode)
{
	(void)d;
	instance_shutdown(inst, BGP_ERR_CEASE, subcode);
}

/* A new neighbor's view, joined to the monitors and the live stream. */
static struct neighbor *neighbor_new(struct daemon *d, const struct neighbor_config *nc,
    const struct config *cfg, enum view_role role)
{
	struct neighbor *n = xcalloc(1, sizeof *n);
	struct peer_local local = daemon_local(d, cfg);

	n->d = d;
	n->view = view_new(d->base, nc, &local, role, &neighbor_view_ops, d);
	monitors_add_view(d->mon, nc->name, view_feed(n->view));
	if (d->stream)
		stream_view_add(d->stream, n->view);
	d->views_alive++;
	return n;
}

struct instance *upstream_instance(struct daemon *d, struct view *v,
    const struct upstream_config *uc, const struct config *cfg)
{
	struct instance_params ip = {
		.name = uc->n.name, .cfg = uc->instance,
		.families = uc->n.families, .family_count = uc->n.family_count,
		.router_id = cfg->router_id, .hostname = d->hostname, .gw = d->gw,
		.gr = &d->gr,
		.eor_wait = uc->n.remote.len ? 0 : EXPORT_RECV_EOR_WAIT,
	};
	char why[200], addr[64];
	struct instance *inst = instance_new(d->base, &ip, view_feed(v),
	    &upstream_instance_ops, d, why, sizeof why);

	if (inst == NULL) {
		log_warnx("instance %s: %s: its clients cannot connect until "
		    "instance.address is fixed and muxd reloaded (SIGHUP)", uc->n.name, why);
		return NULL;
	}
	d->views_alive++;
	log_info("instance %s: listening on %s port %u for its clients (local AS %u, "
	    "next hop %s)", uc->n.name, sockaddr_ntop(&uc->instance.addr, addr, sizeof addr),
	    sockaddr_port(&uc->instance.addr), uc->instance.local_as,
	    uc->instance.next_hop_self ? "self" : "unchanged");
	instance_sync_clients(inst, cfg);
	return inst;
}

/* The gateway's routes for an upstream go to its view. */
static void gateway_originate(void *view, const struct bgp_prefix *p,
    const uint8_t *attrs, size_t len)
{
	view_originate(view, p, attrs, len);
}

static void gateway_next_hops(void *view, const struct sockaddr_mux *v4,
    const struct sockaddr_mux *v6)
{
	view_set_originated_next_hops(view, v4, v6);
}

static const struct gateway_view_ops gateway_view = { gateway_originate, gateway_next_hops };

void upstream_add(struct daemon *d, const struct upstream_config *uc,
    const struct config *cfg)
{
	struct neighbor *n = neighbor_new(d, &uc->n, cfg, VIEW_UPSTREAM);

	gateway_attach_view(d->gw, uc->n.name, &gateway_view, n->view);
	upgrade_adopt_view(d, n->view);
	n->icfg = uc->instance;
	n->inst = upstream_instance(d, n->view, uc, cfg);
	upgrade_adopt_clients(d, n->inst);
	dp_attach_feed(d->dp, uc->n.name, view_feed(n->view));
	/* An instance host's upstream has no session: its view host holds it,
	 * and its view is empty until the view host's routes fill it. */
	if (uc->n.remote.len)
		view_start(n->view);
	n->next = d->upstreams;
	d->upstreams = n;
	daemon_export_view_added(d, n, cfg);
}

/* The instance first: it leaves the view's feed at once. */
void neighbor_stop(struct neighbor *n, uint8_t subcode)
{
	struct daemon *d = n->d;

	if (n->inst)
		instance_stop(d, n->inst, subcode);
	if (view_role(n->view) == VIEW_UPSTREAM) {
		dp_detach_feed(d->dp, view_name(n->view));
		gateway_detach_view(d->gw, view_name(n->view));
	}
	if (d->stream)
		stream_view_remove(d->stream, n->view);
	view_shutdown(n->view, BGP_ERR_CEASE, subcode);
	n->inst = NULL;
	n->view = NULL;
}

void daemon_start_upstreams(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->upstream_count; i++)
		upstream_add(d, &d->cfg->upstreams[i], d->cfg);
}

static bool peer_running(const struct daemon *d, const char *name)
{
	for (const struct neighbor *n = d->peers; n; n = n->next)
		if (strcmp(view_name(n->view), name) == 0)
			return true;
	return false;
}

void daemon_start_peers(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg->peer_count; i++) {
		if (peer_running(d, d->cfg->peers[i].name))
			continue;
		struct neighbor *n = neighbor_new(d, &d->cfg->peers[i], d->cfg, VIEW_PEER);
		upgrade_adopt_view(d, n->view);
		view_start(n->view);
		n->next = d->peers;
		d->peers = n;
	}
}

static void stop_all(struct neighbor **list, uint8_t subcode)
{
	while (*list) {
		struct neighbor *n = *list;
		*list = n->next;
		neighbor_stop(n, subcode);
		free(n);
	}
}

void daemon_stop_neighbors(struct daemon *d, uint8_t subcode)
{
	stop_all(&d->peers, subcode);
	stop_all(&d->upstreams, subcode);
}
