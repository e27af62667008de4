/*
 * test_peer_handover.c — a peer's sessions across an upgrade in place
 * (muxd/engine/peer_handover.c), the test playing the neighbor over a
 * socketpair (tests/unit/neighbor.h). The neighbor offers hold time 0, so
 * no KEEPALIVE runs: every message it gets is one the test caused.
 *
 *   adopted_by_a_new_peer   frozen, output held: an UPDATE queued on the old
 *                           peer's session is not written but handed over;
 *                           a new peer adopts the session Established with
 *                           no upcall, writes the UPDATE first, hears the
 *                           neighbor's UPDATE; the neighbor sees no OPEN;
 *                           a second adoption beside it is refused; the
 *                           state observer (the session history) hears
 *                           one Established -> Established "handed over"
 *   thawed_writes_again     frozen with its output held, then thawed (the
 *                           upgrade failed): what was queued is written
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "muxd/engine/peer.h"
#include "muxd/engine/session_handover.h"
#include "tests/unit/check_run.h"
#include "tests/unit/neighbor.h"

#define SECOND_US 50000
#define LOCAL_ID 0xc0000202u            /* 192.0.2.2 */
#define REMOTE_ID 0x0a000001u           /* 10.0.0.1 */

static const struct bgp_family v4u = { BGP_AFI_IPV4, BGP_SAFI_UNICAST };

struct prec {
	unsigned established, updates, gone;
};

static void on_established(struct peer *p, struct session *s, void *owner)
{
	(void)p, (void)s;
	((struct prec *)owner)->established++;
}

static void on_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	(void)p, (void)s, (void)u;
	((struct prec *)owner)->updates++;
}

static void on_gone(struct peer *p, void *owner)
{
	(void)p;
	((struct prec *)owner)->gone++;
}

static const struct peer_ops ops = {
	.established = on_established, .update = on_update, .gone = on_gone,
};

static struct peer *make_peer(struct prec *r)
{
	struct neighbor_config nc;
	struct peer_local local = { 65000, LOCAL_ID, NULL, NULL, NULL };

	memset(&nc, 0, sizeof nc);
	nc.name = "nb";
	ck_assert(sockaddr_parse("127.0.0.1", 179, &nc.remote));
	nc.remote_as = 65010;
	nc.passive = true;
	nc.hold_time = 90;
	nc.connect_retry = 4;
	nc.families[0] = v4u;
	nc.family_count = 1;
	nc.multisession = MS_OFF;
	memset(r, 0, sizeof *r);
	struct peer *p = peer_new(nb_base, &nc, &local, &ops, r);
	peer_start(p);
	return p;
}

/* What the state observer heard after the adoption. */
static struct {
	unsigned calls;
	enum fsm_state from, to;
	size_t index;
	char reason[80];
} heard;

static void observe(const struct peer *p, const struct session *s, size_t index,
    enum fsm_state from, enum fsm_state to, const char *reason, void *arg)
{
	(void)p, (void)s, (void)arg;
	heard.calls++;
	heard.from = from, heard.to = to, heard.index = index;
	snprintf(heard.reason, sizeof heard.reason, "%s", reason ? reason : "");
}

static bool is_up(void *arg) { return ((struct prec *)arg)->established > 0; }
static bool got_update(void *arg) { return ((struct prec *)arg)->updates > 0; }
static bool is_gone(void *arg) { return ((struct prec *)arg)->gone > 0; }

/* p's session with the neighbor n, Established. */
static struct session *established(struct peer *p, struct prec *r, struct nb *n)
{
	struct nb_msg m;
	struct bgp_open o;

	ck_assert(peer_accept(p, nb_pair(n)));
	ck_assert(nb_expect_open(n, &m, &o, 15));
	nb_open_init(&o, 65010, REMOTE_ID, 0, &v4u, 1);
	nb_send_open(n, &o);
	ck_assert(nb_expect(n, BGP_KEEPALIVE, &m, 15));
	nb_send_keepalive(n);
	ck_assert(nb_until(is_up, r, 15));
	return peer_session(p);
}

