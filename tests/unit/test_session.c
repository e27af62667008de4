/*
 * test_session.c — one real session (muxd/engine/session.c) on a libevent
 * loop, over a socketpair whose other end the test plays as the neighbor
 * with the project's codec (tests/unit/neighbor.h). An engine second lasts
 * 50 ms here, 200 ms in the tests that measure a timer.
 *
 *   open_exchange_negotiates  our OPEN (AS, hold, id, families,
 *                            capabilities); theirs: the smaller hold time,
 *                            keepalive a third of it, the families both
 *                            offer; Active, OpenSent, OpenConfirm,
 *                            Established; "confirmed" on their first word
 *   four_octet_as            AS_TRANS in My AS, the real one in the
 *                            capability, both ways
 *   open_errors              hold time 2 → 2/6, another AS → 2/2, version
 *                            3 → 2/1 (data: version 4), id 0 → 2/3
 *   hold_timer_expires       a silent neighbor: 4/0 once the hold time
 *                            has passed, not before; the session closes
 *   keepalives               a third of the hold time apart, and a
 *                            neighbor that talks stays up
 *   open_timeout             no OPEN within open_timeout: 4/0, saying so
 *   half_written_messages    an OPEN and an UPDATE split across reads are
 *                            handled once, whole, when the last byte comes
 *   malformed_messages       each bad message: its exact NOTIFICATION
 *                            (code, subcode, data); that session closes,
 *                            a second one beside it stays Established
 *   unexpected_message       an UPDATE in OpenConfirm: 5/2 with its type
 *   notification_received    the neighbor's NOTIFICATION closes the session,
 *                            nothing is sent back, and it is kept
 *   redirect_required        an answer with the IETF R bit and a port; a
 *                            KEEPALIVE instead of a new connection gets
 *                            Redirect Required (2/0)
 *   close_then_free_later    session_close sends the NOTIFICATION; the
 *                            owner's gone comes from the loop, once
 *   shutdown_gone_from_loop  each way of leaving (close, close_data, drop,
 *                            abort): gone never inside the call, once
 *                            from the loop, and no upcall after it
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/engine/session.h"
#include "muxd/engine/timebase.h"
#include "tests/unit/check_run.h"
#include "tests/unit/neighbor.h"

#define SECOND_US 50000
#define LOCAL_ID 0xc0000201u            /* 192.0.2.1 */
#define REMOTE_ID 0x0a000001u           /* 10.0.0.1 */

static const struct bgp_family v4u = { BGP_AFI_IPV4, BGP_SAFI_UNICAST };
static const struct bgp_family v6u = { BGP_AFI_IPV6, BGP_SAFI_UNICAST };
static const struct bgp_family v4m = { BGP_AFI_IPV4, BGP_SAFI_MULTICAST };

/* What a session told its owner. */
struct rec {
	enum fsm_state states[32];
	size_t nstates;
	char reason[400];               /* of the last state change */
	unsigned opens, updates, confirmed, gone;
	uint8_t nlri[64];               /* of the last UPDATE */
	size_t nlri_len;
	double established_at;          /* engine seconds */
	/* open_received answers with this offer (delay_open sessions) */
	uint16_t redirect_port;
	bool in_callback;               /* the test is inside a session call */
	/* what the session said of itself when it went (it is freed then) */
	bool notif_rx;
	uint8_t notif_code, notif_subcode;
	uint64_t notifs_sent;
	char last_error[320];
	bool ended_as_restart;
};

/* Every session a test made, to free those still there at its end. */
static struct { struct session *s; struct rec *r; } made[16];
static size_t nmade;

static void on_state(struct session *s, enum fsm_state from, enum fsm_state to,
    const char *reason, void *arg)
{
	struct rec *r = arg;
	(void)s;
	(void)from;
	ck_assert_msg(r->gone == 0, "an upcall after gone");
	ck_assert_uint_lt(r->nstates, 32);
	r->states[r->nstates++] = to;
	if (to == FSM_ESTABLISHED)
		r->established_at = nb_now();
	snprintf(r->reason, sizeof r->reason, "%s", reason);
}

static bool on_open(struct session *s, const struct bgp_open *o, void *arg)
{
	struct rec *r = arg;
	(void)o;
	ck_assert_msg(r->gone == 0, "an upcall after gone");
	r->opens++;
	if (r->redirect_port)
		session_set_offer(s, &v6u, 1, MS_DIALECT_IETF, r->redirect_port);
	return true;
}

static void on_update(struct session *s, const struct bgp_update *u, void *arg)
{
	struct rec *r = arg;
	(void)s;
	ck_assert_msg(r->gone == 0, "an upcall after gone");
	r->updates++;
	r->nlri_len = u->nlri.len < sizeof r->nlri ? u->nlri.len : sizeof r->nlri;
	memcpy(r->nlri, u->nlri.p, r->nlri_len);
}

