/*
 * http_util.c — route table, query checks and replies over evhttp.
 *
 * Whatever a request holds, the answer is a well-formed status: the path
 * and captures are decoded into UTF-8 (octets that are not become
 * U+FFFD), error messages are repaired the same way before they become
 * JSON, and an answer that cannot be rendered is a plain 500 — never an
 * exit.
 */
#include "web/http_util.h"

#include <sys/queue.h>
#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/untrusted.h"
#include "web/untrusted_json.h"

#define MAX_SEGMENTS 32

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

/* Splits "/a/b/c" into segments (in place in buf). */
static size_t split(char *buf, char **seg)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(buf, "/", &save); t && n < MAX_SEGMENTS;
	    t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	return n;
}

/* s URL-decoded and made UTF-8 (malloc'ed); NULL with *why when it holds
 * an encoded NUL (%00) or memory ran out. */
static char *decode_why(const char *s, const char **why)
{
	size_t n = 0;
	char *d = evhttp_uridecode(s, 0, &n), *utf8;

	*why = "out of memory";
	if (d == NULL)
		return NULL;
	if (strlen(d) != n) {
		*why = "it holds an encoded NUL octet (%00)";
		free(d);
		return NULL;
	}
	utf8 = untrusted_utf8(d);
	free(d);
	return utf8;
}

static char *decode(const char *s)
{
	const char *why;
	return decode_why(s, &why);
}

/* Segments [from, to) joined with '/', decoded. */
static char *join(char **seg, size_t from, size_t to)
{
	size_t len = 1;
	for (size_t i = from; i < to; i++)
		len += strlen(seg[i]) + 1;
	char *raw = calloc(1, len);
	if (raw == NULL)
		return NULL;
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strcat(raw, "/");
		strcat(raw, seg[i]);
	}
	char *d = decode(raw);
	free(raw);
	return d;
}

static bool segments_match(char **pat, char **seg, size_t n, char **cap, size_t *ncap)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pat[i], "{}") == 0) {
			if (*ncap == HTTP_MAX_CAPTURES || (cap[*ncap] = decode(seg[i])) == NULL)
				return false;
			(*ncap)++;
		} else if (strcmp(pat[i], seg[i]) != 0) {
			return false;
		}
	}
	return true;
}

static void captures_free(char **cap, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cap[i]);
}

bool http_match(const char *pattern, const char *path, char **cap, size_t *ncap)
{
	char pbuf[512], sbuf[2048];
	char *pat[MAX_SEGMENTS], *seg[MAX_SEGMENTS];
	size_t np, ns, star = MAX_SEGMENTS;

	*ncap = 0;
	if (strlen(pattern) >= sizeof pbuf || strlen(path) >= sizeof sbuf)
		return false;
	strcpy(pbuf, pattern);
	strcpy(sbuf, path);
	np = split(pbuf, pat);
	ns = split(sbuf, seg);
	for (size_t i = 0; i < np; i++)
		if (strcmp(pat[i], "{*}") == 0)
			star = i;
	if (star == MAX_SEGMENTS) {
		if (np == ns && segments_match(pat, seg, np, cap, ncap))
			return true;
		captures_free(cap, *ncap);
		*ncap = 0;
		return false;
	}
	size_t tail = np - star - 1;
	if (ns < np || !segments_match(pat, seg, star, cap, ncap) || *ncap == HTTP_MAX_CAPTURES)
		goto no;
	size_t at = (*ncap)++;
	cap[at] = NULL;
	if (!segments_match(pat + star + 1, seg + ns - tail, tail, cap, ncap))
		goto no;
	if ((cap[at] = join(seg, star, ns - tail)) == NULL)
		goto no;
	return true;
no:
	captures_free(cap, *ncap);
	*ncap = 0;
	return false;
}

/* 400 for a query key not in allowed, or given twice. */
static bool query_ok(struct http_req *r, const char *const *allowed)
{
	struct evkeyval *kv, *kv2;

	TAILQ_FOREACH(kv, &r->query, next) {
		bool known = false;
		for (size_t i = 0; allowed && allowed[i]; i++)
			known |= strcmp(allowed[i], kv->key) == 0;
		if (!known) {
			http_reply_error(r, 400, kv->key, "unknown query parameter \"%s\" for %s %s",
			    kv->key, r->method_name, r->path);
			return false;
		}
		for (kv2 = TAILQ_NEXT(kv, next); kv2; kv2 = TAILQ_NEXT(kv2, next)) {
			if (strcmp(kv2->key, kv->key) == 0) {
				http_reply_error(r, 400, kv->key, "query parameter \"%s\" "
				    "given twice", kv->key);
				return false;
			}
		}
	}
	return true;
}

