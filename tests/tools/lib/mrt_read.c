/*
 * mrt_read.c — the test tools' MRT reader (mrt_read.h).
 */
#include "tests/tools/lib/mrt_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/rbuf.h"

bool mrt_read_open(struct mrt_reader *r, const char *path)
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

void mrt_read_close(struct mrt_reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	memset(r, 0, sizeof *r);
}

/* Read exactly n bytes. 1 done, 0 clean end of file (nothing read),
 * -1 error or a truncated file. */
static int read_exact(struct mrt_reader *r, void *dst, size_t n)
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

static bool reserve(struct mrt_reader *r, size_t n)
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
static int take_et(struct mrt_reader *r, struct mrt_record *rec)
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

int mrt_read_next(struct mrt_reader *r, struct mrt_record *rec)
{
	uint8_t hdr[MRT_HEADER_LEN];
	uint32_t len;
	int rc = read_exact(r, hdr, sizeof hdr);

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
	if (!reserve(r, len ? len : 1))
		return -1;
	if (len && read_exact(r, r->buf, len) != 1)
		return -1;
	r->records++;
	rec->body = r->buf;
	rec->len = len;
	if (rec->type == MRT_BGP4MP_ET)
		return take_et(r, rec);
	return 1;
}

static bool is_bgp4mp(const struct mrt_record *rec)
{
	return rec->type == MRT_BGP4MP || rec->type == MRT_BGP4MP_ET;
}

/* Which BGP4MP subtypes carry a BGP message, and in which form. */
static bool bgp4mp_kind(uint16_t subtype, struct mrt_bgp4mp_msg *m)
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

static bool read_as(struct rbuf *b, bool as4, uint32_t *as)
{
	uint16_t as2;

	if (as4)
		return rbuf_u32(b, as);
	if (!rbuf_u16(b, &as2))
		return false;
	*as = as2;
	return true;
}

bool mrt_read_bgp4mp(const struct mrt_record *rec, struct mrt_bgp4mp_msg *m,
    const char **why)
{
	struct rbuf b = rbuf_make(rec->body, rec->len);
	size_t alen;

	memset(m, 0, sizeof *m);
	*why = NULL;
	if (!is_bgp4mp(rec) || !bgp4mp_kind(rec->subtype, m))
		return false;
	*why = "BGP4MP message record too short";
	if (!read_as(&b, m->as4, &m->peer_as) || !read_as(&b, m->as4, &m->local_as) ||
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