static void on_confirmed(struct session *s, void *arg)
{
	(void)s;
	ck_assert_msg(((struct rec *)arg)->gone == 0, "an upcall after gone");
	((struct rec *)arg)->confirmed++;
}

static void on_gone(struct session *s, void *arg)
{
	struct rec *r = arg;
	ck_assert_msg(!r->in_callback, "gone inside the caller's own call");
	ck_assert_msg(r->gone == 0, "gone twice");
	r->gone++;
	r->notif_rx = session_notification_rx(s, &r->notif_code, &r->notif_subcode);
	r->notifs_sent = session_counters_tx(s)->msgs[BGP_NOTIFICATION];
	snprintf(r->last_error, sizeof r->last_error, "%s", session_last_error(s));
	r->ended_as_restart = session_ended_as_restart(s);
}

static const struct session_ops ops = {
	.state_changed = on_state,
	.open_received = on_open,
	.update = on_update,
	.confirmed = on_confirmed,
	.gone = on_gone,
};

/* ---- fixtures ------------------------------------------------------------ */

static void setup(void)
{
	nb_start(SECOND_US);
	session_set_open_timeout(10);
}

/* Tests that measure a timer: their bounds then leave a busy machine
 * most of a real second. */
static void measuring(void)
{
	nb_set_second(200000);
}

static void params(struct session_params *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->label = "test session";
	sp->local_as = 65000;
	sp->local_id = LOCAL_ID;
	sp->remote_as = 65010;
	sp->hold_time = 9;
	sp->connect_retry = 5;
	sp->passive = true;
	sp->families[0] = v4u;
	sp->families[1] = v6u;
	sp->family_count = 2;
}

static struct session *made_new(const struct session_params *sp, struct rec *r)
{
	struct session *s = session_new(nb_base, sp, &ops, r);

	memset(r, 0, sizeof *r);
	ck_assert_uint_lt(nmade, 16);
	made[nmade].s = s;
	made[nmade++].r = r;
	return s;
}

/* A session adopting the engine's end of a socketpair with n. */
static struct session *accepted(const struct session_params *sp, struct rec *r,
    struct nb *n)
{
	struct session *s = made_new(sp, r);

	session_accept(s, nb_pair(n));
	return s;
}

/* The end of a test that passed: what is left is freed, so that the
 * sanitizers' leak check sees everything accounted for. */
static void finish(void)
{
	for (size_t i = 0; i < nmade; i++)
		if (made[i].r->gone == 0)
			session_abort(made[i].s);
	nmade = 0;
	nb_run(0.5);                    /* the deferred frees */
	nb_end();
}

static bool is_established(void *arg)
{
	return session_state(arg) == FSM_ESTABLISHED;
}

static bool has_gone(void *arg)
{
	return ((struct rec *)arg)->gone > 0;
}

/* The neighbor's side of the OPEN exchange, up to Established. */
static void establish(struct session *s, struct nb *n, uint16_t hold)
{
	struct nb_msg m;
	struct bgp_open o;
	const struct bgp_family fams[] = { v4u, v6u };

	ck_assert(nb_expect_open(n, &m, &o, 15));
	nb_open_init(&o, 65010, REMOTE_ID, hold, fams, 2);
	nb_send_open(n, &o);
	ck_assert(nb_expect(n, BGP_KEEPALIVE, &m, 15));
	nb_send_keepalive(n);
	ck_assert(nb_until(is_established, s, 15));
}

/* ---- the OPEN exchange --------------------------------------------------- */

