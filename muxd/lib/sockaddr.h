/*
 * sockaddr.h — an IPv4/IPv6 socket address with its text form.
 */
#ifndef BGPMUX_SOCKADDR_H
#define BGPMUX_SOCKADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct sockaddr_mux {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
	socklen_t len;
};

/* Parse a numeric IPv4 or IPv6 address; false on anything else. */
bool sockaddr_parse(const char *addr, uint16_t port, struct sockaddr_mux *out);
bool sockaddr_from(const struct sockaddr *sa, socklen_t len, struct sockaddr_mux *out);
int sockaddr_family(const struct sockaddr_mux *a);
uint16_t sockaddr_port(const struct sockaddr_mux *a);
void sockaddr_set_port(struct sockaddr_mux *a, uint16_t port);
/* Same address (ports ignored). */
bool sockaddr_same_addr(const struct sockaddr_mux *a, const struct sockaddr_mux *b);
bool sockaddr_equal(const struct sockaddr_mux *a, const struct sockaddr_mux *b);
/* Text without port: "127.0.0.1", "::1". buf of INET6_ADDRSTRLEN. */
const char *sockaddr_ntop(const struct sockaddr_mux *a, char *buf, size_t len);

#endif
