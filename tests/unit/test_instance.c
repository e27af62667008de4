/*
 * test_instance.c — an instance in-process (the fixture:
 * tests/unit/instance_fixture.h): clients joining, and the rules that
 * drop a client.
 *
 *   join_with_live_changes  four clients (ADD-PATH, 2-octet AS, plain,
 *                           and a second ADD-PATH one sharing its class)
 *                           join a view of 30,000 paths while it changes
 *                           at every loop pass; then every table equals
 *                           the view (ADD-PATH: every path; others: the
 *                           lowest path id per prefix), nothing was sent
 *                           twice, and a session down empties them all
 *   unknown_client_rejected NOTIFICATION Cease/Connection Rejected
 *   stalled_client_dropped  a client that stops reading: Cease/Out of
 *                           Resources by the stall rule, the other goes on
 *   queue_limit_drop        … by the queue limit
 *   busy_loop_is_not_a_stall bytes that wait for a busy loop, not for the
 *                           client, do not count as the client's stall
 *   slow_joiner_split       two clients join in one shared walk; one stops
 *                           reading: the other still gets the whole view
 */
#include "tests/unit/instance_fixture.h"

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(join_with_live_changes)
{
	struct fake a, b, c, d;
	struct fake *all[] = { &a, &b, &c, &d };
	struct fakes fs = { all, 4, 2, 0 };

	rnd_state = 4242;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&b, "127.0.85.12", 65102, false, false);
	fake_start(&c, "127.0.85.13", 65103, true, false);
	fake_start(&d, "127.0.85.14", 65104, true, true);
	for (size_t i = 0; i < 4; i++)
		fake_go(all[i]);
	double end = now_s() + 60;
	unsigned passes = 0;
	while (!all_joined(&fs)) {
		ck_assert_msg(now_s() < end, "the clients did not all get End-of-RIB");
		pump();
		for (int k = 0; k < 20; k++)
			random_change();
		passes++;
	}
	for (int k = 0; k < 500; k++)
		random_change();
	sync_fakes(all, 4);
	ck_assert_uint_gt(passes, 5);
	for (size_t i = 0; i < 4; i++) {
		check_table(all[i]);
		ck_assert_int_eq(atomic_load(&all[i]->eors), 2);
		ck_assert_int_eq(atomic_load(&all[i]->state), 1);
	}
	/* ADD-PATH clients hold the exact per-route stream: no duplicate */
	ck_assert_uint_eq(a.redundant, 0);
	ck_assert_uint_eq(d.redundant, 0);

	/* a and d share the IPv4 and IPv6 ADD-PATH classes */
	json_t *j = instance_to_json(inst);
	size_t shared = 0, i;
	json_t *cl;
	json_array_foreach(json_object_get(j, "classes"), i, cl)
		if (json_is_true(json_object_get(cl, "add_path")))
			shared += json_integer_value(json_object_get(cl, "clients")) == 2;
	ck_assert_uint_eq(shared, 2);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "classes")), 6);
	json_decref(j);

	/* the upstream goes away: every client is emptied */
	view_session_down(view, "test");
	sync_fakes(all, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(adjrib_count(all[i]->rib, 0), 1);    /* the marker */
		check_table(all[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		fake_stop(all[i]);
		fake_free(all[i]);
	}
}
END_TEST

START_TEST(unknown_client_rejected)
{
	struct fake x;

	make_instance(0, 0, four_clients);
	fake_start(&x, "127.0.85.99", 65199, true, false);
	fake_go(&x);
	ck_assert(pump_until(fake_closed, &x, 10));
	pthread_join(x.th, NULL);
	close(x.fd);
	ck_assert_uint_eq(x.notif_code, BGP_ERR_CEASE);
	ck_assert_uint_eq(x.notif_subcode, BGP_CEASE_CONNECTION_REJECTED);
	json_t *j = instance_to_json(inst);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rejected")), 1);
	json_decref(j);
	fake_free(&x);
}
END_TEST

static bool dropped_one(void *arg)
{
	(void)arg;
	return instance_stats(inst)->dropped == 1;
}

static void slow_case(size_t limit, unsigned stall, bool full_view)
{
	struct fake a, s;
	struct fake *live[] = { &a };

	rnd_state = 77;
	if (full_view)
		preload();
	make_instance(limit, stall, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&s, "127.0.85.13", 65103, true, false);
	s.stop_reading = true;
	s.rcvbuf = 4096;
	fake_go(&a);
	fake_go(&s);
	ck_assert(pump_until(fake_established, &s, 10));
	double end = now_s() + 30;
	while (!dropped_one(NULL)) {
		ck_assert_msg(now_s() < end, "the stuck client was not dropped");
		pump();
		for (int k = 0; k < 200; k++)
			random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	ck_assert_uint_eq(a.redundant, 0);
	json_t *j = instance_to_json(inst), *cl;
	size_t i;
	json_array_foreach(json_object_get(j, "clients"), i, cl)
		if (strcmp(json_string_value(json_object_get(cl, "name")), "plain") == 0)
			ck_assert_int_eq(json_integer_value(json_object_get(cl, "drops")), 1);
	json_decref(j);
	fake_stop(&a);
	fake_stop(&s);
	fake_free(&a);
	fake_free(&s);
}

START_TEST(stalled_client_dropped)
{
	/* joins a full view and stops reading: once the kernel's buffers are
	 * full, the stall rule drops it (the queue limit is far); 2 s, so a
	 * busy CI machine does not make the reading client look stuck */
	slow_case(0, 2, true);
}
END_TEST

START_TEST(slow_joiner_split)
{
	struct fake a, s;
	struct fake *live[] = { &a };

	rnd_state = 5;
	preload();
	preload_hosts(300000);
	split_queue = 1u << 20;                 /* (default 4 MB: more table) */
	make_instance(0, 600, four_clients);    /* s is never dropped here */
	split_queue = 0;
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&s, "127.0.85.14", 65104, true, true);       /* same classes */
	s.stop_reading = true;
	s.rcvbuf = 4096;
	fake_go(&a);
	fake_go(&s);
	ck_assert(pump_until(fake_joined, &a, 60));
	ck_assert_int_eq(atomic_load(&s.eors), 0);
	json_t *j = instance_to_json(inst);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "walks")), 1);   /* s's own */
	json_decref(j);
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(a.redundant, 0);
	fake_stop(&a);
	fake_stop(&s);
	fake_free(&a);
	fake_free(&s);
}
END_TEST

