/*
 * test_export_send.c — a view host's sender (muxd/export_send.h) against
 * a real session over a socketpair, the instance host played by the test
 * (tests/unit/neighbor.h), which rebuilds the view from the wire as an
 * instance host does (rib_vpn_import): live changes of one loop pass
 * share UPDATEs, and with a dump in progress the copy ends equal to the
 * view, every change applied in order, whether the walk had passed its
 * route or not; an instance host that reads nothing is let go; a view
 * whose distinguisher changes moves from the old one to the new.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "muxd/engine/session.h"
#include "muxd/export_send.h"
#include "muxd/rib/rib_vpn.h"
#include "tests/unit/attrset_fixture.h"
#include "tests/unit/check_run.h"
#include "tests/unit/neighbor.h"
#include "views/feed.h"

#define SECOND_US 50000
#define ASN 65000
#define VIEW_ID 7

static const struct bgp_family vpn_fams[] = {
	{ BGP_AFI_IPV4, BGP_SAFI_VPN }, { BGP_AFI_IPV6, BGP_SAFI_VPN },
};

/* ---- the session ------------------------------------------------------ */

static unsigned gone, fails;
static bool neighbor_enhanced_rr;       /* its OPEN offers enhanced refresh */
static char fail_why[200];
static struct session *sess;
static struct nb nbr;

static void on_state(struct session *s, enum fsm_state from, enum fsm_state to,
    const char *reason, void *arg)
{
	(void)s, (void)from, (void)to, (void)reason, (void)arg;
}

static bool on_open(struct session *s, const struct bgp_open *o, void *arg)
{
	(void)s, (void)o, (void)arg;
	return true;
}

static void on_gone(struct session *s, void *arg)
{
	(void)s, (void)arg;
	gone++;
}

static const struct session_ops ops = {
	.state_changed = on_state, .open_received = on_open, .gone = on_gone,
};

static bool is_established(void *arg)
{
	return session_state(arg) == FSM_ESTABLISHED;
}

/* An export session as muxd's export.c makes it: iBGP, the VPN families,
 * ADD-PATH both ways on them; the neighbor takes them all. The longest
 * hold time: the neighbor sends no KEEPALIVE, and a test's engine seconds
 * are short (90 of them pass in 4.5 s). */
static void session_up(void)
{
	struct session_params sp = { .label = "export host ih-test", .local_as = ASN,
	    .local_id = 0xc0000201u, .remote_as = ASN, .hold_time = 65535,
	    .connect_retry = 5, .passive = true, .family_count = 2,
	    .add_path = BGP_ADDPATH_BOTH, .add_path_vpn = true };
	static struct nb_msg m;
	struct bgp_open o;

	memcpy(sp.families, vpn_fams, sizeof vpn_fams);
	sess = session_new(nb_base, &sp, &ops, NULL);
	session_accept(sess, nb_pair(&nbr));
	ck_assert(nb_expect_open(&nbr, &m, &o, 15));
	nb_open_init(&o, ASN, 0x0a000001u, 65535, vpn_fams, 2);
	o.caps.present |= BGP_CAPF_ADD_PATH;
	for (int i = 0; i < 2; i++)
		o.caps.addpath[i] = (struct bgp_addpath_family){ vpn_fams[i],
			BGP_ADDPATH_BOTH };
	o.caps.addpath_count = 2;
	if (neighbor_enhanced_rr)
		o.caps.present |= BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ENHANCED_RR;
	/* EXPORT_SEND_BENCH=65535: extended messages, as two muxd hosts have */
	if (getenv("EXPORT_SEND_BENCH") && atoi(getenv("EXPORT_SEND_BENCH")) == BGP_EXT_MAX_LEN)
		o.caps.present |= BGP_CAPF_EXT_MESSAGE;
	nb_send_open(&nbr, &o);
	ck_assert(nb_expect(&nbr, BGP_KEEPALIVE, &m, 15));
	nb_send_keepalive(&nbr);
	ck_assert(nb_until(is_established, sess, 15));
}

/* ---- the view and its copy ------------------------------------------------ */

static struct attrstore *store, *copy_store;
static struct adjrib *rib, *copy, *copy_new;   /* copy_new: under VIEW_ID + 1 */
static struct feed *feed;
static struct attrset *set_a, *set_b;
static struct export_send *sender;

static void route(unsigned i, uint32_t path_id, struct bgp_prefix *p)
{
	memset(p, 0, sizeof *p);
	p->afi = BGP_AFI_IPV4;
	p->len = 24;
	p->addr[0] = 10;
	p->addr[1] = (uint8_t)(i >> 8);
	p->addr[2] = (uint8_t)i;
	p->path_id = path_id;
}

