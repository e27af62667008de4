/*
 * test_bgp_open.c — OPEN and its capabilities, byte for byte: the real
 * router vectors of shared/specs/vectors.md, every OPEN error of RFC 4271
 * §6.2 with its exact code/subcode/data, the RFC 9072 form, and round
 * trips bytes → struct → bytes → struct.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/bgp/bgp_open.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

#define MARKER "ffffffffffffffffffffffffffffffff"
/* version 4, AS 65200, hold 180, BGP Identifier 172.25.2.2 */
#define FIX "04 feb0 00b4 ac190202"
#define ID_R1 0xac190101u       /* 172.25.1.1 */
#define ID_R2 0xac190202u       /* 172.25.2.2 */

/* vectors.md V1: R2's OPEN, one capability per optional parameter. */
#define V1 MARKER "0039 01 04 feb0 00b4 ac190202 1c" \
	"02 06 01 04 0001 00 01" \
	"02 02 80 00" \
	"02 02 02 00" \
	"02 02 46 00" \
	"02 06 41 04 0000 feb0"

/* vectors.md V2: R1's OPEN, the same set (AS 65100) and Cisco's 131. */
#define V2 MARKER "003e 01 04 fe4c 00b4 ac190101 21" \
	"02 06 01 04 0001 00 01" \
	"02 02 80 00" \
	"02 02 02 00" \
	"02 02 46 00" \
	"02 06 41 04 0000 fe4c" \
	"02 03 83 01 00"

static void assert_err(const struct bgp_err *e, uint8_t code, uint8_t sub,
    const char *data_hex)
{
	uint8_t data[BGP_ERR_DATA_MAX];
	size_t n = hex(data_hex, data, sizeof data);

	ck_assert_int_eq(e->tier, BGP_TIER_RESET);
	ck_assert_uint_eq(e->code, code);
	ck_assert_uint_eq(e->subcode, sub);
	ck_assert_uint_eq(e->data_len, n);
	ck_assert_mem_eq(e->data, data, n);
	ck_assert_ptr_nonnull(e->why);
}

/* An OPEN body (after the header) of FIX and one capabilities parameter
 * holding caps_hex. */
static size_t body_with_caps(const char *caps_hex, uint8_t *out, size_t cap)
{
	uint8_t caps[512];
	size_t n = hex(caps_hex, caps, sizeof caps);
	size_t len = hex(FIX, out, cap);

	ck_assert_uint_le(n, 253);
	ck_assert_uint_le(len + 3 + n, cap);
	out[len++] = (uint8_t)(n + 2);
	out[len++] = 2;
	out[len++] = (uint8_t)n;
	memcpy(out + len, caps, n);
	return len + n;
}

/* Frame a whole message and decode its OPEN. */
static void open_from_msg(const uint8_t *msg, size_t n, struct bgp_open *o)
{
	struct bgp_header hdr;
	struct bgp_err err = { 0 };

	ck_assert_int_eq(bgp_header_decode(msg, n, BGP_MAX_LEN, &hdr, &err),
	    (int)n);
	ck_assert_uint_eq(hdr.type, BGP_OPEN);
	ck_assert_msg(bgp_open_decode(msg + 19, n - 19, o, &err), "%s",
	    err.why ? err.why : "?");
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}

/* ---- field-by-field equality, so a failure names the field ------------- */

static void assert_fam_eq(const struct bgp_family *a, const struct bgp_family *b)
{
	ck_assert_uint_eq(a->afi, b->afi);
	ck_assert_uint_eq(a->safi, b->safi);
}

static void assert_caps_eq(const struct bgp_caps *a, const struct bgp_caps *b)
{
	ck_assert_uint_eq(a->present, b->present);
	ck_assert_uint_eq(a->mp_count, b->mp_count);
	for (size_t i = 0; i < a->mp_count; i++)
		assert_fam_eq(&a->mp[i], &b->mp[i]);
	ck_assert_uint_eq(a->as4, b->as4);
	ck_assert_uint_eq(a->addpath_count, b->addpath_count);
	for (size_t i = 0; i < a->addpath_count; i++) {
		assert_fam_eq(&a->addpath[i].fam, &b->addpath[i].fam);
		ck_assert_uint_eq(a->addpath[i].mode, b->addpath[i].mode);
	}
	ck_assert_uint_eq(a->gr.flags, b->gr.flags);
	ck_assert_uint_eq(a->gr.restart_time, b->gr.restart_time);
	ck_assert_uint_eq(a->gr.count, b->gr.count);
	for (size_t i = 0; i < a->gr.count; i++) {
		assert_fam_eq(&a->gr.fam[i].fam, &b->gr.fam[i].fam);
		ck_assert_uint_eq(a->gr.fam[i].flags, b->gr.fam[i].flags);
	}
	ck_assert_str_eq(a->fqdn_host, b->fqdn_host);
	ck_assert_str_eq(a->fqdn_domain, b->fqdn_domain);
	ck_assert_uint_eq(a->ms_cisco_flags, b->ms_cisco_flags);
	ck_assert_int_eq(a->ms_ietf.present, b->ms_ietf.present);
	ck_assert_uint_eq(a->ms_ietf.flags, b->ms_ietf.flags);
	ck_assert_int_eq(a->ms_ietf.grouping, b->ms_ietf.grouping);
	ck_assert_int_eq(a->ms_ietf.redirect, b->ms_ietf.redirect);
	ck_assert_uint_eq(a->ms_ietf.redirect_port, b->ms_ietf.redirect_port);
	ck_assert_uint_eq(a->ms_ietf.session_caps_count, b->ms_ietf.session_caps_count);
	ck_assert_mem_eq(a->ms_ietf.session_caps, b->ms_ietf.session_caps,
	    a->ms_ietf.session_caps_count);
	ck_assert_uint_eq(a->unknown_count, b->unknown_count);
	for (size_t i = 0; i < a->unknown_count; i++) {
		ck_assert_uint_eq(a->unknown[i].code, b->unknown[i].code);
		ck_assert_uint_eq(a->unknown[i].len, b->unknown[i].len);
		ck_assert_mem_eq(a->unknown[i].data, b->unknown[i].data,
		    a->unknown[i].len);
	}
}

