/*
 * test_prefix_limit.c — max_prefixes (muxd/engine/prefix_limit.h): when it warns,
 * when it tears down, what it logs once, and RFC 4486's data bytes.
 */
#include <check.h>
#include <string.h>

#include "muxd/engine/prefix_limit.h"
#include "tests/unit/check_run.h"

static const struct prefix_limit_config teardown = { 1000, 90, true, 300 };
static const struct prefix_limit_config warn = { 1000, 50, false, 300 };

START_TEST(no_limit)
{
	struct prefix_limit pl = { 0 };
	struct prefix_limit_config none = { 0 };

	ck_assert(!prefix_limit_check(&pl, &none, 100000000, "t"));
	ck_assert(!pl.warned && !pl.over);
}
END_TEST

START_TEST(teardown_over_the_limit_only)
{
	struct prefix_limit pl = { 0 };

	ck_assert(!prefix_limit_check(&pl, &teardown, 899, "t"));
	ck_assert(!pl.warned);
	ck_assert(!prefix_limit_check(&pl, &teardown, 900, "t"));      /* 90 % */
	ck_assert(pl.warned);
	ck_assert(!prefix_limit_check(&pl, &teardown, 1000, "t"));     /* at it: fine */
	ck_assert(prefix_limit_check(&pl, &teardown, 1001, "t"));
	/* its paths went with the session: logging starts over */
	ck_assert(!pl.warned && !pl.over);
	ck_assert(prefix_limit_check(&pl, &teardown, 5000, "t"));
}
END_TEST

START_TEST(warn_keeps_and_rearms)
{
	struct prefix_limit pl = { 0 };

	ck_assert(!prefix_limit_check(&pl, &warn, 500, "w"));
	ck_assert(pl.warned && !pl.over);
	ck_assert(!prefix_limit_check(&pl, &warn, 3000, "w"));
	ck_assert(pl.over);
	ck_assert(!prefix_limit_check(&pl, &warn, 3001, "w"));
	ck_assert(!prefix_limit_check(&pl, &warn, 10, "w"));          /* withdrawn */
	ck_assert(!pl.warned && !pl.over);
	ck_assert(!prefix_limit_check(&pl, &warn, 1001, "w"));
	ck_assert(pl.over && pl.warned);
}
END_TEST

START_TEST(data_bytes)
{
	uint8_t d[PREFIX_LIMIT_DATA_LEN];
	static const uint8_t want[] = { 0x00, 0x02, 0x01, 0x00, 0x0f, 0x42, 0x40 };

	prefix_limit_data(2, 1, 1000000, d);
	ck_assert_mem_eq(d, want, sizeof want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prefix_limit");
	TCase *t = tcase_create("prefix_limit");

	tcase_add_test(t, no_limit);
	tcase_add_test(t, teardown_over_the_limit_only);
	tcase_add_test(t, warn_keeps_and_rearms);
	tcase_add_test(t, data_bytes);
	suite_add_tcase(s, t);
	return check_run(s);
}
