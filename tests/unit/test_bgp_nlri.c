/*
 * test_bgp_nlri.c — prefixes on the wire (with ADD-PATH) and as text.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_update.h"
#include "tests/unit/check_run.h"
#include "tests/unit/hex.h"

static const char *fmt(const struct bgp_prefix *p)
{
	static char buf[BGP_PREFIX_STRLEN];
	bgp_prefix_format(p, buf, sizeof buf);
	return buf;
}

/* ---- one prefix: {name, bytes, afi, addpath, expect} ------------------ */

struct next_vec {
	const char *name;
	const char *bytes;
	uint16_t afi;
	bool addpath;
	const char *expect;     /* NULL: must fail */
	uint32_t path_id;
	size_t left;            /* bytes left after the prefix */
};

static const struct next_vec next_vecs[] = {
	{ "v4 /24", "18 c0 00 02", 1, false, "192.0.2.0/24", 0, 0 },
	{ "v4 default", "00", 1, false, "0.0.0.0/0", 0, 0 },
	{ "v4 /32", "20 01 02 03 04", 1, false, "1.2.3.4/32", 0, 0 },
	{ "v4 /23 host bit cleared", "17 c0 00 03", 1, false, "192.0.2.0/23", 0, 0 },
	{ "v4 /1", "01 ff", 1, false, "128.0.0.0/1", 0, 0 },
	{ "v4 /9 odd bits", "09 0a ff", 1, false, "10.128.0.0/9", 0, 0 },
	{ "v4 then more", "08 0a 10 ac 10", 1, false, "10.0.0.0/8", 0, 3 },
	{ "v4 /33", "21 01 02 03 04 05", 1, false, NULL, 0, 0 },
	{ "v4 /255", "ff 01", 1, false, NULL, 0, 0 },
	{ "v4 truncated", "18 c0 00", 1, false, NULL, 0, 0 },
	{ "v4 length only", "08", 1, false, NULL, 0, 0 },
	{ "empty", "", 1, false, NULL, 0, 0 },
	{ "v4 addpath", "00 00 00 07 18 c0 00 02", 1, true, "192.0.2.0/24", 7, 0 },
	{ "v4 addpath max id", "ff ff ff ff 00", 1, true, "0.0.0.0/0", 0xffffffff, 0 },
	{ "v4 addpath id cut", "00 00 07", 1, true, NULL, 0, 0 },
	{ "v4 addpath no length", "00 00 00 07", 1, true, NULL, 0, 0 },
	{ "v4 addpath prefix cut", "00 00 00 07 18 c0", 1, true, NULL, 0, 0 },
	{ "v4 read as addpath by mistake", "18 c0 00 02", 1, true, NULL, 0, 0 },
	{ "v6 /32", "20 20 01 0d b8", 2, false, "2001:db8::/32", 0, 0 },
	{ "v6 /128", "80 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", 2, false,
	  "2001:db8::1/128", 0, 0 },
	{ "v6 default", "00", 2, false, "::/0", 0, 0 },
	{ "v6 /129", "81 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00", 2,
	  false, NULL, 0, 0 },
	{ "v6 /64 truncated", "40 20 01 0d b8 00 00 00", 2, false, NULL, 0, 0 },
	{ "v6 addpath", "00 00 01 00 30 20 01 0d b8 00 01", 2, true,
	  "2001:db8:1::/48", 256, 0 },
	{ "v6 /33 host bits", "21 20 01 0d b8 ff", 2, false, "2001:db8:8000::/33", 0, 0 },
	{ "unknown AFI", "18 c0 00 02", 3, false, NULL, 0, 0 },
	{ "AFI 0", "00", 0, false, NULL, 0, 0 },
};

START_TEST(test_nlri_next_vectors)
{
	const struct next_vec *v = &next_vecs[_i];
	uint8_t buf[64];
	size_t n = hex(v->bytes, buf, sizeof buf);
	struct rbuf r = rbuf_make(buf, n);
	struct bgp_prefix p;
	bool ok = bgp_nlri_next(&r, v->afi, v->addpath, &p);

	if (v->expect == NULL) {
		ck_assert_msg(!ok, "%s: accepted", v->name);
		/* A failed read leaves the reader where it was. */
		ck_assert_ptr_eq(r.p, buf);
		ck_assert_uint_eq(r.len, n);
		return;
	}
	ck_assert_msg(ok, "%s: refused", v->name);
	ck_assert_str_eq(fmt(&p), v->expect);
	ck_assert_uint_eq(p.path_id, v->path_id);
	ck_assert_uint_eq(p.afi, v->afi);
	ck_assert_uint_eq(r.len, v->left);
	ck_assert_int_eq(bgp_nlri_count(buf, n - v->left, v->afi, v->addpath), 1);
}
END_TEST

