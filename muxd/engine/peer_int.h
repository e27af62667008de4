/*
 * peer_int.h — what the peer's own files share (peer.h is the public
 * face): the struct and each file's part.
 *
 *   peer.c            a peer's life: creating, starting, adopting
 *                     connections, restarting, shutting down; what its
 *                     sessions tell it, passed on to the owner
 *   peer_ms.c         multisession: which session carries which family,
 *                     what the next connection offers, the answer to a
 *                     neighbor's offer, what a refusal teaches, families
 *                     changed at run time
 *   peer_handover.c   an upgrade in place: sessions frozen, thawed, and
 *                     adopted Established from the process before
 *   peer_collision.c  an OPEN arrives: the multisession answer, then
 *                     connection collisions (RFC 4271 §6.8) and a
 *                     neighbor that restarted (RFC 4724)
 *
 * Not for the peer's owners.
 */
#ifndef BGPMUX_PEER_INT_H
#define BGPMUX_PEER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/engine/ms_policy.h"
#include "muxd/engine/peer.h"

struct event;

struct peer {
	struct event_base *base;
	struct neighbor_config cfg;     /* own copy, strings included */
	struct peer_local local;
	char hostname[64];
	char label[160];
	const struct peer_ops *ops;
	void *owner;

	struct session *sessions[PEER_MAX_SESSIONS];
	size_t nsessions;
	unsigned leaving;               /* given up (session_abort), gone to come */
	struct event *restart_ev, *free_ev;
	unsigned backoff;               /* seconds until the next restart */
	bool started, stopping;
	uint32_t flaps;
	int64_t held_until;             /* peer_hold_down, engine ms; 0: not held */
	bool hold_logged;               /* a refused connection was logged */

	/* Multisession (docs/multisession.md). Indexes follow cfg.families. */
	unsigned fam_id[BGP_MAX_FAMILIES];      /* session id, 0 = none yet */
	unsigned next_id;
	uint16_t redirect[BGP_MAX_FAMILIES];    /* port the neighbor sent us to */
	bool neighbor_single;           /* answered without multisession */
	struct ms_policy ms;            /* what to offer; what refusals taught */
	bool follow_redirect;           /* reconnect at once, to the new port */
	struct event *connect_ev;       /* open the next family's session */
};

/* ---- peer.c -------------------------------------------------------------- */

bool peer_has_live_session(const struct peer *p);
size_t peer_live_count(const struct peer *p);
size_t peer_established_count(const struct peer *p);
/* What p's sessions are made with: for one adopted across an upgrade. */
void peer_session_setup(const struct peer *p, struct session_params *sp,
    const struct session_ops **ops);
/* The process-wide observer (peer_observe_states) hears of s. */
void peer_notify_observer(struct peer *p, struct session *s, enum fsm_state from,
    enum fsm_state to, const char *reason);

/* ---- peer_ms.c ----------------------------------------------------------- */

/* Once Established (or its OPEN agreed), what s negotiated; before, what
 * it offers; nothing while it waits for the neighbor's OPEN. */
bool peer_session_carries(const struct session *s, struct bgp_family f);
/* What the next outgoing connection offers (families, dialect, port) in
 * sp; 0 when every family has its session. */
uint8_t peer_next_offer(const struct peer *p, struct session_params *sp);
/* s is Established: its id (kept per family) and the log line. */
void peer_name_session(struct peer *p, struct session *s);
/* The neighbor's OPEN on a connection it opened: pick our answer; or on
 * ours: check its answer, follow its redirect. False when s is refused
 * (closed already). */
bool peer_ms_answer(struct peer *p, struct session *s, const struct bgp_open *o);
bool peer_ms_check_answer(struct peer *p, struct session *s, const struct bgp_open *o);
/* s closed: what its refusal (if it was one) teaches the next offer. */
void peer_learn_from_close(struct peer *p, struct session *s);
/* Some configured family has no session (or, without multisession, no
 * session is left): the peer should connect again. */
bool peer_has_uncovered(const struct peer *p);

/* ---- peer_collision.c ---------------------------------------------------- */

/* session_ops.open_received of every session of a peer. */
bool peer_open_received(struct session *s, const struct bgp_open *o, void *arg);

#endif
