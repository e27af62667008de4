/*
 * test_origin.c — the gateway's own table on a fake clock: first
 * announcement at once, a burst within min_interval collapsed to its final
 * state, a change as one replacement, 50 flaps within hold-down sending
 * nothing, one withdrawal after it, two clients on one prefix, stale
 * routes going at the deadline after a comeback, restore.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "instances/origin.h"
#include "tests/unit/check_run.h"

#define S 1000ull       /* ms per second */

struct sent {
	uint16_t id;
	char prefix[BGP_PREFIX_STRLEN];
	uint8_t attrs[8];
	size_t len;
	char owner[32];
};

static struct sent log_[512];
static size_t nlog;
static struct origin *o;
static uint64_t now;

static void on_send(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, void *arg)
{
	(void)arg;
	ck_assert_uint_lt(nlog, 512);
	struct sent *s = &log_[nlog++];
	s->id = id;
	bgp_prefix_format(p, s->prefix, sizeof s->prefix);
	s->len = len;
	if (len)
		memcpy(s->attrs, attrs, len < 8 ? len : 8);
	snprintf(s->owner, sizeof s->owner, "%s", owner);
}

static const struct origin_ops ops = { on_send };

static struct bgp_prefix P(const char *s)
{
	struct bgp_prefix p;
	ck_assert(bgp_prefix_parse(s, &p));
	return p;
}

static const uint8_t A1[] = { 1, 1, 1 }, A2[] = { 2, 2, 2 };

static void announce(const char *client, uint16_t src, const char *prefix,
    const uint8_t *attrs, uint16_t to)
{
	struct origin_out out = { to, attrs, 3 };
	struct bgp_prefix p = P(prefix);
	origin_announce(o, client, src, &p, &out, 1, now);
}

static void withdraw(const char *client, uint16_t src, const char *prefix)
{
	struct bgp_prefix p = P(prefix);
	origin_withdraw(o, client, src, &p, now);
}

/* Advance the clock to t, running origin at each due time on the way. */
static void run_until(uint64_t t)
{
	uint64_t due;
	while ((due = origin_next_due(o)) != 0 && due <= t) {
		now = due > now ? due : now;
		origin_run(o, now);
	}
	now = t;
	origin_run(o, now);
}

static void setup(void)
{
	nlog = 0;
	now = 1700000000 * S;
	o = origin_new(&ops, NULL);
	origin_source_config(o, "vnet", 1, 300, 30);
	origin_source_up(o, "vnet", 1);
}

static void teardown(void)
{
	origin_free(o);
}

START_TEST(first_announcement_at_once)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	ck_assert_uint_eq(nlog, 1);
	ck_assert_str_eq(log_[0].prefix, "184.164.224.0/24");
	ck_assert_uint_eq(log_[0].id, 1);
	ck_assert_uint_eq(log_[0].len, 3);
	ck_assert_str_eq(log_[0].owner, "vnet");
	ck_assert_uint_eq(origin_sent_count(o, 1), 1);
	ck_assert_uint_eq(origin_source_count(o, "vnet", 1), 1);
	announce("vnet", 1, "184.164.224.0/24", A1, 1);  /* same again: nothing */
	ck_assert_uint_eq(nlog, 1);
}
END_TEST

START_TEST(burst_collapses)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	for (int i = 0; i < 100; i++) {
		now += 100;             /* 10 s of changes in all */
		if (i % 2)
			announce("vnet", 1, "184.164.224.0/24", A1, 1);
		else
			withdraw("vnet", 1, "184.164.224.0/24");
	}
	/* ends announced with what was sent: nothing more, ever */
	run_until(now + 60 * S);
	ck_assert_uint_eq(nlog, 1);
	/* a burst that ends withdrawn: one more UPDATE, at the interval */
	uint64_t t0 = now;
	announce("vnet", 1, "184.164.224.0/24", A2, 1);
	ck_assert_uint_eq(nlog, 2);     /* 60 s since the last: at once */
	for (int i = 0; i < 99; i++) {
		now += 50;
		if (i % 2)
			announce("vnet", 1, "184.164.224.0/24", A1, 1);
		else
			withdraw("vnet", 1, "184.164.224.0/24");
	}
	ck_assert_uint_eq(nlog, 2);
	ck_assert_uint_eq(origin_next_due(o), t0 + 30 * S);
	run_until(t0 + 29 * S);
	ck_assert_uint_eq(nlog, 2);
	run_until(t0 + 31 * S);
	ck_assert_uint_eq(nlog, 3);
	ck_assert_uint_eq(log_[2].len, 0);      /* the final state: withdrawn */
}
END_TEST

START_TEST(change_is_one_replacement)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	now += 31 * S;
	announce("vnet", 1, "184.164.224.0/24", A2, 1);
	ck_assert_uint_eq(nlog, 2);
	ck_assert_uint_eq(log_[1].len, 3);      /* no withdrawal in between */
	ck_assert_mem_eq(log_[1].attrs, A2, 3);
	/* steering elsewhere: upstream 1 withdrawn, upstream 2 announced */
	now += 31 * S;
	announce("vnet", 1, "184.164.224.0/24", A2, 2);
	ck_assert_uint_eq(nlog, 4);
	ck_assert_uint_eq(origin_sent_count(o, 1), 0);
	ck_assert_uint_eq(origin_sent_count(o, 2), 1);
}
END_TEST

