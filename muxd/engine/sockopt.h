/*
 * sockopt.h — socket set-up for BGP: bind to the configured local address,
 * TCP-MD5 signatures (RFC 2385, Linux TCP_MD5SIG) and TTL security
 * (GTSM, RFC 5082).
 */
#ifndef BGPMUX_SOCKOPT_H
#define BGPMUX_SOCKOPT_H

#include <stddef.h>

#include "muxd/engine/session.h"

/* A non-blocking socket ready to connect to p->remote, or -1 with why. */
int sockopt_socket(const struct session_params *p, char *why, size_t why_len);
/* Options for a connection we accepted (TTL security). */
void sockopt_accepted(int fd, const struct session_params *p);
/* TCP-MD5 key for one neighbor address on a socket (listening or not);
 * key NULL removes it. Returns 0, or -1 with errno. */
int sockopt_md5(int fd, const struct sockaddr_mux *remote, const char *key);
/* The same for every neighbor in remote/prefix_len (0: remote alone). */
int sockopt_md5_prefix(int fd, const struct sockaddr_mux *remote, unsigned prefix_len,
    const char *key);
/* GTSM on a listening socket, so SYNs from farther away are dropped. */
int sockopt_min_ttl(int fd, int family);

#endif
