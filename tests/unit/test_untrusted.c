/*
 * test_untrusted.c — untrusted bytes made safe: UTF-8 sequences told
 * apart from what only looks like them, repair into U+FFFD for JSON (the
 * result always loads in jansson), escaping for log lines (cut only at a
 * boundary), and muxd's log: one event, one line, whatever it names.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/lib/log.h"
#include "muxd/lib/untrusted.h"
#include "web/untrusted_json.h"
#include "tests/unit/check_run.h"

#define FFFD "\xef\xbf\xbd"

static const struct {
	const char *in;
	size_t len;             /* of the first sequence; 0: none */
} seqs[] = {
	{ "a", 1 }, { "\x7f", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 },
	{ "\xf0\x9f\x98\x80", 4 }, { "\xf4\x8f\xbf\xbf", 4 },
	{ "\xff", 0 }, { "\x80", 0 }, { "\xc0\xaf", 0 }, { "\xc1\xbf", 0 },   /* overlong */
	{ "\xe0\x80\xaf", 0 }, { "\xf0\x80\x80\xaf", 0 },                   /* overlong */
	{ "\xed\xa0\x80", 0 },                                               /* surrogate */
	{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },               /* > U+10FFFF */
	{ "\xc3", 0 }, { "\xc3(", 0 }, { "\xe2\x82", 0 }, { "\xf0\x9f\x98", 0 }, /* cut */
};

START_TEST(test_utf8_len)
{
	const char *in = seqs[_i].in;
	ck_assert_uint_eq(untrusted_utf8_len((const uint8_t *)in, strlen(in)), seqs[_i].len);
}
END_TEST

static const struct {
	const char *in, *utf8, *log;
} texts[] = {
	{ "plain name", "plain name", "plain name" },
	{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
	{ "/\xff", "/" FFFD, "/\\xff" },
	{ "\xc3(", FFFD "(", "\\xc3(" },
	{ "\xed\xa0\x80", FFFD FFFD FFFD, "\\xed\\xa0\\x80" },
	{ "a\nb\r\tc\x1b[31m\x7f", "a\nb\r\tc\x1b[31m\x7f", "a\\x0ab\\x0d\\x09c\\x1b[31m\\x7f" },
	{ "nel\xc2\x85 ls\xe2\x80\xa8", "nel\xc2\x85 ls\xe2\x80\xa8",
	  "nel\\xc2\\x85 ls\\xe2\\x80\\xa8" },
	{ "nbsp\xc2\xa0", "nbsp\xc2\xa0", "nbsp\xc2\xa0" },
};

START_TEST(test_repair_and_escape)
{
	char *fixed = untrusted_utf8(texts[_i].in), log[256];
	json_t *j = untrusted_json(texts[_i].in);

	ck_assert_str_eq(fixed, texts[_i].utf8);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(j), texts[_i].utf8);
	ck_assert_str_eq(untrusted_log_escape(log, sizeof log, texts[_i].in), texts[_i].log);
	free(fixed);
	json_decref(j);
}
END_TEST

/* Whatever the octets, the JSON string exists and the log text has no
 * control character. */
START_TEST(test_every_octet)
{
	char in[3 * 256 + 1], log[4 * sizeof in];
	size_t o = 0;

	for (int c = 1; c < 256; c++) {
		in[o++] = (char)c;
		in[o++] = (char)(255 - c);
		in[o++] = 'x';
	}
	in[o] = 0;
	json_t *j = untrusted_json(in);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	untrusted_log_escape(log, sizeof log, in);
	for (const unsigned char *p = (const unsigned char *)log; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "control octet 0x%02x in the log text", *p);
	ck_assert_ptr_null(untrusted_json(NULL));
}
END_TEST

/* A short buffer cuts between escapes and characters, never inside. */
START_TEST(test_escape_cut)
{
	char out[8];

	ck_assert_str_eq(untrusted_log_escape(out, sizeof out, "ab\ncd"), "ab\\x0ac");
	ck_assert_str_eq(untrusted_log_escape(out, sizeof out, "abcde\n"), "abcde");
	ck_assert_str_eq(untrusted_log_escape(out, sizeof out, "abcde\xc3\xa9"), "abcde\xc3\xa9");
	ck_assert_str_eq(untrusted_log_escape(out, sizeof out, "abcdef\xc3\xa9"), "abcdef");
	ck_assert_str_eq(untrusted_log_escape(out, 1, "abc"), "");
}
END_TEST

/* muxd's log: a name with a newline, a peer label with one, stays one line. */
START_TEST(test_log_one_line)
{
	char path[] = "/tmp/test_untrusted.XXXXXX", text[2048];
	int fd = mkstemp(path), saved = dup(2);

	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	log_warnx("client %s provisioned", "a\n2026-01-01T00:00:00.000Z info  forged");
	log_peer_warnx("peer x\ny", "NOTIFICATION \"%s\"", "bye\r\nnext");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	close(fd);
	unlink(path);
	text[n] = 0;
	int lines = 0;
	for (char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_int_eq(lines, 2);
	ck_assert_ptr_nonnull(strstr(text, "client a\\x0a2026-01-01T00:00:00.000Z info  forged "
	    "provisioned\n"));
	ck_assert_ptr_nonnull(strstr(text, "peer x\\x0ay: NOTIFICATION \"bye\\x0d\\x0anext\"\n"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("untrusted");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_utf8_len, 0, sizeof seqs / sizeof seqs[0]);
	tcase_add_loop_test(tc, test_repair_and_escape, 0, sizeof texts / sizeof texts[0]);
	tcase_add_test(tc, test_every_octet);
	tcase_add_test(tc, test_escape_cut);
	tcase_add_test(tc, test_log_one_line);
	suite_add_tcase(s, tc);
	return check_run(s);
}
