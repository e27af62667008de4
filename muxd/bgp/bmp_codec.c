/*
 * bmp_codec.c — BMP messages as bytes (see bmp_codec.h).
 */
#include "muxd/bgp/bmp_codec.h"

#include <string.h>

static size_t begin(struct wbuf *w, uint8_t type)
{
	size_t start = w->len;

	wbuf_u8(w, BMP_VERSION);
	wbuf_u32(w, 0);                 /* length, patched by finish */
	wbuf_u8(w, type);
	return start;
}

static size_t finish(struct wbuf *w, size_t start)
{
	uint32_t len = (uint32_t)(w->len - start);

	if (w->overflow)
		return 0;
	wbuf_patch16(w, start + 1, (uint16_t)(len >> 16));
	wbuf_patch16(w, start + 3, (uint16_t)len);
	return len;
}

/* An IPv4 address sits in the last 4 of the 16 bytes (§4.2). */
static void put_addr(struct wbuf *w, const uint8_t a[16], bool v6)
{
	static const uint8_t zero[12];

	if (v6) {
		wbuf_bytes(w, a, 16);
	} else {
		wbuf_bytes(w, zero, 12);
		wbuf_bytes(w, a, 4);
	}
}

static void put_peer(struct wbuf *w, const struct bmp_peer_hdr *h)
{
	wbuf_u8(w, h->type);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, (uint32_t)(h->distinguisher >> 32));
	wbuf_u32(w, (uint32_t)h->distinguisher);
	put_addr(w, h->addr, h->flags & BMP_PEER_FLAG_V);
	wbuf_u32(w, h->as);
	wbuf_u32(w, h->bgp_id);
	wbuf_u32(w, h->ts_sec);
	wbuf_u32(w, h->ts_usec);
}

static void put_tlv(struct wbuf *w, uint16_t type, const void *v, size_t len)
{
	if (len > 0xffff) {
		w->overflow = true;
		return;
	}
	wbuf_u16(w, type);
	wbuf_u16(w, (uint16_t)len);
	wbuf_bytes(w, v, len);
}

size_t bmp_initiation_encode(struct wbuf *w, const char *sys_name,
    const char *sys_descr)
{
	size_t start = begin(w, BMP_INITIATION);

	put_tlv(w, BMP_INFO_SYS_DESCR, sys_descr, strlen(sys_descr));
	put_tlv(w, BMP_INFO_SYS_NAME, sys_name, strlen(sys_name));
	return finish(w, start);
}

size_t bmp_termination_encode(struct wbuf *w, uint16_t reason, const char *text)
{
	size_t start = begin(w, BMP_TERMINATION);
	uint8_t r[2] = { (uint8_t)(reason >> 8), (uint8_t)reason };

	if (text && *text)
		put_tlv(w, BMP_TERM_STRING, text, strlen(text));
	put_tlv(w, BMP_TERM_REASON, r, 2);
	return finish(w, start);
}

size_t bmp_peer_up_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const uint8_t local[16], uint16_t local_port, uint16_t remote_port,
    const uint8_t *open_sent, size_t sent_len,
    const uint8_t *open_rcvd, size_t rcvd_len)
{
	size_t start = begin(w, BMP_PEER_UP);

	put_peer(w, h);
	put_addr(w, local, h->flags & BMP_PEER_FLAG_V);
	wbuf_u16(w, local_port);
	wbuf_u16(w, remote_port);
	wbuf_bytes(w, open_sent, sent_len);
	wbuf_bytes(w, open_rcvd, rcvd_len);
	return finish(w, start);
}

size_t bmp_peer_down_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    uint8_t reason, const uint8_t *data, size_t len)
{
	size_t start = begin(w, BMP_PEER_DOWN);

	put_peer(w, h);
	wbuf_u8(w, reason);
	wbuf_bytes(w, data, len);
	return finish(w, start);
}

size_t bmp_route_monitoring_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const uint8_t *update, size_t len)
{
	size_t start = begin(w, BMP_ROUTE_MONITORING);

	put_peer(w, h);
	wbuf_bytes(w, update, len);
	return finish(w, start);
}

/* Types 7, 8 are 64-bit gauges; 9, 10 an AFI/SAFI and a 64-bit gauge;
 * the others 32-bit counters (§4.8). */
static void put_stat(struct wbuf *w, const struct bmp_stat *s)
{
	wbuf_u16(w, s->type);
	if (s->type == 7 || s->type == 8) {
		wbuf_u16(w, 8);
	} else if (s->type == 9 || s->type == 10) {
		wbuf_u16(w, 11);
		wbuf_u16(w, s->afi);
		wbuf_u8(w, s->safi);
	} else {
		wbuf_u16(w, 4);
		wbuf_u32(w, (uint32_t)s->value);
		return;
	}
	wbuf_u32(w, (uint32_t)(s->value >> 32));
	wbuf_u32(w, (uint32_t)s->value);
}

size_t bmp_stats_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const struct bmp_stat *st, size_t n)
{
	size_t start = begin(w, BMP_STATISTICS_REPORT);

	put_peer(w, h);
	wbuf_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_stat(w, &st[i]);
	return finish(w, start);
}
