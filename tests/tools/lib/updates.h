/*
 * updates.h — UPDATE messages a tool is to send, back to back in one
 * buffer, each with what it carries: how many prefixes it announces and
 * withdraws, and which address families a receiver must have negotiated
 * for it. mrt_replay fills one from an MRT file (mrt_updates.h) or with a
 * synthetic table (synth.h).
 */
#ifndef BGPMUX_TOOLS_UPDATES_H
#define BGPMUX_TOOLS_UPDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Family bits: 1 << AFI for IPv4 and IPv6 unicast (as the speaker's
 * SPEAKER_FAM_*), and this for a family no tool negotiates, or IPv4 with
 * an IPv6 next hop (RFC 8950). */
#define UPDATE_FAM_OTHER 0x80u

struct update_ref {
	uint32_t off;
	uint16_t len;
	uint16_t announced;
	uint16_t withdrawn;
	uint8_t families;
};

struct update_list {
	uint8_t *data;
	size_t len, cap;
	struct update_ref *msgs;
	size_t n, msgs_cap;
	bool as4;                       /* AS_PATH encoding of the messages */
	unsigned long announced, withdrawn;
};

/* Appends a copy of msg; ref's counts and families are the caller's. False
 * when out of memory (logged). */
bool update_list_add(struct update_list *l, const uint8_t *msg, size_t len,
    struct update_ref ref);
void update_list_free(struct update_list *l);

/*
 * What one UPDATE (header included) carries, with the project's decoder,
 * for a session with the AS_PATH encoding as4. False if the decoder would
 * reset the session over it; *taw tells a treat-as-withdraw (RFC 7606).
 */
bool update_account(const uint8_t *msg, size_t len, bool as4, struct update_ref *ref,
    bool *taw);

#endif
