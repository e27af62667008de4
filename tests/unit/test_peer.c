/*
 * test_peer.c — one real peer (muxd/engine/peer*.c) and its sessions on a
 * libevent loop; the test plays the neighbor with the project's codec
 * (tests/unit/neighbor.h) over socketpairs handed to peer_accept, and on
 * loopback TCP (127.0.0.1, ports the kernel picks) where the peer connects
 * out or a test needs the local port. An engine second lasts 50 ms (200 ms where a test
 * measures one); the neighbor offers hold time 0, so no hold timer runs.
 *
 *   collision                RFC 4271 §6.8, both OPEN orders and both
 *                            identifier orders: the connection opened by
 *                            the side with the higher BGP Identifier stays,
 *                            the other gets Cease/Collision (6/7)
 *   established_refuses      a second connection beside an Established
 *                            ordinary session is refused
 *   cisco_one_family_each    multisession "cisco": one family per
 *                            connection (capability 131), a session each,
 *                            ids 1 and 2
 *   auto_falls_back          "auto": IETF (68) with every family; refused
 *                            with 2/7, Cisco (131) with one; refused with
 *                            2/7, one ordinary session, which comes up
 *   redirect_followed        the neighbor's IETF answer with R and a port:
 *                            Redirecting Now (2/0) and at once a new
 *                            connection to that port for those families
 *   redirect_offered         a family with a port of its own (passive):
 *                            the answer carries R and the port; a
 *                            KEEPALIVE then gets Redirect Required (2/0);
 *                            another family is answered without R
 *   max_sessions             a ninth connection takes the place of one
 *                            that has sent no OPEN; with eight that have,
 *                            it is refused
 *   malformed_resets_one     a malformed UPDATE on one multisession
 *                            session closes it alone (3/1); the owner
 *                            hears `down` for it only; it comes back with
 *                            the same id
 *   close_session            peer_close_session: Cease/Administrative
 *                            Reset with its Shutdown Communication, on
 *                            that session alone, once
 *   peer_json                the peer as web/ renders it from the
 *                            accessors: mode, summary, live sessions
 *   shutdown_then_gone       peer_shutdown: a NOTIFICATION on every
 *                            session; gone later, from the loop, once,
 *                            and no upcall after it; a second call does
 *                            nothing
 *   room_then_shutdown       a ninth connection takes a silent one's
 *                            place and the peer shuts down in the same
 *                            pass: gone once, after every session's
 *   shutdown_without_sessions  a peer with no session: gone still comes
 *                            from the loop, never inside peer_shutdown
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "muxd/engine/peer.h"
#include "tests/unit/check_run.h"
#include "web/session_json.h"
#include "tests/unit/neighbor.h"

#define SECOND_US 50000
#define LOCAL_ID 0xc0000202u            /* 192.0.2.2 */
#define LOW_ID 0x0a000001u              /* 10.0.0.1: below ours */
#define HIGH_ID 0xcb000001u             /* 203.0.113.1: above ours */

static const struct bgp_family v4u = { BGP_AFI_IPV4, BGP_SAFI_UNICAST };
static const struct bgp_family v6u = { BGP_AFI_IPV6, BGP_SAFI_UNICAST };

/* What a peer told its owner. */
struct prec {
	unsigned established, down, updates, gone;
	struct session *last_up, *last_down;
	char down_reason[200];
	bool in_call;                   /* the test is inside a peer call */
};

static void on_established(struct peer *p, struct session *s, void *owner)
{
	struct prec *r = owner;
	(void)p;
	ck_assert_msg(r->gone == 0, "an upcall after gone");
	r->established++;
	r->last_up = s;
}

static void on_down(struct peer *p, struct session *s, const char *reason, void *owner)
{
	struct prec *r = owner;
	(void)p;
	ck_assert_msg(r->gone == 0, "an upcall after gone");
	r->down++;
	r->last_down = s;
	snprintf(r->down_reason, sizeof r->down_reason, "%s", reason);
}