START_TEST(queue_limit_drop)
{
	/* joins an empty view, then live changes pile up past 1 MB */
	slow_case(1u << 20, 60, false);
}
END_TEST

/* One pass of the loop that does not wait: what is active runs (a due
 * flush queues bytes), a write needs the next pass. */
static void pass(void)
{
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

START_TEST(busy_loop_is_not_a_stall)
{
	/* bytes queued for a client that reads everything, and the loop
	 * busy (or short of CPU) for longer than the stall rule before it
	 * writes them: they wait for the loop, not for the client, which
	 * stays and gets every change */
	struct fake a;
	struct fake *live[] = { &a };

	rnd_state = 99;
	make_instance(0, 1, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_go(&a);
	ck_assert(pump_until(fake_joined, &a, 10));
	random_change();
	pass();                 /* the flush: queued, not written */
	usleep(1500 * 1000);    /* the loop elsewhere, past the 1 s rule */
	random_change();
	pass();                 /* the next flush comes before the write */
	ck_assert_uint_eq(instance_stats(inst)->dropped, 0);
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(instance_stats(inst)->dropped, 0);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static Suite *instance_suite(void)
{
	Suite *s = suite_create("instance");
	TCase *t = tcase_create("clients");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, join_with_live_changes);
	tcase_add_test(t, unknown_client_rejected);
	tcase_add_test(t, stalled_client_dropped);
	tcase_add_test(t, busy_loop_is_not_a_stall);
	tcase_add_test(t, queue_limit_drop);
	suite_add_tcase(s, t);
	/* a table of 350,000 routes: its own case, its own time limit */
	TCase *big = tcase_create("split");
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 240);
	tcase_add_test(big, slow_joiner_split);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	inst_port = (uint16_t)(20000 + getpid() % 20000);
	return check_run(instance_suite());
}
