/*
 * recording.h — the UPDATE stream file: what bgp_sink --save records of a
 * session and bgp_blast sends again. A 24-byte header ("BGPSTRM1", flags,
 * the sender's AS and BGP Identifier, 0; big-endian) says how the session
 * was negotiated; the UPDATE messages follow byte for byte.
 */
#ifndef BGPMUX_TOOLS_RECORDING_H
#define BGPMUX_TOOLS_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "muxd/bgp/bgp_update.h"

enum {
	RECORDING_AS4 = 1,              /* 4-octet AS_PATHs */
	RECORDING_ADDPATH4 = 2,         /* IPv4 NLRI with path ids */
	RECORDING_ADDPATH6 = 4,
	RECORDING_EXTMSG = 8,           /* messages up to 65535 bytes */
};

/* The header, for a session whose received UPDATEs decode with ctx. */
bool recording_write_header(FILE *f, const struct bgp_codec_ctx *ctx,
    uint32_t peer_as, uint32_t peer_id);

struct recording {
	uint8_t *data;                  /* the UPDATE messages, back to back */
	size_t len;
	unsigned long messages;
	uint32_t flags;                 /* RECORDING_* */
	uint32_t peer_as;               /* the sender's AS */
};

/* The whole file, each message checked whole and an UPDATE. False when it
 * is not such a file (logged). */
bool recording_load(struct recording *rec, const char *path);
void recording_free(struct recording *rec);

#endif
