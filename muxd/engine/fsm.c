/*
 * fsm.c — RFC 4271 §8.2.2, one function per state.
 *
 * Each state function is a switch over every event with no default, so the
 * compiler (-Wswitch) reports an event left out. The case comments quote
 * the RFC's bullet lists; where bgpmux departs from the letter of the text
 * the comment says why (see also fsm.h).
 */
#include "muxd/engine/fsm.h"

#include "muxd/bgp/bgp.h"

/* Bundles of actions that the RFC text repeats word for word. */

/* Idle, start: "sets ConnectRetryCounter to zero, starts the
 * ConnectRetryTimer, initiates a TCP connection, listens". */
#define A_START_CONNECT (FSM_A_ZERO_RETRY_COUNT | FSM_A_START_CONNECT_RETRY | \
	FSM_A_CONNECT | FSM_A_LISTEN)
/* Idle, passive start: the same without initiating a connection. */
#define A_START_LISTEN (FSM_A_ZERO_RETRY_COUNT | FSM_A_START_CONNECT_RETRY | \
	FSM_A_LISTEN)
/* Connect/Active, TCP up with DelayOpen FALSE: "stops the ConnectRetryTimer,
 * sends an OPEN message, sets the HoldTimer to a large value". */
#define A_TCP_UP (FSM_A_STOP_CONNECT_RETRY | FSM_A_SEND_OPEN | \
	FSM_A_START_HOLD_LARGE)
/* Connect/Active to Idle: "stops the ConnectRetryTimer, releases all BGP
 * resources, drops the TCP connection". */
#define A_DOWN (FSM_A_STOP_CONNECT_RETRY | FSM_A_RELEASE | FSM_A_DROP_TCP)
/* OpenSent/OpenConfirm/Established to Idle: the same, and the Hold and
 * Keepalive timers of the connection stop with it. */
#define A_CONN_DOWN (A_DOWN | FSM_A_STOP_HOLD | FSM_A_STOP_KEEPALIVE)

static struct fsm_result
go(enum fsm_state next, uint32_t actions)
{
	struct fsm_result r = { .state = next, .actions = actions };

	return r;
}

static struct fsm_result
stay(enum fsm_state state)
{
	return go(state, 0);
}

static struct fsm_result
go_notify(enum fsm_state next, uint32_t actions, uint8_t code, uint8_t subcode)
{
	struct fsm_result r = go(next, actions | FSM_A_SEND_NOTIFICATION);

	r.notify_code = code;
	r.notify_subcode = subcode;
	return r;
}

/* The BGP message an event stands for, 0 for timer/TCP/admin events and
 * for a header error (the type is not known when the header is bad). */
static uint8_t
event_msg_type(enum fsm_event ev)
{
	switch (ev) {
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_OPEN_ERR:
		return BGP_OPEN;
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
		return BGP_UPDATE;
	case FSM_EV_NOTIF_VERSION_ERR:
	case FSM_EV_NOTIF:
		return BGP_NOTIFICATION;
	case FSM_EV_KEEPALIVE:
		return BGP_KEEPALIVE;
	case FSM_EV_ROUTE_REFRESH:
		return BGP_ROUTE_REFRESH;
	default:
		return 0;
	}
}

/* RFC 6608 subcode for "Receive Unexpected Message in <state> State". */
static uint8_t
fsm_err_subcode(enum fsm_state state)
{
	switch (state) {
	case FSM_OPENSENT:
		return BGP_ERR_FSM_OPENSENT;
	case FSM_OPENCONFIRM:
		return BGP_ERR_FSM_OPENCONFIRM;
	case FSM_ESTABLISHED:
		return BGP_ERR_FSM_ESTABLISHED;
	default:
		return BGP_ERR_FSM_UNSPEC;
	}
}

/*
 * "In response to any other event …, the local system: sends the
 * NOTIFICATION with the Error Code Finite State Machine Error, sets the
 * ConnectRetryTimer to zero, releases all BGP resources, drops the TCP
 * connection, increments the ConnectRetryCounter by 1, changes its state
 * to Idle." RFC 6608 names the subcode for an unexpected message; an
 * unexpected timer event is Unspecified Error (0).
 */