START_TEST(test_open_exchange_negotiates)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;
	const struct bgp_family theirs[] = { v4u, v4m };

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	ck_assert_uint_eq(o.version, 4);
	ck_assert_uint_eq(o.my_as, 65000);
	ck_assert_uint_eq(o.hold_time, 9);
	ck_assert_uint_eq(o.bgp_id, LOCAL_ID);
	ck_assert(bgp_caps_has_family(&o.caps, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	ck_assert(bgp_caps_has_family(&o.caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	ck_assert_uint_eq(o.caps.mp_count, 2);
	ck_assert(o.caps.present & BGP_CAPF_AS4);
	ck_assert_uint_eq(o.caps.as4, 65000);
	ck_assert(o.caps.present & BGP_CAPF_ROUTE_REFRESH);
	ck_assert(!(o.caps.present & (BGP_CAPF_MULTISESSION_IETF | BGP_CAPF_MULTISESSION_CISCO)));
	ck_assert_int_eq(session_state(s), FSM_OPENSENT);

	nb_open_init(&o, 65010, REMOTE_ID, 6, theirs, 2);
	nb_send_open(&n, &o);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	ck_assert_int_eq(session_state(s), FSM_OPENCONFIRM);
	ck_assert_uint_eq(r.opens, 1);
	const struct session_negotiated *neg = session_negotiated(s);
	ck_assert_uint_eq(neg->hold_time, 6);
	ck_assert_uint_eq(neg->keepalive, 2);
	ck_assert_uint_eq(neg->remote_as, 65010);
	ck_assert_uint_eq(neg->remote_id, REMOTE_ID);
	ck_assert(neg->as4 && neg->route_refresh && !neg->ext_message);
	ck_assert_uint_eq(neg->family_count, 1);
	ck_assert(neg->families[0].afi == BGP_AFI_IPV4 &&
	    neg->families[0].safi == BGP_SAFI_UNICAST);
	ck_assert_uint_eq(neg->offered_count, 2);
	ck_assert_int_eq(neg->ms, MS_DIALECT_NONE);

	nb_send_keepalive(&n);
	ck_assert(nb_until(is_established, s, 15));
	ck_assert_uint_eq(r.nstates, 4);
	ck_assert_int_eq(r.states[0], FSM_ACTIVE);
	ck_assert_int_eq(r.states[1], FSM_OPENSENT);
	ck_assert_int_eq(r.states[2], FSM_OPENCONFIRM);
	ck_assert_int_eq(r.states[3], FSM_ESTABLISHED);
	ck_assert(!session_initiated_locally(s));
	ck_assert_uint_eq(r.confirmed, 0);
	nb_send_keepalive(&n);
	nb_run(1);
	ck_assert_uint_eq(r.confirmed, 1);
	ck_assert_uint_eq(session_counters_rx(s)->msgs[BGP_KEEPALIVE], 2);
	ck_assert_uint_eq(session_counters_tx(s)->msgs[BGP_OPEN], 1);
	finish();
}
END_TEST

START_TEST(test_four_octet_as)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	params(&sp);
	sp.local_as = 4200000001u;
	sp.remote_as = 4200000002u;
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	ck_assert_uint_eq(o.my_as, BGP_AS_TRANS);
	ck_assert_uint_eq(o.caps.as4, 4200000001u);
	nb_open_init(&o, 4200000002u, REMOTE_ID, 9, &v4u, 1);
	ck_assert_uint_eq(o.my_as, BGP_AS_TRANS);
	nb_send_open(&n, &o);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	ck_assert_uint_eq(session_negotiated(s)->remote_as, 4200000002u);
	ck_assert(session_negotiated(s)->rx.as4);
	finish();
}
END_TEST

/* An OPEN the session must refuse, with the NOTIFICATION it must send. */
struct open_case {
	const char *name;
	uint8_t version;
	uint32_t as;
	uint16_t hold;
	uint32_t id;
	uint8_t code, subcode;
	uint8_t data[2];
	size_t data_len;
};

static const struct open_case open_cases[] = {
	{ "hold time 2", 4, 65010, 2, REMOTE_ID, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME, {0}, 0 },
	{ "another AS", 4, 65011, 9, REMOTE_ID, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS, {0}, 0 },
	{ "version 3", 3, 65010, 9, REMOTE_ID, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION, {0, 4}, 2 },
	{ "BGP Identifier 0", 4, 65010, 9, 0, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID, {0}, 0 },
};

START_TEST(test_open_errors)
{
	const struct open_case *c = &open_cases[_i];
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	nb_open_init(&o, c->as, c->id, c->hold, &v4u, 1);
	o.version = c->version;
	nb_send_open(&n, &o);
	ck_assert_msg(nb_expect(&n, BGP_NOTIFICATION, &m, 5), "%s: no NOTIFICATION", c->name);
	ck_assert_msg(m.body[0] == c->code && m.body[1] == c->subcode,
	    "%s: NOTIFICATION %u/%u, expected %u/%u", c->name, m.body[0], m.body[1],
	    c->code, c->subcode);
	ck_assert_msg(m.len == 2 + c->data_len && memcmp(m.body + 2, c->data, c->data_len) == 0,
	    "%s: data of %zu bytes", c->name, m.len - 2);
	ck_assert(nb_wait_eof(&n, 10));
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_uint_eq(r.opens, 0);
	(void)s;
	finish();
}
END_TEST

/* ---- export sessions: the VPN families ---------------------------------- */

static const struct bgp_family v4vpn = { BGP_AFI_IPV4, BGP_SAFI_VPN };
static const struct bgp_family v6vpn = { BGP_AFI_IPV6, BGP_SAFI_VPN };

static void vpn_params(struct session_params *sp)
{
	params(sp);
	sp->remote_as = sp->local_as;   /* iBGP */
	sp->families[0] = v4vpn;
	sp->families[1] = v6vpn;
	sp->add_path = BGP_ADDPATH_BOTH;
}

/* The ADD-PATH mode an OPEN offers for f (0: none). */
static uint8_t addpath_offered(const struct bgp_open *o, struct bgp_family f)
{
	return (o->caps.present & BGP_CAPF_ADD_PATH) ?
	    bgp_caps_addpath_mode(&o->caps, f.afi, f.safi) : 0;
}

/* ADD-PATH is offered on the VPN families only when asked (an export
 * session), and negotiated per family by RFC 7911's rule. */
START_TEST(test_vpn_add_path)
{
	const bool on = _i;
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;
	const struct bgp_family theirs[] = { v4vpn, v6vpn };

	vpn_params(&sp);
	sp.add_path_vpn = on;
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	ck_assert_uint_eq(addpath_offered(&o, v4vpn), on ? BGP_ADDPATH_BOTH : 0);
	ck_assert_uint_eq(addpath_offered(&o, v6vpn), on ? BGP_ADDPATH_BOTH : 0);
	nb_open_init(&o, 65000, REMOTE_ID, 9, theirs, 2);
	o.caps.present |= BGP_CAPF_ADD_PATH;
	o.caps.addpath[0] = (struct bgp_addpath_family){ v4vpn, BGP_ADDPATH_BOTH };
	o.caps.addpath[1] = (struct bgp_addpath_family){ v6vpn, BGP_ADDPATH_SEND };
	o.caps.addpath_count = 2;
	nb_send_open(&n, &o);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	const struct session_negotiated *neg = session_negotiated(s);
	ck_assert_uint_eq(neg->family_count, 2);
	/* they send on v6 only: muxd receives path ids there, sends none */
	ck_assert_uint_eq(neg->vpn_addpath[0], on ? BGP_ADDPATH_BOTH : 0);
	ck_assert_uint_eq(neg->vpn_addpath[1], on ? BGP_ADDPATH_RECEIVE : 0);
	finish();
}
END_TEST

/* A neighbor that takes none of the families is refused in its OPEN with
 * Unsupported Capability, the data our Multiprotocol capabilities (RFC
 * 5492 §3); without require_family the session comes up with none. */
START_TEST(test_require_family)
{
	const bool require = _i;
	static const uint8_t data[] = { 1, 4, 0, 1, 0, 128, 1, 4, 0, 2, 0, 128 };
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	vpn_params(&sp);
	sp.require_family = require;
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	nb_open_init(&o, 65000, REMOTE_ID, 9, &v4u, 1);
	nb_send_open(&n, &o);
	if (!require) {
		ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
		ck_assert_uint_eq(session_negotiated(s)->family_count, 0);
		finish();
		return;
	}
	ck_assert(nb_expect(&n, BGP_NOTIFICATION, &m, 15));
	ck_assert_uint_eq(m.body[0], BGP_ERR_OPEN);
	ck_assert_uint_eq(m.body[1], BGP_ERR_OPEN_CAPABILITY);
	ck_assert_uint_eq(m.len, 2 + sizeof data);
	ck_assert(memcmp(m.body + 2, data, sizeof data) == 0);
	ck_assert(nb_wait_eof(&n, 10));
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_uint_eq(r.opens, 0);
	finish();
}
END_TEST

/* ---- timers -------------------------------------------------------------- */

START_TEST(test_hold_timer_expires)
{
	struct session_params sp;
	struct rec r;
	struct nb n;

	measuring();
	params(&sp);
	sp.hold_time = 3;
	struct session *s = accepted(&sp, &r, &n);
	establish(s, &n, 3);
	ck_assert(nb_expect_notification(&n, BGP_ERR_HOLD, 0, 30));
	double took = nb_now() - r.established_at;
	ck_assert_msg(took >= 2.5 && took < 6, "Hold Timer Expired after %.2f s of a hold "
	    "time of 3", took);
	ck_assert(nb_wait_eof(&n, 10));
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_int_eq(r.states[r.nstates - 1], FSM_IDLE);
	ck_assert_str_eq(r.reason, "Hold timer expired");
	finish();
}
END_TEST

START_TEST(test_keepalives)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	unsigned got = 0;

	measuring();
	params(&sp);
	sp.hold_time = 9;
	struct session *s = accepted(&sp, &r, &n);
	establish(s, &n, 9);
	double end = nb_now() + 16;
	while (nb_now() < end) {
		nb_send_keepalive(&n);
		while (nb_recv(&n, &m, 1)) {
			ck_assert_uint_eq(m.type, BGP_KEEPALIVE);
			got++;
		}
	}
	/* every 3 s over 16 s: 5, give or take the edges */
	ck_assert_msg(got >= 4 && got <= 6, "%u KEEPALIVEs in 16 s with keepalive 3", got);
	ck_assert_int_eq(session_state(s), FSM_ESTABLISHED);
	ck_assert_uint_eq(r.gone, 0);
	finish();
}
END_TEST

START_TEST(test_open_timeout)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	measuring();
	session_set_open_timeout(4);
	params(&sp);
	accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	double start = nb_now();
	ck_assert(nb_expect_notification(&n, BGP_ERR_HOLD, 0, 30));
	double took = nb_now() - start;
	ck_assert_msg(took >= 3.5 && took < 7, "closed after %.2f s of 4", took);
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_str_eq(r.reason, "Hold timer expired: no OPEN within open_timeout (4 s)");
	finish();
}
END_TEST

