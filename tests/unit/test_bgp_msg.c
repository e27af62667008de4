/*
 * test_bgp_msg.c — framing, KEEPALIVE, NOTIFICATION (with the Shutdown
 * Communication) and ROUTE-REFRESH, byte for byte.
 *
 * Bytes are written as hex strings so a row reads like a capture.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

#define MARKER "ffffffffffffffffffffffffffffffff"

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

/* ---- header ----------------------------------------------------------- */

struct hdr_ok {
	const char *name;
	const char *bytes;
	size_t max_len;
	int ret;            /* bgp_header_decode's result */
	uint16_t len;
	uint8_t type;
};

static const struct hdr_ok hdr_ok_rows[] = {
	{ "OPEN minimum", MARKER "001d 01" "04 0001 0000 01020304 00",
	  4096, 29, 29, BGP_OPEN },
	{ "UPDATE minimum", MARKER "0017 02" "0000 0000", 4096, 23, 23,
	  BGP_UPDATE },
	{ "NOTIFICATION minimum", MARKER "0015 03" "0600", 4096, 21, 21,
	  BGP_NOTIFICATION },
	{ "KEEPALIVE", MARKER "0013 04", 4096, 19, 19, BGP_KEEPALIVE },
	{ "ROUTE-REFRESH", MARKER "0017 05" "0001 00 01", 4096, 23, 23,
	  BGP_ROUTE_REFRESH },
	/* RFC 7313 §5: a wrong ROUTE-REFRESH length is 7/1, not framing's. */
	{ "ROUTE-REFRESH padded passes framing", MARKER "0018 05" "0001000100",
	  4096, 24, 24, BGP_ROUTE_REFRESH },
	{ "ROUTE-REFRESH short passes framing", MARKER "0016 05" "000100",
	  4096, 22, 22, BGP_ROUTE_REFRESH },
	{ "two messages: frames the first", MARKER "0013 04" MARKER "0013 04",
	  4096, 19, 19, BGP_KEEPALIVE },
	{ "body not all here yet", MARKER "0017 02" "0000", 4096, 0, 23,
	  BGP_UPDATE },
	{ "UPDATE 4097 with extended messages", MARKER "1001 02" "0000",
	  65535, 0, 4097, BGP_UPDATE },
	{ "NOTIFICATION 65535 with extended messages", MARKER "ffff 03" "06",
	  65535, 0, 65535, BGP_NOTIFICATION },
};

START_TEST(test_header_ok)
{
	const struct hdr_ok *row = &hdr_ok_rows[_i];
	uint8_t buf[128];
	size_t n = hex(row->bytes, buf, sizeof buf);
	struct bgp_header hdr = { 0, 0 };
	struct bgp_err err = { 0 };

	ck_assert_msg(bgp_header_decode(buf, n, row->max_len, &hdr, &err) ==
	    row->ret, "%s", row->name);
	ck_assert_uint_eq(hdr.len, row->len);
	ck_assert_uint_eq(hdr.type, row->type);
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}
END_TEST

START_TEST(test_header_needs_more)
{
	uint8_t buf[64];
	size_t n = hex(MARKER "0013 04", buf, sizeof buf);
	struct bgp_header hdr = { 0, 0 };
	struct bgp_err err = { 0 };

	/* Every prefix shorter than the header asks for more, even a
	 * marker that is already wrong: the contract is "0 below 19". */
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(bgp_header_decode(buf, k, 4096, &hdr, &err), 0);
	ck_assert_int_eq(bgp_header_decode(NULL, 0, 4096, &hdr, &err), 0);
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}
END_TEST

struct hdr_bad {
	const char *name;
	const char *bytes;
	size_t max_len;
	uint8_t sub;        /* Message Header Error subcode */
	const char *data;
};