static struct fsm_result
fsm_error(enum fsm_state state, enum fsm_event ev)
{
	uint8_t type = event_msg_type(ev);
	uint8_t sub = type != 0 ? fsm_err_subcode(state) : BGP_ERR_FSM_UNSPEC;
	struct fsm_result r = go_notify(FSM_IDLE,
	    A_CONN_DOWN | FSM_A_INC_RETRY_COUNT, BGP_ERR_FSM, sub);

	r.unexpected_msg_type = type;
	return r;
}

/* BGPHeaderErr, BGPOpenMsgErr, UpdateMsgErr: "sends a NOTIFICATION
 * message with the appropriate error code" — the decoder's, or the
 * event's own code when the caller passed none. */
static struct fsm_result
msg_error(enum fsm_event ev, uint8_t err_code, uint8_t err_subcode)
{
	uint8_t code = err_code;

	if (code == 0) {
		if (ev == FSM_EV_HEADER_ERR)
			code = BGP_ERR_HEADER;
		else if (ev == FSM_EV_OPEN_ERR)
			code = BGP_ERR_OPEN;
		else
			code = BGP_ERR_UPDATE;
	}
	return go_notify(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT, code,
	    err_subcode);
}

/* ManualStop in OpenSent, OpenConfirm, Established: "sends the
 * NOTIFICATION with a Cease, …, sets the ConnectRetryCounter to zero". */
static struct fsm_result
manual_stop(uint8_t err_subcode)
{
	uint8_t sub = err_subcode != 0 ? err_subcode : BGP_CEASE_ADMIN_SHUTDOWN;

	return go_notify(FSM_IDLE, A_CONN_DOWN | FSM_A_ZERO_RETRY_COUNT,
	    BGP_ERR_CEASE, sub);
}

/* AutomaticStop in OpenSent, OpenConfirm, Established: "sends the
 * NOTIFICATION with a Cease, …, increments the ConnectRetryCounter". */
static struct fsm_result
auto_stop(uint8_t err_subcode)
{
	return go_notify(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT,
	    BGP_ERR_CEASE, err_subcode);
}

/* HoldTimer_Expires: "sends a NOTIFICATION message with the Error Code
 * Hold Timer Expired, …, increments the ConnectRetryCounter". */
static struct fsm_result
hold_expired(void)
{
	return go_notify(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT,
	    BGP_ERR_HOLD, 0);
}

/* OpenCollisionDump: "sends a NOTIFICATION with a Cease, …, increments
 * the ConnectRetryCounter by 1"; RFC 4486 names the subcode. */
static struct fsm_result
collision_dump(void)
{
	return go_notify(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT,
	    BGP_ERR_CEASE, BGP_CEASE_COLLISION);
}

/*
 * Idle. "In response to a ManualStart event (Event 1) or an AutomaticStart
 * event (Event 3) … changes its state to Connect"; Events 4 and 5 change
 * it to Active. 6, 7 and 13 are the damping forms of 3 and 5 (damping is
 * not used). "Any other event (Events 9-12, 15-28) … does not cause change
 * in the state"; 2 and 8 "are ignored"; 14 and 29 likewise.
 */
static struct fsm_result
idle_step(enum fsm_event ev, bool passive)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:
	case FSM_EV_AUTO_START:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_IDLE_HOLD_EXPIRES:
		if (passive)
			return go(FSM_ACTIVE, A_START_LISTEN);
		return go(FSM_CONNECT, A_START_CONNECT);
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return go(FSM_ACTIVE, A_START_LISTEN);
	case FSM_EV_MANUAL_STOP:
	case FSM_EV_AUTO_STOP:
	case FSM_EV_CONNECT_RETRY_EXPIRES:
	case FSM_EV_HOLD_EXPIRES:
	case FSM_EV_KEEPALIVE_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_TCP_VALID:
	case FSM_EV_TCP_INVALID:
	case FSM_EV_TCP_ACKED:
	case FSM_EV_TCP_CONFIRMED:
	case FSM_EV_TCP_FAILS:
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_HEADER_ERR:
	case FSM_EV_OPEN_ERR:
	case FSM_EV_COLLISION_DUMP:
	case FSM_EV_NOTIF_VERSION_ERR:
	case FSM_EV_NOTIF:
	case FSM_EV_KEEPALIVE:
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
	case FSM_EV_ROUTE_REFRESH:
		return stay(FSM_IDLE);
	}
	return stay(FSM_IDLE);
}

