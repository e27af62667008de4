/*
 * sockaddr.c — numeric socket addresses, IPv4 and IPv6.
 */
#include "muxd/lib/sockaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool sockaddr_parse(const char *addr, uint16_t port, struct sockaddr_mux *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, addr, &out->u.sin.sin_addr) == 1) {
		out->u.sin.sin_family = AF_INET;
		out->u.sin.sin_port = htons(port);
		out->len = sizeof out->u.sin;
		return true;
	}
	if (inet_pton(AF_INET6, addr, &out->u.sin6.sin6_addr) == 1) {
		out->u.sin6.sin6_family = AF_INET6;
		out->u.sin6.sin6_port = htons(port);
		out->len = sizeof out->u.sin6;
		return true;
	}
	return false;
}

bool sockaddr_from(const struct sockaddr *sa, socklen_t len, struct sockaddr_mux *out)
{
	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof out->u.sin) {
		memcpy(&out->u.sin, sa, sizeof out->u.sin);
		out->len = sizeof out->u.sin;
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof out->u.sin6) {
		memcpy(&out->u.sin6, sa, sizeof out->u.sin6);
		out->len = sizeof out->u.sin6;
		return true;
	}
	return false;
}

int sockaddr_family(const struct sockaddr_mux *a) { return a->u.sa.sa_family; }

uint16_t sockaddr_port(const struct sockaddr_mux *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET ? a->u.sin.sin_port : a->u.sin6.sin6_port);
}

void sockaddr_set_port(struct sockaddr_mux *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET)
		a->u.sin.sin_port = htons(port);
	else
		a->u.sin6.sin6_port = htons(port);
}

bool sockaddr_same_addr(const struct sockaddr_mux *a, const struct sockaddr_mux *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
	return memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
}

bool sockaddr_equal(const struct sockaddr_mux *a, const struct sockaddr_mux *b)
{
	return sockaddr_same_addr(a, b) && sockaddr_port(a) == sockaddr_port(b);
}

const char *sockaddr_ntop(const struct sockaddr_mux *a, char *buf, size_t len)
{
	const void *src = a->u.sa.sa_family == AF_INET ?
	    (const void *)&a->u.sin.sin_addr : (const void *)&a->u.sin6.sin6_addr;
	if (a->len == 0 || inet_ntop(a->u.sa.sa_family, src, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
