/*
 * fuzz_open.c — an OPEN body from any bytes. When it decodes: check it,
 * encode it, frame and decode that again, and compare the two structs
 * field by field; then encode the copy and compare the bytes. Any
 * difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_open.h"

#define SAME(x) do { if (a->x != b->x) abort(); } while (0)

static void fam_same(const struct bgp_family *a, const struct bgp_family *b)
{
	SAME(afi);
	SAME(safi);
}

static void lists_same(const struct bgp_caps *a, const struct bgp_caps *b)
{
	SAME(mp_count);
	for (size_t i = 0; i < a->mp_count; i++)
		fam_same(&a->mp[i], &b->mp[i]);
	SAME(addpath_count);
	for (size_t i = 0; i < a->addpath_count; i++) {
		fam_same(&a->addpath[i].fam, &b->addpath[i].fam);
		SAME(addpath[i].mode);
	}
	SAME(gr.flags);
	SAME(gr.restart_time);
	SAME(gr.count);
	for (size_t i = 0; i < a->gr.count; i++) {
		fam_same(&a->gr.fam[i].fam, &b->gr.fam[i].fam);
		SAME(gr.fam[i].flags);
	}
}

static void caps_same(const struct bgp_caps *a, const struct bgp_caps *b)
{
	SAME(present);
	SAME(as4);
	lists_same(a, b);
	if (strcmp(a->fqdn_host, b->fqdn_host) != 0 ||
	    strcmp(a->fqdn_domain, b->fqdn_domain) != 0)
		abort();
	SAME(ms_cisco_flags);
	SAME(ms_ietf.present);
	SAME(ms_ietf.flags);
	SAME(ms_ietf.grouping);
	SAME(ms_ietf.redirect);
	SAME(ms_ietf.redirect_port);
	SAME(ms_ietf.session_caps_count);
	if (memcmp(a->ms_ietf.session_caps, b->ms_ietf.session_caps,
	    a->ms_ietf.session_caps_count) != 0)
		abort();
	SAME(unknown_count);
	for (size_t i = 0; i < a->unknown_count; i++) {
		SAME(unknown[i].code);
		SAME(unknown[i].len);
		if (memcmp(a->unknown[i].data, b->unknown[i].data,
		    a->unknown[i].len) != 0)
			abort();
	}
}

static void open_same(const struct bgp_open *a, const struct bgp_open *b)
{
	SAME(version);
	SAME(my_as);
	SAME(hold_time);
	SAME(bgp_id);
	SAME(ext_params);
	caps_same(&a->caps, &b->caps);
}

static void decode_framed(const uint8_t *msg, size_t n, struct bgp_open *o)
{
	struct bgp_header hdr;
	struct bgp_err err;
	memset(&err, 0, sizeof err);

	if (bgp_header_decode(msg, n, BGP_MAX_LEN, &hdr, &err) != (int)n ||
	    hdr.type != BGP_OPEN)
		abort();
	if (!bgp_open_decode(msg + BGP_HEADER_LEN, n - BGP_HEADER_LEN, o, &err))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bgp_open first, second;
	static uint8_t out1[BGP_MAX_LEN], out2[BGP_MAX_LEN];
	struct bgp_err err;
	memset(&err, 0, sizeof err);

	if (!bgp_open_decode(data, size, &first, &err)) {
		if (err.tier != BGP_TIER_RESET || err.code != BGP_ERR_OPEN)
			abort();
		return 0;
	}
	if (err.tier != BGP_TIER_OK)
		abort();
	struct bgp_err check_err;
	memset(&check_err, 0, sizeof check_err);
	if (!bgp_open_check(&first, 0, 0x01020304, &check_err) &&
	    check_err.code != BGP_ERR_OPEN)
		abort();

	struct wbuf w1 = wbuf_make(out1, sizeof out1);
	size_t n1 = bgp_open_encode(&w1, &first);
	/* Packing never grows the parameters: what fitted still fits. */
	if (n1 == 0) {
		if (size + BGP_HEADER_LEN <= BGP_MAX_LEN)
			abort();
		return 0;
	}
	if (n1 > size + BGP_HEADER_LEN)
		abort();
	decode_framed(out1, n1, &second);
	open_same(&first, &second);

	struct wbuf w2 = wbuf_make(out2, sizeof out2);
	size_t n2 = bgp_open_encode(&w2, &second);
	if (n2 != n1 || memcmp(out1, out2, n1) != 0)
		abort();
	return 0;
}
