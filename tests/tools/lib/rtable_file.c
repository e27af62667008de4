/*
 * rtable_file.c — table files (rtable.h): the routes present now, dumped,
 * and read back as the routes to expect.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/lib/rbuf.h"
#include "muxd/lib/wbuf.h"
#include "tests/tools/lib/rtable.h"
#include "tests/tools/lib/tool.h"

#define TABLE_MAGIC "BGPTBL01"
#define TABLE_HDR_LEN 16        /* magic, count */
#define TABLE_REC_LEN 28        /* afi, len, 0, path id, attr hash, addr */

static void record_put(struct wbuf *w, const struct rtable_route *r)
{
	wbuf_u8(w, r->afi);
	wbuf_u8(w, r->len);
	wbuf_u16(w, 0);
	wbuf_u32(w, r->path_id);
	wbuf_u32(w, r->attr);
	wbuf_bytes(w, r->addr, sizeof r->addr);
}

bool rtable_dump(const struct rtable *t, const char *path)
{
	uint8_t buf[TABLE_REC_LEN > TABLE_HDR_LEN ? TABLE_REC_LEN : TABLE_HDR_LEN];
	FILE *f = fopen(path, "wb");
	struct wbuf w = wbuf_make(buf, sizeof buf);
	bool ok;

	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	wbuf_bytes(&w, TABLE_MAGIC, 8);
	wbuf_u32(&w, (uint32_t)((uint64_t)t->present >> 32));
	wbuf_u32(&w, (uint32_t)t->present);
	ok = fwrite(buf, 1, w.len, f) == w.len;
	for (size_t i = 0; ok && i < t->cap; i++) {
		if (!(t->slot[i].flags & RT_PRESENT))
			continue;
		w = wbuf_make(buf, sizeof buf);
		record_put(&w, &t->slot[i]);
		ok = fwrite(buf, 1, w.len, f) == w.len;
	}
	if (fclose(f) != 0 || !ok) {
		warnx_("%s: cannot write the table: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static bool record_get(struct rbuf *b, struct bgp_prefix *p, uint32_t *attr)
{
	uint8_t afi, len;
	uint16_t zero;

	memset(p, 0, sizeof *p);
	if (!rbuf_u8(b, &afi) || !rbuf_u8(b, &len) || !rbuf_u16(b, &zero) ||
	    !rbuf_u32(b, &p->path_id) || !rbuf_u32(b, attr) ||
	    !rbuf_copy(b, p->addr, sizeof p->addr))
		return false;
	p->afi = afi;
	p->len = len;
	return (afi == BGP_AFI_IPV4 && len <= 32) || (afi == BGP_AFI_IPV6 && len <= 128);
}

static bool expect_one(struct rtable *t, const uint8_t *rec)
{
	struct rbuf b = rbuf_make(rec, TABLE_REC_LEN);
	struct bgp_prefix p;
	uint32_t attr;
	struct rtable_route *r;

	if (!record_get(&b, &p, &attr) || !(r = rtable_get(t, &p, rtable_prefix_hash(&p))))
		return false;
	if (!(r->flags & RT_EXPECTED))
		t->expected++;
	r->flags |= RT_EXPECTED;
	r->want = attr;
	return true;
}

static bool read_header(FILE *f, uint64_t *count)
{
	uint8_t hdr[TABLE_HDR_LEN];
	struct rbuf b = rbuf_make(hdr, sizeof hdr);
	uint32_t hi, lo;

	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr || memcmp(hdr, TABLE_MAGIC, 8))
		return false;
	rbuf_skip(&b, 8);
	rbuf_u32(&b, &hi);
	rbuf_u32(&b, &lo);
	*count = (uint64_t)hi << 32 | lo;
	return *count < (1ull << 32);
}

bool rtable_expect(struct rtable *t, const char *path)
{
	uint8_t rec[TABLE_REC_LEN];
	FILE *f = fopen(path, "rb");
	uint64_t count = 0, i;
	bool ok;

	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	ok = read_header(f, &count);
	rtable_free(t);
	ok = ok && rtable_init(t, (size_t)count);
	for (i = 0; ok && i < count; i++)
		ok = fread(rec, 1, sizeof rec, f) == sizeof rec && expect_one(t, rec);
	fclose(f);
	if (!ok)
		warnx_("%s: not a table written by bgp_sink --dump-table "
		    "(bad header or record %" PRIu64 ")", path, i);
	return ok;
}
