/*
 * export_clients_in.h — a view host's side of client routes
 * (docs/scaleout.md, "Client routes"): the VPN routes an instance host
 * sends on its export session, into the gateway as its clients' routes.
 *
 * A route's distinguisher names the upstream (gateway AS : id), its path
 * id the client (client_source_number of a configured client of that
 * upstream); either unknown: counted, ignored, logged once. Then the
 * route goes through gateway_source_route as a local client's would:
 * allocation, rewrite, control communities, hold-down, min_interval,
 * persistence. A route from a client not up brings it up
 * (gateway_client_up); one carrying LLGR_STALE takes it down once
 * (gateway_client_down: its hold-down starts) and changes nothing else.
 * The session going down, for any reason, takes down every client that
 * came up through it.
 */
#ifndef BGPMUX_EXPORT_CLIENTS_IN_H
#define BGPMUX_EXPORT_CLIENTS_IN_H

#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp_update.h"

struct config;
struct gateway;
struct session_negotiated;
struct export_clients_in;

/* host: the instance host's name, for the log; cfg: where the running
 * configuration is. */
struct export_clients_in *export_clients_in_new(struct gateway *gw,
    const struct config *const *cfg, const char *host);
/* Takes its clients down first. NULL is fine. */
void export_clients_in_free(struct export_clients_in *in);

/* One UPDATE of the instance host, decoded with the session's context. */
void export_clients_in_update(struct export_clients_in *in, const struct bgp_update *u,
    const struct session_negotiated *n);
/* The session left Established: its clients go down (hold-down). */
void export_clients_in_down(struct export_clients_in *in);

struct export_clients_in_stats {
	uint64_t routes;                /* client VPN routes received */
	uint64_t unknown_upstream;      /* … whose distinguisher names none */
	uint64_t unknown_client;        /* … whose path id names no client */
	uint64_t over_limit;            /* … past the client's max_prefixes */
	size_t sources_up;              /* clients (per upstream) up through it */
};
void export_clients_in_stats(const struct export_clients_in *in,
    struct export_clients_in_stats *st);

#endif
