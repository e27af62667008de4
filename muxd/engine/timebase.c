/*
 * timebase.c — the engine's second (timebase.h): a real one, or a shorter
 * one for unit tests.
 */
#include "muxd/engine/timebase.h"

#define USECS_PER_SECOND 1000000u

static unsigned second_us = USECS_PER_SECOND;

void timebase_set_second(unsigned usecs)
{
	second_us = usecs ? usecs : USECS_PER_SECOND;
}

/* Monotonic time in microseconds. */
static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

time_t timebase_now(void)
{
	return (time_t)(mono_us() / second_us);
}

int64_t timebase_now_ms(void)
{
	return mono_us() * 1000 / second_us;
}

struct timeval timebase_ms(int64_t ms)
{
	int64_t us = ms > 0 ? ms * second_us / 1000 : 0;
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	return tv;
}

struct timeval timebase_secs(unsigned secs)
{
	return timebase_ms((int64_t)secs * 1000);
}