/* The table changes, and the feed says so, as a view does. */
static void change(unsigned i, uint32_t path_id, struct attrset *set)
{
	struct bgp_prefix p;
	struct feed_event ev = { .type = FEED_ROUTE, .prefix = &p, .set = set };

	route(i, path_id, &p);
	if (set) {
		ev.change = adjrib_get(rib, &p) ? FEED_REPLACE : FEED_ANNOUNCE;
		adjrib_announce(rib, &p, set);
	} else {
		ck_assert(adjrib_withdraw(rib, &p));
		ev.change = FEED_WITHDRAW;
	}
	feed_publish(feed, &ev);
}

static void on_fail(const char *why, void *arg)
{
	(void)arg;
	snprintf(fail_why, sizeof fail_why, "%s", why);
	fails++;
}

static void setup(void)
{
	nb_start(SECOND_US);
	store = attrstore_new();
	copy_store = attrstore_new();
	rib = adjrib_new(store);
	copy = adjrib_new(copy_store);
	copy_new = adjrib_new(copy_store);
	feed = feed_new(rib);
	set_a = intern_vpn_med(store, 10);
	set_b = intern_vpn_med(store, 20);
	gone = fails = 0;
	session_up();
	sender = export_send_new(nb_base, sess, "export host ih-test", on_fail, NULL);
	export_send_add_view(sender, "isp-a", feed, ASN, VIEW_ID);
}

static void teardown(void)
{
	export_send_free(sender);
	session_abort(sess);
	nb_run(0.5);
	ck_assert_uint_eq(gone, 1);
	nb_end();
	feed_free(feed);
	attrset_put(set_a);
	attrset_put(set_b);
	adjrib_free(rib);
	adjrib_free(copy);
	adjrib_free(copy_new);
	attrstore_free(store);
	attrstore_free(copy_store);
}

/* ---- the instance host's side ---------------------------------------------- */

/* The copy of the view's distinguisher: ASN:VIEW_ID, or ASN:VIEW_ID+1. */
static struct adjrib *copy_of(const struct bgp_rd *rd)
{
	struct bgp_rd mine, next;

	ck_assert(bgp_rd_make(ASN, VIEW_ID, &mine) && bgp_rd_make(ASN, VIEW_ID + 1, &next));
	if (memcmp(rd, &mine, sizeof mine) == 0)
		return copy;
	ck_assert_msg(memcmp(rd, &next, sizeof next) == 0, "a route of another view");
	return copy_new;
}

static void on_announce(const struct bgp_vpn_prefix *vp, const struct bgp_attrs *a,
    const uint8_t *nh, size_t nh_len, void *arg)
{
	struct attrset *set = attrset_intern(copy_store, a, nh, nh_len);
	(void)arg;

	adjrib_announce(copy_of(&vp->rd), &vp->p, set);
	attrset_put(set);
}

/* A withdrawal of a route the copy does not hold: out of order. */
static void on_withdraw(const struct bgp_vpn_prefix *vp, void *arg)
{
	(void)arg;
	ck_assert_msg(adjrib_withdraw(copy_of(&vp->rd), &vp->p),
	    "a withdrawal before its route");
}

struct seen {
	size_t updates, routes, eor;
	size_t eorr, eorr_want;         /* EoRR markers read, and awaited */
};

/* A BoRR makes the copy start again, as RFC 7313's receiver marks every
 * route stale (the walk sends each again before any change to it). */
static void refresh_marker(const struct nb_msg *m, struct seen *sn)
{
	struct bgp_route_refresh rr;
	struct bgp_err err;

	ck_assert(bgp_route_refresh_decode(m->body, m->len, &rr, &err));
	if (rr.subtype == BGP_RR_BORR)
		adjrib_clear(copy);
	sn->eorr += rr.subtype == BGP_RR_EORR;
}

/* Engine seconds a test waits for what it expects (30 real seconds). */
#define WAIT 600

/* Read and import what comes until sn counts eor End-of-RIB markers and
 * routes routes (the loop runs meanwhile: the sender's steps and
 * flushes). */
