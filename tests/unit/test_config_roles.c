/*
 * test_config_roles.c — "export" (a view host) and "view_host" (an
 * instance host): every accepted form, every error with its exact line
 * and JSON path, copy/release/equal, and the printed form loading back
 * with no password in it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/config/config.h"
#include "tests/unit/check_run.h"

#define GW "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
/* An upstream with its session (a view host's, or one machine's). */
#define UP "{\"name\": \"isp-a\", \"id\": 1, \"peer\": {\"address\": \"127.0.10.1\", " \
	"\"asn\": 65010}, \"instance\": {\"address\": \"127.0.20.1\"}}"
/* An instance host's upstream: no session of its own. */
#define RUP(extra) "{\"name\": \"isp-a\", \"id\": 1" extra ", \"instance\": " \
	"{\"address\": \"127.0.20.1\"}}"
#define EXPORT(hosts) "\"export\": {\"listen\": \"127.0.0.1:1179\", \"hosts\": [" \
	hosts "]}"
#define HOST(name, addr) "{\"name\": \"" name "\", \"address\": \"" addr "\"}"
#define VIEW_HOST "\"view_host\": {\"address\": \"127.0.30.9\", \"port\": 1179, " \
	"\"asn\": 65000}"

static struct config *load(const char *json, struct jsonv *errs)
{
	struct config *c = config_load_string(json, errs);
	ck_assert_msg(c != NULL, "%s", errs->count ? errs->lines[0] : "");
	return c;
}

START_TEST(test_single_machine)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"upstreams\": [" UP "]}", &errs);

	ck_assert(!c->export.enabled);
	ck_assert_uint_eq(c->export.host_count, 0);
	ck_assert(!c->view_host.enabled);
	ck_assert_uint_eq(c->upstreams[0].n.remote_as, 65010);
	json_t *o = config_to_json(c);
	ck_assert_ptr_null(json_object_get(o, "export"));
	ck_assert_ptr_null(json_object_get(o, "view_host"));
	json_decref(o);
	config_free(c);
}
END_TEST

START_TEST(test_view_host_role)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"upstreams\": [" UP "], \"export\": {\"listen\": "
	    "\"[::1]:1179\", \"hosts\": [{\"name\": \"ih-1\", \"address\": \"::2\", "
	    "\"password\": \"s3cret\"}, " HOST("ih-2", "2001:db8::2") "]}}", &errs);
	char buf[64];

	ck_assert(c->export.enabled);
	ck_assert_str_eq(sockaddr_ntop(&c->export.listen, buf, sizeof buf), "::1");
	ck_assert_uint_eq(sockaddr_port(&c->export.listen), 1179);
	ck_assert_uint_eq(c->export.host_count, 2);
	ck_assert_str_eq(c->export.hosts[0].name, "ih-1");
	ck_assert_str_eq(sockaddr_ntop(&c->export.hosts[0].addr, buf, sizeof buf), "::2");
	ck_assert_str_eq(c->export.hosts[0].password, "s3cret");
	ck_assert_ptr_null(c->export.hosts[1].password);
	ck_assert_ptr_eq(config_export_host(&c->export, "ih-2"), &c->export.hosts[1]);
	ck_assert_ptr_null(config_export_host(&c->export, "ih-3"));
	config_free(c);
}
END_TEST

START_TEST(test_instance_host_role)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW VIEW_HOST ", \"upstreams\": [" RUP(", \"families\": "
	    "[\"ipv4-unicast\", \"ipv6-unicast\"]") "], \"clients\": [{\"name\": \"v\", "
	    "\"address\": \"127.0.20.10\", \"asn\": 65100, \"upstreams\": [\"isp-a\"]}]}",
	    &errs);
	char buf[64];

	ck_assert(c->view_host.enabled);
	ck_assert_str_eq(sockaddr_ntop(&c->view_host.addr, buf, sizeof buf), "127.0.30.9");
	ck_assert_uint_eq(sockaddr_port(&c->view_host.addr), 1179);
	ck_assert_uint_eq(c->view_host.asn, 65000);
	ck_assert_ptr_null(c->view_host.password);
	ck_assert_uint_eq(c->upstream_count, 1);
	ck_assert_uint_eq(c->upstreams[0].id, 1);
	ck_assert_uint_eq(c->upstreams[0].n.remote.len, 0);
	ck_assert_uint_eq(c->upstreams[0].n.family_count, 2);
	config_free(c);
}
END_TEST

