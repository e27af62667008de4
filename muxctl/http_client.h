/*
 * http_client.h — the smallest HTTP/1.1 client muxctl needs: one
 * request per connection (Connection: close), the whole answer read.
 */
#ifndef MUXCTL_HTTP_CLIENT_H
#define MUXCTL_HTTP_CLIENT_H

#include <stddef.h>

enum http_result { HTTP_OK, HTTP_UNREACHABLE, HTTP_BROKEN };

struct http_answer {
	int status;
	char *body;             /* NUL-terminated, malloc'ed */
	size_t len;
	char why[256];          /* HTTP_UNREACHABLE, HTTP_BROKEN: what happened */
};

/* server: "ADDR:PORT" or "[V6]:PORT". token may be NULL; body may be NULL. */
enum http_result http_request(const char *server, const char *method, const char *path,
    const char *token, const char *body, struct http_answer *out);
void http_answer_free(struct http_answer *a);

/* Percent-encodes s for a path segment or a query value. */
char *http_escape(const char *s);

#endif