/* ---- framing ------------------------------------------------------------- */

START_TEST(test_half_written_messages)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;
	uint8_t buf[BGP_MAX_LEN];
	struct wbuf w = wbuf_make(buf, sizeof buf);

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	nb_open_init(&o, 65010, REMOTE_ID, 9, &v4u, 1);
	size_t len = bgp_open_encode(&w, &o);
	/* the OPEN in three pieces: part of the header, part of the body */
	nb_write(&n, buf, 10);
	nb_run(1);
	nb_write(&n, buf + 10, 15);
	nb_run(1);
	ck_assert_uint_eq(r.opens, 0);
	ck_assert_int_eq(session_state(s), FSM_OPENSENT);
	nb_write(&n, buf + 25, len - 25);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	ck_assert_uint_eq(r.opens, 1);
	nb_send_keepalive(&n);
	ck_assert(nb_until(is_established, s, 15));

	/* an UPDATE, cut one byte before its end, then the last byte */
	len = nb_update_msg(buf, sizeof buf);
	nb_write(&n, buf, 19);
	nb_run(1);
	nb_write(&n, buf + 19, len - 20);
	nb_run(1);
	ck_assert_uint_eq(r.updates, 0);
	nb_write(&n, buf + len - 1, 1);
	nb_run(1);
	ck_assert_uint_eq(r.updates, 1);
	ck_assert_uint_eq(r.nlri_len, 2);
	ck_assert(r.nlri[0] == 8 && r.nlri[1] == 10);
	ck_assert_int_eq(session_state(s), FSM_ESTABLISHED);
	finish();
}
END_TEST

