/*
 * test_instance_routes.c — an instance in-process (the fixture:
 * tests/unit/instance_fixture.h): what a client sends, what it asks for
 * again (route refresh), and which paths and routes it gets.
 *
 *   client_updates_isolated a client's UPDATE is ignored (counted); a
 *                           malformed one resets that client alone
 *   route_refresh_rewalks   ROUTE-REFRESH: the table again, from the view
 *   enhanced_refresh_demarcated  with enhanced route refresh: BoRR, the
 *                           table, EoRR per family; a client that drops
 *                           what EoRR finds stale still holds the view
 *   refresh_restarted_after_handover  a client's session handed over (an
 *                           upgrade in place) in the middle of an enhanced
 *                           refresh: the new instance sends BoRR again,
 *                           the whole view, EoRR; the client holds the view
 *   lowest_path_rule        without ADD-PATH: the lowest path id, the
 *                           next one when it goes, a withdrawal at the end
 *   client_routes_walked    client_to_client through a gateway: another
 *                           client's route (next hop the instance) in a
 *                           joining client's table before End-of-RIB, never
 *                           back to its owner, kept through an enhanced
 *                           route refresh, gone from all when withdrawn
 */
#include "tests/unit/instance_fixture.h"

/* ---- tests -------------------------------------------------------------------------- */

static void fake_send_update(struct fake *f, bool malformed)
{
	uint8_t msg[256], attrs[64];
	struct wbuf w = wbuf_make(msg, sizeof msg), aw = wbuf_make(attrs, sizeof attrs);
	struct bgp_attrs at;
	uint8_t own[] = { BGP_AS_SEQUENCE, 1, 0, 0, 0xfe, 0x4d };      /* 65101 */
	struct bgp_prefix p;
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true, .max_len = BGP_MAX_LEN };

	memset(&at, 0, sizeof at);
	at.present = BIT(BGP_ATTR_ORIGIN) | BIT(BGP_ATTR_AS_PATH) | BIT(BGP_ATTR_NEXT_HOP);
	at.as_path = (struct bgp_bytes){ own, sizeof own };
	memcpy(at.next_hop, nh4, 4);
	bgp_attrs_encode(&aw, &at, &ctx);
	bgp_prefix_parse("184.164.224.0/24", &p);
	uint8_t nlri[8];
	struct wbuf nw = wbuf_make(nlri, sizeof nlri);
	bgp_nlri_put(&nw, &p, false);
	size_t n = bgp_update_encode(&w, BGP_MAX_LEN, NULL, 0, attrs, aw.len, nlri, nw.len);
	if (malformed)
		msg[BGP_HEADER_LEN + 3] = 0xff;         /* attribute length past the end */
	fake_write(f, msg, n);
}

/* The withdrawal of fake_send_update's prefix. */
static void fake_send_withdraw(struct fake *f)
{
	uint8_t msg[64], nlri[8];
	struct wbuf w = wbuf_make(msg, sizeof msg), nw = wbuf_make(nlri, sizeof nlri);
	struct bgp_prefix p;

	bgp_prefix_parse("184.164.224.0/24", &p);
	bgp_nlri_put(&nw, &p, false);
	fake_write(f, msg, bgp_update_encode(&w, BGP_MAX_LEN, nlri, nw.len, NULL, 0, NULL, 0));
}

static bool client_counted(void *arg)
{
	(void)arg;
	json_t *j = instance_to_json(inst), *cl;
	size_t i;
	bool ok = false;
	json_array_foreach(json_object_get(j, "clients"), i, cl)
		ok |= json_integer_value(json_object_get(cl, "updates_received")) == 1;
	json_decref(j);
	return ok;
}

START_TEST(client_updates_isolated)
{
	struct fake a, b;
	struct fake *live[] = { &a };
	struct fakes fs = { (struct fake *[]){ &a, &b }, 2, 2, 0 };

	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&b, "127.0.85.12", 65102, true, false);
	fake_go(&a);
	fake_go(&b);
	ck_assert(pump_until(all_joined, &fs, 10));
	size_t before = feed_route_count(view_feed(view), 0);
	fake_send_update(&b, false);
	ck_assert(pump_until(client_counted, NULL, 10));
	ck_assert_uint_eq(feed_route_count(view_feed(view), 0), before);
	ck_assert_uint_eq(view_stats(view)->updates, 0);
	fake_send_update(&b, true);
	ck_assert(pump_until(fake_closed, &b, 10));
	ck_assert_uint_eq(b.notif_code, BGP_ERR_UPDATE);
	sync_fakes(live, 1);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	check_table(&a);
	fake_stop(&a);
	fake_stop(&b);
	fake_free(&a);
	fake_free(&b);
}
END_TEST

