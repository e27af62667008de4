/*
 * test_config.c — the configuration: defaults, every field, and errors
 * that name the JSON path at fault.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "muxd/config/config.h"
#include "web/stream.h"
#include "tests/unit/check_run.h"

static const char *const valid_full =
    "{\"asn\": 4200000001, \"router_id\": \"192.0.2.1\", \"state_dir\": \"/tmp/s\","
    " \"listen_port\": 1179, \"log_level\": \"debug\","
    " \"peers\": [{\"name\": \"isp-a\","
    "   \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 65010, \"port\": 1790},"
    "   \"local_address\": \"127.0.0.2\", \"passive\": true, \"hold_time\": 0,"
    "   \"connect_retry\": 5, \"families\": [\"ipv4-unicast\", \"ipv6-unicast\"],"
    "   \"password\": \"s3cret\", \"ttl_security\": true, \"add_path\": \"both\"}]}";

START_TEST(test_full)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(valid_full, &errs);

	ck_assert_uint_eq(errs.count, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->asn, 4200000001u);
	ck_assert_uint_eq(c->router_id, 0xC0000201u);
	ck_assert_str_eq(c->state_dir, "/tmp/s");
	ck_assert_uint_eq(c->listen_port, 1179);
	ck_assert_int_eq(c->log_level, LOG_LVL_DEBUG);
	ck_assert_uint_eq(c->peer_count, 1);
	const struct neighbor_config *n = &c->peers[0];
	ck_assert_str_eq(n->name, "isp-a");
	ck_assert_uint_eq(n->remote_as, 65010);
	ck_assert_uint_eq(sockaddr_port(&n->remote), 1790);
	ck_assert(n->has_local);
	ck_assert(n->passive);
	ck_assert_uint_eq(n->hold_time, 0);
	ck_assert_uint_eq(n->connect_retry, 5);
	ck_assert_uint_eq(n->family_count, 2);
	ck_assert_uint_eq(n->families[1].afi, 2);
	ck_assert_str_eq(n->password, "s3cret");
	ck_assert(n->ttl_security);
	ck_assert_int_eq(n->add_path, ADDPATH_BOTH);
	config_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(
	    "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", \"peers\": [{\"name\": \"a\","
	    " \"peer\": {\"address\": \"::1\", \"asn\": 1}}]}", &errs);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->state_dir, "var");
	ck_assert_uint_eq(c->listen_port, 179);
	ck_assert_int_eq(c->log_level, LOG_LVL_INFO);
	ck_assert_uint_eq(c->peers[0].hold_time, 90);
	ck_assert_uint_eq(sockaddr_port(&c->peers[0].remote), 179);
	ck_assert_uint_eq(c->peers[0].family_count, 1);
	ck_assert_uint_eq(c->peers[0].families[0].afi, 1);
	ck_assert(!c->peers[0].passive);
	ck_assert_ptr_null(c->peers[0].password);
	config_free(c);
}
END_TEST

/* Each bad document and the exact first error line it must produce. */
static const struct {
	const char *json;
	const char *error;
} bad_cases[] = {
	{ "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", \"bogus\": 1}",
	  "$.bogus: unknown key (check its spelling)" },
	{ "{\"asn\": \"65000\", \"router_id\": \"10.0.0.1\"}",
	  "$.asn: expected an integer 1..4294967295" },
	{ "{\"router_id\": \"10.0.0.1\"}", "$.asn: missing (required)" },
	{ "{\"asn\": 1, \"router_id\": \"0.0.0.0\"}",
	  "$.router_id: \"0.0.0.0\" is not a non-zero IPv4 address" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.300\", \"asn\": 2}}]}",
	  "$.peers[0].peer.address: \"127.0.0.300\" is not a numeric IPv4 or IPv6 address" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 0}}]}",
	  "$.peers[0].peer.asn: expected an integer 1..4294967295" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"hold_time\": 2}]}",
	  "$.peers[0].hold_time: must be 0 or at least 3 seconds (RFC 4271)" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"families\": [\"ipv5\"]}]}",
	  "$.peers[0].families[0]: expected a family such as \"ipv4-unicast\" or \"ipv6-unicast\"" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"add_path\": \"all\"}]}",
	  "$.peers[0].add_path: \"all\" is not one of \"off\", \"receive\", \"send\", \"both\"" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"local_address\": \"::1\"}]}",
	  "$.peers[0].local_address: address family differs from peer.address" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": ["
	  "{\"name\": \"a\", \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}},"
	  "{\"name\": \"a\", \"peer\": {\"address\": \"127.0.0.4\", \"asn\": 2}}]}",
	  "$.peers[1].name: \"a\" is already the name of $.peers[0]" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\"}]}",
	  "$.peers[0].peer: missing (required)" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"multisession\": \"yes\"}]}",
	  "$.peers[0].multisession: \"yes\" is not one of \"auto\", \"off\", \"cisco\", \"ietf\"" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2},"
	  " \"family_ports\": {\"ipv6-unicast\": 1790}}]}",
	  "$.peers[0].family_ports.ipv6-unicast: \"ipv6-unicast\" is not one of the families" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2}, \"multisession\": \"cisco\","
	  " \"family_ports\": {\"ipv4-unicast\": 1790}}]}",
	  "$.peers[0].family_ports: redirecting a family's session to its own port is "
	  "the IETF dialect's: set \"multisession\" to \"ietf\" or \"auto\"" },
	{ "{\"asn\": 1, \"router_id\": \"1.2.3.4\", \"peers\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 2},"
	  " \"family_ports\": {\"ipv4-unicast\": 70000}}]}",
	  "$.peers[0].family_ports.ipv4-unicast: expected a TCP port, 1..65535" },
	{ "{\"asn\": 1,", NULL /* invalid JSON: checked by prefix below */ },
};

/* The live stream: "stream": {"max_queue", "idle_timeout"}. */
START_TEST(test_stream)
{
	struct jsonv errs = { 0 };
	const char *head = "{\"asn\": 65000, \"router_id\": \"10.0.0.1\"";
	char json[256];

	snprintf(json, sizeof json, "%s, \"stream\": {\"max_queue\": 65536, "
	    "\"idle_timeout\": 30}}", head);
	struct config *c = config_load_string(json, &errs);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->stream_max_queue, 65536);
	ck_assert_uint_eq(c->stream_idle_timeout, 30);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"stream\": {\"idle_timeout\": 1}}", head);
	ck_assert_ptr_null(config_load_string(json, &errs));
	ck_assert_uint_ge(errs.count, 1);
	jsonv_free(&errs);
	memset(&errs, 0, sizeof errs);
	snprintf(json, sizeof json, "%s}", head);
	c = config_load_string(json, &errs);
	/* without the key, the defaults the stream has without a configuration */
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->stream_max_queue, STREAM_MAX_QUEUE_DEFAULT);
	ck_assert_uint_eq(c->stream_idle_timeout, STREAM_IDLE_TIMEOUT_DEFAULT);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"stream\": {\"listen\": \"127.0.0.1:80\"}}", head);
	ck_assert_ptr_null(config_load_string(json, &errs));
	ck_assert_uint_ge(errs.count, 1);
	jsonv_free(&errs);
	memset(&errs, 0, sizeof errs);
	snprintf(json, sizeof json, "%s, \"stream\": {\"max_queue\": 100}}", head);
	ck_assert_ptr_null(config_load_string(json, &errs));
	ck_assert_uint_ge(errs.count, 1);
	jsonv_free(&errs);
}
END_TEST

