/*
 * test_session_handover.c — a session across an upgrade in place
 * (muxd/engine/session_handover.h), against a scripted neighbor: frozen,
 * it reads nothing and its timers stop; handed over, a new session on the
 * same connection is Established at once with the same negotiation,
 * handles the bytes the old one had read but not framed, and keeps the
 * session up with its KEEPALIVEs — the neighbor sees no OPEN and no
 * NOTIFICATION; thawed, the old one handles what arrived meanwhile; OPENs
 * that no longer match the configuration are refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "muxd/engine/session.h"
#include "muxd/engine/session_handover.h"
#include "tests/unit/check_run.h"
#include "tests/unit/neighbor.h"

#define SECOND_US 50000
#define LOCAL_ID 0xc0000201u            /* 192.0.2.1 */
#define REMOTE_ID 0x0a000001u           /* 10.0.0.1 */

static const struct bgp_family fams[] = {
	{ BGP_AFI_IPV4, BGP_SAFI_UNICAST }, { BGP_AFI_IPV6, BGP_SAFI_UNICAST },
};

struct rec {
	unsigned states, updates, gone;
	uint8_t nlri[8];
	size_t nlri_len;
};

static void on_state(struct session *s, enum fsm_state from, enum fsm_state to,
    const char *reason, void *arg)
{
	(void)s, (void)from, (void)to, (void)reason;
	((struct rec *)arg)->states++;
}

static void on_update(struct session *s, const struct bgp_update *u, void *arg)
{
	struct rec *r = arg;
	(void)s;
	r->updates++;
	r->nlri_len = u->nlri.len < sizeof r->nlri ? u->nlri.len : sizeof r->nlri;
	memcpy(r->nlri, u->nlri.p, r->nlri_len);
}

static void on_gone(struct session *s, void *arg)
{
	(void)s;
	((struct rec *)arg)->gone++;
}

static const struct session_ops ops = {
	.state_changed = on_state, .update = on_update, .gone = on_gone,
};

static void params(struct session_params *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->label = "handover test";
	sp->local_as = 65000;
	sp->local_id = LOCAL_ID;
	sp->remote_as = 65010;
	sp->hold_time = 9;
	sp->connect_retry = 5;
	sp->passive = true;
	memcpy(sp->families, fams, sizeof fams);
	sp->family_count = 2;
}

static bool is_established(void *arg) { return session_state(arg) == FSM_ESTABLISHED; }
static bool got_update(void *arg) { return ((struct rec *)arg)->updates > 0; }

/* An accepted session, Established with the neighbor n. */
static struct session *established(const struct session_params *sp, struct rec *r,
    struct nb *n)
{
	struct session *s = session_new(nb_base, sp, &ops, r);
	struct nb_msg m;
	struct bgp_open o;

	memset(r, 0, sizeof *r);
	session_accept(s, nb_pair(n));
	ck_assert(nb_expect_open(n, &m, &o, 15));
	nb_open_init(&o, 65010, REMOTE_ID, 9, fams, 2);
	nb_send_open(n, &o);
	ck_assert(nb_expect(n, BGP_KEEPALIVE, &m, 15));
	nb_send_keepalive(n);
	ck_assert(nb_until(is_established, s, 15));
	return s;
}

static void setup(void) { nb_start(SECOND_US); }
static void teardown(void) { nb_end(); }

START_TEST(adopted_session_goes_on)
{
	struct session_params sp;
	struct session_handover h;
	struct rec r1, r2;
	struct nb n;
	struct nb_msg m;
	uint8_t upd[128];
	size_t len = nb_update_msg(upd, sizeof upd);
	char why[200];

	params(&sp);
	struct session *s1 = established(&sp, &r1, &n);
	struct session_negotiated neg1 = *session_negotiated(s1);
	/* half an UPDATE reaches the old process before it freezes */
	nb_write(&n, upd, 10);
	nb_run(0.3);
	session_freeze(s1);
	nb_write(&n, upd + 10, len - 10);
	nb_run(0.3);
	ck_assert_uint_eq(r1.updates, 0);
	ck_assert(session_handover_export(s1, &h));
	ck_assert_uint_eq(h.unread_len, 10);
	ck_assert_uint_eq(h.rx.msgs[BGP_OPEN], 1);
	/* the new process holds its own descriptor; the old one's goes */
	h.fd = dup(h.fd);
	session_abort(s1);
	struct session *s2 = session_adopt_established(nb_base, &sp, &ops, &r2, &h, why,
	    sizeof why);
	session_handover_release(&h);
	ck_assert_msg(s2 != NULL, "%s", why);
	ck_assert_int_eq(session_state(s2), FSM_ESTABLISHED);
	ck_assert_uint_eq(r2.states, 0);
	const struct session_negotiated *neg2 = session_negotiated(s2);
	ck_assert_uint_eq(neg2->hold_time, neg1.hold_time);
	ck_assert_uint_eq(neg2->keepalive, neg1.keepalive);
	ck_assert_uint_eq(neg2->family_count, neg1.family_count);
	ck_assert(neg2->as4 == neg1.as4 && neg2->remote_id == REMOTE_ID);
	ck_assert_msg(nb_until(got_update, &r2, 5), "no UPDATE: %s", session_last_error(s2));
	ck_assert_uint_eq(r2.nlri_len, 2);
	ck_assert(r2.nlri[0] == 8 && r2.nlri[1] == 10);
	/* the neighbor hears only KEEPALIVEs: keepalive 3, so one within 4 s */
	unsigned keepalives = 0;
	double end = nb_now() + 4;
	while (nb_now() < end && nb_recv(&n, &m, end - nb_now())) {
		ck_assert_msg(m.type == BGP_KEEPALIVE, "the neighbor got message type %u",
		    m.type);
		keepalives++;
		nb_send_keepalive(&n);
	}
	ck_assert_uint_ge(keepalives, 1);
	ck_assert(!n.eof);
	ck_assert_int_eq(session_state(s2), FSM_ESTABLISHED);
	ck_assert_uint_eq(session_counters_rx(s2)->msgs[BGP_OPEN], 1);
	ck_assert_uint_eq(session_counters_tx(s2)->msgs[BGP_OPEN], 1);
	session_abort(s2);
	nb_run(0.2);
}
END_TEST

