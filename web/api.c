/*
 * api.c — the API server: its route table, authorization, and the read
 * endpoints for status, views, instances and events.
 */
#include "web/api_int.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances/instance.h"
#include "muxd/engine/accept_guard.h"
#include "muxd/rib/adjrib.h"
#include "muxd/engine/listener.h"
#include "muxd/lib/log.h"
#include "muxd/engine/peer.h"
#include "muxd/lib/version.h"
#include "views/view.h"
#include "web/assets.h"
#include "web/dataplane_json.h"
#include "web/instance_json.h"
#include "web/session_json.h"
#include "web/view_json.h"

#define MAX_BODY (64 * 1024)
#define MAX_HEADERS (16 * 1024)
#define HTTP_TIMEOUT_SECS 30
#define EVENTS_DEFAULT 100
#define EVENTS_MAX 1000

/* Updates per second of a view over the last minute (0 until known), and
 * the per-interval history (oldest first) as JSON. */
static double api_view_rate(const struct api *a, const char *view);
static json_t *api_view_rate_history(const struct api *a, const char *view);

/* ---- authorization and audit ---------------------------------------------- */

/* The token file's first line, without its end of line; NULL on failure. */
static char *read_token(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		log_warnx("api: cannot read api.token_file %s: %s: writes are refused "
		    "until it is readable", path, strerror(errno));
		return NULL;
	}
	bool ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	if (!ok)
		return NULL;
	line[strcspn(line, "\r\n")] = 0;
	return line[0] ? xstrdup(line) : NULL;
}

/* Constant time: the comparison takes as long whatever matches. */
static bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return d == 0;
}

void api_audit(struct api *a, struct http_req *r, const char *who, const char *body,
    int result)
{
	struct audit_entry e = { who, r->method_name, r->path, body, result };

	if (a->st)
		opstore_audit(a->st, &e);
}

bool api_authorized(struct api *a, struct http_req *r, char *who, size_t who_len)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Authorization");
	char *token;

	if (a->token_file == NULL) {
		api_refused(a->refusals, r->peer, API_REFUSED_READ_ONLY);
		http_reply_error(r, 403, NULL, "the API is read-only: muxd's configuration "
		    "has no api.token_file");
		return false;
	}
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0) {
		api_refused(a->refusals, r->peer, API_REFUSED_NO_TOKEN);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "WWW-Authenticate", "Bearer realm=\"bgpmux\"");
		http_reply_error(r, 401, NULL, "writes need the header \"Authorization: "
		    "Bearer TOKEN\" (TOKEN: the first line of api.token_file)");
		return false;
	}
	token = read_token(a->token_file);
	if (token == NULL || !token_equal(h + 7, token)) {
		api_refused(a->refusals, r->peer, API_REFUSED_WRONG_TOKEN);
		http_reply_error(r, 403, NULL, "wrong token: it must equal the first line "
		    "of %s", a->token_file);
		free(token);
		return false;
	}
	free(token);
	snprintf(who, who_len, "token %s", r->peer);
	return true;
}

/* ---- status --------------------------------------------------------------- */

static int count_state(const struct api_session *s, void *arg)
{
	json_t *by = arg;
	const char *st = s->session ? fsm_state_name(session_state(s->session)) : "Idle";
	json_int_t n = json_integer_value(json_object_get(by, st));
	json_object_set_new(by, st, json_integer(n + 1));
	return 0;
}

static void get_status(struct http_req *r, void *arg)
{
	struct api *a = arg;
	const struct config *cfg = a->host.config(a->host.arg);
	struct instance *insts[API_MAX_OBJECTS];
	char rid[32];
	json_t *by = json_object();

	api_each_session(a, count_state, by);
	snprintf(rid, sizeof rid, "%u.%u.%u.%u", cfg->router_id >> 24,
	    (cfg->router_id >> 16) & 255, (cfg->router_id >> 8) & 255, cfg->router_id & 255);
	json_t *st = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
	    "s:b, s:b, s:s}",
	    "asn", (json_int_t)cfg->asn, "router_id", rid,
	    "uptime", (json_int_t)(time(NULL) - a->started),
	    "peers", (json_int_t)api_views(a, VIEW_PEER, NULL, 0),
	    "views", (json_int_t)api_views(a, VIEW_UPSTREAM, NULL, 0),
	    "instances", (json_int_t)a->host.instances(a->host.arg, insts, API_MAX_OBJECTS),
	    "clients", (json_int_t)cfg->client_count,
	    "clients_provisioned", (json_int_t)a->prov.n,
	    "sessions", by,
	    "writable", a->token_file != NULL && a->st != NULL,
	    "store", a->st != NULL,
	    "version", bgpmux_version);
	api_status_process(a, st);
	api_status_role(a, st);
	http_reply_json(r, 200, st);
}