/* A bad message after Established and the NOTIFICATION it must bring. */
struct bad_case {
	const char *name;
	uint8_t msg[48];
	size_t len;
	uint8_t code, subcode;
	uint8_t data[4];
	size_t data_len;
};

#define MARKER16 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

static const struct bad_case bad_cases[] = {
	{ "marker not all ones",
	  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0, 19, BGP_KEEPALIVE }, 19,
	  BGP_ERR_HEADER, BGP_ERR_HDR_SYNC, {0}, 0 },
	{ "length 18", { MARKER16, 0, 18, BGP_KEEPALIVE }, 19,
	  BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, {0, 18}, 2 },
	{ "length 5000 without extended messages", { MARKER16, 0x13, 0x88, BGP_UPDATE }, 19,
	  BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, {0x13, 0x88}, 2 },
	{ "KEEPALIVE of 20 bytes", { MARKER16, 0, 20, BGP_KEEPALIVE, 0 }, 20,
	  BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, {0, 20}, 2 },
	{ "type 9", { MARKER16, 0, 19, 9 }, 19, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, {9}, 1 },
	{ "withdrawn routes past the end", { MARKER16, 0, 23, BGP_UPDATE, 0, 9, 0, 0 }, 23,
	  BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, {0}, 0 },
	{ "attributes past the end", { MARKER16, 0, 27, BGP_UPDATE, 0, 0, 0, 9,
	    0x40, BGP_ATTR_ORIGIN, 1, 0 }, 27, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, {0}, 0 },
	{ "second OPEN in Established", { MARKER16, 0, 29, BGP_OPEN, 4, 0xfd, 0xf2, 0, 9,
	    0x0a, 0, 0, 1, 0 }, 29, BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED, {BGP_OPEN}, 1 },
};

