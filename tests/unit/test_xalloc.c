/*
 * test_xalloc.c — the allocation helpers: arrays grow by doubling from 8
 * and at least to what is needed, a size past SIZE_MAX is out of memory
 * (grow_array fails softly and leaves the array as it was; the x
 * functions stop the process with status 2), and a grown array keeps its
 * elements.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/log.h"
#include "muxd/lib/xalloc.h"
#include "tests/unit/check_run.h"

START_TEST(test_grow_doubles)
{
	size_t cap = 0;
	int *v = NULL;

	v = xgrow_array(v, &cap, 1, sizeof *v);
	ck_assert_uint_eq(cap, 8);
	for (int i = 0; i < 8; i++)
		v[i] = i;
	ck_assert_ptr_eq(xgrow_array(v, &cap, 8, sizeof *v), v);        /* room */
	ck_assert_uint_eq(cap, 8);
	v = xgrow_array(v, &cap, 9, sizeof *v);
	ck_assert_uint_eq(cap, 16);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(v[i], i);
	v = xgrow_array(v, &cap, 100, sizeof *v);               /* past 2 x cap */
	ck_assert_uint_eq(cap, 100);
	v[99] = 99;
	free(v);
}
END_TEST

START_TEST(test_grow_zero_needs_nothing)
{
	size_t cap = 0;

	ck_assert_ptr_null(xgrow_array(NULL, &cap, 0, 4));
	ck_assert_uint_eq(cap, 0);
}
END_TEST

/* A size that cannot be had: NULL, and the array and its capacity stay
 * the caller's, as a request path that answers 503 needs. */
START_TEST(test_grow_overflow_soft)
{
	size_t cap = 0;
	char *v = grow_array(NULL, &cap, 4, 1);

	ck_assert_ptr_nonnull(v);
	memcpy(v, "abc", 4);
	size_t was = cap;
	ck_assert_ptr_null(grow_array(v, &cap, SIZE_MAX / 2, 4));
	ck_assert_uint_eq(cap, was);
	ck_assert_str_eq(v, "abc");
	free(v);
}
END_TEST

START_TEST(test_xgrow_overflow_fatal)
{
	size_t cap = 0;

	log_set_level(LOG_LVL_ERROR);
	xgrow_array(NULL, &cap, SIZE_MAX / 2, 4);
}
END_TEST

START_TEST(test_xreallocarray_overflow_fatal)
{
	log_set_level(LOG_LVL_ERROR);
	xreallocarray(NULL, SIZE_MAX / 8 + 1, 16);
}
END_TEST

START_TEST(test_xreallocarray_keeps)
{
	int *v = xreallocarray(NULL, 2, sizeof *v);

	v[0] = 1;
	v[1] = 2;
	v = xreallocarray(v, 3, sizeof *v);
	ck_assert_int_eq(v[0] + v[1], 3);
	free(v);
	free(xreallocarray(NULL, 0, 8));        /* 0 bytes: a pointer of its own */
}
END_TEST

START_TEST(test_strdup)
{
	char *s = xstrdup("vnet-1");

	ck_assert_str_eq(s, "vnet-1");
	free(s);
	ck_assert_ptr_null(xstrdup_or_null(NULL));
	s = xstrdup_or_null("x");
	ck_assert_str_eq(s, "x");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("xalloc");

	tcase_add_test(tc, test_grow_doubles);
	tcase_add_test(tc, test_grow_zero_needs_nothing);
	tcase_add_test(tc, test_grow_overflow_soft);
	tcase_add_exit_test(tc, test_xgrow_overflow_fatal, 2);
	tcase_add_exit_test(tc, test_xreallocarray_overflow_fatal, 2);
	tcase_add_test(tc, test_xreallocarray_keeps);
	tcase_add_test(tc, test_strdup);
	suite_add_tcase(s, tc);
	return check_run(s);
}