static void assert_open_eq(const struct bgp_open *a, const struct bgp_open *b)
{
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->my_as, b->my_as);
	ck_assert_uint_eq(a->hold_time, b->hold_time);
	ck_assert_uint_eq(a->bgp_id, b->bgp_id);
	ck_assert_int_eq(a->ext_params, b->ext_params);
	assert_caps_eq(&a->caps, &b->caps);
}

/* encode, frame, decode: the decoded copy must equal what went in. */
static size_t round_trip(const struct bgp_open *in, uint8_t *buf, size_t cap,
    struct bgp_open *out)
{
	struct wbuf w = wbuf_make(buf, cap);
	size_t n = bgp_open_encode(&w, in);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(n, w.len);
	open_from_msg(buf, n, out);
	assert_open_eq(in, out);
	return n;
}

static void open_base(struct bgp_open *o)
{
	memset(o, 0, sizeof *o);
	o->version = 4;
	o->my_as = 65200;
	o->hold_time = 180;
	o->bgp_id = ID_R2;
}

/* ---- the router vectors ------------------------------------------------ */

START_TEST(test_v1_decode)
{
	uint8_t msg[64];
	size_t n = hex(V1, msg, sizeof msg);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert_uint_eq(n, 57);
	open_from_msg(msg, n, &o);
	ck_assert_uint_eq(o.version, 4);
	ck_assert_uint_eq(o.my_as, 65200);
	ck_assert_uint_eq(o.hold_time, 180);
	ck_assert_uint_eq(o.bgp_id, ID_R2);
	ck_assert(!o.ext_params);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH |
	    BGP_CAPF_ROUTE_REFRESH_CISCO | BGP_CAPF_ENHANCED_RR | BGP_CAPF_AS4);
	ck_assert_uint_eq(o.caps.mp_count, 1);
	ck_assert_uint_eq(o.caps.mp[0].afi, BGP_AFI_IPV4);
	ck_assert_uint_eq(o.caps.mp[0].safi, BGP_SAFI_UNICAST);
	ck_assert_uint_eq(o.caps.as4, 65200);
	ck_assert_uint_eq(o.caps.unknown_count, 0);
	ck_assert_uint_eq(o.caps.addpath_count, 0);
	ck_assert_uint_eq(o.caps.gr.count, 0);
	ck_assert(!o.caps.ms_ietf.present);
	ck_assert_uint_eq(bgp_open_peer_as(&o), 65200);
	ck_assert(bgp_caps_has_family(&o.caps, 1, 1));
	ck_assert(!bgp_caps_has_family(&o.caps, 2, 1));
	/* R1 checks it: configured for AS 65200, its own id 172.25.1.1. */
	ck_assert(bgp_open_check(&o, 65200, ID_R1, &err));
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}
END_TEST

/* Our encoder packs the capabilities in one parameter, in table order. */
START_TEST(test_v1_reencode)
{
	uint8_t msg[64], out[128], want[64];
	size_t n = hex(V1, msg, sizeof msg);
	size_t wn = hex(MARKER "0031 01 04 feb0 00b4 ac190202 14 02 12"
	    "01 04 0001 00 01" "02 00" "80 00" "41 04 0000 feb0" "46 00",
	    want, sizeof want);
	struct bgp_open o, again;

	open_from_msg(msg, n, &o);
	ck_assert_uint_eq(round_trip(&o, out, sizeof out, &again), wn);
	ck_assert_mem_eq(out, want, wn);
}
END_TEST

START_TEST(test_v1_packed_equals_cisco_style)
{
	uint8_t msg[64], body[64];
	size_t n = hex(V1, msg, sizeof msg);
	size_t bn = body_with_caps("01 04 0001 00 01" "80 00" "02 00" "46 00"
	    "41 04 0000 feb0", body, sizeof body);
	struct bgp_open a, b;
	struct bgp_err err = { 0 };

	open_from_msg(msg, n, &a);
	ck_assert(bgp_open_decode(body, bn, &b, &err));
	assert_open_eq(&a, &b);
}
END_TEST

START_TEST(test_v2_decode)
{
	uint8_t msg[64], out[128];
	size_t n = hex(V2, msg, sizeof msg);
	struct bgp_open o, again;
	struct bgp_err err = { 0 };

	ck_assert_uint_eq(n, 62);
	open_from_msg(msg, n, &o);
	ck_assert_uint_eq(o.my_as, 65100);
	ck_assert_uint_eq(o.bgp_id, ID_R1);
	ck_assert(o.caps.present & BGP_CAPF_MULTISESSION_CISCO);
	ck_assert_uint_eq(o.caps.ms_cisco_flags, BGP_MS_CISCO_FLAGS_IOS);
	ck_assert(!(o.caps.present & BGP_CAPF_MULTISESSION_IETF));
	ck_assert_uint_eq(o.caps.as4, 65100);
	ck_assert(bgp_open_check(&o, 65100, ID_R2, &err));
	round_trip(&o, out, sizeof out, &again);
}
END_TEST

/* V1 lacks 131, so V2's sender refuses it with V3; the codec's part is to
 * tell the two apart. */
START_TEST(test_v1_v2_multisession_presence)
{
	uint8_t m1[64], m2[64];
	size_t n1 = hex(V1, m1, sizeof m1), n2 = hex(V2, m2, sizeof m2);
	struct bgp_open o1, o2;

	open_from_msg(m1, n1, &o1);
	open_from_msg(m2, n2, &o2);
	ck_assert(!(o1.caps.present & BGP_CAPF_MULTISESSION_CISCO));
	ck_assert(o2.caps.present & BGP_CAPF_MULTISESSION_CISCO);
}
END_TEST

/* ---- framing variants of a real OPEN ----------------------------------- */

START_TEST(test_v1_truncated_padded_overlong)
{
	uint8_t msg[4200];
	size_t n = hex(V1, msg, sizeof msg);
	struct bgp_header hdr;
	struct bgp_open o;

	/* Truncated: Length says 56, the last octet is gone. */
	struct bgp_err e1 = { 0 };
	msg[17] = 56;
	ck_assert_int_eq(bgp_header_decode(msg, n - 1, 4096, &hdr, &e1), 56);
	ck_assert(!bgp_open_decode(msg + 19, 56 - 19, &o, &e1));
	assert_err(&e1, BGP_ERR_OPEN, 0, "");

	/* Padded: Length says 58, with a zero octet after the parameters. */
	struct bgp_err e2 = { 0 };
	msg[17] = 58;
	msg[57] = 0;
	ck_assert_int_eq(bgp_header_decode(msg, n + 1, 4096, &hdr, &e2), 58);
	ck_assert(!bgp_open_decode(msg + 19, 58 - 19, &o, &e2));
	assert_err(&e2, BGP_ERR_OPEN, 0, "");

	/* Over-long: no OPEN may exceed 4096, extended messages or not. */
	struct bgp_err e3 = { 0 };
	msg[16] = 0x10, msg[17] = 0x01;
	ck_assert_int_lt(bgp_header_decode(msg, 4097, 65535, &hdr, &e3), 0);
	assert_err(&e3, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, "1001");
}
END_TEST

