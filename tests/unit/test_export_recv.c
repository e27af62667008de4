/*
 * test_export_recv.c — an instance host's view rebuilt from its view
 * host's VPN routes (muxd/export_recv.h), with its paths bound: an UPDATE
 * that would take the view past the bound puts nothing more in it, and
 * the owner is told once, with Cease 6/1's data; paths replaced, or
 * withdrawn and others announced, within the bound are not.
 */
#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/config/config.h"
#include "muxd/daemon_int.h"
#include "muxd/export_recv.h"
#include "muxd/rib/rib_vpn.h"
#include "tests/unit/attrset_fixture.h"
#include "tests/unit/check_run.h"
#include "views/feed.h"
#include "views/view.h"

#define BOUND 100

static struct event_base *base;
static struct config *cfg;
static struct daemon d;
static struct neighbor nb;
static struct export_recv *recv_;
static struct session_negotiated neg;   /* the export session's */
static struct attrstore *store;
static struct attrset *sets[2];
static struct rib_vpn_spec spec;

static void gone(struct view *v, void *arg)
{
	(void)v, (void)arg;
}

static const struct view_ops view_ops = { .gone = gone };

/* An instance host with one upstream, isp-a (id 1), and its view. */
static void setup(void)
{
	struct jsonv errs = { 0 };
	struct peer_local local = { 65000, 0xc0000201u, NULL, NULL, NULL };

	base = event_base_new();
	cfg = config_load_string("{\"asn\": 65000, \"router_id\": \"192.0.2.1\", "
	    "\"view_host\": {\"address\": \"127.0.30.9\", \"port\": 1179}, "
	    "\"upstreams\": [{\"name\": \"isp-a\", \"id\": 1, \"instance\": "
	    "{\"address\": \"127.0.20.1\"}}]}", &errs);
	ck_assert_msg(cfg != NULL, "%s", errs.count ? errs.lines[0] : "");
	memset(&d, 0, sizeof d);
	d.base = base;
	d.cfg = cfg;
	nb = (struct neighbor){ .d = &d };
	nb.view = view_new(base, &cfg->upstreams[0].n, &local, VIEW_UPSTREAM, &view_ops,
	    NULL);
	d.upstreams = &nb;
	recv_ = export_recv_new(&d);
	export_recv_set_max_paths(recv_, BOUND);
	memset(&neg, 0, sizeof neg);
	neg.as4 = neg.rx.as4 = neg.tx.as4 = true;
	neg.rx.max_len = neg.tx.max_len = BGP_MAX_LEN;
	neg.rx.addpath[AID_IPV4_VPN] = true;
	store = attrstore_new();
	sets[0] = intern_vpn_med(store, 1);
	sets[1] = intern_vpn_med(store, 2);
	spec = (struct rib_vpn_spec){ .label = 17, .addpath = true, .max_len = BGP_MAX_LEN };
	ck_assert(bgp_rd_make(65000, 1, &spec.rd));
}

static void teardown(void)
{
	view_shutdown(nb.view, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	event_base_loop(base, EVLOOP_NONBLOCK);
	export_recv_free(recv_);
	attrset_put(sets[0]);
	attrset_put(sets[1]);
	attrstore_free(store);
	config_free(cfg);
	event_base_free(base);
}

/* Each UPDATE the batch makes, to the instance host as its session would
 * hand it up. */
static int deliver(const uint8_t *msg, size_t len, void *arg)
{
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_MAX_LEN)];
	struct bgp_update u;
	struct bgp_err err;
	size_t *updates = arg;

	ck_assert(bgp_update_decode(msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN, &neg.rx,
	    scratch, sizeof scratch, &u, &err));
	export_recv_update(recv_, &u, &neg);
	(*updates)++;
	return 0;
}

/* Routes first..first+n-1 (10.x.y.0/24, path id 1) with set (NULL:
 * withdrawn), in as few UPDATEs as fit. */
static size_t send_routes(unsigned first, unsigned n, struct attrset *set)
{
	size_t updates = 0;
	struct rib_vpn_batch *b = rib_vpn_batch_new(deliver, &updates);

	for (unsigned i = first; i < first + n; i++) {
		struct bgp_prefix p = { .afi = BGP_AFI_IPV4, .len = 24, .path_id = 1 };
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(i >> 8);
		p.addr[2] = (uint8_t)i;
		rib_vpn_batch_add(b, &p, set, BGP_AFI_IPV4, &spec);
	}
	rib_vpn_batch_flush(b);
	rib_vpn_batch_free(b);
	return updates;
}

static size_t held(void)
{
	return feed_route_count(view_feed(nb.view), 0);
}

/* 150 new paths in one UPDATE, the bound 100: the view keeps 100, and
 * the owner is told once, with AFI 1, SAFI 128 and the bound. */
START_TEST(test_over_the_bound)
{
	uint8_t data[7];
	static const uint8_t want[7] = { 0, 1, BGP_SAFI_VPN, 0, 0, 0, BOUND };

	ck_assert_uint_eq(send_routes(0, 150, sets[0]), 1);
	ck_assert_uint_eq(held(), BOUND);
	ck_assert(export_recv_over_limit(recv_, data));
	ck_assert_mem_eq(data, want, sizeof want);
	ck_assert(!export_recv_over_limit(recv_, data));
}
END_TEST

/* At the bound, paths replaced, and others in place of withdrawn ones,
 * are within it. */
START_TEST(test_within_the_bound)
{
	uint8_t data[7];

	send_routes(0, BOUND, sets[0]);
	send_routes(0, BOUND, sets[1]);
	send_routes(0, 10, NULL);
	send_routes(1000, 10, sets[0]);
	ck_assert_uint_eq(held(), BOUND);
	ck_assert(!export_recv_over_limit(recv_, data));
	send_routes(2000, 1, sets[0]);
	ck_assert_uint_eq(held(), BOUND);
	ck_assert(export_recv_over_limit(recv_, data));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export_recv");
	TCase *tc = tcase_create("export_recv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_over_the_bound);
	tcase_add_test(tc, test_within_the_bound);
	suite_add_tcase(s, tc);
	return check_run(s);
}
