/*
 * mrt_codec.c — MRT records as bytes (see mrt_codec.h).
 */
#include "muxd/bgp/mrt_codec.h"

#include <string.h>

#define ATTR_FLAG_OPTIONAL 0x80
#define ATTR_FLAG_EXT_LEN 0x10
#define ATTR_MP_REACH 14
#define PEER_TYPE_IPV6 0x01
#define PEER_TYPE_AS4 0x02

static size_t addr_len(const struct mrt_addr *a)
{
	return a->afi == 2 ? 16 : 4;
}

static void patch32(struct wbuf *w, size_t at, uint32_t v)
{
	wbuf_patch16(w, at, (uint16_t)(v >> 16));
	wbuf_patch16(w, at + 2, (uint16_t)v);
}

/* The header with a length to patch; returns the record's start. */
static size_t header_begin(struct wbuf *w, uint32_t ts, uint16_t type,
    uint16_t subtype)
{
	size_t start = w->len;

	wbuf_u32(w, ts);
	wbuf_u16(w, type);
	wbuf_u16(w, subtype);
	wbuf_u32(w, 0);
	return start;
}

static size_t header_finish(struct wbuf *w, size_t start)
{
	if (w->overflow)
		return 0;
	patch32(w, start + 8, (uint32_t)(w->len - start - MRT_HEADER_LEN));
	return w->len - start;
}

static void put_session(struct wbuf *w, const struct mrt_session *s, bool as4)
{
	if (as4) {
		wbuf_u32(w, s->peer_as);
		wbuf_u32(w, s->local_as);
	} else {
		wbuf_u16(w, s->peer_as > 0xffff ? 23456 : (uint16_t)s->peer_as);
		wbuf_u16(w, s->local_as > 0xffff ? 23456 : (uint16_t)s->local_as);
	}
	wbuf_u16(w, 0);                 /* interface index: none */
	wbuf_u16(w, s->peer.afi);
	wbuf_bytes(w, s->peer.a, addr_len(&s->peer));
	wbuf_bytes(w, s->local.a, addr_len(&s->peer));
}

size_t mrt_bgp4mp_message_encode(struct wbuf *w, uint32_t ts, const struct mrt_session *s,
    bool as4, bool addpath, const uint8_t *msg, size_t len)
{
	uint16_t sub = as4 ? MRT_BGP4MP_MESSAGE_AS4 : MRT_BGP4MP_MESSAGE;

	if (addpath)
		sub = as4 ? MRT_BGP4MP_MESSAGE_AS4_ADDPATH : MRT_BGP4MP_MESSAGE_ADDPATH;
	size_t start = header_begin(w, ts, MRT_BGP4MP, sub);
	put_session(w, s, as4);
	wbuf_bytes(w, msg, len);
	return header_finish(w, start);
}

size_t mrt_bgp4mp_state_encode(struct wbuf *w, uint32_t ts,
    const struct mrt_session *s, uint16_t old_state, uint16_t new_state)
{
	size_t start = header_begin(w, ts, MRT_BGP4MP, MRT_BGP4MP_STATE_CHANGE_AS4);

	put_session(w, s, true);
	wbuf_u16(w, old_state);
	wbuf_u16(w, new_state);
	return header_finish(w, start);
}

size_t mrt_peer_index_encode(struct wbuf *w, uint32_t ts, uint32_t collector_id,
    const char *view_name, const struct mrt_peer *peers, uint16_t n)
{
	size_t start = header_begin(w, ts, MRT_TABLE_DUMP_V2, MRT_PEER_INDEX_TABLE);
	size_t name_len = strlen(view_name);

	if (name_len > 0xffff)
		name_len = 0xffff;
	wbuf_u32(w, collector_id);
	wbuf_u16(w, (uint16_t)name_len);
	wbuf_bytes(w, view_name, name_len);
	wbuf_u16(w, n);
	for (uint16_t i = 0; i < n; i++) {
		const struct mrt_peer *p = &peers[i];
		wbuf_u8(w, PEER_TYPE_AS4 | (p->addr.afi == 2 ? PEER_TYPE_IPV6 : 0));
		wbuf_u32(w, p->bgp_id);
		wbuf_bytes(w, p->addr.a, addr_len(&p->addr));
		wbuf_u32(w, p->as);
	}
	return header_finish(w, start);
}

void mrt_rib_begin(struct mrt_rib *r, struct wbuf *w, uint32_t ts, uint32_t seq,
    uint16_t afi, bool addpath, const uint8_t *prefix, uint8_t prefix_len)
{
	uint16_t sub = afi == 2 ? MRT_RIB_IPV6_UNICAST : MRT_RIB_IPV4_UNICAST;

	if (addpath)
		sub = afi == 2 ? MRT_RIB_IPV6_UNICAST_ADDPATH : MRT_RIB_IPV4_UNICAST_ADDPATH;
	memset(r, 0, sizeof *r);
	r->w = w;
	r->afi = afi;
	r->addpath = addpath;
	r->start = header_begin(w, ts, MRT_TABLE_DUMP_V2, sub);
	wbuf_u32(w, seq);
	wbuf_u8(w, prefix_len);
	wbuf_bytes(w, prefix, (prefix_len + 7u) / 8);
	r->count_at = wbuf_mark(w, 2);
}

/* Where in attrs the abbreviated MP_REACH_NLRI goes: before the first
 * attribute of a higher type (attrs are in ascending type order). */
static size_t mp_reach_offset(const uint8_t *attrs, size_t len)
{
	size_t off = 0;

	while (off + 3 <= len) {
		uint8_t flags = attrs[off], type = attrs[off + 1];
		size_t hdr = (flags & ATTR_FLAG_EXT_LEN) ? 4 : 3;
		if (type > ATTR_MP_REACH || off + hdr > len)
			break;
		size_t vlen = hdr == 4 ? (size_t)(attrs[off + 2] << 8 | attrs[off + 3]) :
		    attrs[off + 2];
		off += hdr + vlen;
	}
	return off > len ? len : off;
}

void mrt_rib_entry(struct mrt_rib *r, uint16_t peer_index, uint32_t originated,
    uint32_t path_id, const uint8_t *attrs, size_t attrs_len,
    const uint8_t *next_hop, size_t nh_len)
{
	struct wbuf *w = r->w;
	bool mp = r->afi == 2;
	size_t total = attrs_len + (mp ? 4 + nh_len : 0);

	if (total > 0xffff) {
		w->overflow = true;
		return;
	}
	wbuf_u16(w, peer_index);
	wbuf_u32(w, originated);
	if (r->addpath)
		wbuf_u32(w, path_id);
	wbuf_u16(w, (uint16_t)total);
	if (!mp) {
		wbuf_bytes(w, attrs, attrs_len);
	} else {
		size_t at = mp_reach_offset(attrs, attrs_len);
		wbuf_bytes(w, attrs, at);
		wbuf_u8(w, ATTR_FLAG_OPTIONAL);
		wbuf_u8(w, ATTR_MP_REACH);
		wbuf_u8(w, (uint8_t)(1 + nh_len));
		wbuf_u8(w, (uint8_t)nh_len);
		wbuf_bytes(w, next_hop, nh_len);
		wbuf_bytes(w, attrs + at, attrs_len - at);
	}
	r->count++;
}

size_t mrt_rib_finish(struct mrt_rib *r)
{
	wbuf_patch16(r->w, r->count_at, r->count);
	return header_finish(r->w, r->start);
}