/* "open_timeout": seconds a new connection has for its OPEN, 1..240. */
START_TEST(test_open_timeout)
{
	struct jsonv errs = { 0 };
	const char *head = "{\"asn\": 65000, \"router_id\": \"10.0.0.1\"";
	const char *bad[] = { "0", "241", "\"10\"" };
	char json[256];

	snprintf(json, sizeof json, "%s}", head);
	struct config *c = config_load_string(json, &errs);
	ck_assert(c && c->open_timeout == CONFIG_OPEN_TIMEOUT_DEFAULT);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"open_timeout\": 30}", head);
	c = config_load_string(json, &errs);
	ck_assert(c && c->open_timeout == 30);
	config_free(c);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json, "%s, \"open_timeout\": %s}", head, bad[i]);
		ck_assert_ptr_null(config_load_string(json, &errs));
		ck_assert_uint_ge(errs.count, 1);
		ck_assert_ptr_nonnull(strstr(errs.lines[0], "$.open_timeout"));
		jsonv_free(&errs);
		memset(&errs, 0, sizeof errs);
	}
}
END_TEST

/* "graceful_restart": {"restart_time"}: absent, muxd restarts gracefully
 * toward nobody (0); present, 120 s unless set, 1..4095 (12 bits). */
START_TEST(test_gr_restart_time)
{
	struct jsonv errs = { 0 };
	const char *head = "{\"asn\": 65000, \"router_id\": \"10.0.0.1\"";
	const char *bad[] = { "{\"restart_time\": 0}", "{\"restart_time\": 4096}",
		"{\"restart\": 10}", "true" };
	char json[256];

	snprintf(json, sizeof json, "%s}", head);
	struct config *c = config_load_string(json, &errs);
	ck_assert(c && c->gr_restart_time == 0);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"graceful_restart\": {}}", head);
	c = config_load_string(json, &errs);
	ck_assert(c && c->gr_restart_time == CONFIG_GR_RESTART_TIME_DEFAULT);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"graceful_restart\": {\"restart_time\": 4095}}", head);
	c = config_load_string(json, &errs);
	ck_assert(c && c->gr_restart_time == 4095);
	config_free(c);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json, "%s, \"graceful_restart\": %s}", head, bad[i]);
		ck_assert_ptr_null(config_load_string(json, &errs));
		ck_assert_uint_ge(errs.count, 1);
		ck_assert_ptr_nonnull(strstr(errs.lines[0], "$.graceful_restart"));
		jsonv_free(&errs);
		memset(&errs, 0, sizeof errs);
	}
}
END_TEST

/* "user" and "seccomp": no user and the filter on by default; a user
 * name that cannot be one is an error at $.user. */
START_TEST(test_privileges)
{
	struct jsonv errs = { 0 };
	const char *head = "{\"asn\": 65000, \"router_id\": \"10.0.0.1\"";
	const char *bad[] = { "\"\"", "\"-root\"", "\"a b\"", "\"a/b\"", "7",
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" };
	char json[256];

	snprintf(json, sizeof json, "%s}", head);
	struct config *c = config_load_string(json, &errs);
	ck_assert(c && c->user == NULL && c->seccomp);
	config_free(c);
	snprintf(json, sizeof json, "%s, \"user\": \"bgp-mux_1.x\", \"seccomp\": false}",
	    head);
	c = config_load_string(json, &errs);
	ck_assert(c && c->user && strcmp(c->user, "bgp-mux_1.x") == 0 && !c->seccomp);
	config_free(c);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json, "%s, \"user\": %s}", head, bad[i]);
		ck_assert_ptr_null(config_load_string(json, &errs));
		ck_assert_uint_eq(errs.count, 1);
		ck_assert_ptr_nonnull(strstr(errs.lines[0], "$.user"));
		jsonv_free(&errs);
		memset(&errs, 0, sizeof errs);
	}
	snprintf(json, sizeof json, "%s, \"seccomp\": \"no\"}", head);
	ck_assert_ptr_null(config_load_string(json, &errs));
	ck_assert_ptr_nonnull(strstr(errs.lines[0], "$.seccomp"));
	jsonv_free(&errs);
}
END_TEST

START_TEST(test_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(bad_cases[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	if (bad_cases[_i].error)
		ck_assert_str_eq(errs.lines[0], bad_cases[_i].error);
	else
		ck_assert_msg(strstr(errs.lines[0], "invalid JSON") != NULL, "%s", errs.lines[0]);
	jsonv_free(&errs);
}
END_TEST

/* All errors come out in one pass, not just the first. */
START_TEST(test_all_errors_reported)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(
	    "{\"asn\": -1, \"router_id\": 5, \"x\": 1, \"peers\": [{\"name\": 1,"
	    " \"peer\": {\"address\": \"1.2.3.4\", \"asn\": 2}, \"passive\": \"yes\"}]}", &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.count, 5);
	jsonv_free(&errs);
}
END_TEST

START_TEST(test_equal)
{
	struct jsonv errs = { 0 };
	struct config *a = config_load_string(valid_full, &errs);
	struct config *b = config_load_string(valid_full, &errs);

	ck_assert(neighbor_config_equal(&a->peers[0], &b->peers[0]));
	b->peers[0].hold_time = 30;
	ck_assert(!neighbor_config_equal(&a->peers[0], &b->peers[0]));
	b->peers[0].hold_time = a->peers[0].hold_time;
	b->peers[0].families[1].afi = 1;
	ck_assert(!neighbor_config_equal(&a->peers[0], &b->peers[0]));
	config_free(a);
	config_free(b);
}
END_TEST

/* multisession and family_ports: parsed, defaulted, compared. */
START_TEST(test_multisession)
{
	struct jsonv errs = { 0 };
	const char *json =
	    "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", \"peers\": ["
	    "{\"name\": \"a\", \"peer\": {\"address\": \"127.0.0.2\", \"asn\": 1},"
	    " \"families\": [\"ipv4-unicast\", \"ipv6-unicast\"], \"multisession\": \"ietf\","
	    " \"family_ports\": {\"ipv6-unicast\": 1790}},"
	    "{\"name\": \"b\", \"peer\": {\"address\": \"127.0.0.3\", \"asn\": 1}}]}";
	struct config *a = config_load_string(json, &errs), *b = config_load_string(json, &errs);

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->peers[0].multisession, MS_IETF);
	ck_assert_uint_eq(a->peers[0].family_ports[0], 0);
	ck_assert_uint_eq(a->peers[0].family_ports[1], 1790);
	ck_assert_int_eq(a->peers[1].multisession, MS_AUTO);       /* the default */
	ck_assert_str_eq(ms_mode_name(MS_CISCO), "cisco");
	/* a family added: the same neighbor but for its families */
	b->peers[0].families[2] = (struct bgp_family){ BGP_AFI_IPV4, BGP_SAFI_VPN };
	b->peers[0].family_count = 3;
	ck_assert(!neighbor_config_equal(&a->peers[0], &b->peers[0]));
	ck_assert(neighbor_config_equal_but_families(&a->peers[0], &b->peers[0]));
	ck_assert_int_eq(neighbor_family_index(&b->peers[0], b->peers[0].families[2]), 2);
	b->peers[0].multisession = MS_CISCO;    /* the mode is not a family */
	ck_assert(!neighbor_config_equal_but_families(&a->peers[0], &b->peers[0]));
	config_free(a);
	config_free(b);
}
END_TEST