static void on_update(struct peer *p, struct session *s, const struct bgp_update *u,
    void *owner)
{
	(void)p;
	(void)s;
	(void)u;
	ck_assert_msg(((struct prec *)owner)->gone == 0, "an upcall after gone");
	((struct prec *)owner)->updates++;
}

static void on_gone(struct peer *p, void *owner)
{
	struct prec *r = owner;
	(void)p;
	ck_assert_msg(!r->in_call, "gone inside the caller's own call");
	ck_assert_msg(r->gone == 0, "gone twice");
	r->gone++;
}

static const struct peer_ops ops = {
	.established = on_established,
	.down = on_down,
	.update = on_update,
	.gone = on_gone,
};

static struct peer *the_peer;
static struct prec *the_rec;

static void setup(void)
{
	nb_start(SECOND_US);
	/* silent connections must stay while a test needs them */
	session_set_open_timeout(240);
}

static void config(struct neighbor_config *nc, enum ms_mode ms, bool passive,
    uint16_t port)
{
	memset(nc, 0, sizeof *nc);
	nc->name = "nb";
	ck_assert(sockaddr_parse("127.0.0.1", port, &nc->remote));
	nc->remote_as = 65010;
	nc->passive = passive;
	nc->hold_time = 90;
	nc->connect_retry = 4;
	nc->families[0] = v4u;
	nc->families[1] = v6u;
	nc->family_count = 2;
	nc->multisession = ms;
}

static struct peer *make_peer(const struct neighbor_config *nc, uint32_t id, struct prec *r)
{
	struct peer_local local = { 65000, id, NULL, NULL, NULL };

	memset(r, 0, sizeof *r);
	the_rec = r;
	the_peer = peer_new(nb_base, nc, &local, &ops, r);
	peer_start(the_peer);
	return the_peer;
}

static bool is_gone(void *arg)
{
	return ((struct prec *)arg)->gone > 0;
}

/* The end of a test that passed: the peer shut down and freed, the loop
 * freed. */
