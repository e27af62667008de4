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

/* RFC 4271 §8.1 event numbers. The optional events bgpmux does not use
 * (DelayOpen, damping, IdleHold) keep their numbers and are rejected as
 * FSM errors where the RFC says so. */
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
	FSM_EV_ROUTE_REFRESH = 29,          /* not in RFC 4271; treated like KEEPALIVE */
};
#define FSM_EVENT_COUNT 30    /* index 0 unused */

/* Actions, a bit set: the session carries them out in the order listed. */
enum fsm_action {
	FSM_A_STOP_CONNECT_RETRY = 1u << 0,   /* stop ConnectRetryTimer */
	FSM_A_START_CONNECT_RETRY = 1u << 1,  /* (re)start ConnectRetryTimer */
	FSM_A_STOP_HOLD = 1u << 2,
	FSM_A_STOP_KEEPALIVE = 1u << 3,
	FSM_A_SEND_NOTIFICATION = 1u << 4,    /* code/subcode from fsm_result */
	FSM_A_DROP_TCP = 1u << 5,             /* close the connection */
	FSM_A_RELEASE = 1u << 6,              /* release BGP resources (routes) */
	FSM_A_CONNECT = 1u << 7,              /* initiate a TCP connection */
	FSM_A_LISTEN = 1u << 8,               /* wait for an incoming connection */
	FSM_A_SEND_OPEN = 1u << 9,
	FSM_A_START_HOLD_LARGE = 1u << 10,    /* HoldTimer = 4 minutes (OpenSent) */
	FSM_A_START_HOLD = 1u << 11,          /* HoldTimer = negotiated, if non-zero */
	FSM_A_SEND_KEEPALIVE = 1u << 12,
	FSM_A_START_KEEPALIVE = 1u << 13,     /* KeepaliveTimer = negotiated / 3 */
	FSM_A_PROCESS_UPDATE = 1u << 14,
	FSM_A_ESTABLISHED = 1u << 15,         /* the session just came up */
	FSM_A_INC_RETRY_COUNT = 1u << 16,     /* ConnectRetryCounter += 1 */
	FSM_A_ZERO_RETRY_COUNT = 1u << 17,
};

struct fsm_result {
	enum fsm_state state;       /* next state */
	uint32_t actions;           /* enum fsm_action bits */
	uint8_t notify_code;        /* with FSM_A_SEND_NOTIFICATION */
	uint8_t notify_subcode;
};

/*
 * The pure transition. `passive` is the PassiveTcpEstablishment attribute
 * of the peer (it decides Connect vs Active after a start). For events that
 * carry a NOTIFICATION of their own (HEADER_ERR, OPEN_ERR, UPDATE_ERR,
 * COLLISION_DUMP), the caller passes the code and subcode the decoder found
 * in err_code/err_subcode; they come back in the result.
 */
struct fsm_result fsm_step(enum fsm_state state, enum fsm_event ev,
    bool passive, uint8_t err_code, uint8_t err_subcode);

/* Hold time negotiation (RFC 4271 §4.2, §6.2): the smaller of the two.
 * Returns false (Unacceptable Hold Time) for a received value of 1 or 2. */
bool fsm_hold_time_negotiate(uint16_t local, uint16_t remote, uint16_t *out);

/* Connection collision (RFC 4271 §6.8): true when the connection that
 * the *local* system initiated is the one to keep, i.e. local ID > remote. */
bool fsm_collision_keep_local(uint32_t local_id, uint32_t remote_id);

const char *fsm_state_name(enum fsm_state s);   /* "Idle", "Connect", … */
const char *fsm_event_name(enum fsm_event ev);

#endif
