/*
 * test_toollib.c — the test tools' library (tests/tools/lib): two speakers
 * over a socketpair (OPEN exchange and what it negotiates, a refused peer
 * AS, UPDATEs and ROUTE-REFRESH to the callbacks, a message that arrives
 * in halves, bulk bytes ahead of later messages, the hold timer, Cease on
 * close), ADDR[:PORT] parsing, the received table with its files, and the
 * UPDATE stream file.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_msg.h"
#include "muxd/bgp/bgp_update.h"
#include "tests/tools/lib/net.h"
#include "tests/tools/lib/recording.h"
#include "tests/tools/lib/rtable.h"
#include "tests/tools/lib/speaker.h"
#include "tests/tools/lib/tool.h"
#include "tests/unit/check_run.h"

/* What a speaker's callbacks saw. */
struct seen {
	unsigned established, updates, refreshes;
	size_t update_len;
	uint8_t rr_subtype;
};

static void on_established(struct speaker *sp)
{
	((struct seen *)sp->arg)->established++;
}

static void on_update(struct speaker *sp, const uint8_t *msg, size_t len)
{
	struct seen *s = sp->arg;

	(void)msg;
	s->updates++;
	s->update_len = len;
}

static void on_refresh(struct speaker *sp, const struct bgp_route_refresh *rr)
{
	struct seen *s = sp->arg;

	s->refreshes++;
	s->rr_subtype = rr->subtype;
}

static const struct speaker_ops ops = {
	.established = on_established,
	.update = on_update,
	.refresh = on_refresh,
};

struct pair {
	struct speaker_config ca, cb;
	struct speaker a, b;
	struct seen sa, sb;
};

static void config(struct speaker_config *c, uint32_t asn, uint32_t id, unsigned hold,
    uint32_t peer_as)
{
	memset(c, 0, sizeof *c);
	speaker_open_init(&c->open, asn, id, hold);
	c->open.caps.present |= BGP_CAPF_AS4 | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	c->open.caps.as4 = asn;
	c->asn = asn;
	c->peer_as = peer_as;
	c->in_cap = BGP_EXT_MAX_LEN + 1;
	c->out_cap = 64 * 1024;
	c->close_wait = 1;
}

static void pair_start(struct pair *p, uint32_t b_expects)
{
	int sv[2];

	memset(p, 0, sizeof *p);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	config(&p->ca, 4200000001u, 0x01010101, 90, 0);
	config(&p->cb, 65002, 0x02020202, 30, b_expects);
	/* A receives with path ids on IPv4. */
	p->ca.open.caps.present |= BGP_CAPF_ADD_PATH;
	p->ca.open.caps.addpath[0] = (struct bgp_addpath_family){ { BGP_AFI_IPV4,
	    BGP_SAFI_UNICAST }, BGP_ADDPATH_RECEIVE };
	p->ca.open.caps.addpath_count = 1;
	p->cb.open.caps.present |= BGP_CAPF_ADD_PATH;
	p->cb.open.caps.addpath[0] = (struct bgp_addpath_family){ { BGP_AFI_IPV4,
	    BGP_SAFI_UNICAST }, BGP_ADDPATH_SEND };
	p->cb.open.caps.addpath_count = 1;
	ck_assert(speaker_init(&p->a, sv[0], &p->ca, &ops, &p->sa));
	ck_assert(speaker_init(&p->b, sv[1], &p->cb, &ops, &p->sb));
}

/* Both sides write and read until neither has anything left to do. */
static void pair_run(struct pair *p)
{
	for (int i = 0; i < 20; i++) {
		speaker_handle(&p->a, POLLIN | POLLOUT);
		speaker_handle(&p->b, POLLIN | POLLOUT);
	}
}

static void pair_free(struct pair *p)
{
	speaker_free(&p->a);
	speaker_free(&p->b);
}

static size_t keepalive(uint8_t *buf)
{
	struct wbuf w = wbuf_make(buf, BGP_HEADER_LEN);

	return bgp_keepalive_encode(&w);
}

