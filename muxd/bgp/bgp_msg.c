/*
 * bgp_msg.c — message framing (RFC 4271 §4.1, §6.1), KEEPALIVE,
 * NOTIFICATION with the Shutdown Communication (RFC 8203, RFC 9003) and
 * ROUTE-REFRESH (RFC 2918, RFC 7313).
 */
#include "muxd/bgp/bgp_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "muxd/lib/rbuf.h"

#define BGP_NOTIFICATION_MIN_LEN    (BGP_HEADER_LEN + 2)
#define BGP_OPEN_MIN_LEN            (BGP_HEADER_LEN + 10)
#define BGP_UPDATE_MIN_LEN          (BGP_HEADER_LEN + 4)
#define BGP_RR_BODY_LEN             4       /* AFI, subtype, SAFI */
#define BGP_SHUTDOWN_MAX            255     /* RFC 9003 raised it from 128 */

/*
 * One row per message type: the lengths RFC 4271 §6.1 allows it. max 0
 * means "whatever the session allows" (4096, or 65535 with RFC 8654).
 * ROUTE-REFRESH has no length check here on purpose: RFC 7313 §5 makes a
 * wrong length a ROUTE-REFRESH Message Error (7/1), not a header error,
 * and bgp_route_refresh_decode reports it.
 */
struct msg_limits {
	uint8_t type;
	uint16_t min;
	uint16_t max;
};

static const struct msg_limits msg_limits[] = {
	/* RFC 8654 §4: OPEN and KEEPALIVE never grow past 4096. */
	{ BGP_OPEN, BGP_OPEN_MIN_LEN, BGP_MAX_LEN },
	{ BGP_UPDATE, BGP_UPDATE_MIN_LEN, 0 },
	{ BGP_NOTIFICATION, BGP_NOTIFICATION_MIN_LEN, 0 },
	{ BGP_KEEPALIVE, BGP_HEADER_LEN, BGP_HEADER_LEN },
	{ BGP_ROUTE_REFRESH, BGP_HEADER_LEN, 0 },
};

static const struct msg_limits *msg_limits_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof msg_limits / sizeof msg_limits[0]; i++)
		if (msg_limits[i].type == type)
			return &msg_limits[i];
	return NULL;
}

static bool marker_ok(const uint8_t *marker)
{
	for (size_t i = 0; i < BGP_MARKER_LEN; i++)
		if (marker[i] != 0xff)
			return false;
	return true;
}

static bool length_ok(const struct msg_limits *lim, uint16_t len,
    size_t max_len)
{
	if (len < BGP_HEADER_LEN || len > max_len)
		return false;
	if (lim == NULL)
		return true;    /* the type check speaks for unknown types */
	return len >= lim->min && (lim->max == 0 || len <= lim->max);
}

/* 1/2 carries the Length field exactly as it was on the wire. */
static void header_bad_length(struct bgp_err *err, uint16_t len)
{
	uint8_t data[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH,
	    data, sizeof data, "message length out of range for its type");
}

int bgp_header_decode(const uint8_t *buf, size_t len, size_t max_len,
    struct bgp_header *hdr, struct bgp_err *err)
{
	struct rbuf r = rbuf_make(buf, len);
	uint8_t marker[BGP_MARKER_LEN], type;
	uint16_t mlen;

	if (!rbuf_copy(&r, marker, sizeof marker) || !rbuf_u16(&r, &mlen) ||
	    !rbuf_u8(&r, &type))
		return 0;
	if (!marker_ok(marker)) {
		bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_SYNC, NULL, 0, "marker is not all ones");
		return -1;
	}
	/* §6.1 checks the length before the type. */
	const struct msg_limits *lim = msg_limits_find(type);
	if (!length_ok(lim, mlen, max_len)) {
		header_bad_length(err, mlen);
		return -1;
	}
	if (lim == NULL) {
		bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_TYPE, &type, 1, "unknown message type");
		return -1;
	}
	hdr->len = mlen;
	hdr->type = type;
	return len < mlen ? 0 : (int)mlen;
}

