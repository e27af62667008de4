/*
 * test_ms_policy.c — what muxd offers a multisession neighbor and what
 * each refusal teaches it (muxd/engine/ms_policy.c), played against the
 * neighbors the project has met: ExaBGP 4.2 (wants its own multiprotocol
 * set back, 2/8 otherwise; 2/9 to an offer without 68; drops a second
 * connection to a neighbor block that is up), Cisco IOS (2/7 to an offer
 * without 131) and a draft -03 speaker (answers a subset).
 *
 * Families are bits over the configured ones: V4 = bit 0, V6 = bit 1.
 */
#include <check.h>
#include <stdlib.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_multisession.h"
#include "muxd/engine/ms_policy.h"
#include "tests/unit/check_run.h"

#define V4 1u
#define V6 2u
#define ALL (V4 | V6)

static struct ms_refusal offer_refused(enum ms_dialect d, ms_fams fams, uint8_t code,
    uint8_t sub, ms_fams theirs)
{
	struct ms_refusal r = { .ours = true, .offered = d, .fams = fams, .code = code,
		.subcode = sub, .got_open = theirs != 0, .theirs = theirs };
	return r;
}

/* ExaBGP, one block per family, passive: our offer of both gets 2/8
 * after its OPEN named IPv4; the next offer is exactly IPv4, then IPv6
 * alone (once IPv4 is up), and never both again. */
START_TEST(test_exabgp_blocks_per_family)
{
	struct ms_policy p;
	ms_policy_init(&p);

	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), ALL);
	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_MS_GROUPING_CONFLICT, V4);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_WANT);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), V4);
	ms_policy_established(&p);
	/* IPv4 is up: what is left goes alone */
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, V6, 2), V6);

	/* its first block takes every connection and drops this one */
	r = offer_refused(MS_DIALECT_IETF, V6, 0, 0, 0);
	r.others_up = true;
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NO_MORE);
	ck_assert(p.no_more);
	/* once, not again while it stands */
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);
	ms_policy_session_down(&p);
	ck_assert(!p.no_more);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_IETF);
}
END_TEST

/* Without its OPEN to learn from, 2/8 to several families narrows the
 * offer to one family; a single family refused moves to the next one
 * first; when every family was refused alone, auto moves on. */
START_TEST(test_group_refused_without_open)
{
	struct ms_policy p;
	ms_policy_init(&p);

	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_MS_VALUE_MISMATCH, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NARROW);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), V4);

	r = offer_refused(MS_DIALECT_IETF, V4, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_CONFLICT, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_ROTATE);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), V6);

	r = offer_refused(MS_DIALECT_IETF, V6, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_CONFLICT, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_DIALECT);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_CISCO);
	/* Cisco's dialect: one family per OPEN, from the first again */
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_CISCO, ALL, 2), V4);
}
END_TEST

/* The group it asked for is refused too: no use offering it again. */
START_TEST(test_want_refused)
{
	struct ms_policy p;
	ms_policy_init(&p);

	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, V4, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_MS_GROUPING_CONFLICT, ALL);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_WANT);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), ALL);
	/* a part of it is up: the group cannot be offered; the rest goes */
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, V6, 2), V6);

	r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_CONFLICT, ALL);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NARROW);
	ck_assert_uint_eq(p.want, 0);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), V4);
}
END_TEST

/* The dialect cycle of auto: 2/7 (IOS to a 68 offer, or to none) moves
 * on; 2/9 ("multisession is mandatory", ExaBGP) brings 68 back; an old
 * connection's refusal of a dialect no longer offered changes nothing. */
