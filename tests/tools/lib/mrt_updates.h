/*
 * mrt_updates.h — the UPDATEs one peer sent in a recorded session, read
 * from an MRT file (BGP4MP or BGP4MP_ET, MESSAGE and MESSAGE_AS4, plain or
 * gzip) into an update list, ready to be sent again. What cannot be sent
 * on a session without ADD-PATH and extended messages is left out and
 * counted: ADD-PATH records, messages over 4096 bytes, malformed ones,
 * and those of another AS_PATH encoding than the first UPDATE's.
 */
#ifndef BGPMUX_TOOLS_MRT_UPDATES_H
#define BGPMUX_TOOLS_MRT_UPDATES_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/tools/lib/updates.h"

struct mrt_updates_spec {
	const char *path;
	const char *peer;               /* which recorded peer; NULL: the first */
	unsigned long limit;            /* UPDATEs to read; 0: all */
	bool quiet;                     /* no summary line */
};

/* Fills l (l->as4 too) and *peer_as. False when the file cannot be read or
 * has no UPDATE to send (logged). */
bool mrt_updates_load(const struct mrt_updates_spec *spec, struct update_list *l,
    uint32_t *peer_as);

#endif
