/*
 * test_stale.c — Graceful Restart's stale routes (views/stale.h): marked
 * per family, refreshed one by one, swept at End-of-RIB or by the timer,
 * forgotten without a withdrawal; the view's rib is changed only through
 * the sweep callback.
 */
#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/rib/adjrib.h"
#include "muxd/bgp/bgp.h"
#include "views/stale.h"
#include "tests/unit/check_run.h"
#include "tests/unit/prefix_fixture.h"

#define BIT(n) (1ull << (n))

static const uint8_t path[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfd, 0xf2 };
static const uint8_t nh4[] = { 192, 0, 2, 1 };

struct fixture {
	struct event_base *base;
	struct attrstore *store;
	struct adjrib *rib;
	struct attrset *set;
	struct stale *st;
	int swept;                      /* sweep callbacks */
	int expired;                    /* timer sweeps */
	size_t expired_n;
};

/* What the view does: withdraw the route from its rib. */
static void sweep_cb(const struct bgp_prefix *p, void *arg)
{
	struct fixture *f = arg;
	ck_assert(adjrib_withdraw(f->rib, p));
	f->swept++;
}

static void expired_cb(uint16_t afi, size_t n, void *arg)
{
	struct fixture *f = arg;
	(void)afi;
	f->expired++;
	f->expired_n = n;
}

static void announce(struct fixture *f, const char *text, uint32_t id)
{
	struct bgp_prefix p = pfx(text, id);
	adjrib_announce(f->rib, &p, f->set);
}

static void setup(struct fixture *f)
{
	struct bgp_attrs a;

	memset(f, 0, sizeof *f);
	f->base = event_base_new();
	f->store = attrstore_new();
	f->rib = adjrib_new(f->store);
	memset(&a, 0, sizeof a);
	a.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_NEXT_HOP);
	a.as_path.p = path;
	a.as_path.len = sizeof path;
	memcpy(a.next_hop, nh4, 4);
	f->set = attrset_intern(f->store, &a, nh4, 4);
	f->st = stale_new(f->base, f->rib, f->store, sweep_cb, expired_cb, f);
	announce(f, "10.0.0.0/8", 0);
	announce(f, "10.1.0.0/16", 0);
	announce(f, "10.1.0.0/16", 7);          /* a second path */
	announce(f, "192.0.2.0/24", 0);
	announce(f, "2001:db8::/32", 0);
}

static void teardown(struct fixture *f)
{
	stale_free(f->st);
	adjrib_free(f->rib);
	attrset_put(f->set);
	attrstore_free(f->store);
	event_base_free(f->base);
}

START_TEST(refreshed_stay_rest_swept)
{
	struct fixture f;
	struct bgp_prefix p;

	setup(&f);
	ck_assert(!stale_pending(f.st, BGP_AFI_IPV4));
	ck_assert_uint_eq(stale_mark(f.st, BGP_AFI_IPV4, 60), 4);
	ck_assert(stale_pending(f.st, BGP_AFI_IPV4));
	ck_assert(!stale_pending(f.st, BGP_AFI_IPV6));
	ck_assert_uint_eq(adjrib_count(f.rib, 0), 5);   /* nothing withdrawn */
	/* the new session sends two of them again, one path of 10.1/16 too */
	p = pfx("10.0.0.0/8", 0);
	stale_refreshed(f.st, &p);
	p = pfx("10.1.0.0/16", 7);
	stale_refreshed(f.st, &p);
	ck_assert_uint_eq(stale_count(f.st, BGP_AFI_IPV4), 2);
	/* End-of-RIB: the two it did not send go, through the callback */
	ck_assert_uint_eq(stale_sweep(f.st, BGP_AFI_IPV4), 2);
	ck_assert_int_eq(f.swept, 2);
	ck_assert(!stale_pending(f.st, BGP_AFI_IPV4));
	ck_assert_uint_eq(adjrib_count(f.rib, BGP_AFI_IPV4), 2);
	p = pfx("10.1.0.0/16", 7);
	ck_assert_ptr_nonnull(adjrib_get(f.rib, &p));
	p = pfx("10.1.0.0/16", 0);
	ck_assert_ptr_null(adjrib_get(f.rib, &p));
	p = pfx("192.0.2.0/24", 0);
	ck_assert_ptr_null(adjrib_get(f.rib, &p));
	ck_assert_uint_eq(adjrib_count(f.rib, BGP_AFI_IPV6), 1);
	/* a second sweep finds nothing */
	ck_assert_uint_eq(stale_sweep(f.st, BGP_AFI_IPV4), 0);
	ck_assert_int_eq(f.expired, 0);
	teardown(&f);
}
END_TEST

