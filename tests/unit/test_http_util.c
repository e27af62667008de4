/*
 * test_http_util.c — the API's route patterns: one segment ({}), an id
 * that spans segments ({*}), URL decoding into UTF-8, and what must not
 * match.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "web/http_util.h"
#include "tests/unit/check_run.h"

static const struct {
	const char *pattern, *path;
	bool match;
	const char *cap0, *cap1;
} cases[] = {
	{ "/api/v1/status", "/api/v1/status", true, NULL, NULL },
	{ "/api/v1/status", "/api/v1/status/", true, NULL, NULL },
	{ "/api/v1/status", "/api/v1/statuses", false, NULL, NULL },
	{ "/api/v1/status", "/api/v1", false, NULL, NULL },
	{ "/api/v1/views/{}", "/api/v1/views/isp-a", true, "isp-a", NULL },
	{ "/api/v1/views/{}", "/api/v1/views/isp%20a", true, "isp a", NULL },
	{ "/api/v1/views/{}", "/api/v1/views", false, NULL, NULL },
	{ "/api/v1/views/{}", "/api/v1/views/a/routes", false, NULL, NULL },
	{ "/api/v1/views/{}/routes", "/api/v1/views/a/routes", true, "a", NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/isp-a/1/reset", true, "isp-a/1", NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/isp-a/vnet-1/2/reset", true,
	  "isp-a/vnet-1/2", NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/p%2Fq/1/reset", true, "p/q/1", NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/reset", false, NULL, NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/isp-a/1/kill", false, NULL, NULL },
	{ "/x/{}/y/{*}", "/x/a/y/b/c", true, "a", "b/c" },
	/* captures are UTF-8 whatever the path held: an octet that is not
	 * part of valid UTF-8 becomes U+FFFD (EF BF BD) */
	{ "/api/v1/views/{}", "/api/v1/views/%FF", true, "\xef\xbf\xbd", NULL },
	{ "/api/v1/clients/{}", "/api/v1/clients/%C3%28", true, "\xef\xbf\xbd(", NULL },
	{ "/api/v1/clients/{}", "/api/v1/clients/caf%C3%A9", true, "caf\xc3\xa9", NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/a/%ED%A0%80/reset", true,
	  "a/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", NULL },
	/* an encoded NUL would cut the name short: no match */
	{ "/api/v1/views/{}", "/api/v1/views/a%00b", false, NULL, NULL },
	{ "/api/v1/sessions/{*}/reset", "/api/v1/sessions/a/b%00/reset", false, NULL, NULL },
	{ "/", "/", true, NULL, NULL },
	{ "/metrics", "/", false, NULL, NULL },
};

START_TEST(test_match)
{
	char *cap[HTTP_MAX_CAPTURES];
	size_t n = 99;
	bool m = http_match(cases[_i].pattern, cases[_i].path, cap, &n);

	ck_assert_msg(m == cases[_i].match, "%s vs %s", cases[_i].pattern, cases[_i].path);
	if (!m) {
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_uint_eq(n, (cases[_i].cap0 != NULL) + (cases[_i].cap1 != NULL));
	if (cases[_i].cap0)
		ck_assert_str_eq(cap[0], cases[_i].cap0);
	if (cases[_i].cap1)
		ck_assert_str_eq(cap[1], cases[_i].cap1);
	for (size_t i = 0; i < n; i++)
		free(cap[i]);
}
END_TEST

/* Paths too long or with too many segments never match (nor crash). */
START_TEST(test_long_paths)
{
	char *cap[HTTP_MAX_CAPTURES];
	size_t n;
	char path[5000];

	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = 0;
	ck_assert(!http_match("/{}", path, cap, &n));
	strcpy(path, "/api/v1/sessions");
	for (int i = 0; i < 40; i++)
		strcat(path, "/x");
	strcat(path, "/reset");
	ck_assert(!http_match("/api/v1/sessions/{*}/reset", path, cap, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_util");
	TCase *tc = tcase_create("http_util");

	tcase_add_loop_test(tc, test_match, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_long_paths);
	suite_add_tcase(s, tc);
	return check_run(s);
}
