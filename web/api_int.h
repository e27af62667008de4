/*
 * api_int.h — what the API's own files (api*.c, metrics.c) share.
 */
#ifndef BGPMUX_API_INT_H
#define BGPMUX_API_INT_H

#include <time.h>

#include "muxd/lib/nameidx.h"
#include "web/api.h"
#include "web/api_deadline.h"
#include "web/api_pager.h"
#include "web/api_refusals.h"
#include "web/http_util.h"
#include "views/view.h"

struct session;
struct client;

#define API_MAX_OBJECTS 1024            /* views, instances, peers, clients per instance */
#define API_RATE_SAMPLES 360            /* one per 10 s: the last hour */
#define API_RATE_SECS 10
#define API_MAX_VIEWS 64

/* Update counts of one view, sampled every API_RATE_SECS. */
struct view_rate {
	char name[64];
	uint64_t samples[API_RATE_SAMPLES];     /* cumulative updates */
	size_t n, head;                         /* head: next slot */
};

#define API_MAX_BOUND 8                 /* listening sockets of one server */

struct api {
	struct event_base *base;
	struct evhttp *http;
	struct accept_guard *guard;             /* http's listener: api_bind */
	char listen_text[80];                   /* ADDR:PORT guard listens on */
	struct store *st;
	struct opstore_events *events;
	struct api_host host;
	struct dataplane *dp;                   /* NULL: no data plane */
	char *token_file;
	struct api_refusals *refusals;          /* writes without the right token */
	struct api_deadlines *deadlines;        /* per request, once listening */
	/* Provisioned clients by name (struct prov_client *, each malloc'ed),
	 * and the configuration file's by name (index + 1 in the running
	 * configuration's clients, where they come first; names owned). */
	struct nameidx prov, files;
	struct event *expire_ev, *rate_ev;
	int64_t expire_at;                      /* expire_ev's time; 0: not armed */
	struct api_pager *pagers;               /* long answers being written, */
	struct event *pager_ev;                 /* taking turns (api_pager.h) */
	struct view_rate rates[API_MAX_VIEWS];
	size_t nrates;
	time_t started;
};

/* One session of one peer, as the API names it. */
struct api_session {
	char id[200];           /* "isp-a/1", "isp-a/vnet-1/1", "peer-name/1" */
	const char *kind;       /* "upstream", "client", "peer" (a plain peer's view) */
	const char *name;       /* the view's or the client's name */
	const char *instance;   /* clients: the instance's name; else NULL */
	struct peer *peer;
	struct session *session; /* NULL: the peer has none right now */
	unsigned index;         /* 1.. */
	struct client *client;  /* clients only */
};

/* An instance's clients, however many (instance_clients, malloc'ed). */
struct inst_clients {
	struct instance *inst;
	struct client **cl;
	size_t n;
};

/* Calls cb for every session of every peer (one with session NULL for a
 * peer without any); a non-zero return stops and is returned. */
int api_each_session(struct api *a, int (*cb)(const struct api_session *s, void *arg),
    void *arg);

/* Handlers in api_clients.c, api_sessions.c, metrics.c. */
void api_get_clients(struct http_req *r, void *arg);
void api_get_client(struct http_req *r, void *arg);
void api_post_client(struct http_req *r, void *arg);
void api_delete_client(struct http_req *r, void *arg);
void api_get_sessions(struct http_req *r, void *arg);
void api_reset_session(struct http_req *r, void *arg);
/* api_upgrade.c: POST /api/v1/upgrade; the process's fields of the status */
void api_post_upgrade(struct http_req *r, void *arg);
void api_status_process(struct api *a, json_t *status);
/* api_export.c: GET /api/v1/export; the role (and an instance host's view
 * host session) in /api/v1/status; "single", "view-host" or
 * "instance-host". */
void api_get_export(struct http_req *r, void *arg);
void api_status_role(struct api *a, json_t *status);
const char *api_role(const struct config *c);
void api_get_metrics(struct http_req *r, void *arg);
void api_get_routes(struct http_req *r, void *arg);
/* The views of that role (the API's "views" are the upstreams'; plain
 * peers are listed as peers), in the daemon's order: how many there are,
 * the first max of them in out. */
size_t api_views(struct api *a, enum view_role role, struct view **out, size_t max);
/* The upstream's view of that name, or NULL. */
struct view *api_find_view(struct api *a, const char *name);

/* Write access: true when r carries the right token; otherwise it has
 * answered 401/403 and counted the refusal (api_refusals.h: never an audit
 * row). who gets "token <addr>". */
bool api_authorized(struct api *a, struct http_req *r, char *who, size_t who_len);
/* Audit a write that failed before reaching the store. */
void api_audit(struct api *a, struct http_req *r, const char *who, const char *body,
    int result);

/* A query integer in [min, max]; def when absent; -1 (answered 400) if bad. */
long long api_query_int(struct http_req *r, const char *key, long long def,
    long long min, long long max);

/* Provisioned clients: load from the store, expiry timer. */
void api_clients_load(struct api *a);
void api_clients_free(struct api *a);
/* The running client of that name (the file's, or a provisioned one that
 * started: *pc set), or NULL. */
const struct client_config *api_client_config(const struct api *a, const char *name,
    const struct prov_client **pc);
/* A client's configuration (no password), where it comes from (pc: the
 * API), and its session at each of its instances. */
json_t *api_client_json(struct api *a, const struct client_config *cc,
    const struct prov_client *pc);

#endif