static void finish(void)
{
	peer_shutdown(the_peer, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	ck_assert(nb_until(is_gone, the_rec, 20));
	nb_end();
}

/* The neighbor's OPEN: AS 65010, hold time 0, these families, and the
 * multisession capability of dialect d (IETF: with R and port when
 * redirect_port). */
static void send_open(struct nb *n, uint32_t id, const struct bgp_family *f, uint8_t nf,
    enum ms_dialect d, uint16_t redirect_port)
{
	struct bgp_open o;

	nb_open_init(&o, 65010, id, 0, f, nf);
	if (d == MS_DIALECT_CISCO) {
		o.caps.present |= BGP_CAPF_MULTISESSION_CISCO;
	} else if (d == MS_DIALECT_IETF) {
		o.caps.present |= BGP_CAPF_MULTISESSION_IETF;
		o.caps.ms_ietf.present = true;
		o.caps.ms_ietf.redirect = redirect_port != 0;
		o.caps.ms_ietf.redirect_port = redirect_port;
	}
	nb_send_open(n, &o);
}

/* The peer's OPEN on n. */
static void recv_open(struct nb *n, struct bgp_open *o)
{
	static struct nb_msg m;         /* o points into it */

	ck_assert_msg(nb_expect_open(n, &m, o, 10), "no OPEN from the peer");
}

static enum ms_dialect dialect_of(const struct bgp_open *o)
{
	if (o->caps.present & BGP_CAPF_MULTISESSION_IETF)
		return MS_DIALECT_IETF;
	return o->caps.present & BGP_CAPF_MULTISESSION_CISCO ? MS_DIALECT_CISCO :
	    MS_DIALECT_NONE;
}

static bool has_fam(const struct bgp_open *o, struct bgp_family f)
{
	return bgp_caps_has_family(&o->caps, f.afi, f.safi);
}

/* After both OPENs: the peer's KEEPALIVE, ours, Established. */
static void confirm(struct nb *n, struct prec *r)
{
	struct nb_msg m;
	unsigned before = r->established;

	ck_assert(nb_expect(n, BGP_KEEPALIVE, &m, 10));
	nb_send_keepalive(n);
	while (r->established == before)
		ck_assert_msg(nb_run_once(nb_now() + 10), "not Established");
}

static size_t established_count(const struct peer *p)
{
	struct session *ss[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(p, ss, PEER_MAX_SESSIONS), up = 0;

	for (size_t i = 0; i < n; i++)
		up += !session_is_closing(ss[i]) && session_state(ss[i]) == FSM_ESTABLISHED;
	return up;
}

/* The Established session that carries f (NULL: none). */
static struct session *carrying(const struct peer *p, struct bgp_family f)
{
	struct session *ss[PEER_MAX_SESSIONS];
	size_t n = peer_sessions(p, ss, PEER_MAX_SESSIONS);

	for (size_t i = 0; i < n; i++) {
		const struct session_negotiated *ng = session_negotiated(ss[i]);
		if (session_is_closing(ss[i]) || session_state(ss[i]) != FSM_ESTABLISHED)
			continue;
		for (uint8_t k = 0; k < ng->family_count; k++)
			if (ng->families[k].afi == f.afi && ng->families[k].safi == f.safi)
				return ss[i];
	}
	return NULL;
}

/* ---- collisions (RFC 4271 §6.8) --------------------------------------- */

struct collision_case {
	uint32_t neighbor_id;
	bool open_on_ours_first;        /* its OPEN comes first on the
					 * connection the peer opened */
};

static const struct collision_case collisions[] = {
	{ LOW_ID, true }, { LOW_ID, false }, { HIGH_ID, true }, { HIGH_ID, false },
};

START_TEST(test_collision)
{
	const struct collision_case *c = &collisions[_i];
	struct neighbor_config nc;
	struct prec r;
	struct nb ours, theirs;        /* the connection the peer opened; the other */
	struct bgp_open o;
	uint16_t port;
	int lfd = nb_listen("127.0.0.1", &port);

	config(&nc, MS_OFF, false, port);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	ck_assert(nb_accept(lfd, &ours, 10));
	recv_open(&ours, &o);
	ck_assert(peer_accept(p, nb_pair(&theirs)));
	recv_open(&theirs, &o);

	/* the connection opened by the higher identifier's side stays */
	bool keep_ours = LOCAL_ID > c->neighbor_id;
	struct nb *first = c->open_on_ours_first ? &ours : &theirs;
	struct nb *second = first == &ours ? &theirs : &ours;
	struct nb *keep = keep_ours ? &ours : &theirs, *lose = keep_ours ? &theirs : &ours;
	send_open(first, c->neighbor_id, &v4u, 1, MS_DIALECT_NONE, 0);
	ck_assert(nb_expect_notification(lose, BGP_ERR_CEASE, BGP_CEASE_COLLISION, 10));
	ck_assert(nb_wait_eof(lose, 10));
	if (keep == second)
		send_open(second, c->neighbor_id, &v4u, 1, MS_DIALECT_NONE, 0);
	confirm(keep, &r);
	ck_assert_uint_eq(r.established, 1);
	struct session *s = peer_session(p);
	ck_assert_int_eq(session_state(s), FSM_ESTABLISHED);
	ck_assert(session_initiated_locally(s) == keep_ours);
	ck_assert(!keep->eof);
	close(lfd);
	finish();
}
END_TEST

START_TEST(test_established_refuses)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb a;
	struct bgp_open o;

	config(&nc, MS_OFF, true, 179);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	ck_assert(peer_accept(p, nb_pair(&a)));
	recv_open(&a, &o);
	send_open(&a, LOW_ID, &v4u, 1, MS_DIALECT_NONE, 0);
	confirm(&a, &r);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert(!peer_accept(p, sv[1]));
	close(sv[0]);
	close(sv[1]);
	ck_assert_uint_eq(established_count(p), 1);
	finish();
}
END_TEST

/* ---- multisession offers ----------------------------------------------- */

START_TEST(test_cisco_one_family_each)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb a, b;
	struct bgp_open o;
	uint16_t port;
	int lfd = nb_listen("127.0.0.1", &port);
	char buf[96];

	config(&nc, MS_CISCO, false, port);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	ck_assert(nb_accept(lfd, &a, 10));
	recv_open(&a, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_CISCO);
	ck_assert_uint_eq(o.caps.mp_count, 1);
	ck_assert(has_fam(&o, v4u));
	send_open(&a, LOW_ID, &v4u, 1, MS_DIALECT_CISCO, 0);
	confirm(&a, &r);
	ck_assert_uint_eq(session_id(r.last_up), 1);

	ck_assert(nb_accept(lfd, &b, 10));     /* the next family's session */
	recv_open(&b, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_CISCO);
	ck_assert_uint_eq(o.caps.mp_count, 1);
	ck_assert(has_fam(&o, v6u));
	send_open(&b, LOW_ID, &v6u, 1, MS_DIALECT_CISCO, 0);
	confirm(&b, &r);
	ck_assert_uint_eq(session_id(r.last_up), 2);
	ck_assert_ptr_nonnull(carrying(p, v4u));
	ck_assert_ptr_nonnull(carrying(p, v6u));
	ck_assert_ptr_ne(carrying(p, v4u), carrying(p, v6u));
	ck_assert_str_eq(peer_summary(p, buf, sizeof buf),
	    "multisession with 2 sessions (2 established)");
	close(lfd);
	finish();
}
END_TEST