START_TEST(test_open_negotiates)
{
	struct pair p;

	pair_start(&p, 4200000001u);
	pair_run(&p);
	ck_assert_int_eq(p.a.state, SPEAKER_ESTABLISHED);
	ck_assert_int_eq(p.b.state, SPEAKER_ESTABLISHED);
	ck_assert_uint_eq(p.sa.established, 1);
	ck_assert_uint_eq(p.sb.established, 1);
	ck_assert_uint_eq(p.a.hold, 30);                /* the smaller */
	ck_assert_uint_eq(p.a.peer_as, 65002);
	ck_assert_uint_eq(p.b.peer_as, 4200000001u);    /* from the AS4 capability */
	ck_assert_uint_eq(p.b.peer_id, 0x01010101);
	ck_assert(p.a.ctx.as4 && p.a.ctx.ebgp && p.a.enhanced_rr);
	ck_assert(p.a.ctx.addpath[AID_IPV4_UNICAST] && !p.a.ctx.addpath[AID_IPV6_UNICAST]);
	ck_assert(!p.b.ctx.addpath[AID_IPV4_UNICAST]);      /* B sends them, receives none */
	ck_assert_uint_eq(p.a.families, SPEAKER_FAM_IPV4 | SPEAKER_FAM_IPV6);
	ck_assert_uint_eq(p.a.ctx.max_len, BGP_MAX_LEN);
	pair_free(&p);
}
END_TEST

START_TEST(test_wrong_peer_as)
{
	struct pair p;

	pair_start(&p, 65009);
	pair_run(&p);
	ck_assert_int_eq(p.b.end, SPEAKER_NOTIFIED);
	ck_assert_int_eq(p.a.end, SPEAKER_NOTIFIED_BY);
	ck_assert_uint_eq(p.a.peer_code, BGP_ERR_OPEN);
	ck_assert_ptr_nonnull(strstr(p.a.why, "NOTIFICATION 2/2"));
	ck_assert_uint_eq(p.sa.established + p.sb.established, 0);
	pair_free(&p);
}
END_TEST

START_TEST(test_update_and_refresh)
{
	static const uint8_t body[] = { 0, 0, 0, 0 };   /* End-of-RIB for IPv4 */
	struct bgp_route_refresh rr = { BGP_AFI_IPV4, BGP_RR_NORMAL, BGP_SAFI_UNICAST };
	struct pair p;
	struct wbuf w;

	pair_start(&p, 0);
	pair_run(&p);
	w = speaker_wbuf(&p.b);
	size_t start = bgp_msg_begin(&w, BGP_UPDATE);
	wbuf_bytes(&w, body, sizeof body);
	bgp_msg_finish(&w, start);
	bgp_route_refresh_encode(&w, &rr);
	ck_assert(speaker_commit(&p.b, &w));
	pair_run(&p);
	ck_assert_uint_eq(p.sa.updates, 1);
	ck_assert_uint_eq(p.sa.update_len, BGP_HEADER_LEN + sizeof body);
	ck_assert_uint_eq(p.sa.refreshes, 1);
	ck_assert_uint_eq(p.sa.rr_subtype, BGP_RR_NORMAL);
	ck_assert(!speaker_ended(&p.a) && !speaker_ended(&p.b));
	pair_free(&p);
}
END_TEST

/* A KEEPALIVE in two writes: the first half waits for the second. */
START_TEST(test_half_message)
{
	struct pair p;
	uint8_t ka[BGP_HEADER_LEN];
	size_t n = keepalive(ka);

	pair_start(&p, 0);
	pair_run(&p);
	ck_assert_int_eq(write(p.b.fd, ka, 7), 7);
	speaker_handle(&p.a, POLLIN);
	ck_assert_uint_eq(p.a.in_len, 7);
	ck_assert(!speaker_ended(&p.a));
	ck_assert_int_eq(write(p.b.fd, ka + 7, n - 7), (ssize_t)(n - 7));
	speaker_handle(&p.a, POLLIN);
	ck_assert_uint_eq(p.a.in_len, 0);
	ck_assert(!speaker_ended(&p.a));
	pair_free(&p);
}
END_TEST

/* Bulk bytes go first, whole, in chunks; a message queued meanwhile
 * follows them. */