/*
 * Connect. DelayOpen is FALSE, so the DelayOpen branches never apply:
 * 12 and 20 fall into "any other event", the error events 21/22 send no
 * NOTIFICATION (SendNOTIFICATIONwithoutOPEN is FALSE) and 24 takes the
 * "DelayOpenTimer is not running" branch; both of those are then the same
 * as "any other event (Events 8, 10-11, 13, 19, 23, 25-28)". A ROUTE-REFRESH
 * (29) is one more unexpected message.
 */
static struct fsm_result
connect_step(enum fsm_event ev)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:       /* "The start events (Events 1, 3-7) */
	case FSM_EV_AUTO_START:         /*  are ignored in the Connect state." */
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return stay(FSM_CONNECT);
	case FSM_EV_MANUAL_STOP:
		/* "drops the TCP connection, releases all BGP resources, sets
		 * ConnectRetryCounter to zero, stops the ConnectRetryTimer" */
		return go(FSM_IDLE, A_DOWN | FSM_A_ZERO_RETRY_COUNT);
	case FSM_EV_CONNECT_RETRY_EXPIRES:
		/* "drops the TCP connection, restarts the ConnectRetryTimer,
		 * initiates a TCP connection, continues to listen" */
		return go(FSM_CONNECT, FSM_A_DROP_TCP |
		    FSM_A_START_CONNECT_RETRY | FSM_A_CONNECT | FSM_A_LISTEN);
	case FSM_EV_TCP_VALID:          /* "processed … remains in Connect" */
	case FSM_EV_TCP_INVALID:        /* "rejects the TCP connection" */
		return stay(FSM_CONNECT);
	case FSM_EV_TCP_ACKED:
	case FSM_EV_TCP_CONFIRMED:
		return go(FSM_OPENSENT, A_TCP_UP);
	case FSM_EV_TCP_FAILS:
		/* DelayOpenTimer not running: "stops the ConnectRetryTimer,
		 * drops the TCP connection, releases all BGP resources" —
		 * the counter is left alone */
		return go(FSM_IDLE, A_DOWN);
	case FSM_EV_AUTO_STOP:
	case FSM_EV_HOLD_EXPIRES:
	case FSM_EV_KEEPALIVE_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_IDLE_HOLD_EXPIRES:
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_HEADER_ERR:
	case FSM_EV_OPEN_ERR:
	case FSM_EV_COLLISION_DUMP:
	case FSM_EV_NOTIF_VERSION_ERR:
	case FSM_EV_NOTIF:
	case FSM_EV_KEEPALIVE:
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
	case FSM_EV_ROUTE_REFRESH:
		/* "releases all BGP resources, drops the TCP connection,
		 * increments the ConnectRetryCounter by 1" */
		return go(FSM_IDLE, A_DOWN | FSM_A_INC_RETRY_COUNT);
	}
	return stay(FSM_CONNECT);
}

/*
 * Active. As in Connect, the DelayOpen branches never apply: 12 and 20
 * are "any other event (Events 8, 10-11, 13, 19, 23, 25-28)", 21/22 send
 * no NOTIFICATION, 24 takes the "not running" branch; all of these end the
 * same way, and so does an unexpected ROUTE-REFRESH (29).
 */
