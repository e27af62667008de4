/*
 * test_bmp_codec.c — BMP messages as muxd/bgp/bmp_codec.c writes them,
 * byte-exact against RFC 7854's layouts worked out by hand: the common
 * header, the 42-byte per-peer header (IPv4 in the low-order 4 bytes, the
 * V flag for IPv6), and each message type muxd sends.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/bgp/bmp_codec.h"
#include "muxd/lib/rbuf.h"
#include "tests/unit/check_run.h"

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want,
    size_t want_len)
{
	ck_assert_uint_eq(got_len, want_len);
	for (size_t i = 0; i < want_len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: got 0x%02x, want 0x%02x", i,
		    got[i], want[i]);
}

/* Peer 192.0.2.1, AS 65001, BGP ID 192.0.2.1, at 1700000000.000005. */
static struct bmp_peer_hdr v4_peer(void)
{
	struct bmp_peer_hdr h = { .as = 65001, .bgp_id = 0xc0000201,
		.ts_sec = 1700000000u, .ts_usec = 5 };
	h.addr[0] = 192;
	h.addr[2] = 2;
	h.addr[3] = 1;
	return h;
}

static const uint8_t v4_peer_bytes[42] = {
	0x00, 0x00,                                      /* type 0, flags */
	0, 0, 0, 0, 0, 0, 0, 0,                          /* distinguisher */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
	0x00, 0x00, 0xfd, 0xe9, 192, 0, 2, 1,
	0x65, 0x53, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x05,
};

/* End-of-RIB for IPv4 unicast: an empty UPDATE. */
static const uint8_t eor[23] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x17, 0x02, 0, 0, 0, 0,
};

START_TEST(test_initiation)
{
	static const uint8_t want[] = {
		0x03, 0x00, 0x00, 0x00, 0x15, 0x04,
		0x00, 0x01, 0x00, 0x04, 'd', 'e', 's', 'c',
		0x00, 0x02, 0x00, 0x03, 'g', 'w', '1',
	};
	uint8_t buf[128];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	assert_bytes(buf, bmp_initiation_encode(&w, "gw1", "desc"), want, sizeof want);
}
END_TEST

START_TEST(test_termination)
{
	static const uint8_t want[] = {
		0x03, 0x00, 0x00, 0x00, 0x12, 0x05,
		0x00, 0x00, 0x00, 0x02, 'b', 'y',
		0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
	};
	uint8_t buf[128];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	size_t n = bmp_termination_encode(&w, BMP_TERM_ADMIN_CLOSE, "by");

	ck_assert_uint_eq(be32(buf + 1), sizeof want);
	assert_bytes(buf, n, want, sizeof want);
}
END_TEST

START_TEST(test_route_monitoring_v4)
{
	uint8_t want[6 + 42 + 23] = { 0x03, 0x00, 0x00, 0x00, 6 + 42 + 23, 0x00 };
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bmp_peer_hdr h = v4_peer();

	memcpy(want + 6, v4_peer_bytes, 42);
	memcpy(want + 48, eor, 23);
	assert_bytes(buf, bmp_route_monitoring_encode(&w, &h, eor, 23), want, sizeof want);
}
END_TEST

/* An IPv6 peer: the V flag and all 16 bytes of the address. */
START_TEST(test_peer_header_v6)
{
	struct bmp_peer_hdr h = v4_peer();
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };

	memcpy(h.addr, a, 16);
	h.flags = BMP_PEER_FLAG_V;
	h.distinguisher = 0x0102030405060708ULL;
	ck_assert_uint_eq(bmp_route_monitoring_encode(&w, &h, eor, 23), 71);
	ck_assert_uint_eq(buf[7], 0x80);
	ck_assert_uint_eq(be32(buf + 8), 0x01020304);
	ck_assert_uint_eq(be32(buf + 12), 0x05060708);
	ck_assert_mem_eq(buf + 16, a, 16);
}
END_TEST

