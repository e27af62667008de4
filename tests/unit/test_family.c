/*
 * test_family.c — the address family table: every descriptor round-trips
 * AFI/SAFI → aid → descriptor and name → aid, unknown families map to
 * AID_NONE, and the names are the ones the configuration accepts and
 * prints.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "muxd/bgp/bgp_family.h"
#include "muxd/config/config.h"
#include "tests/unit/check_run.h"

/* The IANA numbers and the names config files, the API and logs use:
 * written out here so a change to the table shows as a failure. */
static const struct {
	const char *name;
	uint16_t afi;
	uint8_t safi;
	uint8_t addr_len;
} known[] = {
	{ "ipv4-unicast", 1, 1, 4 },
	{ "ipv6-unicast", 2, 1, 16 },
	{ "ipv4-multicast", 1, 2, 4 },
	{ "ipv6-multicast", 2, 2, 16 },
	{ "ipv4-vpn", 1, 128, 4 },
	{ "ipv6-vpn", 2, 128, 16 },
};
#define NKNOWN (sizeof known / sizeof known[0])

START_TEST(test_table_is_the_known_families)
{
	ck_assert_uint_eq(AID_MAX, NKNOWN);
	for (size_t i = 0; i < NKNOWN; i++) {
		enum bgp_aid aid = bgp_aid_by_name(known[i].name);
		ck_assert_msg(aid != AID_NONE, "%s has no aid", known[i].name);
		const struct bgp_af *af = bgp_af(aid);
		ck_assert_str_eq(af->name, known[i].name);
		ck_assert_uint_eq(af->afi, known[i].afi);
		ck_assert_uint_eq(af->safi, known[i].safi);
		ck_assert_uint_eq(af->addr_len, known[i].addr_len);
		ck_assert_uint_eq(af->max_bits, 8u * known[i].addr_len);
		ck_assert_int_eq(af->inet, known[i].afi == 1 ? AF_INET : AF_INET6);
		ck_assert_str_eq(af->afi_name, known[i].afi == 1 ? "IPv4" : "IPv6");
	}
}
END_TEST

START_TEST(test_every_aid_round_trips)
{
	unsigned seen = 0;

	FOR_EACH_AID(aid) {
		const struct bgp_af *af = bgp_af(aid);
		ck_assert_int_eq(bgp_aid_of(af->afi, af->safi), aid);
		ck_assert_int_eq(bgp_aid_by_name(af->name), aid);
		ck_assert_str_eq(family_name((struct bgp_family){ af->afi, af->safi }),
		    af->name);
		seen++;
	}
	ck_assert_uint_eq(seen, AID_MAX);
}
END_TEST

/* The RIB families come first, are the unicast ones, and the per-route
 * shortcuts agree with the table. */
START_TEST(test_rib_families)
{
	unsigned seen = 0;

	ck_assert_uint_eq(AID_RIB_MAX, 2);
	FOR_EACH_RIB_AID(aid) {
		const struct bgp_af *af = bgp_af(aid);
		ck_assert(bgp_aid_is_rib(aid));
		ck_assert_uint_eq(af->safi, BGP_SAFI_UNICAST);
		ck_assert_int_eq(bgp_aid_unicast(af->afi), aid);
		ck_assert_int_eq(bgp_aid_rib(af->afi, af->safi), aid);
		seen++;
	}
	ck_assert_uint_eq(seen, AID_RIB_MAX);
	FOR_EACH_AID(aid) {
		const struct bgp_af *af = bgp_af(aid);
		if (aid < AID_RIB_MAX)
			continue;
		ck_assert(!bgp_aid_is_rib(aid));
		ck_assert_int_eq(bgp_aid_rib(af->afi, af->safi), AID_NONE);
	}
	ck_assert(!bgp_aid_is_rib(AID_NONE));
}
END_TEST

START_TEST(test_unknown_families_are_none)
{
	static const struct { uint16_t afi; uint8_t safi; } unknown[] = {
		{ 0, 0 }, { 0, 1 }, { 3, 1 }, { 1, 0 }, { 1, 4 }, { 2, 70 },
		{ 25, 70 }, { 16388, 71 }, { 0xffff, 0xff },
	};

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		ck_assert_int_eq(bgp_aid_of(unknown[i].afi, unknown[i].safi), AID_NONE);
		ck_assert_int_eq(bgp_aid_rib(unknown[i].afi, unknown[i].safi), AID_NONE);
		ck_assert_str_eq(family_name((struct bgp_family){ unknown[i].afi,
		    unknown[i].safi }), "unknown-family");
	}
	ck_assert_int_eq(bgp_aid_unicast(0), AID_NONE);
	ck_assert_int_eq(bgp_aid_unicast(3), AID_NONE);
	ck_assert_int_eq(bgp_aid_unicast(25), AID_NONE);
	ck_assert_int_eq(bgp_aid_by_name(""), AID_NONE);
	ck_assert_int_eq(bgp_aid_by_name("ipv4"), AID_NONE);
	ck_assert_int_eq(bgp_aid_by_name("IPv4-unicast"), AID_NONE);
	ck_assert_int_eq(bgp_aid_by_name("ipv4-unicast "), AID_NONE);
	ck_assert_int_eq(bgp_aid_by_name("unknown-family"), AID_NONE);

	struct bgp_family f = { 7, 7 };
	ck_assert(!family_parse("ipv4-flowspec", &f));
	ck_assert_uint_eq(f.afi, 7);    /* untouched on failure */
}
END_TEST

/* Each name, as a neighbor's "families" in a configuration: accepted as
 * the table's AFI/SAFI, and printed back (muxd --check-config -v) as the
 * same name. */
START_TEST(test_config_accepts_and_prints_each_name)
{
	char json[512];
	struct jsonv errs = { 0 };
	const struct bgp_af *af = bgp_af((enum bgp_aid)_i);

	snprintf(json, sizeof json, "{\"asn\": 65000, \"router_id\": \"10.0.0.1\","
	    " \"peers\": [{\"name\": \"a\", \"peer\": {\"address\": \"127.0.0.9\","
	    " \"asn\": 1}, \"families\": [\"%s\"]}]}", af->name);
	struct config *c = config_load_string(json, &errs);
	ck_assert_msg(c != NULL, "%s refused", af->name);
	ck_assert_uint_eq(c->peers[0].family_count, 1);
	ck_assert_uint_eq(c->peers[0].families[0].afi, af->afi);
	ck_assert_uint_eq(c->peers[0].families[0].safi, af->safi);

	json_t *out = config_to_json(c);
	json_t *fams = json_object_get(json_array_get(json_object_get(out, "peers"), 0),
	    "families");
	ck_assert_uint_eq(json_array_size(fams), 1);
	ck_assert_str_eq(json_string_value(json_array_get(fams, 0)), af->name);
	json_decref(out);
	config_free(c);
}
END_TEST

static Suite *family_suite(void)
{
	Suite *s = suite_create("bgp_family");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_table_is_the_known_families);
	tcase_add_test(tc, test_every_aid_round_trips);
	tcase_add_test(tc, test_rib_families);
	tcase_add_test(tc, test_unknown_families_are_none);
	tcase_add_loop_test(tc, test_config_accepts_and_prints_each_name, 0, AID_MAX);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(family_suite());
}
