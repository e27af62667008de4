/*
 * test_config_dataplane.c — the "dataplane" section: its defaults, every
 * error with the exact message and JSON path, what it asks of the
 * instances, copy/release/equal, and the printed form loading back.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/config/config.h"
#include "tests/unit/check_run.h"

#define GW "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
/* An upstream (its id, its instance's address and next_hop). */
#define UP(name, id, inst, nh) \
	"{\"name\": \"" name "\", \"id\": " #id ", \"peer\": {\"address\": " \
	"\"2001:db8:" #id "::1\", \"asn\": 65010}, \"instance\": {\"address\": \"" \
	inst "\", \"next_hop\": \"" nh "\"}}"
#define UP_SELF(name, id, inst) UP(name, id, inst, "self")
#define ONE_UP "\"upstreams\": [" UP_SELF("a", 1, "100.64.0.1") "], "
#define DP(body) "\"dataplane\": {" body "}}"
#define IFACE "\"client_interface\": \"vnets0\""

static struct config *load(const char *json, struct jsonv *errs)
{
	struct config *c = config_load_string(json, errs);
	ck_assert_msg(c != NULL, "%s", errs->count ? errs->lines[0] : "");
	return c;
}

START_TEST(test_defaults)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW ONE_UP DP(IFACE), &errs);

	ck_assert(c->dataplane.enabled);
	ck_assert_str_eq(c->dataplane.client_interface, "vnets0");
	ck_assert_uint_eq(c->dataplane.table_base, 20000);
	ck_assert_int_eq(c->dataplane.fib, DATAPLANE_FIB_DEFAULT);
	ck_assert_str_eq(dataplane_fib_name(c->dataplane.fib), "default");
	ck_assert_uint_eq(dataplane_table(&c->dataplane, &c->upstreams[0]), 20001);
	config_free(c);
}
END_TEST

START_TEST(test_every_key)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"upstreams\": [" UP_SELF("a", 7, "100.64.0.1") ", "
	    UP_SELF("b", 999, "2001:db8::2") "], "
	    DP("\"client_interface\": \"abcdefghijklmno\", \"table_base\": 256, "
	    "\"fib\": \"full\""), &errs);

	ck_assert_str_eq(c->dataplane.client_interface, "abcdefghijklmno"); /* 15 */
	ck_assert_uint_eq(c->dataplane.table_base, 256);
	ck_assert_int_eq(c->dataplane.fib, DATAPLANE_FIB_FULL);
	ck_assert_uint_eq(dataplane_table(&c->dataplane, &c->upstreams[0]), 263);
	ck_assert_uint_eq(dataplane_table(&c->dataplane, &c->upstreams[1]), 1255);
	config_free(c);
}
END_TEST

/* Without "dataplane" nothing is asked of the instances: a loopback
 * instance with next_hop unchanged loads as before. */
START_TEST(test_absent)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"upstreams\": [" UP("a", 1, "127.0.20.1",
	    "unchanged") "]}", &errs);

	ck_assert(!c->dataplane.enabled);
	ck_assert_ptr_null(c->dataplane.client_interface);
	json_t *o = config_to_json(c);
	ck_assert_ptr_null(json_object_get(o, "dataplane"));
	json_decref(o);
	config_free(c);
}
END_TEST

/* The range's ends that are still allowed. */
START_TEST(test_table_range_edges)
{
	static const char *const ok[] = {
		GW ONE_UP DP(IFACE ", \"table_base\": 251"),            /* 251..252 */
		GW ONE_UP DP(IFACE ", \"table_base\": 256"),            /* 256..257 */
		GW ONE_UP DP(IFACE ", \"table_base\": 1"),              /* 1..2 */
		GW ONE_UP DP(IFACE ", \"table_base\": 4294967293"),     /* ..4294967294 */
		GW DP(IFACE ", \"table_base\": 4294967294"),            /* no upstream */
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct jsonv errs = { 0 };
		config_free(load(ok[i], &errs));
	}
}
END_TEST

