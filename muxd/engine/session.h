/*
 * session.h — one TCP connection to a neighbor and its FSM.
 *
 * A session frames bytes from its bufferevent, hands each message to the
 * codec, feeds the resulting event to the pure FSM and carries out the
 * actions it returns (send, arm timers, close). It knows nothing of views
 * or routes: decoded UPDATEs go up to its peer through callbacks.
 *
 * Teardown follows muxd/lib/lifecycle.h: session_close, session_close_data,
 * session_drop, session_abort or the FSM reaching Idle is the shutdown
 * (the session is closing: it reads nothing more and makes no upcall but
 * gone); ops->gone comes once, from the loop; the session frees itself
 * right after it returns.
 */
#ifndef BGPMUX_SESSION_H
#define BGPMUX_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "muxd/bgp/bgp_open.h"
#include "muxd/bgp/bgp_update.h"
#include "muxd/engine/fsm.h"
#include "muxd/lib/sockaddr.h"

struct event_base;
struct session;

/* Which multisession capability an OPEN carries (docs/multisession.md). */
enum ms_dialect { MS_DIALECT_NONE = 0, MS_DIALECT_CISCO, MS_DIALECT_IETF };

/* Message counters, per direction. */
struct session_counters {
	uint64_t msgs[6];       /* by type: [1] OPEN … [5] ROUTE-REFRESH */
	uint64_t bytes;
	uint64_t prefixes;      /* received: announced + withdrawn; sent: likewise */
	uint64_t treat_as_withdraw;     /* UPDATEs handled so (RFC 7606) */
	uint64_t attr_discarded;        /* UPDATEs with an attribute discarded */
};

/* Graceful Restart as the restarting speaker (RFC 4724 §4.1): the
 * daemon's, shared by every peer (it outlives them). */
struct gr_speaker {
	uint16_t restart_time;          /* advertised; 0: receiving speaker only */
	/* Sessions opened before then (timebase_now) set R: the
	 * daemon's previous run ended without a clean stop. */
	time_t restarted_until;
	/* F for every family listed: the forwarding state of muxd's own
	 * routes survives a restart of muxd (it keeps none in the kernel). */
	bool forwarding;
	/* The session's VPN families are listed too: an export session,
	 * whose instance host keeps the view host's paths (docs/scaleout.md). */
	bool vpn;
};

/* What the session was told about its neighbor and itself. */
struct session_params {
	const char *label;              /* "peer isp-a 127.0.10.1", for logs */
	uint32_t local_as;
	uint32_t local_id;              /* our BGP Identifier, host order */
	uint32_t remote_as;             /* 0 = accept any */
	uint16_t hold_time;             /* what we offer */
	uint16_t connect_retry;         /* seconds */
	bool passive;
	struct bgp_family families[BGP_MAX_FAMILIES];
	uint8_t family_count;
	uint8_t add_path;               /* BGP_ADDPATH_* we offer, 0 = none */
	struct sockaddr_mux remote;
	struct sockaddr_mux local;      /* bind address (port 0 = any) */
	bool has_local;
	const char *password;           /* TCP-MD5 */
	bool ttl_security;
	const char *hostname;           /* FQDN capability, NULL = none */
	/* Multisession: the capability our OPEN carries; families above are
	 * then the group this connection offers (Cisco: exactly one). */
	enum ms_dialect ms_offer;
	/* Passive side: our OPEN answers theirs (RFC 4271's DelayOpen, as
	 * the IETF draft's passive speaker does): open_received picks the
	 * group with session_set_offer before our OPEN is built. */
	bool delay_open;
	/* Offer Graceful Restart (RFC 4724) with RFC 8538's N bit: as a
	 * receiving speaker only (no family listed) when gr_speaker is NULL or
	 * its restart_time 0, else as a restarting speaker too. */
	bool graceful_restart;
	const struct gr_speaker *gr_speaker;
	/* add_path is offered on the VPN families too (an export session:
	 * every path of every view); else on the unicast ones only. */
	bool add_path_vpn;
	/* A neighbor whose OPEN takes none of families is refused with OPEN
	 * Message Error / Unsupported Capability (RFC 5492 §3), its data our
	 * Multiprotocol capabilities, instead of an Established session that
	 * could carry nothing. */
	bool require_family;
};

