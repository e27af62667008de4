/*
 * test_mrt_codec.c — MRT records as muxd/bgp/mrt_codec.c writes them:
 * byte-exact against RFC 6396 / RFC 8050 layouts worked out by hand, and
 * read back with the test tools' reader (tests/tools/lib/mrt_read.h), plain
 * and gzip-compressed, through a file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "muxd/bgp/mrt_codec.h"
#include "muxd/lib/rbuf.h"
#include "tests/tools/lib/mrt_read.h"
#include "tests/unit/check_run.h"

#define TS 1700000000u          /* 0x6553f100 */

/* A KEEPALIVE: the smallest whole BGP message. */
static const uint8_t keepalive[19] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x04,
};

static struct mrt_session v4_session(void)
{
	struct mrt_session s = { 65001, 4200000000u, { 1, { 192, 0, 2, 1 } },
		{ 1, { 192, 0, 2, 2 } } };
	return s;
}

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want,
    size_t want_len)
{
	ck_assert_uint_eq(got_len, want_len);
	for (size_t i = 0; i < want_len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: got 0x%02x, want 0x%02x", i,
		    got[i], want[i]);
}

START_TEST(test_bgp4mp_message_as4)
{
	static const uint8_t want[] = {
		0x65, 0x53, 0xf1, 0x00, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00, 0x27,
		0x00, 0x00, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x00,  /* AS 65001, 4200000000 */
		0x00, 0x00, 0x00, 0x01,                          /* ifindex 0, AFI 1 */
		192, 0, 2, 1, 192, 0, 2, 2,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x04,
	};
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_session s = v4_session();
	size_t n = mrt_bgp4mp_message_encode(&w, TS, &s, true, false, keepalive, 19);

	assert_bytes(buf, n, want, sizeof want);
}
END_TEST

/* Subtypes: 1, 4, 8, 9; 2-octet fields carry AS_TRANS for a 4-octet AS. */
START_TEST(test_bgp4mp_subtypes)
{
	uint8_t buf[256];
	struct mrt_session s = v4_session();
	static const struct { bool as4, addpath; uint16_t sub; size_t len; } c[] = {
		{ false, false, MRT_BGP4MP_MESSAGE, 12 + 4 + 4 + 8 + 19 },
		{ true, false, MRT_BGP4MP_MESSAGE_AS4, 12 + 8 + 4 + 8 + 19 },
		{ false, true, MRT_BGP4MP_MESSAGE_ADDPATH, 12 + 4 + 4 + 8 + 19 },
		{ true, true, MRT_BGP4MP_MESSAGE_AS4_ADDPATH, 12 + 8 + 4 + 8 + 19 },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct wbuf w = wbuf_make(buf, sizeof buf);
		size_t n = mrt_bgp4mp_message_encode(&w, TS, &s, c[i].as4, c[i].addpath,
		    keepalive, 19);
		ck_assert_uint_eq(n, c[i].len);
		ck_assert_uint_eq(be16(buf + 6), c[i].sub);
		if (!c[i].as4) {
			ck_assert_uint_eq(be16(buf + 12), 65001);
			ck_assert_uint_eq(be16(buf + 14), 23456);       /* AS_TRANS */
		}
	}
}
END_TEST

START_TEST(test_state_change_ipv6)
{
	struct mrt_session s = { 65001, 65000, { 2, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		{ 2, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } } };
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t n = mrt_bgp4mp_state_encode(&w, TS, &s, MRT_STATE_ESTABLISHED, MRT_STATE_IDLE);

	ck_assert_uint_eq(n, 12 + 8 + 4 + 32 + 4);
	ck_assert_uint_eq(be16(buf + 4), MRT_BGP4MP);
	ck_assert_uint_eq(be16(buf + 6), MRT_BGP4MP_STATE_CHANGE_AS4);
	ck_assert_uint_eq(be32(buf + 8), n - 12);
	ck_assert_uint_eq(be16(buf + 22), 2);                   /* AFI */
	ck_assert_uint_eq(buf[24 + 15], 1);
	ck_assert_uint_eq(buf[40 + 15], 2);
	ck_assert_uint_eq(be16(buf + 56), 6);
	ck_assert_uint_eq(be16(buf + 58), 1);
}
END_TEST

