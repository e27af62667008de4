/*
 * stream_http.c — the live stream's endpoints: a WebSocket upgrade on
 * /v1/ws/, Server-Sent Events or NDJSON on /v1/stream/ (the query string
 * is the subscription); each takes the HTTP connection over as a
 * subscriber (web/stream_sub.c).
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "web/http_util.h"
#include "web/stream_int.h"

static const char *header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

/* Whether a comma-separated header value holds token (any case). */
static bool header_has(const char *value, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = value; p && *p; ) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

static const char *query_get(struct evhttp_request *req, const char *key,
    struct evkeyvalq *q)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(q);
	if (query && evhttp_parse_query_str(query, q) != 0)
		return NULL;
	return evhttp_find_header(q, key);
}

/* ?client= names the subscriber in the log: a client name (config.h), or
 * 400. */
static bool client_param_ok(struct evhttp_request *req, const char *client)
{
	char why[200], msg[220];

	if (client == NULL || client_name_ok(client, CLIENT_NAME_MAX, why, sizeof why))
		return true;
	snprintf(msg, sizeof msg, "client: %s", why);
	http_send_error(req, 400, msg);
	return false;
}

static void ws_handler(struct evhttp_request *req, void *arg)
{
	struct stream *st = arg;
	char accept[WS_ACCEPT_LEN + 1];
	struct evkeyvalq q;
	const char *version = header(req, "Sec-WebSocket-Version");

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    !header_has(header(req, "Upgrade"), "websocket") ||
	    !header_has(header(req, "Connection"), "upgrade")) {
		evhttp_send_error(req, 400, "a WebSocket upgrade (GET with Upgrade: "
		    "websocket) is expected here");
		return;
	}
	if (version == NULL || strcmp(version, "13") != 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Sec-WebSocket-Version", "13");
		evhttp_send_error(req, 426, "WebSocket version 13 is required");
		return;
	}
	if (!ws_accept_key(header(req, "Sec-WebSocket-Key"), accept)) {
		evhttp_send_error(req, 400, "Sec-WebSocket-Key must be 16 bytes in base64");
		return;
	}
	const char *client = query_get(req, "client", &q);
	if (!client_param_ok(req, client)) {
		evhttp_clear_headers(&q);
		return;
	}
	struct subscriber *c = sub_adopt(st, req, SUB_WS, client);
	evhttp_clear_headers(&q);
	if (c == NULL) {
		evhttp_send_error(req, 503, "too many stream subscribers: try again later");
		return;
	}
	char head[160];
	int n = snprintf(head, sizeof head, "HTTP/1.1 101 Switching "
	    "Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	sub_write_raw(c, head, (size_t)n);
	/* a frame may have come with the request; ws_read sends the 101 too */
	sub_ws_read(c);
}

/* The query string as a ris_subscribe "data" object: prefix may repeat
 * or hold a comma-separated list; booleans are "true"/"false". */
static json_t *query_subscription(struct evkeyvalq *q, const char **format,
    const char **client, char *err, size_t errlen)
{
	json_t *data = json_object(), *opts = json_object();
	json_t *prefixes = json_array();

	for (struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
		const char *k = kv->key, *v = kv->value;
		if (strcmp(k, "format") == 0) {
			*format = v;
		} else if (strcmp(k, "client") == 0) {
			*client = v;
		} else if (strcmp(k, "prefix") == 0) {
			char *dup = strdup(v), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
				json_array_append_new(prefixes, json_string(t));
			free(dup);
		} else if (!strcmp(k, "moreSpecific") || !strcmp(k, "lessSpecific")) {
			json_object_set_new(data, k, json_boolean(strcmp(v, "true") == 0));
		} else if (!strcmp(k, "includeRaw")) {
			json_object_set_new(opts, k, json_boolean(strcmp(v, "true") == 0));
		} else {
			json_object_set_new(data, k, json_string(v));
		}
	}
	if (json_array_size(prefixes))
		json_object_set(data, "prefix", prefixes);
	if (json_object_size(opts))
		json_object_set(data, "socketOptions", opts);
	json_decref(prefixes);
	json_decref(opts);
	(void)err;
	(void)errlen;
	return data;
}

static void http_stream_handler(struct evhttp_request *req, void *arg)
{
	struct stream *st = arg;
	struct evkeyvalq q;
	const char *format = "sse", *client = NULL;
	char err[256] = "";

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	query_get(req, "format", &q);
	json_t *data = query_subscription(&q, &format, &client, err, sizeof err);
	struct ris_sub *s = ris_sub_parse(data, err, sizeof err);
	json_decref(data);
	bool json = strcmp(format, "json") == 0;
	if (s == NULL || (!json && strcmp(format, "sse") != 0)) {
		evhttp_clear_headers(&q);
		ris_sub_free(s);
		/* err may quote the query: JSON, never the status line or HTML */
		http_send_error(req, 400, s ? "format: sse (default) or json" : err);
		return;
	}
	if (!client_param_ok(req, client)) {
		evhttp_clear_headers(&q);
		ris_sub_free(s);
		return;
	}
	struct subscriber *c = sub_adopt(st, req, json ? SUB_NDJSON : SUB_SSE, client);
	evhttp_clear_headers(&q);
	if (c == NULL) {
		ris_sub_free(s);
		evhttp_send_error(req, 503, "too many stream subscribers: try again later");
		return;
	}
	c->subs[c->n_subs++] = s;
	char head[160];
	int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: %s\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
	    json ? "application/x-ndjson" : "text/event-stream");
	sub_write_raw(c, head, (size_t)n);
	swconn_flush(c->out);
}

bool stream_attach(struct stream *st, struct evhttp *http)
{
	return evhttp_set_cb(http, "/v1/ws", ws_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/ws/", ws_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/stream", http_stream_handler, st) == 0 &&
	    evhttp_set_cb(http, "/v1/stream/", http_stream_handler, st) == 0;
}
