/*
 * host.c — the store (STATE_DIR/bgpmux.db), the session history every
 * state change goes to, and the API's view of the daemon (web/api.h's
 * struct api_host): the views it runs (upstreams and plain peers), the
 * instances, and the clients the API adds and removes.
 */
#include <stdio.h>
#include <time.h>

#include "instances/instance.h"
#include "muxd/daemon_int.h"
#include "muxd/lib/log.h"
#include "muxd/store/opstore.h"
#include "muxd/store/store.h"
#include "views/view.h"
#include "web/api.h"

#define EVENTS_FLUSH_MS 100
#define EVENTS_BATCH 256

/* Every session state change goes to the store's history, batched. */
static void record_state(const struct peer *p, const struct session *s, size_t index,
    enum fsm_state from, enum fsm_state to, const char *reason, void *arg)
{
	struct daemon *d = arg;
	const struct session_params *sp = session_params(s);
	const struct session_negotiated *n = session_negotiated(s);
	bool up = to == FSM_ESTABLISHED || from == FSM_ESTABLISHED;
	struct ops_event ev = { .session = (unsigned)index + 1, .from = fsm_state_name(from),
		.to = fsm_state_name(to) };
	struct timespec ts;
	size_t len = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(ev.peer, sizeof ev.peer, "%s", peer_label(p));
	snprintf(ev.reason, sizeof ev.reason, "%s", reason ? reason : "");
	/* A NOTIFICATION we sent is named in the session's last error, not
	 * always in the reason ("Cease, Peer De-configured"). */
	if (!opstore_reason_code(reason, &ev.code, &ev.subcode) && to == FSM_IDLE)
		opstore_reason_code(session_last_error(s), &ev.code, &ev.subcode);
	for (size_t i = 0; i < (up ? n->family_count : sp->family_count); i++) {
		const char *f = family_name(up ? n->families[i] : sp->families[i]);
		len += (size_t)snprintf(ev.family + len, len < sizeof ev.family ?
		    sizeof ev.family - len : 0, "%s%s", i ? "," : "", f);
		if (len >= sizeof ev.family)
			break;
	}
	opstore_event_add(d->events, &ev);
}

static struct config *host_config(void *arg) { return ((struct daemon *)arg)->cfg; }

/* Every view: the upstreams', then the plain peers' (view_role tells them
 * apart). */
static size_t host_views(void *arg, struct view **out, size_t max)
{
	struct daemon *d = arg;
	size_t n = 0;

	for (struct neighbor *u = d->upstreams; u; u = u->next, n++)
		if (n < max)
			out[n] = u->view;
	for (struct neighbor *p = d->peers; p; p = p->next, n++)
		if (n < max)
			out[n] = p->view;
	return n;
}

static size_t host_instances(void *arg, struct instance **out, size_t max)
{
	size_t n = 0;
	for (struct neighbor *u = ((struct daemon *)arg)->upstreams; u; u = u->next) {
		if (u->inst && n < max)
			out[n] = u->inst;
		n += u->inst != NULL;
	}
	return n;
}

static void host_client_added(void *arg, const struct client_config *cc)
{
	struct daemon *d = arg;
	for (struct neighbor *u = d->upstreams; u; u = u->next)
		if (u->inst)
			instance_client_add(u->inst, cc);
}

static void host_client_removed(void *arg, const char *name)
{
	struct daemon *d = arg;
	for (struct neighbor *u = d->upstreams; u; u = u->next)
		if (u->inst)
			instance_client_remove(u->inst, name);
}

static bool host_upgrade(void *arg, char *why, size_t why_len)
{
	return daemon_upgrade(arg, why, why_len);
}

static void host_process(void *arg, uint32_t *generation, time_t *upgraded_at)
{
	const struct daemon *d = arg;

	*generation = d->generation;
	*upgraded_at = d->upgraded_at;
}

static size_t host_export_links(void *arg, struct api_export_link *out, size_t max)
{
	return daemon_export_links(arg, out, max);
}

/* The store, the session history and the API. Without the store muxd
 * runs on: no history, no provisioning. */
void daemon_open_store(struct daemon *d)
{
	static const struct api_host host_ops = { host_config, host_views, host_instances,
		host_client_added, host_client_removed, NULL, host_upgrade, host_process,
		host_export_links };
	struct api_host host = host_ops;
	char path[4200], why[300];

	snprintf(path, sizeof path, "%s/bgpmux.db", d->cfg->state_dir);
	d->store = store_open(path, why, sizeof why);
	if (d->store && !opstore_migrate(d->store, why, sizeof why)) {
		store_close(d->store);
		d->store = NULL;
	}
	if (d->store == NULL) {
		log_warnx("store: %s: running without it (no session history, no "
		    "provisioning through the API)", why);
	} else {
		d->events = opstore_events_new(d->base, d->store, EVENTS_FLUSH_MS, EVENTS_BATCH);
		peer_observe_states(record_state, d);
	}
	host.arg = d;
	d->api = api_new(d->base, d->store, d->events, &host);
	api_set_dataplane(d->api, d->dp);       /* started before; stopped after api_free */
	api_merge_clients(d->api, d->cfg);
}

void daemon_close_store(struct daemon *d)
{
	peer_observe_states(NULL, NULL);
	api_free(d->api);
	opstore_events_free(d->events);
	store_close(d->store);
}
