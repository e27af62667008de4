/*
 * fuzz_route_refresh.c — a ROUTE-REFRESH body from any bytes. Accepted:
 * a known subtype came with exactly 4 octets and re-encodes to them.
 * Refused: 7/1 whose data is the whole message (RFC 7313 §5), cut to
 * what the error record holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"

static void check_refusal(const struct bgp_err *err, const uint8_t *data,
    size_t size)
{
	size_t total = size + BGP_HEADER_LEN;
	size_t want = total < BGP_ERR_DATA_MAX ? total : BGP_ERR_DATA_MAX;

	if (err->tier != BGP_TIER_RESET || err->code != BGP_ERR_ROUTE_REFRESH ||
	    err->subcode != BGP_ERR_RR_LENGTH || err->data_len != want)
		abort();
	for (size_t i = 0; i < BGP_MARKER_LEN; i++)
		if (err->data[i] != 0xff)
			abort();
	if (total <= BGP_EXT_MAX_LEN &&
	    (size_t)(err->data[16] << 8 | err->data[17]) != total)
		abort();
	if (err->data[18] != BGP_ROUTE_REFRESH ||
	    memcmp(err->data + BGP_HEADER_LEN, data, want - BGP_HEADER_LEN) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_route_refresh rr, again;
	struct bgp_err err;
	uint8_t out[64];
	memset(&err, 0, sizeof err);

	if (!bgp_route_refresh_decode(data, size, &rr, &err)) {
		check_refusal(&err, data, size);
		return 0;
	}
	if (err.tier != BGP_TIER_OK)
		abort();
	if (rr.subtype > BGP_RR_EORR)
		return 0;       /* ignored, whatever its length */
	if (size != 4)
		abort();
	struct wbuf w = wbuf_make(out, sizeof out);
	if (bgp_route_refresh_encode(&w, &rr) != 23 ||
	    memcmp(out + BGP_HEADER_LEN, data, 4) != 0)
		abort();
	if (!bgp_route_refresh_decode(out + BGP_HEADER_LEN, 4, &again, &err) ||
	    again.afi != rr.afi || again.subtype != rr.subtype ||
	    again.safi != rr.safi)
		abort();
	return 0;
}