START_TEST(test_auto_falls_back)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb a, b, c;
	struct bgp_open o;
	uint16_t port;
	int lfd = nb_listen("127.0.0.1", &port);

	config(&nc, MS_AUTO, false, port);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	ck_assert(nb_accept(lfd, &a, 10));
	recv_open(&a, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_IETF);
	ck_assert_uint_eq(o.caps.mp_count, 2);
	nb_send_notification(&a, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY);
	ck_assert(nb_wait_eof(&a, 10));

	ck_assert(nb_accept(lfd, &b, 20));
	recv_open(&b, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_CISCO);
	ck_assert_uint_eq(o.caps.mp_count, 1);
	nb_send_notification(&b, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY);
	ck_assert(nb_wait_eof(&b, 10));

	ck_assert(nb_accept(lfd, &c, 20));
	recv_open(&c, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_NONE);
	ck_assert_uint_eq(o.caps.mp_count, 2);
	const struct bgp_family both[] = { v4u, v6u };
	send_open(&c, LOW_ID, both, 2, MS_DIALECT_NONE, 0);
	confirm(&c, &r);
	ck_assert_ptr_eq(carrying(p, v4u), carrying(p, v6u));
	ck_assert_int_eq(session_negotiated(r.last_up)->ms, MS_DIALECT_NONE);
	close(lfd);
	finish();
}
END_TEST

/* ---- the IETF redirect ---------------------------------------------------- */

START_TEST(test_redirect_followed)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb a, b;
	struct bgp_open o;
	uint16_t port, port2;
	int lfd = nb_listen("127.0.0.1", &port), lfd2 = nb_listen("127.0.0.1", &port2);
	const struct bgp_family both[] = { v4u, v6u };

	nb_set_second(200000);          /* it measures: a longer second */
	config(&nc, MS_IETF, false, port);
	make_peer(&nc, LOCAL_ID, &r);
	ck_assert(nb_accept(lfd, &a, 10));
	recv_open(&a, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_IETF);
	ck_assert(!o.caps.ms_ietf.redirect);
	send_open(&a, LOW_ID, both, 2, MS_DIALECT_IETF, port2);
	ck_assert(nb_expect_notification(&a, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_REDIRECTING_NOW, 10));
	ck_assert(nb_wait_eof(&a, 10));
	nb_close(&a);
	/* at once, where a restart would wait its back-off of 1 s */
	double t = nb_now();
	ck_assert(nb_accept(lfd2, &b, 10));
	ck_assert_msg(nb_now() - t < 1, "reconnected after %.2f s", nb_now() - t);
	recv_open(&b, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_IETF);
	ck_assert(has_fam(&o, v4u) && has_fam(&o, v6u));
	send_open(&b, LOW_ID, both, 2, MS_DIALECT_IETF, 0);
	confirm(&b, &r);
	ck_assert_uint_eq(r.established, 1);
	close(lfd);
	close(lfd2);
	finish();
}
END_TEST

