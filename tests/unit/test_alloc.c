/*
 * test_alloc.c — allocation checks: exact, more specific down to
 * max_length, too specific, outside, the other family, odd prefix
 * lengths; the max_prefixes rule and its RFC 4486 data field.
 */
#include <check.h>
#include <stdlib.h>

#include "instances/alloc.h"
#include "tests/unit/check_run.h"

static struct bgp_prefix P(const char *s)
{
	struct bgp_prefix p;
	ck_assert_msg(bgp_prefix_parse(s, &p), "parse %s", s);
	return p;
}

static char *alloc_strs[] = { "184.164.224.0/19", "2001:db8:100::/40", "10.9.8.0/25" };

static const struct {
	const char *prefix;
	enum alloc_verdict want;
} cases[] = {
	{ "184.164.224.0/19", ALLOC_OK },       /* exact */
	{ "184.164.224.0/20", ALLOC_OK },
	{ "184.164.255.0/24", ALLOC_OK },       /* last /24 inside */
	{ "184.164.255.128/25", ALLOC_TOO_LONG },
	{ "184.164.223.0/24", ALLOC_OUTSIDE },  /* just below */
	{ "184.165.0.0/24", ALLOC_OUTSIDE },    /* just above */
	{ "184.164.0.0/16", ALLOC_OUTSIDE },    /* less specific: covers it */
	{ "0.0.0.0/0", ALLOC_OUTSIDE },
	{ "10.9.8.0/25", ALLOC_OK },            /* longer than max, but exact */
	{ "10.9.8.0/26", ALLOC_TOO_LONG },
	{ "10.9.8.128/25", ALLOC_OUTSIDE },
	{ "2001:db8:100::/40", ALLOC_OK },
	{ "2001:db8:1ff::/48", ALLOC_OK },
	{ "2001:db8:1ff:ffff::/64", ALLOC_TOO_LONG },
	{ "2001:db8:200::/48", ALLOC_OUTSIDE },
	{ "2001:db8::/32", ALLOC_OUTSIDE },
	{ "::ffff:184.164.224.0/120", ALLOC_OUTSIDE },  /* other family */
};

START_TEST(verdicts)
{
	struct alloc a;
	alloc_init(&a, alloc_strs, 3, 0, 0);
	struct bgp_prefix p = P(cases[_i].prefix);
	ck_assert_msg(alloc_check(&a, &p) == cases[_i].want, "%s: got %s", cases[_i].prefix,
	    alloc_verdict_name(alloc_check(&a, &p)));
	alloc_free(&a);
}
END_TEST

START_TEST(custom_max_length)
{
	struct alloc a;
	alloc_init(&a, alloc_strs, 3, 22, 64);
	struct bgp_prefix p = P("184.164.224.0/24");
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_TOO_LONG);
	p = P("184.164.228.0/22");
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_OK);
	p = P("2001:db8:1ff:ffff::/64");
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_OK);
	p = P("2001:db8:1ff:ffff::/65");
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_TOO_LONG);
	alloc_free(&a);
}
END_TEST

START_TEST(path_id_ignored_and_empty)
{
	struct alloc a;
	struct bgp_prefix p = P("184.164.230.0/24");
	p.path_id = 7;
	alloc_init(&a, alloc_strs, 3, 0, 0);
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_OK);
	alloc_free(&a);
	alloc_init(&a, NULL, 0, 0, 0);
	ck_assert_int_eq(alloc_check(&a, &p), ALLOC_OUTSIDE);
	alloc_free(&a);
}
END_TEST

START_TEST(limit_and_data)
{
	uint8_t d[ALLOC_LIMIT_DATA_LEN];
	static const uint8_t want[] = { 0, 2, 1, 0, 0, 0, 100 };

	ck_assert(!alloc_over_limit(100, 100));
	ck_assert(alloc_over_limit(101, 100));
	alloc_limit_data(BGP_AFI_IPV6, BGP_SAFI_UNICAST, 100, d);
	ck_assert_mem_eq(d, want, sizeof want);
	alloc_limit_data(BGP_AFI_IPV4, BGP_SAFI_UNICAST, 0x01020304, d);
	ck_assert_uint_eq(d[1], 1);
	ck_assert_uint_eq(d[3], 1);
	ck_assert_uint_eq(d[6], 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alloc");
	TCase *t = tcase_create("alloc");
	tcase_add_loop_test(t, verdicts, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(t, custom_max_length);
	tcase_add_test(t, path_id_ignored_and_empty);
	tcase_add_test(t, limit_and_data);
	suite_add_tcase(s, t);
	return check_run(s);
}