START_TEST(test_peer_index_table)
{
	static const uint8_t want[] = {
		0x65, 0x53, 0xf1, 0x00, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x33,
		192, 0, 2, 1,                            /* collector BGP ID */
		0x00, 0x05, 'i', 's', 'p', '-', 'a',     /* view name */
		0x00, 0x02,                              /* 2 peers */
		0x02, 198, 51, 100, 1, 198, 51, 100, 1, 0x00, 0x00, 0xfd, 0xe9,
		0x03, 198, 51, 100, 2, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 9, 0xfa, 0x56, 0xea, 0x00,
	};
	struct mrt_peer peers[2] = {
		{ 0xc6336401, 65001, { 1, { 198, 51, 100, 1 } } },
		{ 0xc6336402, 4200000000u, { 2, { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 } } },
	};
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t n = mrt_peer_index_encode(&w, TS, 0xc0000201, "isp-a", peers, 2);

	assert_bytes(buf, n, want, sizeof want);
}
END_TEST

/* ORIGIN IGP, AS_PATH [65001], NEXT_HOP 192.0.2.1 (4-octet AS form). */
static const uint8_t attrs_v4[] = {
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
	0x40, 0x03, 0x04, 192, 0, 2, 1,
};

START_TEST(test_rib_ipv4)
{
	static const uint8_t want[] = {
		0x65, 0x53, 0xf1, 0x00, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00, 0x25,
		0x00, 0x00, 0x00, 0x07,                  /* sequence */
		16, 10, 1,                               /* 10.1.0.0/16 */
		0x00, 0x01,                              /* 1 entry */
		0x00, 0x00, 0x65, 0x53, 0xf0, 0x00,      /* peer 0, originated */
		0x00, 0x14,                              /* attribute length */
		0x40, 0x01, 0x01, 0x00,
		0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
		0x40, 0x03, 0x04, 192, 0, 2, 1,
	};
	const uint8_t prefix[16] = { 10, 1 };
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_rib r;

	mrt_rib_begin(&r, &w, TS, 7, 1, false, prefix, 16);
	mrt_rib_entry(&r, 0, TS - 256, 0, attrs_v4, sizeof attrs_v4, NULL, 0);
	assert_bytes(buf, mrt_rib_finish(&r), want, sizeof want);
}
END_TEST

/* RFC 8050: the path id after the originated time, subtype 8. */
START_TEST(test_rib_ipv4_addpath)
{
	const uint8_t prefix[16] = { 10, 1, 2, 128 };
	uint8_t buf[512];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_rib r;

	mrt_rib_begin(&r, &w, TS, 1, 1, true, prefix, 25);
	mrt_rib_entry(&r, 0, TS, 11, attrs_v4, sizeof attrs_v4, NULL, 0);
	mrt_rib_entry(&r, 0, TS, 12, attrs_v4, sizeof attrs_v4, NULL, 0);
	size_t n = mrt_rib_finish(&r);

	ck_assert_uint_eq(be16(buf + 6), MRT_RIB_IPV4_UNICAST_ADDPATH);
	ck_assert_uint_eq(n, 12 + 4 + 1 + 4 + 2 + 2 * (2 + 4 + 4 + 2 + sizeof attrs_v4));
	ck_assert_uint_eq(buf[16], 25);
	ck_assert_mem_eq(buf + 17, prefix, 4);                  /* 4 octets for /25 */
	ck_assert_uint_eq(be16(buf + 21), 2);
	ck_assert_uint_eq(be32(buf + 23 + 6), 11);
	ck_assert_uint_eq(be16(buf + 23 + 10), sizeof attrs_v4);
	ck_assert_uint_eq(be32(buf + 23 + 12 + sizeof attrs_v4 + 6), 12);
}
END_TEST

/* IPv6: the abbreviated MP_REACH_NLRI (RFC 6396 §4.3.4) in type order,
 * here between AS_PATH (written with Extended Length) and a large
 * community (type 32). */
