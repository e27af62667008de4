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
#include "muxd/engine/ms_policy.h"

#include <stdio.h>
#include <string.h>

#include "muxd/bgp/bgp.h"
#include "muxd/bgp/bgp_multisession.h"

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

/* The lowest family of a set, as an index; -1 for none. */
static int ms_fams_first(ms_fams f)
{
	return f ? __builtin_ctz(f) : -1;
}

static unsigned ms_fams_count(ms_fams f)
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
		if (r->offered == MS_DIALECT_NONE)      /* nothing to narrow */
			return move_dialect(p, mode, r->offered);
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

/* ---- the log line ------------------------------------------------------- */

/* "ipv4-unicast+ipv6-unicast" for a set of configured families. */
static const char *ms_fams_text(ms_fams m, const struct bgp_family *fams, uint8_t nfam,
    char *buf, size_t len)
{
	struct bgp_family f[BGP_MAX_FAMILIES];
	uint8_t n = 0;

	for (uint8_t i = 0; i < nfam && i < BGP_MAX_FAMILIES; i++)
		if (m & (1u << i))
			f[n++] = fams[i];
	return families_text(f, n, buf, len);
}

static const char *dialect_text(enum ms_dialect d)
{
	return d == MS_DIALECT_IETF ? "IETF multisession (capability 68)" :
	    d == MS_DIALECT_CISCO ? "Cisco multisession (capability 131)" :
	    "one ordinary session";
}

/* What the next offer is, after lesson l. */
static void next_text(const struct ms_policy *p, const struct ms_refusal *r,
    enum ms_lesson l, const struct bgp_family *fams, uint8_t nfam, char *buf, size_t len)
{
	char f[160];

	switch (l) {
	case MS_LESSON_DIALECT:
		snprintf(buf, len, "offering %s next", dialect_text(p->auto_offer));
		break;
	case MS_LESSON_WANT:
		snprintf(buf, len, "its own OPEN named %s: offering exactly that group "
		    "next", ms_fams_text(r->theirs, fams, nfam, f, sizeof f));
		break;
	case MS_LESSON_NARROW:
		snprintf(buf, len, "offering one family per session from now on");
		break;
	case MS_LESSON_ROTATE:
		snprintf(buf, len, "offering %s first next",
		    ms_fams_text(1u << p->rotate, fams, nfam, f, sizeof f));
		break;
	case MS_LESSON_NO_MORE:
		snprintf(buf, len, "it takes no further session while one is up (ExaBGP "
		    "hands every connection to its first neighbor block): opening no "
		    "more until a session goes down");
		break;
	case MS_LESSON_ANSWER_ALL:
		snprintf(buf, len, "it wants its own families back (%s), as a draft "
		    "-06/-07 speaker such as ExaBGP does: answering with its whole group "
		    "from now on", ms_fams_text(r->theirs, fams, nfam, f, sizeof f));
		break;
	default:
		snprintf(buf, len, "nothing learnt");
	}
}

const char *ms_lesson_text(const struct ms_policy *p, const struct ms_refusal *r,
    enum ms_lesson l, const struct bgp_family *fams, uint8_t nfam, char *buf, size_t len)
{
	char ours[160], how[200] = "by closing the connection", next[320];

	if (r->code)
		snprintf(how, sizeof how, "with NOTIFICATION %u/%u (%s)", r->code,
		    r->subcode, bgp_err_subcode_name(r->code, r->subcode));
	next_text(p, r, l, fams, nfam, next, sizeof next);
	snprintf(buf, len, "multisession: the neighbor refused our %s (%s, %s) %s: %s",
	    r->ours ? "offer" : "answer",
	    r->offered == MS_DIALECT_NONE ? "no multisession capability" :
	    r->offered == MS_DIALECT_IETF ? "IETF" : "Cisco",
	    ms_fams_text(r->fams, fams, nfam, ours, sizeof ours), how, next);
	return buf;
}