START_TEST(test_malformed_messages)
{
	const struct bad_case *c = &bad_cases[_i];
	struct session_params sp;
	struct rec r, r2;
	struct nb n, n2;
	struct nb_msg m;

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	struct session *other = accepted(&sp, &r2, &n2);
	establish(s, &n, 9);
	establish(other, &n2, 9);
	nb_write(&n, c->msg, c->len);
	ck_assert_msg(nb_expect(&n, BGP_NOTIFICATION, &m, 5), "%s: no NOTIFICATION", c->name);
	ck_assert_msg(m.body[0] == c->code && m.body[1] == c->subcode,
	    "%s: NOTIFICATION %u/%u, expected %u/%u", c->name, m.body[0], m.body[1],
	    c->code, c->subcode);
	ck_assert_msg(m.len == 2 + c->data_len && memcmp(m.body + 2, c->data, c->data_len) == 0,
	    "%s: data of %zu bytes, expected %zu", c->name, m.len - 2, c->data_len);
	ck_assert(nb_wait_eof(&n, 10));
	ck_assert(nb_until(has_gone, &r, 10));
	/* the other session noticed nothing */
	ck_assert_int_eq(session_state(other), FSM_ESTABLISHED);
	ck_assert(!session_is_closing(other));
	ck_assert_uint_eq(r2.gone, 0);
	nb_write(&n2, (uint8_t[]){ MARKER16, 0, 19, BGP_KEEPALIVE }, 19);
	nb_run(1);
	ck_assert_int_eq(session_state(other), FSM_ESTABLISHED);
	ck_assert(!n2.eof);
	finish();
}
END_TEST

START_TEST(test_unexpected_message)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;
	uint8_t buf[BGP_MAX_LEN];

	params(&sp);
	accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	nb_open_init(&o, 65010, REMOTE_ID, 9, &v4u, 1);
	nb_send_open(&n, &o);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	nb_write(&n, buf, nb_update_msg(buf, sizeof buf));
	ck_assert(nb_expect(&n, BGP_NOTIFICATION, &m, 15));
	ck_assert_uint_eq(m.body[0], BGP_ERR_FSM);
	ck_assert_uint_eq(m.body[1], BGP_ERR_FSM_OPENCONFIRM);
	ck_assert_uint_eq(m.len, 3);
	ck_assert_uint_eq(m.body[2], BGP_UPDATE);       /* RFC 6608 §4 */
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_uint_eq(r.updates, 0);
	finish();
}
END_TEST

