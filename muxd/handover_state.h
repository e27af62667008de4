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

struct handover_listener {
	uint16_t fd_index;
	struct sockaddr_mux addr;
};

struct handover_state {
	uint32_t generation;            /* of the process that wrote it */
	uint64_t started;               /* unix seconds: the upgrade began */
	uint32_t old_pid;
	uint16_t nfds;                  /* handed over, the memfd included */
	uint16_t lock_index, ready_index;
	struct handover_listener *listeners;
	size_t nlisteners;
};

/* Bytes handover_state_encode writes for s. */
size_t handover_state_size(const struct handover_state *s);
/* Writes s into buf (cap bytes); the length written, 0 if cap is short. */
size_t handover_state_encode(const struct handover_state *s, uint8_t *buf, size_t cap);
/* Reads out of len bytes; false with why (out then holds nothing to
 * release). On success release out with handover_state_release. */
bool handover_state_decode(const uint8_t *p, size_t len, struct handover_state *out,
    char *why, size_t why_len);
void handover_state_release(struct handover_state *s);

#endif
