/*
 * test_ris_json.c — RIS Live messages byte for byte: an UPDATE decoded by
 * the codec (announcements, withdrawals, path with an AS_SET, community,
 * MED, aggregator), an IPv6 UPDATE with a link-local next hop (two
 * entries), treat-as-withdraw, an End-of-RIB, includeRaw, OPEN,
 * NOTIFICATION, KEEPALIVE and RIS_PEER_STATE.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bgp_msg.h"
#include "web/jbuf.h"
#include "web/ris_json.h"
#include "tests/unit/check_run.h"

static struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = 4096 };
static uint8_t scratch[4 * 4096];
static struct bgp_update u;
static struct bgp_prefix prefixes[64];
static struct ris_path_item items[64];

static struct ris_msg base_msg(enum ris_type t)
{
	struct ris_msg m;
	memset(&m, 0, sizeof m);
	m.type = t;
	m.host = "isp-a";
	m.timestamp = 1700000000.12;
	m.peer_afi = BGP_AFI_IPV4;
	inet_pton(AF_INET, "192.0.2.1", m.peer_addr);
	m.peer_asn = 64496;
	m.seq = 1;
	return m;
}

static struct ris_msg update_msg(const uint8_t *body, size_t len)
{
	struct bgp_err err;
	struct ris_msg m = base_msg(RIS_UPDATE);
	ck_assert(bgp_update_decode(body, len, &ctx, scratch, sizeof scratch, &u, &err));
	ck_assert(ris_msg_from_update(&m, &u, &ctx, prefixes, 64, items, 64));
	return m;
}

static void expect_json(const struct ris_msg *m, bool raw, const char *want)
{
	char *got = ris_message_json(m, raw);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* The spec's example, plus MED, aggregator and an AS_SET. */
static const uint8_t v4_update[] = {
	0, 4, 24, 203, 0, 113,                          /* withdrawn */
	0, 59,                                          /* attributes */
	0x40, 1, 1, 0,                                  /* ORIGIN igp */
	0x40, 2, 20, 2, 3, 0, 0, 0xfb, 0xf0, 0, 0, 0xfb, 0xf4, 0, 0, 0xfb, 0xff,
	    1, 1, 0, 0, 0xfc, 0x00,                     /* AS_PATH, {64512} */
	0x40, 3, 4, 192, 0, 2, 1,                       /* NEXT_HOP */
	0x80, 4, 4, 0, 0, 0, 100,                       /* MED 100 */
	0xc0, 7, 8, 0, 0, 0xfb, 0xf0, 192, 0, 2, 9,     /* AGGREGATOR */
	0xc0, 8, 4, 0xfb, 0xf0, 0, 100,                 /* COMMUNITIES */
	24, 198, 51, 100,                               /* NLRI */
};

START_TEST(update_v4)
{
	struct ris_msg m = update_msg(v4_update, sizeof v4_update);
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"UPDATE\","
	    "\"path\":[64496,64500,64511,[64512]],\"community\":[[64496,100]],"
	    "\"origin\":\"igp\",\"med\":100,\"aggregator\":\"64496:192.0.2.9\","
	    "\"announcements\":[{\"next_hop\":\"192.0.2.1\",\"prefixes\":[\"198.51.100.0/24\"]}],"
	    "\"withdrawals\":[\"203.0.113.0/24\"]}}");
}
END_TEST

START_TEST(update_raw_and_seq)
{
	static const uint8_t keepalive[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19, 4 };
	struct ris_msg m = base_msg(RIS_KEEPALIVE);
	m.raw = keepalive;
	m.raw_len = sizeof keepalive;
	m.seq = 0x2a;
	m.timestamp = 1700000000.0;
	expect_json(&m, true, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.0,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-2a\",\"host\":\"isp-a\",\"type\":\"KEEPALIVE\","
	    "\"raw\":\"ffffffffffffffffffffffffffffffff001304\"}}");
	/* without includeRaw: no "raw" */
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.0,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-2a\",\"host\":\"isp-a\",\"type\":\"KEEPALIVE\"}}");
}
END_TEST

/* MP_REACH with a global and a link-local next hop, MP_UNREACH. */
static const uint8_t v6_update[] = {
	0, 0,
	0, 71,
	0x40, 1, 1, 2,                                  /* ORIGIN incomplete */
	0x40, 2, 6, 2, 1, 0, 0, 0xfb, 0xf0,
	0x80, 14, 44, 0, 2, 1, 32,
	    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    0, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 0x10,     /* 2001:db8:10::/48 */
	0x80, 15, 8, 0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb9, /* 2001:db9::/32 */
};

