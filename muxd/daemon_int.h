/*
 * daemon_int.h — what the composition root's files share: the daemon's
 * state and the steps each file offers the others.
 *
 *   daemon.c     the event loop, signals, start and shutdown
 *   neighbors.c  the views it runs: upstreams (each with the instance in
 *                front of it) and plain peers (views with no instance)
 *   listeners.c  the BGP listening sockets and where connections go
 *   reload.c     SIGHUP
 *   host.c       the store, the session history and the API's view of
 *                the daemon (web/api.h's api_host)
 *   dump_routes.c  the document routes.json holds (SIGUSR1)
 *   dp_host.c    the data plane on this host: checks, start, clean-up
 *   dp_kernel.c  the data plane's kernel ops on muxd/kernel
 *   export.c     the sessions between a view host and its instance hosts
 */
#ifndef BGPMUX_DAEMON_INT_H
#define BGPMUX_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "muxd/config/config.h"
#include "muxd/engine/peer.h"

#define MAX_LISTENERS 64
#define NSIGNALS 6

struct event;
struct event_base;
struct dataplane;
struct dp_kernel;
struct knl;
struct listener;
struct view;
struct instance;
struct exports;
struct api_export_link;
struct feed;

/*
 * A neighbor the daemon runs: its view, and for an upstream the instance
 * that re-exports it (NULL when it could not listen). A plain peer is a
 * view with no instance: the API, the monitors, the live stream, Graceful
 * Restart, max_prefixes and route refresh see both the same way.
 */
struct neighbor {
	struct daemon *d;
	struct view *view;
	struct instance *inst;
	struct instance_config icfg;    /* what inst was made from (upstreams) */
	struct neighbor *next;
};

struct daemon {
	struct event_base *base;
	struct config *cfg;
	const char *config_path;
	struct neighbor *upstreams;     /* views with their instances */
	struct neighbor *peers;         /* plain peers: views with no instance */
	unsigned views_alive;           /* views and instances not yet freed */
	struct listener *listeners[MAX_LISTENERS];
	size_t nlisteners;
	struct event *signals[NSIGNALS];
	struct event *grace_ev;
	struct monitors *mon;           /* MRT, BMP: feed subscribers of every view */
	bool stopping;
	char hostname[64];
	struct store *store;            /* STATE_DIR/bgpmux.db; NULL if it cannot open */
	struct opstore_events *events;  /* session history, batched */
	struct api *api;
	struct gateway *gw;             /* client routes, to the upstreams */
	struct stream *stream;          /* the live stream, on the API's listener */
	struct route_dump *dump;        /* routes.json (SIGUSR1) */
	/* the data plane, with a "dataplane" key only (else all NULL) */
	struct dataplane *dp;
	struct dp_kernel *dpk;          /* its kernel ops' state */
	struct event *dp_sweep_ev;      /* after a takeover: the routes not wanted go */
	struct knl *knl;                /* its netlink socket */
	struct upgrade *upgrade;        /* SIGUSR2: muxd/upgrade.h */
	uint32_t generation;            /* 1 at a cold start, +1 per upgrade */
	time_t upgraded_at;             /* when the last upgrade began; 0: none */
	bool handed_over;               /* an upgrade took over: exit quietly */
	/* Graceful Restart as the restarting speaker: what the upstream
	 * sessions' capability says (neighbors.c, daemon_gr_start) */
	struct gr_speaker gr;
	/* The previous run on state_dir did not stop cleanly (restart_mark.h):
	 * export sessions set R whether or not "graceful_restart" is set. */
	bool restarted;
	/* What the process before handed over, while the views and clients
	 * start (muxd/upgrade_sessions.h); NULL after, and at a cold start. */
	struct upgrade_takeover *takeover;
	/* "export" or "view_host": the sessions between the machines of a
	 * split gateway (export.c); NULL on a single machine */
	struct exports *exports;
};

/* daemon.c */
/* Once shutting down and every view and instance is freed: leave the loop. */
void daemon_maybe_exit(struct daemon *d);
/* The live stream on the API's listener, once the API listens. */
void daemon_attach_stream(struct daemon *d);
/* SIGUSR2, POST /api/v1/upgrade: false with why when it cannot begin. */
bool daemon_upgrade(struct daemon *d, char *why, size_t why_len);