START_TEST(test_rib_ipv6_mp_reach)
{
	static const uint8_t attrs[] = {
		0x40, 0x01, 0x01, 0x02,
		0x50, 0x02, 0x00, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
		0xc0, 0x20, 0x0c, 0, 0, 0xfd, 0xe9, 0, 0, 0, 1, 0, 0, 0, 2,
	};
	static const uint8_t want_attrs[] = {
		0x40, 0x01, 0x01, 0x02,
		0x50, 0x02, 0x00, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
		0x80, 0x0e, 0x11, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1,
		0xc0, 0x20, 0x0c, 0, 0, 0xfd, 0xe9, 0, 0, 0, 1, 0, 0, 0, 2,
	};
	const uint8_t nh[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t prefix[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12 };
	uint8_t buf[512];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_rib r;

	mrt_rib_begin(&r, &w, TS, 0, 2, false, prefix, 40);
	mrt_rib_entry(&r, 3, TS, 0, attrs, sizeof attrs, nh, 16);
	size_t n = mrt_rib_finish(&r);

	ck_assert_uint_eq(be16(buf + 6), MRT_RIB_IPV6_UNICAST);
	ck_assert_uint_eq(buf[16], 40);
	ck_assert_mem_eq(buf + 17, prefix, 5);
	size_t e = 17 + 5 + 2;                                   /* the entry */
	ck_assert_uint_eq(be16(buf + e), 3);
	ck_assert_uint_eq(be16(buf + e + 6), sizeof want_attrs);
	assert_bytes(buf + e + 8, n - e - 8, want_attrs, sizeof want_attrs);
}
END_TEST

START_TEST(test_overflow)
{
	uint8_t buf[40];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_session s = v4_session();
	struct mrt_rib r;
	const uint8_t prefix[16] = { 10 };

	ck_assert_uint_eq(mrt_bgp4mp_message_encode(&w, TS, &s, true, false, keepalive, 19), 0);
	w = wbuf_make(buf, sizeof buf);
	mrt_rib_begin(&r, &w, TS, 0, 1, false, prefix, 8);
	mrt_rib_entry(&r, 0, TS, 0, attrs_v4, sizeof attrs_v4, NULL, 0);
	ck_assert_uint_eq(mrt_rib_finish(&r), 0);
}
END_TEST

/* Records through a file, read back with the tools' reader: plain, and
 * gzip-compressed (as muxd writes updates files). */
static void read_back(bool gzip)
{
	char path[] = "/tmp/test_mrt_codec.XXXXXX";
	int fd = mkstemp(path);
	uint8_t buf[512];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct mrt_session s = v4_session();
	struct mrt_reader rd;
	struct mrt_record rec;
	struct mrt_bgp4mp_msg m;
	const char *why;

	ck_assert_int_ge(fd, 0);
	close(fd);
	mrt_bgp4mp_state_encode(&w, TS, &s, MRT_STATE_OPENCONFIRM, MRT_STATE_ESTABLISHED);
	mrt_bgp4mp_message_encode(&w, TS + 1, &s, true, true, keepalive, 19);
	gzFile gz = gzopen(path, gzip ? "wb6" : "wbT");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, buf, (unsigned)w.len), (int)w.len);
	ck_assert_int_eq(gzclose(gz), Z_OK);

	ck_assert(mrt_read_open(&rd, path));
	ck_assert_int_eq(mrt_read_next(&rd, &rec), 1);
	ck_assert_uint_eq(rec.subtype, MRT_BGP4MP_STATE_CHANGE_AS4);
	ck_assert(!mrt_read_bgp4mp(&rec, &m, &why));
	ck_assert_ptr_null(why);                                 /* not a message */
	ck_assert_int_eq(mrt_read_next(&rd, &rec), 1);
	ck_assert_uint_eq(rec.ts, TS + 1);
	ck_assert(mrt_read_bgp4mp(&rec, &m, &why));
	ck_assert(m.as4 && m.addpath && !m.local);
	ck_assert_uint_eq(m.peer_as, 65001);
	ck_assert_uint_eq(m.local_as, 4200000000u);
	ck_assert_uint_eq(m.afi, 1);
	ck_assert_mem_eq(m.peer_ip, s.peer.a, 4);
	ck_assert_mem_eq(m.local_ip, s.local.a, 4);
	assert_bytes(m.msg, m.msg_len, keepalive, 19);
	ck_assert_int_eq(mrt_read_next(&rd, &rec), 0);
	mrt_read_close(&rd);
	unlink(path);
}

START_TEST(test_read_back_plain) { read_back(false); }
END_TEST
START_TEST(test_read_back_gzip) { read_back(true); }
END_TEST

int main(void)
{
	Suite *s = suite_create("mrt_codec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bgp4mp_message_as4);
	tcase_add_test(tc, test_bgp4mp_subtypes);
	tcase_add_test(tc, test_state_change_ipv6);
	tcase_add_test(tc, test_peer_index_table);
	tcase_add_test(tc, test_rib_ipv4);
	tcase_add_test(tc, test_rib_ipv4_addpath);
	tcase_add_test(tc, test_rib_ipv6_mp_reach);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_read_back_plain);
	tcase_add_test(tc, test_read_back_gzip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
