/*
 * test_dp_kernel.c — the data plane's kernel ops (muxd/dp_kernel.c)
 * against a real kernel, in a network namespace of the test's own (root
 * only; skipped otherwise), with a data plane that records what the ops
 * report to it (dp_route_failed, dp_batch_failed, dp_route_lost, defined
 * here in place of dataplane/dataplane.c's): queued route changes reach
 * the table at flush; a batch the socket refuses as a whole is counted
 * once and its routes go again one by one; when even that fails, every
 * route of it is counted lost, none silently.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxd/dp_kernel.h"
#include "muxd/kernel/knl_int.h"
#include "tests/unit/check_run.h"

#define TABLE 20001
#define N 300

/* ---- the recording data plane ------------------------------------------------ */

static struct {
	size_t refused, batches, lost;
	uint32_t lost_table;
} rec;

void dp_route_failed(struct dataplane *dp, uint32_t table, const struct bgp_prefix *dst,
    int err, const char *why)
{
	(void)dp, (void)table, (void)dst, (void)err, (void)why;
	rec.refused++;
}

void dp_batch_failed(struct dataplane *dp)
{
	(void)dp;
	rec.batches++;
}

void dp_route_lost(struct dataplane *dp, uint32_t table)
{
	(void)dp;
	rec.lost++;
	rec.lost_table = table;
}

/* ---- a namespace, the ops' socket and a second one that looks ----------------- */

static struct knl *nl, *look;
static struct dp_kernel *k;
static int opaque;              /* the data plane's address: never read */

static void setup(void)
{
	memset(&rec, 0, sizeof rec);
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	ck_assert(knl_open(&nl) == 0);
	ck_assert(knl_open(&look) == 0);
	uint32_t lo;
	ck_assert(knl_link_index(look, "lo", &lo) == 0);
	ck_assert(knl_link_up(look, lo) == 0);
	k = dp_kernel_new(nl);
	dp_kernel_set_dataplane(k, (struct dataplane *)&opaque);
}

static void teardown(void)
{
	dp_kernel_free(k);
	knl_close(nl);
	knl_close(look);
}

static size_t in_table(void)
{
	struct kroute_filter f = { AF_INET, KMSG_RTPROT_BGPMUX, TABLE, TABLE };
	size_t n;

	ck_assert_msg(knl_routes_count(look, &f, &n) == 0, "%s", knl_error(look));
	return n;
}

static struct bgp_prefix prefix(uint32_t i)
{
	struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24 };

	p.addr[0] = 172;
	p.addr[1] = (uint8_t)(16 + i / 256);
	p.addr[2] = (uint8_t)i;
	return p;
}

/* N routes "dev lo" queued and flushed. */
static void set_all(void)
{
	for (uint32_t i = 0; i < N; i++) {
		struct dp_route r = { .table = TABLE, .dst = prefix(i), .oif = "lo" };
		dp_kernel_ops.route_set(&r, k);
	}
	dp_kernel_flush(k);
}

static void del_all(void)
{
	for (uint32_t i = 0; i < N; i++) {
		struct bgp_prefix p = prefix(i);
		dp_kernel_ops.route_del(TABLE, &p, k);
	}
	dp_kernel_flush(k);
}

static int sock_fd(void)
{
	return mnl_socket_get_fd(nl->sock);
}

START_TEST(test_batches)
{
	set_all();
	ck_assert_uint_eq(in_table(), N);
	del_all();
	ck_assert_uint_eq(in_table(), 0);
	ck_assert_uint_eq(rec.batches + rec.lost + rec.refused, 0);
}
END_TEST

/* A send buffer too small for a sendmsg of a batch (the kernel refuses it
 * with EMSGSIZE), large enough for one route: each batch fails once, is
 * counted once, and every route still gets in, and out. */
START_TEST(test_batch_refused_sent_again)
{
	int small = 1;

	ck_assert_int_eq(setsockopt(sock_fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
	set_all();
	ck_assert_uint_eq(rec.batches, 1);
	ck_assert_uint_eq(in_table(), N);
	del_all();
	ck_assert_uint_eq(rec.batches, 2);
	ck_assert_uint_eq(in_table(), 0);
	ck_assert_uint_eq(rec.lost + rec.refused, 0);
}
END_TEST

/* A socket that is gone (ENOTSOCK): the batch and the first route sent
 * again fail; every route is counted lost in its table. (A round first,
 * on the live socket, so that the ops know lo's index.) */
START_TEST(test_batch_lost_counted)
{
	set_all();
	del_all();
	int null = open("/dev/null", O_RDWR);

	ck_assert_int_ge(null, 0);
	ck_assert_int_eq(dup2(null, sock_fd()), sock_fd());
	close(null);
	set_all();
	ck_assert_uint_eq(rec.batches, 1);
	ck_assert_uint_eq(rec.lost, N);
	ck_assert_uint_eq(rec.lost_table, TABLE);
	ck_assert_uint_eq(rec.refused, 0);
	ck_assert_uint_eq(in_table(), 0);
}
END_TEST

/* An upgrade in place: the macvlan the previous muxd left is kept (the
 * same interface, not made again) and its address and rule count as
 * added; without the takeover each is refused as already there. */
START_TEST(test_adopt_keeps_link)
{
	const struct dp_kernel_ops *o = &dp_kernel_ops;
	static const uint8_t mac[6] = { 0x02, 0x62, 0x6d, 0x78, 0, 1 };
	struct sockaddr_mux a;
	uint32_t before, after;

	ck_assert_int_eq(system("ip link add vn0 type veth peer name vn1 && ip link set vn0 up"), 0);
	ck_assert(sockaddr_parse("10.201.0.11", 0, &a));
	ck_assert_int_eq(o->link_add("mux1", "vn0", mac, k), 0);
	ck_assert_int_eq(o->addr_add("mux1", &a, 32, k), 0);
	ck_assert_int_eq(o->rule_add("mux1", AF_INET, TABLE, 1000, k), 0);
	ck_assert(knl_link_index(look, "mux1", &before) == 0);
	ck_assert_int_eq(o->link_add("mux1", "vn0", mac, k), -EEXIST);
	ck_assert_int_eq(o->addr_add("mux1", &a, 32, k), -EEXIST);
	ck_assert_int_eq(o->rule_add("mux1", AF_INET, TABLE, 1000, k), -EEXIST);
	dp_kernel_keep_link(k, "mux1");
	dp_kernel_adopting(k, true);
	ck_assert_int_eq(o->link_add("mux1", "vn0", mac, k), 0);
	ck_assert_int_eq(o->addr_add("mux1", &a, 32, k), 0);
	ck_assert_int_eq(o->rule_add("mux1", AF_INET, TABLE, 1000, k), 0);
	dp_kernel_adopting(k, false);
	ck_assert(knl_link_index(look, "mux1", &after) == 0);
	ck_assert_uint_eq(before, after);
}
END_TEST

static Suite *dp_kernel_suite(void)
{
	Suite *s = suite_create("dp_kernel");
	TCase *tc = tcase_create("netns");

	if (geteuid() != 0) {
		printf("test_dp_kernel: SKIPPED: not root (it needs a network namespace)\n");
		return s;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_batch_refused_sent_again);
	tcase_add_test(tc, test_batch_lost_counted);
	tcase_add_test(tc, test_adopt_keeps_link);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(dp_kernel_suite());
}
