/*
 * test_ws.c — WebSocket framing (RFC 6455): the handshake key (the RFC's
 * own example), frame headers at every length boundary, and the reader on
 * the RFC's example frames, fragmentation with a ping in between, and
 * every protocol error it must refuse, fed whole and byte by byte.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "web/ws.h"
#include "tests/unit/check_run.h"

static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A client frame: header with mask, then the masked payload. */
static size_t client_frame(uint8_t *out, uint8_t first, const void *data, size_t len)
{
	size_t h = ws_frame_header(out, first & 0x80, first & 0x0f, len, mask);
	out[0] = first;         /* keep RSV bits a test sets */
	memcpy(out + h, data, len);
	ws_mask(out + h, len, mask, 0);
	return h + len;
}

START_TEST(accept_key_rfc_example)
{
	char out[WS_ACCEPT_LEN + 1];
	ck_assert(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out));
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert(!ws_accept_key("dGhlIHNhbXBsZSBub25jZQ", out));     /* short */
	ck_assert(!ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=!", out));   /* not base64 */
	ck_assert(!ws_accept_key("dGhlIHNhbXBsZSBub25jZSEh", out));   /* 18 bytes */
	ck_assert(!ws_accept_key(NULL, out));
}
END_TEST

START_TEST(header_lengths)
{
	uint8_t h[WS_HEADER_MAX];
	struct ws_frame f;
	uint16_t code;
	static const struct { uint64_t len; size_t hlen; } cases[] = {
		{ 0, 2 }, { 125, 2 }, { 126, 4 }, { 65535, 4 }, { 65536, 10 },
		{ (uint64_t)1 << 40, 10 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = ws_frame_header(h, true, WS_OP_TEXT, cases[i].len, NULL);
		ck_assert_uint_eq(n, cases[i].hlen);
		ck_assert_int_eq(ws_frame_decode(h, n, UINT64_MAX, false, &f, &code), (int)n);
		ck_assert_uint_eq(f.len, cases[i].len);
		ck_assert(f.fin && f.opcode == WS_OP_TEXT && !f.masked);
		/* every shorter prefix needs more bytes */
		for (size_t k = 0; k < n; k++)
			ck_assert_int_eq(ws_frame_decode(h, k, UINT64_MAX, false, &f, &code), 0);
	}
	ck_assert_uint_eq(ws_frame_header(h, true, WS_OP_PING, 5, mask), 6);
	ck_assert_uint_eq(h[1], 0x85);
	ck_assert_mem_eq(h + 2, mask, 4);
}
END_TEST

START_TEST(reader_rfc_examples)
{
	/* RFC 6455 §5.7: a single-frame masked text message "Hello" */
	uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	struct ws_reader r;
	struct ws_event ev;

	ws_reader_init(&r, 1024);
	ck_assert_uint_eq(ws_reader_next(&r, hello, sizeof hello, &ev), sizeof hello);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
	ck_assert_uint_eq(ev.len, 5);
	ck_assert_mem_eq(ev.data, "Hello", 5);
	ws_reader_free(&r);
}
END_TEST

/* Frames "Hel" (text, not fin), ping "p", "lo" (continuation, fin). */
START_TEST(reader_fragments_and_ping)
{
	uint8_t buf[64];
	size_t n = client_frame(buf, 0x01, "Hel", 3);
	n += client_frame(buf + n, 0x89, "p", 1);
	n += client_frame(buf + n, 0x80, "lo", 2);

	for (int bytewise = 0; bytewise < 2; bytewise++) {
		uint8_t copy[64];
		struct ws_reader r;
		struct ws_event ev;
		enum ws_event_type seen[4];
		size_t nseen = 0, off = 0, avail = bytewise ? 0 : n;

		memcpy(copy, buf, n);
		ws_reader_init(&r, 1024);
		while (off < n) {
			size_t used = ws_reader_next(&r, copy + off, avail - off, &ev);
			ck_assert_int_ne(ev.type, WS_EV_ERROR);
			if (used == 0) {
				ck_assert_int_eq(ev.type, WS_EV_NONE);
				ck_assert_uint_lt(avail, n);
				avail++;        /* one more byte arrives */
				continue;
			}
			seen[nseen++] = ev.type;
			if (ev.type == WS_EV_PING)
				ck_assert(ev.len == 1 && ev.data[0] == 'p');
			if (ev.type == WS_EV_MESSAGE)
				ck_assert(ev.len == 5 && memcmp(ev.data, "Hello", 5) == 0);
			off += used;
		}
		ck_assert_uint_eq(nseen, 3);
		ck_assert(seen[0] == WS_EV_NONE && seen[1] == WS_EV_PING &&
		    seen[2] == WS_EV_MESSAGE);
		ws_reader_free(&r);
	}
}
END_TEST

/* One input, the close code the reader must answer with. */
#define expect_error(in, len, max, code) expect_error_at(__LINE__, in, len, max, code)
static void expect_error_at(int line, const uint8_t *in, size_t len, size_t max, uint16_t code)
{
	uint8_t copy[256];
	struct ws_reader r;
	struct ws_event ev;
	size_t off = 0, used;

	memcpy(copy, in, len);
	ws_reader_init(&r, max);
	while ((used = ws_reader_next(&r, copy + off, len - off, &ev)) > 0)
		off += used;
	ck_assert_msg(ev.type == WS_EV_ERROR && ev.close_code == code,
	    "line %d: event %d, close code %u, want error %u", line, ev.type,
	    ev.close_code, code);
	ws_reader_free(&r);
}

START_TEST(reader_refuses)
{
	uint8_t b[256], big[130];
	size_t n;

	memset(big, 'x', sizeof big);
	/* unmasked client frame */
	b[0] = 0x81; b[1] = 0x01; b[2] = 'x';
	expect_error(b, 3, 1024, WS_CLOSE_PROTOCOL);
	/* RSV1 without an extension */
	n = client_frame(b, 0xc1, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	/* reserved opcodes 3 and 0xb */
	n = client_frame(b, 0x83, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	n = client_frame(b, 0x8b, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	/* a fragmented ping, a ping of 126 bytes */
	n = client_frame(b, 0x09, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	n = client_frame(b, 0x89, big, 126);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	/* a continuation with no message, a new message inside one */
	n = client_frame(b, 0x80, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	n = client_frame(b, 0x01, "x", 1);
	n += client_frame(b + n, 0x81, "y", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
	/* length 5 written in 16 bits (not minimal), top bit of 64 set */
	memcpy(b, (uint8_t[]){ 0x81, 0xfe, 0, 5, 1, 2, 3, 4 }, 8);
	expect_error(b, 8, 1024, WS_CLOSE_PROTOCOL);
	memcpy(b, (uint8_t[]){ 0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 }, 14);
	expect_error(b, 14, 1024, WS_CLOSE_PROTOCOL);
	/* over the limit: one frame, and fragments that add up */
	n = client_frame(b, 0x81, big, 100);
	expect_error(b, n, 99, WS_CLOSE_TOO_BIG);
	n = client_frame(b, 0x01, big, 60);
	n += client_frame(b + n, 0x80, big, 60);
	expect_error(b, n, 100, WS_CLOSE_TOO_BIG);
	/* a close frame with a 1-byte body */
	n = client_frame(b, 0x88, "x", 1);
	expect_error(b, n, 1024, WS_CLOSE_PROTOCOL);
}
END_TEST

START_TEST(utf8)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "plain ascii", true },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true },  /* é € 😀 */
		{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", true },          /* U+FFFF, U+10FFFF */
		{ "\xc0\xaf", false },                       /* overlong '/' */
		{ "\xe0\x80\xaf", false },                   /* overlong, 3 octets */
		{ "\xf0\x80\x80\xaf", false },               /* overlong, 4 octets */
		{ "\xed\xa0\x80", false },                   /* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", false },               /* U+110000 */
		{ "\xf5\x80\x80\x80", false },
		{ "\x80", false },                           /* lone continuation */
		{ "\xc3", false },                           /* cut short */
		{ "\xe2\x82", false },
		{ "\xe2\x28\xa1", false },                   /* bad continuation */
		{ "\xff", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(ws_utf8_valid((const uint8_t *)cases[i].s,
		    strlen(cases[i].s)) == cases[i].ok, "case %zu", i);
}
END_TEST

START_TEST(reader_text_must_be_utf8)
{
	uint8_t b[64];
	struct ws_reader r;
	struct ws_event ev;
	size_t n;

	/* a character split across fragments is fine: the message is whole */
	n = client_frame(b, 0x01, "\xe2\x82", 2);
	n += client_frame(b + n, 0x80, "\xac", 1);
	ws_reader_init(&r, 1024);
	size_t used = ws_reader_next(&r, b, n, &ev);
	ck_assert_int_eq(ev.type, WS_EV_NONE);
	ck_assert_uint_eq(ws_reader_next(&r, b + used, n - used, &ev), n - used);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ck_assert_uint_eq(ev.len, 3);
	ws_reader_free(&r);
	/* invalid text closes with 1007; the same bytes as binary do not */
	n = client_frame(b, 0x81, "\xc0\xaf", 2);
	expect_error(b, n, 1024, WS_CLOSE_INVALID_DATA);
	n = client_frame(b, 0x82, "\xc0\xaf", 2);
	ws_reader_init(&r, 1024);
	ck_assert_uint_eq(ws_reader_next(&r, b, n, &ev), n);
	ck_assert_int_eq(ev.type, WS_EV_MESSAGE);
	ws_reader_free(&r);
}
END_TEST

START_TEST(reader_close)
{
	uint8_t b[32];
	struct ws_reader r;
	struct ws_event ev;
	size_t n = client_frame(b, 0x88, "\x03\xe8" "bye", 5);

	ws_reader_init(&r, 1024);
	ck_assert_uint_eq(ws_reader_next(&r, b, n, &ev), n);
	ck_assert_int_eq(ev.type, WS_EV_CLOSE);
	ck_assert_uint_eq(ev.close_code, 1000);
	n = client_frame(b, 0x88, "", 0);
	ck_assert_uint_eq(ws_reader_next(&r, b, n, &ev), n);
	ck_assert_uint_eq(ev.close_code, 1005);
	ws_reader_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ws");
	TCase *tc = tcase_create("framing");
	tcase_add_test(tc, accept_key_rfc_example);
	tcase_add_test(tc, header_lengths);
	tcase_add_test(tc, reader_rfc_examples);
	tcase_add_test(tc, reader_fragments_and_ping);
	tcase_add_test(tc, reader_refuses);
	tcase_add_test(tc, reader_close);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, reader_text_must_be_utf8);
	suite_add_tcase(s, tc);
	return check_run(s);
}