/* ---- OPEN errors (RFC 4271 §6.2), whole bodies -------------------------- */

struct bad_row {
	const char *name;
	const char *body;
	uint8_t sub;
	const char *data;
};

static const struct bad_row open_bad_rows[] = {
	{ "empty", "", 0, "" },
	{ "cut in the BGP Identifier", "04 feb0 00b4 ac19", 0, "" },
	{ "no parameters length", FIX, 0, "" },
	{ "version 3", "03 feb0 00b4 ac190202 00", BGP_ERR_OPEN_VERSION, "0004" },
	{ "version 5", "05 feb0 00b4 ac190202 00", BGP_ERR_OPEN_VERSION, "0004" },
	{ "version 0", "00 feb0 00b4 ac190202 00", BGP_ERR_OPEN_VERSION, "0004" },
	{ "version is checked first", "03 0000 0001 00000000 07",
	  BGP_ERR_OPEN_VERSION, "0004" },
	{ "hold time 1", "04 feb0 0001 ac190202 00", BGP_ERR_OPEN_HOLD_TIME, "" },
	{ "hold time 2", "04 feb0 0002 ac190202 00", BGP_ERR_OPEN_HOLD_TIME, "" },
	{ "BGP Identifier 0", "04 feb0 00b4 00000000 00", BGP_ERR_OPEN_BGP_ID, "" },
	{ "parameters length past the end", FIX "05 02 02 0200", 0, "" },
	{ "parameters length short of the end", FIX "03 02 02 0200", 0, "" },
	{ "octet after the parameters", FIX "04 02 02 0200 00", 0, "" },
	{ "parameter overruns", FIX "04 02 05 0200", 0, "" },
	{ "parameter header cut", FIX "01 02", 0, "" },
	{ "capability overruns its parameter", FIX "04 02 02 0201", 0, "" },
	{ "capability header cut", FIX "03 02 01 02", 0, "" },
	{ "capability spans two parameters", FIX "07 02 03 4104 00 02 02 0000",
	  0, "" },
	{ "authentication parameter (type 1)", FIX "04 01 02 0000",
	  BGP_ERR_OPEN_OPT_PARAM, "" },
	{ "parameter type 3", FIX "02 03 00", BGP_ERR_OPEN_OPT_PARAM, "" },
	{ "unsupported parameter after good ones", FIX "06 02 02 0200 03 00",
	  BGP_ERR_OPEN_OPT_PARAM, "" },
	{ "type 255 not first is just unsupported", FIX "04 02 00 ff 00",
	  BGP_ERR_OPEN_OPT_PARAM, "" },
	/* RFC 9072 */
	{ "ext: marker without length", FIX "ff ff", 0, "" },
	{ "ext: length past the end", FIX "ff ff 0006 02 0002 0200", 0, "" },
	{ "ext: length short of the end", FIX "ff ff 0004 02 0002 0200", 0, "" },
	{ "ext: parameter overruns", FIX "ff ff 0005 02 0003 0200", 0, "" },
	{ "ext: parameter header cut", FIX "ff ff 0002 02 00", 0, "" },
	{ "ext: capability overruns", FIX "ff ff 0005 02 0002 0201", 0, "" },
	{ "ext: parameter type 1", FIX "ff ff 0003 01 0000",
	  BGP_ERR_OPEN_OPT_PARAM, "" },
	{ "short form with length 255, data missing", FIX "ff 02 02 0200", 0, "" },
};

