/*
 * test_session_text.c — the family lists the session and the peer write
 * in their log lines ("OPEN received: ... offered ...; negotiated ...",
 * the multisession lessons).
 */
#include <check.h>
#include <string.h>

#include "muxd/engine/session.h"
#include "tests/unit/check_run.h"

START_TEST(test_families_text)
{
	struct bgp_family f[] = { { 1, 1 }, { 2, 1 }, { 25, 70 }, { 1, 128 } };
	char buf[128];

	ck_assert_str_eq(families_text(f, 2, buf, sizeof buf), "ipv4-unicast+ipv6-unicast");
	/* a family without a name says its numbers */
	ck_assert_str_eq(families_text(f, 4, buf, sizeof buf),
	    "ipv4-unicast+ipv6-unicast+AFI/SAFI 25/70+ipv4-vpn");
	ck_assert_str_eq(families_text(f, 0, buf, sizeof buf), "");
	/* cut, still terminated */
	char small[10];
	ck_assert_uint_eq(strlen(families_text(f, 4, small, sizeof small)), 9);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("session_text");
	TCase *t = tcase_create("text");

	tcase_add_test(t, test_families_text);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(text_suite());
}
