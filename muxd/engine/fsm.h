/*
 * fsm.h — the RFC 4271 §8 finite state machine as a pure function.
 *
 * fsm_step(state, event) returns the next state and the actions the session
 * layer must carry out (open a connection, send a message, arm a timer…).
 * No sockets, no timers, no clock, no globals: the session owns those and
 * feeds events in. Every (state, event) pair has a defined answer, which is
 * what tests/unit/test_fsm.c checks over the whole table.
 */
#ifndef BGPMUX_FSM_H
#define BGPMUX_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum fsm_state {
	FSM_IDLE = 1,           /* numbered as in MRT/BMP and RFC 4273 */
	FSM_CONNECT,
	FSM_ACTIVE,
	FSM_OPENSENT,
	FSM_OPENCONFIRM,
	FSM_ESTABLISHED,
};
#define FSM_STATE_COUNT 7     /* index 0 unused */

/* RFC 4271 §8.1 event numbers. bgpmux runs with DelayOpen,
 * DampPeerOscillations, SendNOTIFICATIONwithoutOPEN and
 * CollisionDetectEstablishedState all FALSE; the events tied to them keep
 * their numbers and get a defined answer everywhere:
 *   - 6 and 7 act as 3 and 5 (no damping); 13 in Idle acts as 3;
 *   - 12 and 20 get the state's "any other event" answer;
 *   - 19 on a connection in OpenConfirm or Established is a second OPEN on
 *     it: an unexpected message (RFC 6608). Collisions between two
 *     connections are found by the session/peer (§6.8), which then feeds
 *     23 to the connection that loses. */
enum fsm_event {
	FSM_EV_MANUAL_START = 1,
	FSM_EV_MANUAL_STOP = 2,
	FSM_EV_AUTO_START = 3,
	FSM_EV_MANUAL_START_PASSIVE = 4,
	FSM_EV_AUTO_START_PASSIVE = 5,
	FSM_EV_AUTO_START_DAMP = 6,
	FSM_EV_AUTO_START_DAMP_PASSIVE = 7,
	FSM_EV_AUTO_STOP = 8,
	FSM_EV_CONNECT_RETRY_EXPIRES = 9,
	FSM_EV_HOLD_EXPIRES = 10,
	FSM_EV_KEEPALIVE_EXPIRES = 11,
	FSM_EV_DELAY_OPEN_EXPIRES = 12,
	FSM_EV_IDLE_HOLD_EXPIRES = 13,
	FSM_EV_TCP_VALID = 14,              /* incoming connection, acceptable */
	FSM_EV_TCP_INVALID = 15,            /* incoming connection, refused */
	FSM_EV_TCP_ACKED = 16,              /* our connect() completed */
	FSM_EV_TCP_CONFIRMED = 17,          /* we accepted a connection */
	FSM_EV_TCP_FAILS = 18,
	FSM_EV_OPEN = 19,                   /* valid OPEN received */
	FSM_EV_OPEN_DELAY = 20,             /* OPEN while DelayOpen runs (unused) */
	FSM_EV_HEADER_ERR = 21,
	FSM_EV_OPEN_ERR = 22,
	FSM_EV_COLLISION_DUMP = 23,
	FSM_EV_NOTIF_VERSION_ERR = 24,
	FSM_EV_NOTIF = 25,
	FSM_EV_KEEPALIVE = 26,
	FSM_EV_UPDATE = 27,
	FSM_EV_UPDATE_ERR = 28,
	FSM_EV_ROUTE_REFRESH = 29,          /* not in RFC 4271: in Established it
	                                     * restarts the HoldTimer like a
	                                     * KEEPALIVE; elsewhere it is an
	                                     * unexpected message */
};
#define FSM_EVENT_COUNT 30    /* index 0 unused */

/*
 * Actions, a bit set: the session carries them out in the order listed.
 * Every transition into Idle from another state carries STOP_CONNECT_RETRY,
 * RELEASE and DROP_TCP, and from OpenSent, OpenConfirm and Established also
 * STOP_HOLD and STOP_KEEPALIVE: no timer runs in Idle. (Where the RFC
 * restarts the ConnectRetryTimer on the way to Idle, Active/event 18, Idle
 * ignores its expiry, so stopping it looks the same from outside.)
 * Connections the FSM does not take are not its business: an invalid
 * incoming one (event 15), one arriving in Idle (which "refuses all
 * incoming BGP connections") and a second one in OpenSent and later (which
 * §6.8 tracks) carry no action; the session refuses or tracks them itself.
 */