/* Each bad document and the one error line it must produce. */
static const struct {
	const char *json;
	const char *error;
} bad[] = {
	{ GW ONE_UP "\"dataplane\": 5}", "$.dataplane: expected an object" },
	{ GW ONE_UP DP(IFACE ", \"tables\": 1"),
	  "$.dataplane.tables: unknown key (check its spelling)" },
	{ GW ONE_UP DP("\"fib\": \"full\""),
	  "$.dataplane.client_interface: missing (required)" },
	{ GW ONE_UP DP("\"client_interface\": 0"),
	  "$.dataplane.client_interface: expected a string" },
	{ GW ONE_UP DP("\"client_interface\": \"\""),
	  "$.dataplane.client_interface: not a Linux interface name: empty" },
	{ GW ONE_UP DP("\"client_interface\": \"abcdefghijklmnop\""),
	  "$.dataplane.client_interface: not a Linux interface name: 16 characters, "
	  "at most 15" },
	{ GW ONE_UP DP("\"client_interface\": \".\""),
	  "$.dataplane.client_interface: not a Linux interface name: \".\" and \"..\" "
	  "are not interface names" },
	{ GW ONE_UP DP("\"client_interface\": \"..\""),
	  "$.dataplane.client_interface: not a Linux interface name: \".\" and \"..\" "
	  "are not interface names" },
	{ GW ONE_UP DP("\"client_interface\": \"br/0\""),
	  "$.dataplane.client_interface: not a Linux interface name: character 3 "
	  "(octet 0x2f) is not allowed: the kernel refuses '/', ':' and whitespace" },
	{ GW ONE_UP DP("\"client_interface\": \"eth0:1\""),
	  "$.dataplane.client_interface: not a Linux interface name: character 5 "
	  "(octet 0x3a) is not allowed: the kernel refuses '/', ':' and whitespace" },
	{ GW ONE_UP DP("\"client_interface\": \"vnet 0\""),
	  "$.dataplane.client_interface: not a Linux interface name: character 5 "
	  "(octet 0x20) is not allowed: the kernel refuses '/', ':' and whitespace" },
	{ GW ONE_UP DP("\"client_interface\": \"vnet\\n\""),
	  "$.dataplane.client_interface: not a Linux interface name: character 5 "
	  "(octet 0x0a) is not allowed: the kernel refuses '/', ':' and whitespace" },
	{ GW ONE_UP DP(IFACE ", \"fib\": \"partial\""),
	  "$.dataplane.fib: \"partial\" is not one of \"default\", \"full\"" },
	{ GW ONE_UP DP(IFACE ", \"fib\": true"), "$.dataplane.fib: expected a string" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": -1"),
	  "$.dataplane.table_base: expected an integer 0..4294967295" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": \"20000\""),
	  "$.dataplane.table_base: expected an integer 0..4294967295" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": 0"),
	  "$.dataplane.table_base: tables 0..1 (table_base + the largest upstream id, "
	  "1 at $.upstreams[0].id) take table 0, which names no table "
	  "(RT_TABLE_UNSPEC): give a table_base above 255 (default 20000)" },
	{ GW "\"upstreams\": [" UP_SELF("a", 3, "100.64.0.1") "], "
	  DP(IFACE ", \"table_base\": 250"),
	  "$.dataplane.table_base: tables 250..253 (table_base + the largest upstream "
	  "id, 3 at $.upstreams[0].id) take table 253, the kernel's default table: "
	  "give a table_base above 255 (default 20000)" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": 253"),
	  "$.dataplane.table_base: tables 253..254 (table_base + the largest upstream "
	  "id, 1 at $.upstreams[0].id) take table 253, the kernel's default table: "
	  "give a table_base above 255 (default 20000)" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": 254"),
	  "$.dataplane.table_base: tables 254..255 (table_base + the largest upstream "
	  "id, 1 at $.upstreams[0].id) take table 254, the kernel's main table: "
	  "give a table_base above 255 (default 20000)" },
	{ GW DP(IFACE ", \"table_base\": 255"),
	  "$.dataplane.table_base: tables 255..255 (table_base alone: no upstream) "
	  "take table 255, the kernel's local table: give a table_base above 255 "
	  "(default 20000)" },
	/* the range spans the kernel's tables: the largest id decides it */
	{ GW "\"upstreams\": [" UP_SELF("a", 2, "100.64.0.1") ", "
	  UP_SELF("b", 999, "100.64.0.2") "], " DP(IFACE ", \"table_base\": 100"),
	  "$.dataplane.table_base: tables 100..1099 (table_base + the largest "
	  "upstream id, 999 at $.upstreams[1].id) take table 253, the kernel's "
	  "default table: give a table_base above 255 (default 20000)" },
	{ GW ONE_UP DP(IFACE ", \"table_base\": 4294967294"),
	  "$.dataplane.table_base: tables 4294967294..4294967295 (table_base + the "
	  "largest upstream id, 1 at $.upstreams[0].id) must end below 4294967295 "
	  "(2^32-1): give a smaller table_base (default 20000)" },
	{ GW DP(IFACE ", \"table_base\": 4294967295"),
	  "$.dataplane.table_base: tables 4294967295..4294967295 (table_base alone: "
	  "no upstream) must end below 4294967295 (2^32-1): give a smaller "
	  "table_base (default 20000)" },
	{ GW "\"upstreams\": [" UP("a", 1, "100.64.0.1", "unchanged") "], " DP(IFACE),
	  "$.upstreams[0].instance.next_hop: \"unchanged\" leaves the upstream's "
	  "address as the clients' next hop, so their packets never reach this "
	  "instance: with \"dataplane\", set \"next_hop\": \"self\"" },
	/* next_hop left out is "unchanged" too */
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "100.64.0.1") ", {\"name\": \"b\", "
	  "\"peer\": {\"address\": \"198.51.100.2\", \"asn\": 65020}, "
	  "\"instance\": {\"address\": \"100.64.0.2\"}}], " DP(IFACE),
	  "$.upstreams[1].instance.next_hop: \"unchanged\" leaves the upstream's "
	  "address as the clients' next hop, so their packets never reach this "
	  "instance: with \"dataplane\", set \"next_hop\": \"self\"" },