START_TEST(route_refresh_rewalks)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };
	uint8_t rr[BGP_HEADER_LEN + 4];
	struct wbuf w = wbuf_make(rr, sizeof rr);
	struct bgp_route_refresh req = { BGP_AFI_IPV4, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	rnd_state = 99;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);
	unsigned before = atomic_load(&a.updates);
	a.redundant = 0;
	fake_write(&a, rr, bgp_route_refresh_encode(&w, &req));
	for (int k = 0; k < 200; k++) {
		pump();
		random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	/* the IPv4 table came again: redundant announcements, no EoR, and no
	 * BoRR/EoRR to a client without enhanced route refresh */
	ck_assert_uint_gt(a.redundant, 10000);
	ck_assert_uint_gt(atomic_load(&a.updates), before + 100);
	ck_assert_int_eq(atomic_load(&a.eors), 2);
	ck_assert_uint_eq(atomic_load(&a.borr[1]) + atomic_load(&a.eorr[1]) +
	    atomic_load(&a.rr_other), 0);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static unsigned want_eorr[3];
static bool refreshed(void *arg)
{
	struct fake *f = arg;
	return atomic_load(&f->eorr[1]) >= want_eorr[1] && atomic_load(&f->eorr[2]) >= want_eorr[2];
}

static void send_refresh(struct fake *f, uint16_t afi)
{
	uint8_t rr[BGP_HEADER_LEN + 4];
	struct wbuf w = wbuf_make(rr, sizeof rr);
	struct bgp_route_refresh req = { afi, BGP_RR_NORMAL, BGP_SAFI_UNICAST };

	fake_write(f, rr, bgp_route_refresh_encode(&w, &req));
}

/* Enhanced route refresh: the client drops, at EoRR, every route not sent
 * again since BoRR. With the view changing throughout, it must still hold
 * exactly the view: the refresh sent everything, live changes in between
 * kept it current, nothing came outside BoRR..EoRR. */
START_TEST(enhanced_refresh_demarcated)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };

	rnd_state = 7313;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	a.enhanced_rr = true;
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);
	ck_assert_uint_eq(atomic_load(&a.borr[1]) + atomic_load(&a.borr[2]), 0);

	/* IPv4 alone, the view changing while it is walked */
	a.redundant = 0;
	send_refresh(&a, BGP_AFI_IPV4);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	double end = now_s() + 30;
	while (!refreshed(&a)) {
		ck_assert_msg(now_s() < end, "no End of Route Refresh for IPv4");
		pump();
		for (int k = 0; k < 5; k++)
			random_change();
	}
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_eq(atomic_load(&a.borr[1]), 1);
	ck_assert_uint_eq(atomic_load(&a.borr[2]) + atomic_load(&a.eorr[2]), 0);
	ck_assert_uint_gt(atomic_load(&a.refresh_updates), 10);
	ck_assert_uint_gt(a.redundant, 10000);

	/* IPv6 asked for while IPv4 is asked again: one walk for both, each
	 * family demarcated */
	send_refresh(&a, BGP_AFI_IPV4);
	send_refresh(&a, BGP_AFI_IPV6);
	want_eorr[1] = 2;
	want_eorr[2] = 1;
	ck_assert_msg(pump_until(refreshed, &a, 30), "no EoRR for both families");
	for (int k = 0; k < 300; k++)
		random_change();
	sync_fakes(live, 1);
	check_table(&a);
	ck_assert_uint_ge(atomic_load(&a.borr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.borr[2]), 1);
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.eorr[2]), 1);
	ck_assert_uint_eq(atomic_load(&a.rr_other), 0);
	ck_assert_int_eq(atomic_load(&a.eors), 2);

	json_t *j = instance_to_json(inst), *c;
	size_t i;
	json_array_foreach(json_object_get(j, "clients"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")), "plain") == 0)
			ck_assert_int_eq(json_integer_value(json_object_get(c, "refreshes")), 3);
	json_decref(j);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

static struct client *refresh_client;
static bool refresh_running(void *arg)
{
	uint16_t afi;
	(void)arg;
	return instance_client_refreshing(refresh_client, &afi);
}

/* An upgrade in place hands over a client whose enhanced refresh of IPv4
 * is under way (BoRR sent, EoRR not yet): the instance that adopts its
 * session sends it all again — BoRR, the view, EoRR — so that the client
 * ends with exactly the view and no EoRR goes missing. */
START_TEST(refresh_restarted_after_handover)
{
	struct fake a;
	struct fake *live[] = { &a };
	struct fakes fs = { live, 1, 2, 0 };
	struct session_handover h;
	char why[200];
	uint16_t afi = 0;

	rnd_state = 4724;
	preload();
	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.13", 65103, true, false);
	a.enhanced_rr = true;
	fake_go(&a);
	ck_assert(pump_until(all_joined, &fs, 30));
	sync_fakes(live, 1);

	/* the refresh starts (its BoRR and some routes may be out); frozen
	 * and handed over at once, before its EoRR */
	refresh_client = instance_client_named(inst, "plain");
	send_refresh(&a, BGP_AFI_IPV4);
	ck_assert(pump_until(refresh_running, NULL, 10));
	peer_freeze(client_peer(refresh_client), true);
	peer_hold_output(client_peer(refresh_client));
	ck_assert(instance_client_refreshing(refresh_client, &afi));
	ck_assert_uint_eq(afi, BGP_AFI_IPV4);
	struct session *s = client_session(refresh_client);
	ck_assert(session_handover_export(s, &h));
	h.fd = dup(h.fd);       /* the new instance's; the old one's goes */
	session_abort(s);
	instance_shutdown(inst, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(pump_until(flag_set, &inst_gone_flag, 10));
	inst_gone_flag = false;
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 0);

	make_instance(0, 0, four_clients);
	struct client_handover ch = { "plain", true, BGP_AFI_IPV4 };
	ck_assert_msg(instance_adopt_client(inst, &ch, &h, why, sizeof why), "%s", why);
	session_handover_release(&h);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	ck_assert_msg(pump_until(refreshed, &a, 30), "no End of Route Refresh after the handover");
	sync_fakes(live, 1);
	check_table(&a);
	/* the first BoRR, if it got out, then the second */
	ck_assert_uint_ge(atomic_load(&a.borr[1]), 1);
	ck_assert_uint_le(atomic_load(&a.borr[1]), 2);
	ck_assert_uint_eq(atomic_load(&a.eorr[1]), 1);
	ck_assert_uint_eq(atomic_load(&a.borr[2]) + atomic_load(&a.eorr[2]), 0);
	ck_assert_uint_eq(atomic_load(&a.rr_other), 0);
	ck_assert_int_eq(atomic_load(&a.state), 1);
	fake_stop(&a);
	fake_free(&a);
}
END_TEST

/* The MED of the route a client holds for p (path id 0), -1 for none. */
static long held_med(struct fake *f, const char *prefix)
{
	struct bgp_prefix p;
	struct bgp_attrs a;

	ck_assert(bgp_prefix_parse(prefix, &p));
	struct attrset *set = adjrib_get(f->rib, &p);
	if (set == NULL)
		return -1;
	ck_assert(attrset_attrs(set, &a));
	return (long)a.med;
}

START_TEST(lowest_path_rule)
{
	struct fake a, n;
	struct fake *all[] = { &a, &n };
	struct fakes fs = { all, 2, 2, 0 };
	static const struct { uint32_t id; long med; long want; } steps[] = {
		{ 5, 50, 50 },          /* the only path */
		{ 2, 20, 20 },          /* a lower id: it takes over */
		{ 9, 90, 20 },          /* a higher id: nothing changes */
		{ 2, 21, 21 },          /* the lowest changes */
		{ 5, 51, 21 },          /* another one changes: nothing */
		{ 1, 10, 10 },
		{ 1, -1, 21 },          /* the lowest goes: the next one */
		{ 2, -1, 51 },
		{ 9, -1, 51 },
		{ 5, -1, -1 },          /* the last goes: withdrawn */
	};

	make_instance(0, 0, four_clients);
	fake_start(&a, "127.0.85.11", 65101, true, true);
	fake_start(&n, "127.0.85.13", 65103, true, false);
	fake_go(&a);
	fake_go(&n);
	ck_assert(pump_until(all_joined, &fs, 10));
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct bgp_prefix p = space(7, steps[i].id);
		update(BGP_AFI_IPV4, &p, 1, steps[i].med);
		sync_fakes(all, 2);
		ck_assert_msg(held_med(&n, "10.0.7.0/24") == steps[i].want,
		    "step %zu: the client holds MED %ld, want %ld", i,
		    held_med(&n, "10.0.7.0/24"), steps[i].want);
		check_table(&a);
		check_table(&n);
	}
	ck_assert_uint_eq(n.redundant, 0);
	fake_stop(&a);
	fake_stop(&n);
	fake_free(&a);
	fake_free(&n);
}
END_TEST

static const char *c2c_clients =
	"{\"name\": \"exa\", \"address\": \"127.0.85.15\", \"asn\": 65101, "
	"\"upstreams\": [\"isp-t\"], \"prefixes\": [\"184.164.224.0/23\"], "
	"\"min_interval\": 0, \"hold_down\": 0},"
	"{\"name\": \"ap\", \"address\": \"127.0.85.11\", \"asn\": 65111, \"upstreams\": [\"isp-t\"]},"
	"{\"name\": \"plain\", \"address\": \"127.0.85.13\", \"asn\": 65103, \"upstreams\": [\"isp-t\"]}";

/* Whether the gateway announces n routes to the upstream (isp-t). */
static bool announced(void *arg)
{
	json_t *j = gateway_to_json(gw);
	json_int_t n = json_integer_value(json_object_get(json_object_get(j, "announced"),
	    "isp-t"));
	json_decref(j);
	return n == (json_int_t)(uintptr_t)arg;
}

/* Whether f holds exa's route: from the gateway (its AS first), with the
 * instance's address as next hop. */
static bool holds_client_route(struct fake *f)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct in_addr inst_addr;
	size_t nh_len;

	ck_assert(bgp_prefix_parse("184.164.224.0/24", &p));
	struct attrset *set = adjrib_get(f->rib, &p);
	if (set == NULL)
		return false;
	const uint8_t *nh = attrset_next_hop(set, &nh_len);
	inet_pton(AF_INET, INST_ADDR, &inst_addr);
	ck_assert_uint_eq(nh_len, 4);
	ck_assert(memcmp(nh, &inst_addr, 4) == 0);
	ck_assert(attrset_attrs(set, &a));
	ck_assert_uint_ge(a.as_path.len, 6);
	ck_assert(memcmp(a.as_path.p + 2, (const uint8_t[]){ 0, 0, 0xfd, 0xe8 }, 4) == 0);
	return true;
}