START_TEST(test_bulk_before_queue)
{
	static uint8_t bulk[40 * 23];
	struct pair p;
	struct wbuf w;

	for (size_t i = 0; i < sizeof bulk; i += 23) {
		struct wbuf u = wbuf_make(bulk + i, 23);
		size_t start = bgp_msg_begin(&u, BGP_UPDATE);
		wbuf_u16(&u, 0);
		wbuf_u16(&u, 0);
		bgp_msg_finish(&u, start);
	}
	pair_start(&p, 0);
	p.cb.write_chunk = 100;
	pair_run(&p);
	speaker_send_bulk(&p.b, bulk, sizeof bulk);
	speaker_handle(&p.b, POLLOUT);
	ck_assert_uint_eq(speaker_bulk_sent(&p.b), 100);
	w = speaker_wbuf(&p.b);
	bgp_keepalive_encode(&w);
	speaker_commit(&p.b, &w);
	pair_run(&p);
	ck_assert(speaker_bulk_done(&p.b));
	ck_assert_uint_eq(p.sa.updates, 40);
	ck_assert_uint_eq(speaker_pending(&p.b), 0);
	ck_assert(!speaker_ended(&p.a));
	pair_free(&p);
}
END_TEST

START_TEST(test_hold_timer)
{
	struct pair p;

	pair_start(&p, 0);
	pair_run(&p);
	p.a.last_rx -= 31;
	speaker_handle(&p.a, 0);
	ck_assert_int_eq(p.a.end, SPEAKER_NOTIFIED);
	ck_assert_ptr_nonnull(strstr(p.a.why, "NOTIFICATION 4/0"));
	speaker_handle(&p.b, POLLIN);
	ck_assert_int_eq(p.b.end, SPEAKER_NOTIFIED_BY);
	ck_assert_uint_eq(p.b.peer_code, BGP_ERR_HOLD);
	pair_free(&p);
}
END_TEST

START_TEST(test_close_sends_cease)
{
	struct pair p;

	pair_start(&p, 0);
	pair_run(&p);
	p.ca.close_wait = 0.2;
	speaker_close(&p.a, "test over");
	ck_assert_int_eq(p.a.fd, -1);
	speaker_handle(&p.b, POLLIN);
	ck_assert_int_eq(p.b.end, SPEAKER_NOTIFIED_BY);
	ck_assert_uint_eq(p.b.peer_code, BGP_ERR_CEASE);
	ck_assert_ptr_nonnull(strstr(p.b.why, "test over"));
	pair_free(&p);
}
END_TEST

START_TEST(test_hostport)
{
	struct sockaddr_mux sa;

	ck_assert(net_parse_hostport("127.0.0.1", &sa));
	ck_assert_uint_eq(sockaddr_port(&sa), 179);
	ck_assert(net_parse_hostport("127.0.0.1:1179", &sa));
	ck_assert_uint_eq(sockaddr_port(&sa), 1179);
	ck_assert(net_parse_hostport("::1", &sa));
	ck_assert_int_eq(sockaddr_family(&sa), AF_INET6);
	ck_assert_uint_eq(sockaddr_port(&sa), 179);
	ck_assert(net_parse_hostport("[::1]:1179", &sa));
	ck_assert_uint_eq(sockaddr_port(&sa), 1179);
	ck_assert(!net_parse_hostport("[::1", &sa));
	ck_assert(!net_parse_hostport("[::1]x", &sa));
	ck_assert(!net_parse_hostport("127.0.0.1:0", &sa));
	ck_assert(!net_parse_hostport("127.0.0.1:65536", &sa));
	ck_assert(!net_parse_hostport("localhost", &sa));
}
END_TEST

/* One IPv4 UPDATE announcing (or withdrawing) 10.0.k.0/24, k < n, with
 * MED med; decoded into u. */
static void make_update(uint8_t *buf, size_t cap, unsigned n, uint32_t med, bool withdraw,
    struct bgp_update *u, uint8_t *scratch, size_t scap)
{
	static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xe9 };
	static const struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true,
	    .max_len = BGP_MAX_LEN };
	uint8_t attrs[128];
	struct wbuf aw = wbuf_make(attrs, sizeof attrs), w = wbuf_make(buf, cap);
	struct bgp_attrs a = { .present = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) |
	    BGP_ATTR_BIT(BGP_ATTR_AS_PATH) | BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP) |
	    BGP_ATTR_BIT(BGP_ATTR_MED), .med = med,
	    .as_path = { path, sizeof path }, .next_hop = { 192, 0, 2, 1 } };
	struct bgp_pack_spec spec = { .afi = BGP_AFI_IPV4, .safi = BGP_SAFI_UNICAST,
	    .withdraw = withdraw, .attrs = attrs, .max_len = BGP_MAX_LEN };
	struct bgp_packer pk;
	struct bgp_err e = { 0 };
	size_t len;

	bgp_attrs_encode(&aw, &a, &ctx);
	spec.attrs_len = withdraw ? 0 : aw.len;
	ck_assert(bgp_packer_begin(&pk, &w, &spec));
	for (unsigned k = 0; k < n; k++) {
		struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24,
		    .addr = { 10, 0, (uint8_t)k } };
		ck_assert(bgp_packer_add(&pk, &p));
	}
	len = bgp_packer_finish(&pk);
	ck_assert(bgp_update_decode(buf + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &ctx,
	    scratch, scap, u, &e));
}

