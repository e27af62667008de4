/*
 * fuzz_header.c — framing on any bytes: every verdict must be one the
 * header promises, and a framed message's body goes on to its decoder.
 *
 * The last input octet picks the session's maximum length, so both the
 * 4096 and the RFC 8654 65535 limits are explored.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"

static void check_error(const struct bgp_err *err)
{
	if (err->tier != BGP_TIER_RESET || err->code != BGP_ERR_HEADER)
		abort();
	switch (err->subcode) {
	case BGP_ERR_HDR_SYNC:
		if (err->data_len != 0)
			abort();
		break;
	case BGP_ERR_HDR_LENGTH:
		if (err->data_len != 2)
			abort();
		break;
	case BGP_ERR_HDR_TYPE:
		if (err->data_len != 1)
			abort();
		break;
	default:
		abort();
	}
}

/* Whatever the body, its decoder must come back without reading past
 * it; their own targets check what they return. */
static void decode_body(const struct bgp_header *hdr, const uint8_t *body,
    size_t len)
{
	struct bgp_err err;
	memset(&err, 0, sizeof err);

	if (hdr->type == BGP_OPEN) {
		struct bgp_open o;
		bgp_open_decode(body, len, &o, &err);
	} else if (hdr->type == BGP_NOTIFICATION) {
		struct bgp_notification n;
		bgp_notification_decode(body, len, &n, &err);
	} else if (hdr->type == BGP_ROUTE_REFRESH) {
		struct bgp_route_refresh rr;
		bgp_route_refresh_decode(body, len, &rr, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max_len = (size && (data[size - 1] & 1)) ? BGP_EXT_MAX_LEN :
	    BGP_MAX_LEN;

	/* Frame message after message, as the session does. */
	while (size > 0) {
		struct bgp_header hdr;
		struct bgp_err err;
		memset(&hdr, 0, sizeof hdr);
		memset(&err, 0, sizeof err);

		int ret = bgp_header_decode(data, size, max_len, &hdr, &err);
		if (ret < 0) {
			check_error(&err);
			return 0;
		}
		if (err.tier != BGP_TIER_OK)
			abort();
		if (ret == 0) {
			/* Only ever for a short header or a short body. */
			if (size >= BGP_HEADER_LEN && size >= hdr.len)
				abort();
			return 0;
		}
		if ((size_t)ret != hdr.len || (size_t)ret > size ||
		    hdr.len < BGP_HEADER_LEN || hdr.len > max_len)
			abort();
		if (hdr.type == BGP_KEEPALIVE && hdr.len != BGP_HEADER_LEN)
			abort();
		if (hdr.type == BGP_OPEN && hdr.len > BGP_MAX_LEN)
			abort();
		decode_body(&hdr, data + BGP_HEADER_LEN, hdr.len - BGP_HEADER_LEN);
		data += ret;
		size -= (size_t)ret;
	}
	return 0;
}