START_TEST(client_routes_walked)
{
	struct fake e, n, a;
	struct fake *two[] = { &e, &n }, *all[] = { &e, &n, &a };
	struct fakes fs = { two, 2, 2, 0 };

	make_c2c_instance(c2c_clients);
	fake_start(&e, "127.0.85.15", 65101, true, false);
	fake_start(&n, "127.0.85.13", 65103, true, false);
	n.enhanced_rr = true;
	fake_go(&e);
	fake_go(&n);
	ck_assert(pump_until(all_joined, &fs, 10));
	fake_send_update(&e, false);
	ck_assert_msg(pump_until(announced, (void *)1, 10), "the gateway did not take exa's route");
	sync_fakes(two, 2);
	ck_assert(holds_client_route(&n));
	ck_assert(!holds_client_route(&e));     /* never back to its owner */

	/* a client that joins now gets it with the table (the marker), before
	 * End-of-RIB */
	size_t table = feed_route_count(view_feed(view), 0) + 1;
	fake_start(&a, "127.0.85.11", 65111, true, true);
	fake_go(&a);
	ck_assert(pump_until(fake_joined, &a, 10));
	ck_assert_uint_eq(atomic_load(&a.routes_at_eor), table);
	sync_fakes(all, 3);
	ck_assert(holds_client_route(&a));
	ck_assert_uint_eq(a.redundant, 0);

	/* enhanced route refresh: at EoRR the client drops what was not sent
	 * again since BoRR; the client route was */
	send_refresh(&n, BGP_AFI_IPV4);
	want_eorr[1] = 1;
	want_eorr[2] = 0;
	ck_assert_msg(pump_until(refreshed, &n, 10), "no End of Route Refresh");
	sync_fakes(all, 3);
	ck_assert_uint_eq(n.purged, 0);
	ck_assert(holds_client_route(&n));

	/* withdrawn: gone from every client */
	fake_send_withdraw(&e);
	ck_assert(pump_until(announced, (void *)0, 10));
	sync_fakes(all, 3);
	ck_assert(!holds_client_route(&n));
	ck_assert(!holds_client_route(&a));
	ck_assert_uint_eq(a.redundant, 0);
	for (size_t i = 0; i < 3; i++) {
		fake_stop(all[i]);
		fake_free(all[i]);
	}
}
END_TEST

static Suite *instance_routes_suite(void)
{
	Suite *s = suite_create("instance_routes");
	TCase *t = tcase_create("routes");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, client_updates_isolated);
	tcase_add_test(t, route_refresh_rewalks);
	tcase_add_test(t, enhanced_refresh_demarcated);
	tcase_add_test(t, refresh_restarted_after_handover);
	tcase_add_test(t, lowest_path_rule);
	tcase_add_test(t, client_routes_walked);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	inst_port = (uint16_t)(20000 + getpid() % 20000);
	return check_run(instance_routes_suite());
}
