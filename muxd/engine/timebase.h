/*
 * timebase.h — the seconds the engine's timers count in.
 *
 * Hold and keepalive timers, open_timeout, ConnectRetry, the restart
 * back-off and the max_prefixes hold-down are all whole seconds of the
 * monotonic clock. A second is a second, except in unit tests, which
 * shorten it (timebase_set_second) so that a hold time of 3 runs out in a
 * fraction of real time with every timer in the same proportions.
 */
#ifndef BGPMUX_TIMEBASE_H
#define BGPMUX_TIMEBASE_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/* One engine second lasts usecs microseconds (0: a real second again).
 * For tests, before any timer is armed. */
void timebase_set_second(unsigned usecs);

/* Monotonic time in engine seconds (rounded down), and in thousandths
 * of an engine second. */
time_t timebase_now(void);
int64_t timebase_now_ms(void);

/* A libevent timeout of secs engine seconds, or of ms thousandths. */
struct timeval timebase_secs(unsigned secs);
struct timeval timebase_ms(int64_t ms);

#endif
