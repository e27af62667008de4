/*
 * peer.h — everything shared with one neighbor.
 *
 * A peer owns the sessions to one neighbor: normally one, two while a
 * connection collision is being resolved, and (multisession) one per
 * family group. It restarts sessions that went down, adopts incoming
 * connections, resolves collisions (RFC 4271 §6.8), and tells its owner —
 * a view (an upstream's or a plain peer's) or an instance — when a session comes
 * up, goes down, or brings an UPDATE. Owners read a session through its
 * accessors and send on it, and close it through its peer
 * (peer_close_session), never with session_close.
 *
 * Teardown follows muxd/lib/lifecycle.h: peer_shutdown closes every
 * session with its NOTIFICATION (the peer connects no more and accepts
 * nothing); once the last session is gone, ops->gone comes from the loop
 * and the peer frees itself right after it returns.
 */
#ifndef BGPMUX_PEER_H
#define BGPMUX_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "muxd/config/config.h"
#include "muxd/engine/session.h"

struct event_base;
struct peer;

#define PEER_MAX_SESSIONS 8

struct peer_ops {
	void (*established)(struct peer *p, struct session *s, void *owner);
	/* A session that was Established went down. */
	void (*down)(struct peer *p, struct session *s, const char *reason, void *owner);
	void (*update)(struct peer *p, struct session *s, const struct bgp_update *u,
	    void *owner);
	void (*route_refresh)(struct peer *p, struct session *s, uint16_t afi,
	    uint8_t safi, uint8_t subtype, void *owner);
	/* After peer_shutdown, once every session is gone (lifecycle.h):
	 * the last upcall, from the loop; the peer is freed right after this
	 * returns. */
	void (*gone)(struct peer *p, void *owner);
	/* The messages of its sessions, both ways, as session_ops' message
	 * gives them (but the UPDATEs received: update has their bytes, in
	 * u->msg). For monitors: quick, and no session closed. Optional. */
	void (*message)(struct peer *p, struct session *s, bool sent,
	    const uint8_t *msg, size_t len, void *owner);
};

/* Settings that come from the gateway, not the neighbor's own entry. */
struct peer_local {
	uint32_t asn;
	uint32_t router_id;
	const char *hostname;           /* FQDN capability */
	/* What the log label says before the neighbor's address: "view isp-a
	 * peer", "instance isp-a client vnet-1". NULL: "peer NAME". Copied. */
	const char *label;
	/* Graceful Restart as the restarting speaker; NULL: never. Not copied:
	 * it outlives the peer. */
	const struct gr_speaker *gr;
};

/* cfg is copied. The peer starts when peer_start is called. */
struct peer *peer_new(struct event_base *base, const struct neighbor_config *cfg,
    const struct peer_local *local, const struct peer_ops *ops, void *owner);
/* Stop every session with the NOTIFICATION given (e.g. Cease/Administrative
 * Shutdown); ops->gone once they are gone, then the peer frees itself. A
 * second call does nothing. */
void peer_shutdown(struct peer *p, uint8_t code, uint8_t subcode, const char *text);
void peer_start(struct peer *p);

/* An incoming connection from this neighbor. Returns false when the peer
 * refuses it (the caller then rejects the connection). */
bool peer_accept(struct peer *p, int fd);

/* Keep the neighbor down for secs (it broke max_prefixes): no connection
 * to it and its own connections refused until then; sessions that are up
 * stay up (the owner closes the one at fault). Then it starts again as
 * after any session down. */
void peer_hold_down(struct peer *p, unsigned secs);

const struct neighbor_config *peer_config(const struct peer *p);
const char *peer_label(const struct peer *p);
/* The Established session, or the most advanced one; NULL if none. */
struct session *peer_session(const struct peer *p);
size_t peer_sessions(const struct peer *p, struct session **out, size_t max);
/* Does this neighbor's configuration say connections come from addr to local? */
bool peer_matches(const struct peer *p, const struct sockaddr_mux *remote,
    const struct sockaddr_mux *local);
uint32_t peer_flaps(const struct peer *p);

/* One observer of every state change of every peer's sessions, process
 * wide (the store's session history); index is the session's place in
 * peer_sessions (0-based). NULL removes it. */
typedef void (*peer_state_observer)(const struct peer *p, const struct session *s,
    size_t index, enum fsm_state from, enum fsm_state to, const char *reason,
    void *arg);
void peer_observe_states(peer_state_observer cb, void *arg);
/* The neighbor's families (and family ports) changed: in multisession,
 * only the sessions of removed families close (Cease / Other
 * Configuration Change) and added ones get new sessions; one ordinary
 * session is reset once ("capability changed"). Nothing else of nc is
 * looked at. */
void peer_set_families(struct peer *p, const struct neighbor_config *nc);
/* Close one of p's sessions with a NOTIFICATION — text is the Shutdown
 * Communication of Cease 2 and 4 (RFC 9003), NULL for none — and carry on
 * as after any session down: connect again, or wait for the neighbor.
 * False when s is not p's or is closing already. Owners close sessions so,
 * never with session_close. */
bool peer_close_session(struct peer *p, struct session *s, uint8_t code,
    uint8_t subcode, const char *text);
/* The same with the NOTIFICATION's data field (e.g. RFC 4486 §4: AFI,
 * SAFI and the limit with Cease / Maximum Number of Prefixes). */
bool peer_close_session_data(struct peer *p, struct session *s, uint8_t code,
    uint8_t subcode, const uint8_t *data, size_t data_len);
/* What `show bgp neighbors` says first: "multisession with N sessions
 * (M established)" or "single session (established)"; returns buf (the
 * whole of it in JSON: web/session_json.h's peer_to_json). */
const char *peer_summary(const struct peer *p, char *buf, size_t len);

/* ---- upgrade in place (muxd/engine/session_handover.h) ----------------- */

struct session_handover;
/* Every session of p frozen (reads nothing, timers stopped, its queue
 * drains) or thawed. */
void peer_freeze(struct peer *p, bool freeze);
/* Bytes p's sessions have queued and not written yet. */
size_t peer_queued(const struct peer *p);
/* Its frozen sessions write no more: what is queued travels instead. */
void peer_hold_output(struct peer *p);
/* The neighbor's Established session handed over by the process before,
 * adopted as one of p's: Established as it was, nothing sent, no upcall
 * (the owner takes it as it was). Logged. NULL with why when p cannot
 * take it (h->fd is then the caller's still). */
struct session *peer_adopt(struct peer *p, const struct session_handover *h,
    char *why, size_t why_len);

#endif