START_TEST(test_dialects)
{
	struct ms_policy p;
	ms_policy_init(&p);

	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_CAPABILITY, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_DIALECT);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_CISCO);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);

	r = offer_refused(MS_DIALECT_CISCO, V4, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_DIALECT);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_NONE);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_NONE, ALL, 2), ALL);

	r = offer_refused(MS_DIALECT_NONE, ALL, BGP_ERR_OPEN, BGP_ERR_OPEN_MS_GROUPING_REQUIRED, V4);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_DIALECT);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_IETF);

	/* configured, not auto: the dialect stays what it is told */
	ms_policy_init(&p);
	r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_IETF, 2, &r), MS_LESSON_NONE);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_IETF);
}
END_TEST

/* Errors that are not about the offer teach nothing; a Cease with no
 * other session up is an ordinary collision or refusal. */
START_TEST(test_other_errors)
{
	struct ms_policy p;
	ms_policy_init(&p);

	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_PEER_AS, ALL);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);
	r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_CEASE, BGP_CEASE_COLLISION, 0);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);
	r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_HOLD, 0, ALL);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);
	ck_assert_uint_eq(ms_policy_offer(&p, MS_DIALECT_IETF, ALL, 2), ALL);
}
END_TEST

/* The passive side: a -03 speaker gets one family per session; ExaBGP
 * (its 68 lists the session's capabilities) gets its whole group at
 * once; a flags-only speaker that refuses a subset gets its group from
 * then on. */
START_TEST(test_answers)
{
	struct ms_policy p;
	ms_policy_init(&p);

	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_IETF, ALL, false), V4);
	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_IETF, V6, false), V6);
	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_IETF, ALL, true), ALL);
	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_CISCO, ALL, true), V4);
	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_IETF, 0, true), 0);

	struct ms_refusal r = { .ours = false, .offered = MS_DIALECT_IETF, .fams = V4,
		.got_open = true, .theirs = ALL, .code = BGP_ERR_OPEN,
		.subcode = BGP_ERR_OPEN_MS_GROUPING_CONFLICT };
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_ANSWER_ALL);
	ck_assert_uint_eq(ms_policy_answer(&p, MS_DIALECT_IETF, ALL, false), ALL);
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);

	/* an answer that already carried all it offered: nothing to learn */
	ms_policy_init(&p);
	r.fams = ALL;
	ck_assert_int_eq(ms_policy_learn(&p, MS_AUTO, 2, &r), MS_LESSON_NONE);

	/* the families changed: what was learnt about them goes, the
	 * dialect learnt stays */
	p.answer_all = true;
	p.want = V4;
	p.auto_offer = MS_DIALECT_CISCO;
	ms_policy_families_changed(&p);
	ck_assert(!p.answer_all);
	ck_assert_uint_eq(p.want, 0);
	ck_assert_int_eq(p.auto_offer, MS_DIALECT_CISCO);
}
END_TEST

/* Never the same refused offer twice in a row, whatever the refusals:
 * every lesson about an offer changes the next one, until auto has run
 * out of dialects to try (then it starts over with 68). */
START_TEST(test_never_the_same_offer_twice)
{
	static const uint8_t subs[] = { BGP_ERR_OPEN_MS_GROUPING_CONFLICT,
		BGP_ERR_OPEN_MS_GROUPING_REQUIRED, BGP_ERR_OPEN_MS_VALUE_MISMATCH,
		BGP_ERR_OPEN_CAPABILITY };
	struct ms_policy p;

	for (unsigned nfam = 1; nfam <= 3; nfam++) {
		ms_fams all = (1u << nfam) - 1;
		for (size_t k = 0; k < sizeof subs; k++) {
			ms_policy_init(&p);
			for (int round = 0; round < 12; round++) {
				enum ms_dialect d = p.auto_offer;
				ms_fams offer = ms_policy_offer(&p, d, all, (uint8_t)nfam);
				struct ms_refusal r = offer_refused(d, offer, BGP_ERR_OPEN,
				    subs[(k + (unsigned)round) % sizeof subs], 0);
				ck_assert_msg(ms_policy_learn(&p, MS_AUTO, (uint8_t)nfam, &r) !=
				    MS_LESSON_NONE, "nfam %u round %d: %u/%u to %d taught nothing",
				    nfam, round, r.code, r.subcode, d);
				ck_assert_msg(p.auto_offer != d ||
				    ms_policy_offer(&p, d, all, (uint8_t)nfam) != offer,
				    "nfam %u sub %u round %d: the same offer again", nfam,
				    subs[k], round);
			}
		}
	}
}
END_TEST