START_TEST(test_table_and_files)
{
	static const struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_MAX_LEN };
	static uint8_t buf[BGP_MAX_LEN], scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	char path[] = "/tmp/test_toollib.XXXXXX";
	struct rtable got, want;
	struct bgp_update u;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(rtable_init(&want, 10));
	make_update(buf, sizeof buf, 5, 10, false, &u, scratch, sizeof scratch);
	ck_assert(rtable_apply(&want, &u, &ctx));
	ck_assert_uint_eq(want.present, 5);
	ck_assert(rtable_dump(&want, path));

	memset(&got, 0, sizeof got);
	ck_assert(rtable_expect(&got, path));
	ck_assert_uint_eq(got.expected, 5);
	ck_assert_uint_eq(got.present, 0);
	/* Four of them with the same attributes, one with another MED. */
	make_update(buf, sizeof buf, 4, 10, false, &u, scratch, sizeof scratch);
	ck_assert(rtable_apply(&got, &u, &ctx));
	ck_assert_uint_eq(got.matched, 4);
	make_update(buf, sizeof buf, 5, 20, false, &u, scratch, sizeof scratch);
	ck_assert(rtable_apply(&got, &u, &ctx));
	ck_assert_uint_eq(got.matched, 5);
	ck_assert_uint_eq(rtable_attr_mismatch(&got), 5);
	/* Withdrawn: missing again, and a second withdrawal is stray. */
	make_update(buf, sizeof buf, 2, 0, true, &u, scratch, sizeof scratch);
	ck_assert(rtable_apply(&got, &u, &ctx));
	ck_assert(rtable_apply(&got, &u, &ctx));
	ck_assert_uint_eq(got.matched, 3);
	ck_assert_uint_eq(got.stray, 2);
	ck_assert_uint_eq(got.announced, 9);
	ck_assert_uint_eq(got.withdrawn, 4);
	rtable_free(&got);
	rtable_free(&want);
	unlink(path);
}
END_TEST

START_TEST(test_recording)
{
	static const struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_MAX_LEN };
	static uint8_t buf[BGP_MAX_LEN], scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	char path[] = "/tmp/test_toollib.XXXXXX";
	struct recording rec;
	struct bgp_update u;
	uint8_t ka[BGP_HEADER_LEN];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "wb");
	size_t len;

	make_update(buf, sizeof buf, 3, 0, false, &u, scratch, sizeof scratch);
	len = (size_t)(buf[16] << 8 | buf[17]);
	ck_assert(recording_write_header(f, &ctx, 65001, 0x01020304));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	ck_assert(recording_load(&rec, path));
	ck_assert_uint_eq(rec.messages, 2);
	ck_assert_uint_eq(rec.len, 2 * len);
	ck_assert_uint_eq(rec.flags, RECORDING_AS4);
	ck_assert_uint_eq(rec.peer_as, 65001);
	recording_free(&rec);
	/* A KEEPALIVE is no UPDATE: the file is refused. */
	f = fopen(path, "ab");
	ck_assert_uint_eq(fwrite(ka, 1, keepalive(ka), f), BGP_HEADER_LEN);
	fclose(f);
	ck_assert(!recording_load(&rec, path));
	recording_free(&rec);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("toollib");
	TCase *tc = tcase_create("core");

	tool_init("test_toollib");
	tcase_add_test(tc, test_open_negotiates);
	tcase_add_test(tc, test_wrong_peer_as);
	tcase_add_test(tc, test_update_and_refresh);
	tcase_add_test(tc, test_half_message);
	tcase_add_test(tc, test_bulk_before_queue);
	tcase_add_test(tc, test_hold_timer);
	tcase_add_test(tc, test_close_sends_cease);
	tcase_add_test(tc, test_hostport);
	tcase_add_test(tc, test_table_and_files);
	tcase_add_test(tc, test_recording);
	suite_add_tcase(s, tc);
	return check_run(s);
}
