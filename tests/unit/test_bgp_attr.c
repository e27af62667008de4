/*
 * test_bgp_attr.c — attribute encoders (byte-exact), the RFC 6793 AS4
 * merge and split, AS_PATH helpers, UPDATE / End-of-RIB encoders and the
 * packing builder.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

static void ck_bytes(const uint8_t *got, size_t n, const char *want_hex)
{
	static uint8_t want[8192];
	size_t m = hex(want_hex, want, sizeof want);
	ck_assert_msg(n == m, "length %zu, want %zu", n, m);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "octet %zu: %02x, want %02x", i, got[i],
		    want[i]);
}

static const struct bgp_codec_ctx ctx4 = { .as4 = true, .max_len = BGP_MAX_LEN };
static const struct bgp_codec_ctx ctx2 = { .as4 = false, .max_len = BGP_MAX_LEN };
static const struct bgp_codec_ctx ctx4_ebgp = {
	.as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN,
};

static uint8_t in[8192], out[8192], scratch[BGP_ATTR_SCRATCH(8192)];

/* Decode an attribute section given in hex; the tier it got. */
static enum bgp_tier decode(const char *attrs, const struct bgp_codec_ctx *c,
    struct bgp_attrs *a)
{
	struct bgp_err e;
	size_t n = hex(attrs, in, sizeof in);
	ck_assert(bgp_attrs_decode(in, n, c, scratch, sizeof scratch, a, &e));
	return e.tier;
}

static const char *path_text(const struct bgp_attrs *a)
{
	static char buf[4096];
	bgp_aspath_format(a->as_path, buf, sizeof buf);
	return buf;
}

/* ---- encoders, byte-exact ---------------------------------------------- */

/* Canonical: ascending types, short lengths, Partial on unknown
 * transitive attributes; what the encoder writes for it is itself. */
#define CANONICAL \
	"40 01 01 02 " \
	"40 02 0e 02 03 00 00 fd e9 00 01 11 70 00 00 00 01 " \
	"40 03 04 c0 00 02 01 " \
	"80 04 04 00 00 00 0a " \
	"40 05 04 00 00 00 c8 " \
	"40 06 00 " \
	"c0 07 08 00 01 11 71 c0 00 02 02 " \
	"c0 08 08 fd e9 00 01 ff ff ff 01 " \
	"80 09 04 0a 00 00 01 " \
	"80 0a 08 0a 00 00 02 0a 00 00 03 " \
	"e0 0c 01 77 " \
	"c0 10 08 00 02 fd e9 00 00 00 64 " \
	"c0 20 0c 00 00 fd e9 00 00 00 01 00 00 00 02 " \
	"e0 63 02 ab cd "