static const struct hdr_bad hdr_bad_rows[] = {
	{ "marker with a zero", "ffffffffffffffffffffffffffff00ff 0013 04",
	  4096, BGP_ERR_HDR_SYNC, "" },
	{ "marker all zero", "00000000000000000000000000000000 0013 04",
	  4096, BGP_ERR_HDR_SYNC, "" },
	{ "marker wins over length", "7fffffffffffffffffffffffffffffff 0000 09",
	  4096, BGP_ERR_HDR_SYNC, "" },
	{ "length 0", MARKER "0000 04", 4096, BGP_ERR_HDR_LENGTH, "0000" },
	{ "length 18", MARKER "0012 04", 4096, BGP_ERR_HDR_LENGTH, "0012" },
	{ "length 4097", MARKER "1001 02", 4096, BGP_ERR_HDR_LENGTH, "1001" },
	{ "length 65535 without ext", MARKER "ffff 02", 4096,
	  BGP_ERR_HDR_LENGTH, "ffff" },
	{ "KEEPALIVE padded", MARKER "0014 04 00", 4096, BGP_ERR_HDR_LENGTH,
	  "0014" },
	{ "OPEN too short", MARKER "001c 01", 4096, BGP_ERR_HDR_LENGTH, "001c" },
	{ "OPEN 4097 even with ext", MARKER "1001 01", 65535,
	  BGP_ERR_HDR_LENGTH, "1001" },
	{ "KEEPALIVE 4096 with ext", MARKER "1000 04", 65535,
	  BGP_ERR_HDR_LENGTH, "1000" },
	{ "UPDATE too short", MARKER "0016 02", 4096, BGP_ERR_HDR_LENGTH,
	  "0016" },
	{ "NOTIFICATION too short", MARKER "0014 03", 4096,
	  BGP_ERR_HDR_LENGTH, "0014" },
	{ "NOTIFICATION 19", MARKER "0013 03", 4096, BGP_ERR_HDR_LENGTH,
	  "0013" },
	{ "length wins over type", MARKER "0012 09", 4096, BGP_ERR_HDR_LENGTH,
	  "0012" },
	{ "type 0", MARKER "0013 00", 4096, BGP_ERR_HDR_TYPE, "00" },
	{ "type 6", MARKER "0013 06", 4096, BGP_ERR_HDR_TYPE, "06" },
	{ "type 255", MARKER "0020 ff", 4096, BGP_ERR_HDR_TYPE, "ff" },
};

START_TEST(test_header_bad)
{
	const struct hdr_bad *row = &hdr_bad_rows[_i];
	uint8_t buf[64];
	size_t n = hex(row->bytes, buf, sizeof buf);
	struct bgp_header hdr = { 0, 0 };
	struct bgp_err err = { 0 };

	ck_assert_msg(bgp_header_decode(buf, n, row->max_len, &hdr, &err) < 0,
	    "%s", row->name);
	assert_err(&err, BGP_ERR_HEADER, row->sub, row->data);
}
END_TEST

/* ---- KEEPALIVE and the begin/finish pair ------------------------------- */

START_TEST(test_keepalive_encode)
{
	uint8_t out[64], want[19];
	struct wbuf w = wbuf_make(out, sizeof out);

	hex(MARKER "0013 04", want, sizeof want);
	ck_assert_uint_eq(bgp_keepalive_encode(&w), 19);
	ck_assert_mem_eq(out, want, 19);

	/* A second one lands after the first, with its own length. */
	ck_assert_uint_eq(bgp_keepalive_encode(&w), 19);
	ck_assert_mem_eq(out + 19, want, 19);
	ck_assert_uint_eq(w.len, 38);
}
END_TEST

START_TEST(test_keepalive_overflow)
{
	uint8_t out[18];
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_uint_eq(bgp_keepalive_encode(&w), 0);
	ck_assert(w.overflow);
}
END_TEST

START_TEST(test_msg_begin_finish)
{
	uint8_t out[64];
	struct wbuf w = wbuf_make(out, sizeof out);
	struct bgp_header hdr;
	struct bgp_err err = { 0 };

	wbuf_u8(&w, 0xaa);          /* something before: offsets are relative */
	size_t start = bgp_msg_begin(&w, BGP_UPDATE);
	ck_assert_uint_eq(start, 1);
	wbuf_u32(&w, 0);
	bgp_msg_finish(&w, start);
	ck_assert_int_eq(bgp_header_decode(out + 1, w.len - 1, 4096, &hdr, &err),
	    23);
	ck_assert_uint_eq(hdr.type, BGP_UPDATE);
}
END_TEST

/* ---- NOTIFICATION ------------------------------------------------------ */

/* vectors.md V3: R1 to R2, OPEN Message Error / Unsupported Capability. */
START_TEST(test_notification_v3_encode)
{
	uint8_t out[64], want[21];
	struct wbuf w = wbuf_make(out, sizeof out);

	hex(MARKER "0015 03 02 07", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode(&w, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_CAPABILITY, NULL, 0), 21);
	ck_assert_mem_eq(out, want, 21);
}
END_TEST