START_TEST(test_open_bad)
{
	const struct bad_row *row = &open_bad_rows[_i];
	uint8_t body[512];
	size_t n = hex(row->body, body, sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert_msg(!bgp_open_decode(body, n, &o, &err), "%s accepted",
	    row->name);
	assert_err(&err, BGP_ERR_OPEN, row->sub, row->data);
}
END_TEST

/* Hold times 0 and 3 are fine (§4.2: 0 or at least 3). */
START_TEST(test_open_hold_time_edges)
{
	static const char *const bodies[] = {
		"04 feb0 0000 ac190202 00", "04 feb0 0003 ac190202 00",
		"04 feb0 ffff ac190202 00",
	};
	for (size_t i = 0; i < 3; i++) {
		uint8_t body[32];
		size_t n = hex(bodies[i], body, sizeof body);
		struct bgp_open o;
		struct bgp_err err = { 0 };
		ck_assert(bgp_open_decode(body, n, &o, &err));
	}
}
END_TEST

/* ---- malformed capability values: always 2/0 ---------------------------- */

struct cap_bad_row {
	const char *name;
	const char *cap;
};

static const struct cap_bad_row cap_bad_rows[] = {
	{ "MP length 3", "01 03 0001 00" },
	{ "MP length 5", "01 05 0001 00 01 00" },
	{ "MP length 0", "01 00" },
	{ "route refresh length 1", "02 01 00" },
	{ "Cisco route refresh length 1", "80 01 00" },
	{ "extended message length 1", "06 01 00" },
	{ "enhanced route refresh length 2", "46 02 0000" },
	{ "4-octet AS length 2", "41 02 feb0" },
	{ "4-octet AS length 5", "41 05 0000 feb0 00" },
	{ "4-octet AS length 0", "41 00" },
	{ "graceful restart length 0", "40 00" },
	{ "graceful restart length 1", "40 01 00" },
	{ "graceful restart length 4", "40 04 0078 0001" },
	{ "graceful restart length 7", "40 07 0078 0001 01 80 00" },
	{ "ADD-PATH length 3", "45 03 0001 01" },
	{ "ADD-PATH length 5", "45 05 0001 01 01 00" },
	{ "ADD-PATH mode 0", "45 04 0001 01 00" },
	{ "ADD-PATH mode 4", "45 04 0001 01 04" },
	{ "FQDN empty", "49 00" },
	{ "FQDN host past the value", "49 03 05 6869 00" },
	{ "FQDN without domain length", "49 03 02 6869" },
	{ "FQDN domain past the value", "49 05 02 6869 03 61" },
	{ "multisession empty", "44 00" },
	{ "multisession R without port", "44 01 40" },
	{ "multisession R, half a port", "44 02 c0 06" },
	{ "Cisco multisession empty", "83 00" },
};

START_TEST(test_cap_bad)
{
	const struct cap_bad_row *row = &cap_bad_rows[_i];
	uint8_t body[512];
	size_t n = body_with_caps(row->cap, body, sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert_msg(!bgp_open_decode(body, n, &o, &err), "%s accepted",
	    row->name);
	assert_err(&err, BGP_ERR_OPEN, 0, "");
}
END_TEST

/* ---- bgp_open_check: peer AS and BGP Identifier ------------------------- */

struct check_row {
	const char *name;
	uint16_t my_as;
	bool has_as4;
	uint32_t as4;
	uint32_t bgp_id;
	uint32_t expected_as;
	uint8_t sub;        /* 0: accepted */
};

static const struct check_row check_rows[] = {
	{ "2-octet AS as configured", 65200, false, 0, ID_R2, 65200, 0 },
	{ "any AS when none configured", 65200, false, 0, ID_R2, 0, 0 },
	{ "2-octet AS not configured", 65200, false, 0, ID_R2, 65201,
	  BGP_ERR_OPEN_PEER_AS },
	{ "AS_TRANS without the capability", BGP_AS_TRANS, false, 0, ID_R2, 0,
	  BGP_ERR_OPEN_PEER_AS },
	{ "AS_TRANS without, even if configured", BGP_AS_TRANS, false, 0, ID_R2,
	  BGP_AS_TRANS, BGP_ERR_OPEN_PEER_AS },
	{ "4-octet AS via AS_TRANS", BGP_AS_TRANS, true, 4200000000u, ID_R2,
	  4200000000u, 0 },
	{ "4-octet AS, wrong one configured", BGP_AS_TRANS, true, 4200000000u,
	  ID_R2, 4200000001u, BGP_ERR_OPEN_PEER_AS },
	{ "4-octet AS but My AS not AS_TRANS", 65000, true, 4200000000u, ID_R2,
	  0, BGP_ERR_OPEN_PEER_AS },
	{ "mappable AS4 equal to My AS", 65200, true, 65200, ID_R2, 65200, 0 },
	{ "mappable AS4 unlike My AS", 65201, true, 65200, ID_R2, 0,
	  BGP_ERR_OPEN_PEER_AS },
	{ "mappable AS4 behind AS_TRANS", BGP_AS_TRANS, true, 65200, ID_R2, 0,
	  BGP_ERR_OPEN_PEER_AS },
	{ "AS_TRANS in the capability", BGP_AS_TRANS, true, BGP_AS_TRANS, ID_R2,
	  0, BGP_ERR_OPEN_PEER_AS },
	{ "AS 0 in the capability", 0, true, 0, ID_R2, 0, BGP_ERR_OPEN_PEER_AS },
	{ "My AS 0", 0, false, 0, ID_R2, 0, BGP_ERR_OPEN_PEER_AS },
	{ "our own BGP Identifier", 65200, false, 0, ID_R1, 65200,
	  BGP_ERR_OPEN_BGP_ID },
	{ "BGP Identifier 0", 65200, false, 0, 0, 65200, BGP_ERR_OPEN_BGP_ID },
	{ "peer AS is checked before the identifier", 65201, false, 0, ID_R1,
	  65200, BGP_ERR_OPEN_PEER_AS },
};

START_TEST(test_open_check)
{
	const struct check_row *row = &check_rows[_i];
	struct bgp_open o;
	struct bgp_err err = { 0 };

	open_base(&o);
	o.my_as = row->my_as;
	o.bgp_id = row->bgp_id;
	if (row->has_as4) {
		o.caps.present |= BGP_CAPF_AS4;
		o.caps.as4 = row->as4;
	}
	bool ok = bgp_open_check(&o, row->expected_as, ID_R1, &err);
	if (row->sub == 0) {
		ck_assert_msg(ok, "%s refused: %s", row->name, err.why);
		ck_assert_int_eq(err.tier, BGP_TIER_OK);
		return;
	}
	ck_assert_msg(!ok, "%s accepted", row->name);
	assert_err(&err, BGP_ERR_OPEN, row->sub, "");
}
END_TEST

START_TEST(test_peer_as)
{
	struct bgp_open o;

	open_base(&o);
	ck_assert_uint_eq(bgp_open_peer_as(&o), 65200);
	o.my_as = BGP_AS_TRANS;
	o.caps.present = BGP_CAPF_AS4;
	o.caps.as4 = 4200000000u;
	ck_assert_uint_eq(bgp_open_peer_as(&o), 4200000000u);
}
END_TEST

/* ---- one capability at a time: decode, fields, exact re-encoding ------- */

/* Decode a body holding just caps_hex, check the OPEN re-encodes to the
 * same single parameter, and hand back the decoded OPEN. */
static void cap_case(const char *caps_hex, struct bgp_open *o)
{
	uint8_t body[512], out[600], again_buf[600];
	size_t n = body_with_caps(caps_hex, body, sizeof body);
	struct bgp_open again;
	struct bgp_err err = { 0 };

	ck_assert_msg(bgp_open_decode(body, n, o, &err), "%s",
	    err.why ? err.why : "?");
	struct wbuf w = wbuf_make(out, sizeof out);
	size_t m = bgp_open_encode(&w, o);
	ck_assert_uint_eq(m, 19 + n);
	ck_assert_mem_eq(out + 19, body, n);
	round_trip(o, again_buf, sizeof again_buf, &again);
}

START_TEST(test_cap_graceful_restart)
{
	struct bgp_open o;

	/* R set, 120 s; IPv4 unicast preserved, IPv6 unicast not. */
	cap_case("40 0a 8078 0001 01 80 0002 01 00", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_GRACEFUL_RESTART);
	ck_assert_uint_eq(o.caps.gr.flags, 0x8);
	ck_assert_uint_eq(o.caps.gr.restart_time, 120);
	ck_assert_uint_eq(o.caps.gr.count, 2);
	ck_assert_uint_eq(o.caps.gr.fam[0].fam.afi, 1);
	ck_assert_uint_eq(o.caps.gr.fam[0].flags, 0x80);
	ck_assert_uint_eq(o.caps.gr.fam[1].fam.afi, 2);
	ck_assert_uint_eq(o.caps.gr.fam[1].flags, 0x00);

	/* Helper mode: no families; N bit and the full 12-bit time. */
	cap_case("40 02 4fff", &o);
	ck_assert_uint_eq(o.caps.gr.flags, BGP_GR_NOTIFICATION);
	ck_assert_uint_eq(o.caps.gr.restart_time, 4095);
	ck_assert_uint_eq(o.caps.gr.count, 0);

	/* A restarting speaker with N (FRR's form): R and N, 120 s, IPv4
	 * unicast without its forwarding state. */
	cap_case("40 06 c078 0001 01 00", &o);
	ck_assert_uint_eq(o.caps.gr.flags, BGP_GR_RESTARTED | BGP_GR_NOTIFICATION);
	ck_assert_uint_eq(o.caps.gr.restart_time, 120);
	ck_assert_uint_eq(o.caps.gr.count, 1);
	ck_assert_uint_eq(o.caps.gr.fam[0].flags, 0);
}
END_TEST

START_TEST(test_cap_addpath)
{
	struct bgp_open o;

	cap_case("45 08 0001 01 03 0002 01 01", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_ADD_PATH);
	ck_assert_uint_eq(o.caps.addpath_count, 2);
	ck_assert_uint_eq(bgp_caps_addpath_mode(&o.caps, 1, 1), BGP_ADDPATH_BOTH);
	ck_assert_uint_eq(bgp_caps_addpath_mode(&o.caps, 2, 1),
	    BGP_ADDPATH_RECEIVE);
	ck_assert_uint_eq(bgp_caps_addpath_mode(&o.caps, 2, 2), 0);
}
END_TEST

START_TEST(test_cap_addpath_repeated_family)
{
	uint8_t body[64];
	size_t n = body_with_caps("45 08 0001 01 01 0001 01 02", body,
	    sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.addpath_count, 1);
	ck_assert_uint_eq(bgp_caps_addpath_mode(&o.caps, 1, 1), BGP_ADDPATH_SEND);
}
END_TEST

START_TEST(test_cap_fqdn)
{
	struct bgp_open o;

	cap_case("49 0f 02 7231 0b 6578616d706c652e6e6574", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_FQDN);
	ck_assert_str_eq(o.caps.fqdn_host, "r1");
	ck_assert_str_eq(o.caps.fqdn_domain, "example.net");

	cap_case("49 04 02 7231 00", &o);
	ck_assert_str_eq(o.caps.fqdn_host, "r1");
	ck_assert_str_eq(o.caps.fqdn_domain, "");

	cap_case("49 02 00 00", &o);
	ck_assert_str_eq(o.caps.fqdn_host, "");
}
END_TEST

/* Octets after the domain are not ours to judge: ignored, not sent on. */
START_TEST(test_cap_fqdn_trailing)
{
	uint8_t body[64], out[128];
	size_t n = body_with_caps("49 05 02 7231 00 ff", body, sizeof body);
	struct bgp_open o, again;
	struct bgp_err err = { 0 };

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_str_eq(o.caps.fqdn_host, "r1");
	size_t m = round_trip(&o, out, sizeof out, &again);
	ck_assert_uint_eq(m, 19 + n - 1);
}
END_TEST

START_TEST(test_cap_fqdn_too_long_to_encode)
{
	struct bgp_open o;
	uint8_t out[1024];
	struct wbuf w = wbuf_make(out, sizeof out);

	open_base(&o);
	o.caps.present = BGP_CAPF_FQDN;
	memset(o.caps.fqdn_host, 'h', 200);
	memset(o.caps.fqdn_domain, 'd', 60);   /* 2 + 260 > 255 */
	ck_assert_uint_eq(bgp_open_encode(&w, &o), 0);
}
END_TEST

START_TEST(test_cap_multisession_ietf)
{
	struct bgp_open o;

	cap_case("44 01 80", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MULTISESSION_IETF);
	ck_assert(o.caps.ms_ietf.present);
	ck_assert(o.caps.ms_ietf.grouping);
	ck_assert(!o.caps.ms_ietf.redirect);

	/* -04: G and R, redirect to port 1790. */
	cap_case("44 03 c0 06fe", &o);
	ck_assert(o.caps.ms_ietf.grouping);
	ck_assert(o.caps.ms_ietf.redirect);
	ck_assert_uint_eq(o.caps.ms_ietf.redirect_port, 1790);

	cap_case("44 01 00", &o);
	ck_assert(o.caps.ms_ietf.present);
	ck_assert(!o.caps.ms_ietf.grouping);

	/* Reserved bits go back out as they came. */
	cap_case("44 01 81", &o);
	ck_assert_uint_eq(o.caps.ms_ietf.flags, 0x81);
	ck_assert(o.caps.ms_ietf.grouping);
}
END_TEST

/* -06/-07: after the flags, the codes of the capabilities that define
 * the session; they are kept and go back out in the same TLV. */
START_TEST(test_cap_multisession_ietf_longer)
{
	uint8_t body[64], out[128];
	size_t n = body_with_caps("44 02 00 01", body, sizeof body);
	struct bgp_open o, again;
	struct bgp_err err = { 0 };

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert(o.caps.ms_ietf.present);
	ck_assert(!o.caps.ms_ietf.grouping);
	ck_assert(!o.caps.ms_ietf.redirect);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps_count, 1);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps[0], 1);
	ck_assert_uint_eq(round_trip(&o, out, sizeof out, &again), 19 + n);
	ck_assert_mem_eq(out + 19, body, n);

	/* with R, the list follows the port */
	n = body_with_caps("44 05 c0 00b3 0102", body, sizeof body);
	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.ms_ietf.redirect_port, 179);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps_count, 2);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps[1], 2);
}
END_TEST