/* neighbors.c */
struct peer_local daemon_local(struct daemon *d, const struct config *cfg);
/* At start: takes the restart mark (restart_mark.h) and sets d->gr. */
/* takeover: an upgrade in place, not a restart (muxd.running is the old
 * process's, still running). */
void daemon_gr_start(struct daemon *d, bool takeover);
/* d->gr after cfg (start, reload): for the sessions that open next. */
void daemon_gr_configure(struct daemon *d, const struct config *cfg);
void upstream_add(struct daemon *d, const struct upstream_config *uc,
    const struct config *cfg);
/* The instance of an upstream of cfg, with its clients; NULL (logged) if
 * it cannot listen. */
struct instance *upstream_instance(struct daemon *d, struct view *v,
    const struct upstream_config *uc, const struct config *cfg);
/* Close n's instance (if any) and view with Cease / subcode; n itself
 * stays for the caller to unlink and free. */
void neighbor_stop(struct neighbor *n, uint8_t subcode);
void instance_stop(struct daemon *d, struct instance *inst, uint8_t subcode);
/* Plain peers of the configuration not running yet: added and started. */
void daemon_start_peers(struct daemon *d);
void daemon_start_upstreams(struct daemon *d);
/* Every neighbor closes with Cease / subcode and is unlinked. */
void daemon_stop_neighbors(struct daemon *d, uint8_t subcode);

/* listeners.c */
void daemon_listen(struct daemon *d);
void daemon_unlisten(struct daemon *d);

/* reload.c */
void daemon_reload(struct daemon *d);

/* host.c */
void daemon_open_store(struct daemon *d);
void daemon_close_store(struct daemon *d);

/* dp_host.c: nothing without a "dataplane" key */
/* Checks the host, cleans what a previous run left, installs the data
 * plane; false (logged, naming the JSON path) when muxd must not start:
 * nothing of it is then left in the kernel. With d->takeover (an upgrade
 * in place) it adopts what the old muxd left instead of cleaning it, and
 * sweeps the routes it does not want once settled; false then leaves the
 * kernel state to the old muxd. */
bool daemon_dataplane_start(struct daemon *d);
/* Once the upstreams run: inbound routes follow the gateway. */
void daemon_dataplane_attach(struct daemon *d);
/* A reload: the instances' identities follow next (before the upstreams
 * change, so a new upstream's feed finds its table). */
void daemon_dataplane_reload(struct daemon *d, const struct config *next);
/* Frees the data plane and removes every route, rule and link of muxd's
 * (but after a handover, or in a takeover that failed: they stay). */
void daemon_dataplane_stop(struct daemon *d);

/* export.c: nothing on a single machine (neither "export" nor "view_host") */
/* A view host listens on export.listen and takes its instance hosts'
 * sessions; an instance host connects to its view host. */
void daemon_export_start(struct daemon *d);
/* Every session closes with Cease / subcode, the listener with them. */
void daemon_export_stop(struct daemon *d, uint8_t subcode);
void daemon_export_free(struct daemon *d);
/* Hosts added, removed or changed follow next; a change of role or of
 * export.listen is refused (logged, the running one copied into next). */
void daemon_export_reload(struct daemon *d, struct config *next);
/* A view host's upstream view added (cfg: the configuration it runs
 * with, at a reload the next one) or going: its export sessions send it,
 * or stop sending it. */
void daemon_export_view_added(struct daemon *d, const struct neighbor *n,
    const struct config *cfg);
void daemon_export_view_gone(struct daemon *d, const struct feed *f);
/* Its upstream's id changed at a reload: every export session withdraws
 * the view under the old distinguisher and sends it under asn:id. */
void daemon_export_view_id(struct daemon *d, const struct neighbor *n, uint32_t asn,
    uint16_t id);
/* The sessions for GET /api/v1/export, at most max. */
size_t daemon_export_links(const struct daemon *d, struct api_export_link *out,
    size_t max);

/* dump_routes.c: route_dump_write_fn (muxd/route_dump.h) */
bool daemon_write_routes(FILE *f, void *arg, size_t *routes);

#endif
