/*
 * client.h — one configured client of one instance, as the rest of muxd
 * sees it: a passive peer whose local AS and address are the instance's,
 * and how far it has got.
 *
 * A client in Established is either JOINING — a walk (walk.h) is sending
 * it the view's table and the live changes the walk has passed — or
 * STEADY — it gets the live changes its encoding class shares with the
 * other clients of the class. A STEADY client that asks for a
 * ROUTE-REFRESH gets the table walked again on top of the shared changes,
 * between BoRR and EoRR when it negotiated enhanced route refresh.
 *
 * Nothing a client does reaches the view: its UPDATEs are decoded by the
 * session (a malformed one resets this client alone), counted, and handed
 * to the gateway as client routes (gateway.h) or ignored.
 *
 * The client itself is the instance's (client_int.h); this header gives
 * read access for the API, metrics and logs, and the one action they take.
 */
#ifndef BGPMUX_CLIENT_H
#define BGPMUX_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/bgp/bgp.h"
#include "muxd/config/config.h"

struct client;
struct peer;
struct session;

enum client_state {
	CLIENT_IDLE,            /* no Established session */
	CLIENT_JOINING,         /* Established; the table walk is running */
	CLIENT_STEADY,          /* table sent (End-of-RIB); live changes */
};

struct client_stats {
	uint64_t updates_rx;            /* UPDATEs received */
	uint64_t updates_ignored;       /* … from a monitor: not looked at */
	uint64_t joins;                 /* times it became Established */
	uint64_t walked;                /* routes sent by walks */
	uint64_t live;                  /* live routes sent by its walks */
	uint64_t drops;                 /* dropped for being too slow */
	/* ROUTE-REFRESH requests taken in Established (one that comes while
	 * another is answered widens that walk: one walk, both counted) */
	uint64_t refreshes;
};

/* The configured name ("NAME@ADDRESS" for a member of a range). */
const char *client_name(const struct client *c);
/* Its own copy of the configuration (a leg: its primary's). */
const struct client_config *client_config(const struct client *c);
/* "instance UPSTREAM client NAME neighbor …", for logs. */
const char *client_label(const struct client *c);
enum client_state client_state(const struct client *c);
/* "idle", "joining", "steady". */
const char *client_state_name(enum client_state s);
const struct client_stats *client_stats(const struct client *c);

/* The session this client object carries while Established, else NULL.
 * With multisession, each further session is a leg (client_legs). */
struct session *client_session(const struct client *c);
/* The peer that owns the client's sessions (a leg's: its primary's):
 * every session, up or not, is the peer's (peer_sessions). */
struct peer *client_peer(const struct client *c);

/* The families the session negotiated (*n of them; 0 while idle). */
const struct bgp_family *client_families(const struct client *c, uint8_t *n);
bool client_has_family(const struct client *c, uint16_t afi);
/* For ADD-PATH in afi: what the client's class sends. */
bool client_addpath(const struct client *c, uint16_t afi);

/* Multisession: a leg carries one further session of its primary's
 * peer. client_legs gives the legs not leaving, up to max (returns how
 * many there are). */
bool client_is_leg(const struct client *c);
size_t client_legs(const struct client *c, struct client **out, size_t max);
/* A member of an address range: the range's (template's) name; else NULL. */
const char *client_range_of(const struct client *c);

/* Prefixes it announced outside its allocation (treated as withdrawn),
 * since muxd started. False for a leg or without client routes. */
bool client_rejected_prefixes(const struct client *c, uint64_t *count);

/* Close the current session (the client may come back). */
void client_reset(struct client *c, uint8_t code, uint8_t subcode);

#endif
