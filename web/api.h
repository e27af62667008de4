/*
 * api.h — the HTTP JSON API, /metrics, and the clients provisioned at run
 * time, served by evhttp on the daemon's own event loop.
 *
 * Reads (GET /api/v1/...) are open; writes need "Authorization: Bearer T"
 * where T is the first line of api.token_file (read at each write, so a
 * new token needs no restart); without a token file the API is
 * read-only. Every write attempt goes to the audit log.
 *
 * Provisioned clients live in the store (muxd/store/opstore.h) and in the
 * running configuration next to the file's clients: a POST validates the
 * client as the configuration would, commits it durably, adds it to the
 * configuration and asks the daemon to sync its instances — then answers
 * 201. A client with a lifetime is removed when it expires.
 *
 * The API sees the daemon only through struct api_host: it never owns a
 * view, an instance or a peer.
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): api_free
 * frees it before it returns.
 */
#ifndef BGPMUX_API_H
#define BGPMUX_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "muxd/config/config.h"
#include "muxd/store/opstore.h"
#include "muxd/store/store.h"

struct event_base;
struct view;
struct instance;
struct api;
struct dataplane;
struct evhttp;

struct peer;

/* One session between the machines of a split gateway (GET
 * /api/v1/export): an instance host's on a view host, the view host's on
 * an instance host. */
struct api_export_link {
	const char *name;
	const struct sockaddr_mux *addr;
	const struct peer *peer;        /* NULL while it closes */
	uint64_t established;           /* sessions that reached Established */
	uint64_t eor_sent;              /* End-of-RIB markers sent */
	uint64_t updates_received;
	uint64_t routes_sent;           /* VPN routes announced or withdrawn */
	uint64_t views_sent;            /* views whose whole table went */
	/* Client routes (docs/scaleout.md): on a view host, the instance
	 * host's received and its clients up through the session; on an
	 * instance host, its clients' sent and its clients up. */
	uint64_t client_routes_received;
	uint64_t client_routes_sent;
	uint64_t clients_up;
};

/* What the daemon runs right now. */
struct api_host {
	/* The running configuration (the file's clients and the provisioned
	 * ones); the API adds and removes provisioned clients in it. */
	struct config *(*config)(void *arg);
	/* Every view: the upstreams' and the plain peers' (view_role). */
	size_t (*views)(void *arg, struct view **out, size_t max);
	size_t (*instances)(void *arg, struct instance **out, size_t max);
	/* A client was added to the configuration, or the one of that name
	 * removed: the instances start it, or let it go (Cease / Peer
	 * De-configured), without looking at the other clients. */
	void (*client_added)(void *arg, const struct client_config *cc);
	void (*client_removed)(void *arg, const char *name);
	void *arg;
	/* POST /api/v1/upgrade: begin an upgrade in place (muxd/upgrade.h);
	 * false with why when it cannot begin. NULL: never. */
	bool (*upgrade)(void *arg, char *why, size_t why_len);
	/* The process generation (1 at a cold start, +1 per upgrade) and when
	 * the last upgrade began (0: none), for /api/v1/status. NULL: 1, 0. */
	void (*process)(void *arg, uint32_t *generation, time_t *upgraded_at);
	/* The export sessions, at most max (NULL: none, a single machine). */
	size_t (*export_links)(void *arg, struct api_export_link *out, size_t max);
};

/* st and events may be NULL (no store: writes answer 503). Loads the
 * provisioned clients; host is copied. */
struct api *api_new(struct event_base *base, struct store *st,
    struct opstore_events *events, const struct api_host *host);
/* Listen on cfg->api.listen. False, with why (the daemon runs on). */
bool api_listen(struct api *a, const struct config *cfg, char *why, size_t why_len);
/* Add the provisioned clients to cfg (at start and on reload), skipping
 * (logged) those whose name or address the file's clients now take. Also
 * takes cfg's token file. */
void api_merge_clients(struct api *a, struct config *cfg);
void api_free(struct api *a);
/* The HTTP server once api_listen succeeded (NULL before or without), for
 * other handlers on the same listener (the live stream: web/stream.h). */
struct evhttp *api_http(const struct api *a);

/* The data plane whose status GET /api/v1/dataplane and /metrics show
 * (NULL, the default: none). Borrowed: it outlives the API. */
void api_set_dataplane(struct api *a, struct dataplane *dp);

/* Moves a listening API to l (SIGHUP with a new api.listen). False, with
 * why, when l cannot be bound: the API stays where it was. */
bool api_rebind(struct api *a, const struct sockaddr_mux *l, char *why, size_t why_len);

#endif
