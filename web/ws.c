/*
 * ws.c — WebSocket framing (RFC 6455 §5) and the handshake key (§4.2.2).
 */
#include "web/ws.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN 24           /* base64 of 16 octets */
#define WS_CONTROL_MAX 125      /* §5.5 */

bool ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	struct base64_decode_ctx dctx;
	uint8_t nonce[BASE64_DECODE_LENGTH(WS_KEY_LEN)];
	size_t nonce_len = sizeof nonce;

	if (key == NULL || strlen(key) != WS_KEY_LEN)
		return false;
	base64_decode_init(&dctx);
	if (!base64_decode_update(&dctx, &nonce_len, nonce, WS_KEY_LEN, key) ||
	    !base64_decode_final(&dctx) || nonce_len != 16)
		return false;

	struct sha1_ctx sctx;
	uint8_t digest[SHA1_DIGEST_SIZE];
	sha1_init(&sctx);
	sha1_update(&sctx, WS_KEY_LEN, (const uint8_t *)key);
	sha1_update(&sctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
	sha1_digest(&sctx, sizeof digest, digest);
	base64_encode_raw(out, sizeof digest, digest);
	out[WS_ACCEPT_LEN] = '\0';
	return true;
}

size_t ws_frame_header(uint8_t out[WS_HEADER_MAX], bool fin, uint8_t opcode,
    uint64_t len, const uint8_t *mask)
{
	size_t n = 2;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
	out[1] = mask ? 0x80 : 0;
	if (len <= 125) {
		out[1] |= (uint8_t)len;
	} else if (len <= 0xffff) {
		out[1] |= 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] |= 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (mask) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= mask[(offset + i) & 3];
}

static bool opcode_known(uint8_t op)
{
	return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

/* The extended payload length at p (n = 2 or 8 octets), minimal form. */
static bool read_ext_len(const uint8_t *p, size_t n, uint64_t *len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	if (n == 2)
		return (*len = v) > 125;
	/* the most significant bit must be 0 (§5.2), and 64 bits only when
	 * 16 do not suffice */
	return (*len = v) > 0xffff && !(v >> 63);
}

int ws_frame_decode(const uint8_t *p, size_t len, uint64_t max_payload,
    bool must_mask, struct ws_frame *f, uint16_t *close_code)
{
	*close_code = WS_CLOSE_PROTOCOL;
	if (len < 2)
		return 0;
	memset(f, 0, sizeof *f);
	f->fin = p[0] & 0x80;
	f->opcode = p[0] & 0x0f;
	f->masked = p[1] & 0x80;
	if ((p[0] & 0x70) || !opcode_known(f->opcode))
		return -1;      /* no extension was negotiated: RSV must be 0 */
	if (must_mask && !f->masked)
		return -1;

	uint8_t len7 = p[1] & 0x7f;
	size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
	size_t hlen = 2 + ext + (f->masked ? 4 : 0);
	bool control = f->opcode >= WS_OP_CLOSE;

	if (control && (!f->fin || len7 > WS_CONTROL_MAX))
		return -1;
	if (len < hlen)
		return 0;
	f->len = len7;
	if (ext && !read_ext_len(p + 2, ext, &f->len))
		return -1;
	if (f->len > max_payload) {
		*close_code = WS_CLOSE_TOO_BIG;
		return -1;
	}
	if (f->masked)
		memcpy(f->mask, p + 2 + ext, 4);
	f->header_len = hlen;
	return (int)hlen;
}

void ws_reader_init(struct ws_reader *r, size_t max_message)
{
	memset(r, 0, sizeof *r);
	r->max_message = max_message;
}

void ws_reader_free(struct ws_reader *r)
{
	free(r->msg);
	r->msg = NULL;
	r->msg_len = r->msg_cap = 0;
}

bool ws_utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t n;
		uint8_t lo = 0x80, hi = 0xbf;   /* the second octet's range */

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;      /* overlong */
			else if (c == 0xed)
				hi = 0x9f;      /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;      /* overlong */
			else if (c == 0xf4)
				hi = 0x8f;      /* above U+10FFFF */
		} else {
			return false;   /* 0x80-0xc1, 0xf5-0xff */
		}
		if (len - i <= n || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

static void reader_error(struct ws_event *ev, uint16_t code)
{
	ev->type = WS_EV_ERROR;
	ev->close_code = code;
}

/* A data frame's payload: a whole message or one more fragment. */
static bool reader_data(struct ws_reader *r, const struct ws_frame *f,
    const uint8_t *payload, struct ws_event *ev)
{
	bool cont = f->opcode == WS_OP_CONT;

	/* a continuation needs a message started; a new message must not
	 * interrupt one (§5.4) */
	if (cont != r->in_message) {
		reader_error(ev, WS_CLOSE_PROTOCOL);
		return false;
	}
	if (!cont) {
		r->msg_opcode = f->opcode;
		r->msg_len = 0;
	}
	if (f->len > r->max_message - r->msg_len) {
		reader_error(ev, WS_CLOSE_TOO_BIG);
		return false;
	}
	size_t need = r->msg_len + (size_t)f->len;
	if (need > r->msg_cap) {
		size_t cap = need < 256 ? 256 : need;
		uint8_t *m = realloc(r->msg, cap);
		if (m == NULL) {
			reader_error(ev, WS_CLOSE_TOO_BIG);
			return false;
		}
		r->msg = m;
		r->msg_cap = cap;
	}
	if (f->len)
		memcpy(r->msg + r->msg_len, payload, (size_t)f->len);
	r->msg_len = need;
	r->in_message = !f->fin;
	if (f->fin && r->msg_opcode == WS_OP_TEXT && !ws_utf8_valid(r->msg, r->msg_len)) {
		reader_error(ev, WS_CLOSE_INVALID_DATA);
		return false;
	}
	if (f->fin) {
		ev->type = WS_EV_MESSAGE;
		ev->opcode = r->msg_opcode;
		ev->data = r->msg;
		ev->len = r->msg_len;
	}
	return true;
}

static void reader_control(const struct ws_frame *f, const uint8_t *payload,
    struct ws_event *ev)
{
	ev->data = payload;
	ev->len = (size_t)f->len;
	if (f->opcode == WS_OP_PING) {
		ev->type = WS_EV_PING;
	} else if (f->opcode == WS_OP_PONG) {
		ev->type = WS_EV_PONG;
	} else if (f->len == 1) {
		reader_error(ev, WS_CLOSE_PROTOCOL);    /* a code is 2 octets */
	} else {
		ev->type = WS_EV_CLOSE;
		ev->close_code = f->len >= 2 ?
		    (uint16_t)(payload[0] << 8 | payload[1]) : 1005;
	}
}

size_t ws_reader_next(struct ws_reader *r, uint8_t *p, size_t len,
    struct ws_event *ev)
{
	struct ws_frame f;
	uint16_t code;

	memset(ev, 0, sizeof *ev);
	int h = ws_frame_decode(p, len, r->max_message, true, &f, &code);
	if (h < 0) {
		reader_error(ev, code);
		return 0;
	}
	if (h == 0 || f.len > len - (size_t)h)
		return 0;
	uint8_t *payload = p + h;
	ws_mask(payload, (size_t)f.len, f.mask, 0);
	if (f.opcode >= WS_OP_CLOSE)
		reader_control(&f, payload, ev);
	else if (!reader_data(r, &f, payload, ev))
		return 0;
	if (ev->type == WS_EV_ERROR)
		return 0;
	return (size_t)h + (size_t)f.len;
}
