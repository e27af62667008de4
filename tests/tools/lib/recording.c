/*
 * recording.c — the UPDATE stream file (recording.h).
 */
#include "tests/tools/lib/recording.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/lib/rbuf.h"
#include "muxd/lib/wbuf.h"
#include "tests/tools/lib/tool.h"

#define RECORDING_MAGIC "BGPSTRM1"
#define RECORDING_HDR_LEN 24

bool recording_write_header(FILE *f, const struct bgp_codec_ctx *ctx,
    uint32_t peer_as, uint32_t peer_id)
{
	uint8_t hdr[RECORDING_HDR_LEN];
	struct wbuf w = wbuf_make(hdr, sizeof hdr);
	uint32_t flags = 0;

	if (ctx->as4)
		flags |= RECORDING_AS4;
	if (ctx->addpath[AID_IPV4_UNICAST])
		flags |= RECORDING_ADDPATH4;
	if (ctx->addpath[AID_IPV6_UNICAST])
		flags |= RECORDING_ADDPATH6;
	if (ctx->max_len > BGP_MAX_LEN)
		flags |= RECORDING_EXTMSG;
	wbuf_bytes(&w, RECORDING_MAGIC, 8);
	wbuf_u32(&w, flags);
	wbuf_u32(&w, peer_as);
	wbuf_u32(&w, peer_id);
	wbuf_u32(&w, 0);
	return fwrite(hdr, 1, w.len, f) == w.len;
}

static bool read_all(FILE *f, struct recording *rec)
{
	size_t cap = 1u << 24, n;

	rec->data = malloc(cap);
	while (rec->data && (n = fread(rec->data + rec->len, 1, cap - rec->len, f)) > 0) {
		rec->len += n;
		if (rec->len == cap) {
			uint8_t *p = cap < SIZE_MAX / 2 ? realloc(rec->data, cap * 2) : NULL;
			if (!p) {
				free(rec->data);
				rec->data = NULL;
				break;
			}
			rec->data = p;
			cap *= 2;
		}
	}
	return rec->data != NULL && !ferror(f);
}

/* Every message whole, and each an UPDATE: what the file promises. */
static bool check_messages(struct recording *rec, const char *path)
{
	size_t max = rec->flags & RECORDING_EXTMSG ? BGP_EXT_MAX_LEN : BGP_MAX_LEN, off = 0;
	struct bgp_header h;
	struct bgp_err e = { 0 };

	while (off < rec->len) {
		int n = bgp_header_decode(rec->data + off, rec->len - off, max, &h, &e);
		if (n <= 0 || h.type != BGP_UPDATE) {
			warnx_("%s: byte %zu: %s", path, off + RECORDING_HDR_LEN, n == 0 ?
			    "the file ends inside a message" : n < 0 ?
			    "not a BGP message" : "not an UPDATE");
			return false;
		}
		off += (size_t)n;
		rec->messages++;
	}
	return true;
}

static bool read_header(struct recording *rec, FILE *f, const char *path)
{
	uint8_t hdr[RECORDING_HDR_LEN];
	struct rbuf b = rbuf_make(hdr, sizeof hdr);

	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr || memcmp(hdr, RECORDING_MAGIC, 8)) {
		warnx_("%s: not a stream written by bgp_sink --save", path);
		return false;
	}
	rbuf_skip(&b, 8);
	rbuf_u32(&b, &rec->flags);
	rbuf_u32(&b, &rec->peer_as);
	return true;
}

bool recording_load(struct recording *rec, const char *path)
{
	FILE *f = fopen(path, "rb");
	bool ok;

	memset(rec, 0, sizeof *rec);
	if (!f) {
		warnx_("%s: %s", path, strerror(errno));
		return false;
	}
	ok = read_header(rec, f, path);
	if (ok && !read_all(f, rec)) {
		warnx_("%s: cannot read: %s", path, errno ? strerror(errno) : "out of memory");
		ok = false;
	}
	fclose(f);
	return ok && check_messages(rec, path);
}

void recording_free(struct recording *rec)
{
	free(rec->data);
	memset(rec, 0, sizeof *rec);
}
