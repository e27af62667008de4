/*
 * check_run.h — what every unit test's main ends with: run the suite with
 * Check (each test in a child, CK_NORMAL output) and exit with its verdict.
 */
#ifndef BGPMUX_CHECK_RUN_H
#define BGPMUX_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
