/*
 * bgp_msg.h — message framing and the small messages: header, KEEPALIVE,
 * NOTIFICATION (with the RFC 8203/9003 Shutdown Communication) and
 * ROUTE-REFRESH (RFC 2918, with RFC 7313 BoRR/EoRR subtypes).
 *
 * Pure: bytes in, structs out (and back). Decoders take a length and never
 * read past it; errors carry the exact NOTIFICATION code and subcode.
 */
#ifndef BGPMUX_BGP_MSG_H
#define BGPMUX_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "muxd/bgp/bgp.h"
#include "muxd/lib/wbuf.h"

struct bgp_header {
	uint16_t len;       /* whole message, header included */
	uint8_t type;
};

/*
 * Frame one message at the start of buf. Returns:
 *   > 0  the message is complete: its total length (hdr filled)
 *   0    need more bytes (fewer than the header, or than hdr->len)
 *   < 0  error: err holds the Message Header Error (1/1, 1/2 with the bad
 *        length as data, 1/3 with the bad type as data)
 * max_len is 4096, or 65535 once extended messages are negotiated. The
 * per-type minimum and maximum lengths of RFC 4271 §6.1 are checked here
 * (OPEN ≥ 29, UPDATE ≥ 23, KEEPALIVE = 19, NOTIFICATION ≥ 21; OPEN and
 * KEEPALIVE never exceed 4096). A ROUTE-REFRESH whose length is not 23
 * passes framing: RFC 7313 §5 makes it 7/1, which
 * bgp_route_refresh_decode reports.
 */
int bgp_header_decode(const uint8_t *buf, size_t len, size_t max_len,
    struct bgp_header *hdr, struct bgp_err *err);

/* Writes marker, length placeholder and type; bgp_msg_finish fills the
 * length. Every encoder in the codec uses this pair. */
size_t bgp_msg_begin(struct wbuf *w, uint8_t type);
void bgp_msg_finish(struct wbuf *w, size_t start);

/* KEEPALIVE: 19 bytes. Returns bytes written, 0 if it did not fit. */
size_t bgp_keepalive_encode(struct wbuf *w);

struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	const uint8_t *data;        /* points into the decoded message */
	uint16_t data_len;
	/* Shutdown Communication (RFC 9003) of Cease 2 and 4, when present
	 * and well-formed UTF-8; NUL-terminated, otherwise empty. */
	char shutdown_msg[256];
	bool has_shutdown_msg;      /* well-formed, possibly empty */
};

/* body/len: the message after the 19-byte header. */
bool bgp_notification_decode(const uint8_t *body, size_t len,
    struct bgp_notification *n, struct bgp_err *err);
size_t bgp_notification_encode(struct wbuf *w, uint8_t code, uint8_t subcode,
    const void *data, size_t data_len);

/*
 * The data of a NOTIFICATION for a log line, in buf (always terminated;
 * BGP_NOTIF_TEXT_LEN octets hold the longest): the Shutdown Communication of Cease 2
 * and 4 as `shutdown communication "..."`; other data as `data "..."`
 * when every octet is printable ASCII (a speaker's explanation, as
 * ExaBGP sends), else as `data 0x...`. Quotes, backslashes and control
 * characters are escaped, so the text can never forge a log line; text
 * is cut at 200 octets and hex at 48, saying how long the data was.
 * Empty when there is no data. Returns buf.
 */
#define BGP_NOTIF_TEXT_LEN 1024
const char *bgp_notification_data_text(const struct bgp_notification *n,
    char *buf, size_t len);
/* Cease with a Shutdown Communication (subcode 2 or 4), text truncated to
 * 255 bytes on a UTF-8 boundary. */
size_t bgp_notification_encode_shutdown(struct wbuf *w, uint8_t subcode,
    const char *text);

/* RFC 8538 §3: Cease / Hard Reset (6/9) carries the NOTIFICATION it
 * stands for as its data: that one's code, subcode and data. inner is a
 * whole encoded NOTIFICATION (header included, as the encoders above
 * write it). Returns the bytes written, 0 when w overflowed or inner is
 * no NOTIFICATION. */
size_t bgp_notification_encode_hard_reset(struct wbuf *w, const uint8_t *inner,
    size_t inner_len);
/* The code and subcode a Hard Reset stands for; false for any other
 * NOTIFICATION and for a Hard Reset with less than two octets of data. */
bool bgp_notification_hard_reset_of(const struct bgp_notification *n,
    uint8_t *code, uint8_t *subcode);

enum {
	BGP_RR_NORMAL = 0,
	BGP_RR_BORR = 1,    /* Beginning of Route Refresh, RFC 7313 */
	BGP_RR_EORR = 2,    /* End of Route Refresh */
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype;
	uint8_t safi;
};

/* A ROUTE-REFRESH whose length is not 23 is 7/1 (RFC 7313 §5); an unknown
 * subtype is ignored (returns true with subtype as received; the caller
 * ignores subtypes > 2). */
bool bgp_route_refresh_decode(const uint8_t *body, size_t len,
    struct bgp_route_refresh *rr, struct bgp_err *err);
size_t bgp_route_refresh_encode(struct wbuf *w, const struct bgp_route_refresh *rr);

#endif
