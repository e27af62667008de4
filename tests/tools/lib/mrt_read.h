/*
 * mrt_read.h — a small reader of MRT files (RFC 6396) for the test tools:
 * record framing, plain or gzip-compressed (zlib's gzread reads both),
 * and the BGP4MP message records (RFC 6396 §4.4, ADD-PATH subtypes of
 * RFC 8050).
 *
 * Every body byte goes through muxd/lib/rbuf.h; a record whose fields do not
 * add up is reported, never read past.
 */
#ifndef BGPMUX_TOOLS_MRT_READ_H
#define BGPMUX_TOOLS_MRT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* The record numbers, shared with muxd's writer. */
#include "muxd/bgp/mrt_codec.h"

/* No MRT writer we know of produces a record above 1 MiB (the largest is a
 * TABLE_DUMP_V2 entry of ~64 KiB); a bigger length means a broken file. */
#define MRT_MAX_RECORD (1u << 20)

struct mrt_reader {
	gzFile gz;
	uint8_t *buf;           /* the current record's body */
	size_t cap;
	uint64_t records;       /* records read so far */
	char err[160];          /* why mrt_read_next returned -1 */
};

struct mrt_record {
	uint32_t ts;            /* seconds */
	uint32_t usec;          /* _ET types only, else 0 */
	uint16_t type;
	uint16_t subtype;
	const uint8_t *body;    /* after the µs field of _ET types */
	size_t len;
};

/* One BGP4MP message record, fields as RFC 6396 §4.4.2/4.4.3 lay them. */
struct mrt_bgp4mp_msg {
	bool as4;               /* MESSAGE_AS4 family: 4-octet AS fields */
	bool local;             /* sent by the recorder, not received */
	bool addpath;           /* RFC 8050 subtypes: NLRI carry path ids */
	uint32_t peer_as;
	uint32_t local_as;
	uint16_t ifindex;
	uint16_t afi;           /* of the two addresses: 1 IPv4, 2 IPv6 */
	uint8_t peer_ip[16];    /* 4 or 16 bytes used, by afi */
	uint8_t local_ip[16];
	const uint8_t *msg;     /* the whole BGP message, marker included */
	size_t msg_len;
};

/* False when the file cannot be opened (r->err says why). */
bool mrt_read_open(struct mrt_reader *r, const char *path);
void mrt_read_close(struct mrt_reader *r);

/* Next record. 1 read (rec points into the reader until the next call),
 * 0 end of file, -1 error (r->err says what). */
int mrt_read_next(struct mrt_reader *r, struct mrt_record *rec);

/*
 * A BGP4MP message record, parsed. False if rec is some other record
 * (state change, another type) or its fields do not add up; *why says
 * which when it is malformed, NULL when it is just not a message.
 */
bool mrt_read_bgp4mp(const struct mrt_record *rec, struct mrt_bgp4mp_msg *m,
    const char **why);

#endif
