/*
 * listener.h — a listening socket on one local address and port. Accepted
 * connections go to a callback that finds the peer; connections nobody
 * wants are refused with a NOTIFICATION (Cease / Connection Rejected).
 *
 * Teardown: a plain container (muxd/lib/lifecycle.h): listener_free
 * frees it before it returns.
 */
#ifndef BGPMUX_LISTENER_H
#define BGPMUX_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

#include "muxd/lib/sockaddr.h"

struct event_base;
struct listener;

/* Return true when the connection was taken (fd now belongs to it). */
typedef bool (*listener_accept_fn)(int fd, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local, void *arg);

/* A bound, listening, non-blocking socket (backlog 64); -1 with errno. */
int listener_socket(const struct sockaddr_mux *addr);

struct listener *listener_new(struct event_base *base, const struct sockaddr_mux *addr,
    listener_accept_fn cb, void *arg, char *why, size_t why_len);
void listener_free(struct listener *l);
int listener_fd(const struct listener *l);
const struct sockaddr_mux *listener_addr(const struct listener *l);

#endif