/* A client's address may be a range: parsed, matched, overlapping. */
START_TEST(test_client_ranges)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(
	    "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", \"upstreams\": [{\"name\": \"u\","
	    " \"peer\": {\"address\": \"127.0.0.2\", \"asn\": 1}, \"instance\": {\"address\":"
	    " \"127.0.0.3\"}}], \"clients\": [{\"name\": \"r\", \"address\": \"127.0.30.0/28\","
	    " \"asn\": 65001, \"upstreams\": [\"u\"]}, {\"name\": \"s\", \"address\":"
	    " \"127.0.30.16\", \"asn\": 65002, \"upstreams\": [\"u\"]}]}", &errs);
	struct sockaddr_mux in, out;
	char buf[80];

	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "?");
	ck_assert_uint_eq(c->clients[0].range_len, 28);
	ck_assert_str_eq(client_addr_text(&c->clients[0], buf, sizeof buf), "127.0.30.0/28");
	ck_assert(sockaddr_parse("127.0.30.15", 0, &in) && sockaddr_parse("127.0.30.16", 0, &out));
	ck_assert(client_addr_contains(&c->clients[0], &in));
	ck_assert(!client_addr_contains(&c->clients[0], &out));
	ck_assert(client_addr_contains(&c->clients[1], &out));
	ck_assert(!client_addrs_overlap(&c->clients[0], &c->clients[1]));
	c->clients[1].addr = in;                /* now inside the range */
	ck_assert(client_addrs_overlap(&c->clients[0], &c->clients[1]));
	ck_assert(client_addrs_overlap(&c->clients[1], &c->clients[0]));
	config_free(c);
}
END_TEST

START_TEST(test_family_names)
{
	struct bgp_family f;
	ck_assert(family_parse("ipv6-unicast", &f));
	ck_assert_str_eq(family_name(f), "ipv6-unicast");
	ck_assert(!family_parse("IPv6", &f));
}
END_TEST

/* The multiplexer's example configuration, verbatim: the contract users
 * rely on. */
static const char *const mux_example =
    "{ \"asn\": 65000, \"router_id\": \"192.0.2.1\", \"state_dir\": \"var\","
    "  \"upstreams\": [ { \"name\": \"isp-a\","
    "      \"peer\": { \"address\": \"127.0.10.1\", \"asn\": 65010, \"port\": 179 },"
    "      \"local_address\": \"127.0.0.2\","
    "      \"families\": [\"ipv4-unicast\", \"ipv6-unicast\"], \"hold_time\": 90,"
    "      \"instance\": { \"address\": \"127.0.20.1\", \"port\": 179,"
    "                    \"local_as\": 65000, \"next_hop\": \"unchanged\" } } ],"
    "  \"clients\": [ { \"name\": \"vnet-1\", \"address\": \"127.0.30.1\", \"asn\": 65101,"
    "      \"upstreams\": [\"isp-a\"], \"prefixes\": [\"184.164.224.0/24\"] } ] }";

START_TEST(test_mux_example)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(mux_example, &errs);

	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	ck_assert_uint_eq(c->upstream_count, 1);
	ck_assert_str_eq(c->upstreams[0].n.name, "isp-a");
	ck_assert_uint_eq(c->upstreams[0].n.remote_as, 65010);
	ck_assert_uint_eq(c->upstreams[0].instance.local_as, 65000);
	ck_assert(!c->upstreams[0].instance.next_hop_self);
	ck_assert_uint_eq(sockaddr_port(&c->upstreams[0].instance.addr), 179);
	ck_assert_uint_eq(c->client_count, 1);
	ck_assert_str_eq(c->clients[0].name, "vnet-1");
	ck_assert_uint_eq(c->clients[0].asn, 65101);
	ck_assert(client_has_upstream(&c->clients[0], "isp-a"));
	ck_assert_str_eq(c->clients[0].prefixes[0], "184.164.224.0/24");
	ck_assert_int_eq(c->clients[0].add_path, ADDPATH_SEND);
	ck_assert_int_eq(c->upstreams[0].n.add_path, ADDPATH_RECEIVE);
	ck_assert(upstream_config_equal(&c->upstreams[0], &c->upstreams[0]));
	config_free(c);
}
END_TEST