START_TEST(thawed_session_reads_what_came)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	uint8_t upd[128];
	size_t len = nb_update_msg(upd, sizeof upd);

	params(&sp);
	struct session *s = established(&sp, &r, &n);
	session_freeze(s);
	ck_assert(session_is_frozen(s));
	nb_write(&n, upd, len);
	nb_run(0.5);
	ck_assert_uint_eq(r.updates, 0);
	session_thaw(s);
	ck_assert(nb_until(got_update, &r, 15));
	ck_assert_int_eq(session_state(s), FSM_ESTABLISHED);
	session_abort(s);
	nb_run(0.2);
}
END_TEST

/* A frozen session's hold timer stops: a neighbor silent for longer than
 * the hold time (9 s) does not make it send Hold Timer Expired. */
START_TEST(frozen_hold_timer_stops)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;

	params(&sp);
	struct session *s = established(&sp, &r, &n);
	session_freeze(s);
	double end = nb_now() + 12;
	while (nb_now() < end)
		ck_assert_msg(!nb_recv(&n, &m, end - nb_now()) || m.type == BGP_KEEPALIVE,
		    "a frozen session sent message type %u", m.type);
	ck_assert_int_eq(session_state(s), FSM_ESTABLISHED);
	session_abort(s);
	nb_run(0.2);
}
END_TEST

/* A session that runs again — thawed, or adopted by the new process —
 * sends a KEEPALIVE at once rather than a whole keepalive interval (3 s)
 * later: upgrades one after the other would otherwise starve the
 * neighbor's hold timer. */
START_TEST(keepalive_at_once_when_running_again)
{
	struct session_params sp;
	struct session_handover h;
	struct rec r1, r2;
	struct nb n;
	struct nb_msg m;
	char why[200];

	params(&sp);
	struct session *s1 = established(&sp, &r1, &n);
	session_freeze(s1);
	nb_run(0.5);
	session_thaw(s1);
	ck_assert_msg(nb_recv(&n, &m, 2) && m.type == BGP_KEEPALIVE,
	    "no KEEPALIVE within 2 s of the thaw");
	session_freeze(s1);
	nb_run(0.5);
	ck_assert(session_handover_export(s1, &h));
	h.fd = dup(h.fd);
	session_abort(s1);
	struct session *s2 = session_adopt_established(nb_base, &sp, &ops, &r2, &h, why,
	    sizeof why);
	session_handover_release(&h);
	ck_assert_msg(s2 != NULL, "%s", why);
	ck_assert_msg(nb_recv(&n, &m, 2) && m.type == BGP_KEEPALIVE,
	    "no KEEPALIVE within 2 s of the adoption");
	ck_assert_int_eq(session_state(s2), FSM_ESTABLISHED);
	session_abort(s2);
	nb_run(0.2);
}
END_TEST

START_TEST(changed_configuration_refused)
{
	struct session_params sp;
	struct session_handover h;
	struct rec r1, r2;
	struct nb n;
	char why[200];

	params(&sp);
	struct session *s1 = established(&sp, &r1, &n);
	ck_assert(!session_handover_export(s1, &h));    /* not frozen */
	session_freeze(s1);
	ck_assert(session_handover_export(s1, &h));
	struct session_params other = sp;
	other.local_as = 65001;
	ck_assert(session_adopt_established(nb_base, &other, &ops, &r2, &h, why,
	    sizeof why) == NULL);
	ck_assert_msg(strstr(why, "AS") != NULL, "%s", why);
	other = sp;
	other.remote_as = 65099;
	ck_assert(session_adopt_established(nb_base, &other, &ops, &r2, &h, why,
	    sizeof why) == NULL);
	ck_assert_msg(strstr(why, "no longer matches") != NULL, "%s", why);
	session_handover_release(&h);
	session_abort(s1);
	nb_run(0.2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_handover");
	TCase *tc = tcase_create("handover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, adopted_session_goes_on);
	tcase_add_test(tc, thawed_session_reads_what_came);
	tcase_add_test(tc, frozen_hold_timer_stops);
	tcase_add_test(tc, changed_configuration_refused);
	tcase_add_test(tc, keepalive_at_once_when_running_again);
	suite_add_tcase(s, tc);
	return check_run(s);
}
