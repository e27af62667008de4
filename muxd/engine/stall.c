/*
 * stall.c — the stall clock of a session's output (stall.h).
 */
#include "muxd/engine/stall.h"

#include "muxd/engine/session.h"

uint64_t stall_clock_idle_ms(struct stall_clock *c, const struct session *s,
    uint64_t now_ms)
{
	size_t q = session_queue_len(s);
	uint64_t progress = session_counters_tx(s)->bytes - q;

	if (q == 0 || progress != c->progress || c->at_ms == 0 ||
	    session_socket_writable(s)) {
		c->progress = progress;
		c->at_ms = now_ms;
		return 0;
	}
	return now_ms - c->at_ms;
}