/* False when the path cannot be decoded (why says why). */
static bool req_init(struct http_req *r, struct evhttp_request *req, const char **why)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	char *host = NULL;
	ev_uint16_t port = 0;

	memset(r, 0, sizeof *r);
	r->req = req;
	r->method = evhttp_request_get_command(req);
	r->method_name = method_name(r->method);
	r->path = decode_why(path && path[0] ? path : "/", why);
	TAILQ_INIT(&r->query);
	if (q && evhttp_parse_query_str(q, &r->query) < 0)
		TAILQ_INIT(&r->query);
	if (conn)
		evhttp_connection_get_peer(conn, &host, &port);
	snprintf(r->peer, sizeof r->peer, "%s", host ? host : "?");
	return r->path != NULL;
}

static void req_release(struct http_req *r)
{
	captures_free(r->captures, r->ncaptures);
	evhttp_clear_headers(&r->query);
	free(r->path);
}

void http_dispatch(struct evhttp_request *req, const struct http_route *routes,
    size_t n, void *arg)
{
	struct http_req r;
	const char *raw = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	bool path_known = false;
	const char *why;

	if (!req_init(&r, req, &why)) {
		http_reply_error(&r, 400, NULL, "the path cannot be decoded: %s", why);
		req_release(&r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *cap[HTTP_MAX_CAPTURES];
		size_t ncap;
		if (!http_match(routes[i].pattern, raw && raw[0] ? raw : "/", cap, &ncap))
			continue;
		path_known = true;
		if (routes[i].method != r.method) {
			captures_free(cap, ncap);
			continue;
		}
		memcpy(r.captures, cap, sizeof cap);
		r.ncaptures = ncap;
		if (query_ok(&r, routes[i].query_keys))
			routes[i].handler(&r, arg);
		req_release(&r);
		return;
	}
	if (path_known)
		http_reply_error(&r, 405, NULL, "%s is not allowed on %s", r.method_name, r.path);
	else
		http_reply_error(&r, 404, NULL, "no such endpoint: %s (see /api/v1/openapi.json)",
		    r.path);
	req_release(&r);
}

void http_reply_text(struct http_req *r, int status, const char *content_type,
    const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

	if (b)
		evbuffer_add(b, body, len);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(r->req, status, NULL, b);
	if (b)
		evbuffer_free(b);
}

void http_reply_json(struct http_req *r, int status, json_t *json)
{
	static const char failed[] = "{\"error\":\"muxd could not render this answer "
	    "(see its log)\",\"field\":null}";
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;

	json_decref(json);
	if (text == NULL) {
		log_warnx("api: %s %s from %s: the %d answer could not be rendered (out "
		    "of memory?): answering 500 instead", r->method_name ? r->method_name : "?",
		    r->path ? r->path : "?", r->peer, status);
		http_reply_text(r, 500, "application/json", failed, sizeof failed - 1);
		return;
	}
	http_reply_text(r, status, "application/json", text, strlen(text));
	free(text);
}

void http_reply_error(struct http_req *r, int status, const char *field,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* msg and field may hold anything a request sent */
	http_reply_json(r, status, json_pack("{s:o, s:o}", "error", untrusted_json(msg),
	    "field", field ? untrusted_json(field) : json_null()));
}

void http_send_error(struct evhttp_request *req, int status, const char *msg)
{
	struct http_req r = { .req = req, .method_name = "?", .peer = "?" };

	http_reply_error(&r, status, NULL, "%s", msg);
}

const char *http_query(struct http_req *r, const char *key)
{
	return evhttp_find_header(&r->query, key);
}

char *http_body(struct http_req *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t n = evbuffer_get_length(in);
	char *body;

	*len = n;
	if (n == 0)
		return NULL;
	body = xmalloc(n + 1);
	evbuffer_copyout(in, body, n);
	body[n] = 0;
	return body;
}