/* ---- whole blocks ---------------------------------------------------- */

struct count_vec {
	const char *name;
	const char *bytes;
	uint16_t afi;
	bool addpath;
	long expect;
};

static const struct count_vec count_vecs[] = {
	{ "empty", "", 1, false, 0 },
	{ "three v4", "08 0a 10 ac 10 18 c0 00 02", 1, false, 3 },
	{ "padded with a zero octet", "08 0a 00", 1, false, 2 },
	{ "trailing length octet", "08 0a 18", 1, false, -1 },
	{ "second too long", "08 0a 21 01 02 03 04 05", 1, false, -1 },
	{ "junk octet after", "08 0a 18 c0 00 02 03", 1, false, -1 },
	{ "last one cut", "08 0a 18 c0 00", 1, false, -1 },
	{ "two addpath", "00 00 00 01 08 0a 00 00 00 02 08 0b", 1, true, 2 },
	{ "addpath cut id", "00 00 00 01 08 0a 00 00", 1, true, -1 },
	{ "v6 two", "20 20 01 0d b8 10 fe 80", 2, false, 2 },
	{ "v6 bad", "20 20 01 0d b8 90", 2, false, -1 },
	{ "bad AFI", "", 7, false, -1 },
};

START_TEST(test_nlri_count_vectors)
{
	const struct count_vec *v = &count_vecs[_i];
	uint8_t buf[64];
	size_t n = hex(v->bytes, buf, sizeof buf);

	ck_assert_msg(bgp_nlri_count(buf, n, v->afi, v->addpath) == v->expect,
	    "%s: %ld", v->name, bgp_nlri_count(buf, n, v->afi, v->addpath));
}
END_TEST

/* ---- put ⇄ next --------------------------------------------------------- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void random_prefix(struct bgp_prefix *p, uint16_t afi, bool addpath)
{
	uint8_t raw[24];
	struct rbuf r;

	/* Random bits through the decoder, so host bits come out clear. */
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)rng();
	raw[4] = (uint8_t)(rng() % (afi == 1 ? 33 : 129));
	r = rbuf_make(addpath ? raw : raw + 4, addpath ? sizeof raw : sizeof raw - 4);
	ck_assert(bgp_nlri_next(&r, afi, addpath, p));
}

START_TEST(test_nlri_put_round_trip)
{
	for (int round = 0; round < 2000; round++) {
		uint16_t afi = (uint16_t)(1 + round % 2);
		bool addpath = (round / 2) % 2;
		struct bgp_prefix p, q;
		uint8_t buf[32];
		struct wbuf w = wbuf_make(buf, sizeof buf);

		random_prefix(&p, afi, addpath);
		bgp_nlri_put(&w, &p, addpath);
		ck_assert(!w.overflow);
		ck_assert_uint_eq(w.len, bgp_nlri_size(&p, addpath));
		struct rbuf r = rbuf_make(buf, w.len);
		ck_assert(bgp_nlri_next(&r, afi, addpath, &q));
		ck_assert(rbuf_empty(&r));
		ck_assert_int_eq(bgp_prefix_cmp(&p, &q), 0);
		ck_assert(memcmp(&p, &q, sizeof p) == 0);
	}
}
END_TEST

START_TEST(test_nlri_put_exact)
{
	struct bgp_prefix p;
	uint8_t buf[32], want[32];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	ck_assert(bgp_prefix_parse("10.128.0.0/9", &p));
	p.path_id = 0x01020304;
	bgp_nlri_put(&w, &p, true);
	size_t n = hex("01 02 03 04 09 0a 80", want, sizeof want);
	ck_assert_uint_eq(w.len, n);
	ck_assert(memcmp(buf, want, n) == 0);
	/* No room: the writer says so. */
	struct wbuf small = wbuf_make(buf, 2);
	bgp_nlri_put(&small, &p, false);
	ck_assert(small.overflow);
	/* Not a prefix: refused, nothing read past addr. */
	struct wbuf big = wbuf_make(buf, sizeof buf);
	p.len = 200;
	bgp_nlri_put(&big, &p, false);
	ck_assert(big.overflow);
	ck_assert_uint_eq(big.len, 0);
}
END_TEST