/* The log line says what was refused, how, and what comes next. */
START_TEST(test_lesson_text)
{
	static const struct bgp_family fams[] = { { 1, 1 }, { 2, 1 } };
	struct ms_policy p;
	char buf[640];

	ms_policy_init(&p);
	struct ms_refusal r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN,
	    BGP_ERR_OPEN_MS_GROUPING_CONFLICT, V4);
	enum ms_lesson l = ms_policy_learn(&p, MS_AUTO, 2, &r);
	ck_assert_str_eq(ms_lesson_text(&p, &r, l, fams, 2, buf, sizeof buf),
	    "multisession: the neighbor refused our offer (IETF, ipv4-unicast+ipv6-unicast) "
	    "with NOTIFICATION 2/8 (Grouping Conflict (draft-ietf-idr-bgp-multisession; "
	    "Cisco: No Supported AFI/SAFI)): its own OPEN named ipv4-unicast: offering "
	    "exactly that group next");

	r = offer_refused(MS_DIALECT_IETF, V6, 0, 0, 0);
	r.others_up = true;
	l = ms_policy_learn(&p, MS_AUTO, 2, &r);
	ck_assert_str_eq(ms_lesson_text(&p, &r, l, fams, 2, buf, sizeof buf),
	    "multisession: the neighbor refused our offer (IETF, ipv6-unicast) by closing "
	    "the connection: it takes no further session while one is up (ExaBGP hands "
	    "every connection to its first neighbor block): opening no more until a "
	    "session goes down");

	r = offer_refused(MS_DIALECT_IETF, ALL, BGP_ERR_OPEN, BGP_ERR_OPEN_CAPABILITY, 0);
	l = ms_policy_learn(&p, MS_AUTO, 2, &r);
	ck_assert_str_eq(ms_lesson_text(&p, &r, l, fams, 2, buf, sizeof buf),
	    "multisession: the neighbor refused our offer (IETF, ipv4-unicast+ipv6-unicast) "
	    "with NOTIFICATION 2/7 (Unsupported Capability): offering Cisco multisession "
	    "(capability 131) next");

	r = (struct ms_refusal){ .offered = MS_DIALECT_IETF, .fams = V4, .got_open = true,
		.theirs = ALL, .code = BGP_ERR_OPEN, .subcode = BGP_ERR_OPEN_MS_VALUE_MISMATCH };
	l = ms_policy_learn(&p, MS_AUTO, 2, &r);
	ck_assert_str_eq(ms_lesson_text(&p, &r, l, fams, 2, buf, sizeof buf),
	    "multisession: the neighbor refused our answer (IETF, ipv4-unicast) with "
	    "NOTIFICATION 2/10 (Capability Value Mismatch (draft-ietf-idr-bgp-multisession)): "
	    "it wants its own families back (ipv4-unicast+ipv6-unicast), as a draft -06/-07 "
	    "speaker such as ExaBGP does: answering with its whole group from now on");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("ms_policy");
	TCase *t = tcase_create("policy");

	tcase_add_test(t, test_exabgp_blocks_per_family);
	tcase_add_test(t, test_group_refused_without_open);
	tcase_add_test(t, test_want_refused);
	tcase_add_test(t, test_dialects);
	tcase_add_test(t, test_other_errors);
	tcase_add_test(t, test_answers);
	tcase_add_test(t, test_never_the_same_offer_twice);
	tcase_add_test(t, test_lesson_text);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(policy_suite());
}