START_TEST(test_view_host_local_address)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"view_host\": {\"address\": \"127.0.30.9\", "
	    "\"local_address\": \"127.0.30.2\"}, \"upstreams\": [" RUP("") "]}", &errs);
	struct view_host_config vh;
	char buf[64];

	ck_assert(c->view_host.has_local);
	ck_assert_str_eq(sockaddr_ntop(&c->view_host.local, buf, sizeof buf), "127.0.30.2");
	view_host_config_copy(&vh, &c->view_host);
	ck_assert(view_host_config_equal(&vh, &c->view_host));
	vh.has_local = false;
	ck_assert(!view_host_config_equal(&vh, &c->view_host));
	view_host_config_release(&vh);
	config_free(c);
}
END_TEST

/* "port" and "asn" of view_host have defaults: 179 and the gateway's. */
START_TEST(test_view_host_defaults)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW "\"view_host\": {\"address\": \"::1\", \"password\": "
	    "\"k\"}, \"upstreams\": [" RUP("") "]}", &errs);

	ck_assert_uint_eq(sockaddr_port(&c->view_host.addr), 179);
	ck_assert_uint_eq(c->view_host.asn, 65000);
	ck_assert_str_eq(c->view_host.password, "k");
	ck_assert(!c->view_host.has_local);
	config_free(c);
}
END_TEST

static const struct {
	const char *json;
	const char *error;
} bad[] = {
	{ GW EXPORT(HOST("ih-1", "127.0.30.1")) ", " VIEW_HOST "}",
	  "$.view_host: a muxd is a view host (\"export\") or an instance host "
	  "(\"view_host\"), not both: remove one of the keys" },
	{ GW EXPORT(HOST("ih-1", "127.0.30.1") ", " HOST("ih-2", "host-2")) "}",
	  "$.export.hosts[1].address: not an IP address: \"host-2\" (give a numeric "
	  "IPv4 or IPv6 address)" },
	{ GW EXPORT(HOST("ih-1", "127.0.30.1") ", " HOST("ih-1", "127.0.30.2")) "}",
	  "$.export.hosts[1].name: \"ih-1\" is already the name of $.export.hosts[0]" },
	{ GW EXPORT(HOST("ih-1", "127.0.30.1") ", " HOST("ih-2", "127.0.30.1")) "}",
	  "$.export.hosts[1].address: already the address of $.export.hosts[0]: a "
	  "host is told by its address (give each its own)" },
	{ GW EXPORT(HOST("ih 1", "127.0.30.1")) "}",
	  "$.export.hosts[0].name: character 3 (octet 0x20) is not allowed: a client's "
	  "name is 1 to 64 characters of A-Z a-z 0-9 . _ @ : -" },
	{ GW EXPORT("{\"name\": \"ih-1\"}") "}",
	  "$.export.hosts[0].address: missing (required)" },
	{ GW EXPORT("{\"name\": \"ih-1\", \"address\": \"127.0.30.1\", \"port\": 1}") "}",
	  "$.export.hosts[0].port: unknown key (check its spelling)" },
	{ GW EXPORT("{\"name\": \"ih-1\", \"address\": \"127.0.30.1\", \"password\": \""
	  "123456789012345678901234567890123456789012345678901234567890123456789012345"
	  "678901\"}") "}",
	  "$.export.hosts[0].password: TCP-MD5 keys are at most 80 bytes" },
	{ GW "\"export\": {\"listen\": \"127.0.0.1\", \"hosts\": []}}",
	  "$.export.listen: \"127.0.0.1\" is not ADDRESS:PORT (e.g. \"192.0.2.1:1179\" "
	  "or \"[2001:db8::1]:1179\")" },
	{ GW "\"export\": {\"listen\": \"::1:1179\", \"hosts\": []}}",
	  "$.export.listen: \"::1:1179\" is not ADDRESS:PORT (e.g. \"192.0.2.1:1179\" "
	  "or \"[2001:db8::1]:1179\")" },
	{ GW "\"export\": {\"hosts\": []}}", "$.export.listen: missing (required)" },
	{ GW "\"export\": {\"listen\": \"127.0.0.1:1179\"}}", "$.export.hosts: missing (required)" },
	{ GW "\"upstreams\": [" UP "], \"export\": {\"listen\": \"0.0.0.0:179\", "
	  "\"hosts\": []}}",
	  "$.export.listen: muxd listens on 0.0.0.0 port 179 for \"isp-a\" "
	  "(listen_port): give the export another port or address" },
	{ GW "\"upstreams\": [" UP "], \"export\": {\"listen\": \"127.0.20.1:179\", "
	  "\"hosts\": []}}",
	  "$.export.listen: 127.0.20.1 port 179 is where the instance of "
	  "$.upstreams[0] listens (give the export its own address or port)" },
	{ GW "\"upstreams\": [" UP "], " EXPORT(HOST("ih-1", "127.0.10.1")) "}",
	  "$.export.hosts[0].address: already the peer address of $.upstreams[0]: an "
	  "instance host is not an upstream (give it another address)" },
	{ GW EXPORT(HOST("ih-1", "::1")) "}",
	  "$.export.hosts[0].address: an IPv6 address, but export.listen is IPv4: this "
	  "host could never connect (give it an address of export.listen's family)" },
	{ GW "\"view_host\": {\"address\": \"view-host\"}}",
	  "$.view_host.address: not an IP address: \"view-host\" (give a numeric IPv4 "
	  "or IPv6 address)" },
	{ GW "\"view_host\": {\"address\": \"::1\", \"asn\": 65001}}",
	  "$.view_host.asn: 65001 is not the gateway's asn 65000: the session to the "
	  "view host is iBGP (give both hosts the same \"asn\")" },
	{ GW "\"view_host\": {\"port\": 1179}}", "$.view_host.address: missing (required)" },
	{ GW "\"view_host\": {\"address\": \"::1\", \"local_address\": \"127.0.0.2\"}}",
	  "$.view_host.local_address: address family differs from view_host.address" },
	{ GW "\"view_host\": {\"address\": \"::1\", \"local_address\": \"me\"}}",
	  "$.view_host.local_address: not an IP address: \"me\" (give a numeric IPv4 or "
	  "IPv6 address)" },
	{ GW VIEW_HOST ", \"upstreams\": [" UP "]}",
	  "$.upstreams[0].peer: an instance host's upstream has no session of its own: "
	  "its view host ($.view_host) holds it (remove this key)" },
	{ GW VIEW_HOST ", \"upstreams\": [" RUP(", \"password\": \"x\"") "]}",
	  "$.upstreams[0].password: an instance host's upstream has no session of its "
	  "own: its view host ($.view_host) holds it (remove this key)" },
	{ GW VIEW_HOST ", \"upstreams\": [" RUP(", \"max_prefixes\": 10") "]}",
	  "$.upstreams[0].max_prefixes: an instance host's upstream has no session of "
	  "its own: its view host ($.view_host) holds it (remove this key)" },
	{ GW VIEW_HOST ", \"upstreams\": [{\"name\": \"isp-a\", \"id\": 1}]}",
	  "$.upstreams[0].instance: missing (required)" },
	{ GW VIEW_HOST ", \"upstreams\": [{\"name\": \"isp-a\", \"instance\": "
	  "{\"address\": \"127.0.20.1\"}}]}",
	  "$.upstreams[0].id: missing (required)" },
};

