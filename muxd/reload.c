/*
 * reload.c — SIGHUP: muxd reads its configuration file again and changes
 * only what changed. A neighbor (plain peer or upstream) whose settings
 * did not change stays up; one whose families alone changed changes only
 * those sessions; one with other changes restarts its session with Cease
 * / Other Configuration Change; a removed one leaves with Cease / Peer
 * De-configured; a new max_prefixes applies without a restart. A change
 * of the gateway's own AS or identifier restarts them all. An upstream's
 * instance restarts when its own settings or its families change; its
 * clients are synced by each instance that stays. With a data plane, the
 * instances' forwarding identities follow (dp_reconfigure): a new one gets
 * its macvlan, address, rule and table, a removed one loses them. A file
 * that does not load changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "instances/gateway.h"
#include "instances/instance.h"
#include "monitors/monitors.h"
#include "muxd/daemon_int.h"
#include "muxd/lib/log.h"
#include "muxd/sdnotify.h"
#include "views/view.h"
#include "web/api.h"

/* New settings nc for a running view; true when its families alone
 * changed (only their sessions change). */
static bool reload_view(struct view *v, const struct neighbor_config *nc,
    const struct peer_local *local, bool global_change)
{
	const struct neighbor_config *old = view_config(v);
	bool fams_only = !global_change && !neighbor_config_equal(old, nc) &&
	    neighbor_config_equal_but_families(old, nc);

	/* An instance host's upstream: its view has no session to change
	 * (the view host holds it); new families go to its instance. */
	if (nc->remote.len == 0)
		return !neighbor_families_equal(old, nc);

	if (!prefix_limit_config_equal(&old->max_prefixes, &nc->max_prefixes))
		view_set_prefix_limit(v, &nc->max_prefixes);
	if (fams_only)
		view_set_families(v, nc);
	else if (global_change || !neighbor_config_equal(old, nc))
		view_reconfigure(v, nc, local, BGP_CEASE_CONFIG_CHANGE);
	return fams_only;
}

/* The instance in front of an upstream that stays: synced, given its new
 * families, or restarted (its clients get Cease / Other Configuration
 * Change and may reconnect). */
static void reload_instance(struct neighbor *u, const struct upstream_config *nu,
    const struct config *next, bool restart, bool fams_only)
{
	struct daemon *d = u->d;

	if (u->inst && !restart) {
		if (fams_only)
			instance_set_families(u->inst, nu->n.families, nu->n.family_count);
		instance_sync_clients(u->inst, next);
		return;
	}
	if (u->inst) {
		log_info("instance %s: settings changed: restarting it (its clients get "
		    "Cease/Other Configuration Change and may reconnect)", view_name(u->view));
		instance_stop(d, u->inst, BGP_CEASE_CONFIG_CHANGE);
	}
	u->icfg = nu->instance;
	u->inst = NULL;
	u->inst = upstream_instance(d, u->view, nu, next);
}

static void reload_upstream(struct neighbor *u, const struct upstream_config *nu,
    const struct config *next, bool global_change)
{
	struct peer_local local = daemon_local(u->d, next);
	const struct upstream_config *ou = config_upstream(u->d->cfg, nu->n.name);
	bool fams = !neighbor_families_equal(view_config(u->view), &nu->n);

	/* the view's distinguisher on the export sessions */
	if (ou && ou->id != nu->id)
		daemon_export_view_id(u->d, u, next->asn, nu->id);
	bool fams_only = reload_view(u->view, &nu->n, &local, global_change);
	bool inst_same = instance_config_equal(&u->icfg, &nu->instance);
	/* families alone: only their sessions change, upstream and clients */
	bool restart = global_change || !inst_same || (fams && !fams_only);

	reload_instance(u, nu, next, restart, fams && fams_only);
}

/* A neighbor gone from the configuration. */
static void neighbor_remove(struct neighbor **pos, const char *what)
{
	struct neighbor *n = *pos;

	log_info("%s %s removed from the configuration: closing its session%s with "
	    "Cease/Peer De-configured", what, view_name(n->view),
	    n->inst ? " and its instance's clients" : "");
	neighbor_stop(n, BGP_CEASE_PEER_DECONFIGURED);
	*pos = n->next;
	free(n);
}

static void reload_upstreams(struct daemon *d, const struct config *next,
    bool global_change)
{
	for (struct neighbor **pos = &d->upstreams; *pos;) {
		const struct upstream_config *nu = config_upstream(next, view_name((*pos)->view));
		if (nu == NULL) {
			neighbor_remove(pos, "upstream");
			continue;
		}
		reload_upstream(*pos, nu, next, global_change);
		pos = &(*pos)->next;
	}
	for (size_t i = 0; i < next->upstream_count; i++) {
		bool running = false;
		for (struct neighbor *u = d->upstreams; u; u = u->next)
			running |= strcmp(view_name(u->view), next->upstreams[i].n.name) == 0;
		if (!running)
			upstream_add(d, &next->upstreams[i], next);
	}
}