static const struct {
	const char *json;
	const char *error;
} mux_bad[] = {
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2}}]}",
	  "$.upstreams[0].instance: missing (required)" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"instance\": {\"address\": \"127.0.20.1\", \"next_hop\": \"peer\"}}]}",
	  "$.upstreams[0].instance.next_hop: \"peer\" is not one of \"unchanged\", \"self\"" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [\"nope\"]}]}",
	  "$.clients[0].upstreams[0]: no upstream is named \"nope\"" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"prefixes\": [\"184.164.224.0/33\"]}]}",
	  "$.clients[0].prefixes[0]: expected a prefix such as \"184.164.224.0/24\"" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [], \"colour\": 1}]}",
	  "$.clients[0].colour: unknown key (check its spelling)" },
	/* client routes */
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"max_length\": {\"ipv4\": 33}}]}",
	  "$.clients[0].max_length.ipv4: expected an integer 1..32" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"max_length\": {\"ipv5\": 3}}]}",
	  "$.clients[0].max_length.ipv5: unknown key (check its spelling)" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"max_length\": 24}]}",
	  "$.clients[0].max_length: expected an object" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"max_prefixes\": 0}]}",
	  "$.clients[0].max_prefixes: expected an integer 1..1000000" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"keep_asn\": true}]}",
	  "$.clients[0].keep_asn: asn 65101 is private (RFC 6996/7300): it is removed from "
	  "every path, so there is nothing to keep (set keep_asn to false)" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"hold_down\": \"5m\"}]}",
	  "$.clients[0].hold_down: expected an integer 0..86400" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"clients\": [{\"name\": \"c\","
	  " \"address\": \"127.0.30.1\", \"asn\": 65101, \"upstreams\": [],"
	  " \"min_interval\": 3601}]}",
	  "$.clients[0].min_interval: expected an integer 0..3600" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"id\": 1000, \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"instance\": {\"address\": \"127.0.20.1\"}}]}",
	  "$.upstreams[0].id: expected an integer 1..999" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": ["
	  "{\"name\": \"a\", \"id\": 2, \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"instance\": {\"address\": \"127.0.20.1\"}},"
	  "{\"name\": \"b\", \"peer\": {\"address\": \"127.0.10.2\", \"asn\": 3},"
	  " \"instance\": {\"address\": \"127.0.20.2\"}}]}",
	  "$.upstreams[1].id: id 2 is already $.upstreams[0]'s (give every upstream its own id, 1..999)" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"instance\": {\"address\": \"127.0.20.1\", \"client_to_client\": 1}}]}",
	  "$.upstreams[0].instance.client_to_client: expected true or false" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2}, \"next_hop_ipv6\": \"127.0.0.1\","
	  " \"instance\": {\"address\": \"127.0.20.1\"}}]}",
	  "$.upstreams[0].next_hop_ipv6: \"127.0.0.1\" is not a numeric IPv6 address" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"a\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2}, \"graceful_restart\": \"on\","
	  " \"instance\": {\"address\": \"127.0.20.1\"}}]}",
	  "$.upstreams[0].graceful_restart: expected true or false" },
	{ "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"peers\": [{\"name\": \"p\","
	  " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2}, \"graceful_restart\": true}]}",
	  "$.peers[0].graceful_restart: unknown key (check its spelling)" },
};

/* Client route settings: every key, and the defaults. */
START_TEST(test_client_routes)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(
	    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": ["
	    "{\"name\": \"a\", \"id\": 7, \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	    " \"instance\": {\"address\": \"127.0.20.1\", \"client_to_client\": true}},"
	    "{\"name\": \"b\", \"peer\": {\"address\": \"127.0.10.2\", \"asn\": 3},"
	    " \"graceful_restart\": true, \"instance\": {\"address\": \"127.0.20.2\"}}],"
	    " \"clients\": [{\"name\": \"x\", \"address\": \"127.0.30.1\", \"asn\": 3130,"
	    " \"upstreams\": [\"a\"], \"prefixes\": [\"184.164.224.0/19\"],"
	    " \"max_length\": {\"ipv4\": 22, \"ipv6\": 56}, \"max_prefixes\": 5,"
	    " \"keep_asn\": true, \"hold_down\": 4, \"min_interval\": 0},"
	    " {\"name\": \"y\", \"address\": \"127.0.30.2\", \"asn\": 65101,"
	    " \"upstreams\": [\"b\"]}]}", &errs);

	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	ck_assert_uint_eq(c->upstreams[0].id, 7);
	ck_assert_uint_eq(c->upstreams[1].id, 2);       /* its position */
	ck_assert(c->upstreams[0].instance.client_to_client);
	ck_assert_uint_eq(c->upstreams[0].next_hop6.len, 0);
	ck_assert(!c->upstreams[0].n.graceful_restart);        /* off by default */
	ck_assert(!c->upstreams[1].instance.client_to_client);
	ck_assert(c->upstreams[1].n.graceful_restart);
	struct upstream_config off = c->upstreams[1];  /* a reload that turns it off */
	off.n.graceful_restart = false;
	ck_assert(upstream_config_equal(&c->upstreams[1], &c->upstreams[1]));
	ck_assert(!upstream_config_equal(&c->upstreams[1], &off));
	const struct client_config *x = &c->clients[0], *y = &c->clients[1];
	ck_assert_uint_eq(x->max_len4, 22);
	ck_assert_uint_eq(x->max_len6, 56);
	ck_assert_uint_eq(x->max_prefixes, 5);
	ck_assert(x->keep_asn);
	ck_assert_uint_eq(x->hold_down, 4);
	ck_assert_uint_eq(x->min_interval, 0);
	ck_assert_uint_eq(y->max_len4, 24);
	ck_assert_uint_eq(y->max_len6, 48);
	ck_assert_uint_eq(y->max_prefixes, 100);
	ck_assert(!y->keep_asn);
	ck_assert_uint_eq(y->hold_down, 300);
	ck_assert_uint_eq(y->min_interval, 30);
	ck_assert(!client_config_equal(x, y));
	config_free(c);
}
END_TEST