/* ---- views ----------------------------------------------------------------- */

size_t api_views(struct api *a, enum view_role role, struct view **out, size_t max)
{
	struct view *all[API_MAX_OBJECTS];
	size_t n = a->host.views(a->host.arg, all, API_MAX_OBJECTS), k = 0;

	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++) {
		if (view_role(all[i]) != role)
			continue;
		if (k < max)
			out[k] = all[i];
		k++;
	}
	return k;
}

struct view *api_find_view(struct api *a, const char *name)
{
	struct view *views[API_MAX_OBJECTS];
	size_t n = api_views(a, VIEW_UPSTREAM, views, API_MAX_OBJECTS);

	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		if (strcmp(view_name(views[i]), name) == 0)
			return views[i];
	return NULL;
}

/* view_to_json, plus counts per family, counters and the update rate. */
static json_t *view_json(struct api *a, struct view *v)
{
	const struct view_stats *st = view_stats(v);
	struct feed *f = view_feed(v);
	json_t *j = view_to_json(v);

	json_object_set_new(j, "paths", json_pack("{s:I, s:I}",
	    "ipv4", (json_int_t)feed_route_count(f, BGP_AFI_IPV4),
	    "ipv6", (json_int_t)feed_route_count(f, BGP_AFI_IPV6)));
	json_object_set_new(j, "updates", json_integer((json_int_t)st->updates));
	json_object_set_new(j, "announced", json_integer((json_int_t)st->announced));
	json_object_set_new(j, "withdrawn", json_integer((json_int_t)st->withdrawn));
	json_object_set_new(j, "sessions", json_integer((json_int_t)st->sessions));
	json_object_set_new(j, "update_rate", json_real(api_view_rate(a, view_name(v))));
	return j;
}

static void get_views(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct view *views[API_MAX_OBJECTS];
	size_t n = api_views(a, VIEW_UPSTREAM, views, API_MAX_OBJECTS);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		json_array_append_new(arr, view_json(a, views[i]));
	http_reply_json(r, 200, arr);
}

static void get_view(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct view *v = api_find_view(a, r->captures[0]);

	if (v == NULL) {
		http_reply_error(r, 404, NULL, "no view is named \"%s\" (GET /api/v1/views "
		    "lists them)", r->captures[0]);
		return;
	}
	json_t *j = view_json(a, v);
	json_object_set_new(j, "rate_history", api_view_rate_history(a, view_name(v)));
	json_object_set_new(j, "rate_interval", json_integer(API_RATE_SECS));
	http_reply_json(r, 200, j);
}

/* ---- instances, events, OpenAPI ------------------------------------------------ */

static void get_instances(struct http_req *r, void *arg)
{
	struct api *a = arg;
	struct instance *insts[API_MAX_OBJECTS];
	size_t n = a->host.instances(a->host.arg, insts, API_MAX_OBJECTS);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++)
		json_array_append_new(arr, instance_to_json(insts[i]));
	http_reply_json(r, 200, arr);
}

static void get_dataplane(struct http_req *r, void *arg)
{
	struct api *a = arg;
	http_reply_json(r, 200, dataplane_to_json(a->dp, a->host.config(a->host.arg)));
}

void api_set_dataplane(struct api *a, struct dataplane *dp)
{
	a->dp = dp;
}

long long api_query_int(struct http_req *r, const char *key, long long def,
    long long min, long long max)
{
	const char *s = http_query(r, key);
	char *end;

	if (s == NULL)
		return def;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s == 0 || *end || errno || v < min || v > max) {
		http_reply_error(r, 400, key, "%s=%s: expected an integer %lld..%lld", key, s,
		    min, max);
		return -1;
	}
	return v;
}