static const struct neighbor_config *config_peer(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->peer_count; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

/* New plain peers start with daemon_start_peers, once listening. */
static void reload_peers(struct daemon *d, const struct config *next, bool global_change)
{
	struct peer_local local = daemon_local(d, next);

	for (struct neighbor **pos = &d->peers; *pos;) {
		const struct neighbor_config *nc = config_peer(next, view_name((*pos)->view));
		if (nc == NULL) {
			neighbor_remove(pos, "peer");
			continue;
		}
		reload_view((*pos)->view, nc, &local, global_change);
		pos = &(*pos)->next;
	}
}

/* state_dir holds the lock, the store and the archives of this process:
 * another one takes a restart. Until then the running one stays. */
static void reload_state_dir(struct daemon *d, struct config *next)
{
	if (strcmp(next->state_dir, d->cfg->state_dir) == 0)
		return;
	log_warnx("reload: state_dir changed from %s to %s: a new state_dir needs a "
	    "restart of muxd; until then it keeps using %s", d->cfg->state_dir,
	    next->state_dir, d->cfg->state_dir);
	free(next->state_dir);
	next->state_dir = xstrdup(d->cfg->state_dir);
}

static const char *user_text(const char *user)
{
	return user != NULL ? user : "(none)";
}

/* Who muxd runs as and its system call filter are set once, at start: a
 * change takes a restart. Until then the running ones stay. */
static void reload_privileges(struct daemon *d, struct config *next)
{
	const char *was = d->cfg->user, *now = next->user;

	if (!(was == NULL && now == NULL) &&
	    (was == NULL || now == NULL || strcmp(was, now) != 0)) {
		log_warnx("reload: user changed from %s to %s: a new user needs a "
		    "restart of muxd; until then it runs as %s", user_text(was),
		    user_text(now), user_text(was));
		free(next->user);
		next->user = was != NULL ? xstrdup(was) : NULL;
	}
	if (next->seccomp != d->cfg->seccomp) {
		log_warnx("reload: seccomp changed to %s: the system call filter is "
		    "set at start and needs a restart of muxd; until then it stays %s",
		    next->seccomp ? "true" : "false", d->cfg->seccomp ? "on" : "off");
		next->seccomp = d->cfg->seccomp;
	}
}

/* "dataplane" in text for the log: "off", or "vnets0, table_base 20000,
 * fib default". */
static const char *dataplane_text(const struct dataplane_config *dp, char *buf,
    size_t len)
{
	if (!dp->enabled)
		return "off";
	snprintf(buf, len, "client_interface %s, table_base %u, fib %s",
	    dp->client_interface, dp->table_base, dataplane_fib_name(dp->fib));
	return buf;
}

/* The data plane's interfaces, rules and tables are set up at start: a
 * changed "dataplane" takes a restart. Until then the running one stays. */
static void reload_dataplane(struct daemon *d, struct config *next)
{
	char was[128], now[128];

	if (dataplane_config_equal(&next->dataplane, &d->cfg->dataplane))
		return;
	log_warnx("reload: dataplane changed from %s to %s: a new dataplane needs a "
	    "restart of muxd; until then it keeps the running one",
	    dataplane_text(&d->cfg->dataplane, was, sizeof was),
	    dataplane_text(&next->dataplane, now, sizeof now));
	dataplane_config_release(&next->dataplane);
	dataplane_config_copy(&next->dataplane, &d->cfg->dataplane);
}

/*
 * A new api.listen: the API's server (and the live stream on it) listens
 * there from now on, and stops listening at the old address once the new
 * one is bound; connections already open stay. If the new address cannot
 * be bound the old one stays, and so does its value in the running
 * configuration (a later reload tries again). An API that could not
 * listen at all tries again at each reload.
 */
static void reload_api_listen(struct daemon *d, struct config *next)
{
	char why[300];

	if (api_http(d->api) == NULL) {
		if (api_listen(d->api, next, why, sizeof why))
			daemon_attach_stream(d);
		else
			log_warnx("reload: api: %s; muxd runs on without its API", why);
		return;
	}
	if (sockaddr_equal(&d->cfg->api.listen, &next->api.listen))
		return;
	if (!api_rebind(d->api, &next->api.listen, why, sizeof why)) {
		log_warnx("reload: api.listen: %s", why);
		next->api.listen = d->cfg->api.listen;
	}
}

/* Nothing but the file's own errors (logged) when it does not load. */
void daemon_reload(struct daemon *d)
{
	struct jsonv errs = { 0 };
	sdnotify("RELOADING=1");         /* systemctl reload waits for READY=1 */
	struct config *next = config_load_file(d->config_path, &errs);

	if (next == NULL) {
		for (size_t i = 0; i < errs.count; i++)
			log_warnx("reload: %s: %s", d->config_path, errs.lines[i]);
		log_warnx("reload: keeping the running configuration");
		jsonv_free(&errs);
		sdnotify("READY=1");
		return;
	}
	reload_state_dir(d, next);
	reload_dataplane(d, next);
	reload_privileges(d, next);
	reload_api_listen(d, next);
	daemon_export_reload(d, next);
	api_merge_clients(d->api, next);        /* provisioned clients stay */
	bool global_change = next->asn != d->cfg->asn || next->router_id != d->cfg->router_id;
	reload_peers(d, next, global_change);
	daemon_unlisten(d);
	gateway_configure(d->gw, next);
	daemon_dataplane_reload(d, next);
	reload_upstreams(d, next, global_change);
	monitors_reconfigure(d->mon, next);
	dp_set_config(d->dp, next);     /* it borrows the running configuration */
	config_free(d->cfg);
	d->cfg = next;
	log_set_level(next->log_level);
	session_set_open_timeout(next->open_timeout);
	daemon_gr_configure(d, next);
	daemon_listen(d);
	daemon_start_peers(d);  /* the new ones */
	log_info("reloaded %s", d->config_path);
	sdnotify("READY=1");
}
