/*
 * daemon.c — muxd's composition root: it makes the parts (views and the
 * instances in front of them, monitors, gateway, store, API, live
 * stream), wires them together, and runs the event loop until SIGTERM.
 * SIGHUP reloads (muxd/reload.c); SIGUSR1 dumps every table as JSON
 * (muxd/route_dump.h, muxd/dump_routes.c); SIGUSR2 upgrades in place
 * (muxd/upgrade.h). What each other file of the
 * root does: muxd/daemon_int.h.
 */
#include "muxd/daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dataplane/dataplane.h"
#include "instances/gateway.h"
#include "monitors/monitors.h"
#include "muxd/daemon_int.h"
#include "muxd/lib/log.h"
#include "muxd/privdrop.h"
#include "muxd/restart_mark.h"
#include "muxd/route_dump.h"
#include "muxd/sdnotify.h"
#include "muxd/sandbox.h"
#include "muxd/upgrade.h"
#include "muxd/upgrade_sessions.h"
#include "muxd/upgrade_takeover.h"
#include "web/api.h"
#include "web/stream.h"

#define SHUTDOWN_GRACE_SECS 5

void daemon_maybe_exit(struct daemon *d)
{
	if (d->stopping && d->views_alive == 0)
		event_base_loopexit(d->base, NULL);
}

static void daemon_reap_children(struct daemon *d)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0)
		if (!route_dump_reaped(d->dump, pid, status, &ru))
			upgrade_reaped(d->upgrade, pid, status);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	log_warnx("sessions did not close within %d s; exiting anyway", SHUTDOWN_GRACE_SECS);
	event_base_loopexit(d->base, NULL);
}

static void daemon_shutdown(struct daemon *d)
{
	struct timeval tv = { SHUTDOWN_GRACE_SECS, 0 };

	if (d->stopping)
		return;
	d->stopping = true;
	log_info("shutting down: closing every session (Cease, Administrative Shutdown)");
	sdnotify("STOPPING=1");
	daemon_unlisten(d);
	daemon_export_stop(d, BGP_CEASE_ADMIN_SHUTDOWN);
	dp_release_feeds(d->dp);        /* the clean-up at exit removes the tables whole */
	daemon_stop_neighbors(d, BGP_CEASE_ADMIN_SHUTDOWN);
	evtimer_add(d->grace_ev, &tv);
	daemon_maybe_exit(d);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;

	if (sig == SIGTERM || sig == SIGINT)
		daemon_shutdown(d);
	else if (sig == SIGHUP && !d->stopping && upgrade_busy(d->upgrade))
		log_warnx("reload (SIGHUP) refused: an upgrade is under way (the sessions "
		    "are frozen); send it again once it is over");
	else if (sig == SIGHUP && !d->stopping)
		daemon_reload(d);
	else if (sig == SIGUSR1)
		route_dump_request(d->dump);
	else if (sig == SIGCHLD)
		daemon_reap_children(d);
	else if (sig == SIGUSR2 && !d->stopping) {
		char why[300];
		if (!daemon_upgrade(d, why, sizeof why))
			log_warnx("upgrade (SIGUSR2) refused: %s", why);
	}
}

bool daemon_upgrade(struct daemon *d, char *why, size_t why_len)
{
	if (d->stopping) {
		snprintf(why, why_len, "muxd is shutting down");
		return false;
	}
	/* The new process would clean the kernel state this one keeps. */
	if (d->dp) {
		snprintf(why, why_len, "the data plane's kernel state is not handed over: "
		    "restart muxd instead");
		return false;
	}
	/* Nor are the export sessions and their listener (muxd/export.c). */
	if (d->exports) {
		snprintf(why, why_len, "the sessions between view host and instance "
		    "hosts are not handed over: restart muxd instead");
		return false;
	}
	return upgrade_start(d->upgrade, why, why_len);
}

/* The new process serves: this one leaves at once, without a word on
 * any session — the new process has the connections. (Those it did not
 * get, not Established, close with this process.) */
static void daemon_handed_over(pid_t pid, void *arg)
{
	struct daemon *d = arg;

	log_info("upgrade: muxd pid %ld took over the listeners and the sessions; "
	    "this process leaves without a word on any session", (long)pid);
	d->stopping = true;
	d->handed_over = true;          /* muxd.running is the new process's now */
	daemon_unlisten(d);
	event_base_loopexit(d->base, NULL);
}

static void daemon_signals(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD, SIGUSR2 };

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NSIGNALS; i++) {
		d->signals[i] = evsignal_new(d->base, sigs[i], signal_cb, d);
		evsignal_add(d->signals[i], NULL);
	}
}

/* The live stream (before the views: they join it); it serves on the
 * API's listener once that listens. */
static void daemon_start_stream(struct daemon *d)
{
	d->stream = stream_new(d->base, d->cfg->stream_max_queue,
	    (unsigned)d->cfg->stream_idle_timeout);
	if (d->stream == NULL)
		log_warnx("live stream: out of memory: running without it");
}

void daemon_attach_stream(struct daemon *d)
{
	struct evhttp *http = api_http(d->api);

	if (d->stream == NULL || http == NULL)
		return;
	if (!stream_attach(d->stream, http)) {
		log_warnx("live stream: /v1/ws/ or /v1/stream is taken on the API "
		    "server: running without the stream");
		return;
	}
	log_info("live stream: /v1/ws/ (WebSocket) and /v1/stream (SSE, NDJSON) "
	    "on the API's listener");
}

