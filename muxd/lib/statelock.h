/*
 * statelock.h — one muxd per state_dir.
 *
 * Two daemons on one state_dir would share the store, the MRT folder and
 * routes.json, and the second one could not listen anyway. At start muxd
 * takes an exclusive flock(2) on STATE_DIR/muxd.lock and writes its PID
 * there; the kernel drops the lock when the process ends, however it
 * ends, so a stale file never blocks a restart.
 */
#ifndef BGPMUX_STATELOCK_H
#define BGPMUX_STATELOCK_H

#include <stddef.h>

/* Create dir if it is missing and lock it. Returns the lock's descriptor
 * (kept open for the life of the process; close-on-exec), or -1 with why
 * (naming the PID that holds the lock, when another muxd does). */
int statelock_take(const char *dir, char *why, size_t why_len);

/* The lock a previous muxd handed over at an upgrade (the same open file,
 * so the same flock): it becomes this process's, with its PID. */
void statelock_adopt(int fd);

#endif