START_TEST(test_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_msg(errs.count >= 1, "case %d: no error", _i);
	ck_assert_msg(errs.count == 1, "case %d: %zu errors, the first: %s", _i,
	    errs.count, errs.lines[0]);
	ck_assert_str_eq(errs.lines[0], bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

/* At most CONFIG_EXPORT_HOSTS_MAX hosts: the limit itself is taken. */
START_TEST(test_host_limit)
{
	for (size_t n = CONFIG_EXPORT_HOSTS_MAX; n <= CONFIG_EXPORT_HOSTS_MAX + 1; n++) {
		struct jsonv errs = { 0 };
		size_t cap = 128 + n * 64, at;
		char *doc = malloc(cap);
		at = (size_t)snprintf(doc, cap, GW "\"export\": {\"listen\": "
		    "\"127.0.0.1:1179\", \"hosts\": [");
		for (size_t i = 0; i < n; i++)
			at += (size_t)snprintf(doc + at, cap - at, "%s{\"name\": \"h%zu\", "
			    "\"address\": \"10.0.%zu.%zu\"}", i ? ", " : "", i, i / 256, i % 256);
		snprintf(doc + at, cap - at, "]}}");
		struct config *c = config_load_string(doc, &errs);
		if (n == CONFIG_EXPORT_HOSTS_MAX) {
			ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
			ck_assert_uint_eq(c->export.host_count, n);
			config_free(c);
		} else {
			ck_assert_ptr_null(c);
			ck_assert_str_eq(errs.lines[0], "$.export.hosts: 257 hosts: at most 256 "
			    "instance hosts per view host");
			jsonv_free(&errs);
		}
		free(doc);
	}
}
END_TEST

/* Each session key of an instance host's upstream is named, all in one pass. */
START_TEST(test_every_session_key_named)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(GW VIEW_HOST ", \"upstreams\": ["
	    "{\"name\": \"isp-a\", \"id\": 1, \"peer\": {\"address\": \"127.0.10.1\", "
	    "\"asn\": 65010}, \"hold_time\": 30, \"next_hop_ipv4\": \"192.0.2.1\", "
	    "\"instance\": {\"address\": \"127.0.20.1\"}}]}", &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.count, 3);
	ck_assert_ptr_nonnull(strstr(errs.lines[0], "$.upstreams[0].peer: "));
	ck_assert_ptr_nonnull(strstr(errs.lines[1], "$.upstreams[0].hold_time: "));
	ck_assert_ptr_nonnull(strstr(errs.lines[2], "$.upstreams[0].next_hop_ipv4: "));
	jsonv_free(&errs);
}
END_TEST

/* A list item that is not an object is an error naming it, never a crash
 * (the checks across a list compare names). */
START_TEST(test_item_not_an_object)
{
	static const char *const docs[][2] = {
		{ GW "\"peers\": [1, 2]}", "$.peers[0]: expected an object" },
		{ GW "\"upstreams\": [1, 2]}", "$.upstreams[0]: expected an object" },
		{ GW VIEW_HOST ", \"upstreams\": [1, 2]}", "$.upstreams[0]: expected an object" },
		{ GW "\"clients\": [1, 2]}", "$.clients[0]: expected an object" },
		{ GW EXPORT("1, 2") "}", "$.export.hosts[0]: expected an object" },
	};

	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		struct jsonv errs = { 0 };
		ck_assert_ptr_null(config_load_string(docs[i][0], &errs));
		ck_assert_uint_ge(errs.count, 2);
		ck_assert_str_eq(errs.lines[0], docs[i][1]);
		jsonv_free(&errs);
	}
}
END_TEST