START_TEST(test_encode_canonical_is_identity)
{
	struct bgp_attrs a, b;
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_int_eq(decode(CANONICAL, &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&w, &a, &ctx4);
	ck_assert(!w.overflow);
	ck_bytes(out, w.len, CANONICAL);
	ck_assert_int_eq(decode(CANONICAL, &ctx4, &b), BGP_TIER_OK);
	ck_assert(bgp_attrs_equal(&a, &b));
}
END_TEST

START_TEST(test_encode_normalises)
{
	struct bgp_attrs a;
	struct wbuf w = wbuf_make(out, sizeof out);

	/* Out of order, extended lengths where short ones do, an unknown
	 * transitive attribute without Partial, a non-transitive one. */
	ck_assert_int_eq(decode("c0 63 02 ab cd 80 64 01 00 50 03 00 04 c0 00 02 01 "
	    "40 01 01 00 50 02 00 06 02 01 00 00 fd e9", &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&w, &a, &ctx4);
	ck_bytes(out, w.len, "40 01 01 00 40 02 06 02 01 00 00 fd e9 "
	    "40 03 04 c0 00 02 01 e0 63 02 ab cd");
}
END_TEST

START_TEST(test_encode_external_leaves_internal_attrs_out)
{
	struct bgp_attrs a;
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_int_eq(decode("40 01 01 00 40 02 00 40 05 04 00 00 00 64 "
	    "80 09 04 0a 00 00 01 80 0a 04 0a 00 00 02", &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&w, &a, &ctx4_ebgp);
	ck_bytes(out, w.len, "40 01 01 00 40 02 00");
}
END_TEST

/* An attribute of n octets of fill after header hdr, in hex. */
static const char *long_attr(const char *hdr, size_t n, const char *fill)
{
	static char buf[4096];
	size_t at = (size_t)snprintf(buf, sizeof buf, "40 01 01 00 %s ", hdr);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s ", fill);
	return buf;
}

START_TEST(test_encode_extended_length)
{
	struct bgp_attrs a;
	struct wbuf w;
	const char *attrs;

	/* 252 octets of communities fit the short form ... */
	attrs = long_attr("c0 08 fc", 252, "01");
	ck_assert_int_eq(decode(attrs, &ctx4, &a), BGP_TIER_OK);
	w = wbuf_make(out, sizeof out);
	bgp_attrs_encode(&w, &a, &ctx4);
	ck_bytes(out, w.len, attrs);
	/* ... 280 need the extended one. */
	attrs = long_attr("d0 08 01 18", 280, "02");
	ck_assert_int_eq(decode(attrs, &ctx4, &a), BGP_TIER_OK);
	ck_assert_uint_eq(a.communities.len, 280);
	w = wbuf_make(out, sizeof out);
	bgp_attrs_encode(&w, &a, &ctx4);
	ck_bytes(out, w.len, attrs);
}
END_TEST

START_TEST(test_encode_overflow)
{
	struct bgp_attrs a;

	struct wbuf full = wbuf_make(out, sizeof out);

	ck_assert_int_eq(decode(CANONICAL, &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&full, &a, &ctx4);
	for (size_t cap = 0; cap < full.len; cap++) {
		struct wbuf w = wbuf_make(out, cap);
		bgp_attrs_encode(&w, &a, &ctx4);
		ck_assert(w.overflow);
	}
}
END_TEST

START_TEST(test_encode_mp_attributes)
{
	uint8_t nh[16], nlri[5];
	struct wbuf w = wbuf_make(out, sizeof out);

	hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", nh, sizeof nh);
	hex("20 20 01 0d b8", nlri, sizeof nlri);
	bgp_attr_put_mp_reach(&w, 2, 1, nh, 16, nlri, 5);
	bgp_attr_put_mp_unreach(&w, 2, 1, nlri, 5);
	bgp_attr_put_mp_unreach(&w, 2, 1, NULL, 0);
	ck_bytes(out, w.len, "80 0e 1a 00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 "
	    "00 00 00 01 00 20 20 01 0d b8 80 0f 08 00 02 01 20 20 01 0d b8 "
	    "80 0f 03 00 02 01");
}
END_TEST

/* ---- RFC 6793: to a 2-octet neighbor ----------------------------------- */

struct split_vec {
	const char *name;
	const char *attrs4;     /* decoded on a 4-octet session */
	const char *want2;      /* encoded for a 2-octet neighbor */
};

static const struct split_vec split_vecs[] = {
	{ "all mappable: no AS4_PATH",
	  "40 02 0a 02 02 00 00 fd e9 00 00 fd ea",
	  "40 02 06 02 02 fd e9 fd ea" },
	{ "AS_TRANS and AS4_PATH, AS4_AGGREGATOR",
	  "40 02 0a 02 02 00 00 fd e9 00 01 11 70 c0 07 08 00 01 11 71 c0 00 02 01",
	  "40 02 06 02 02 fd e9 5b a0 c0 07 06 5b a0 c0 00 02 01 "
	  "c0 11 0a 02 02 00 00 fd e9 00 01 11 70 c0 12 08 00 01 11 71 c0 00 02 01" },
	{ "mappable AGGREGATOR: no AS4_AGGREGATOR",
	  "c0 07 08 00 00 fd e9 c0 00 02 01",
	  "c0 07 06 fd e9 c0 00 02 01" },
	{ "confederation segments stay out of AS4_PATH",
	  "40 02 10 03 01 00 00 fd e8 02 02 00 00 fd e9 00 01 11 70",
	  "40 02 0a 03 01 fd e8 02 02 fd e9 5b a0 c0 11 0a 02 02 00 00 fd e9 00 01 11 70" },
	{ "a big ASN only in a confederation segment: no AS4_PATH",
	  "40 02 06 03 01 00 01 11 70",
	  "40 02 04 03 01 5b a0" },
	{ "AS_SET",
	  "40 02 0a 01 02 00 01 11 70 00 00 00 05",
	  "40 02 06 01 02 5b a0 00 05 c0 11 0a 01 02 00 01 11 70 00 00 00 05" },
};

START_TEST(test_as4_split)
{
	const struct split_vec *v = &split_vecs[_i];
	struct bgp_attrs a, b;
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_int_eq(decode(v->attrs4, &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&w, &a, &ctx2);
	ck_assert(!w.overflow);
	ck_bytes(out, w.len, v->want2);
	/* And a 2-octet speaker's decoder puts it back together (a points
	 * into in, so out is decoded where it is). */
	struct bgp_err e;
	ck_assert(bgp_attrs_decode(out, w.len, &ctx2, scratch, sizeof scratch, &b, &e));
	ck_assert_int_eq(e.tier, BGP_TIER_OK);
	if (strcmp(v->name, "a big ASN only in a confederation segment: no AS4_PATH"))
		ck_assert_msg(bgp_attrs_equal(&a, &b), "%s", v->name);
}
END_TEST

/* ---- RFC 6793 §4.2.3: from a 2-octet neighbor ------------------------- */

struct merge_vec {
	const char *name;
	const char *attrs2;
	const char *path;       /* as bgp_aspath_format renders it */
	const char *bytes;      /* the 4-octet form, NULL: not checked */
	uint32_t aggregator_as; /* 0: no AGGREGATOR */
	uint8_t aggregator_last;
	enum bgp_tier tier;
};

static const struct merge_vec merge_vecs[] = {
	{ "widened only", "40 02 06 02 02 fd e9 5b a0", "65001 23456",
	  "02 02 00 00 fd e9 00 00 5b a0", 0, 0, BGP_TIER_OK },
	{ "AS4_PATH merged into one sequence",
	  "40 02 08 02 03 00 01 00 02 5b a0 c0 11 06 02 01 00 01 11 70", "1 2 70000",
	  "02 03 00 00 00 01 00 00 00 02 00 01 11 70", 0, 0, BGP_TIER_OK },
	{ "AS4_PATH as long as AS_PATH replaces it",
	  "40 02 06 02 02 5b a0 5b a0 c0 11 0a 02 02 00 01 11 70 00 01 11 71",
	  "70000 70001", NULL, 0, 0, BGP_TIER_OK },
	{ "AS4_PATH longer than AS_PATH: ignored",
	  "40 02 06 02 02 00 01 5b a0 c0 11 0e 02 03 00 01 11 70 00 01 11 71 00 01 11 72",
	  "1 23456", NULL, 0, 0, BGP_TIER_OK },
	{ "AGGREGATOR not AS_TRANS: AS4_PATH and AS4_AGGREGATOR ignored",
	  "40 02 06 02 02 00 01 5b a0 c0 07 06 00 64 c0 00 02 01 "
	  "c0 11 06 02 01 00 01 11 70 c0 12 08 00 01 11 71 c0 00 02 02",
	  "1 23456", NULL, 100, 1, BGP_TIER_OK },
	{ "AGGREGATOR AS_TRANS: AS4_AGGREGATOR taken, path merged",
	  "40 02 06 02 02 00 01 5b a0 c0 07 06 5b a0 c0 00 02 01 "
	  "c0 11 06 02 01 00 01 11 70 c0 12 08 00 01 11 71 c0 00 02 02",
	  "1 70000", NULL, 70001, 2, BGP_TIER_OK },
	{ "AGGREGATOR AS_TRANS without AS4_AGGREGATOR stays AS_TRANS",
	  "40 02 04 02 01 00 01 c0 07 06 5b a0 c0 00 02 01", "1", NULL, 23456, 1,
	  BGP_TIER_OK },
	{ "AS4_AGGREGATOR without AGGREGATOR: ignored, AS4_PATH still merged",
	  "40 02 06 02 02 00 01 5b a0 c0 11 06 02 01 00 01 11 70 "
	  "c0 12 08 00 01 11 71 c0 00 02 02", "1 70000", NULL, 0, 0, BGP_TIER_OK },
	{ "an AS_SET counts one",
	  "40 02 0c 02 02 00 01 5b a0 01 02 00 03 00 04 "
	  "c0 11 10 02 01 00 01 11 70 01 02 00 00 00 03 00 00 00 04",
	  "1 70000 {3,4}", NULL, 0, 0, BGP_TIER_OK },
	{ "whole segments, then the front of a sequence",
	  "40 02 0e 02 02 00 01 00 02 02 03 00 03 5b a0 5b a0 "
	  "c0 11 0a 02 02 00 01 11 70 00 01 11 71",
	  "1 2 3 70000 70001",
	  "02 02 00 00 00 01 00 00 00 02 02 03 00 00 00 03 00 01 11 70 00 01 11 71",
	  0, 0, BGP_TIER_OK },
	{ "a leading confederation segment is kept",
	  "40 02 0a 03 01 fd e8 02 02 00 01 5b a0 c0 11 0a 02 02 00 00 00 01 00 01 11 70",
	  "(65000) 1 70000", NULL, 0, 0, BGP_TIER_OK },
	{ "confederation segments of AS4_PATH are dropped",
	  "40 02 06 02 02 00 01 5b a0 c0 11 0c 03 01 00 00 fd e8 02 01 00 01 11 70",
	  "1 70000", NULL, 0, 0, BGP_TIER_OK },
	{ "malformed AS4_PATH: discarded, AS_PATH widened",
	  "40 02 06 02 02 00 01 5b a0 c0 11 06 02 02 00 01 11 70",
	  "1 23456", NULL, 0, 0, BGP_TIER_ATTR_DISCARD },
	{ "empty AS_PATH and AS4_PATH", "40 02 00 c0 11 06 02 01 00 01 11 70", "", "",
	  0, 0, BGP_TIER_OK },
};

START_TEST(test_as4_merge)
{
	const struct merge_vec *v = &merge_vecs[_i];
	struct bgp_attrs a;

	ck_assert_int_eq(decode(v->attrs2, &ctx2, &a), v->tier);
	ck_assert(a.present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH));
	ck_assert_msg(!strcmp(path_text(&a), v->path), "%s: %s", v->name, path_text(&a));
	if (v->bytes)
		ck_bytes(a.as_path.p, a.as_path.len, v->bytes);
	ck_assert_int_eq(bgp_aspath_length(a.as_path) >= 0, 1);
	if (v->aggregator_as) {
		ck_assert(a.present & BGP_ATTR_BIT(BGP_ATTR_AGGREGATOR));
		ck_assert_uint_eq(a.aggregator_as, v->aggregator_as);
		ck_assert_uint_eq(a.aggregator_addr[3], v->aggregator_last);
	}
	ck_assert(!(a.present & BGP_ATTR_BIT(BGP_ATTR_AS4_PATH)));
	ck_assert(!(a.present & BGP_ATTR_BIT(BGP_ATTR_AS4_AGGREGATOR)));
}
END_TEST

START_TEST(test_as4_merge_join_limit)
{
	char attrs[4096];
	size_t at = 0;
	struct bgp_attrs a;

	/* 255 ASNs taken whole, then AS4_PATH's sequence: 256 do not fit
	 * one segment, so two. */
	at += (size_t)sprintf(attrs + at, "50 02 02 04 02 ff ");
	for (int i = 1; i <= 255; i++)
		at += (size_t)sprintf(attrs + at, "%02x %02x ", i >> 8, i & 0xff);
	at += (size_t)sprintf(attrs + at, "02 01 5b a0 c0 11 06 02 01 00 01 11 70");
	ck_assert_int_eq(decode(attrs, &ctx2, &a), BGP_TIER_OK);
	ck_assert_int_eq(bgp_aspath_length(a.as_path), 256);
	ck_assert_uint_eq(a.as_path.len, 2 + 255 * 4 + 2 + 4);
	ck_assert_uint_eq(a.as_path.p[2 + 255 * 4 + 1], 1);
}
END_TEST

START_TEST(test_as4_no_scratch)
{
	struct bgp_attrs a;
	struct bgp_err e;
	size_t n = hex("40 02 04 02 01 fd e9", in, sizeof in);

	ck_assert(!bgp_attrs_decode(in, n, &ctx2, scratch, 4, &a, &e));
	ck_assert_int_eq(e.tier, BGP_TIER_RESET);
	ck_assert_uint_eq(e.code, BGP_ERR_CEASE);
	/* A 4-octet session needs none. */
	n = hex("40 02 06 02 01 00 00 fd e9", in, sizeof in);
	ck_assert(bgp_attrs_decode(in, n, &ctx4, NULL, 0, &a, &e));
	ck_assert_ptr_eq(a.as_path.p, in + 3);          /* zero-copy */
}
END_TEST

/* ---- AS_PATH helpers ---------------------------------------------------- */

START_TEST(test_aspath_helpers)
{
	uint8_t p[64];
	char buf[64];
	struct bgp_bytes path = { p, 0 };

	path.len = (uint16_t)hex("03 02 00 00 fd e8 00 00 fd ea 02 02 00 00 00 01 "
	    "00 00 00 02 01 02 00 00 00 03 00 00 00 04 04 01 00 00 fd eb", p, sizeof p);
	bgp_aspath_format(path, buf, sizeof buf);
	ck_assert_str_eq(buf, "(65000 65002) 1 2 {3,4} [65003]");
	ck_assert_int_eq(bgp_aspath_length(path), 3);
	/* an ASN in any kind of segment is there (a loop) */
	ck_assert(bgp_aspath_contains(path, 65002) && bgp_aspath_contains(path, 2));
	ck_assert(bgp_aspath_contains(path, 4) && bgp_aspath_contains(path, 65003));
	ck_assert(!bgp_aspath_contains(path, 5) && !bgp_aspath_contains(path, 65001));
	bgp_aspath_format(path, buf, 10);
	ck_assert_str_eq(buf, "(65000 65");
	path.len = (uint16_t)hex("01 01 00 00 00 07 02 01 00 00 00 08", p, sizeof p);
	ck_assert_int_eq(bgp_aspath_length(path), 2);
	path.len = 0;
	ck_assert(!bgp_aspath_contains(path, 1));
	ck_assert_int_eq(bgp_aspath_length(path), 0);
	bgp_aspath_format(path, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	path.len = (uint16_t)hex("02 02 00 00 00 01", p, sizeof p);
	ck_assert_int_eq(bgp_aspath_length(path), -1);
}
END_TEST

/* ---- UPDATE and End-of-RIB encoders ----------------------------------- */

#define MARKER "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff "

START_TEST(test_update_encode_exact)
{
	uint8_t wd[2] = { 0x08, 0x0a }, at[4] = { 0x40, 0x01, 0x01, 0x00 };
	uint8_t nl[4] = { 0x18, 0xc0, 0x00, 0x02 };
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_uint_eq(bgp_update_encode(&w, BGP_MAX_LEN, wd, 2, at, 4, nl, 4), 33);
	ck_bytes(out, w.len, MARKER "00 21 02 00 02 08 0a 00 04 40 01 01 00 18 c0 00 02");
	/* Over max_len: nothing written. */
	w = wbuf_make(out, sizeof out);
	ck_assert_uint_eq(bgp_update_encode(&w, 32, wd, 2, at, 4, nl, 4), 0);
	ck_assert_uint_eq(w.len, 0);
	/* No room: 0. */
	w = wbuf_make(out, 30);
	ck_assert_uint_eq(bgp_update_encode(&w, BGP_MAX_LEN, wd, 2, at, 4, nl, 4), 0);
}
END_TEST

START_TEST(test_eor_encode)
{
	struct wbuf w = wbuf_make(out, sizeof out);
	struct bgp_update u;
	struct bgp_err e;

	ck_assert_uint_eq(bgp_eor_encode(&w, 1, 1), 23);
	ck_bytes(out, w.len, MARKER "00 17 02 00 00 00 00");
	ck_assert(bgp_update_decode(out + 19, 4, &ctx4, NULL, 0, &u, &e));
	ck_assert(u.end_of_rib && u.eor_afi == 1 && u.eor_safi == 1);
	w = wbuf_make(out, sizeof out);
	ck_assert_uint_eq(bgp_eor_encode(&w, 2, 1), 29);
	ck_bytes(out, w.len, MARKER "00 1d 02 00 00 00 06 80 0f 03 00 02 01");
	ck_assert(bgp_update_decode(out + 19, 10, &ctx4, NULL, 0, &u, &e));
	ck_assert(u.end_of_rib && u.eor_afi == 2 && u.eor_safi == 1);
}
END_TEST

/* ---- packing builder ------------------------------------------------ */

struct pack_case {
	uint16_t afi;
	bool addpath, withdraw;
	size_t max_len;
};

static const struct pack_case pack_cases[] = {
	{ 1, false, false, BGP_MAX_LEN }, { 1, false, true, BGP_MAX_LEN },
	{ 2, false, false, BGP_MAX_LEN }, { 2, false, true, BGP_MAX_LEN },
	{ 1, true, false, BGP_MAX_LEN }, { 2, true, true, BGP_MAX_LEN },
	{ 1, false, false, BGP_EXT_MAX_LEN }, { 2, false, false, BGP_EXT_MAX_LEN },
};

static void make_prefix(struct bgp_prefix *p, uint16_t afi, unsigned i)
{
	memset(p, 0, sizeof *p);
	p->afi = afi;
	p->path_id = i % 3;
	if (afi == 1) {
		p->len = (uint8_t)(16 + i % 9);         /* /16 … /24 */
		p->addr[0] = (uint8_t)(1 + i / 65536);
		p->addr[1] = (uint8_t)(i >> 8);
		p->addr[2] = (uint8_t)i;
	} else {
		p->len = (uint8_t)(32 + i % 33);        /* /32 … /64 */
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[4] = (uint8_t)(i >> 8);
		p->addr[5] = (uint8_t)i;
		p->addr[7] = (uint8_t)(i * 7);
	}
	p->addr[p->len / 8] &= (uint8_t)(0xff00 >> (p->len % 8));
	for (size_t k = (p->len + 7) / 8; k < 16; k++)
		p->addr[k] = 0;
}

/* Walks the field of u that carries the case's prefixes. */
static struct bgp_bytes packed_field(const struct bgp_update *u,
    const struct pack_case *pc)
{
	if (pc->afi == 1)
		return pc->withdraw ? u->withdrawn : u->nlri;
	return pc->withdraw ? u->attrs.mp_unreach.nlri : u->attrs.mp_reach.nlri;
}

START_TEST(test_packer)
{
	const struct pack_case *pc = &pack_cases[_i];
	enum { N = 20000 };
	static uint8_t buf[70000], attrs[512], upd_scratch[BGP_ATTR_SCRATCH(65536)];
	struct bgp_attrs a;
	struct bgp_codec_ctx c = ctx4;
	uint8_t nh[16];
	struct wbuf aw = wbuf_make(attrs, sizeof attrs);

	c.addpath[AID_IPV4_UNICAST] = c.addpath[AID_IPV6_UNICAST] = pc->addpath;
	c.max_len = pc->max_len;
	ck_assert_int_eq(decode("40 01 01 00 40 02 0a 02 02 00 00 fd e9 00 00 fd ea "
	    "c0 08 04 fd e9 00 64", &ctx4, &a), BGP_TIER_OK);
	bgp_attrs_encode(&aw, &a, &c);
	if (pc->afi == 1 && !pc->withdraw) {
		a.present |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		memcpy(a.next_hop, "\xc0\x00\x02\x01", 4);
		aw = wbuf_make(attrs, sizeof attrs);
		bgp_attrs_encode(&aw, &a, &c);
	}
	hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", nh, sizeof nh);
	struct bgp_pack_spec spec = {
		.afi = pc->afi, .safi = 1, .addpath = pc->addpath,
		.withdraw = pc->withdraw, .max_len = pc->max_len,
		.attrs = pc->withdraw ? NULL : attrs, .attrs_len = pc->withdraw ? 0 : aw.len,
		.next_hop = nh, .next_hop_len = pc->afi == 2 && !pc->withdraw ? 16 : 0,
	};
	unsigned next = 0, seen = 0, msgs = 0;
	while (next < N) {
		struct wbuf w = wbuf_make(buf, sizeof buf);
		struct bgp_packer pk;
		struct bgp_prefix p;
		ck_assert(bgp_packer_begin(&pk, &w, &spec));
		for (; next < N; next++) {
			make_prefix(&p, pc->afi, next);
			if (!bgp_packer_add(&pk, &p))
				break;
		}
		size_t len = bgp_packer_finish(&pk);
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_le(len, pc->max_len);
		ck_assert_uint_eq(len, w.len);
		ck_assert_uint_eq(be16(buf + 16), len);
		if (next < N)   /* full: the next prefix would not have fit */
			ck_assert_uint_gt(len + bgp_nlri_size(&p, pc->addpath), pc->max_len);
		msgs++;
		/* Decode it and walk it. */
		struct bgp_update u;
		struct bgp_err e;
		ck_assert(bgp_update_decode(buf + 19, len - 19, &c, upd_scratch,
		    sizeof upd_scratch, &u, &e));
		ck_assert_msg(e.tier == BGP_TIER_OK, "%s", e.why);
		if (pc->afi == 2 && u.attr_raw.len)
			ck_assert_uint_eq(u.attr_raw.p[1], pc->withdraw ? 15 : 14);
		struct bgp_bytes f = packed_field(&u, pc);
		struct rbuf r = rbuf_make(f.p, f.len);
		struct bgp_prefix q, want;
		while (bgp_nlri_next(&r, pc->afi, pc->addpath, &q)) {
			make_prefix(&want, pc->afi, seen++);
			if (!pc->addpath)
				want.path_id = 0;
			ck_assert_int_eq(bgp_prefix_cmp(&q, &want), 0);
		}
		ck_assert(rbuf_empty(&r));
		if (!pc->withdraw) {
			struct bgp_attrs x = u.attrs;
			x.present &= ~BGP_ATTR_BIT(BGP_ATTR_MP_REACH_NLRI);
			memset(&x.mp_reach, 0, sizeof x.mp_reach);
			if (pc->afi == 2)
				a.present &= ~BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
			ck_assert(bgp_attrs_equal(&x, &a));
		}
	}
	ck_assert_uint_eq(seen, N);
	ck_assert_uint_lt(msgs, N / 100);
}
END_TEST

START_TEST(test_packer_limits)
{
	static uint8_t buf[8192], big[5000];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bgp_packer pk;
	struct bgp_prefix p;
	struct bgp_pack_spec spec = { .afi = 1, .safi = 1, .max_len = BGP_MAX_LEN,
	    .attrs = big, .attrs_len = 4096 - 19 - 4 - 4 };

	/* Room for the attributes but not for a /32: refused. */
	ck_assert(!bgp_packer_begin(&pk, &w, &spec));
	ck_assert_uint_eq(w.len, 0);
	spec.attrs_len--;
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	/* Empty: finish takes it back out. */
	ck_assert_uint_eq(bgp_packer_finish(&pk), 0);
	ck_assert_uint_eq(w.len, 0);
	/* A writer smaller than max_len bounds the UPDATE too. */
	spec.attrs_len = 10;
	w = wbuf_make(buf, 100);
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	unsigned n = 0;
	make_prefix(&p, 1, 5);
	while (bgp_packer_add(&pk, &p))
		n++;
	ck_assert_uint_eq(bgp_packer_finish(&pk), w.len);
	ck_assert_uint_le(w.len, 100);
	ck_assert_uint_eq(n, (100 - 19 - 4 - 10) / bgp_nlri_size(&p, false));
	/* Withdrawals carry no attributes. */
	spec.withdraw = true;
	ck_assert(!bgp_packer_begin(&pk, &w, &spec));
}
END_TEST

static Suite *attr_suite(void)
{
	Suite *s = suite_create("bgp_attr");
	TCase *tc = tcase_create("encode");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_encode_canonical_is_identity);
	tcase_add_test(tc, test_encode_normalises);
	tcase_add_test(tc, test_encode_external_leaves_internal_attrs_out);
	tcase_add_test(tc, test_encode_extended_length);
	tcase_add_test(tc, test_encode_overflow);
	tcase_add_test(tc, test_encode_mp_attributes);
	tcase_add_loop_test(tc, test_as4_split, 0, sizeof split_vecs / sizeof split_vecs[0]);
	tcase_add_loop_test(tc, test_as4_merge, 0, sizeof merge_vecs / sizeof merge_vecs[0]);
	tcase_add_test(tc, test_as4_merge_join_limit);
	tcase_add_test(tc, test_as4_no_scratch);
	tcase_add_test(tc, test_aspath_helpers);
	tcase_add_test(tc, test_update_encode_exact);
	tcase_add_test(tc, test_eor_encode);
	tcase_add_loop_test(tc, test_packer, 0, sizeof pack_cases / sizeof pack_cases[0]);
	tcase_add_test(tc, test_packer_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(attr_suite());
}
