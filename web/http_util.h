/*
 * http_util.h — what every HTTP handler of muxd shares: a route table
 * {method, path pattern, handler, allowed query keys}, JSON and error
 * replies, query parsing.
 *
 * A request is matched against the table; a path that matches with
 * another method gets 405, no match 404, an unknown or repeated query
 * key 400 — all before any handler runs. Each handler sends exactly one
 * reply.
 *
 * Patterns: "/api/v1/views/{}" — {} is one path segment; "{*}" (at most
 * one) is one or more segments, for ids that contain '/'. The path and
 * captures are URL-decoded into UTF-8 (invalid octets become U+FFFD); a
 * path with %00 gets 400. Query values are decoded but not repaired:
 * handlers put them only in http_reply_error, which repairs.
 */
#ifndef BGPMUX_HTTP_UTIL_H
#define BGPMUX_HTTP_UTIL_H

#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>

#define HTTP_MAX_CAPTURES 4

struct http_req {
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	const char *method_name;
	char *path;                             /* decoded */
	char *captures[HTTP_MAX_CAPTURES];
	size_t ncaptures;
	struct evkeyvalq query;
	char peer[64];                          /* client address */
};

typedef void (*http_handler)(struct http_req *r, void *arg);

struct http_route {
	enum evhttp_cmd_type method;
	const char *pattern;
	http_handler handler;
	const char *const *query_keys;          /* NULL: none allowed */
};

/* Matches r's path against the table and runs the handler (or answers
 * 404/405/400). */
void http_dispatch(struct evhttp_request *req, const struct http_route *routes,
    size_t n, void *arg);

/* Replies: json is consumed. */
void http_reply_json(struct http_req *r, int status, json_t *json);
void http_reply_text(struct http_req *r, int status, const char *content_type,
    const char *body, size_t len);
/* {"error": message, "field": field or null}. */
void http_reply_error(struct http_req *r, int status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* {"error": msg, "field": null} to a request outside any route table (the
 * live stream's): msg may hold untrusted text. */
void http_send_error(struct evhttp_request *req, int status, const char *msg);

/* A query value, or NULL. */
const char *http_query(struct http_req *r, const char *key);
/* The body (NUL-terminated, malloc'ed; caller frees); NULL when empty. */
char *http_body(struct http_req *r, size_t *len);

/* One path pattern against a path (for tests): captures malloc'ed. */
bool http_match(const char *pattern, const char *path, char **captures, size_t *ncaptures);

#endif