START_TEST(test_mux_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(mux_bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_str_eq(errs.lines[0], mux_bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

/* ---- monitors: "mrt" and "bmp" ------------------------------------------ */

#define MON_HEAD "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "

START_TEST(test_monitors)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(MON_HEAD
	    "\"mrt\": {\"rib_interval\": 5, \"updates_interval\": 2, \"compress\": \"none\"},"
	    " \"bmp\": [{\"address\": \"127.0.0.9\", \"port\": 11019},"
	    " {\"address\": \"::1\"}]}", &errs);

	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	ck_assert(c->mrt.enabled);
	ck_assert_uint_eq(c->mrt.rib_interval, 5);
	ck_assert_uint_eq(c->mrt.updates_interval, 2);
	ck_assert(!c->mrt.gzip);
	ck_assert_uint_eq(c->bmp_count, 2);
	ck_assert_uint_eq(sockaddr_port(&c->bmp[0]), 11019);
	ck_assert_int_eq(sockaddr_family(&c->bmp[1]), AF_INET6);
	ck_assert_uint_eq(sockaddr_port(&c->bmp[1]), 1790);      /* default */
	ck_assert(bmp_config_equal(c, c));
	config_free(c);

	/* Defaults: RouteViews/RIS intervals, gzip; no key, no monitor. */
	c = config_load_string(MON_HEAD "\"mrt\": {}}", &errs);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->mrt.enabled && c->mrt.gzip);
	ck_assert_uint_eq(c->mrt.rib_interval, 7200);
	ck_assert_uint_eq(c->mrt.updates_interval, 300);
	ck_assert_uint_eq(c->bmp_count, 0);
	struct config *d = config_load_string(MON_HEAD "\"bmp\": []}", &errs);
	ck_assert_ptr_nonnull(d);
	ck_assert(!d->mrt.enabled);
	ck_assert(!mrt_config_equal(&c->mrt, &d->mrt));
	ck_assert(bmp_config_equal(c, d));
	config_free(c);
	config_free(d);
}
END_TEST

/* ---- "api" and clients provisioned at run time ----------------------- */

START_TEST(test_api_default_and_set)
{
	struct jsonv errs = { 0 };
	char a[64];
	struct config *c = config_load_string("{\"asn\": 65000, \"router_id\": \"10.0.0.1\"}", &errs);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(sockaddr_ntop(&c->api.listen, a, sizeof a), "127.0.0.1");
	ck_assert_uint_eq(sockaddr_port(&c->api.listen), 8179);
	ck_assert_ptr_null(c->api.token_file);
	ck_assert_uint_eq(c->api.header_timeout, 10);
	ck_assert_uint_eq(c->api.body_timeout, 30);
	config_free(c);
	c = config_load_string("{\"asn\": 65000, \"router_id\": \"10.0.0.1\", \"api\":"
	    " {\"listen\": \"[::1]:9000\", \"token_file\": \"/etc/bgpmux/token\","
	    " \"header_timeout\": 2, \"body_timeout\": 5}}", &errs);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(sockaddr_ntop(&c->api.listen, a, sizeof a), "::1");
	ck_assert_uint_eq(sockaddr_port(&c->api.listen), 9000);
	ck_assert_str_eq(c->api.token_file, "/etc/bgpmux/token");
	ck_assert_uint_eq(c->api.header_timeout, 2);
	ck_assert_uint_eq(c->api.body_timeout, 5);
	config_free(c);
}
END_TEST

static const struct {
	const char *json;
	const char *error;
} mon_bad[] = {
	{ MON_HEAD "\"mrt\": {\"rib_interval\": 0}}",
	  "$.mrt.rib_interval: expected an integer 1..604800" },
	{ MON_HEAD "\"mrt\": {\"updates_interval\": \"300\"}}",
	  "$.mrt.updates_interval: expected an integer 1..86400" },
	{ MON_HEAD "\"mrt\": {\"compress\": \"bzip2\"}}",
	  "$.mrt.compress: \"bzip2\" is not one of \"gzip\", \"none\"" },
	{ MON_HEAD "\"mrt\": {\"dir\": \"/tmp\"}}",
	  "$.mrt.dir: unknown key (check its spelling)" },
	{ MON_HEAD "\"mrt\": 1}", "$.mrt: expected an object" },
	{ MON_HEAD "\"bmp\": [{\"port\": 1790}]}", "$.bmp[0].address: missing (required)" },
	{ MON_HEAD "\"bmp\": [{\"address\": \"collector\"}]}",
	  "$.bmp[0].address: \"collector\" is not a numeric IPv4 or IPv6 address" },
	{ MON_HEAD "\"bmp\": [{\"address\": \"127.0.0.1\", \"port\": 0}]}",
	  "$.bmp[0].port: expected an integer 1..65535" },
	{ MON_HEAD "\"bmp\": [{\"address\": \"127.0.0.1\"}, {\"address\": \"127.0.0.1\"}]}",
	  "$.bmp[1]: the same collector as $.bmp[0]" },
	{ MON_HEAD "\"bmp\": {\"address\": \"127.0.0.1\"}}", "$.bmp: expected an array" },
};

START_TEST(test_monitors_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(mon_bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_str_eq(errs.lines[0], mon_bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

static const struct {
	const char *api;
	const char *error;
} api_bad[] = {
	{ "{\"listen\": \"127.0.0.1\"}", "$.api.listen: \"127.0.0.1\" is not ADDRESS:PORT "
	  "(e.g. \"127.0.0.1:8179\" or \"[::1]:8179\")" },
	{ "{\"listen\": \"127.0.0.1:0\"}", "$.api.listen: \"127.0.0.1:0\" is not ADDRESS:PORT "
	  "(e.g. \"127.0.0.1:8179\" or \"[::1]:8179\")" },
	{ "{\"listen\": \"::1:80\"}", "$.api.listen: \"::1:80\" is not ADDRESS:PORT "
	  "(e.g. \"127.0.0.1:8179\" or \"[::1]:8179\")" },
	{ "{\"listen\": 8179}", "$.api.listen: expected a string" },
	{ "{\"token\": \"x\"}", "$.api.token: unknown key (check its spelling)" },
	{ "{\"token_file\": \"\"}", "$.api.token_file: empty path (leave the key out "
	  "for a read-only API)" },
	{ "[]", "$.api: expected an object" },
	{ "{\"header_timeout\": 0}", "$.api.header_timeout: expected an integer 1..3600" },
	{ "{\"body_timeout\": 3601}", "$.api.body_timeout: expected an integer 1..3600" },
};

START_TEST(test_api_bad)
{
	char json[512];
	struct jsonv errs = { 0 };

	snprintf(json, sizeof json, "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", "
	    "\"api\": %s}", api_bad[_i].api);
	struct config *c = config_load_string(json, &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_str_eq(errs.lines[0], api_bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

/* A token file its group or others may read is refused, naming the path,
 * the mode and the cure; 0600 and 0400 load, and so does a file that is
 * not there yet (writes are refused until it is). */
START_TEST(test_token_file_mode)
{
	static const struct {
		mode_t mode;
		bool ok;
	} modes[] = { { 0644, false }, { 0640, false }, { 0604, false }, { 0620, false },
		{ 0600, true }, { 0400, true } };
	char path[] = "/tmp/test_config_token.XXXXXX", json[256], want[300];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "t0ken\n", 6), 6);
	close(fd);
	snprintf(json, sizeof json, "{\"asn\": 65000, \"router_id\": \"10.0.0.1\", "
	    "\"api\": {\"token_file\": \"%s\"}}", path);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		struct jsonv errs = { 0 };
		ck_assert_int_eq(chmod(path, modes[i].mode), 0);
		struct config *c = config_load_string(json, &errs);
		ck_assert_msg((c != NULL) == modes[i].ok, "mode %04o", (unsigned)modes[i].mode);
		if (!modes[i].ok) {
			snprintf(want, sizeof want, "$.api.token_file: %s: permissions %04o are "
			    "too open: the token must be readable by its owner only (chmod 600 "
			    "%s)", path, (unsigned)modes[i].mode, path);
			ck_assert_str_eq(errs.lines[0], want);
		}
		config_free(c);
		jsonv_free(&errs);
	}
	unlink(path);
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(json, &errs);
	ck_assert_msg(c != NULL, "a missing token file: %s", errs.count ? errs.lines[0] : "");
	config_free(c);
}
END_TEST

static const char *const mux_two =
    "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", \"upstreams\": [{\"name\": \"isp-a\","
    " \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 65010},"
    " \"instance\": {\"address\": \"127.0.20.1\"}}],"
    " \"clients\": [{\"name\": \"vnet-1\", \"address\": \"127.0.30.1\", \"asn\": 65101,"
    " \"upstreams\": [\"isp-a\"]}]}";

/* One API body against mux_two: the first error, or "" when accepted. */
static void check_new_client(const char *body, const char *want)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(mux_two, &errs);
	struct client_config cc;
	json_t *j = json_loads(body, 0, NULL);

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(j);
	if (config_client_from_json(&errs, "$", j, &cc))
		config_check_new_client(&errs, "$", c, &cc);
	ck_assert_str_eq(errs.count ? errs.lines[0] : "", want);
	client_config_release(&cc);
	json_decref(j);
	jsonv_free(&errs);
	config_free(c);
}

START_TEST(test_new_client_checks)
{
	check_new_client("{\"name\": \"v2\", \"address\": \"127.0.30.2\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"], \"prefixes\": [\"10.0.0.0/24\"]}", "");
	check_new_client("{\"name\": \"vnet-1\", \"address\": \"127.0.30.2\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"]}", "$.name: a client named \"vnet-1\" exists already");
	check_new_client("{\"name\": \"v2\", \"address\": \"127.0.30.1\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"]}", "$.address: client vnet-1 has this address already");
	check_new_client("{\"name\": \"v2\", \"address\": \"127.0.30.2\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-b\"]}", "$.upstreams[0]: no upstream is named \"isp-b\"");
	check_new_client("{\"name\": \"v2\", \"address\": \"2001:db8::1\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"]}", "$.address: the address is outside instance isp-a: "
	    "it listens on IPv4 and cannot be reached from this address family");
	check_new_client("{\"name\": \"v2\", \"address\": \"127.0.30.2\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"], \"lifetime\": 5}",
	    "$.lifetime: unknown key (check its spelling)");
}
END_TEST