enum fsm_action {
	FSM_A_STOP_CONNECT_RETRY = 1u << 0,   /* stop ConnectRetryTimer */
	FSM_A_START_CONNECT_RETRY = 1u << 1,  /* (re)start ConnectRetryTimer */
	FSM_A_STOP_HOLD = 1u << 2,
	FSM_A_STOP_KEEPALIVE = 1u << 3,
	FSM_A_SEND_NOTIFICATION = 1u << 4,    /* code/subcode from fsm_result */
	FSM_A_DROP_TCP = 1u << 5,             /* close this connection, if any */
	FSM_A_RELEASE = 1u << 6,              /* release BGP resources (routes) */
	FSM_A_CONNECT = 1u << 7,              /* initiate a TCP connection */
	FSM_A_LISTEN = 1u << 8,               /* accept the peer's connection
	                                       * (idempotent: set wherever the
	                                       * RFC says "listens" or
	                                       * "continues to listen") */
	FSM_A_SEND_OPEN = 1u << 9,
	FSM_A_START_HOLD_LARGE = 1u << 10,    /* HoldTimer = 4 minutes (OpenSent) */
	FSM_A_START_HOLD = 1u << 11,          /* HoldTimer = negotiated; nothing
	                                       * if the negotiated time is 0 */
	FSM_A_SEND_KEEPALIVE = 1u << 12,
	FSM_A_START_KEEPALIVE = 1u << 13,     /* KeepaliveTimer = negotiated / 3;
	                                       * nothing if negotiated is 0 */
	FSM_A_PROCESS_UPDATE = 1u << 14,
	FSM_A_ESTABLISHED = 1u << 15,         /* the session just came up */
	FSM_A_INC_RETRY_COUNT = 1u << 16,     /* ConnectRetryCounter += 1 */
	FSM_A_ZERO_RETRY_COUNT = 1u << 17,
};

struct fsm_result {
	enum fsm_state state;       /* next state */
	uint32_t actions;           /* enum fsm_action bits */
	uint8_t notify_code;        /* with FSM_A_SEND_NOTIFICATION, else 0 */
	uint8_t notify_subcode;
	/* RFC 6608 §4: with Finite State Machine Error subcodes 1-3, the type
	 * of the unexpected message (BGP_OPEN … BGP_ROUTE_REFRESH); the session
	 * sends it as the NOTIFICATION's one-octet Data. 0 otherwise. */
	uint8_t unexpected_msg_type;
};

/*
 * The pure transition, RFC 4271 §8.2.2 state by state.
 *
 * `passive` is the PassiveTcpEstablishment attribute of the peer. It turns
 * the start events 1, 3, 6 and 13 into their passive forms (Idle → Active,
 * as events 4, 5 and 7 always do), and keeps a passive peer in Active when
 * its ConnectRetryTimer expires: §8.2.1 says a peer "configured to remain
 * passive" does not connect out, so it restarts the timer and listens on.
 *
 * err_code/err_subcode, by event (ignored for all other events):
 *   HEADER_ERR, OPEN_ERR, UPDATE_ERR  the NOTIFICATION the decoder found,
 *       sent as given where the RFC sends "the appropriate error code".
 *       err_code 0 stands for the event's own code (1, 2, 3) with
 *       err_subcode. Where the RFC makes the message itself unexpected
 *       (an UPDATE in OpenSent/OpenConfirm, an OPEN in Established) the
 *       answer is the FSM error instead.
 *   MANUAL_STOP, AUTO_STOP  the code is always Cease (6); a non-zero
 *       err_subcode is the Cease subcode (RFC 4486: 1 max prefixes,
 *       3 de-configured, 4 admin reset, 8 out of resources, …); 0 picks
 *       the default: 2 Administrative Shutdown for ManualStop, 0 for
 *       AutomaticStop. Err_code is ignored.
 * Fixed answers: COLLISION_DUMP sends Cease 6/7 (Connection Collision
 * Resolution), HOLD_EXPIRES 4/0, an FSM error 5/1, 5/2 or 5/3 (RFC 6608,
 * by state) for an unexpected message and 5/0 for an unexpected timer
 * event. No NOTIFICATION is ever sent in Idle, Connect or Active.
 *
 * States and events out of range change nothing: {state, 0, 0, 0, 0}.
 */
struct fsm_result fsm_step(enum fsm_state state, enum fsm_event ev,
    bool passive, uint8_t err_code, uint8_t err_subcode);

/* Hold time negotiation (RFC 4271 §4.2, §6.2): *out = the smaller of the
 * two; 0 means no KEEPALIVEs and no HoldTimer. Returns false, *out
 * untouched, for a received value of 1 or 2 (the session answers OPEN
 * Message Error / Unacceptable Hold Time, 2/6), and for a local value of 1
 * or 2, which RFC 4271 forbids too (configuration must reject it). */
bool fsm_hold_time_negotiate(uint16_t local, uint16_t remote, uint16_t *out);

/* Connection collision (RFC 4271 §6.8): true when the connection that
 * the *local* system initiated is the one to keep, i.e. local ID > remote,
 * both BGP Identifiers in host order, compared as unsigned 32-bit. Equal
 * IDs give false; RFC 6286 then breaks the tie on AS numbers, which is
 * the caller's to do (an iBGP peer with our own ID fails OPEN checks). */
bool fsm_collision_keep_local(uint32_t local_id, uint32_t remote_id);

/* RFC 4271 spellings: "Idle" … "Established", "ManualStart" …
 * "UpdateMsgErr" (29: "RouteRefreshMsg"); "Unknown" out of range. */
const char *fsm_state_name(enum fsm_state s);
const char *fsm_event_name(enum fsm_event ev);

#endif