static void daemon_free(struct daemon *d)
{
	upgrade_free(d->upgrade);
	stream_free(d->stream);         /* before the API's HTTP server it took over */
	daemon_unlisten(d);
	daemon_export_free(d);
	daemon_close_store(d);
	for (size_t i = 0; i < NSIGNALS; i++)
		event_free(d->signals[i]);
	event_free(d->grace_ev);
	monitors_free(d->mon);
	route_dump_free(d->dump);
	daemon_dataplane_stop(d);       /* before the gateway it follows */
	gateway_free(d->gw);
	/* Views and instances that did not finish closing in the grace time
	 * stay: the process is exiting, so their memory goes with it. */
	event_base_free(d->base);
	config_free(d->cfg);
	free(d);
}

/* What daemon_run made before the data plane refused to start. */
static void daemon_free_early(struct daemon *d)
{
	route_dump_free(d->dump);
	gateway_free(d->gw);
	event_free(d->grace_ev);
	event_base_free(d->base);
	config_free(d->cfg);
	free(d);
	log_warnx("muxd did not start: fix the data plane's host (above)");
}

/* Sockets bound, state open, data plane set up: from here on muxd needs
 * neither root nor any system call it has not made yet (docs/security.md). */
static bool daemon_confine(struct daemon *d)
{
	char why[400];

	if (!privdrop_apply(d->cfg, why, sizeof why)) {
		log_errorx("%s; muxd stops", why);
		return false;
	}
	if (!d->cfg->seccomp) {
		log_warnx("seccomp: off (\"seccomp\": false): every system call is "
		    "allowed; turn it on again outside debugging");
		return true;
	}
	if (!sandbox_apply(why, sizeof why)) {
		log_errorx("%s; muxd stops (\"seccomp\": false runs it without the "
		    "filter)", why);
		return false;
	}
	log_info("seccomp: on: a system call muxd does not make kills it (SIGSYS)");
	return true;
}

static void daemon_start_upgrades(struct daemon *d, const struct daemon_start *st)
{
	struct upgrade_ops ops = { daemon_handed_over, upgrade_sessions_freeze,
	    upgrade_sessions_queued, upgrade_sessions_export, upgrade_sessions_release, d };

	d->generation = st->takeover ? st->takeover->generation + 1 : 1;
	d->upgraded_at = st->takeover ? st->takeover->started : 0;
	d->takeover = st->takeover;
	d->upgrade = upgrade_new(d->base, st->launcher_fd, st->launcher_pid, st->lock_fd,
	    d->generation, &ops);
}

int daemon_run(struct config *cfg, const char *config_path,
    const struct daemon_start *start)
{
	struct daemon *d = xcalloc(1, sizeof *d);

	d->cfg = cfg;
	d->config_path = config_path;
	d->base = event_base_new();
	if (d->base == NULL)
		fatal("cannot create the event loop");
	d->grace_ev = evtimer_new(d->base, grace_cb, d);
	gethostname(d->hostname, sizeof d->hostname - 1);
	if (mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST)
		log_warnx("cannot create state_dir %s: %s", cfg->state_dir, strerror(errno));
	log_set_level(cfg->log_level);
	session_set_open_timeout(cfg->open_timeout);
	daemon_gr_start(d, start->takeover != NULL);
	d->dump = route_dump_new(cfg->state_dir, daemon_write_routes, d);
	d->gw = gateway_new(d->base, cfg);
	if (!daemon_dataplane_start(d)) {     /* before the instances bind its addresses */
		daemon_free_early(d);
		return 1;
	}
	daemon_signals(d);
	daemon_start_upgrades(d, start);
	d->mon = monitors_new(d->base, cfg, d->hostname);
	daemon_open_store(d);           /* provisioned clients join cfg's */
	daemon_start_stream(d);
	daemon_start_upstreams(d);      /* instances bind before the daemon's listeners */
	daemon_dataplane_attach(d);
	daemon_listen(d);
	daemon_export_start(d);         /* binds export.listen before privileges go */
	char why[300];
	if (!api_listen(d->api, d->cfg, why, sizeof why))
		log_warnx("api: %s; muxd runs on without its API", why);
	daemon_attach_stream(d);
	if (!daemon_confine(d)) {
		daemon_free(d);
		return 1;
	}
	daemon_start_peers(d);
	log_info("bgpmux running: AS %u, router id %u.%u.%u.%u, %zu peers, %zu upstreams, "
	    "%zu clients", cfg->asn, cfg->router_id >> 24, (cfg->router_id >> 16) & 255,
	    (cfg->router_id >> 8) & 255, cfg->router_id & 255, cfg->peer_count,
	    cfg->upstream_count, cfg->client_count);
	if (start->takeover) {
		upgrade_takeover_done(start->takeover);
		d->takeover = NULL;
		upgrade_takeover_ready(start->takeover);
	}
	log_info("generation %u (pid %ld)%s", d->generation, (long)getpid(),
	    start->takeover ? ": took over from the previous muxd" : "");
	sdnotify("READY=1");            /* every listener, the API's too, is up */
	event_base_dispatch(d->base);
	if (!d->handed_over)
		restart_mark_clear(d->cfg->state_dir);  /* a clean stop */
	daemon_free(d);
	log_info("bye");
	return 0;
}