#define NOT_UNICAST(addr, kind, idx) \
	"$.upstreams[" #idx "].instance.address: " addr " is a " kind " address: " \
	"with \"dataplane\" it goes on the instance's own interface on " \
	"client_interface, as the next hop its clients send packets to (give it " \
	"a unicast address of the clients' link)"
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "127.0.20.1") "], " DP(IFACE),
	  NOT_UNICAST("127.0.20.1", "loopback", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "0.0.0.0") "], " DP(IFACE),
	  NOT_UNICAST("0.0.0.0", "\"this network\" (0.0.0.0/8)", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "224.0.0.5") "], " DP(IFACE),
	  NOT_UNICAST("224.0.0.5", "multicast", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "255.255.255.255") "], " DP(IFACE),
	  NOT_UNICAST("255.255.255.255", "broadcast", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "::") "], " DP(IFACE),
	  NOT_UNICAST("::", "unspecified", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "::1") "], " DP(IFACE),
	  NOT_UNICAST("::1", "loopback", 0) },
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "ff02::5") "], " DP(IFACE),
	  NOT_UNICAST("ff02::5", "multicast", 0) },
	/* two instances on one address, each on its own port */
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "100.64.0.1") ", {\"name\": \"b\", "
	  "\"peer\": {\"address\": \"198.51.100.2\", \"asn\": 65020}, "
	  "\"instance\": {\"address\": \"100.64.0.1\", \"port\": 1179, "
	  "\"next_hop\": \"self\"}}], " DP(IFACE),
	  "$.upstreams[1].instance.address: 100.64.0.1 is already the address of "
	  "$.upstreams[0]'s instance: with \"dataplane\" each instance is a "
	  "forwarding identity of its own (its interface, MAC and table), so each "
	  "needs an address of its own" },
	/* and on the same port: the error of any configuration, said once */
	{ GW "\"upstreams\": [" UP_SELF("a", 1, "100.64.0.1") ", "
	  UP_SELF("b", 2, "100.64.0.1") "], " DP(IFACE),
	  "$.upstreams[1]: instance address and port are already used by "
	  "$.upstreams[0]" },
};

