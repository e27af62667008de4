/*
 * fuzz_notification.c — a NOTIFICATION body from any bytes. A decoded
 * one re-encodes to the same code, subcode and data; an extracted
 * Shutdown Communication is a C string of at most 255 octets that
 * survives bgp_notification_encode_shutdown unchanged. Its log text
 * (bgp_notification_data_text) fits its buffer and holds no control
 * character: no data can start a log line of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"

static uint8_t out[BGP_EXT_MAX_LEN + 64];

static void same(const struct bgp_notification *a,
    const struct bgp_notification *b)
{
	if (a->code != b->code || a->subcode != b->subcode ||
	    a->data_len != b->data_len ||
	    memcmp(a->data, b->data, a->data_len) != 0 ||
	    strcmp(a->shutdown_msg, b->shutdown_msg) != 0)
		abort();
}

static void shutdown_round_trip(const struct bgp_notification *n)
{
	struct bgp_notification again;
	struct bgp_err err;
	struct wbuf w = wbuf_make(out, sizeof out);
	memset(&err, 0, sizeof err);

	size_t len = strlen(n->shutdown_msg);
	if (len > 255)
		abort();
	size_t m = bgp_notification_encode_shutdown(&w, n->subcode,
	    n->shutdown_msg);
	if (m != BGP_HEADER_LEN + 3 + len)
		abort();
	if (!bgp_notification_decode(out + BGP_HEADER_LEN, m - BGP_HEADER_LEN,
	    &again, &err) || strcmp(again.shutdown_msg, n->shutdown_msg) != 0)
		abort();
}

static void log_text_safe(const struct bgp_notification *n)
{
	char text[BGP_NOTIF_TEXT_LEN + 1];

	text[BGP_NOTIF_TEXT_LEN] = 'X';
	bgp_notification_data_text(n, text, BGP_NOTIF_TEXT_LEN);
	size_t len = strnlen(text, BGP_NOTIF_TEXT_LEN);
	/* terminated, within its buffer, and never filled to the brim: the
	 * text is cut where it says so, never by the buffer */
	if (len >= BGP_NOTIF_TEXT_LEN - 1 || text[BGP_NOTIF_TEXT_LEN] != 'X')
		abort();
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)text[i] < 0x20 || (uint8_t)text[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_notification n, again;
	struct bgp_err err;
	memset(&err, 0, sizeof err);

	if (!bgp_notification_decode(data, size, &n, &err)) {
		if (size >= 2 && size <= BGP_EXT_MAX_LEN - BGP_HEADER_LEN)
			abort();
		if (err.code != BGP_ERR_HEADER || err.subcode != BGP_ERR_HDR_LENGTH)
			abort();
		return 0;
	}
	if (n.data_len != size - 2 || (n.data_len && n.data != data + 2))
		abort();
	struct wbuf w = wbuf_make(out, sizeof out);
	size_t m = bgp_notification_encode(&w, n.code, n.subcode, n.data,
	    n.data_len);
	if (m != size + BGP_HEADER_LEN)
		abort();
	if (!bgp_notification_decode(out + BGP_HEADER_LEN, size, &again, &err))
		abort();
	same(&n, &again);
	log_text_safe(&n);
	if (n.shutdown_msg[0] != '\0')
		shutdown_round_trip(&n);
	return 0;
}
