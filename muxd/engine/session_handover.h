/*
 * session_handover.h — one Established session across an upgrade in place
 * (muxd/upgrade.h): the old process freezes it and says what it is; the
 * new one adopts its connection in Established, so that the neighbor sees
 * nothing: no OPEN, no NOTIFICATION, no lost or repeated byte.
 *
 * A frozen session reads nothing and its hold and keepalive timers stop;
 * what it queued still drains. Thawed (the upgrade failed), it reads again,
 * handles what arrived meanwhile, and its timers start from now.
 */
#ifndef BGPMUX_SESSION_HANDOVER_H
#define BGPMUX_SESSION_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/engine/session.h"

struct session_handover {
	int fd;                         /* the connection (the session's still) */
	uint8_t *open_rx, *open_tx;     /* the OPENs received and sent, whole */
	size_t open_rx_len, open_tx_len;
	struct session_counters rx, tx;
	uint32_t uptime;                /* seconds Established */
	unsigned id;                    /* within the peer (multisession) */
	bool initiated_locally;
	uint8_t *unread;                /* read from the socket, not handled yet */
	size_t unread_len;
	uint8_t *unwritten;             /* queued, not written to the socket yet */
	size_t unwritten_len;
};

void session_freeze(struct session *s);
void session_thaw(struct session *s);
bool session_is_frozen(const struct session *s);
/* A frozen session writes no more (its queue is what session_handover_export
 * hands over, written by the new process); session_thaw writes again. */
void session_hold_output(struct session *s);

/* What a frozen Established session hands over (allocated: release with
 * session_handover_release); false if it is not one. */
bool session_handover_export(const struct session *s, struct session_handover *h);
void session_handover_release(struct session_handover *h);

/*
 * The new process's session on h->fd, Established as the old one left
 * it: the neighbor's OPEN negotiated again against the OPEN we sent (our
 * offer as it was, whatever p offers now), the counters and uptime kept,
 * the hold and keepalive timers armed, the unwritten bytes queued first
 * and the unread ones handled as if just read. p must still name the same
 * neighbor (its AS) and us (AS, identifier). No state_changed upcall: the
 * owner takes it as Established. NULL with why when the OPENs do not
 * decode or no longer match p; h->fd is then the caller's still.
 */
struct session *session_adopt_established(struct event_base *base,
    const struct session_params *p, const struct session_ops *ops, void *arg,
    const struct session_handover *h, char *why, size_t why_len);

#endif