/* One client in a configuration file: its first error, or "" when it loads. */
static void check_file_client(const char *name, const char *address, const char *want)
{
	char json[4096];
	struct jsonv errs = { 0 };

	snprintf(json, sizeof json, "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
	    "\"clients\": [{\"name\": \"%s\", \"address\": \"%s\", \"asn\": 65101, "
	    "\"upstreams\": []}]}", name, address);
	struct config *c = config_load_string(json, &errs);
	ck_assert_msg((c != NULL) == (want[0] == 0), "%s: %s", name,
	    errs.count ? errs.lines[0] : "loaded");
	ck_assert_str_eq(errs.count ? errs.lines[0] : "", want);
	jsonv_free(&errs);
	config_free(c);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* Names: 1..64 of [A-Za-z0-9._@:-], shorter for a range so that its
 * members' NAME@ADDRESS keep within 64; refused naming the JSON path, in
 * the file and in an API body alike. */
START_TEST(test_client_names)
{
	char *n64 = repeat('n', 64), *n65 = repeat('n', 65), *n48 = repeat('r', 48),
	    *n49 = repeat('r', 49), *n24 = repeat('s', 24), *n25 = repeat('s', 25);
	char want[300], member[100], why[200];

	check_file_client("vnet-1.a_b@c:d", "127.0.30.1", "");
	check_file_client(n64, "127.0.30.1", "");
	check_file_client(n48, "127.0.30.0/24", "");
	check_file_client(n24, "2001:db8::/64", "");
	check_file_client("", "127.0.30.1", "$.clients[0].name: empty: a client's name is 1 to "
	    "64 characters of A-Z a-z 0-9 . _ @ : -");
	check_file_client("a\\nforged", "127.0.30.1", "$.clients[0].name: character 2 "
	    "(octet 0x0a) is not allowed: a client's name is 1 to 64 characters of A-Z a-z "
	    "0-9 . _ @ : -");
	check_file_client("vnet 1", "127.0.30.1", "$.clients[0].name: character 5 (octet 0x20) "
	    "is not allowed: a client's name is 1 to 64 characters of A-Z a-z 0-9 . _ @ : -");
	check_file_client("a/b", "127.0.30.1", "$.clients[0].name: character 2 (octet 0x2f) "
	    "is not allowed: a client's name is 1 to 64 characters of A-Z a-z 0-9 . _ @ : -");
	check_file_client("caf\u00e9", "127.0.30.1", "$.clients[0].name: character 4 (octet "
	    "0xc3) is not allowed: a client's name is 1 to 64 characters of A-Z a-z 0-9 . _ @ : -");
	check_file_client(n65, "127.0.30.1", "$.clients[0].name: 65 characters: at most 64");
	check_file_client(n49, "127.0.30.0/24", "$.clients[0].name: 49 characters: a range's "
	    "name has at most 48, so that its members' names (NAME@ADDRESS) keep within 64");
	check_file_client(n25, "2001:db8::/64", "$.clients[0].name: 25 characters: a range's "
	    "name has at most 24, so that its members' names (NAME@ADDRESS) keep within 64");
	/* the API's body: the same rule, named from "$" */
	check_new_client("{\"name\": \"\", \"address\": \"127.0.30.2\", \"asn\": 1,"
	    " \"upstreams\": [\"isp-a\"]}", "$.name: empty: a client's name is 1 to 64 "
	    "characters of A-Z a-z 0-9 . _ @ : -");
	snprintf(want, sizeof want, "{\"name\": \"%s\", \"address\": \"127.0.30.2\", "
	    "\"asn\": 1, \"upstreams\": [\"isp-a\"]}", n65);
	check_new_client(want, "$.name: 65 characters: at most 64");
	/* the longest members' names keep the rule */
	snprintf(member, sizeof member, "%s@255.255.255.255", n48);
	ck_assert_msg(client_name_ok(member, CLIENT_NAME_MAX, why, sizeof why), "%s", why);
	snprintf(member, sizeof member, "%s@ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", n24);
	ck_assert_msg(client_name_ok(member, CLIENT_NAME_MAX, why, sizeof why), "%s", why);
	snprintf(member, sizeof member, "%s@::ffff:255.255.255.255", n24);
	ck_assert_msg(client_name_ok(member, CLIENT_NAME_MAX, why, sizeof why), "%s", why);
	free(n64);
	free(n65);
	free(n48);
	free(n49);
	free(n24);
	free(n25);
}
END_TEST

START_TEST(test_client_json_round_trip)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(mux_two, &errs);
	struct client_config cc;

	ck_assert_ptr_nonnull(c);
	c->clients[0].password = strdup("pw");
	c->clients[0].multisession = MS_IETF;   /* every field survives */
	json_t *j = client_config_to_json(&c->clients[0], true);
	ck_assert(config_client_from_json(&errs, "$", j, &cc));
	ck_assert(client_config_equal(&cc, &c->clients[0]));
	json_t *pub = client_config_to_json(&cc, false);
	ck_assert_ptr_null(json_object_get(pub, "password"));
	config_add_client(c, &cc);
	ck_assert_uint_eq(c->client_count, 2);
	ck_assert(client_config_equal(&c->clients[1], &cc));
	/* the copy has the same name: the caller checks names, not this */
	ck_assert(config_remove_client(c, "vnet-1"));
	ck_assert_uint_eq(c->client_count, 1);
	ck_assert(config_remove_client(c, "vnet-1"));
	ck_assert(!config_remove_client(c, "vnet-1"));
	ck_assert_uint_eq(c->client_count, 0);
	client_config_release(&cc);
	json_decref(j);
	json_decref(pub);
	config_free(c);
}
END_TEST