START_TEST(test_notification_v3_decode)
{
	uint8_t msg[21];
	size_t n = hex(MARKER "0015 03 02 07", msg, sizeof msg);
	struct bgp_header hdr;
	struct bgp_notification nt;
	struct bgp_err err = { 0 };

	ck_assert_int_eq(bgp_header_decode(msg, n, 4096, &hdr, &err), 21);
	ck_assert(bgp_notification_decode(msg + 19, hdr.len - 19, &nt, &err));
	ck_assert_uint_eq(nt.code, BGP_ERR_OPEN);
	ck_assert_uint_eq(nt.subcode, BGP_ERR_OPEN_CAPABILITY);
	ck_assert_uint_eq(nt.data_len, 0);
	ck_assert_str_eq(nt.shutdown_msg, "");
}
END_TEST

START_TEST(test_notification_round_trip)
{
	uint8_t out[128], data[] = { 0x00, 0x13 };
	struct wbuf w = wbuf_make(out, sizeof out);
	struct bgp_notification nt;
	struct bgp_err err = { 0 };
	uint8_t want[23];

	hex(MARKER "0017 03 01 02 0013", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode(&w, 1, 2, data, 2), 23);
	ck_assert_mem_eq(out, want, 23);
	ck_assert(bgp_notification_decode(out + 19, 4, &nt, &err));
	ck_assert_uint_eq(nt.code, 1);
	ck_assert_uint_eq(nt.subcode, 2);
	ck_assert_uint_eq(nt.data_len, 2);
	ck_assert_mem_eq(nt.data, data, 2);
	ck_assert_ptr_eq(nt.data, out + 21);    /* points into the message */
}
END_TEST

START_TEST(test_notification_truncated)
{
	uint8_t body[1] = { 6 };
	struct bgp_notification nt;
	struct bgp_err err = { 0 };

	ck_assert(!bgp_notification_decode(body, 1, &nt, &err));
	assert_err(&err, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, "0014");

	struct bgp_err err0 = { 0 };
	ck_assert(!bgp_notification_decode(NULL, 0, &nt, &err0));
	assert_err(&err0, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, "0013");
}
END_TEST

START_TEST(test_notification_encode_overflow)
{
	uint8_t out[20];
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_uint_eq(bgp_notification_encode(&w, 6, 2, NULL, 0), 0);
	uint8_t big[4];
	struct wbuf w2 = wbuf_make(big, sizeof big);
	ck_assert_uint_eq(bgp_notification_encode(&w2, 6, 2, big, 65535), 0);
}
END_TEST

/* ---- Shutdown Communication (RFC 8203 / RFC 9003) ---------------------- */

struct shut_row {
	const char *name;
	const char *body;   /* code, subcode, data */
	const char *want;   /* the extracted text; "" for none */
};

static const struct shut_row shut_rows[] = {
	{ "ASCII, subcode 2", "06 02 05 6d61696e74", "maint" },
	{ "ASCII, subcode 4", "06 04 03 627965", "bye" },
	{ "two-, three- and four-octet UTF-8",
	  "06 02 0a c3a4 e282ac f09f9882 21", "\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x82!" },
	{ "length 0: nothing said", "06 02 00", "" },
	{ "no data at all", "06 02", "" },
	{ "trailing octets are left alone", "06 02 02 6f6b ffff", "ok" },
	{ "length past the data", "06 02 06 6d61696e74", "" },
	{ "overlong NUL", "06 02 02 c080", "" },
	{ "overlong slash", "06 02 03 e080af", "" },
	{ "surrogate half", "06 02 03 eda080", "" },
	{ "past U+10FFFF", "06 02 04 f4908080", "" },
	{ "cut sequence", "06 02 02 e282", "" },
	{ "stray continuation", "06 02 01 80", "" },
	{ "octet ff", "06 02 01 ff", "" },
	{ "embedded NUL", "06 02 03 610062", "" },
	{ "other Cease subcode", "06 03 05 6d61696e74", "" },
	{ "not a Cease", "02 02 05 6d61696e74", "" },
};

START_TEST(test_shutdown_decode)
{
	const struct shut_row *row = &shut_rows[_i];
	uint8_t body[300];
	size_t n = hex(row->body, body, sizeof body);
	struct bgp_notification nt;
	struct bgp_err err = { 0 };

	ck_assert_msg(bgp_notification_decode(body, n, &nt, &err), "%s",
	    row->name);
	ck_assert_msg(strcmp(nt.shutdown_msg, row->want) == 0, "%s: got '%s'",
	    row->name, nt.shutdown_msg);
	ck_assert_uint_eq(nt.data_len, n - 2);  /* data is kept either way */
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}
END_TEST