static void shut(struct peer *p, struct prec *r)
{
	peer_shutdown(p, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	ck_assert(nb_until(is_gone, r, 10));
}

static void setup(void) { nb_start(SECOND_US); }
static void teardown(void) { nb_end(); }

START_TEST(adopted_by_a_new_peer)
{
	struct prec r1, r2;
	struct nb n;
	struct nb_msg m;
	struct session_handover h;
	uint8_t upd[128];
	size_t len = nb_update_msg(upd, sizeof upd);
	char why[200];

	struct peer *p1 = make_peer(&r1);
	struct session *s1 = established(p1, &r1, &n);
	peer_freeze(p1, true);
	peer_hold_output(p1);
	ck_assert(session_send(s1, upd, len));
	nb_run(0.3);
	ck_assert_uint_eq(peer_queued(p1), len);
	ck_assert(!nb_recv(&n, &m, 0.3));
	ck_assert(session_handover_export(s1, &h));
	ck_assert_uint_eq(h.unwritten_len, len);
	/* the new process holds its own descriptor; the old one's goes */
	h.fd = dup(h.fd);
	session_abort(s1);
	shut(p1, &r1);

	struct peer *p2 = make_peer(&r2);
	memset(&heard, 0, sizeof heard);
	peer_observe_states(observe, NULL);
	struct session *s2 = peer_adopt(p2, &h, why, sizeof why);
	peer_observe_states(NULL, NULL);
	ck_assert_msg(s2 != NULL, "%s", why);
	ck_assert_uint_eq(heard.calls, 1);
	ck_assert(heard.from == FSM_ESTABLISHED && heard.to == FSM_ESTABLISHED &&
	    heard.index == 0);
	ck_assert_str_eq(heard.reason, "handed over (upgrade)");
	ck_assert(peer_adopt(p2, &h, why, sizeof why) == NULL);
	ck_assert_msg(strstr(why, "already") != NULL, "%s", why);
	session_handover_release(&h);
	ck_assert_uint_eq(r2.established, 0);
	ck_assert(peer_session(p2) == s2);
	ck_assert_int_eq(session_state(s2), FSM_ESTABLISHED);
	ck_assert_msg(nb_recv(&n, &m, 5), "the queued UPDATE was not written");
	ck_assert_uint_eq(m.type, BGP_UPDATE);
	ck_assert_uint_eq(m.len + BGP_HEADER_LEN, len);
	nb_write(&n, upd, len);
	ck_assert(nb_until(got_update, &r2, 15));
	ck_assert_msg(!nb_recv(&n, &m, 0.5), "the neighbor got message type %u", m.type);
	ck_assert(!n.eof);
	ck_assert_int_eq(session_state(s2), FSM_ESTABLISHED);
	shut(p2, &r2);
}
END_TEST

START_TEST(thawed_writes_again)
{
	struct prec r;
	struct nb n;
	struct nb_msg m;
	uint8_t upd[128];
	size_t len = nb_update_msg(upd, sizeof upd);

	struct peer *p = make_peer(&r);
	struct session *s = established(p, &r, &n);
	peer_freeze(p, true);
	peer_hold_output(p);
	ck_assert(session_send(s, upd, len));
	ck_assert(!nb_recv(&n, &m, 0.5));
	peer_freeze(p, false);
	ck_assert_msg(nb_recv(&n, &m, 5), "the thawed session wrote nothing");
	ck_assert_uint_eq(m.type, BGP_UPDATE);
	ck_assert_uint_eq(peer_queued(p), 0);
	shut(p, &r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer_handover");
	TCase *tc = tcase_create("handover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, adopted_by_a_new_peer);
	tcase_add_test(tc, thawed_writes_again);
	suite_add_tcase(s, tc);
	return check_run(s);
}
