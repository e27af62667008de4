/*
 * upgrade_takeover.h — the new process's side of an upgrade in place
 * (muxd/upgrade.h): `muxd ... --takeover FD` reads the state at FD, takes
 * the state lock and puts the listening sockets in the listen pool
 * (muxd/engine/listen_pool.h) for the listeners to adopt; once the daemon
 * serves it tells the old process so, or why it refuses.
 */
#ifndef BGPMUX_UPGRADE_TAKEOVER_H
#define BGPMUX_UPGRADE_TAKEOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "muxd/handover_state.h"

struct upgrade_takeover {
	uint32_t generation;            /* the old process's */
	time_t started;                 /* when it began the upgrade */
	int ready_fd;                   /* -1 once answered */
	int lock_fd;
	size_t listeners;               /* put in the pool */
	/* The sessions and views handed over, until upgrade_takeover_done:
	 * st's bytes point into state; session i's connection is descriptor
	 * first_fd + st.sessions[i].fd_index, -1 in fds once taken. */
	int first_fd;
	uint8_t *state;
	struct handover_state st;
	int *fds;
};

/* Reads the handed-over descriptors from first_fd on; false with why
 * (then answer with upgrade_takeover_refuse). */
bool upgrade_takeover_read(int first_fd, struct upgrade_takeover *t, char *why,
    size_t why_len);
/* The connection of session record i, now the caller's (-1 if taken). */
int upgrade_takeover_take(struct upgrade_takeover *t, size_t i);
/* A handed-over session of record r that is not taken, on fd: logged
 * (why), told Cease with subcode (unless the old process left a message
 * half written), closed. */
void upgrade_takeover_close(const struct handover_session *r, int fd, uint8_t subcode,
    const char *why);
/* The sessions nobody took are closed, logged (their neighbors connect
 * again); the state is let go. */
void upgrade_takeover_done(struct upgrade_takeover *t);
/* "refused: why" to the old process, which goes on serving. */
void upgrade_takeover_refuse(int first_fd, const char *why);
/* This process serves: "ready" to the old process; handed-over listeners
 * nobody took (no longer configured) are closed, logged. */
void upgrade_takeover_ready(struct upgrade_takeover *t);

#endif