/* What both sides agreed on, once the OPENs are exchanged. */
struct session_negotiated {
	uint32_t remote_as;
	uint32_t remote_id;
	uint16_t hold_time;
	uint16_t keepalive;
	bool as4;
	bool ext_message;
	bool route_refresh;
	bool enhanced_rr;
	struct bgp_family families[BGP_MAX_FAMILIES];
	uint8_t family_count;
	/* What the neighbor's OPEN offered (RFC 4760: none = IPv4 unicast). */
	struct bgp_family offered[BGP_MAX_FAMILIES];
	uint8_t offered_count;
	/* Multisession: the dialect both OPENs carry (NONE: one ordinary
	 * session), and the neighbor's IETF redirect, if it asked for one. */
	enum ms_dialect ms;
	bool redirect;
	uint16_t redirect_port;
	/* Its capability 68 names the capabilities that define its session
	 * (-06/-07; ExaBGP): it wants its own families back. */
	bool ms_lists_caps;
	/* Graceful Restart: both OPENs carry it; the neighbor's restart time,
	 * flags (R, N) and the families it preserves (with the F bit). */
	bool gr;
	/* RFC 8538: both set N; a NOTIFICATION other than Hard Reset then
	 * ends the session as a restart does (session_ended_as_restart). */
	bool gr_notification;
	uint16_t gr_restart_time;
	uint8_t gr_flags;
	struct bgp_gr_family gr_fam[BGP_MAX_FAMILIES];
	uint8_t gr_count;
	/* ADD-PATH on ipv4-vpn [0] and ipv6-vpn [1] (add_path_vpn):
	 * BGP_ADDPATH_RECEIVE when we receive path ids, BGP_ADDPATH_SEND when
	 * we send them; rx and tx carry the same for the VPN decoder. */
	uint8_t vpn_addpath[2];
	struct bgp_codec_ctx rx;        /* decoding what the neighbor sends */
	struct bgp_codec_ctx tx;        /* encoding what we send */
};

/* Upcalls to the owner (the peer). Called from the event loop. */
struct session_ops {
	/* The state changed; reason is a short text ("Hold timer expired",
	 * "received NOTIFICATION 6/2 …"). */
	void (*state_changed)(struct session *s, enum fsm_state from,
	    enum fsm_state to, const char *reason, void *arg);
	/* A valid OPEN arrived (before OpenConfirm): the peer checks for a
	 * collision and may close this or another session. Return false to
	 * refuse this session (it has been closed by the callee). */
	bool (*open_received)(struct session *s, const struct bgp_open *o, void *arg);
	/* An UPDATE that passed the codec (possibly treat-as-withdraw). */
	void (*update)(struct session *s, const struct bgp_update *u, void *arg);
	void (*route_refresh)(struct session *s, uint16_t afi, uint8_t safi,
	    uint8_t subtype, void *arg);
	/* The neighbor's first message after Established: it is Established
	 * too (it was when it sent it). Optional. */
	void (*confirmed)(struct session *s, void *arg);
	/* The session is gone (lifecycle.h): the last upcall, from the
	 * loop; it is freed right after this returns. */
	void (*gone)(struct session *s, void *arg);
	/* Every message, whole (header included) and borrowed for the call:
	 * one received before it is handled, one sent as it is queued — but
	 * the UPDATEs received (their bytes come with update: u->msg) and
	 * those queued by reference (session_send_ref). For monitors: it must
	 * be quick and must not close the session. Optional. */
	void (*message)(struct session *s, bool sent, const uint8_t *msg, size_t len,
	    void *arg);
};

struct session *session_new(struct event_base *base, const struct session_params *p,
    const struct session_ops *ops, void *arg);

/* Seconds a connection has, once TCP is up, to deliver the neighbor's
 * OPEN (RFC 4271 §8.2.2's "large value" of the HoldTimer in OpenSent,
 * which suggests 4 minutes): past it, Hold Timer Expired. A silent
 * connection holds a descriptor and a session slot no longer. For every
 * session of the process; 10 until set. */
void session_set_open_timeout(unsigned secs);

/* Active side: start the FSM, which connects out. */
void session_start(struct session *s);
/* Passive side: adopt an accepted connection. */
void session_accept(struct session *s, int fd);
/* Leave with a NOTIFICATION (code 0: Cease once the OPEN was sent; before
 * that, just drop the TCP connection; session_drop never sends one),
 * stop and free later. A shutdown text goes with Cease 2 and 4. */
