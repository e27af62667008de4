/*
 * listen_pool.h — listening sockets a previous muxd handed over at an
 * upgrade (muxd/upgrade.h), waiting for whoever listens at their address.
 * listener_socket takes a pooled socket before it binds a new one, so
 * every listener (the daemon's, the instances', the API's) adopts its
 * socket with no change of its own: no connection is refused meanwhile,
 * and port 179 needs no privilege again.
 */
#ifndef BGPMUX_LISTEN_POOL_H
#define BGPMUX_LISTEN_POOL_H

#include <stddef.h>

#include "muxd/lib/sockaddr.h"

#define LISTEN_POOL_MAX 1024

/* fd listens at addr; the pool owns it. False (fd closed) when full. */
bool listen_pool_add(int fd, const struct sockaddr_mux *addr);
/* The pooled socket listening at addr (now the caller's), or -1. */
int listen_pool_take(const struct sockaddr_mux *addr);
/* Closes what nobody took (listeners the configuration no longer has),
 * each reported first; returns how many. */
size_t listen_pool_close_rest(void (*report)(const struct sockaddr_mux *addr));

#endif