/* ---- operator errors (muxd/config/config_check.c) ------------------------------ */

#define GW "{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
#define UP(name, peer, local, inst) "{\"name\": \"" name "\", \"peer\": {\"address\": \"" \
	peer "\", \"asn\": 65010}" local ", \"instance\": {\"address\": \"" inst "\"}}"

static const struct {
	const char *json;
	const char *error;
} conflict_bad[] = {
	/* two upstreams for one neighbor from one local address */
	{ GW "\"upstreams\": [" UP("a", "127.0.10.1", ", \"local_address\": \"127.0.0.2\"",
	  "127.0.20.1") "," UP("b", "127.0.10.1", ", \"local_address\": \"127.0.0.2\"",
	  "127.0.20.2") "]}",
	  "$.upstreams[1].peer.address: 127.0.10.1 is already the neighbor of "
	  "$.upstreams[0] (\"a\") with the same local_address: only one session can run "
	  "between two addresses (give one of them another local_address, or merge them)" },
	/* a plain peer and an upstream, one of them without local_address */
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2}}],"
	  " \"upstreams\": [" UP("a", "127.0.10.1", ", \"local_address\": \"127.0.0.2\"",
	  "127.0.20.1") "]}",
	  "$.upstreams[0].peer.address: 127.0.10.1 is already the neighbor of $.peers[0] "
	  "(\"p\") with the same local_address (or none): only one session can run "
	  "between two addresses (give one of them another local_address, or merge them)" },
	/* two plain peers, different ports, no local address */
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"::1\", \"asn\": 2}},"
	  " {\"name\": \"q\", \"peer\": {\"address\": \"::1\", \"asn\": 3, \"port\": 1179}}]}",
	  "$.peers[1].peer.address: ::1 is already the neighbor of $.peers[0] (\"p\") with "
	  "the same local_address (or none): only one session can run between two "
	  "addresses (give one of them another local_address, or merge them)" },
	/* an instance where muxd listens for an upstream */
	{ GW "\"upstreams\": [" UP("a", "127.0.10.1", ", \"local_address\": \"127.0.0.2\"",
	  "127.0.20.1") "," UP("b", "127.0.10.2", ", \"local_address\": \"127.0.0.3\"",
	  "127.0.0.2") "]}",
	  "$.upstreams[1].instance.address: 127.0.0.2 port 179 is the local_address of "
	  "$.upstreams[0] (\"a\"), where muxd listens for its connections: they would "
	  "reach this instance instead (give the instance an address of its own)" },
	/* its own local address */
	{ GW "\"listen_port\": 1179, \"upstreams\": [{\"name\": \"a\", \"peer\": {\"address\":"
	  " \"127.0.10.1\", \"asn\": 2}, \"local_address\": \"127.0.0.2\", \"instance\":"
	  " {\"address\": \"127.0.0.2\", \"port\": 1179}}]}",
	  "$.upstreams[0].instance.address: 127.0.0.2 port 1179 is the local_address of "
	  "$.upstreams[0] (\"a\"), where muxd listens for its connections: they would "
	  "reach this instance instead (give the instance an address of its own)" },
	/* a client of another address family than its instance */
	{ GW "\"upstreams\": [" UP("a", "127.0.10.1", "", "127.0.20.1") "],"
	  " \"clients\": [{\"name\": \"c\", \"address\": \"2001:db8::1\", \"asn\": 65101,"
	  " \"upstreams\": [\"a\"]}]}",
	  "$.clients[0].address: an IPv6 address, outside instance a: it listens on IPv4, "
	  "which this address family cannot reach" },
	{ GW "\"upstreams\": [" UP("a", "127.0.10.1", "", "127.0.20.1") "],"
	  " \"clients\": [{\"name\": \"c\", \"address\": \"2001:db8::/64\", \"asn\": 65101,"
	  " \"role\": \"monitor\"}]}",
	  "$.clients[0].address: an IPv6 address, but every instance listens on IPv4: "
	  "this monitor could never connect" },
	/* AS_TRANS anywhere an AS is configured */
	{ "{\"asn\": 23456, \"router_id\": \"192.0.2.1\"}",
	  "$.asn: 23456 is AS_TRANS (RFC 6793), the stand-in for a 4-octet AS in 2-octet "
	  "fields, not an AS: give the real AS number" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 23456}}]}",
	  "$.peers[0].peer.asn: 23456 is AS_TRANS (RFC 6793), the stand-in for a 4-octet AS "
	  "in 2-octet fields, not an AS: give the real AS number" },
	{ GW "\"upstreams\": [{\"name\": \"a\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"instance\": {\"address\": \"127.0.20.1\", \"local_as\": 23456}}]}",
	  "$.upstreams[0].instance.local_as: 23456 is AS_TRANS (RFC 6793), the stand-in for "
	  "a 4-octet AS in 2-octet fields, not an AS: give the real AS number" },
	{ GW "\"clients\": [{\"name\": \"c\", \"address\": \"127.0.30.1\", \"asn\": 23456,"
	  " \"upstreams\": []}]}",
	  "$.clients[0].asn: 23456 is AS_TRANS (RFC 6793), the stand-in for a 4-octet AS "
	  "in 2-octet fields, not an AS: give the real AS number" },
};