void session_close(struct session *s, uint8_t code, uint8_t subcode,
    const char *shutdown_text);
/* Drop the TCP connection without a NOTIFICATION, as if it had failed
 * (RFC 4724 §4.2: the old connection of a neighbor that restarted). */
void session_drop(struct session *s, const char *why);
/* Give s up now, without lingering: its connection and timers close
 * before this returns (a newer connection needs its place); gone still
 * comes from the loop, as after any shutdown. Never from s's own
 * callbacks. */
void session_abort(struct session *s);
/* The same with the NOTIFICATION's data field (e.g. RFC 4486 §4: AFI,
 * SAFI and the prefix limit with Cease / Maximum Number of Prefixes). */
void session_close_data(struct session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len);
/* Send a message the caller encoded (e.g. an UPDATE). False when the
 * session is not Established or its output queue is over the limit. */
bool session_send(struct session *s, const uint8_t *msg, size_t len);
/* The same without copying, for fan-out: msgs holds `count` complete
 * UPDATE messages (len bytes) that stay the caller's until release(msgs,
 * len, arg) is called — once they are written, or the session is freed.
 * False where session_send would refuse, and then release is not called. */
bool session_send_ref(struct session *s, const uint8_t *msgs, size_t len,
    unsigned count, void (*release)(const void *msgs, size_t len, void *arg),
    void *arg);
size_t session_queue_len(const struct session *s);
/* Whether the kernel would take more bytes of this session now (its
 * socket polls writable): bytes still in session_queue_len then wait for
 * this process's loop, not for the neighbor. */
bool session_socket_writable(const struct session *s);

enum fsm_state session_state(const struct session *s);
bool session_is_closing(const struct session *s);
bool session_initiated_locally(const struct session *s);
const struct session_negotiated *session_negotiated(const struct session *s);
const struct session_counters *session_counters_rx(const struct session *s);
const struct session_counters *session_counters_tx(const struct session *s);
const struct session_params *session_params(const struct session *s);
/* Seconds since Established (0 if not). */
time_t session_uptime(const struct session *s);
/* Local and remote address of the TCP connection (len 0 without one). */
const struct sockaddr_mux *session_local_addr(const struct session *s);
const struct sockaddr_mux *session_remote_addr(const struct session *s);
/* The last OPEN or NOTIFICATION (type) this session sent or received,
 * whole (header included), for monitors; NULL (*len 0) if none. */
const uint8_t *session_kept_msg(const struct session *s, uint8_t type, bool sent,
    size_t *len);
/* Passive side, before our OPEN is sent (open_received): what it offers.
 * redirect_port ≠ 0 sets the IETF R bit: the neighbor must reconnect
 * there, and a KEEPALIVE instead gets Redirect Required. */
void session_set_offer(struct session *s, const struct bgp_family *fams, uint8_t n,
    enum ms_dialect ms, uint16_t redirect_port);
/* Still waiting for the neighbor's OPEN before sending ours. */
bool session_awaiting_open(const struct session *s);
/* Session id within its peer (multisession), 0 before it is given one. */
void session_set_id(struct session *s, unsigned id);
unsigned session_id(const struct session *s);
/* The last NOTIFICATION received (false if none). */
bool session_notification_rx(const struct session *s, uint8_t *code, uint8_t *subcode);
/* This connection reached Established at some point. */
bool session_ever_established(const struct session *s);
/* A NOTIFICATION was sent or received on this connection (RFC 4724: only
 * a session that ended without one is a restart to wait for). */
bool session_notified(const struct session *s);
/* The session ended the way Graceful Restart keeps the neighbor's routes
 * for: without a NOTIFICATION (RFC 4724), or, when both sides set the N
 * bit, with any NOTIFICATION but a Cease / Hard Reset either way
 * (RFC 8538 §4). Says nothing of whether GR was negotiated at all. */
bool session_ended_as_restart(const struct session *s);
/* "ipv4-unicast+ipv6-unicast" (a family without a name: "AFI/SAFI 25/70");
 * returns buf. */
const char *families_text(const struct bgp_family *f, uint8_t n, char *buf, size_t len);
/* Last error as text ("sent NOTIFICATION 6/2 Cease, Administrative Shutdown"). */
const char *session_last_error(const struct session *s);

#endif