START_TEST(test_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_msg(errs.count == 1, "case %d: %zu errors, the first: %s", _i,
	    errs.count, errs.count ? errs.lines[0] : "");
	ck_assert_str_eq(errs.lines[0], bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

/* One pass names every error: the section's and each instance's. */
START_TEST(test_all_errors_reported)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(GW "\"upstreams\": ["
	    UP("a", 1, "127.0.20.1", "unchanged") ", " UP_SELF("b", 2, "100.64.0.2")
	    ", " UP("c", 3, "100.64.0.3", "unchanged") "], "
	    DP("\"client_interface\": \"a/b\", \"table_base\": 0, \"fib\": \"x\""), &errs);
	static const char *const paths[] = {
		"$.dataplane.client_interface: ", "$.dataplane.fib: ",
		"$.dataplane.table_base: ", "$.upstreams[0].instance.next_hop: ",
		"$.upstreams[0].instance.address: ", "$.upstreams[2].instance.next_hop: ",
	};

	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.count, sizeof paths / sizeof paths[0]);
	for (size_t i = 0; i < errs.count; i++)
		ck_assert_msg(strncmp(errs.lines[i], paths[i], strlen(paths[i])) == 0,
		    "error %zu: %s, expected %s…", i, errs.lines[i], paths[i]);
	jsonv_free(&errs);
}
END_TEST

START_TEST(test_copy_equal_release)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW ONE_UP DP(IFACE ", \"fib\": \"full\""), &errs);
	struct dataplane_config copy, other, off = { 0 };

	dataplane_config_copy(&copy, &c->dataplane);
	ck_assert_ptr_ne(copy.client_interface, c->dataplane.client_interface);
	ck_assert(dataplane_config_equal(&copy, &c->dataplane));
	config_free(c);         /* the copy owns its own name */
	ck_assert_str_eq(copy.client_interface, "vnets0");

	dataplane_config_copy(&other, &copy);
	other.table_base++;
	ck_assert(!dataplane_config_equal(&copy, &other));
	other.table_base--;
	other.fib = DATAPLANE_FIB_DEFAULT;
	ck_assert(!dataplane_config_equal(&copy, &other));
	other.fib = DATAPLANE_FIB_FULL;
	other.client_interface[0] = 'x';
	ck_assert(!dataplane_config_equal(&copy, &other));
	dataplane_config_release(&other);
	ck_assert_ptr_null(other.client_interface);
	ck_assert(!dataplane_config_equal(&copy, &off));
	ck_assert(dataplane_config_equal(&off, &off));

	dataplane_config_copy(&other, &off);   /* nothing to own */
	ck_assert_ptr_null(other.client_interface);
	dataplane_config_release(&other);
	dataplane_config_release(&copy);
}
END_TEST

/* Printed (`--check-config -v`), the section shows every key with its
 * default, and loads back into an equal one. */
START_TEST(test_round_trip)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW ONE_UP DP(IFACE), &errs);
	json_t *o = config_to_json(c), *dp = json_object_get(o, "dataplane");

	ck_assert_ptr_nonnull(dp);
	ck_assert_uint_eq(json_object_size(dp), 3);
	ck_assert_str_eq(json_string_value(json_object_get(dp, "client_interface")),
	    "vnets0");
	ck_assert_int_eq(json_integer_value(json_object_get(dp, "table_base")), 20000);
	ck_assert_str_eq(json_string_value(json_object_get(dp, "fib")), "default");
	char *text = json_dumps(o, 0);
	struct config *again = load(text, &errs);
	ck_assert(dataplane_config_equal(&c->dataplane, &again->dataplane));
	free(text);
	json_decref(o);
	config_free(again);
	config_free(c);
}
END_TEST

START_TEST(test_ifname_rule)
{
	char why[160];

	ck_assert(config_ifname_ok("vnets0", why, sizeof why));
	ck_assert(config_ifname_ok("br-vnet.100", why, sizeof why));
	ck_assert(config_ifname_ok("...", why, sizeof why));
	ck_assert(!config_ifname_ok("a\tb", why, sizeof why));
	ck_assert_str_eq(why, "character 2 (octet 0x09) is not allowed: the kernel "
	    "refuses '/', ':' and whitespace");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_dataplane");
	TCase *tc = tcase_create("config_dataplane");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_absent);
	tcase_add_test(tc, test_table_range_edges);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_copy_equal_release);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_ifname_rule);
	suite_add_tcase(s, tc);
	return check_run(s);
}
