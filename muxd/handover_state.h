/*
 * handover_state.h — what an upgrading muxd tells the muxd that replaces
 * it (muxd/upgrade.h), in a versioned binary form that travels in a
 * sealed memfd beside the descriptors it names.
 *
 * Layout (big-endian): "MUXHOVER", version u16, flags u16, total length
 * u32, then records: type u8, length u32, body. A reader skips record
 * types it does not know (a newer writer's additions) and refuses a
 * missing or repeated process record, a descriptor index outside those
 * handed over, a length that runs past the end, or a newer version.
 *
 *   PROCESS   generation u32, upgrade start (unix seconds) u64, old pid
 *             u32, descriptors handed over u16, index of the state lock
 *             u16, index of the ready pipe u16
 *   LISTENER  descriptor index u16, family u8 (4 or 6), address (4 or 16
 *             bytes), port u16
 *   SESSION   descriptor index u16, owner kind u8, session id u32, seconds
 *             Established u32, flags u8 (1: we connected; a client's: 2
 *             and 4, a ROUTE-REFRESH re-send to it under way for IPv4,
 *             IPv6 — both: every family), owner name and
 *             instance name (u8 length, bytes each), counters received
 *             then sent (by type [0..5], bytes, prefixes: u64 each), the
 *             OPENs received and sent (u16 length, bytes each), the bytes
 *             read but not handled and those queued but not written (u32
 *             length, bytes each)
 *   VIEW      name (u8 length, bytes), then its table (muxd/rib/rib_snapshot.h)
 *             to the end of the record
 *
 * Descriptor indices count from the first handed-over descriptor (the
 * state memfd itself is index 0).
 */
#ifndef BGPMUX_HANDOVER_STATE_H
#define BGPMUX_HANDOVER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/lib/sockaddr.h"

#define HANDOVER_VERSION 1
#define HANDOVER_MAX_FDS 65535
#define HANDOVER_MAX_LISTENERS 1024
#define HANDOVER_MAX_SESSIONS 65535
#define HANDOVER_MAX_VIEWS 65535

struct handover_listener {
	uint16_t fd_index;
	struct sockaddr_mux addr;
};

enum handover_owner {
	HANDOVER_UPSTREAM = 1,          /* an upstream's view */
	HANDOVER_PEER = 2,              /* a plain peer's view */
	HANDOVER_CLIENT = 3,            /* a client of an instance */
};

struct handover_counters {
	uint64_t msgs[6], bytes, prefixes;
};

/* Byte fields point into the encoded state (decode) or the caller's
 * memory (encode): borrowed. */
struct handover_session {
	uint16_t fd_index;
	uint8_t kind;                   /* enum handover_owner */
	uint32_t id, uptime;
	bool initiated_locally;
	bool refreshing;                /* a client's ROUTE-REFRESH re-send */
	uint16_t refresh_afi;           /* its AFI (1, 2); 0: every family */
	char owner[256], instance[256]; /* names; instance: clients only */
	struct handover_counters rx, tx;
	const uint8_t *open_rx, *open_tx, *unread, *unwritten;
	size_t open_rx_len, open_tx_len, unread_len, unwritten_len;
};

struct handover_view {
	char name[256];
	const uint8_t *table;           /* rib_snapshot bytes */
	size_t table_len;
};

struct handover_state {
	uint32_t generation;            /* of the process that wrote it */
	uint64_t started;               /* unix seconds: the upgrade began */
	uint32_t old_pid;
	uint16_t nfds;                  /* handed over, the memfd included */
	uint16_t lock_index, ready_index;
	struct handover_listener *listeners;
	size_t nlisteners;
	struct handover_session *sessions;
	size_t nsessions;
	struct handover_view *views;
	size_t nviews;
};

/* Bytes handover_state_encode writes for s. */
size_t handover_state_size(const struct handover_state *s);
/* Writes s into buf (cap bytes); the length written, 0 if cap is short. */
size_t handover_state_encode(const struct handover_state *s, uint8_t *buf, size_t cap);
/* Reads out of len bytes (which must outlive out: its byte fields point
 * into them); false with why (out then holds nothing to
 * release). On success release out with handover_state_release. */
bool handover_state_decode(const uint8_t *p, size_t len, struct handover_state *out,
    char *why, size_t why_len);
void handover_state_release(struct handover_state *s);

#endif
