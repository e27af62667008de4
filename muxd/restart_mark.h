/*
 * restart_mark.h — did the last muxd on this state_dir stop cleanly?
 *
 * muxd writes STATE_DIR/muxd.running when it starts and removes it when
 * it stops cleanly (SIGTERM, SIGINT: every session closed). Found at the
 * next start, it says the previous run ended otherwise (kill -9, a crash,
 * a power cut): that start is a Graceful Restart, and the sessions of the
 * restart time set RFC 4724's R bit. muxd.lock cannot tell: the kernel
 * drops its lock however the process ends, and the file stays either way.
 */
#ifndef BGPMUX_RESTART_MARK_H
#define BGPMUX_RESTART_MARK_H

#include <stdbool.h>

#define RESTART_MARK_FILE "muxd.running"

/* Whether the mark was there (the previous run did not stop cleanly);
 * then (re)writes it. A mark that cannot be written is logged: the next
 * start then takes this run's end for a clean one. */
bool restart_mark_take(const char *state_dir);
/* Another mark of state_dir, kept across runs: whether STATE_DIR/name
 * was there; then (re)writes it. lost: what a mark that cannot be
 * written costs, for the log. */
bool state_mark_take(const char *state_dir, const char *name, const char *lost);
/* A clean stop: the mark goes. */
void restart_mark_clear(const char *state_dir);

#endif
