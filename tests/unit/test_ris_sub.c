/*
 * test_ris_sub.c — RIS Live subscriptions: parsing (every field, null,
 * errors that name the field) and matching: AS path patterns with ^ $ !
 * and sets, prefixes more and less specific in IPv4 and IPv6, require,
 * type, host and peer.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "web/ris_sub.h"
#include "tests/unit/check_run.h"

static struct ris_sub *parse(const char *json)
{
	char err[256] = "";
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr);
	ck_assert_msg(j != NULL, "bad test JSON %s", json);
	struct ris_sub *s = ris_sub_parse(j, err, sizeof err);
	ck_assert_msg(s != NULL, "%s: %s", json, err);
	json_decref(j);
	return s;
}

static void parse_fails(const char *json, const char *words)
{
	char err[256] = "";
	json_t *j = json_loads(json, 0, NULL);
	struct ris_sub *s = ris_sub_parse(j, err, sizeof err);
	ck_assert_msg(s == NULL, "%s was accepted", json);
	ck_assert_msg(strstr(err, words) != NULL, "%s: error \"%s\" lacks \"%s\"",
	    json, err, words);
	json_decref(j);
}

/* Path 64496 64500 {64511,64512} 789 as 4-octet segments. */
static const uint8_t path_bytes[] = {
	2, 2, 0, 0, 0xfb, 0xf0, 0, 0, 0xfb, 0xf4,
	1, 2, 0, 0, 0xfc, 0x00, 0, 0, 0xfb, 0xff,
	2, 1, 0, 0, 0x03, 0x15,
};
static struct ris_path_item items[8];
static struct bgp_prefix ann_p[2], wd_p[1];

static struct ris_msg update(void)
{
	struct ris_msg m;
	memset(&m, 0, sizeof m);
	m.type = RIS_UPDATE;
	m.host = "isp-a";
	m.peer_afi = BGP_AFI_IPV4;
	inet_pton(AF_INET, "192.0.2.1", m.peer_addr);
	m.path = items;
	m.path_len = ris_path_items((struct bgp_bytes){ path_bytes, sizeof path_bytes },
	    items, 8);
	ck_assert_uint_eq(m.path_len, 4);
	ck_assert(bgp_prefix_parse("198.51.100.0/24", &ann_p[0]));
	ck_assert(bgp_prefix_parse("2001:db8:10::/48", &ann_p[1]));
	ck_assert(bgp_prefix_parse("203.0.113.128/25", &wd_p[0]));
	m.ann[0] = (struct ris_announce){ BGP_AFI_IPV4, NULL, ann_p, 1 };
	m.ann[1] = (struct ris_announce){ BGP_AFI_IPV6, NULL, ann_p + 1, 1 };
	m.n_ann = 2;
	m.withdrawn = wd_p;
	m.n_withdrawn = 1;
	return m;
}

static bool matches(const char *json, const struct ris_msg *m)
{
	struct ris_sub *s = parse(json);
	bool r = ris_sub_matches(s, m);
	ris_sub_free(s);
	return r;
}

START_TEST(parse_fields)
{
	struct ris_sub *s = parse("{\"host\": \"isp-a\", \"type\": \"UPDATE\", "
	    "\"require\": \"withdrawals\", \"peer\": \"2001:db8::1\", \"path\": 789, "
	    "\"prefix\": [\"192.0.2.0/24\", \"2001:db8::/32\", \"192.0.2.7\"], "
	    "\"moreSpecific\": false, \"lessSpecific\": true, "
	    "\"socketOptions\": {\"includeRaw\": true, \"acknowledge\": true}}");
	ck_assert_str_eq(s->host, "isp-a");
	ck_assert_int_eq(s->type, RIS_UPDATE);
	ck_assert_int_eq(s->require, RIS_REQ_WITHDRAWALS);
	ck_assert(s->has_peer && s->peer_afi == BGP_AFI_IPV6);
	ck_assert(s->has_path && s->path_len == 1 && s->path[0].asns[0] == 789);
	ck_assert(!s->path_start && !s->path_end && !s->path_negate);
	ck_assert_uint_eq(s->n_prefixes, 3);
	ck_assert_uint_eq(s->prefixes[2].len, 32);
	ck_assert(!s->more_specific && s->less_specific);
	ck_assert(s->include_raw && s->acknowledge);
	ck_assert(json_object_get(s->spec, "socketOptions") == NULL);
	ck_assert_uint_eq(json_object_size(s->spec), 8);
	ris_sub_free(s);

	s = parse("{\"host\": null, \"prefix\": null}");
	ck_assert(s->host == NULL && s->n_prefixes == 0 && s->more_specific);
	ris_sub_free(s);
	s = ris_sub_parse(NULL, NULL, 0);
	ck_assert(s != NULL && s->type == RIS_ANY);
	ris_sub_free(s);
}
END_TEST