START_TEST(update_v6_link_local)
{
	struct ris_msg m = update_msg(v6_update, sizeof v6_update);
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"UPDATE\","
	    "\"path\":[64496],\"community\":[],\"origin\":\"incomplete\","
	    "\"announcements\":[{\"next_hop\":\"2001:db8::1\",\"prefixes\":[\"2001:db8:10::/48\"]},"
	    "{\"next_hop\":\"fe80::1\",\"prefixes\":[\"2001:db8:10::/48\"]}],"
	    "\"withdrawals\":[\"2001:db9::/32\"]}}");
}
END_TEST

START_TEST(update_end_of_rib_and_taw)
{
	static const uint8_t eor[] = { 0, 0, 0, 0 };
	struct ris_msg m = update_msg(eor, sizeof eor);
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"UPDATE\"}}");

	/* ORIGIN with a bad value: treat-as-withdraw (RFC 7606 §7.1) */
	static const uint8_t taw[] = {
		0, 0, 0, 20,
		0x40, 1, 1, 7,
		0x40, 2, 6, 2, 1, 0, 0, 0xfb, 0xf0,
		0x40, 3, 4, 192, 0, 2, 1,
		24, 198, 51, 100,
	};
	m = update_msg(taw, sizeof taw);
	ck_assert(u.treat_as_withdraw);
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"UPDATE\","
	    "\"withdrawals\":[\"198.51.100.0/24\"]}}");
}
END_TEST

START_TEST(open_and_notification)
{
	static const uint8_t open_body[] = {
		4, 0xfb, 0xf0, 0, 90, 192, 0, 2, 1,
		16, 2, 14, 1, 4, 0, 1, 0, 1, 65, 4, 0, 0, 0xfb, 0xf0, 2, 0,
	};
	struct bgp_open o;
	struct bgp_err err;
	memset(&err, 0, sizeof err);
	ck_assert(bgp_open_decode(open_body, sizeof open_body, &o, &err));
	struct ris_msg m = base_msg(RIS_OPEN);
	m.open = &o;
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"OPEN\","
	    "\"direction\":\"received\",\"version\":4,\"asn\":64496,\"hold_time\":90,"
	    "\"router_id\":\"192.0.2.1\",\"capabilities\":{"
	    "\"1\":{\"name\":\"multiprotocol\",\"families\":[{\"afi\":1,\"safi\":1}]},"
	    "\"2\":{\"name\":\"route refresh\"},"
	    "\"65\":{\"name\":\"4-octet AS\",\"asn\":64496}}}}");

	static const uint8_t notif_body[] = { 6, 2, 0 };
	struct bgp_notification n;
	ck_assert(bgp_notification_decode(notif_body, sizeof notif_body, &n, &err));
	m = base_msg(RIS_NOTIFICATION);
	m.notification = &n;
	m.sent = true;
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"NOTIFICATION\","
	    "\"direction\":\"sent\",\"notification\":{\"code\":6,\"subcode\":2,\"data\":\"00\"}}}");
}
END_TEST

START_TEST(peer_state_and_frames)
{
	struct ris_msg m = base_msg(RIS_PEER_STATE);
	m.state = "down";
	m.peer_afi = BGP_AFI_IPV6;
	inet_pton(AF_INET6, "2001:db8::1", m.peer_addr);
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"2001:db8::1\",\"peer_asn\":\"64496\","
	    "\"id\":\"isp-a-1\",\"host\":\"isp-a\",\"type\":\"RIS_PEER_STATE\","
	    "\"state\":\"down\"}}");
	char *s = ris_frame_json("pong", json_null());
	ck_assert_str_eq(s, "{\"type\":\"pong\",\"data\":null}");
	free(s);
	s = ris_frame_json("ris_error", json_pack("{s:s}", "message", "x"));
	ck_assert_str_eq(s, "{\"type\":\"ris_error\",\"data\":{\"message\":\"x\"}}");
	free(s);
}
END_TEST

/* Strings are escaped; bytes above 0x7f become \u00XX (ASCII output). */
/* Every IPv4 prefix as inet_ntop and printf would write it (the renderer
 * writes the digits itself), the largest 4-octet AS and a long sequence
 * number, and a message rendered after a longer one into the same
 * scratch buffer. */