START_TEST(test_peer_up)
{
	static const uint8_t open_a[] = { 0xff, 0x00, 0x1d, 0x01, 1, 2, 3 };  /* fake, short */
	static const uint8_t open_b[] = { 0xee, 0x00, 0x1d, 0x01, 4 };
	const uint8_t local[16] = { 192, 0, 2, 2 };
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bmp_peer_hdr h = v4_peer();
	size_t n = bmp_peer_up_encode(&w, &h, local, 40000, 179, open_a, sizeof open_a,
	    open_b, sizeof open_b);

	ck_assert_uint_eq(n, 6 + 42 + 16 + 4 + sizeof open_a + sizeof open_b);
	ck_assert_uint_eq(be32(buf + 1), n);
	ck_assert_uint_eq(buf[5], BMP_PEER_UP);
	assert_bytes(buf + 6, 42, v4_peer_bytes, 42);
	static const uint8_t local_want[16] = { [12] = 192, 0, 2, 2 };
	assert_bytes(buf + 48, 16, local_want, 16);
	ck_assert_uint_eq(be16(buf + 64), 40000);
	ck_assert_uint_eq(be16(buf + 66), 179);
	ck_assert_mem_eq(buf + 68, open_a, sizeof open_a);
	ck_assert_mem_eq(buf + 68 + sizeof open_a, open_b, sizeof open_b);
}
END_TEST

START_TEST(test_peer_down)
{
	static const uint8_t notif[21] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x15, 0x03, 6, 2,
	};
	const uint8_t fsm[2] = { 0, 0 };
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bmp_peer_hdr h = v4_peer();
	size_t n = bmp_peer_down_encode(&w, &h, 1, notif, sizeof notif);

	ck_assert_uint_eq(n, 6 + 42 + 1 + 21);
	ck_assert_uint_eq(buf[5], BMP_PEER_DOWN);
	ck_assert_uint_eq(buf[48], 1);
	ck_assert_mem_eq(buf + 49, notif, sizeof notif);
	w = wbuf_make(buf, sizeof buf);
	ck_assert_uint_eq(bmp_peer_down_encode(&w, &h, 2, fsm, 2), 6 + 42 + 3);
	w = wbuf_make(buf, sizeof buf);
	ck_assert_uint_eq(bmp_peer_down_encode(&w, &h, 4, NULL, 0), 6 + 42 + 1);
}
END_TEST

/* Counter types: 32-bit counter, 64-bit gauge, AFI/SAFI 64-bit gauge. */
START_TEST(test_stats)
{
	static const uint8_t want_tail[] = {
		0x00, 0x00, 0x00, 0x03,                                  /* 3 stats */
		0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09,
		0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x09, 0x00, 0x0b, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
	};
	struct bmp_stat st[3] = {
		{ BMP_STAT_DUP_PREFIX_ADVERTS, 0, 0, 9 },
		{ BMP_STAT_ADJ_RIB_IN_ROUTES, 0, 0, 0x100000002ULL },
		{ BMP_STAT_AFI_SAFI_ADJ_RIB_IN, 2, 1, 256 },
	};
	uint8_t buf[256];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bmp_peer_hdr h = v4_peer();
	size_t n = bmp_stats_encode(&w, &h, st, 3);

	ck_assert_uint_eq(buf[5], BMP_STATISTICS_REPORT);
	ck_assert_uint_eq(be32(buf + 1), n);
	assert_bytes(buf + 48, n - 48, want_tail, sizeof want_tail);
}
END_TEST

START_TEST(test_overflow)
{
	uint8_t buf[60];
	struct wbuf w = wbuf_make(buf, sizeof buf);
	struct bmp_peer_hdr h = v4_peer();

	ck_assert_uint_eq(bmp_route_monitoring_encode(&w, &h, eor, 23), 0);
	ck_assert(w.overflow);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bmp_codec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_initiation);
	tcase_add_test(tc, test_termination);
	tcase_add_test(tc, test_route_monitoring_v4);
	tcase_add_test(tc, test_peer_header_v6);
	tcase_add_test(tc, test_peer_up);
	tcase_add_test(tc, test_peer_down);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_overflow);
	suite_add_tcase(s, tc);
	return check_run(s);
}