static struct fsm_result
active_step(enum fsm_event ev, bool passive)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:       /* "The start events (Events 1, 3-7) */
	case FSM_EV_AUTO_START:         /*  are ignored in the Active state." */
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return stay(FSM_ACTIVE);
	case FSM_EV_MANUAL_STOP:
		/* "releases all BGP resources, drops the TCP connection, sets
		 * ConnectRetryCounter to zero, stops the ConnectRetryTimer" */
		return go(FSM_IDLE, A_DOWN | FSM_A_ZERO_RETRY_COUNT);
	case FSM_EV_CONNECT_RETRY_EXPIRES:
		/* "restarts the ConnectRetryTimer, initiates a TCP connection,
		 * continues to listen, changes its state to Connect"; a
		 * passive peer does not connect out (§8.2.1) */
		if (passive)
			return go(FSM_ACTIVE,
			    FSM_A_START_CONNECT_RETRY | FSM_A_LISTEN);
		return go(FSM_CONNECT, FSM_A_START_CONNECT_RETRY |
		    FSM_A_CONNECT | FSM_A_LISTEN);
	case FSM_EV_TCP_VALID:          /* "stays in the Active state" */
	case FSM_EV_TCP_INVALID:        /* "rejects … stays in Active" */
		return stay(FSM_ACTIVE);
	case FSM_EV_TCP_ACKED:
	case FSM_EV_TCP_CONFIRMED:
		return go(FSM_OPENSENT, A_TCP_UP);
	case FSM_EV_TCP_FAILS:
		/* "restarts the ConnectRetryTimer, releases all BGP resource,
		 * increments the ConnectRetryCounter by 1, changes its state
		 * to Idle". Idle ignores the timer, so it is stopped instead
		 * (same behaviour seen from outside, no timer left in Idle);
		 * the failed connection is closed like every other. */
		return go(FSM_IDLE, A_DOWN | FSM_A_INC_RETRY_COUNT);
	case FSM_EV_AUTO_STOP:
	case FSM_EV_HOLD_EXPIRES:
	case FSM_EV_KEEPALIVE_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_IDLE_HOLD_EXPIRES:
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_HEADER_ERR:
	case FSM_EV_OPEN_ERR:
	case FSM_EV_COLLISION_DUMP:
	case FSM_EV_NOTIF_VERSION_ERR:
	case FSM_EV_NOTIF:
	case FSM_EV_KEEPALIVE:
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
	case FSM_EV_ROUTE_REFRESH:
		/* "sets the ConnectRetryTimer to zero, releases all BGP
		 * resources, drops the TCP connection, increments the
		 * ConnectRetryCounter by one" */
		return go(FSM_IDLE, A_DOWN | FSM_A_INC_RETRY_COUNT);
	}
	return stay(FSM_ACTIVE);
}

/*
 * OpenSent. "In response to any other event (Events 9, 11-13, 20, 25-28)"
 * an FSM error; 29 joins them (an unexpected message, RFC 6608).
 */
static struct fsm_result
opensent_step(enum fsm_event ev, uint8_t err_code, uint8_t err_subcode)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:       /* "The start events (Events 1, 3-7) */
	case FSM_EV_AUTO_START:         /*  are ignored in the OpenSent state." */
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return stay(FSM_OPENSENT);
	case FSM_EV_MANUAL_STOP:
		return manual_stop(err_subcode);
	case FSM_EV_AUTO_STOP:
		return auto_stop(err_subcode);
	case FSM_EV_HOLD_EXPIRES:
		return hold_expired();
	case FSM_EV_TCP_VALID:          /* a second connection, tracked per */
	case FSM_EV_TCP_ACKED:          /* §6.8 until an OPEN is received */
	case FSM_EV_TCP_CONFIRMED:
	case FSM_EV_TCP_INVALID:        /* "is ignored" */
		return stay(FSM_OPENSENT);
	case FSM_EV_TCP_FAILS:
		/* "closes the BGP connection, restarts the ConnectRetryTimer,
		 * continues to listen, changes its state to Active" */
		return go(FSM_ACTIVE, FSM_A_STOP_HOLD | FSM_A_STOP_KEEPALIVE |
		    FSM_A_DROP_TCP | FSM_A_START_CONNECT_RETRY | FSM_A_LISTEN);
	case FSM_EV_OPEN:
		/* "sets the BGP ConnectRetryTimer to zero, sends a KEEPALIVE
		 * message, sets a KeepaliveTimer, sets the HoldTimer according
		 * to the negotiated value, changes its state to OpenConfirm" */
		return go(FSM_OPENCONFIRM, FSM_A_STOP_CONNECT_RETRY |
		    FSM_A_SEND_KEEPALIVE | FSM_A_START_KEEPALIVE |
		    FSM_A_START_HOLD);
	case FSM_EV_HEADER_ERR:
	case FSM_EV_OPEN_ERR:
		return msg_error(ev, err_code, err_subcode);
	case FSM_EV_COLLISION_DUMP:
		return collision_dump();
	case FSM_EV_NOTIF_VERSION_ERR:
		/* "sets the ConnectRetryTimer to zero, releases all BGP
		 * resources, drops the TCP connection" — no counter change */
		return go(FSM_IDLE, A_CONN_DOWN);
	case FSM_EV_CONNECT_RETRY_EXPIRES:
	case FSM_EV_KEEPALIVE_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_IDLE_HOLD_EXPIRES:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_NOTIF:
	case FSM_EV_KEEPALIVE:
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
	case FSM_EV_ROUTE_REFRESH:
		return fsm_error(FSM_OPENSENT, ev);
	}
	return stay(FSM_OPENSENT);
}

