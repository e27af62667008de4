/*
 * ms_policy.c — multisession offers and what refusals teach.
 *
 * The neighbor's NOTIFICATION right after our OPEN says what it did not
 * accept; each lesson changes the next offer, so that the same refused
 * offer is never made twice in a row:
 *
 *   2/7  Unsupported Capability     auto: the next dialect (68, 131, none)
 *   2/9  Grouping Required (-06)    without 68: auto offers 68 next (ExaBGP:
 *                                   "multisession is mandatory")
 *   2/8  Grouping Conflict (-06;    the group it named in its own OPEN, if
 *        IOS: No Supported          it sent one; else one family per
 *        AFI/SAFI), 2/10 Capability connection; else the next family first;
 *        Value Mismatch (-06)       every family refused alone: auto moves on
 *   Cease, or the connection        no further connection until one goes
 *   closed before its OPEN, while   down (ExaBGP gives every connection to
 *   another session is up           its first neighbor block, and drops it
 *                                   once that block is Established)
 *
 * As the passive side, an answer refused with 2/8, 2/9 or 2/10 that
 * carried fewer families than the neighbor offered makes the next
 * answers carry them all.
 */
#include "muxd/ms_policy.h"

#include <string.h>

#include "muxd/bgp.h"
#include "muxd/bgp_multisession.h"

void ms_policy_init(struct ms_policy *p)
{
	memset(p, 0, sizeof *p);
	p->auto_offer = MS_DIALECT_IETF;
}

void ms_policy_families_changed(struct ms_policy *p)
{
	enum ms_dialect d = p->auto_offer;

	ms_policy_init(p);
	p->auto_offer = d;
}

void ms_policy_established(struct ms_policy *p)
{
	p->tried = 0;
}

void ms_policy_session_down(struct ms_policy *p)
{
	p->no_more = false;
}

int ms_fams_first(ms_fams f)
{
	return f ? __builtin_ctz(f) : -1;
}

unsigned ms_fams_count(ms_fams f)
{
	return (unsigned)__builtin_popcount(f);
}

/* One family of open: the first at or after rotate, in a circle. */
static ms_fams one_family(ms_fams open, uint8_t rotate, uint8_t nfam)
{
	for (uint8_t i = 0; i < nfam; i++) {
		uint8_t k = (uint8_t)((rotate + i) % nfam);
		if (open & (1u << k))
			return 1u << k;
	}
	return 0;
}

ms_fams ms_policy_offer(const struct ms_policy *p, enum ms_dialect d, ms_fams open,
    uint8_t nfam)
{
	if (open == 0)
		return 0;
	if (d == MS_DIALECT_CISCO)
		return one_family(open, p->rotate, nfam);
	if (d != MS_DIALECT_IETF)
		return open;
	if (p->want && (p->want & ~open) == 0)
		return p->want;
	return p->narrow ? one_family(open, p->rotate, nfam) : open;
}

ms_fams ms_policy_answer(const struct ms_policy *p, enum ms_dialect d, ms_fams offered,
    bool lists_caps)
{
	if (d == MS_DIALECT_IETF && (p->answer_all || lists_caps))
		return offered;
	return offered & (~offered + 1);        /* the first */
}

static enum ms_dialect next_dialect(enum ms_dialect d)
{
	return d == MS_DIALECT_IETF ? MS_DIALECT_CISCO :
	    d == MS_DIALECT_CISCO ? MS_DIALECT_NONE : MS_DIALECT_IETF;
}

/* auto only, and only for the dialect it was offering: an older
 * connection's refusal must not skip a dialect never tried. */
static enum ms_lesson move_dialect(struct ms_policy *p, enum ms_mode mode,
    enum ms_dialect offered)
{
	if (mode != MS_AUTO || offered != p->auto_offer)
		return MS_LESSON_NONE;
	p->auto_offer = next_dialect(p->auto_offer);
	p->tried = 0;
	p->rotate = 0;
	p->narrow = false;
	p->want = 0;
	return MS_LESSON_DIALECT;
}

