/*
 * ws.h — WebSocket (RFC 6455) framing as pure functions: the handshake's
 * Sec-WebSocket-Accept value, the server's frame headers, and a reader
 * that turns the client's bytes into whole messages and control frames.
 *
 * No I/O here: web/stream.c owns the socket. The reader is what reads the
 * network, so it checks every length against the bytes it was given and
 * against a configured maximum (it is fuzzed: tests/fuzz/fuzz_ws_frame.c).
 *
 * Why not a library: libwebsockets runs its own event loop (or wraps one
 * with its own socket ownership) and cannot take over a connection that
 * libevent's evhttp has already accepted and parsed; libevent 2.1 (Debian
 * 12) has no WebSocket support (evws arrived in 2.2). The protocol part a
 * server needs is small: this module, about 200 lines, tested against
 * Python's websockets client in tests/integration/test_stream.sh.
 */
#ifndef BGPMUX_WS_H
#define BGPMUX_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 §7.4.1) */
enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_INVALID_DATA = 1007,   /* a text message that is not UTF-8 */
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_POLICY = 1008,
};

/* Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF. A text message must be (RFC 6455 §8.1). */
bool ws_utf8_valid(const uint8_t *p, size_t len);

#define WS_ACCEPT_LEN 28        /* base64 of a SHA-1 digest */
#define WS_HEADER_MAX 14        /* 2 + 8 length + 4 mask */

/* Sec-WebSocket-Accept for the client's Sec-WebSocket-Key: base64(SHA-1(
 * key + the RFC's GUID)), NUL-terminated in out. False if key is not a
 * base64 16-byte nonce (24 characters), as §4.2.1 requires. */
bool ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1]);

/* A frame header for a payload of len bytes; mask NULL for a server frame
 * (unmasked, §5.1), else the 4 masking octets. Returns the header length. */
size_t ws_frame_header(uint8_t out[WS_HEADER_MAX], bool fin, uint8_t opcode,
    uint64_t len, const uint8_t *mask);

/* XOR data with the mask, starting at the payload's byte offset. */
void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/* One frame header as decoded. */
struct ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t len;           /* payload length */
	size_t header_len;
};

/* Decode a frame header from len bytes. Returns the header length (> 0),
 * 0 when more bytes are needed, -1 on a protocol error with *close_code:
 * reserved bits or opcodes, a fragmented or long control frame, a length
 * not in its minimal form or with the top bit set, an unmasked frame when
 * must_mask (a client's frames must be masked), 1009 for a payload over
 * max_payload. */
int ws_frame_decode(const uint8_t *p, size_t len, uint64_t max_payload,
    bool must_mask, struct ws_frame *f, uint16_t *close_code);

/* ---- a server's reader of client frames ------------------------------ */

enum ws_event_type {
	WS_EV_NONE = 0,         /* a fragment was stored: nothing to do yet */
	WS_EV_MESSAGE,          /* a whole text or binary message */
	WS_EV_PING,             /* answer with a pong of the same data */
	WS_EV_PONG,
	WS_EV_CLOSE,            /* the client closes (code 1005 if none given) */
	WS_EV_ERROR,            /* protocol error: close with close_code */
};

struct ws_event {
	enum ws_event_type type;
	uint8_t opcode;                 /* WS_EV_MESSAGE: text or binary */
	const uint8_t *data;            /* valid until the next call */
	size_t len;
	uint16_t close_code;            /* WS_EV_CLOSE, WS_EV_ERROR */
};

struct ws_reader {
	size_t max_message;             /* a whole message, all fragments */
	bool in_message;                /* fragments of msg_opcode so far */
	uint8_t msg_opcode;
	uint8_t *msg;                   /* the message being assembled */
	size_t msg_len, msg_cap;
};

void ws_reader_init(struct ws_reader *r, size_t max_message);
void ws_reader_free(struct ws_reader *r);
/* Take at most one frame from p (len bytes; unmasked in place). Returns
 * the bytes consumed, 0 when the frame is not complete yet (ev->type is
 * then WS_EV_NONE); on WS_EV_ERROR the connection must close and the
 * return value is 0. */
size_t ws_reader_next(struct ws_reader *r, uint8_t *p, size_t len,
    struct ws_event *ev);

#endif
