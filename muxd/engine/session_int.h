/*
 * session_int.h — what the session's own files share (session.h is the
 * public face): the struct, the entry to the FSM, and each file's part.
 *
 *   session.c       life and death: creating, adopting a connection,
 *                   closing, the deferred free; the one entry to the FSM
 *                   and its actions; the accessors
 *   session_io.c    the bytes and the clock: framing what arrives, writing
 *                   what leaves, the TCP connection, the timers
 *   session_open.c  the OPEN: ours built, theirs checked, negotiated, logged
 *   session_rx.c    every other message from the neighbor, handed to the
 *                   FSM and to the owner
 *   session_handover.c  an upgrade in place: a session frozen and handed
 *                   over, or adopted Established
 *
 * Not for the session's owners.
 */
#ifndef BGPMUX_SESSION_INT_H
#define BGPMUX_SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "muxd/bgp/bgp.h"
#include "muxd/engine/session.h"

struct bufferevent;
struct event;

struct session {
	struct event_base *base;
	struct session_params p;
	const struct session_ops *ops;
	void *arg;

	enum fsm_state state;
	bool initiated_locally;
	bool closing;                   /* on its way out: no more input */
	bool tcp_up;
	struct bufferevent *bev;
	struct event *connect_retry_ev, *hold_ev, *keepalive_ev, *continue_ev,
	    *free_ev, *linger_ev, *connect_fail_ev;

	struct session_negotiated neg;
	time_t last_rx;                 /* engine seconds: the lazy hold timer */
	time_t established_at;          /* CLOCK_MONOTONIC seconds */
	struct sockaddr_mux local_addr, remote_addr;

	struct session_counters rx, tx;
	unsigned id;                    /* within the peer (multisession) */
	bool open_deferred;             /* delay_open: ours not sent yet */
	bool was_established;           /* reached Established at some point */
	bool confirmed;                 /* heard from the neighbor since then */
	uint16_t redirect_port;         /* we set R: they must reconnect there */
	bool notif_rx, notif_tx;
	uint8_t notif_code, notif_subcode;             /* received */
	uint8_t notif_tx_code, notif_tx_subcode;       /* sent (6/9 as sent) */
	char last_error[320];
	char shutdown_text[256];        /* goes with Cease 2/4 */
	/* The last OPEN [0] and NOTIFICATION [1], received [0] and sent [1],
	 * whole: monitors report them (BMP Peer Up and Peer Down). */
	struct { uint8_t *p; size_t len; } kept[2][2];
	bool frozen;                    /* an upgrade is handing it over */
};

/* ---- session.c ---------------------------------------------------------- */

/* The one entry to the FSM (with the reason the log and the owner see). */
void session_event(struct session *s, enum fsm_event ev, uint8_t code,
    uint8_t subcode, const char *reason);
/* A decode error: logged, and the event with its NOTIFICATION's data. */
void session_error(struct session *s, enum fsm_event ev, const struct bgp_err *e);
void session_set_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Seconds a new connection has for the neighbor's OPEN. */
unsigned session_open_timeout(void);

/* ---- session_io.c ------------------------------------------------------- */

/* The session's timers and deferred events, for session_new. */
void session_io_init(struct session *s);
/* Read and write on fd from now on (an accepted or new connection). */
void session_attach(struct session *s, int fd);
/* The connection's two addresses, once it is up. */
void session_record_addrs(struct session *s);
/* Open the connection to the neighbor (the FSM's Connect action). */
void session_connect(struct session *s);
void session_timer_arm(struct event *ev, unsigned secs);
/* Write a whole encoded message and count it. */
void session_write(struct session *s, const uint8_t *msg, size_t len);
void session_send_keepalive(struct session *s);
void session_send_notification(struct session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len);

/* ---- session_open.c ----------------------------------------------------- */

/* Ours (not yet, for a passive delay_open session before theirs). */
void session_send_open(struct session *s);
void session_handle_open(struct session *s, const uint8_t *body, size_t len);
/* Agree with the neighbor's OPEN on what s->p offers (s->neg); false with
 * the error (session_handover.c: the OPENs of a handed-over session). */
bool session_negotiate(struct session *s, const struct bgp_open *o, struct bgp_err *e);

/* ---- session_rx.c ------------------------------------------------------- */

/* A whole message of the neighbor's, after the header. */
void session_handle_message(struct session *s, uint8_t type, const uint8_t *body,
    size_t len);

#endif
