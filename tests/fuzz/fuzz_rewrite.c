/*
 * fuzz_rewrite.c — a client's path attributes, any bytes: decoded as the
 * session would, then the control communities read and the route
 * rewritten as the gateway's own. Whatever came in, what goes out must
 * decode cleanly to exactly ORIGIN and AS_PATH, the path starting with the
 * gateway's AS (1 + prepends times) and holding no private ASN.
 *
 * rewrite.c is compiled in here: the fuzz build links the codec only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "instances/rewrite.c"

static uint8_t scratch[BGP_ATTR_SCRATCH(65536)], scratch2[BGP_ATTR_SCRATCH(8192)];
static uint8_t out[REWRITE_ATTRS_MAX + 64];

static void check_path(struct bgp_bytes path, uint32_t gw, unsigned prepend)
{
	struct rbuf r = rbuf_make(path.p, path.len);
	unsigned seen = 0;

	while (r.len) {
		uint8_t type, n;
		if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &n) || n == 0)
			abort();
		for (unsigned i = 0; i < n; i++) {
			uint32_t asn;
			if (!rbuf_u32(&r, &asn))
				abort();
			if (seen <= prepend && asn != gw)
				abort();
			if (seen > prepend && rewrite_asn_private(asn))
				abort();
			seen++;
		}
	}
	if (seen < prepend + 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_attrs a, back;
	struct bgp_err err;
	struct rewrite_ctl ctl;
	uint32_t gw = size & 1 ? 4200000000u : 65000;

	if (size < 1 || size > 65535)
		return 0;
	if (!bgp_attrs_decode(data + 1, size - 1, &ctx, scratch, sizeof scratch, &a, &err) ||
	    err.tier == BGP_TIER_WITHDRAW)
		return 0;
	rewrite_control_read(&a, gw, &ctl);
	for (uint16_t id = 1; id <= 3; id++) {
		unsigned prepend;
		(void)rewrite_goes_to(&ctl, 1, id, &prepend);
		if (prepend > REWRITE_MAX_PREPEND)
			abort();
		struct rewrite_params rp = { gw, 3130 + data[0], data[0] & 1 };
		struct wbuf w = wbuf_make(out, sizeof out);
		if (!rewrite_attrs(&a, &rp, prepend, &w))
			continue;
		if (!bgp_attrs_decode(out, w.len, &ctx, scratch2, sizeof scratch2, &back, &err) ||
		    err.tier != BGP_TIER_OK)
			abort();
		if (back.present != (BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH)))
			abort();
		check_path(back.as_path, gw, prepend);
	}
	return 0;
}