/*
 * OpenConfirm. "In response to any other event (Events 9, 12-13, 20,
 * 27-28)" an FSM error. A valid OPEN (19) on this connection is a second
 * OPEN on it, an unexpected message (RFC 6608 gives OPEN as the example
 * for this state); the collision case of the RFC's text reaches us as
 * OpenCollisionDump (23) from the session, which sees both connections.
 */
static struct fsm_result
openconfirm_step(enum fsm_event ev, uint8_t err_code, uint8_t err_subcode)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:       /* "Any start event (Events 1, 3-7) */
	case FSM_EV_AUTO_START:         /*  is ignored in the OpenConfirm state." */
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return stay(FSM_OPENCONFIRM);
	case FSM_EV_MANUAL_STOP:
		return manual_stop(err_subcode);
	case FSM_EV_AUTO_STOP:
		return auto_stop(err_subcode);
	case FSM_EV_HOLD_EXPIRES:
		return hold_expired();
	case FSM_EV_KEEPALIVE_EXPIRES:
		/* "sends a KEEPALIVE message, restarts the KeepaliveTimer" */
		return go(FSM_OPENCONFIRM,
		    FSM_A_SEND_KEEPALIVE | FSM_A_START_KEEPALIVE);
	case FSM_EV_TCP_VALID:          /* "needs to track the second */
	case FSM_EV_TCP_ACKED:          /*  connection" */
	case FSM_EV_TCP_CONFIRMED:
	case FSM_EV_TCP_INVALID:        /* "will ignore" */
		return stay(FSM_OPENCONFIRM);
	case FSM_EV_TCP_FAILS:
	case FSM_EV_NOTIF:
		/* "sets the ConnectRetryTimer to zero, releases all BGP
		 * resources, drops the TCP connection, increments the
		 * ConnectRetryCounter by 1" */
		return go(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT);
	case FSM_EV_NOTIF_VERSION_ERR:  /* as 25, but no counter change */
		return go(FSM_IDLE, A_CONN_DOWN);
	case FSM_EV_HEADER_ERR:
	case FSM_EV_OPEN_ERR:
		return msg_error(ev, err_code, err_subcode);
	case FSM_EV_COLLISION_DUMP:
		return collision_dump();
	case FSM_EV_KEEPALIVE:
		/* "restarts the HoldTimer and changes its state to Established" */
		return go(FSM_ESTABLISHED, FSM_A_START_HOLD | FSM_A_ESTABLISHED);
	case FSM_EV_CONNECT_RETRY_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_IDLE_HOLD_EXPIRES:
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_UPDATE:
	case FSM_EV_UPDATE_ERR:
	case FSM_EV_ROUTE_REFRESH:
		return fsm_error(FSM_OPENCONFIRM, ev);
	}
	return stay(FSM_OPENCONFIRM);
}

/*
 * Established. "In response to any other event (Events 9, 12-13, 20-22)"
 * an FSM error. With CollisionDetectEstablishedState FALSE a valid OPEN
 * (19) is one more unexpected message (RFC 6608's example for this state),
 * and so is a malformed one (22). A bad header (21) is the exception: its
 * message has no known type, and §6.1 says header errors MUST be sent as
 * Message Header Error, so the decoder's code goes out.
 */
