/*
 * mrt_codec.h — MRT records (RFC 6396, ADD-PATH forms of RFC 8050) as
 * bytes: the record header, BGP4MP messages and state changes, and the
 * TABLE_DUMP_V2 peer index table and RIB records.
 *
 * Pure encoders: each writes one whole record (header included) at the end
 * of a wbuf and returns its length, 0 when it did not fit (w->overflow).
 * Nothing here does I/O or allocates. The numbers are shared with the test
 * tools' reader (tests/tools/lib/mrt_read.h).
 */
#ifndef BGPMUX_MRT_CODEC_H
#define BGPMUX_MRT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/lib/wbuf.h"

#define MRT_HEADER_LEN 12

/* Record types. Never 12 (TABLE_DUMP: 2-octet ASNs only). */
enum {
	MRT_TABLE_DUMP_V2 = 13,
	MRT_BGP4MP = 16,
	MRT_BGP4MP_ET = 17,
};

/* BGP4MP subtypes (RFC 6396 §4.4, RFC 8050 §3). */
enum {
	MRT_BGP4MP_STATE_CHANGE = 0,
	MRT_BGP4MP_MESSAGE = 1,
	MRT_BGP4MP_MESSAGE_AS4 = 4,
	MRT_BGP4MP_STATE_CHANGE_AS4 = 5,
	MRT_BGP4MP_MESSAGE_LOCAL = 6,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL = 7,
	MRT_BGP4MP_MESSAGE_ADDPATH = 8,
	MRT_BGP4MP_MESSAGE_AS4_ADDPATH = 9,
	MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH = 10,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH = 11,
};

/* TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4). */
enum {
	MRT_PEER_INDEX_TABLE = 1,
	MRT_RIB_IPV4_UNICAST = 2,
	MRT_RIB_IPV6_UNICAST = 4,
	MRT_RIB_IPV4_UNICAST_ADDPATH = 8,
	MRT_RIB_IPV6_UNICAST_ADDPATH = 10,
};

/* BGP FSM states as BGP4MP_STATE_CHANGE numbers them. */
enum {
	MRT_STATE_IDLE = 1, MRT_STATE_CONNECT, MRT_STATE_ACTIVE,
	MRT_STATE_OPENSENT, MRT_STATE_OPENCONFIRM, MRT_STATE_ESTABLISHED,
};

/* An address as MRT writes it: afi 1 (4 bytes used) or 2 (16). */
struct mrt_addr {
	uint16_t afi;
	uint8_t a[16];
};

/* The two ends of a BGP session, for BGP4MP records. */
struct mrt_session {
	uint32_t peer_as;
	uint32_t local_as;
	struct mrt_addr peer;   /* both of one family */
	struct mrt_addr local;
};

/* A peer of the PEER_INDEX_TABLE. */
struct mrt_peer {
	uint32_t bgp_id;        /* host order */
	uint32_t as;
	struct mrt_addr addr;
};

/* BGP4MP_MESSAGE_AS4 (BGP4MP_MESSAGE when !as4: 2-octet AS fields, for a
 * session without 4-octet ASNs, whose AS_PATH is 2-octet too), or their
 * _ADDPATH forms; msg is the whole BGP message, marker included. */
size_t mrt_bgp4mp_message_encode(struct wbuf *w, uint32_t ts, const struct mrt_session *s,
    bool as4, bool addpath, const uint8_t *msg, size_t len);

/* BGP4MP_STATE_CHANGE_AS4 from state old to state new (MRT_STATE_*). */
size_t mrt_bgp4mp_state_encode(struct wbuf *w, uint32_t ts,
    const struct mrt_session *s, uint16_t old_state, uint16_t new_state);

/* PEER_INDEX_TABLE: the collector's BGP ID, a view name, n peers (every
 * peer written with a 4-octet AS). */
size_t mrt_peer_index_encode(struct wbuf *w, uint32_t ts, uint32_t collector_id,
    const char *view_name, const struct mrt_peer *peers, uint16_t n);

/*
 * A RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record (the _ADDPATH subtype when
 * addpath) for one prefix and its entries:
 *   mrt_rib_begin(&rib, w, ts, seq, afi, addpath, prefix, prefix_len);
 *   mrt_rib_entry(&rib, peer, originated, path_id, attrs, len, nh, nh_len);
 *   ...
 *   n = mrt_rib_finish(&rib);
 * attrs are path attributes in 4-octet AS form without MP_REACH_NLRI; for
 * IPv6 the entry gets the abbreviated MP_REACH_NLRI (next hop length and
 * next hop only, RFC 6396 §4.3.4), placed in attribute type order.
 */
struct mrt_rib {
	struct wbuf *w;
	size_t start;
	size_t count_at;
	uint16_t afi;
	bool addpath;
	uint16_t count;
};

void mrt_rib_begin(struct mrt_rib *r, struct wbuf *w, uint32_t ts, uint32_t seq,
    uint16_t afi, bool addpath, const uint8_t *prefix, uint8_t prefix_len);
void mrt_rib_entry(struct mrt_rib *r, uint16_t peer_index, uint32_t originated,
    uint32_t path_id, const uint8_t *attrs, size_t attrs_len,
    const uint8_t *next_hop, size_t nh_len);
/* The record's length, 0 if anything overflowed. */
size_t mrt_rib_finish(struct mrt_rib *r);

#endif