/* ---- text ---------------------------------------------------------- */

struct parse_vec {
	const char *text;
	bool ok;
};

static const struct parse_vec parse_vecs[] = {
	{ "192.0.2.0/24", true }, { "0.0.0.0/0", true }, { "1.2.3.4/32", true },
	{ "10.128.0.0/9", true }, { "2001:db8::/32", true }, { "::/0", true },
	{ "2001:db8::1/128", true }, { "::ffff:0.0.0.0/96", true },
	{ "192.0.2.1/24", false },      /* host bits */
	{ "192.0.2.0", false }, { "192.0.2.0/", false }, { "/24", false },
	{ "192.0.2.0/33", false }, { "192.0.2.0/024", false },
	{ "192.0.2.0/+4", false }, { "192.0.2.0/24x", false },
	{ "192.0.2.0 /24", false }, { "192.0.2/24", false },
	{ "256.0.0.0/8", false }, { "2001:db8::/129", false },
	{ "2001:db8::1/64", false }, { "2001:db8:::/32", false },
	{ "", false }, { "garbage/8", false }, { "1.2.3.4/1000", false },
};

START_TEST(test_prefix_parse_vectors)
{
	const struct parse_vec *v = &parse_vecs[_i];
	struct bgp_prefix p;

	ck_assert_msg(bgp_prefix_parse(v->text, &p) == v->ok, "%s", v->text);
	if (v->ok) {
		ck_assert_str_eq(fmt(&p), v->text);
		ck_assert_uint_eq(p.path_id, 0);
	}
}
END_TEST

START_TEST(test_prefix_format_small_buffer)
{
	struct bgp_prefix p;
	char buf[8];

	ck_assert(bgp_prefix_parse("192.0.2.0/24", &p));
	bgp_prefix_format(&p, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2");
	bgp_prefix_format(&p, buf, 0);          /* writes nothing */
	memset(&p, 0, sizeof p);
	p.afi = 9;
	bgp_prefix_format(&p, buf, sizeof buf);
	ck_assert_uint_lt(strlen(buf), sizeof buf);
}
END_TEST

START_TEST(test_prefix_cmp_order)
{
	static const char *const sorted[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16",
		"10.128.0.0/9", "11.0.0.0/8", "192.0.2.0/24", "::/0",
		"2001:db8::/32", "2001:db8::/48",
	};
	size_t n = sizeof sorted / sizeof sorted[0];
	struct bgp_prefix a, b;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			ck_assert(bgp_prefix_parse(sorted[i], &a));
			ck_assert(bgp_prefix_parse(sorted[j], &b));
			int want = i < j ? -1 : i > j ? 1 : 0;
			ck_assert_int_eq(bgp_prefix_cmp(&a, &b), want);
		}
	/* The path id orders last. */
	ck_assert(bgp_prefix_parse("10.0.0.0/8", &a));
	b = a;
	b.path_id = 2;
	a.path_id = 1;
	ck_assert_int_eq(bgp_prefix_cmp(&a, &b), -1);
	ck_assert_int_eq(bgp_prefix_cmp(&b, &a), 1);
}
END_TEST

static Suite *nlri_suite(void)
{
	Suite *s = suite_create("bgp_nlri");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_nlri_next_vectors, 0,
	    sizeof next_vecs / sizeof next_vecs[0]);
	tcase_add_loop_test(tc, test_nlri_count_vectors, 0,
	    sizeof count_vecs / sizeof count_vecs[0]);
	tcase_add_test(tc, test_nlri_put_round_trip);
	tcase_add_test(tc, test_nlri_put_exact);
	tcase_add_loop_test(tc, test_prefix_parse_vectors, 0,
	    sizeof parse_vecs / sizeof parse_vecs[0]);
	tcase_add_test(tc, test_prefix_format_small_buffer);
	tcase_add_test(tc, test_prefix_cmp_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(nlri_suite());
}