static void read_until(struct seen *sn, size_t eor, size_t routes)
{
	static const struct rib_vpn_import_ops iops = { on_announce, on_withdraw };
	static uint8_t scratch[BGP_ATTR_SCRATCH(BGP_EXT_MAX_LEN)];
	static struct nb_msg m;
	struct bgp_codec_ctx ctx = { .as4 = true, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_update u;
	struct bgp_err err;

	ctx.addpath[AID_IPV4_VPN] = ctx.addpath[AID_IPV6_VPN] = true;
	while (sn->eor < eor || sn->routes < routes || sn->eorr < sn->eorr_want) {
		ck_assert_msg(nb_recv(&nbr, &m, WAIT), "%zu End-of-RIB, %zu routes after "
		    "%d s: %zu and %zu expected (the sender failed %u times: %s)", sn->eor,
		    sn->routes, WAIT, eor, routes, fails, fail_why);
		if (m.type == BGP_ROUTE_REFRESH)
			refresh_marker(&m, sn);
		if (m.type != BGP_UPDATE)
			continue;
		ck_assert(bgp_update_decode(m.body, m.len, &ctx, scratch, sizeof scratch,
		    &u, &err));
		sn->updates++;
		sn->eor += u.end_of_rib;
		sn->routes += rib_vpn_import(&u, &ctx, &iops, NULL);
	}
}

struct compare {
	const struct adjrib *copy;
	size_t n;
};

static int same_as_view(const struct bgp_prefix *p, struct attrset *set, void *arg)
{
	struct compare *c = arg;
	struct attrset *other = adjrib_get(c->copy, p);
	size_t la, lb;

	ck_assert_ptr_nonnull(other);
	const uint8_t *wa = attrset_wire(set, &la), *wb = attrset_wire(other, &lb);
	ck_assert(la == lb && memcmp(wa, wb, la) == 0);
	c->n++;
	return 0;
}

static void equals_view(const struct adjrib *c)
{
	struct compare cmp = { c, 0 };

	adjrib_walk(rib, 0, same_as_view, &cmp);
	ck_assert_uint_eq(cmp.n, adjrib_count(rib, 0));
	ck_assert_uint_eq(adjrib_count(c, 0), cmp.n);
}

/* Two paths on each of 20,000 prefixes, and the dump started: its first
 * step is out, so the walk is past route 0 and not past 19,999. */
static void dump_begun(void)
{
	double until;

	for (unsigned i = 0; i < 20000; i++) {
		change(i, 1, set_a);
		change(i, 2, set_b);
	}
	export_send_start(sender);
	until = nb_now() + WAIT;
	while (export_send_stats(sender)->routes == 0 && nb_run_once(until))
		;
}

/* ---- the tests ----------------------------------------------------------- */

/* 1,000 announcements then 1,000 withdrawals in one loop pass (a table
 * arriving, an upstream going down) take a few full UPDATEs, not one
 * each; the instance host's copy follows. */
START_TEST(test_live_changes_share_updates)
{
	struct seen dump = { 0 }, live = { 0 };

	export_send_start(sender);
	read_until(&dump, 2, 0);
	for (unsigned i = 0; i < 1000; i++)
		change(i, 1, set_a);
	read_until(&live, 0, 1000);
	equals_view(copy);
	for (unsigned i = 0; i < 1000; i++)
		change(i, 1, NULL);
	read_until(&live, 0, 2000);
	nb_run(1);                      /* nothing more comes */
	ck_assert_uint_eq(nbr.len, 0);
	ck_assert_uint_eq(live.routes, 2000);
	/* 1,000 routes of 20 bytes: 5 UPDATEs of 4,096 bytes each way */
	ck_assert_uint_le(live.updates, 12);
	ck_assert_uint_eq(export_send_stats(sender)->routes, 2000);
	ck_assert_uint_eq(adjrib_count(copy, 0), 0);
	ck_assert_uint_eq(fails, 0);
}
END_TEST

/*
 * A dump in progress (40,000 routes: steps of 16,384), changes in one
 * pass behind the walk (a route announced again, withdrawn, announced
 * with another set; its neighbour withdrawn) and ahead of it: the copy
 * ends equal to the view, no withdrawal ever comes before its route, and
 * the changes behind the walk share UPDATEs.
 */
START_TEST(test_changes_during_dump)
{
	struct seen sn = { 0 };

	dump_begun();
	ck_assert_uint_gt(export_send_stats(sender)->routes, 0);
	ck_assert_uint_lt(export_send_stats(sender)->routes, 40000);
	change(0, 1, set_b);
	change(0, 1, NULL);
	change(0, 1, set_a);
	change(1, 2, NULL);
	change(19999, 1, NULL);
	change(19999, 2, set_a);
	change(19998, 3, set_b);
	read_until(&sn, 2, 0);          /* End-of-RIB: the dump and its changes are in */
	equals_view(copy);
	ck_assert_uint_eq(fails, 0);
}
END_TEST

/*
 * A table arriving and half of it going in two loop passes, faster than
 * the instance host reads (here: anything queued beyond the socket is too
 * much): the family goes again from the view between BoRR and EoRR
 * instead of change by change, nothing fails, and the copy — started
 * again at the BoRR — ends equal to the view.
 */
START_TEST(test_overrun_sends_the_family_again)
{
	struct seen sn = { 0 };

	teardown();
	neighbor_enhanced_rr = true;
	setup();
	neighbor_enhanced_rr = false;
	export_send_set_live_high(sender, 1);
	export_send_start(sender);
	read_until(&sn, 2, 0);
	for (unsigned i = 0; i < 60000; i++)
		change(i, 1, set_a);
	nb_run(0.1);
	for (unsigned i = 0; i < 60000; i += 2)
		change(i, 1, NULL);
	ck_assert_uint_ge(export_send_stats(sender)->overruns, 1);
	sn.eorr_want = 1;
	read_until(&sn, 2, 0);
	nb_run(1);                      /* nothing comes after the EoRR */
	ck_assert_uint_eq(nbr.len, 0);
	equals_view(copy);
	ck_assert_uint_eq(adjrib_count(copy, 0), 30000);
	ck_assert_uint_eq(fails, 0);
}
END_TEST

static bool failed(void *arg)
{
	(void)arg;
	return fails > 0;
}

/* An instance host that stops reading in the middle of the dump: its
 * socket fills, then the sender's output stands still, and after 10 s
 * (EXPORT_STALL_SECS) the owner is told to close it, once. */
START_TEST(test_stalled_host_is_let_go)
{
	for (unsigned i = 0; i < 20000; i++) {
		change(i, 1, set_a);
		change(i, 2, set_b);
	}
	event_del(nbr.ev);              /* it reads nothing from now on */
	export_send_start(sender);
	double t0 = nb_now();
	ck_assert(nb_until(failed, NULL, 60));
	ck_assert_double_ge(nb_now() - t0, 10);
	ck_assert_msg(strstr(fail_why, "has not read a byte") != NULL, "%s", fail_why);
	nb_run(2);
	ck_assert_uint_eq(fails, 1);
}
END_TEST

/* The upstream's id changes (a reload) in the middle of the dump: what
 * the instance host got under the old distinguisher is withdrawn, and the
 * whole view comes under the new one. */
START_TEST(test_view_id_changes)
{
	struct seen sn = { 0 };

	dump_begun();
	export_send_view_id(sender, feed, ASN, VIEW_ID + 1);
	change(5, 1, NULL);
	read_until(&sn, 2, 0);
	ck_assert_uint_eq(adjrib_count(copy, 0), 0);
	equals_view(copy_new);
	ck_assert_uint_eq(fails, 0);
}
END_TEST

/*
 * The measurement of docs/scaleout.md ("Live changes, measured"), run
 * only when asked (EXPORT_SEND_BENCH=1; =65535 with extended messages
 * negotiated, as between two muxd hosts): a view of 1M paths dumped, then
 * every path withdrawn in one pass as its upstream going down makes the
 * view do, with the instance host not reading (the UPDATEs wait in the
 * session's queue). Prints the UPDATEs, bytes and CPU time the
 * withdrawals took through the sender.
 */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(bench_view_down)
{
	const unsigned prefixes = 500000;
	struct bgp_prefix *all = malloc(2 * prefixes * sizeof *all);
	struct seen dump = { 0 };
	size_t n = 0;

	ck_assert_ptr_nonnull(all);
	for (unsigned i = 0; i < prefixes; i++)
		for (uint32_t k = 1; k <= 2; k++, n++) {
			route(i, k, &all[n]);
			all[n].addr[0] = (uint8_t)(10 + (i >> 16));
			adjrib_announce(rib, &all[n], k == 1 ? set_a : set_b);
		}
	export_send_start(sender);
	read_until(&dump, 2, n);
	event_del(nbr.ev);
	const struct session_counters *tx = session_counters_tx(sess);
	uint64_t updates = tx->msgs[BGP_UPDATE], bytes = tx->bytes;
	double t0 = cpu_now();
	for (size_t j = 0; j < n; j++) {
		struct feed_event ev = { .type = FEED_ROUTE, .prefix = &all[j],
			.change = FEED_WITHDRAW, .clearing = true };
		feed_publish(feed, &ev);
	}
	nb_run_once(nb_now() + 1);      /* the end of the pass: the flush */
	printf("{\"paths\":%zu,\"updates\":%llu,\"bytes\":%llu,\"cpu_s\":%.3f}\n", n,
	    (unsigned long long)(tx->msgs[BGP_UPDATE] - updates),
	    (unsigned long long)(tx->bytes - bytes), cpu_now() - t0);
	free(all);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export_send");
	TCase *tc = tcase_create("export_send");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_live_changes_share_updates);
	tcase_add_test(tc, test_changes_during_dump);
	tcase_add_test(tc, test_stalled_host_is_let_go);
	tcase_add_test(tc, test_overrun_sends_the_family_again);
	tcase_add_test(tc, test_view_id_changes);
	if (getenv("EXPORT_SEND_BENCH")) {
		tcase_set_timeout(tc, 600);
		tcase_add_test(tc, bench_view_down);
	}
	suite_add_tcase(s, tc);
	return check_run(s);
}
