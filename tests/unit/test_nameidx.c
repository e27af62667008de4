/*
 * test_nameidx.c — the sorted name index: lookups, replacement, removal,
 * cursors ("after NAME") and the bulk load, against a plain model.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/lib/nameidx.h"
#include "tests/unit/check_run.h"

START_TEST(test_put_get_del)
{
	struct nameidx ix = { 0 };
	int a, b, c;

	ck_assert_ptr_null(nameidx_get(&ix, "x"));
	ck_assert(!nameidx_del(&ix, "x"));
	nameidx_put(&ix, "vnet-2", &b);
	nameidx_put(&ix, "vnet-10", &c);
	nameidx_put(&ix, "vnet-1", &a);
	ck_assert_uint_eq(ix.n, 3);
	/* byte order: "vnet-1" < "vnet-10" < "vnet-2" */
	ck_assert_str_eq(ix.v[0].name, "vnet-1");
	ck_assert_str_eq(ix.v[1].name, "vnet-10");
	ck_assert_str_eq(ix.v[2].name, "vnet-2");
	ck_assert_ptr_eq(nameidx_get(&ix, "vnet-10"), &c);
	/* a replacement takes the new name pointer too */
	char other[] = "vnet-10";
	nameidx_put(&ix, other, &a);
	ck_assert_uint_eq(ix.n, 3);
	ck_assert_ptr_eq(nameidx_get(&ix, "vnet-10"), &a);
	ck_assert_ptr_eq(ix.v[1].name, other);
	ck_assert(nameidx_del(&ix, "vnet-10"));
	ck_assert(!nameidx_del(&ix, "vnet-10"));
	ck_assert_ptr_null(nameidx_get(&ix, "vnet-10"));
	ck_assert_uint_eq(ix.n, 2);
	nameidx_free(&ix);
	ck_assert_uint_eq(ix.n, 0);
}
END_TEST

START_TEST(test_after)
{
	struct nameidx ix = { 0 };
	static const char *const names[] = { "a", "b", "d" };

	for (int i = 0; i < 3; i++)
		nameidx_put(&ix, names[i], (void *)names[i]);
	ck_assert_uint_eq(nameidx_after(&ix, NULL), 0);
	ck_assert_uint_eq(nameidx_after(&ix, ""), 0);
	ck_assert_uint_eq(nameidx_after(&ix, "a"), 1);
	ck_assert_uint_eq(nameidx_after(&ix, "c"), 2);     /* not there: the next */
	ck_assert_uint_eq(nameidx_after(&ix, "d"), 3);
	ck_assert_uint_eq(nameidx_after(&ix, "z"), 3);
	nameidx_free(&ix);
}
END_TEST

/* 5,000 names added and removed in a scrambled order, against a model. */
START_TEST(test_many_against_model)
{
	enum { N = 5000 };
	static char names[N][16];
	static bool in[N];
	struct nameidx ix = { 0 }, bulk = { 0 };
	uint32_t x = 12345;

	for (int i = 0; i < N; i++)
		snprintf(names[i], sizeof names[i], "c%d", i);
	for (int step = 0; step < 4 * N; step++) {
		x = x * 1103515245 + 12345;
		int i = (int)((x >> 8) % N);
		if (in[i])
			ck_assert(nameidx_del(&ix, names[i]));
		else
			nameidx_put(&ix, names[i], names[i]);
		in[i] = !in[i];
	}
	size_t count = 0;
	for (int i = 0; i < N; i++) {
		ck_assert_ptr_eq(nameidx_get(&ix, names[i]), in[i] ? names[i] : NULL);
		if (in[i])
			nameidx_push(&bulk, names[i], names[i]);
		count += in[i];
	}
	ck_assert_uint_eq(ix.n, count);
	for (size_t i = 1; i < ix.n; i++)
		ck_assert_int_lt(strcmp(ix.v[i - 1].name, ix.v[i].name), 0);
	/* the bulk load of the same names gives the same index */
	nameidx_sort(&bulk);
	ck_assert_uint_eq(bulk.n, ix.n);
	for (size_t i = 0; i < ix.n; i++)
		ck_assert_str_eq(bulk.v[i].name, ix.v[i].name);
	nameidx_free(&ix);
	nameidx_free(&bulk);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nameidx");
	TCase *tc = tcase_create("nameidx");

	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_after);
	tcase_add_test(tc, test_many_against_model);
	suite_add_tcase(s, tc);
	return check_run(s);
}
