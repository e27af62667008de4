/*
 * net.h — the TCP side of the tools' BGP sessions: "ADDR[:PORT]"
 * arguments, connecting from a given address (retrying while the
 * neighbor starts), listening and accepting with a deadline, and what a
 * connected socket tells about its ends.
 *
 * Failures are logged ("--connect X: ...", "--bind X: ...", "--listen
 * X: ...", as the tools' options are named) and returned as -1 / false.
 */
#ifndef BGPMUX_TOOLS_NET_H
#define BGPMUX_TOOLS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/lib/sockaddr.h"

/* "127.0.0.1", "127.0.0.1:1179", "::1", "[::1]:1179"; port 179 if none. */
bool net_parse_hostport(const char *s, struct sockaddr_mux *sa);

/* A connection to ADDR[:PORT], from bind_addr unless NULL. Tries again
 * every 100 ms for up to wait seconds (the neighbor may still be
 * starting), not once stop_signal is set. */
int net_connect(const char *to, const char *bind_addr, double wait);

/* A listening socket on ADDR[:PORT] (non-blocking with nonblock);
 * *at gets the address when not NULL. */
int net_listen(const char *on, int backlog, bool nonblock, struct sockaddr_mux *at);

/* One connection from lfd within timeout seconds (< 0: no limit; a
 * signal ends the wait). -1 when none came (logged, naming on). */
int net_accept(int lfd, const char *on, double timeout);

/* Non-blocking, and TCP_NODELAY: KEEPALIVEs and NOTIFICATIONs should not
 * wait for Nagle. */
bool net_nonblocking(int fd);

/* The IPv4 address the connection leaves from, 0 over IPv6. */
uint32_t net_local_ipv4(int fd);

/* The neighbor's address as text ("neighbor" when unknown). */
void net_peer_name(int fd, char *buf, size_t len);

/* Bytes our TCP sent that the neighbor's has not acknowledged. */
int net_unacked(int fd);

#endif