/* ExaBGP 4.2 writes each octet of its value in a capability 68 of its
 * own: `44 01 00` (flags) then `44 01 01` (multiprotocol). Both count as
 * one capability: flags 0, the session defined by multiprotocol; it goes
 * back out in the draft's one-TLV form. */
START_TEST(test_cap_multisession_ietf_exabgp)
{
	uint8_t body[64], out[128], want[64];
	size_t n = body_with_caps("01 04 0001 0001 01 04 0002 0001 44 01 00 44 01 01",
	    body, sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MP | BGP_CAPF_MULTISESSION_IETF);
	ck_assert_uint_eq(o.caps.ms_ietf.flags, 0);
	ck_assert(!o.caps.ms_ietf.grouping && !o.caps.ms_ietf.redirect);
	ck_assert_uint_eq(o.caps.ms_ietf.tlv_count, 2);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps_count, 1);
	ck_assert_uint_eq(o.caps.ms_ietf.session_caps[0], BGP_CAP_MP);
	ck_assert_uint_eq(o.caps.mp_count, 2);

	size_t wn = body_with_caps("01 04 0001 0001 01 04 0002 0001 44 02 00 01", want,
	    sizeof want);
	ck_assert_uint_eq(bgp_open_encode(&w, &o), 19 + wn);
	ck_assert_mem_eq(out + 19, want, wn);

	/* an empty further TLV is as malformed as an empty first one */
	n = body_with_caps("44 01 00 44 00", body, sizeof body);
	ck_assert(!bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(err.code, BGP_ERR_OPEN);
	ck_assert_uint_eq(err.subcode, 0);
}
END_TEST