static struct fsm_result
established_step(enum fsm_event ev, uint8_t err_code, uint8_t err_subcode)
{
	switch (ev) {
	case FSM_EV_MANUAL_START:       /* "Any Start event (Events 1, 3-7) */
	case FSM_EV_AUTO_START:         /*  is ignored in the Established state." */
	case FSM_EV_MANUAL_START_PASSIVE:
	case FSM_EV_AUTO_START_PASSIVE:
	case FSM_EV_AUTO_START_DAMP:
	case FSM_EV_AUTO_START_DAMP_PASSIVE:
		return stay(FSM_ESTABLISHED);
	case FSM_EV_MANUAL_STOP:
		return manual_stop(err_subcode);
	case FSM_EV_AUTO_STOP:
		return auto_stop(err_subcode);
	case FSM_EV_HOLD_EXPIRES:
		return hold_expired();
	case FSM_EV_KEEPALIVE_EXPIRES:
		/* "sends a KEEPALIVE message, and restarts its KeepaliveTimer" */
		return go(FSM_ESTABLISHED,
		    FSM_A_SEND_KEEPALIVE | FSM_A_START_KEEPALIVE);
	case FSM_EV_TCP_VALID:          /* "the second connection SHALL be */
	case FSM_EV_TCP_ACKED:          /*  tracked until it sends an OPEN" */
	case FSM_EV_TCP_CONFIRMED:
	case FSM_EV_TCP_INVALID:        /* "will be ignored" */
		return stay(FSM_ESTABLISHED);
	case FSM_EV_COLLISION_DUMP:
		return collision_dump();
	case FSM_EV_TCP_FAILS:
	case FSM_EV_NOTIF_VERSION_ERR:
	case FSM_EV_NOTIF:
		/* "sets the ConnectRetryTimer to zero, deletes all routes,
		 * releases all the BGP resources, drops the TCP connection,
		 * increments the ConnectRetryCounter by 1" */
		return go(FSM_IDLE, A_CONN_DOWN | FSM_A_INC_RETRY_COUNT);
	case FSM_EV_KEEPALIVE:          /* "restarts its HoldTimer" */
	case FSM_EV_ROUTE_REFRESH:      /* any message proves the peer alive */
		return go(FSM_ESTABLISHED, FSM_A_START_HOLD);
	case FSM_EV_UPDATE:
		/* "processes the message, restarts its HoldTimer" */
		return go(FSM_ESTABLISHED,
		    FSM_A_PROCESS_UPDATE | FSM_A_START_HOLD);
	case FSM_EV_UPDATE_ERR:
		/* "sends a NOTIFICATION message with an Update error, …,
		 * deletes all routes, …, increments the ConnectRetryCounter" */
	case FSM_EV_HEADER_ERR:         /* §6.1, see above */
		return msg_error(ev, err_code, err_subcode);
	case FSM_EV_CONNECT_RETRY_EXPIRES:
	case FSM_EV_DELAY_OPEN_EXPIRES:
	case FSM_EV_IDLE_HOLD_EXPIRES:
	case FSM_EV_OPEN:
	case FSM_EV_OPEN_DELAY:
	case FSM_EV_OPEN_ERR:
		return fsm_error(FSM_ESTABLISHED, ev);
	}
	return stay(FSM_ESTABLISHED);
}

static bool
event_valid(enum fsm_event ev)
{
	return ev >= FSM_EV_MANUAL_START && ev < FSM_EVENT_COUNT;
}

struct fsm_result
fsm_step(enum fsm_state state, enum fsm_event ev, bool passive,
    uint8_t err_code, uint8_t err_subcode)
{
	if (!event_valid(ev))
		return stay(state);
	switch (state) {
	case FSM_IDLE:
		return idle_step(ev, passive);
	case FSM_CONNECT:
		return connect_step(ev);
	case FSM_ACTIVE:
		return active_step(ev, passive);
	case FSM_OPENSENT:
		return opensent_step(ev, err_code, err_subcode);
	case FSM_OPENCONFIRM:
		return openconfirm_step(ev, err_code, err_subcode);
	case FSM_ESTABLISHED:
		return established_step(ev, err_code, err_subcode);
	}
	return stay(state);
}

/* §4.2: "Hold Time MUST be either zero or at least three seconds";
 * §6.2: "An implementation MUST reject Hold Time values of one or two
 * seconds"; the negotiated value is the smaller of ours and theirs. */