START_TEST(numbers_as_printf_writes_them)
{
	static const uint8_t edges[][5] = {
		{ 0, 0, 0, 0, 0 }, { 255, 255, 255, 255, 32 }, { 9, 10, 99, 100, 30 },
		{ 1, 0, 0, 0, 8 }, { 100, 64, 0, 0, 10 }, { 198, 51, 100, 255, 32 },
	};
	struct bgp_prefix p[64];
	char want[4096], one[BGP_PREFIX_STRLEN];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t n = 0;

	memset(p, 0, sizeof p);
	for (; n < sizeof edges / sizeof edges[0]; n++) {
		p[n].afi = BGP_AFI_IPV4;
		memcpy(p[n].addr, edges[n], 4);
		p[n].len = edges[n][4];
	}
	for (; n < 64; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[n].afi = BGP_AFI_IPV4;
		memcpy(p[n].addr, &x, 4);
		p[n].len = (uint8_t)(x >> 40) % 33;
	}
	struct ris_msg m = base_msg(RIS_UPDATE);
	m.peer_asn = 4294967295u;
	m.seq = 0xfedcba9876543210ULL;
	m.withdrawn = p;
	m.n_withdrawn = 64;
	size_t w = (size_t)snprintf(want, sizeof want, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.12,\"peer\":\"192.0.2.1\",\"peer_asn\":\"4294967295\","
	    "\"id\":\"isp-a-fedcba9876543210\",\"host\":\"isp-a\",\"type\":\"UPDATE\","
	    "\"withdrawals\":[");
	for (size_t i = 0; i < 64; i++) {
		bgp_prefix_format(&p[i], one, sizeof one);
		w += (size_t)snprintf(want + w, sizeof want - w, "%s\"%s\"", i ? "," : "", one);
	}
	snprintf(want + w, sizeof want - w, "]}}");
	expect_json(&m, false, want);

	/* the peer's address, as inet_ntop writes it */
	for (size_t i = 0; i < 64; i++) {
		char addr[INET_ADDRSTRLEN], key[64];
		memcpy(m.peer_addr, p[i].addr, 4);
		inet_ntop(AF_INET, m.peer_addr, addr, sizeof addr);
		snprintf(key, sizeof key, "\"peer\":\"%s\",", addr);
		char *json = ris_message_json(&m, false);
		ck_assert_msg(strstr(json, key) != NULL, "%s not in %s", key, json);
		free(json);
	}
	inet_pton(AF_INET, "192.0.2.1", m.peer_addr);

	/* into a scratch buffer that held a longer message: the same text as
	 * into a new one */
	struct jbuf b;
	jb_init(&b);
	ris_message_render(&b, &m, false);
	jb_reset(&b);
	m.n_withdrawn = 1;
	ris_message_render(&b, &m, false);
	char *got = jb_take(&b), *fresh = ris_message_json(&m, false);
	ck_assert_ptr_nonnull(strstr(got, "\"withdrawals\":[\"0.0.0.0/0\"]}}"));
	ck_assert_str_eq(got, fresh);
	free(got);
	free(fresh);
}
END_TEST

START_TEST(escaping)
{
	struct ris_msg m = base_msg(RIS_PEER_STATE);
	m.host = "a\"b\\c\n\xc3\xa9";
	m.state = "up";
	m.seq = 255;
	m.timestamp = 1700000000.1239;
	expect_json(&m, false, "{\"type\":\"ris_message\",\"data\":{"
	    "\"timestamp\":1700000000.124,\"peer\":\"192.0.2.1\",\"peer_asn\":\"64496\","
	    "\"id\":\"a\\\"b\\\\c\\u000a\\u00c3\\u00a9-ff\","
	    "\"host\":\"a\\\"b\\\\c\\u000a\\u00c3\\u00a9\","
	    "\"type\":\"RIS_PEER_STATE\",\"state\":\"up\"}}");
	char *s = ris_message_json(&m, false);
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	ck_assert_msg(j != NULL, "not JSON: %s", err.text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "data"),
	    "host")), "a\"b\\c\n\u00c3\u00a9");
	json_decref(j);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ris_json");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, update_v4);
	tcase_add_test(tc, update_raw_and_seq);
	tcase_add_test(tc, update_v6_link_local);
	tcase_add_test(tc, update_end_of_rib_and_taw);
	tcase_add_test(tc, open_and_notification);
	tcase_add_test(tc, peer_state_and_frames);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, numbers_as_printf_writes_them);
	suite_add_tcase(s, tc);
	return check_run(s);
}