START_TEST(flaps_within_hold_down_send_nothing)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	announce("vnet", 1, "2001:db8:100::/48", A1, 1);
	for (int i = 0; i < 50; i++) {
		now += 2 * S;
		origin_source_down(o, "vnet", 1, now);
		run_until(now + 1 * S);
		origin_source_up(o, "vnet", 1);
		announce("vnet", 1, "184.164.224.0/24", A1, 1);
		announce("vnet", 1, "2001:db8:100::/48", A1, 1);
	}
	ck_assert_uint_eq(nlog, 2);
	/* away for good: one withdrawal per prefix, at the deadline */
	origin_source_down(o, "vnet", 1, now);
	uint64_t down_at = now;
	run_until(down_at + 299 * S);
	ck_assert_uint_eq(nlog, 2);
	run_until(down_at + 300 * S);
	ck_assert_uint_eq(nlog, 4);
	ck_assert_uint_eq(log_[2].len, 0);
	ck_assert_uint_eq(log_[3].len, 0);
	ck_assert_uint_eq(origin_sent_count(o, 0), 0);
	ck_assert_uint_eq(origin_source_count(o, "vnet", 1), 0);
}
END_TEST

START_TEST(comeback_without_a_route_loses_it_at_deadline)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	announce("vnet", 1, "184.164.225.0/24", A1, 1);
	origin_source_down(o, "vnet", 1, now);
	uint64_t down_at = now;
	now += 5 * S;
	origin_source_up(o, "vnet", 1);
	announce("vnet", 1, "184.164.224.0/24", A1, 1);  /* only one comes back */
	run_until(down_at + 301 * S);
	ck_assert_uint_eq(nlog, 3);
	ck_assert_str_eq(log_[2].prefix, "184.164.225.0/24");
	ck_assert_uint_eq(log_[2].len, 0);
	ck_assert_uint_eq(origin_sent_count(o, 1), 1);
}
END_TEST

START_TEST(lowest_client_wins_a_prefix)
{
	origin_source_up(o, "b-net", 1);
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	announce("b-net", 1, "184.164.224.0/24", A2, 1);
	now += 31 * S;
	run_until(now);
	ck_assert_uint_eq(nlog, 2);             /* A1 at once, A2 when due */
	ck_assert_str_eq(log_[1].owner, "b-net");
	now += 31 * S;
	withdraw("b-net", 1, "184.164.224.0/24");
	ck_assert_uint_eq(nlog, 3);             /* back to vnet's: a replacement */
	ck_assert_uint_eq(log_[2].len, 3);
	ck_assert_str_eq(log_[2].owner, "vnet");
}
END_TEST

START_TEST(zero_hold_down_and_interval)
{
	origin_source_config(o, "fast", 1, 0, 0);
	origin_source_up(o, "fast", 1);
	announce("fast", 1, "10.0.0.0/24", A1, 1);
	withdraw("fast", 1, "10.0.0.0/24");
	announce("fast", 1, "10.0.0.0/24", A2, 1);
	ck_assert_uint_eq(nlog, 3);
	origin_source_down(o, "fast", 1, now);
	origin_run(o, now);
	ck_assert_uint_eq(nlog, 4);
	ck_assert_uint_eq(log_[3].len, 0);
}
END_TEST

static void copy_sent(uint16_t id, const struct bgp_prefix *p, const uint8_t *attrs,
    size_t len, const char *owner, uint16_t src, uint64_t sent_at, void *arg)
{
	origin_restore_sent(arg, id, p, attrs, len, owner, src, sent_at);
}

static void copy_source(const char *client, uint16_t src, bool up, uint64_t stale_until,
    void *arg)
{
	origin_restore_source(arg, client, src, up ? now + 300 * S : stale_until);
}

START_TEST(restore_holds_then_withdraws)
{
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	announce("vnet", 1, "184.164.225.0/24", A2, 2);
	struct origin *o2 = origin_new(&ops, NULL);
	origin_each_source(o, copy_source, o2);
	origin_each_sent(o, 0, copy_sent, o2);
	ck_assert(origin_dirty(o));
	origin_free(o);
	o = o2;
	ck_assert_uint_eq(nlog, 2);             /* restoring sends nothing */
	ck_assert_uint_eq(origin_sent_count(o, 1), 1);
	ck_assert_uint_eq(origin_sent_count(o, 2), 1);
	/* the client comes back with the same route: nothing */
	origin_source_config(o, "vnet", 1, 300, 30);
	origin_source_up(o, "vnet", 1);
	announce("vnet", 1, "184.164.224.0/24", A1, 1);
	ck_assert_uint_eq(nlog, 2);
	run_until(now + 301 * S);               /* the other one was not re-announced */
	ck_assert_uint_eq(nlog, 3);
	ck_assert_str_eq(log_[2].prefix, "184.164.225.0/24");
	ck_assert_uint_eq(log_[2].id, 2);
	ck_assert_uint_eq(log_[2].len, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("origin");
	TCase *t = tcase_create("origin");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, first_announcement_at_once);
	tcase_add_test(t, burst_collapses);
	tcase_add_test(t, change_is_one_replacement);
	tcase_add_test(t, flaps_within_hold_down_send_nothing);
	tcase_add_test(t, comeback_without_a_route_loses_it_at_deadline);
	tcase_add_test(t, lowest_client_wins_a_prefix);
	tcase_add_test(t, zero_hold_down_and_interval);
	tcase_add_test(t, restore_holds_then_withdraws);
	suite_add_tcase(s, t);
	return check_run(s);
}