/* One family refused alone: the next one first; once every family has
 * been refused in turn, the dialect is what it does not take. */
static enum ms_lesson single_refused(struct ms_policy *p, enum ms_mode mode, uint8_t nfam,
    const struct ms_refusal *r)
{
	if (++p->tried < nfam) {
		p->rotate = (uint8_t)((ms_fams_first(r->fams) + 1) % nfam);
		return MS_LESSON_ROTATE;
	}
	p->tried = 0;
	return move_dialect(p, mode, r->offered);
}

/* 2/8, 2/10 (and 2/9 to a 68 offer): the families did not suit it. */
static enum ms_lesson group_refused(struct ms_policy *p, enum ms_mode mode, uint8_t nfam,
    const struct ms_refusal *r)
{
	if (r->offered == MS_DIALECT_IETF && r->got_open && r->theirs &&
	    r->theirs != r->fams && r->theirs != p->want) {
		p->want = r->theirs;
		return MS_LESSON_WANT;
	}
	if (r->fams == p->want)
		p->want = 0;            /* its own group, refused: no use */
	if (r->offered == MS_DIALECT_IETF && ms_fams_count(r->fams) > 1 && !p->narrow) {
		p->narrow = true;
		return MS_LESSON_NARROW;
	}
	return single_refused(p, mode, nfam, r);
}

static enum ms_lesson learn_offer(struct ms_policy *p, enum ms_mode mode, uint8_t nfam,
    const struct ms_refusal *r)
{
	if (r->code == BGP_ERR_CEASE || r->code == 0) {
		if (!r->others_up || p->no_more)
			return MS_LESSON_NONE;
		p->no_more = true;
		return MS_LESSON_NO_MORE;
	}
	if (r->code != BGP_ERR_OPEN)
		return MS_LESSON_NONE;
	switch (r->subcode) {
	case BGP_ERR_OPEN_CAPABILITY:
		return move_dialect(p, mode, r->offered);
	case BGP_ERR_OPEN_MS_GROUPING_REQUIRED:
		if (r->offered == MS_DIALECT_IETF)
			return group_refused(p, mode, nfam, r);
		if (mode != MS_AUTO || p->auto_offer == MS_DIALECT_IETF ||
		    r->offered != p->auto_offer)
			return MS_LESSON_NONE;
		p->auto_offer = MS_DIALECT_IETF;
		p->tried = 0;
		return MS_LESSON_DIALECT;
	case BGP_ERR_OPEN_MS_GROUPING_CONFLICT:
	case BGP_ERR_OPEN_MS_VALUE_MISMATCH:
		if (r->offered == MS_DIALECT_NONE)
			return MS_LESSON_NONE;
		return group_refused(p, mode, nfam, r);
	default:
		return MS_LESSON_NONE;
	}
}

static enum ms_lesson learn_answer(struct ms_policy *p, const struct ms_refusal *r)
{
	bool grouping = r->subcode == BGP_ERR_OPEN_MS_GROUPING_CONFLICT ||
	    r->subcode == BGP_ERR_OPEN_MS_GROUPING_REQUIRED ||
	    r->subcode == BGP_ERR_OPEN_MS_VALUE_MISMATCH;

	if (r->code != BGP_ERR_OPEN || !grouping || r->offered != MS_DIALECT_IETF ||
	    p->answer_all || (r->theirs & ~r->fams) == 0)
		return MS_LESSON_NONE;
	p->answer_all = true;
	return MS_LESSON_ANSWER_ALL;
}

enum ms_lesson ms_policy_learn(struct ms_policy *p, enum ms_mode mode, uint8_t nfam,
    const struct ms_refusal *r)
{
	if (nfam == 0)
		return MS_LESSON_NONE;
	return r->ours ? learn_offer(p, mode, nfam, r) : learn_answer(p, r);
}
