/*
 * mrt_read.h — a small reader of MRT files (RFC 6396) for the test tools:
 * record framing, plain or gzip-compressed, and the BGP4MP message
 * records (RFC 6396 §4.4, ADD-PATH subtypes of RFC 8050).
 *
 * Header-only on purpose: the Makefile builds each .c file in tests/tools/
 * into a binary of its own, so a reader shared by tools cannot be a .c.
 * Needs zlib (-lz): gzread also reads uncompressed files as they are.
 *
 * Every body byte goes through muxd/rbuf.h; a record whose fields do not
 * add up is reported, never read past.
 */
#ifndef BGPMUX_TOOLS_MRT_READ_H
#define BGPMUX_TOOLS_MRT_READ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "muxd/rbuf.h"
/* The record numbers, shared with muxd's writer. */
#include "monitors/mrt_codec.h"

/* No MRT writer we know of produces a record above 1 MiB (the largest is a
 * TABLE_DUMP_V2 entry of ~64 KiB); a bigger length means a broken file. */
#define MRT_MAX_RECORD (1u << 20)

struct mrt_reader {
	gzFile gz;
	uint8_t *buf;           /* the current record's body */
	size_t cap;
	uint64_t records;       /* records read so far */
	char err[160];          /* why mrt_next returned -1 */
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

static inline bool mrt_open(struct mrt_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		snprintf(r->err, sizeof r->err, "%s: %s", path,
		    errno ? strerror(errno) : "cannot open");
		return false;
	}
	/* Large reads: decompression, not syscalls, should be the cost. */
	gzbuffer(r->gz, 256 * 1024);
	return true;
}

static inline void mrt_close(struct mrt_reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	memset(r, 0, sizeof *r);
}

/* Read exactly n bytes. 1 done, 0 clean end of file (nothing read),
 * -1 error or a truncated file. */
static inline int mrt_read_exact(struct mrt_reader *r, void *dst, size_t n)
{
	int got = gzread(r->gz, dst, (unsigned)n);
	int zerr;

	if (got == (int)n)
		return 1;
	if (got == 0 && gzeof(r->gz))
		return 0;
	if (got >= 0)
		snprintf(r->err, sizeof r->err,
		    "record %llu: file ends inside it (%d of %zu bytes)",
		    (unsigned long long)r->records + 1, got, n);
	else
		snprintf(r->err, sizeof r->err, "record %llu: %s",
		    (unsigned long long)r->records + 1, gzerror(r->gz, &zerr));
	return -1;
}

static inline bool mrt_reserve(struct mrt_reader *r, size_t n)
{
	if (n <= r->cap)
		return true;
	uint8_t *p = realloc(r->buf, n);
	if (!p) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return false;
	}
	r->buf = p;
	r->cap = n;
	return true;
}

/* The _ET types carry microseconds first, counted in the length
 * (RFC 6396 §3); take them off so body is the same for both forms. */
static inline int mrt_take_et(struct mrt_reader *r, struct mrt_record *rec)
{
	struct rbuf b = rbuf_make(rec->body, rec->len);

	if (!rbuf_u32(&b, &rec->usec)) {
		snprintf(r->err, sizeof r->err,
		    "record %llu: _ET record shorter than its µs field",
		    (unsigned long long)r->records);
		return -1;
	}
	rec->body = b.p;
	rec->len = b.len;
	return 1;
}

/* Next record. 1 read (rec points into the reader until the next call),
 * 0 end of file, -1 error (r->err says what). */
static inline int mrt_next(struct mrt_reader *r, struct mrt_record *rec)
{
	uint8_t hdr[MRT_HEADER_LEN];
	uint32_t len;
	int rc = mrt_read_exact(r, hdr, sizeof hdr);

	if (rc <= 0)
		return rc;
	memset(rec, 0, sizeof *rec);
	rec->ts = be32(hdr);
	rec->type = be16(hdr + 4);
	rec->subtype = be16(hdr + 6);
	len = be32(hdr + 8);
	if (len > MRT_MAX_RECORD) {
		snprintf(r->err, sizeof r->err,
		    "record %llu: length %u is not believable (max %u)",
		    (unsigned long long)r->records + 1, len, MRT_MAX_RECORD);
		return -1;
	}
	if (!mrt_reserve(r, len ? len : 1))
		return -1;
	if (len && mrt_read_exact(r, r->buf, len) != 1)
		return -1;
	r->records++;
	rec->body = r->buf;
	rec->len = len;
	if (rec->type == MRT_BGP4MP_ET)
		return mrt_take_et(r, rec);
	return 1;
}

static inline bool mrt_is_bgp4mp(const struct mrt_record *rec)
{
	return rec->type == MRT_BGP4MP || rec->type == MRT_BGP4MP_ET;
}

/* Which BGP4MP subtypes carry a BGP message, and in which form. */
static inline bool mrt_bgp4mp_kind(uint16_t subtype, struct mrt_bgp4mp_msg *m)
{
	switch (subtype) {
	case MRT_BGP4MP_MESSAGE:
		break;
	case MRT_BGP4MP_MESSAGE_AS4:
		m->as4 = true;
		break;
	case MRT_BGP4MP_MESSAGE_LOCAL:
		m->local = true;
		break;
	case MRT_BGP4MP_MESSAGE_AS4_LOCAL:
		m->as4 = m->local = true;
		break;
	case MRT_BGP4MP_MESSAGE_ADDPATH:
	case MRT_BGP4MP_MESSAGE_AS4_ADDPATH:
	case MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH:
	case MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH:
		/* RFC 8050 numbers them in the same order as 1, 4, 6, 7. */
		m->addpath = true;
		m->as4 = subtype == MRT_BGP4MP_MESSAGE_AS4_ADDPATH ||
		    subtype == MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
		m->local = subtype >= MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH;
		break;
	default:
		return false;
	}
	return true;
}

static inline bool mrt_read_as(struct rbuf *b, bool as4, uint32_t *as)
{
	uint16_t as2;

	if (as4)
		return rbuf_u32(b, as);
	if (!rbuf_u16(b, &as2))
		return false;
	*as = as2;
	return true;
}

/*
 * A BGP4MP message record, parsed. False if rec is some other record
 * (state change, another type) or its fields do not add up; *why says
 * which when it is malformed, NULL when it is just not a message.
 */
static inline bool mrt_bgp4mp_message(const struct mrt_record *rec,
    struct mrt_bgp4mp_msg *m, const char **why)
{
	struct rbuf b = rbuf_make(rec->body, rec->len);
	size_t alen;

	memset(m, 0, sizeof *m);
	*why = NULL;
	if (!mrt_is_bgp4mp(rec) || !mrt_bgp4mp_kind(rec->subtype, m))
		return false;
	*why = "BGP4MP message record too short";
	if (!mrt_read_as(&b, m->as4, &m->peer_as) ||
	    !mrt_read_as(&b, m->as4, &m->local_as) ||
	    !rbuf_u16(&b, &m->ifindex) || !rbuf_u16(&b, &m->afi))
		return false;
	if (m->afi != 1 && m->afi != 2) {
		*why = "BGP4MP address family is neither IPv4 nor IPv6";
		return false;
	}
	alen = m->afi == 1 ? 4 : 16;
	if (!rbuf_copy(&b, m->peer_ip, alen) || !rbuf_copy(&b, m->local_ip, alen))
		return false;
	m->msg = b.p;
	m->msg_len = b.len;
	*why = NULL;
	return true;
}

#endif
