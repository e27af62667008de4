/*
 * export_clients.h — an instance host's relay of its clients' routes to
 * its view host (docs/scaleout.md, "Client routes"), which alone runs
 * the gateway's own table.
 *
 * The instance host's gateway checks each client route (allocation,
 * max_prefixes) and hands it here (gateway_relay_ops). The relay keeps
 * the routes of every client that is up — at most its max_prefixes per
 * client and upstream, as the gateway enforces — and sends each on the
 * export session while one is Established: a VPN route under the
 * distinguisher of the instance's upstream (gateway AS : id), path id
 * the client's number (client_source_number), label 16 + id, the
 * client's own attributes and next hop. A withdrawal is a withdrawal. A
 * client that goes down has its routes sent once more with the
 * well-known community LLGR_STALE (65535:6, RFC 9494) appended, and
 * they are forgotten. A new session gets every route kept.
 *
 * The members of an address range are one client here, as on the view
 * host: their number is the range's, up while any member is.
 */
#ifndef BGPMUX_EXPORT_CLIENTS_H
#define BGPMUX_EXPORT_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include "instances/gateway.h"

/* The label of a route of upstream id (nothing forwards on it; 0 to 15
 * are reserved), as the views' routes carry. */
#define EXPORT_LABEL_BASE 16
/* LLGR_STALE (RFC 9494 §4.6): a route kept after its session was lost. */
#define EXPORT_LLGR_STALE 0xFFFF0006u

struct event_base;
struct export_clients;
struct session_negotiated;

/* Sends one UPDATE on the session; false when it refuses it (its queue
 * is full). */
typedef bool export_clients_send_cb(const uint8_t *msg, size_t len, void *arg);
/* The session refused a message: the owner closes it (called from the
 * loop). */
typedef void export_clients_fail_cb(const char *why, void *arg);

/* cfg: where the running configuration is (it changes at a reload). */
struct export_clients *export_clients_new(struct event_base *base,
    const struct config *const *cfg);
void export_clients_free(struct export_clients *r);

/* What the gateway calls (arg: the relay). */
extern const struct gateway_relay_ops export_clients_relay_ops;

/* An export session (key, negotiated n) is Established: every route kept
 * goes through send now (before the caller's End-of-RIB), every change
 * from now on. */
void export_clients_start(struct export_clients *r, const void *key,
    const struct session_negotiated *n, export_clients_send_cb *send,
    export_clients_fail_cb *fail, void *arg);
/* The view host asked for afi's VPN family again (ROUTE-REFRESH): every
 * route of afi kept goes again on session key. */
void export_clients_refresh(struct export_clients *r, const void *key, uint16_t afi);
/* The session key is gone: nothing is sent until the next start. */
void export_clients_stop(struct export_clients *r, const void *key);

struct export_clients_stats {
	uint64_t routes_sent;           /* VPN routes announced or withdrawn */
	uint64_t stale_sent;            /* of them, with LLGR_STALE */
	size_t routes;                  /* kept now */
	size_t sources;                 /* clients (per upstream) up now */
};
void export_clients_stats(const struct export_clients *r,
    struct export_clients_stats *st);

#endif