START_TEST(parse_errors)
{
	parse_fails("{\"colour\": \"blue\"}", "unknown field \"colour\"");
	parse_fails("{\"type\": \"UPDATES\"}", "type");
	parse_fails("{\"require\": \"path\"}", "require");
	parse_fails("{\"peer\": \"192.0.2.300\"}", "peer");
	parse_fails("{\"prefix\": \"192.0.2.1/24\"}", "host bits");
	parse_fails("{\"prefix\": [\"192.0.2.0/24\", 7]}", "prefix");
	parse_fails("{\"path\": \"64496,,1\"}", "path");
	parse_fails("{\"path\": \"^64496$x\"}", "path");
	parse_fails("{\"path\": \"[1,2\"}", "path");
	parse_fails("{\"path\": \"4294967296\"}", "path");
	parse_fails("{\"moreSpecific\": \"yes\"}", "moreSpecific");
	parse_fails("{\"socketOptions\": {\"includeRaw\": 1}}", "includeRaw");
	parse_fails("{\"socketOptions\": {\"compress\": true}}", "compress");
	parse_fails("[1]", "object");
}
END_TEST

START_TEST(path_patterns)
{
	struct ris_msg m = update();
	static const struct { const char *path; bool want; } cases[] = {
		{ "789", true }, { "64500", true }, { "64501", false },
		{ "789$", true }, { "64500$", false },
		{ "^64496", true }, { "^64500", false },
		{ "^64496,64500", true }, { "64496,64500,[64512,64511],789", true },
		{ "^64496,64500,[64511,64512],789$", true },
		{ "64500,[64511]", false },             /* a set matches a set of the same ASNs */
		{ "64500,64511", false },               /* an ASN does not match a set */
		{ "[64511,64512],789$", true },
		{ "64496,789", false },                 /* contiguous, not a subsequence */
		{ "!6666$", true }, { "!789$", false }, { "!^64496", false },
		{ "^64496,64500,[64511,64512],789,1", false },
	};
	char json[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, "{\"path\": \"%s\"}", cases[i].path);
		ck_assert_msg(matches(json, &m) == cases[i].want, "path %s: want %d",
		    cases[i].path, cases[i].want);
	}
	/* a message without a path never matches a path filter */
	m.path_len = 0;
	ck_assert(!matches("{\"path\": \"789\"}", &m));
	ck_assert(!matches("{\"path\": \"!789\"}", &m));
	ck_assert(matches("{}", &m));
}
END_TEST

START_TEST(prefixes_more_less)
{
	struct ris_msg m = update();
	static const struct { const char *sub; bool want; } cases[] = {
		{ "{\"prefix\": \"198.51.100.0/24\"}", true },
		{ "{\"prefix\": \"198.51.0.0/16\"}", true },             /* more specific by default */
		{ "{\"prefix\": \"198.51.0.0/16\", \"moreSpecific\": false}", false },
		{ "{\"prefix\": \"198.51.100.0/24\", \"moreSpecific\": false}", true },
		{ "{\"prefix\": \"198.51.100.128/25\"}", false },
		{ "{\"prefix\": \"198.51.100.128/25\", \"lessSpecific\": true}", true },
		{ "{\"prefix\": \"198.51.101.0/24\", \"lessSpecific\": true}", false },
		{ "{\"prefix\": \"203.0.113.0/24\"}", true },            /* a withdrawal */
		{ "{\"prefix\": \"203.0.113.0/26\", \"lessSpecific\": true}", false },
		{ "{\"prefix\": \"2001:db8::/32\"}", true },
		{ "{\"prefix\": \"2001:db8:10:1::/64\", \"lessSpecific\": true}", true },
		{ "{\"prefix\": \"2001:db8:11::/48\", \"lessSpecific\": true}", false },
		{ "{\"prefix\": \"0.0.0.0/0\"}", true },
		{ "{\"prefix\": \"::/0\", \"moreSpecific\": false}", false },
		{ "{\"prefix\": [\"192.0.2.0/24\", \"2001:db8:10::/47\"]}", true },
		{ "{\"prefix\": \"198.51.100.1\", \"lessSpecific\": true}", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(matches(cases[i].sub, &m) == cases[i].want, "%s: want %d",
		    cases[i].sub, cases[i].want);
}
END_TEST

START_TEST(other_fields)
{
	struct ris_msg m = update();
	ck_assert(matches("{\"host\": \"isp-a\", \"type\": \"UPDATE\"}", &m));
	ck_assert(!matches("{\"host\": \"isp-b\"}", &m));
	ck_assert(!matches("{\"type\": \"OPEN\"}", &m));
	ck_assert(matches("{\"peer\": \"192.0.2.1\"}", &m));
	ck_assert(!matches("{\"peer\": \"192.0.2.2\"}", &m));
	ck_assert(!matches("{\"peer\": \"::ffff:192.0.2.1\"}", &m));
	ck_assert(matches("{\"require\": \"announcements\"}", &m));
	ck_assert(matches("{\"require\": \"withdrawals\"}", &m));
	m.n_withdrawn = 0;
	ck_assert(!matches("{\"require\": \"withdrawals\"}", &m));
	m.n_ann = 0;
	ck_assert(!matches("{\"require\": \"announcements\"}", &m));
	ck_assert(!matches("{\"prefix\": \"0.0.0.0/0\"}", &m));  /* no prefixes */
	m.type = RIS_KEEPALIVE;
	ck_assert(matches("{\"type\": \"KEEPALIVE\", \"host\": \"isp-a\"}", &m));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ris_sub");
	TCase *tc = tcase_create("subscriptions");
	tcase_add_test(tc, parse_fields);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, path_patterns);
	tcase_add_test(tc, prefixes_more_less);
	tcase_add_test(tc, other_fields);
	suite_add_tcase(s, tc);
	return check_run(s);
}
