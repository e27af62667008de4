/*
 * pathstore.c — secret seeds for the path store's hash tables.
 */
#include "muxd/rib/pathstore.h"

#include <sys/random.h>
#include <time.h>

void pathstore_seed_init(struct pathstore_seed *s)
{
	if (getrandom(s, sizeof *s, GRND_NONBLOCK) == (ssize_t)sizeof *s)
		return;
	/* No entropy yet (early boot): a weaker but still varying seed. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	uint64_t a = (uint64_t)(uintptr_t)s;
	s->k0 = pathstore_mix(t ^ 0xa0761d6478bd642fULL, a ^ 0xe7037ed1a0b428dbULL);
	s->k1 = pathstore_mix(s->k0 ^ 0x8ebc6af09c88c6e3ULL, t | 1);
	s->k2 = pathstore_mix(s->k1 ^ 0x589965cc75374cc3ULL, a | 1);
}