static void get_events(struct http_req *r, void *arg)
{
	struct api *a = arg;
	long long limit, before;

	if ((limit = api_query_int(r, "limit", EVENTS_DEFAULT, 1, EVENTS_MAX)) < 0 ||
	    (before = api_query_int(r, "before", 0, 0, INT64_MAX)) < 0)
		return;
	if (a->st == NULL) {
		http_reply_error(r, 503, NULL, "no store: muxd could not open bgpmux.db "
		    "(see its log)");
		return;
	}
	if (a->events)
		opstore_events_flush(a->events);
	http_reply_json(r, 200, opstore_events_json(a->st, before, (unsigned)limit));
}

static void get_audit(struct http_req *r, void *arg)
{
	struct api *a = arg;
	long long limit = api_query_int(r, "limit", EVENTS_DEFAULT, 1, EVENTS_MAX);

	if (limit < 0)
		return;
	if (a->st == NULL) {
		http_reply_error(r, 503, NULL, "no store: muxd could not open bgpmux.db");
		return;
	}
	http_reply_json(r, 200, opstore_audit_json(a->st, (unsigned)limit));
}

/* The OpenAPI document and the web UI's files, embedded (web/assets.h). */
static void get_asset(struct http_req *r, void *arg)
{
	const struct web_asset *a = web_asset_find(r->path);
	(void)arg;

	if (a == NULL)
		http_reply_error(r, 404, NULL, "no such file: %s", r->path);
	else
		http_reply_text(r, 200, a->content_type, a->data, a->len);
}

/* ---- the route table --------------------------------------------------------- */

static const char *const q_routes[] = { "prefix", "match", "limit", "after", NULL };
static const char *const q_events[] = { "limit", "before", NULL };
static const char *const q_limit[] = { "limit", NULL };
static const char *const q_page[] = { "limit", "after", NULL };

