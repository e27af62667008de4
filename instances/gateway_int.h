/*
 * gateway_int.h — the gateway's state, shared by its files: gateway.c
 * (client routes into the table) and gateway_read.c (client_to_client
 * subscriptions and what the API reads).
 */
#ifndef BGPMUX_GATEWAY_INT_H
#define BGPMUX_GATEWAY_INT_H

#include <event2/event.h>

#include "instances/alloc.h"
#include "instances/gateway.h"
#include "instances/origin.h"
#include "instances/origin_store.h"

struct gw_upstream {
	char *name;
	uint16_t id;
	const struct gateway_view_ops *vops;    /* its view, as the daemon wires it */
	void *view;
	struct sockaddr_mux nh4, nh6;   /* next hops for the other family */
};

/* A client on one instance: its rejected prefixes and its hold-off. */
struct gw_source {
	char *client;
	uint16_t src;
	uint64_t rejected;              /* prefixes outside the allocation */
	/* the rejected since the last line about them, and one of them */
	uint64_t unlogged;
	uint64_t logged_at;             /* monotonic ms of that line; 0: none yet */
	struct bgp_prefix example;
	enum alloc_verdict example_why;
	bool example_loops;             /* its AS_PATH holds the gateway's AS */
	uint64_t holdoff_until;         /* ms; after max_prefixes */
};

struct gw_sub {
	uint16_t id;
	gateway_route_cb *cb;
	void *arg;
};

struct gateway {
	struct event_base *base;
	struct origin *origin;
	struct origin_store *store;
	uint32_t asn;
	struct gw_upstream *ups;
	size_t nups;
	struct gw_source **srcs;
	size_t nsrcs;
	struct gw_sub *subs;
	size_t nsubs;
	const struct config *cfg;       /* the running one, for clients' settings */
	struct event *timer_ev, *save_ev;
	struct event *reject_ev;        /* the next aggregate line is due … */
	uint64_t reject_due;            /* … then (monotonic ms) */
	uint64_t reject_log_ms;
	bool save_queued;
	uint64_t rejected;
	uint64_t limit_resets;
	const struct gateway_relay_ops *relay;  /* an instance host's; NULL: the table */
	void *relay_arg;
};

/* The id of the upstream named name (0: none). */
uint16_t gw_id_of(const struct gateway *gw, const char *name);

#endif