START_TEST(timer_sweeps)
{
	struct fixture f;

	setup(&f);
	ck_assert_uint_eq(stale_mark(f.st, BGP_AFI_IPV6, 0), 1);
	ck_assert_uint_eq(stale_mark(f.st, BGP_AFI_IPV4, 60), 4);
	event_base_loop(f.base, EVLOOP_ONCE);   /* the 0 s timer */
	ck_assert_int_eq(f.expired, 1);
	ck_assert_uint_eq(f.expired_n, 1);
	ck_assert_uint_eq(adjrib_count(f.rib, BGP_AFI_IPV6), 0);
	/* IPv4 waits on its own timer */
	ck_assert(stale_pending(f.st, BGP_AFI_IPV4));
	ck_assert_uint_eq(adjrib_count(f.rib, BGP_AFI_IPV4), 4);
	/* the session is back: a shorter wait, then the timer again */
	stale_wait(f.st, BGP_AFI_IPV4, 0);
	event_base_loop(f.base, EVLOOP_ONCE);
	ck_assert_int_eq(f.expired, 2);
	ck_assert_uint_eq(f.expired_n, 4);
	ck_assert_uint_eq(adjrib_count(f.rib, 0), 0);
	teardown(&f);
}
END_TEST

START_TEST(forget_withdraws_nothing)
{
	struct fixture f;
	struct timeval tv = { 0, 50000 };

	setup(&f);
	stale_mark(f.st, BGP_AFI_IPV4, 0);
	stale_forget(f.st, BGP_AFI_IPV4);
	ck_assert(!stale_pending(f.st, BGP_AFI_IPV4));
	ck_assert_uint_eq(stale_count(f.st, 0), 0);
	event_base_loopexit(f.base, &tv);
	event_base_dispatch(f.base);            /* the timer was stopped */
	ck_assert_int_eq(f.swept, 0);
	ck_assert_int_eq(f.expired, 0);
	ck_assert_uint_eq(adjrib_count(f.rib, 0), 5);
	teardown(&f);
}
END_TEST

START_TEST(marked_twice_keeps_both)
{
	struct fixture f;
	struct bgp_prefix p;

	setup(&f);
	stale_mark(f.st, BGP_AFI_IPV4, 60);
	/* the session comes back, refreshes one route, announces a new one and
	 * goes down again before its End-of-RIB: all five are stale now */
	p = pfx("10.0.0.0/8", 0);
	stale_refreshed(f.st, &p);
	announce(&f, "198.51.100.0/24", 0);
	ck_assert_uint_eq(stale_mark(f.st, BGP_AFI_IPV4, 60), 5);
	ck_assert_uint_eq(stale_sweep(f.st, BGP_AFI_IPV4), 5);
	ck_assert_uint_eq(adjrib_count(f.rib, BGP_AFI_IPV4), 0);
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stale");
	TCase *tc = tcase_create("stale");

	tcase_add_test(tc, refreshed_stay_rest_swept);
	tcase_add_test(tc, timer_sweeps);
	tcase_add_test(tc, forget_withdraws_nothing);
	tcase_add_test(tc, marked_twice_keeps_both);
	suite_add_tcase(s, tc);
	return check_run(s);
}