bool
fsm_hold_time_negotiate(uint16_t local, uint16_t remote, uint16_t *out)
{
	if (remote == 1 || remote == 2 || local == 1 || local == 2)
		return false;
	*out = local < remote ? local : remote;
	return true;
}

/* §6.8: "retain only the connection initiated by the BGP speaker with the
 * higher-valued BGP Identifier"; "If the value of the local BGP Identifier
 * is less than the remote one", the remote's connection is kept. */
bool
fsm_collision_keep_local(uint32_t local_id, uint32_t remote_id)
{
	return local_id > remote_id;
}

static const char *const state_names[FSM_STATE_COUNT] = {
	[FSM_IDLE] = "Idle",
	[FSM_CONNECT] = "Connect",
	[FSM_ACTIVE] = "Active",
	[FSM_OPENSENT] = "OpenSent",
	[FSM_OPENCONFIRM] = "OpenConfirm",
	[FSM_ESTABLISHED] = "Established",
};

/* §8.1 names; 29 is bgpmux's own. */
static const char *const event_names[FSM_EVENT_COUNT] = {
	[FSM_EV_MANUAL_START] = "ManualStart",
	[FSM_EV_MANUAL_STOP] = "ManualStop",
	[FSM_EV_AUTO_START] = "AutomaticStart",
	[FSM_EV_MANUAL_START_PASSIVE] =
	    "ManualStart_with_PassiveTcpEstablishment",
	[FSM_EV_AUTO_START_PASSIVE] =
	    "AutomaticStart_with_PassiveTcpEstablishment",
	[FSM_EV_AUTO_START_DAMP] = "AutomaticStart_with_DampPeerOscillations",
	[FSM_EV_AUTO_START_DAMP_PASSIVE] = "AutomaticStart_with_"
	    "DampPeerOscillations_and_PassiveTcpEstablishment",
	[FSM_EV_AUTO_STOP] = "AutomaticStop",
	[FSM_EV_CONNECT_RETRY_EXPIRES] = "ConnectRetryTimer_Expires",
	[FSM_EV_HOLD_EXPIRES] = "HoldTimer_Expires",
	[FSM_EV_KEEPALIVE_EXPIRES] = "KeepaliveTimer_Expires",
	[FSM_EV_DELAY_OPEN_EXPIRES] = "DelayOpenTimer_Expires",
	[FSM_EV_IDLE_HOLD_EXPIRES] = "IdleHoldTimer_Expires",
	[FSM_EV_TCP_VALID] = "TcpConnection_Valid",
	[FSM_EV_TCP_INVALID] = "Tcp_CR_Invalid",
	[FSM_EV_TCP_ACKED] = "Tcp_CR_Acked",
	[FSM_EV_TCP_CONFIRMED] = "TcpConnectionConfirmed",
	[FSM_EV_TCP_FAILS] = "TcpConnectionFails",
	[FSM_EV_OPEN] = "BGPOpen",
	[FSM_EV_OPEN_DELAY] = "BGPOpen with DelayOpenTimer running",
	[FSM_EV_HEADER_ERR] = "BGPHeaderErr",
	[FSM_EV_OPEN_ERR] = "BGPOpenMsgErr",
	[FSM_EV_COLLISION_DUMP] = "OpenCollisionDump",
	[FSM_EV_NOTIF_VERSION_ERR] = "NotifMsgVerErr",
	[FSM_EV_NOTIF] = "NotifMsg",
	[FSM_EV_KEEPALIVE] = "KeepAliveMsg",
	[FSM_EV_UPDATE] = "UpdateMsg",
	[FSM_EV_UPDATE_ERR] = "UpdateMsgErr",
	[FSM_EV_ROUTE_REFRESH] = "RouteRefreshMsg",
};

const char *
fsm_state_name(enum fsm_state s)
{
	if (s < FSM_IDLE || s >= FSM_STATE_COUNT)
		return "Unknown";
	return state_names[s];
}

const char *
fsm_event_name(enum fsm_event ev)
{
	if (!event_valid(ev))
		return "Unknown";
	return event_names[ev];
}