START_TEST(test_redirect_offered)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb a, b;
	struct nb_msg m;
	struct bgp_open o;

	config(&nc, MS_IETF, true, 179);
	nc.family_ports[1] = 1790;              /* ipv6-unicast */
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	ck_assert(peer_accept(p, nb_tcp_pair(&a)));     /* on a port of no family */
	send_open(&a, LOW_ID, &v6u, 1, MS_DIALECT_IETF, 0);
	recv_open(&a, &o);
	ck_assert_int_eq(dialect_of(&o), MS_DIALECT_IETF);
	ck_assert(o.caps.ms_ietf.redirect);
	ck_assert_uint_eq(o.caps.ms_ietf.redirect_port, 1790);
	ck_assert(has_fam(&o, v6u) && !has_fam(&o, v4u));
	ck_assert(nb_expect(&a, BGP_KEEPALIVE, &m, 10));
	nb_send_keepalive(&a);          /* instead of a connection to 1790 */
	ck_assert(nb_expect_notification(&a, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_REDIRECT_REQUIRED, 10));
	ck_assert_uint_eq(r.established, 0);

	ck_assert(peer_accept(p, nb_tcp_pair(&b)));
	send_open(&b, LOW_ID, &v4u, 1, MS_DIALECT_IETF, 0);
	recv_open(&b, &o);
	ck_assert(!o.caps.ms_ietf.redirect);
	ck_assert(has_fam(&o, v4u) && !has_fam(&o, v6u));
	confirm(&b, &r);
	finish();
}
END_TEST

/* ---- limits ---------------------------------------------------------------- */

START_TEST(test_max_sessions)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb silent[PEER_MAX_SESSIONS + 1], talk[PEER_MAX_SESSIONS];
	struct bgp_open o;
	int sv[2];

	config(&nc, MS_IETF, true, 179);
	for (uint8_t i = 0; i < PEER_MAX_SESSIONS; i++)     /* eight families */
		nc.families[i] = (struct bgp_family){ (uint16_t)(1 + i % 2),
		    (uint8_t[]){ 1, 2, 4, 128 }[i / 2] };
	nc.family_count = PEER_MAX_SESSIONS;
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);

	/* eight that say nothing, then a ninth: the first silent one goes */
	for (int i = 0; i <= PEER_MAX_SESSIONS; i++)
		ck_assert_msg(peer_accept(p, nb_pair(&silent[i])), "connection %d refused", i);
	ck_assert(nb_wait_eof(&silent[0], 10));
	for (int i = 1; i <= PEER_MAX_SESSIONS; i++)
		ck_assert_msg(!silent[i].eof, "connection %d closed", i);
	for (int i = 1; i <= PEER_MAX_SESSIONS; i++)
		nb_close(&silent[i]);
	nb_run(1);

	/* eight that have sent their OPEN (a family each): a ninth is refused */
	for (int i = 0; i < PEER_MAX_SESSIONS; i++) {
		ck_assert(peer_accept(p, nb_pair(&talk[i])));
		send_open(&talk[i], LOW_ID, &nc.families[i], 1, MS_DIALECT_IETF, 0);
		recv_open(&talk[i], &o);
		ck_assert(has_fam(&o, nc.families[i]));
	}
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert(!peer_accept(p, sv[1]));
	close(sv[0]);
	close(sv[1]);
	for (int i = 0; i < PEER_MAX_SESSIONS; i++)
		ck_assert(!talk[i].eof);
	finish();
}
END_TEST

