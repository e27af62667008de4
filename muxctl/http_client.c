/*
 * http_client.c — one HTTP/1.1 request over a TCP socket.
 */
#include "muxctl/http_client.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TIMEOUT_SECS 15

static bool split_server(const char *server, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(server, ':');

	if (colon == NULL || colon == server || colon[1] == 0)
		return false;
	size_t n = (size_t)(colon - server);
	if (server[0] == '[' && colon[-1] == ']') {
		server++;
		n -= 2;
	}
	if (n >= hlen || strlen(colon + 1) >= plen)
		return false;
	memcpy(host, server, n);
	host[n] = 0;
	strcpy(port, colon + 1);
	return true;
}

static int connect_to(const char *server, char *why, size_t why_len)
{
	char host[128], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res;
	struct timeval tv = { TIMEOUT_SECS, 0 };
	int fd, rc;

	if (!split_server(server, host, sizeof host, port, sizeof port)) {
		snprintf(why, why_len, "\"%s\" is not ADDRESS:PORT", server);
		return -1;
	}
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(why, why_len, "%s: %s", server, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
			snprintf(why, why_len, "cannot connect to %s: %s", server, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static char *read_all(int fd, size_t *len)
{
	size_t cap = 8192;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	while (buf && (n = recv(fd, buf + *len, cap - *len - 1, 0)) > 0) {
		*len += (size_t)n;
		if (cap - *len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	if (buf)
		buf[*len] = 0;
	return buf;
}

/* Status line, then the body after the blank line (evhttp sends
 * Content-Length and closes: the rest of the stream is the body). */
static bool parse_answer(char *raw, size_t len, struct http_answer *out)
{
	char *end = strstr(raw, "\r\n\r\n");

	if (sscanf(raw, "HTTP/1.%*d %d", &out->status) != 1 || end == NULL)
		return false;
	end += 4;
	out->len = len - (size_t)(end - raw);
	out->body = malloc(out->len + 1);
	if (out->body == NULL)
		return false;
	memcpy(out->body, end, out->len);
	out->body[out->len] = 0;
	return true;
}

enum http_result http_request(const char *server, const char *method, const char *path,
    const char *token, const char *body, struct http_answer *out)
{
	char head[2048];
	size_t blen = body ? strlen(body) : 0, len;
	int fd;

	memset(out, 0, sizeof *out);
	if ((fd = connect_to(server, out->why, sizeof out->why)) < 0)
		return HTTP_UNREACHABLE;
	snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
	    "Accept: application/json\r\n%s%s%sContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", method, path, server,
	    token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "", blen);
	if (!send_all(fd, head, strlen(head)) || (blen && !send_all(fd, body, blen))) {
		snprintf(out->why, sizeof out->why, "cannot send to %s: %s", server, strerror(errno));
		close(fd);
		return HTTP_BROKEN;
	}
	char *raw = read_all(fd, &len);
	close(fd);
	if (raw == NULL || !parse_answer(raw, len, out)) {
		snprintf(out->why, sizeof out->why, "%s answered something that is not HTTP "
		    "(%zu bytes)", server, raw ? len : 0);
		free(raw);
		return HTTP_BROKEN;
	}
	free(raw);
	return HTTP_OK;
}

void http_answer_free(struct http_answer *a)
{
	free(a->body);
	a->body = NULL;
}

char *http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = 0;
	return out;
}