/* ---- NOTIFICATION data in the log ---------------------------------------- */

struct text_row {
	const char *name;
	const char *body;   /* code, subcode, data */
	const char *want;
};

static const struct text_row text_rows[] = {
	{ "no data", "02 07", "" },
	{ "ExaBGP's explanation (2/8)",
	  "02 08 6d756c746973657373696f6e206973206d616e6461746f7279",
	  "data \"multisession is mandatory\"" },
	{ "quote and backslash escaped", "02 00 61225c62", "data \"a\\\"\\\\b\"" },
	{ "binary as hex", "02 02 fde8", "data 0xfde8" },
	{ "a newline is not text", "02 00 610a62", "data 0x610a62" },
	{ "shutdown communication", "06 02 05 6d61696e74",
	  "shutdown communication \"maint\"" },
	{ "a newline in it cannot start a log line", "06 04 04 610a0d62",
	  "shutdown communication \"a\\x0a\\x0db\"" },
	{ "UTF-8 kept, C1 control escaped", "06 02 05 c3a4 c285 21",
	  "shutdown communication \"\xc3\xa4\\u0085!\"" },
	{ "empty shutdown communication", "06 02 00", "shutdown communication \"\"" },
	{ "malformed communication: hex", "06 02 05 6d61", "data 0x056d61" },
	{ "Hard Reset names what it stands for", "06 09 0603",
	  "for 6/3 (Cease, Peer De-configured)" },
	{ "Hard Reset of max-prefix, with its data", "06 09 0601 0001 01 00000064",
	  "for 6/1 (Cease, Maximum Number of Prefixes Reached), data 0x00010100000064" },
	{ "Hard Reset too short to name one", "06 09 06", "data 0x06" },
};

START_TEST(test_notification_data_text)
{
	const struct text_row *row = &text_rows[_i];
	uint8_t body[300];
	size_t n = hex(row->body, body, sizeof body);
	struct bgp_notification nt;
	struct bgp_err err = { 0 };
	char buf[BGP_NOTIF_TEXT_LEN];

	ck_assert(bgp_notification_decode(body, n, &nt, &err));
	ck_assert_msg(strcmp(bgp_notification_data_text(&nt, buf, sizeof buf), row->want) == 0,
	    "%s: got '%s'", row->name, buf);
}
END_TEST

/* Long data is cut, saying how long it was; the worst case fits. */
START_TEST(test_notification_data_text_bounded)
{
	uint8_t body[2 + 1 + 255];
	struct bgp_notification nt;
	struct bgp_err err = { 0 };
	char buf[BGP_NOTIF_TEXT_LEN];

	body[0] = 2, body[1] = 0;
	memset(body + 2, 'x', 256);
	ck_assert(bgp_notification_decode(body, sizeof body, &nt, &err));
	bgp_notification_data_text(&nt, buf, sizeof buf);
	ck_assert_uint_eq(strlen(buf), strlen("data \"\"... (256 bytes)") + 200);
	ck_assert(strstr(buf, "\"... (256 bytes)") != NULL);

	memset(body + 2, 0xfe, 256);
	ck_assert(bgp_notification_decode(body, sizeof body, &nt, &err));
	bgp_notification_data_text(&nt, buf, sizeof buf);
	ck_assert_uint_eq(strlen(buf), strlen("data 0x... (256 bytes)") + 96);

	/* 255 control characters in a Shutdown Communication: 4 octets each */
	body[0] = 6, body[1] = 2, body[2] = 255;
	memset(body + 3, 0x01, 255);
	ck_assert(bgp_notification_decode(body, sizeof body, &nt, &err));
	ck_assert(nt.has_shutdown_msg);
	bgp_notification_data_text(&nt, buf, sizeof buf);
	ck_assert(strstr(buf, "\\x01\"... (255 bytes)") != NULL);

	/* a tiny buffer is still terminated */
	char tiny[8];
	bgp_notification_data_text(&nt, tiny, sizeof tiny);
	ck_assert_uint_eq(strlen(tiny), 7);
}
END_TEST