/* ---- one session's trouble stays its own ---------------------------------- */

/* Two multisession sessions from the neighbor: ipv4-unicast on a,
 * ipv6-unicast on b, both Established. */
static struct peer *two_sessions(struct prec *r, struct nb *a, struct nb *b)
{
	struct neighbor_config nc;
	struct bgp_open o;

	config(&nc, MS_IETF, true, 179);
	struct peer *p = make_peer(&nc, LOCAL_ID, r);
	ck_assert(peer_accept(p, nb_pair(a)));
	send_open(a, LOW_ID, &v4u, 1, MS_DIALECT_IETF, 0);
	recv_open(a, &o);
	confirm(a, r);
	ck_assert(peer_accept(p, nb_pair(b)));
	send_open(b, LOW_ID, &v6u, 1, MS_DIALECT_IETF, 0);
	recv_open(b, &o);
	confirm(b, r);
	ck_assert_uint_eq(established_count(p), 2);
	return p;
}

START_TEST(test_malformed_resets_one)
{
	struct prec r;
	struct nb a, b, a2;
	struct bgp_open o;
	static const uint8_t bad[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 23, BGP_UPDATE, 0, 9, 0, 0 };

	struct peer *p = two_sessions(&r, &a, &b);
	struct session *s4 = carrying(p, v4u), *s6 = carrying(p, v6u);
	unsigned id4 = session_id(s4);
	nb_write(&a, bad, sizeof bad);
	ck_assert(nb_expect_notification(&a, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, 10));
	ck_assert(nb_wait_eof(&a, 10));
	ck_assert_uint_eq(r.down, 1);
	ck_assert_ptr_eq(r.last_down, s4);
	nb_run(1);
	ck_assert(!b.eof);
	ck_assert_ptr_eq(carrying(p, v6u), s6);
	ck_assert_uint_eq(established_count(p), 1);

	ck_assert(peer_accept(p, nb_pair(&a2)));        /* it comes back */
	send_open(&a2, LOW_ID, &v4u, 1, MS_DIALECT_IETF, 0);
	recv_open(&a2, &o);
	confirm(&a2, &r);
	ck_assert_uint_eq(session_id(carrying(p, v4u)), id4);
	finish();
}
END_TEST

START_TEST(test_close_session)
{
	struct prec r;
	struct nb a, b;
	struct nb_msg m;
	static const char text[] = "maintenance";

	struct peer *p = two_sessions(&r, &a, &b);
	struct session *s4 = carrying(p, v4u), *s6 = carrying(p, v6u);
	ck_assert(peer_close_session(p, s4, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, text));
	ck_assert(!peer_close_session(p, s4, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, text));
	ck_assert(nb_expect(&a, BGP_NOTIFICATION, &m, 10));
	ck_assert_uint_eq(m.body[0], BGP_ERR_CEASE);
	ck_assert_uint_eq(m.body[1], BGP_CEASE_ADMIN_RESET);
	ck_assert_uint_eq(m.len, 3 + strlen(text));     /* RFC 9003: length, text */
	ck_assert_uint_eq(m.body[2], strlen(text));
	ck_assert(memcmp(m.body + 3, text, strlen(text)) == 0);
	ck_assert(nb_wait_eof(&a, 10));
	ck_assert_uint_eq(r.down, 1);
	ck_assert_ptr_eq(r.last_down, s4);
	nb_run(1);
	ck_assert(!b.eof);
	ck_assert_ptr_eq(carrying(p, v6u), s6);
	finish();
}
END_TEST