static const struct http_route api_routes[] = {
	{ EVHTTP_REQ_GET, "/api/v1/status", get_status, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/sessions", api_get_sessions, NULL },
	{ EVHTTP_REQ_POST, "/api/v1/sessions/{*}/reset", api_reset_session, NULL },
	{ EVHTTP_REQ_POST, "/api/v1/upgrade", api_post_upgrade, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/views", get_views, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/views/{}", get_view, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/views/{}/routes", api_get_routes, q_routes },
	{ EVHTTP_REQ_GET, "/api/v1/instances", get_instances, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/dataplane", get_dataplane, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/export", api_get_export, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/clients", api_get_clients, q_page },
	{ EVHTTP_REQ_POST, "/api/v1/clients", api_post_client, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/clients/{}", api_get_client, NULL },
	{ EVHTTP_REQ_DELETE, "/api/v1/clients/{}", api_delete_client, NULL },
	{ EVHTTP_REQ_GET, "/api/v1/events", get_events, q_events },
	{ EVHTTP_REQ_GET, "/api/v1/audit", get_audit, q_limit },
	{ EVHTTP_REQ_GET, "/api/v1/openapi.json", get_asset, NULL },
	{ EVHTTP_REQ_GET, "/metrics", api_get_metrics, NULL },
	{ EVHTTP_REQ_GET, "/", get_asset, NULL },
	{ EVHTTP_REQ_GET, "/ui/{}", get_asset, NULL },
};

static void request_cb(struct evhttp_request *req, void *arg)
{
	http_dispatch(req, api_routes, sizeof api_routes / sizeof api_routes[0], arg);
}

/* ---- update rates ---------------------------------------------------------- */

static struct view_rate *rate_of(struct api *a, const char *name, bool create)
{
	for (size_t i = 0; i < a->nrates; i++)
		if (strcmp(a->rates[i].name, name) == 0)
			return &a->rates[i];
	if (!create || a->nrates == API_MAX_VIEWS)
		return NULL;
	struct view_rate *vr = &a->rates[a->nrates++];
	memset(vr, 0, sizeof *vr);
	snprintf(vr->name, sizeof vr->name, "%s", name);
	return vr;
}

static void rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api *a = arg;
	struct view *views[API_MAX_OBJECTS];
	size_t n = api_views(a, VIEW_UPSTREAM, views, API_MAX_OBJECTS);
	(void)fd;
	(void)what;

	for (size_t i = 0; i < n && i < API_MAX_OBJECTS; i++) {
		struct view_rate *vr = rate_of(a, view_name(views[i]), true);
		if (vr == NULL)
			continue;
		vr->samples[vr->head] = view_stats(views[i])->updates;
		vr->head = (vr->head + 1) % API_RATE_SAMPLES;
		if (vr->n < API_RATE_SAMPLES)
			vr->n++;
	}
}

/* The i-th newest sample (0: the newest). */
static uint64_t sample(const struct view_rate *vr, size_t i)
{
	return vr->samples[(vr->head + API_RATE_SAMPLES - 1 - i) % API_RATE_SAMPLES];
}

static double api_view_rate(const struct api *a, const char *view)
{
	const struct view_rate *vr = rate_of((struct api *)a, view, false);
	size_t back = 60 / API_RATE_SECS;

	if (vr == NULL || vr->n < 2)
		return 0;
	if (back > vr->n - 1)
		back = vr->n - 1;
	return (double)(sample(vr, 0) - sample(vr, back)) / (double)(back * API_RATE_SECS);
}

static json_t *api_view_rate_history(const struct api *a, const char *view)
{
	const struct view_rate *vr = rate_of((struct api *)a, view, false);
	json_t *arr = json_array();

	for (size_t i = vr && vr->n ? vr->n - 1 : 0; vr && i > 0; i--)
		json_array_append_new(arr, json_real((double)(sample(vr, i - 1) -
		    sample(vr, i)) / API_RATE_SECS));
	return arr;
}

/* ---- life -------------------------------------------------------------------- */

struct api *api_new(struct event_base *base, struct store *st,
    struct opstore_events *events, const struct api_host *host)
{
	struct api *a = xcalloc(1, sizeof *a);
	struct timeval tv = { API_RATE_SECS, 0 };

	a->base = base;
	a->st = st;
	a->events = events;
	a->host = *host;
	a->started = time(NULL);
	a->refusals = api_refusals_new(base);
	a->rate_ev = event_new(base, -1, EV_PERSIST, rate_cb, a);
	evtimer_add(a->rate_ev, &tv);
	api_clients_load(a);
	return a;
}

static bool is_loopback(const struct sockaddr_mux *l)
{
	if (sockaddr_family(l) == AF_INET)
		return (ntohl(l->u.sin.sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&l->u.sin6.sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&l->u.sin6.sin6_addr) &&
	    l->u.sin6.sin6_addr.s6_addr[12] == 127);
}

/* Reads are open to whoever reaches the API: say so when that is more
 * than this host and nothing guards writes either. */
static void warn_exposed(const struct api *a, const struct sockaddr_mux *l,
    const char *addr)
{
	if (a->token_file == NULL && !is_loopback(l))
		log_warnx("api: listening on %s, beyond loopback, without api.token_file: "
		    "anyone who reaches it reads every view, route, session and client "
		    "(writes are refused); set api.token_file, or listen on 127.0.0.1", addr);
}

/* "ADDR:PORT", "[ADDR]:PORT" for IPv6. */
static const char *addr_port_text(const struct sockaddr_mux *l, char *buf, size_t len)
{
	char addr[64];
	bool v6 = sockaddr_family(l) == AF_INET6;

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", sockaddr_ntop(l, addr, sizeof addr),
	    v6 ? "]" : "", sockaddr_port(l));
	return buf;
}

/* The API takes at most a quarter of the process's descriptors (BGP keeps
 * the rest), API_PER_SOURCE connections from one address: a browser opens
 * a few, the live stream one per subscriber. */
#define API_FD_SHARE 4
#define API_PER_SOURCE 64

/* Watches the listening socket fd (bound to l) through an accept guard
 * (muxd/engine/accept_guard.h) that hands connections to the server. */
static bool api_guard(struct api *a, const struct sockaddr_mux *l, int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 21\r\n"
	    "Connection: close\r\n\r\ntoo many connections\n";
	static const struct accept_guard_limits lim = { API_FD_SHARE, API_PER_SOURCE,
	    busy, sizeof busy - 1 };
	char name[96], addr[64];

	addr_port_text(l, a->listen_text, sizeof a->listen_text);
	snprintf(name, sizeof name, "API listener %s port %u", sockaddr_ntop(l, addr,
	    sizeof addr), sockaddr_port(l));
	a->guard = accept_guard_new_http(a->base, fd, name, &lim, a->http,
	    api_deadlines_bev, a->deadlines);
	return a->guard != NULL;
}

/* Listen on l. False with errno. */
static bool api_bind(struct api *a, const struct sockaddr_mux *l)
{
	int fd = listener_socket(l);

	if (fd < 0)
		return false;
	if (!api_guard(a, l, fd)) {
		errno = ENOMEM;
		return false;
	}
	return true;
}

bool api_listen(struct api *a, const struct config *cfg, char *why, size_t why_len)
{
	char addr[64];
	const struct sockaddr_mux *l = &cfg->api.listen;

	sockaddr_ntop(l, addr, sizeof addr);
	a->http = evhttp_new(a->base);
	evhttp_set_max_body_size(a->http, MAX_BODY);
	evhttp_set_max_headers_size(a->http, MAX_HEADERS);
	evhttp_set_timeout(a->http, HTTP_TIMEOUT_SECS);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(a->http, request_cb, a);
	a->deadlines = api_deadlines_new(a->base, a->refusals, cfg->api.header_timeout,
	    cfg->api.body_timeout);
	if (!api_bind(a, l)) {
		snprintf(why, why_len, "cannot listen on %s port %u: %s (set api.listen to a "
		    "free address)", addr, sockaddr_port(l), strerror(errno));
		evhttp_free(a->http);
		api_deadlines_free(a->deadlines);
		a->http = NULL;
		a->deadlines = NULL;
		return false;
	}
	log_info("api: listening on http://%s%s%s:%u/ (%s)", l->u.sa.sa_family == AF_INET6 ?
	    "[" : "", addr, l->u.sa.sa_family == AF_INET6 ? "]" : "", sockaddr_port(l),
	    a->token_file ? "writes need the token" : "read-only: no api.token_file");
	warn_exposed(a, l, addr);
	return true;
}

static void collect_bound(struct evhttp_bound_socket *b, void *arg)
{
	struct evhttp_bound_socket **old = arg;
	for (size_t i = 0; i < API_MAX_BOUND; i++) {
		if (old[i] == NULL) {
			old[i] = b;
			return;
		}
	}
}

/* Binds first, so that a failure leaves the API where it was; then the old
 * guard goes (the server keeps its listener) and the new socket gets one.
 * Connections already open stay. */
bool api_rebind(struct api *a, const struct sockaddr_mux *l, char *why, size_t why_len)
{
	struct evhttp_bound_socket *old[API_MAX_BOUND] = { NULL };
	char was[80], now[80];
	int fd = listener_socket(l);

	snprintf(was, sizeof was, "%s", a->listen_text);
	addr_port_text(l, now, sizeof now);
	if (fd < 0) {
		snprintf(why, why_len, "cannot listen on %s: %s; the API stays on %s", now,
		    strerror(errno), was);
		return false;
	}
	evhttp_foreach_bound_socket(a->http, collect_bound, old);
	accept_guard_free(a->guard);
	a->guard = NULL;
	for (size_t i = 0; i < API_MAX_BOUND && old[i]; i++)
		evhttp_del_accept_socket(a->http, old[i]);
	if (!api_guard(a, l, fd)) {
		snprintf(why, why_len, "out of memory listening on %s: the API no longer "
		    "listens", now);
		return false;
	}
	log_info("reload: api.listen changed: the API (and the live stream) listen on "
	    "http://%s/ now, no longer on %s", now, was);
	warn_exposed(a, l, now);
	return true;
}

void api_free(struct api *a)
{
	if (a == NULL)
		return;
	api_pagers_free(a);
	accept_guard_free(a->guard);    /* before the server it watches */
	if (a->http)
		evhttp_free(a->http);
	api_deadlines_free(a->deadlines);
	event_free(a->rate_ev);
	api_clients_free(a);
	api_refusals_free(a->refusals);
	free(a->token_file);
	free(a);
}

struct evhttp *api_http(const struct api *a)
{
	return a ? a->http : NULL;
}
