/*
 * bmp_codec.h — BGP Monitoring Protocol messages (RFC 7854) as bytes.
 *
 * Pure encoders: each writes one whole message (common header included)
 * at the end of a wbuf and returns its length, 0 when it did not fit.
 * Nothing here does I/O or allocates.
 */
#ifndef BGPMUX_BMP_CODEC_H
#define BGPMUX_BMP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/lib/wbuf.h"

#define BMP_VERSION 3
#define BMP_COMMON_HEADER_LEN 6
#define BMP_PEER_HEADER_LEN 42

/* Message types (RFC 7854 §4.1). */
enum {
	BMP_ROUTE_MONITORING = 0,
	BMP_STATISTICS_REPORT = 1,
	BMP_PEER_DOWN = 2,
	BMP_PEER_UP = 3,
	BMP_INITIATION = 4,
	BMP_TERMINATION = 5,
};

/* Information TLV types of Initiation (§4.4) and Termination (§4.5). */
enum { BMP_INFO_STRING = 0, BMP_INFO_SYS_DESCR = 1, BMP_INFO_SYS_NAME = 2 };
enum { BMP_TERM_STRING = 0, BMP_TERM_REASON = 1 };
/* Termination reasons (§4.5). */
enum {
	BMP_TERM_ADMIN_CLOSE = 0,
	BMP_TERM_UNSPECIFIED = 1,
	BMP_TERM_OUT_OF_RESOURCES = 2,
};

/* Statistics types (§4.8) bgpmux reports. */
enum {
	BMP_STAT_DUP_PREFIX_ADVERTS = 1,        /* 32-bit counter */
	BMP_STAT_DUP_WITHDRAWS = 2,             /* 32-bit counter */
	BMP_STAT_ADJ_RIB_IN_ROUTES = 7,         /* 64-bit gauge */
	BMP_STAT_AFI_SAFI_ADJ_RIB_IN = 9,       /* AFI, SAFI, 64-bit gauge */
	BMP_STAT_UPDATES_TREATED_AS_WITHDRAW = 11,      /* 32-bit counter */
	BMP_STAT_PREFIXES_TREATED_AS_WITHDRAW = 12,     /* 32-bit counter */
};

/* Per-peer header flags (§4.2). */
#define BMP_PEER_FLAG_V 0x80    /* the peer address is IPv6 */
#define BMP_PEER_FLAG_L 0x40    /* post-policy Adj-RIB-In */
#define BMP_PEER_FLAG_A 0x20    /* legacy 2-octet AS_PATH */

struct bmp_peer_hdr {
	uint8_t type;                   /* 0: Global Instance Peer */
	uint8_t flags;
	uint64_t distinguisher;
	uint8_t addr[16];               /* IPv4: the first 4 bytes */
	uint32_t as;
	uint32_t bgp_id;                /* host order */
	uint32_t ts_sec, ts_usec;
};

struct bmp_stat {
	uint16_t type;
	uint16_t afi;                   /* type 9 only */
	uint8_t safi;
	uint64_t value;                 /* 32-bit counters are truncated */
};

size_t bmp_initiation_encode(struct wbuf *w, const char *sys_name,
    const char *sys_descr);
size_t bmp_termination_encode(struct wbuf *w, uint16_t reason, const char *text);
/* local: the local address (IPv4 in its first 4 bytes when the V flag is
 * clear); the two OPENs whole, marker included. */
size_t bmp_peer_up_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const uint8_t local[16], uint16_t local_port, uint16_t remote_port,
    const uint8_t *open_sent, size_t sent_len,
    const uint8_t *open_rcvd, size_t rcvd_len);
/* reason 1, 3: data is the NOTIFICATION; 2: the 2-octet FSM event code. */
size_t bmp_peer_down_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    uint8_t reason, const uint8_t *data, size_t len);
/* A whole UPDATE message, marker included. */
size_t bmp_route_monitoring_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const uint8_t *update, size_t len);
size_t bmp_stats_encode(struct wbuf *w, const struct bmp_peer_hdr *h,
    const struct bmp_stat *st, size_t n);

#endif