START_TEST(test_peer_json)
{
	struct prec r;
	struct nb a, b;

	struct peer *p = two_sessions(&r, &a, &b);
	json_t *j = peer_to_json(p);
	ck_assert_str_eq(json_string_value(json_object_get(j, "multisession")), "ietf");
	ck_assert_str_eq(json_string_value(json_object_get(j, "summary")),
	    "multisession with 2 sessions (2 established)");
	json_t *ss = json_object_get(j, "sessions");
	ck_assert_uint_eq(json_array_size(ss), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *one = json_array_get(ss, i);
		ck_assert_str_eq(json_string_value(json_object_get(one, "state")), "Established");
		ck_assert_str_eq(json_string_value(json_object_get(one, "multisession")), "ietf");
		ck_assert_int_eq(json_integer_value(json_object_get(one, "id")), (json_int_t)i + 1);
	}
	json_decref(j);
	/* a session on its way out is not shown */
	ck_assert(peer_close_session(p, carrying(p, v4u), BGP_ERR_CEASE,
	    BGP_CEASE_ADMIN_RESET, NULL));
	j = peer_to_json(p);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "sessions")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "summary")),
	    "multisession with 1 sessions (1 established)");
	json_decref(j);
	finish();
}
END_TEST

START_TEST(test_shutdown_then_gone)
{
	struct prec r;
	struct nb a, b;

	struct peer *p = two_sessions(&r, &a, &b);
	r.in_call = true;
	peer_shutdown(p, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED, NULL);
	peer_shutdown(p, BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, NULL);      /* nothing */
	r.in_call = false;
	ck_assert_uint_eq(r.gone, 0);
	ck_assert(nb_expect_notification(&a, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED, 10));
	ck_assert(nb_expect_notification(&b, BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED, 10));
	ck_assert(nb_until(is_gone, &r, 20));
	ck_assert_uint_eq(r.down, 2);
	nb_run(2);
	ck_assert_uint_eq(r.gone, 1);
	nb_end();
}
END_TEST

START_TEST(test_room_then_shutdown)
{
	struct neighbor_config nc;
	struct prec r;
	struct nb silent[PEER_MAX_SESSIONS + 1];
	struct session *ss[PEER_MAX_SESSIONS];

	config(&nc, MS_IETF, true, 179);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	r.in_call = true;
	for (int i = 0; i <= PEER_MAX_SESSIONS; i++)
		ck_assert_msg(peer_accept(p, nb_pair(&silent[i])), "connection %d refused", i);
	ck_assert_uint_eq(peer_sessions(p, ss, PEER_MAX_SESSIONS), PEER_MAX_SESSIONS);
	peer_shutdown(p, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	r.in_call = false;
	ck_assert_uint_eq(r.gone, 0);
	ck_assert(nb_until(is_gone, &r, 20));
	nb_run(1);
	ck_assert_uint_eq(r.gone, 1);
	nb_end();
}
END_TEST

START_TEST(test_shutdown_without_sessions)
{
	struct neighbor_config nc;
	struct prec r;

	config(&nc, MS_OFF, true, 179);
	struct peer *p = make_peer(&nc, LOCAL_ID, &r);
	r.in_call = true;
	peer_shutdown(p, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL);
	r.in_call = false;
	ck_assert_uint_eq(r.gone, 0);
	ck_assert(nb_until(is_gone, &r, 15));
	nb_run(0.5);
	ck_assert_uint_eq(r.gone, 1);
	nb_end();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("peer");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_collision, 0,
	    (int)(sizeof collisions / sizeof collisions[0]));
	tcase_add_test(tc, test_established_refuses);
	tcase_add_test(tc, test_cisco_one_family_each);
	tcase_add_test(tc, test_auto_falls_back);
	tcase_add_test(tc, test_redirect_followed);
	tcase_add_test(tc, test_redirect_offered);
	tcase_add_test(tc, test_max_sessions);
	tcase_add_test(tc, test_malformed_resets_one);
	tcase_add_test(tc, test_close_session);
	tcase_add_test(tc, test_peer_json);
	tcase_add_test(tc, test_shutdown_then_gone);
	tcase_add_test(tc, test_room_then_shutdown);
	tcase_add_test(tc, test_shutdown_without_sessions);
	suite_add_tcase(s, tc);
	return check_run(s);
}