START_TEST(test_cap_multisession_ietf_encode_flags)
{
	struct bgp_open o;
	uint8_t out[128], want[64];
	struct wbuf w = wbuf_make(out, sizeof out);

	open_base(&o);
	o.caps.present = BGP_CAPF_MULTISESSION_IETF;
	o.caps.ms_ietf.present = true;
	o.caps.ms_ietf.grouping = true;
	o.caps.ms_ietf.redirect = true;
	o.caps.ms_ietf.redirect_port = 1790;
	size_t wn = hex(MARKER "0024 01" FIX "07 02 05 44 03 c0 06fe", want,
	    sizeof want);
	ck_assert_uint_eq(bgp_open_encode(&w, &o), wn);
	ck_assert_mem_eq(out, want, wn);
}
END_TEST

/* Bad Peer AS names both sides' numbers, as the OPEN carried them. */
START_TEST(test_peer_as_text)
{
	struct bgp_open o;
	char buf[160];

	open_base(&o);
	ck_assert_str_eq(bgp_open_peer_as_text(&o, 65201, buf, sizeof buf),
	    "received AS 65200 (My AS 65200, no 4-octet AS capability), configured AS 65201");
	o.my_as = 23456;
	o.caps.present = BGP_CAPF_AS4;
	o.caps.as4 = 4200000000u;
	ck_assert_str_eq(bgp_open_peer_as_text(&o, 0, buf, sizeof buf),
	    "received AS 4200000000 (My AS 23456, 4-octet AS capability 4200000000), "
	    "configured any AS");
	/* the two fields disagree: both show */
	o.my_as = 65001;
	o.caps.as4 = 65002;
	ck_assert_str_eq(bgp_open_peer_as_text(&o, 65002, buf, sizeof buf),
	    "received AS 65002 (My AS 65001, 4-octet AS capability 65002), configured AS 65002");
}
END_TEST

START_TEST(test_cap_multisession_cisco)
{
	struct bgp_open o;

	cap_case("83 01 00", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MULTISESSION_CISCO);
	ck_assert_uint_eq(o.caps.ms_cisco_flags, 0);
	cap_case("83 01 01", &o);
	ck_assert_uint_eq(o.caps.ms_cisco_flags, 1);

	uint8_t body[64];
	size_t n = body_with_caps("83 02 05 ff", body, sizeof body);
	struct bgp_err err = { 0 };
	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.ms_cisco_flags, 5);
}
END_TEST

START_TEST(test_both_multisessions)
{
	struct bgp_open o;

	cap_case("01 04 0001 00 01" "44 01 80" "83 01 00", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MP |
	    BGP_CAPF_MULTISESSION_IETF | BGP_CAPF_MULTISESSION_CISCO);
	ck_assert(o.caps.ms_ietf.grouping);
}
END_TEST

START_TEST(test_cap_empty_ones)
{
	struct bgp_open o;

	cap_case("02 00 80 00 06 00 46 00", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_ROUTE_REFRESH |
	    BGP_CAPF_ROUTE_REFRESH_CISCO | BGP_CAPF_EXT_MESSAGE |
	    BGP_CAPF_ENHANCED_RR);
}
END_TEST

START_TEST(test_cap_unknown_kept)
{
	struct bgp_open o;

	cap_case("01 04 0002 00 01" "c8 03 010203" "09 01 00", &o);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MP);
	ck_assert_uint_eq(o.caps.unknown_count, 2);
	ck_assert_uint_eq(o.caps.unknown[0].code, 200);
	ck_assert_uint_eq(o.caps.unknown[0].len, 3);
	ck_assert_mem_eq(o.caps.unknown[0].data, "\x01\x02\x03", 3);
	ck_assert_uint_eq(o.caps.unknown[1].code, 9);   /* BGP Role, unknown */
	ck_assert_str_eq(bgp_cap_name(200), "unknown capability");
}
END_TEST

START_TEST(test_cap_unknown_limit)
{
	char caps[17 * 6 + 1] = "";
	uint8_t body[128];
	struct bgp_open o;
	struct bgp_err err = { 0 };

	for (int i = 0; i < 17; i++)
		strcat(caps, "c800 ");
	size_t n = body_with_caps(caps, body, sizeof body);
	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.unknown_count, BGP_MAX_UNKNOWN_CAPS);
}
END_TEST

START_TEST(test_cap_mp_many_and_repeated)
{
	char caps[512] = "";
	uint8_t body[300];
	struct bgp_open o;
	struct bgp_err err = { 0 };

	/* 18 MP capabilities: SAFI 1 twice, then SAFIs 2..17. */
	strcat(caps, "01 04 0001 00 01 ");
	for (int safi = 1; safi <= 17; safi++) {
		char one[32];
		snprintf(one, sizeof one, "01 04 0001 00 %02x ", safi);
		strcat(caps, one);
	}
	size_t n = body_with_caps(caps, body, sizeof body);
	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert_uint_eq(o.caps.mp_count, BGP_MAX_FAMILIES);
	ck_assert_uint_eq(o.caps.mp[0].safi, 1);
	ck_assert_uint_eq(o.caps.mp[15].safi, 16);
	ck_assert(bgp_caps_has_family(&o.caps, 1, 16));
	ck_assert(!bgp_caps_has_family(&o.caps, 1, 17));
}
END_TEST