START_TEST(test_copy_equal_release)
{
	struct jsonv errs = { 0 };
	struct config *c = load(GW EXPORT("{\"name\": \"ih-1\", \"address\": "
	    "\"127.0.30.1\", \"password\": \"s3cret\"}, " HOST("ih-2", "127.0.30.2")) "}",
	    &errs);
	struct config *v = load(GW "\"view_host\": {\"address\": \"::1\", \"password\": "
	    "\"k\"}}", &errs);
	struct export_config e;
	struct view_host_config vh;

	export_config_copy(&e, &c->export);
	ck_assert(export_config_equal(&e, &c->export));
	ck_assert_ptr_ne(e.hosts[0].password, c->export.hosts[0].password);
	e.hosts[0].password[0] = 'S';
	ck_assert(!export_host_config_equal(&e.hosts[0], &c->export.hosts[0]));
	ck_assert(!export_config_equal(&e, &c->export));
	ck_assert(export_host_config_equal(&e.hosts[1], &c->export.hosts[1]));
	e.host_count = 1;       /* a host removed */
	ck_assert(!export_config_equal(&e, &c->export));
	e.host_count = 2;
	export_config_release(&e);
	ck_assert_ptr_null(e.hosts);
	ck_assert_uint_eq(e.host_count, 0);

	view_host_config_copy(&vh, &v->view_host);
	ck_assert(view_host_config_equal(&vh, &v->view_host));
	sockaddr_set_port(&vh.addr, 1179);
	ck_assert(!view_host_config_equal(&vh, &v->view_host));
	view_host_config_release(&vh);
	ck_assert_ptr_null(vh.password);
	config_free(v);
	config_free(c);
}
END_TEST

/* The printed form loads back equal, passwords aside, and shows none. */
START_TEST(test_round_trip)
{
	static const char *const docs[] = {
		GW "\"upstreams\": [" UP "], \"export\": {\"listen\": \"[::1]:1179\", "
		"\"hosts\": [{\"name\": \"ih-1\", \"address\": \"2001:db8::11\", "
		"\"password\": \"s3cret\"}]}}",
		GW "\"view_host\": {\"address\": \"127.0.30.9\", \"password\": \"s3cret\"}, "
		"\"upstreams\": [" RUP("") "]}",
	};

	for (size_t i = 0; i < 2; i++) {
		struct jsonv errs = { 0 };
		struct config *c = load(docs[i], &errs);
		json_t *o = config_to_json(c);
		char *text = json_dumps(o, 0);
		ck_assert_ptr_null(strstr(text, "s3cret"));
		struct config *again = load(text, &errs);
		ck_assert(again->export.enabled == c->export.enabled);
		ck_assert(sockaddr_equal(&again->export.listen, &c->export.listen));
		ck_assert_uint_eq(again->export.host_count, c->export.host_count);
		ck_assert(view_host_config_equal(&again->view_host, &c->view_host) ==
		    !c->view_host.enabled);     /* the password is "<set>" now */
		ck_assert(upstream_config_equal(&again->upstreams[0], &c->upstreams[0]));
		free(text);
		json_decref(o);
		config_free(again);
		config_free(c);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_roles");
	TCase *tc = tcase_create("config_roles");

	tcase_add_test(tc, test_single_machine);
	tcase_add_test(tc, test_view_host_role);
	tcase_add_test(tc, test_instance_host_role);
	tcase_add_test(tc, test_view_host_defaults);
	tcase_add_test(tc, test_view_host_local_address);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_every_session_key_named);
	tcase_add_test(tc, test_host_limit);
	tcase_add_test(tc, test_item_not_an_object);
	tcase_add_test(tc, test_copy_equal_release);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