START_TEST(test_notification_received)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	establish(s, &n, 9);
	nb_send_notification(&n, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert(!nb_recv(&n, &m, 2) || m.type == BGP_KEEPALIVE);
	ck_assert(!nb_recv(&n, &m, 2));
	ck_assert(n.eof);
	ck_assert_str_eq(r.reason, "received NOTIFICATION 6/2 (Cease, Administrative Shutdown)");
	ck_assert_int_eq(r.states[r.nstates - 1], FSM_IDLE);
	ck_assert(r.notif_rx);
	ck_assert_uint_eq(r.notif_code, BGP_ERR_CEASE);
	ck_assert_uint_eq(r.notif_subcode, BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert_uint_eq(r.notifs_sent, 0);
	finish();
}
END_TEST

START_TEST(test_redirect_required)
{
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	params(&sp);
	sp.delay_open = true;           /* the passive side answers theirs */
	struct session *s = made_new(&sp, &r);
	r.redirect_port = 1790;
	session_accept(s, nb_pair(&n));
	ck_assert(!nb_recv(&n, &m, 2));         /* nothing before their OPEN */
	ck_assert(session_awaiting_open(s));
	nb_open_init(&o, 65010, REMOTE_ID, 9, &v6u, 1);
	o.caps.present |= BGP_CAPF_MULTISESSION_IETF;
	o.caps.ms_ietf.present = true;
	nb_send_open(&n, &o);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	ck_assert(o.caps.present & BGP_CAPF_MULTISESSION_IETF);
	ck_assert(o.caps.ms_ietf.redirect);
	ck_assert_uint_eq(o.caps.ms_ietf.redirect_port, 1790);
	ck_assert_uint_eq(o.caps.mp_count, 1);
	ck_assert_uint_eq(o.caps.mp[0].afi, BGP_AFI_IPV6);
	ck_assert(nb_expect(&n, BGP_KEEPALIVE, &m, 15));
	/* instead of reconnecting to 1790, it carries on here */
	nb_send_keepalive(&n);
	ck_assert(nb_expect_notification(&n, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_REDIRECT_REQUIRED, 15));
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_int_eq(r.states[r.nstates - 1], FSM_IDLE);
	ck_assert(r.nstates < 2 || r.states[r.nstates - 2] != FSM_ESTABLISHED);
	ck_assert_str_eq(r.last_error, "sent NOTIFICATION 2/0 (OPEN Message Error, Unspecific)");
	finish();
}
END_TEST

START_TEST(test_close_then_free_later)
{
	struct session_params sp;
	struct rec r;
	struct nb n;

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	establish(s, &n, 9);
	r.in_callback = true;
	session_close(s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, "maintenance");
	ck_assert(session_is_closing(s));
	ck_assert_uint_eq(r.gone, 0);
	r.in_callback = false;
	ck_assert(nb_expect_notification(&n, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, 15));
	ck_assert(nb_until(has_gone, &r, 10));
	nb_run(2);
	ck_assert_uint_eq(r.gone, 1);
	finish();
}
END_TEST

/* ---- Graceful Restart's N bit (RFC 8538) ---------------------------------- */

/* Up to Established with Graceful Restart on our side; the neighbor's
 * capability sets N when n_bit. Our OPEN always offers N. */
static struct session *gr_established(struct rec *r, struct nb *n, uint16_t hold,
    bool n_bit)
{
	struct session_params sp;
	struct nb_msg m;
	struct bgp_open o;
	const struct bgp_family fams[] = { v4u, v6u };

	params(&sp);
	sp.graceful_restart = true;
	sp.hold_time = hold;
	struct session *s = accepted(&sp, r, n);
	ck_assert(nb_expect_open(n, &m, &o, 15));
	ck_assert(o.caps.present & BGP_CAPF_GRACEFUL_RESTART);
	ck_assert_uint_eq(o.caps.gr.flags, BGP_GR_NOTIFICATION);
	nb_open_init(&o, 65010, REMOTE_ID, hold, fams, 2);
	o.caps.present |= BGP_CAPF_GRACEFUL_RESTART;
	o.caps.gr.flags = n_bit ? BGP_GR_NOTIFICATION : 0;
	o.caps.gr.restart_time = 120;
	o.caps.gr.fam[o.caps.gr.count++] = (struct bgp_gr_family){ v4u, 0 };
	nb_send_open(n, &o);
	ck_assert(nb_expect(n, BGP_KEEPALIVE, &m, 15));
	nb_send_keepalive(n);
	ck_assert(nb_until(is_established, s, 15));
	ck_assert(session_negotiated(s)->gr);
	ck_assert_int_eq(session_negotiated(s)->gr_notification, n_bit);
	return s;
}

/* A hold-timer expiry sends 4/0 either way; with N on both sides the
 * session still ended as a restart, without it not. */
START_TEST(test_gr_hold_expiry_is_restart_with_n)
{
	struct rec r;
	struct nb n;

	measuring();
	gr_established(&r, &n, 3, _i == 1);
	ck_assert(nb_expect_notification(&n, BGP_ERR_HOLD, 0, 30));
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_int_eq(r.ended_as_restart, _i == 1);
	finish();
}
END_TEST

/* With N, a received Cease other than Hard Reset is a restart; a Hard
 * Reset is not. */
START_TEST(test_gr_received_hard_reset_ends_routes)
{
	struct rec r;
	struct nb n;

	gr_established(&r, &n, 9, true);
	nb_send_notification(&n, BGP_ERR_CEASE, _i ? BGP_CEASE_HARD_RESET :
	    BGP_CEASE_ADMIN_SHUTDOWN);
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_int_eq(r.ended_as_restart, _i == 0);
	finish();
}
END_TEST

/* With N, muxd's own Cease that ends routes for good (Peer De-configured
 * here) goes as Hard Reset carrying it (6/9, data 06 03); Administrative
 * Shutdown (muxd stopping) stays itself. Without N, nothing is wrapped. */
START_TEST(test_gr_sent_hard_reset)
{
	static const struct { bool n_bit; uint8_t sub, want_sub; bool restart; } c[] = {
		{ true, BGP_CEASE_PEER_DECONFIGURED, BGP_CEASE_HARD_RESET, false },
		{ true, BGP_CEASE_ADMIN_SHUTDOWN, BGP_CEASE_ADMIN_SHUTDOWN, true },
		{ false, BGP_CEASE_PEER_DECONFIGURED, BGP_CEASE_PEER_DECONFIGURED, false },
	};
	struct rec r;
	struct nb n;
	struct nb_msg m;

	struct session *s = gr_established(&r, &n, 9, c[_i].n_bit);
	session_close(s, BGP_ERR_CEASE, c[_i].sub, NULL);
	ck_assert(nb_expect(&n, BGP_NOTIFICATION, &m, 15));
	ck_assert_uint_eq(m.body[0], BGP_ERR_CEASE);
	ck_assert_uint_eq(m.body[1], c[_i].want_sub);
	if (c[_i].want_sub == BGP_CEASE_HARD_RESET) {
		ck_assert_uint_eq(m.len, 4);
		ck_assert_uint_eq(m.body[2], BGP_ERR_CEASE);
		ck_assert_uint_eq(m.body[3], c[_i].sub);
	}
	ck_assert(nb_until(has_gone, &r, 10));
	ck_assert_int_eq(r.ended_as_restart, c[_i].restart);
	finish();
}
END_TEST

/* As a restarting speaker, our capability lists the session's families
 * (F as the daemon says) and its restart time, and sets R within the
 * restart time after an unclean stop. */
START_TEST(test_gr_restarting_speaker_open)
{
	struct gr_speaker g = { .restart_time = 30, .forwarding = _i == 0,
		.restarted_until = _i == 0 ? timebase_now() + 100 : 0 };
	struct session_params sp;
	struct rec r;
	struct nb n;
	struct nb_msg m;
	struct bgp_open o;

	params(&sp);
	sp.graceful_restart = true;
	sp.gr_speaker = &g;
	accepted(&sp, &r, &n);
	ck_assert(nb_expect_open(&n, &m, &o, 15));
	ck_assert(o.caps.present & BGP_CAPF_GRACEFUL_RESTART);
	ck_assert_uint_eq(o.caps.gr.restart_time, 30);
	ck_assert_uint_eq(o.caps.gr.flags, BGP_GR_NOTIFICATION |
	    (_i == 0 ? BGP_GR_RESTARTED : 0));
	ck_assert_uint_eq(o.caps.gr.count, 2);
	ck_assert_uint_eq(o.caps.gr.fam[0].fam.afi, BGP_AFI_IPV4);
	ck_assert_uint_eq(o.caps.gr.fam[1].fam.afi, BGP_AFI_IPV6);
	ck_assert_uint_eq(o.caps.gr.fam[0].flags, _i == 0 ? BGP_GR_FORWARDING : 0);
	finish();
}
END_TEST

/* Every way the owner makes a session leave is its shutdown (lifecycle.h):
 * gone never comes inside the call, comes once from the loop, and nothing
 * comes after it. */
enum { BY_CLOSE, BY_CLOSE_DATA, BY_DROP, BY_ABORT, BY_COUNT };

START_TEST(test_shutdown_gone_from_loop)
{
	static const uint8_t data[] = { 0, 1, 1, 0, 0, 0, 10 };
	struct session_params sp;
	struct rec r;
	struct nb n;

	params(&sp);
	struct session *s = accepted(&sp, &r, &n);
	establish(s, &n, 9);
	r.in_callback = true;
	if (_i == BY_CLOSE)
		session_close(s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	else if (_i == BY_CLOSE_DATA)
		session_close_data(s, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIXES, data,
		    sizeof data);
	else if (_i == BY_DROP)
		session_drop(s, "a test drops it");
	else
		session_abort(s);
	ck_assert(session_is_closing(s));
	ck_assert_uint_eq(r.gone, 0);
	r.in_callback = false;
	ck_assert(nb_until(has_gone, &r, 10));
	size_t nstates = r.nstates;
	nb_run(1);                      /* time for anything that would follow */
	ck_assert_uint_eq(r.gone, 1);
	ck_assert_uint_eq(r.nstates, nstates);
	nb_close(&n);
	finish();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_open_exchange_negotiates);
	tcase_add_test(tc, test_four_octet_as);
	tcase_add_loop_test(tc, test_open_errors, 0,
	    (int)(sizeof open_cases / sizeof open_cases[0]));
	tcase_add_loop_test(tc, test_vpn_add_path, 0, 2);
	tcase_add_loop_test(tc, test_require_family, 0, 2);
	tcase_add_test(tc, test_hold_timer_expires);
	tcase_add_test(tc, test_keepalives);
	tcase_add_test(tc, test_open_timeout);
	tcase_add_test(tc, test_half_written_messages);
	tcase_add_loop_test(tc, test_malformed_messages, 0,
	    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_unexpected_message);
	tcase_add_test(tc, test_notification_received);
	tcase_add_test(tc, test_redirect_required);
	tcase_add_test(tc, test_close_then_free_later);
	tcase_add_loop_test(tc, test_shutdown_gone_from_loop, 0, BY_COUNT);
	tcase_add_loop_test(tc, test_gr_hold_expiry_is_restart_with_n, 0, 2);
	tcase_add_loop_test(tc, test_gr_received_hard_reset_ends_routes, 0, 2);
	tcase_add_loop_test(tc, test_gr_sent_hard_reset, 0, 3);
	tcase_add_loop_test(tc, test_gr_restarting_speaker_open, 0, 2);
	suite_add_tcase(s, tc);
	return check_run(s);
}