START_TEST(test_conflicts_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(conflict_bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.count, 1);
	ck_assert_str_eq(errs.lines[0], conflict_bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

/* What stays allowed: one neighbor from two local addresses, an instance
 * on an upstream's local address at another port, or with listen_port 0,
 * a client of the right family, AS 23455 and 23457. */
START_TEST(test_conflicts_allowed)
{
	static const char *const ok[] = {
		GW "\"upstreams\": [" UP("a", "127.0.10.1", ", \"local_address\": \"127.0.0.2\"",
		"127.0.20.1") "," UP("b", "127.0.10.1", ", \"local_address\": \"127.0.0.3\"",
		"127.0.20.2") "]}",
		GW "\"listen_port\": 1179, \"upstreams\": [" UP("a", "127.0.10.1",
		", \"local_address\": \"127.0.0.2\"", "127.0.0.2") "]}",
		GW "\"listen_port\": 0, \"upstreams\": [" UP("a", "127.0.10.1",
		", \"local_address\": \"127.0.0.2\"", "127.0.0.2") "]}",
		GW "\"upstreams\": [" UP("a", "127.0.10.1", "", "127.0.20.1") ","
		UP("b", "::1", "", "::2") "], \"clients\": [{\"name\": \"c\", \"address\":"
		" \"2001:db8::1\", \"asn\": 23455, \"upstreams\": [\"b\"]}, {\"name\": \"m\","
		" \"address\": \"2001:db8::2\", \"asn\": 23457, \"role\": \"monitor\"}]}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct jsonv errs = { 0 };
		struct config *c = config_load_string(ok[i], &errs);
		ck_assert_msg(c != NULL, "case %zu: %s", i, errs.count ? errs.lines[0] : "");
		config_free(c);
	}
}
END_TEST

/* A client provisioned through the API is checked the same way. */
START_TEST(test_new_client_as_trans)
{
	check_new_client("{\"name\": \"v2\", \"address\": \"127.0.30.2\", \"asn\": 23456,"
	    " \"upstreams\": [\"isp-a\"]}", "$.asn: 23456 is AS_TRANS (RFC 6793), the "
	    "stand-in for a 4-octet AS in 2-octet fields, not an AS: give the real AS number");
}
END_TEST

/* ---- max_prefixes of peers and upstreams ------------------------------- */

START_TEST(test_max_prefixes)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(GW "\"peers\": [{\"name\": \"p\", \"peer\":"
	    " {\"address\": \"127.0.10.1\", \"asn\": 2}, \"max_prefixes\": 1000},"
	    " {\"name\": \"q\", \"peer\": {\"address\": \"127.0.10.2\", \"asn\": 2}}],"
	    " \"upstreams\": [{\"name\": \"a\", \"peer\": {\"address\": \"127.0.10.3\","
	    " \"asn\": 3}, \"instance\": {\"address\": \"127.0.20.1\"}, \"max_prefixes\":"
	    " {\"limit\": 1000000, \"warning\": 80, \"action\": \"warn\", \"restart\": 60}}]}",
	    &errs);

	ck_assert_msg(c != NULL, "%s", errs.count ? errs.lines[0] : "");
	const struct prefix_limit_config *p = &c->peers[0].max_prefixes;
	ck_assert_uint_eq(p->limit, 1000);
	ck_assert_uint_eq(p->warning, 90);
	ck_assert(p->teardown);
	ck_assert_uint_eq(p->restart, 300);
	ck_assert_uint_eq(c->peers[1].max_prefixes.limit, 0);        /* none */
	const struct prefix_limit_config *u = &c->upstreams[0].n.max_prefixes;
	ck_assert_uint_eq(u->limit, 1000000);
	ck_assert_uint_eq(u->warning, 80);
	ck_assert(!u->teardown);
	ck_assert_uint_eq(u->restart, 60);
	/* a new limit is no reason to restart the session */
	struct neighbor_config other = c->peers[0];
	other.max_prefixes.limit = 5;
	ck_assert(neighbor_config_equal(&c->peers[0], &other));
	config_free(c);
}
END_TEST

static const struct {
	const char *json;
	const char *error;
} max_prefixes_bad[] = {
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": 0}]}",
	  "$.peers[0].max_prefixes: expected an integer 1..100000000" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": \"1M\"}]}",
	  "$.peers[0].max_prefixes: expected a number of prefixes, or an object with "
	  "\"limit\", \"warning\", \"action\" and \"restart\"" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": {\"warning\": 50}}]}",
	  "$.peers[0].max_prefixes.limit: missing (required)" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": {\"limit\": 10, \"action\": \"block\"}}]}",
	  "$.peers[0].max_prefixes.action: \"block\" is not one of \"warn\", \"teardown\"" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": {\"limit\": 10, \"warning\": 101}}]}",
	  "$.peers[0].max_prefixes.warning: expected an integer 1..100" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": {\"limit\": 10, \"restart\": 0}}]}",
	  "$.peers[0].max_prefixes.restart: expected an integer 1..86400" },
	{ GW "\"peers\": [{\"name\": \"p\", \"peer\": {\"address\": \"127.0.10.1\", \"asn\": 2},"
	  " \"max_prefixes\": {\"limit\": 10, \"idle\": 5}}]}",
	  "$.peers[0].max_prefixes.idle: unknown key (check its spelling)" },
};

START_TEST(test_max_prefixes_bad)
{
	struct jsonv errs = { 0 };
	struct config *c = config_load_string(max_prefixes_bad[_i].json, &errs);

	ck_assert_ptr_null(c);
	ck_assert_uint_ge(errs.count, 1);
	ck_assert_str_eq(errs.lines[0], max_prefixes_bad[_i].error);
	jsonv_free(&errs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_open_timeout);
	tcase_add_test(tc, test_gr_restart_time);
	tcase_add_test(tc, test_privileges);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_family_names);
	tcase_add_test(tc, test_multisession);
	tcase_add_test(tc, test_client_ranges);
	tcase_add_test(tc, test_mux_example);
	tcase_add_loop_test(tc, test_mux_bad, 0, sizeof mux_bad / sizeof mux_bad[0]);
	tcase_add_test(tc, test_monitors);
	tcase_add_loop_test(tc, test_monitors_bad, 0, sizeof mon_bad / sizeof mon_bad[0]);
	tcase_add_test(tc, test_api_default_and_set);
	tcase_add_loop_test(tc, test_api_bad, 0, sizeof api_bad / sizeof api_bad[0]);
	tcase_add_test(tc, test_new_client_checks);
	tcase_add_test(tc, test_client_json_round_trip);
	tcase_add_test(tc, test_client_names);
	tcase_add_test(tc, test_token_file_mode);
	tcase_add_test(tc, test_client_routes);
	tcase_add_loop_test(tc, test_conflicts_bad, 0, sizeof conflict_bad / sizeof conflict_bad[0]);
	tcase_add_test(tc, test_conflicts_allowed);
	tcase_add_test(tc, test_new_client_as_trans);
	tcase_add_test(tc, test_max_prefixes);
	tcase_add_loop_test(tc, test_max_prefixes_bad, 0,
	    sizeof max_prefixes_bad / sizeof max_prefixes_bad[0]);
	suite_add_tcase(s, tc);
	return check_run(s);
}