size_t bgp_msg_begin(struct wbuf *w, uint8_t type)
{
	static const uint8_t marker[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	size_t start = w->len;

	wbuf_bytes(w, marker, sizeof marker);
	wbuf_u16(w, 0);
	wbuf_u8(w, type);
	return start;
}

void bgp_msg_finish(struct wbuf *w, size_t start)
{
	size_t len = w->len - start;

	if (len > BGP_EXT_MAX_LEN) {
		w->overflow = true;     /* no Length field can say it */
		return;
	}
	wbuf_patch16(w, start + BGP_MARKER_LEN, (uint16_t)len);
}

/* Finish and report the encoder's result: its size, or 0 on overflow. */
static size_t msg_end(struct wbuf *w, size_t start)
{
	bgp_msg_finish(w, start);
	return w->overflow ? 0 : w->len - start;
}

size_t bgp_keepalive_encode(struct wbuf *w)
{
	return msg_end(w, bgp_msg_begin(w, BGP_KEEPALIVE));
}

/* ---- NOTIFICATION ---------------------------------------------------- */

/* One UTF-8 character, strict: no overlong forms, no surrogates, nothing
 * past U+10FFFF. NUL is refused too: the text becomes a C string and a
 * NUL would silently cut what the peer said. */
static bool utf8_next(struct rbuf *r)
{
	uint8_t c, cc;
	uint32_t cp, min;
	int more;

	if (!rbuf_u8(r, &c))
		return false;
	if (c < 0x80)
		return c != 0;
	if ((c & 0xe0) == 0xc0) {
		more = 1, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		more = 2, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		more = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return false;
	}
	while (more-- > 0) {
		if (!rbuf_u8(r, &cc) || (cc & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (cc & 0x3f);
	}
	return cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

static bool utf8_valid(struct rbuf r)
{
	while (!rbuf_empty(&r))
		if (!utf8_next(&r))
			return false;
	return true;
}

static bool is_shutdown(uint8_t code, uint8_t subcode)
{
	return code == BGP_ERR_CEASE && (subcode == BGP_CEASE_ADMIN_SHUTDOWN ||
	    subcode == BGP_CEASE_ADMIN_RESET);
}

/*
 * RFC 9003 §2: a length octet, then that many octets of UTF-8. A length
 * past the data or text that is not UTF-8 makes the communication
 * malformed: it is then not extracted (and the NOTIFICATION still
 * counts). Octets after the text are left alone.
 */
static void shutdown_extract(struct bgp_notification *n)
{
	struct rbuf r = rbuf_make(n->data, n->data_len), text;
	uint8_t len;

	if (!is_shutdown(n->code, n->subcode) || !rbuf_u8(&r, &len) ||
	    !rbuf_sub(&r, len, &text) || !utf8_valid(text))
		return;
	rbuf_copy(&text, n->shutdown_msg, len);
	n->shutdown_msg[len] = '\0';
	n->has_shutdown_msg = true;
}

bool bgp_notification_decode(const uint8_t *body, size_t len,
    struct bgp_notification *n, struct bgp_err *err)
{
	struct rbuf r = rbuf_make(body, len);

	memset(n, 0, sizeof *n);
	if (len > BGP_EXT_MAX_LEN - BGP_HEADER_LEN ||
	    !rbuf_u8(&r, &n->code) || !rbuf_u8(&r, &n->subcode)) {
		header_bad_length(err, (uint16_t)(len + BGP_HEADER_LEN));
		return false;
	}
	n->data = r.p;
	n->data_len = (uint16_t)r.len;
	shutdown_extract(n);
	return true;
}

size_t bgp_notification_encode(struct wbuf *w, uint8_t code, uint8_t subcode,
    const void *data, size_t data_len)
{
	if (data_len > BGP_EXT_MAX_LEN - BGP_NOTIFICATION_MIN_LEN)
		return 0;
	size_t start = bgp_msg_begin(w, BGP_NOTIFICATION);
	wbuf_u8(w, code);
	wbuf_u8(w, subcode);
	wbuf_bytes(w, data, data_len);
	return msg_end(w, start);
}

/* ---- NOTIFICATION data for logs ------------------------------------- */

#define NOTIF_TEXT_MAX 200      /* octets of text shown */
#define NOTIF_HEX_MAX 48        /* octets shown as hex */

struct sbuf {
	char *p;
	size_t len, at;
};

static void sb_put(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->at >= b->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->at, b->len - b->at, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->at = b->at + (size_t)n < b->len ? b->at + (size_t)n : b->len - 1;
}

static bool printable_ascii(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* How many octets of s to show: at most max, never half a UTF-8 character. */
static size_t text_cut(const uint8_t *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && (s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Quoted, with ", \, C0 and C1 controls and DEL escaped; UTF-8 (already
 * validated, or plain ASCII) passes as it is. */
static void put_quoted(struct sbuf *b, const uint8_t *s, size_t n, size_t total)
{
	sb_put(b, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			sb_put(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sb_put(b, "\\x%02x", c);
		else if (c == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			sb_put(b, "\\u%04x", s[++i]);
		else
			sb_put(b, "%c", c);
	}
	sb_put(b, "\"");
	if (n < total)
		sb_put(b, "... (%zu bytes)", total);
}

static void put_hex(struct sbuf *b, const uint8_t *p, size_t total)
{
	size_t n = total < NOTIF_HEX_MAX ? total : NOTIF_HEX_MAX;

	sb_put(b, "0x");
	for (size_t i = 0; i < n; i++)
		sb_put(b, "%02x", p[i]);
	if (n < total)
		sb_put(b, "... (%zu bytes)", total);
}

const char *bgp_notification_data_text(const struct bgp_notification *n,
    char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (len == 0)
		return buf;
	buf[0] = '\0';
	uint8_t code, subcode;
	if (bgp_notification_hard_reset_of(n, &code, &subcode)) {
		sb_put(&b, "for %u/%u (%s, %s)", code, subcode, bgp_err_code_name(code),
		    bgp_err_subcode_name(code, subcode));
		if (n->data_len > 2) {
			sb_put(&b, ", data ");
			put_hex(&b, n->data + 2, n->data_len - 2u);
		}
	} else if (n->has_shutdown_msg) {
		const uint8_t *t = (const uint8_t *)n->shutdown_msg;
		size_t tn = strlen(n->shutdown_msg);
		sb_put(&b, "shutdown communication ");
		put_quoted(&b, t, text_cut(t, tn, NOTIF_TEXT_MAX), tn);
	} else if (n->data_len && printable_ascii(n->data, n->data_len)) {
		sb_put(&b, "data ");
		put_quoted(&b, n->data, text_cut(n->data, n->data_len, NOTIF_TEXT_MAX),
		    n->data_len);
	} else if (n->data_len) {
		sb_put(&b, "data ");
		put_hex(&b, n->data, n->data_len);
	}
	return buf;
}

/* How much of text fits in 255 octets without splitting a character:
 * back off to the lead octet of the character the limit cuts. */
static size_t shutdown_fit(const char *text)
{
	size_t n = strlen(text);

	if (n <= BGP_SHUTDOWN_MAX)
		return n;
	n = BGP_SHUTDOWN_MAX;
	while (n > 0 && ((uint8_t)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t bgp_notification_encode_shutdown(struct wbuf *w, uint8_t subcode,
    const char *text)
{
	if (!is_shutdown(BGP_ERR_CEASE, subcode))
		return 0;
	size_t n = text ? shutdown_fit(text) : 0;
	size_t start = bgp_msg_begin(w, BGP_NOTIFICATION);
	wbuf_u8(w, BGP_ERR_CEASE);
	wbuf_u8(w, subcode);
	wbuf_u8(w, (uint8_t)n);
	wbuf_bytes(w, text, n);
	return msg_end(w, start);
}

size_t bgp_notification_encode_hard_reset(struct wbuf *w, const uint8_t *inner,
    size_t inner_len)
{
	if (inner_len < BGP_NOTIFICATION_MIN_LEN || inner[18] != BGP_NOTIFICATION)
		return 0;
	return bgp_notification_encode(w, BGP_ERR_CEASE, BGP_CEASE_HARD_RESET,
	    inner + BGP_HEADER_LEN, inner_len - BGP_HEADER_LEN);
}

bool bgp_notification_hard_reset_of(const struct bgp_notification *n,
    uint8_t *code, uint8_t *subcode)
{
	if (n->code != BGP_ERR_CEASE || n->subcode != BGP_CEASE_HARD_RESET ||
	    n->data_len < 2)
		return false;
	*code = n->data[0];
	*subcode = n->data[1];
	return true;
}

/* ---- ROUTE-REFRESH --------------------------------------------------- */

/*
 * RFC 7313 §5: the Data of 7/1 is the complete ROUTE-REFRESH message.
 * Framing already checked its marker, so the header is rebuilt rather
 * than passed down; what does not fit in the error record is cut.
 */
static void rr_bad_length(struct bgp_err *err, const uint8_t *body,
    size_t len)
{
	uint8_t msg[BGP_ERR_DATA_MAX];
	struct wbuf w = wbuf_make(msg, sizeof msg);
	size_t room = sizeof msg - BGP_HEADER_LEN;
	size_t total = len + BGP_HEADER_LEN;

	bgp_msg_begin(&w, BGP_ROUTE_REFRESH);
	wbuf_bytes(&w, body, len < room ? len : room);
	wbuf_patch16(&w, BGP_MARKER_LEN,
	    (uint16_t)(total > BGP_EXT_MAX_LEN ? BGP_EXT_MAX_LEN : total));
	bgp_err_set(err, BGP_TIER_RESET, BGP_ERR_ROUTE_REFRESH,
	    BGP_ERR_RR_LENGTH, msg, w.len, "ROUTE-REFRESH length is not 23");
}

bool bgp_route_refresh_decode(const uint8_t *body, size_t len,
    struct bgp_route_refresh *rr, struct bgp_err *err)
{
	struct rbuf r = rbuf_make(body, len);

	memset(rr, 0, sizeof *rr);
	bool head = rbuf_u16(&r, &rr->afi) && rbuf_u8(&r, &rr->subtype);
	/* RFC 7313 §4: an unknown subtype is ignored, whatever its length. */
	if (head && rr->subtype > BGP_RR_EORR) {
		rbuf_u8(&r, &rr->safi);
		return true;
	}
	if (len != BGP_RR_BODY_LEN) {
		rr_bad_length(err, body, len);
		return false;
	}
	rbuf_u8(&r, &rr->safi);
	return true;
}

size_t bgp_route_refresh_encode(struct wbuf *w,
    const struct bgp_route_refresh *rr)
{
	size_t start = bgp_msg_begin(w, BGP_ROUTE_REFRESH);
	wbuf_u16(w, rr->afi);
	wbuf_u8(w, rr->subtype);
	wbuf_u8(w, rr->safi);
	return msg_end(w, start);
}