/* 2/8, 2/9 and 2/10 by name, in both dialects where both are known. */
START_TEST(test_subcode_names_multisession)
{
	ck_assert_str_eq(bgp_err_subcode_name(2, 8), "Grouping Conflict "
	    "(draft-ietf-idr-bgp-multisession; Cisco: No Supported AFI/SAFI)");
	ck_assert_str_eq(bgp_err_subcode_name(2, 9),
	    "Grouping Required (draft-ietf-idr-bgp-multisession)");
	ck_assert_str_eq(bgp_err_subcode_name(2, 10),
	    "Capability Value Mismatch (draft-ietf-idr-bgp-multisession)");
	ck_assert_str_eq(bgp_err_subcode_name(2, 7), "Unsupported Capability");
	ck_assert_str_eq(bgp_err_subcode_name(2, 12), "unknown subcode");
	ck_assert_str_eq(bgp_err_subcode_name(3, 8), "Invalid NEXT_HOP Attribute");
}
END_TEST

START_TEST(test_shutdown_255)
{
	uint8_t body[2 + 1 + 255];
	char text[256];
	struct bgp_notification nt;
	struct bgp_err err = { 0 };

	body[0] = 6, body[1] = 2, body[2] = 255;
	memset(body + 3, 'x', 255);
	memset(text, 'x', 255);
	text[255] = '\0';
	ck_assert(bgp_notification_decode(body, sizeof body, &nt, &err));
	ck_assert_str_eq(nt.shutdown_msg, text);
}
END_TEST

START_TEST(test_shutdown_encode)
{
	uint8_t out[64], want[25];
	struct wbuf w = wbuf_make(out, sizeof out);

	hex(MARKER "0019 03 06 02 03 627965", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode_shutdown(&w, 2, "bye"), 25);
	ck_assert_mem_eq(out, want, 25);

	struct wbuf w2 = wbuf_make(out, sizeof out);
	hex(MARKER "0016 03 06 04 00", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode_shutdown(&w2, 4, NULL), 22);
	ck_assert_mem_eq(out, want, 22);
}
END_TEST

/* RFC 8538 §3: the Hard Reset's data is the whole NOTIFICATION it
 * stands for, after the header: code, subcode, data. */