/* RFC 4271 alone means IPv4 unicast, and only that. */
START_TEST(test_has_family_without_mp)
{
	struct bgp_caps c;

	memset(&c, 0, sizeof c);
	ck_assert(bgp_caps_has_family(&c, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	ck_assert(!bgp_caps_has_family(&c, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	c.present = BGP_CAPF_MP;        /* MP present: only what it lists */
	ck_assert(!bgp_caps_has_family(&c, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
}
END_TEST

START_TEST(test_no_capabilities)
{
	struct bgp_open o, again;
	uint8_t out[64], want[64];

	open_base(&o);
	size_t wn = hex(MARKER "001d 01" FIX "00", want, sizeof want);
	ck_assert_uint_eq(round_trip(&o, out, sizeof out, &again), wn);
	ck_assert_mem_eq(out, want, wn);
}
END_TEST

/* ---- RFC 9072 extended optional parameters -------------------------------- */

START_TEST(test_ext_params_decode)
{
	uint8_t body[64];
	size_t n = hex(FIX "ff ff 000e" "02 0006 01 04 0001 00 01"
	    "02 0002 02 00", body, sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert(o.ext_params);
	ck_assert_uint_eq(o.caps.present, BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH);
	ck_assert(bgp_caps_has_family(&o.caps, 1, 1));
}
END_TEST

START_TEST(test_ext_params_empty)
{
	uint8_t body[32];
	size_t n = hex(FIX "ff ff 0000", body, sizeof body);
	struct bgp_open o;
	struct bgp_err err = { 0 };

	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert(o.ext_params);
	ck_assert_uint_eq(o.caps.present, 0);
}
END_TEST

/* A short-form OPEN may use all 255 octets: length 255, first type 2. */
START_TEST(test_short_form_255)
{
	uint8_t body[300], out[400];
	size_t n = hex(FIX "ff 02 fd c8 fb", body, sizeof body);
	struct bgp_open o, again;
	struct bgp_err err = { 0 };

	memset(body + n, 0xab, 251);
	n += 251;
	ck_assert(bgp_open_decode(body, n, &o, &err));
	ck_assert(!o.ext_params);
	ck_assert_uint_eq(o.caps.unknown_count, 1);
	ck_assert_uint_eq(o.caps.unknown[0].len, 251);
	/* 253 octets of capabilities still fit the short form. */
	size_t m = round_trip(&o, out, sizeof out, &again);
	ck_assert_uint_eq(m, 19 + n);
	ck_assert_uint_eq(out[28], 0xff);
	ck_assert_uint_eq(out[29], 2);
}
END_TEST

/* 254 octets of capabilities do not: the encoder switches to RFC 9072. */
START_TEST(test_ext_params_encode_when_needed)
{
	uint8_t data[252], out[400];
	struct bgp_open o, again;
	struct wbuf w = wbuf_make(out, sizeof out);

	memset(data, 0xcd, sizeof data);
	open_base(&o);
	o.caps.unknown_count = 1;
	o.caps.unknown[0] = (struct bgp_unknown_cap){ 200, 252, data };
	size_t n = bgp_open_encode(&w, &o);
	ck_assert_uint_eq(n, 19 + 9 + 1 + 1 + 2 + 3 + 254);
	ck_assert_uint_eq(out[28], 0xff);
	ck_assert_uint_eq(out[29], 0xff);
	ck_assert_uint_eq(out[30] << 8 | out[31], 3 + 254);
	ck_assert_uint_eq(out[32], 2);
	ck_assert_uint_eq(out[33] << 8 | out[34], 254);
	ck_assert_uint_eq(out[35], 200);
	ck_assert_uint_eq(out[36], 252);
	o.ext_params = true;            /* decoding says which form came */
	round_trip(&o, out, sizeof out, &again);
}
END_TEST

START_TEST(test_ext_params_encode_when_asked)
{
	struct bgp_open o, again;
	uint8_t out[128], want[128];

	open_base(&o);
	o.ext_params = true;
	o.caps.present = BGP_CAPF_ROUTE_REFRESH;
	size_t wn = hex(MARKER "0025 01" FIX "ff ff 0005 02 0002 02 00", want,
	    sizeof want);
	ck_assert_uint_eq(round_trip(&o, out, sizeof out, &again), wn);
	ck_assert_mem_eq(out, want, wn);

	o.caps.present = 0;
	wn = hex(MARKER "0020 01" FIX "ff ff 0000", want, sizeof want);
	ck_assert_uint_eq(round_trip(&o, out, sizeof out, &again), wn);
	ck_assert_mem_eq(out, want, wn);
}
END_TEST

/* Many families and a long host name: over 255 octets, in one OPEN. */
START_TEST(test_ext_params_big_round_trip)
{
	struct bgp_open o, again;
	uint8_t out[2048];

	open_base(&o);
	o.caps.present = BGP_CAPF_MP | BGP_CAPF_FQDN | BGP_CAPF_ADD_PATH |
	    BGP_CAPF_GRACEFUL_RESTART;
	for (int i = 0; i < BGP_MAX_FAMILIES; i++) {
		struct bgp_family f = { (uint16_t)(1 + i % 2), (uint8_t)(1 + i) };
		o.caps.mp[i] = f;
		o.caps.addpath[i] = (struct bgp_addpath_family){ f, 3 };
		o.caps.gr.fam[i] = (struct bgp_gr_family){ f, 0x80 };
	}
	o.caps.mp_count = o.caps.addpath_count = o.caps.gr.count =
	    BGP_MAX_FAMILIES;
	o.caps.gr.restart_time = 300;
	memset(o.caps.fqdn_host, 'r', 120);
	memset(o.caps.fqdn_domain, 'e', 120);
	o.ext_params = true;
	size_t n = round_trip(&o, out, sizeof out, &again);
	ck_assert_uint_gt(n, 19 + 10 + 255);
}
END_TEST

/* ---- everything at once, and the encoder's limits ------------------------ */

START_TEST(test_full_round_trip)
{
	static const uint8_t opaque[] = { 1, 2, 3, 4, 5 };
	struct bgp_open o, again;
	uint8_t out[1024];

	open_base(&o);
	o.my_as = BGP_AS_TRANS;
	o.hold_time = 90;
	o.caps.present = BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH |
	    BGP_CAPF_ROUTE_REFRESH_CISCO | BGP_CAPF_EXT_MESSAGE |
	    BGP_CAPF_GRACEFUL_RESTART | BGP_CAPF_AS4 |
	    BGP_CAPF_MULTISESSION_IETF | BGP_CAPF_ADD_PATH |
	    BGP_CAPF_ENHANCED_RR | BGP_CAPF_FQDN | BGP_CAPF_MULTISESSION_CISCO;
	o.caps.mp[0] = (struct bgp_family){ 1, 1 };
	o.caps.mp[1] = (struct bgp_family){ 2, 1 };
	o.caps.mp_count = 2;
	o.caps.as4 = 4200000000u;
	o.caps.addpath[0] = (struct bgp_addpath_family){ { 2, 1 }, 2 };
	o.caps.addpath_count = 1;
	o.caps.gr.flags = 0xc;
	o.caps.gr.restart_time = 120;
	o.caps.gr.fam[0] = (struct bgp_gr_family){ { 1, 1 }, 0x80 };
	o.caps.gr.count = 1;
	strcpy(o.caps.fqdn_host, "gw1");
	strcpy(o.caps.fqdn_domain, "bgpmux.example");
	o.caps.ms_cisco_flags = 0;
	o.caps.ms_ietf = (struct bgp_cap_multisession){ .present = true, .flags = 0xc0,
	    .grouping = true, .redirect = true, .redirect_port = 1790, .tlv_count = 1 };
	o.caps.unknown[0] = (struct bgp_unknown_cap){ 9, 5, opaque };
	o.caps.unknown_count = 1;
	round_trip(&o, out, sizeof out, &again);
	ck_assert_uint_eq(bgp_open_peer_as(&again), 4200000000u);
	struct bgp_err err = { 0 };
	ck_assert(bgp_open_check(&again, 4200000000u, ID_R1, &err));
}
END_TEST

START_TEST(test_encode_overflow)
{
	struct bgp_open o;
	uint8_t small[28];
	struct wbuf w = wbuf_make(small, sizeof small);

	open_base(&o);
	ck_assert_uint_eq(bgp_open_encode(&w, &o), 0);
	ck_assert(w.overflow);
}
END_TEST

/* Capabilities past what any OPEN can hold (4096) are refused whole. */
START_TEST(test_encode_too_big)
{
	static uint8_t data[255];
	static uint8_t out[8192];
	struct bgp_open o;
	struct wbuf w = wbuf_make(out, sizeof out);

	open_base(&o);
	for (int i = 0; i < BGP_MAX_UNKNOWN_CAPS; i++)
		o.caps.unknown[i] = (struct bgp_unknown_cap){ 200, 255, data };
	o.caps.unknown_count = BGP_MAX_UNKNOWN_CAPS;   /* 16 × 257 > 4067 */
	ck_assert_uint_eq(bgp_open_encode(&w, &o), 0);
}
END_TEST

START_TEST(test_cap_names)
{
	ck_assert_str_eq(bgp_cap_name(BGP_CAP_AS4), "4-octet AS");
	ck_assert_str_eq(bgp_cap_name(BGP_CAP_MULTISESSION_CISCO),
	    "multisession (Cisco)");
	ck_assert_str_eq(bgp_cap_name(BGP_CAP_MULTISESSION_IETF), "multisession");
	ck_assert_str_eq(bgp_cap_name(0), "unknown capability");
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *open_suite(void)
{
	Suite *s = suite_create("bgp_open");
	TCase *t;

	t = tcase_create("vectors");
	tcase_add_test(t, test_v1_decode);
	tcase_add_test(t, test_v1_reencode);
	tcase_add_test(t, test_v1_packed_equals_cisco_style);
	tcase_add_test(t, test_v2_decode);
	tcase_add_test(t, test_v1_v2_multisession_presence);
	tcase_add_test(t, test_v1_truncated_padded_overlong);
	suite_add_tcase(s, t);

	t = tcase_create("errors");
	tcase_add_loop_test(t, test_open_bad, 0, NROWS(open_bad_rows));
	tcase_add_loop_test(t, test_cap_bad, 0, NROWS(cap_bad_rows));
	tcase_add_test(t, test_open_hold_time_edges);
	suite_add_tcase(s, t);

	t = tcase_create("check");
	tcase_add_loop_test(t, test_open_check, 0, NROWS(check_rows));
	tcase_add_test(t, test_peer_as);
	tcase_add_test(t, test_peer_as_text);
	suite_add_tcase(s, t);

	t = tcase_create("capabilities");
	tcase_add_test(t, test_cap_graceful_restart);
	tcase_add_test(t, test_cap_addpath);
	tcase_add_test(t, test_cap_addpath_repeated_family);
	tcase_add_test(t, test_cap_fqdn);
	tcase_add_test(t, test_cap_fqdn_trailing);
	tcase_add_test(t, test_cap_fqdn_too_long_to_encode);
	tcase_add_test(t, test_cap_multisession_ietf);
	tcase_add_test(t, test_cap_multisession_ietf_longer);
	tcase_add_test(t, test_cap_multisession_ietf_exabgp);
	tcase_add_test(t, test_cap_multisession_ietf_encode_flags);
	tcase_add_test(t, test_cap_multisession_cisco);
	tcase_add_test(t, test_both_multisessions);
	tcase_add_test(t, test_cap_empty_ones);
	tcase_add_test(t, test_cap_unknown_kept);
	tcase_add_test(t, test_cap_unknown_limit);
	tcase_add_test(t, test_cap_mp_many_and_repeated);
	tcase_add_test(t, test_has_family_without_mp);
	tcase_add_test(t, test_no_capabilities);
	tcase_add_test(t, test_cap_names);
	suite_add_tcase(s, t);

	t = tcase_create("rfc9072");
	tcase_add_test(t, test_ext_params_decode);
	tcase_add_test(t, test_ext_params_empty);
	tcase_add_test(t, test_short_form_255);
	tcase_add_test(t, test_ext_params_encode_when_needed);
	tcase_add_test(t, test_ext_params_encode_when_asked);
	tcase_add_test(t, test_ext_params_big_round_trip);
	suite_add_tcase(s, t);

	t = tcase_create("encode");
	tcase_add_test(t, test_full_round_trip);
	tcase_add_test(t, test_encode_overflow);
	tcase_add_test(t, test_encode_too_big);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(open_suite());
}
