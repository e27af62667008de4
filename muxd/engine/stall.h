/*
 * stall.h — the stall clock of a session's output: how long its neighbor
 * has taken nothing while bytes wait for it. A client's session and an
 * export host's are closed by the same rule (instances/client.c,
 * muxd/export_send.c): a neighbor that reads slowly moves the clock
 * back; one that reads nothing is let go, and its queue with it.
 *
 * The clock runs only while the socket refuses bytes: while it would
 * take more, what waits in the queue waits for this process's loop
 * (busy, or short of CPU on a loaded machine), not for the neighbor.
 */
#ifndef BGPMUX_STALL_H
#define BGPMUX_STALL_H

#include <stdint.h>

struct session;

struct stall_clock {
	uint64_t progress;      /* bytes the kernel had taken */
	uint64_t at_ms;         /* when they last moved; 0: not yet */
};

/* Milliseconds (of the caller's clock, now_ms) the output of s has stood
 * still with bytes waiting and its socket refusing more; 0 while it
 * moves, is empty, or waits for this loop. */
uint64_t stall_clock_idle_ms(struct stall_clock *c, const struct session *s,
    uint64_t now_ms);

#endif