START_TEST(test_hard_reset_encode)
{
	uint8_t inner[64], out[64], want[32];
	struct wbuf wi = wbuf_make(inner, sizeof inner);
	size_t in = bgp_notification_encode(&wi, 6, 3, NULL, 0);
	struct wbuf w = wbuf_make(out, sizeof out);

	hex(MARKER "0017 03 06 09 06 03", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode_hard_reset(&w, inner, in), 23);
	ck_assert_mem_eq(out, want, 23);

	/* an Administrative Reset with its Shutdown Communication, whole */
	wi = wbuf_make(inner, sizeof inner);
	in = bgp_notification_encode_shutdown(&wi, 4, "bye");
	w = wbuf_make(out, sizeof out);
	hex(MARKER "001b 03 06 09 06 04 03 627965", want, sizeof want);
	ck_assert_uint_eq(bgp_notification_encode_hard_reset(&w, inner, in), 27);
	ck_assert_mem_eq(out, want, 27);

	struct bgp_notification nt;
	struct bgp_err err = { 0 };
	uint8_t code = 0, sub = 0;
	ck_assert(bgp_notification_decode(out + 19, 8, &nt, &err));
	ck_assert(bgp_notification_hard_reset_of(&nt, &code, &sub));
	ck_assert_uint_eq(code, 6);
	ck_assert_uint_eq(sub, 4);
	/* a plain Cease stands for nothing else */
	ck_assert(bgp_notification_decode(inner + 19, in - 19, &nt, &err));
	ck_assert(!bgp_notification_hard_reset_of(&nt, &code, &sub));

	/* no NOTIFICATION inside (a KEEPALIVE, or too short): nothing written */
	w = wbuf_make(out, sizeof out);
	wi = wbuf_make(inner, sizeof inner);
	in = bgp_keepalive_encode(&wi);
	ck_assert_uint_eq(bgp_notification_encode_hard_reset(&w, inner, in), 0);
	ck_assert_uint_eq(bgp_notification_encode_hard_reset(&w, inner, 20), 0);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(test_shutdown_encode_wrong_subcode)
{
	uint8_t out[64];
	struct wbuf w = wbuf_make(out, sizeof out);

	ck_assert_uint_eq(bgp_notification_encode_shutdown(&w, 3, "x"), 0);
	ck_assert_uint_eq(bgp_notification_encode_shutdown(&w, 0, "x"), 0);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

/* Over 255 octets: cut, and never inside a character. */
START_TEST(test_shutdown_encode_truncates)
{
	char text[400];
	uint8_t out[512];
	struct wbuf w = wbuf_make(out, sizeof out);
	struct bgp_notification nt;
	struct bgp_err err = { 0 };

	/* 254 ASCII then "€" (3 octets) straddles the limit: all of it goes. */
	memset(text, 'a', 254);
	strcpy(text + 254, "\xe2\x82\xac tail");
	size_t n = bgp_notification_encode_shutdown(&w, 2, text);
	ck_assert_uint_eq(n, 19 + 3 + 254);
	ck_assert_uint_eq(out[21], 254);
	ck_assert(bgp_notification_decode(out + 19, n - 19, &nt, &err));
	ck_assert_uint_eq(strlen(nt.shutdown_msg), 254);

	/* Plain ASCII is cut at exactly 255. */
	memset(text, 'b', 300);
	text[300] = '\0';
	struct wbuf w2 = wbuf_make(out, sizeof out);
	n = bgp_notification_encode_shutdown(&w2, 2, text);
	ck_assert_uint_eq(n, 19 + 3 + 255);
	ck_assert(bgp_notification_decode(out + 19, n - 19, &nt, &err));
	ck_assert_uint_eq(strlen(nt.shutdown_msg), 255);
}
END_TEST

/* ---- ROUTE-REFRESH ------------------------------------------------------ */

struct rr_ok {
	const char *name;
	const char *body;
	uint16_t afi;
	uint8_t subtype, safi;
};

static const struct rr_ok rr_ok_rows[] = {
	{ "IPv4 unicast", "0001 00 01", 1, BGP_RR_NORMAL, 1 },
	{ "IPv6 unicast BoRR", "0002 01 01", 2, BGP_RR_BORR, 1 },
	{ "VPNv4 EoRR", "0001 02 80", 1, BGP_RR_EORR, 128 },
	/* RFC 7313 §4: unknown subtypes are ignored, not errors. */
	{ "unknown subtype 3", "0001 03 01", 1, 3, 1 },
	{ "unknown subtype 3, padded", "0001 03 01 00", 1, 3, 1 },
	{ "unknown subtype 255, padded", "0001 ff 01 00 00", 1, 255, 1 },
	{ "unknown subtype, short", "0001 ff", 1, 255, 0 },
};

START_TEST(test_rr_decode_ok)
{
	const struct rr_ok *row = &rr_ok_rows[_i];
	uint8_t body[16];
	size_t n = hex(row->body, body, sizeof body);
	struct bgp_route_refresh rr;
	struct bgp_err err = { 0 };

	ck_assert_msg(bgp_route_refresh_decode(body, n, &rr, &err), "%s",
	    row->name);
	ck_assert_uint_eq(rr.afi, row->afi);
	ck_assert_uint_eq(rr.subtype, row->subtype);
	ck_assert_uint_eq(rr.safi, row->safi);
	ck_assert_int_eq(err.tier, BGP_TIER_OK);
}
END_TEST

struct rr_bad {
	const char *name;
	const char *body;
	const char *data;   /* the whole message, RFC 7313 §5 */
};

static const struct rr_bad rr_bad_rows[] = {
	{ "empty", "", MARKER "0013 05" },
	{ "truncated", "0001 00", MARKER "0016 05 0001 00" },
	{ "BoRR padded", "0001 01 01 00", MARKER "0018 05 0001 01 01 00" },
	{ "normal padded", "0001 00 01 0000", MARKER "0019 05 0001 00 01 0000" },
	{ "EoRR truncated", "0002 02", MARKER "0016 05 0002 02" },
};

START_TEST(test_rr_decode_bad)
{
	const struct rr_bad *row = &rr_bad_rows[_i];
	uint8_t body[16];
	size_t n = hex(row->body, body, sizeof body);
	struct bgp_route_refresh rr;
	struct bgp_err err = { 0 };

	ck_assert_msg(!bgp_route_refresh_decode(body, n, &rr, &err), "%s",
	    row->name);
	assert_err(&err, BGP_ERR_ROUTE_REFRESH, BGP_ERR_RR_LENGTH, row->data);
}
END_TEST

/* A long one: the data keeps the true Length field and is cut at 255. */
START_TEST(test_rr_decode_overlong)
{
	uint8_t body[300];
	struct bgp_route_refresh rr;
	struct bgp_err err = { 0 };

	memset(body, 0x5a, sizeof body);
	body[2] = 0;                        /* subtype normal */
	ck_assert(!bgp_route_refresh_decode(body, sizeof body, &rr, &err));
	ck_assert_uint_eq(err.code, BGP_ERR_ROUTE_REFRESH);
	ck_assert_uint_eq(err.subcode, BGP_ERR_RR_LENGTH);
	ck_assert_uint_eq(err.data_len, BGP_ERR_DATA_MAX);
	ck_assert_uint_eq(err.data[16], 0x01);      /* 319 = 0x013f */
	ck_assert_uint_eq(err.data[17], 0x3f);
	ck_assert_uint_eq(err.data[18], BGP_ROUTE_REFRESH);
	ck_assert_mem_eq(err.data + 19, body, BGP_ERR_DATA_MAX - 19);
}
END_TEST

START_TEST(test_rr_encode_round_trip)
{
	static const struct bgp_route_refresh in[] = {
		{ 1, BGP_RR_NORMAL, 1 }, { 2, BGP_RR_BORR, 1 },
		{ 1, BGP_RR_EORR, 128 }, { 0xffff, BGP_RR_NORMAL, 0xff },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		uint8_t out[64];
		struct wbuf w = wbuf_make(out, sizeof out);
		struct bgp_header hdr;
		struct bgp_route_refresh rr;
		struct bgp_err err = { 0 };

		ck_assert_uint_eq(bgp_route_refresh_encode(&w, &in[i]), 23);
		ck_assert_int_eq(bgp_header_decode(out, w.len, 4096, &hdr, &err),
		    23);
		ck_assert(bgp_route_refresh_decode(out + 19, 4, &rr, &err));
		ck_assert_uint_eq(rr.afi, in[i].afi);
		ck_assert_uint_eq(rr.subtype, in[i].subtype);
		ck_assert_uint_eq(rr.safi, in[i].safi);
	}
	uint8_t out[64], want[23];
	struct wbuf w = wbuf_make(out, sizeof out);
	hex(MARKER "0017 05 0002 01 01", want, sizeof want);
	bgp_route_refresh_encode(&w, &in[1]);
	ck_assert_mem_eq(out, want, 23);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *msg_suite(void)
{
	Suite *s = suite_create("bgp_msg");
	TCase *t;

	t = tcase_create("header");
	tcase_add_loop_test(t, test_header_ok, 0, NROWS(hdr_ok_rows));
	tcase_add_loop_test(t, test_header_bad, 0, NROWS(hdr_bad_rows));
	tcase_add_test(t, test_header_needs_more);
	tcase_add_test(t, test_msg_begin_finish);
	suite_add_tcase(s, t);

	t = tcase_create("keepalive");
	tcase_add_test(t, test_keepalive_encode);
	tcase_add_test(t, test_keepalive_overflow);
	suite_add_tcase(s, t);

	t = tcase_create("notification");
	tcase_add_test(t, test_notification_v3_encode);
	tcase_add_test(t, test_notification_v3_decode);
	tcase_add_test(t, test_notification_round_trip);
	tcase_add_test(t, test_notification_truncated);
	tcase_add_test(t, test_notification_encode_overflow);
	tcase_add_loop_test(t, test_shutdown_decode, 0, NROWS(shut_rows));
	tcase_add_test(t, test_shutdown_255);
	tcase_add_loop_test(t, test_notification_data_text, 0, NROWS(text_rows));
	tcase_add_test(t, test_notification_data_text_bounded);
	tcase_add_test(t, test_subcode_names_multisession);
	tcase_add_test(t, test_shutdown_encode);
	tcase_add_test(t, test_shutdown_encode_wrong_subcode);
	tcase_add_test(t, test_hard_reset_encode);
	tcase_add_test(t, test_shutdown_encode_truncates);
	suite_add_tcase(s, t);

	t = tcase_create("route_refresh");
	tcase_add_loop_test(t, test_rr_decode_ok, 0, NROWS(rr_ok_rows));
	tcase_add_loop_test(t, test_rr_decode_bad, 0, NROWS(rr_bad_rows));
	tcase_add_test(t, test_rr_decode_overlong);
	tcase_add_test(t, test_rr_encode_round_trip);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(msg_suite());
}
